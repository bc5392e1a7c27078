// Limits (issue 9): strange and huge input gets a located error naming the limit it
// reached (src/limits.ts), or an honest result; never a stack overflow, a hang or an
// unlocated crash. Each case says by hand what the input is and what must come out.
import { describe, expect, it } from 'vitest';
import { MAX_EXPRESSION_DEPTH, MAX_LATEX_CHARS, MAX_LINES, MAX_NESTING, MAX_TENSORS, MAX_WRITTEN_NODES } from '../src/limits.js';
import { printText } from '../src/ops/printer.js';
import { run } from '../src/pipeline.js';
import { formatError, SpecError } from '../src/syntax/errors.js';

function errorOf(text: string, opts: Parameters<typeof run>[2] = {}): SpecError {
  try {
    run('t.layer', text, { present: false, ...opts });
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw new Error(`not a SpecError: ${(e as Error).stack ?? String(e)}`);
  }
  throw new Error('no error');
}

describe('nesting', () => {
  it('10⁴ parentheses: a located error at the 101st, the line shown as a window', () => {
    const e = errorOf(`input x\ny = ${'('.repeat(10_000)}x${')'.repeat(10_000)}\noutput y\n`);
    expect(e.kind).toBe('limit');
    expect(e.detail).toContain(`limit of ${MAX_NESTING} levels`);
    // "y = " is 4 characters: the 101st bracket is at column 4 + 101
    expect([e.span?.line, e.span?.col]).toEqual([2, 105]);
    const shown = e.message.split('\n')[1]!;
    expect(shown.length).toBeLessThan(130); // a window of 120 characters and two ellipses
  });

  it('300 unary minuses (no brackets): the operator-depth limit, located', () => {
    const e = errorOf(`input x\ny = ${'- '.repeat(300)}x\noutput y\n`);
    expect(e.kind).toBe('limit');
    expect(e.detail).toContain(`limit of ${MAX_EXPRESSION_DEPTH} levels`);
    expect(e.span?.line).toBe(2);
  });

  it('10⁴ unary minuses or powers: too deep for the parser, a located limit error, not a stack overflow', () => {
    for (const body of [`${'- '.repeat(10_000)}x`, `${'x^'.repeat(10_000)}x`]) {
      const e = errorOf(`input x\ny = ${body}\noutput y\n`);
      expect(e.kind).toBe('limit');
      expect(e.span?.line).toBe(2);
    }
  });

  it('150 unary minuses derive: (−1)^150 = 1, so dL/dx = dL/dy', () => {
    const r = run('t.layer', `input x\ny = ${'- '.repeat(150)}x\noutput y\n`, { present: false });
    expect(r.derivation.adjoints.get('x')!.closed.result.op).toBe('adj');
  });
});

describe('size', () => {
  it('a sum of 3000 terms on one line derives (regrouped, no deep recursion): dL/dx = (1 + 2 + … + 3000)·dL/dy', () => {
    const terms = Array.from({ length: 3000 }, (_, k) => `${k + 1}*x`).join(' + ');
    const r = run('t.layer', `input x\ny = ${terms}\noutput y\n`, { present: false });
    // 1 + … + 3000 = 3000·3001/2 = 4501500
    expect(printText(r.derivation.adjoints.get('x')!.closed.result)).toContain('4501500');
  });

  it('a sum of 10⁵ terms: the simplifier’s step limit, reported at the line with what was being worked out', () => {
    const e = errorOf(`input x\ny = ${Array(100_000).fill('x').join(' + ')}\noutput y\n`);
    expect(e.kind).toBe('limit');
    expect(e.span?.line).toBe(2);
    expect(e.detail).toMatch(/step limit|expression-size limit/);
    expect(e.detail).toContain('working out');
  });

  it(`more than ${MAX_TENSORS} tensors: the tensor limit at the first one past it`, () => {
    const lines = ['input x', 'y0 = x', ...Array.from({ length: MAX_TENSORS }, (_, k) => `y${k + 1} = y${k} + x`)];
    const e = errorOf(lines.join('\n'));
    expect(e.kind).toBe('limit');
    // x is tensor 1 and y0 tensor 2, so y9999 (line 10001) would be tensor 10001
    expect(e.span?.line).toBe(MAX_TENSORS + 1);
    expect(e.detail).toContain(`limit of ${MAX_TENSORS} tensors`);
  });

  it(`more than ${MAX_LINES} lines: refused at once, at the first line past the limit`, () => {
    const e = errorOf(`input x\ny = x\n${'# a comment\n'.repeat(MAX_LINES)}`);
    expect(e.kind).toBe('limit');
    expect(e.span?.line).toBe(MAX_LINES + 1);
  });

  it('10⁵ comment lines around a small file: derived as usual', () => {
    const r = run('t.layer', `input x\n${'# note\n'.repeat(100_000)}y = x^2\noutput y\n`, { present: false });
    expect(r.derivation.adjoints.get('x')).toBeDefined();
  });
});

describe('written-out elements', () => {
  it(`an element that would grow past ${MAX_WRITTEN_NODES} nodes is left out, like a tensor of more than 8 elements`, () => {
    // found by the fuzz campaign (2.8–7.9 s cases): conv → tanh → max pool → dense wrote
    // ∂L/∂l1.w[1, 1, 1, 1] out as ~100 KB (every pooled position of the 5×7 map, unrolled)
    const text = 'use std\ninput  x[1, 3, 5]\nl1 = conv2d(x, filters = 2, kernel = 1, pad = 1)\nl2 = tanh(l1)\nl3 = maxpool2d(l2, kernel = 2, stride = 1)\nl4 = flatten(l3)\nl5 = dense(l4, out = 2)\nloss L = sum(i, log(1 + exp(l5[i])))\n';
    const r = run('t.layer', text, { present: false });
    const d = r.derivation.adjoints;
    expect(d.get('l1.w')!.elements).toBeUndefined();
    expect(d.get('l1.w')!.closed.result).toBeDefined();
    // dL/dl5.b[1] = σ(l5[1]) = exp(l5[1])/(exp(l5[1]) + 1): small, written out
    expect(d.get('l5.b')!.elements!.map((e) => printText(e.form))).toEqual(['exp(l5[1])/(exp(l5[1]) + 1)', 'exp(l5[2])/(exp(l5[2]) + 1)']);
  });
});

describe('numbers', () => {
  it('a size of 10²⁰ stays symbolic in the proofs; the check skips it, naming the element limit', () => {
    const r = run('t.layer', 'input x[100000000000000000000]\ny[i] = 2 * x[i]\noutput y\n', { present: false, check: true });
    expect(r.check!.tried).toEqual([]);
    expect(r.check!.skipped.join(' ')).toMatch(/elements \(limit 4096\)/);
    expect(r.check!.pass).toBe(false); // not checked is not passed
  });

  it('1e309 (beyond float64) is exact in the 64-digit check: dL/dx = 1e309·dL/dy passes', () => {
    const r = run('t.layer', 'input x\ny = x * 1e309\noutput y\n', { present: false, check: true });
    expect(r.check!.pass).toBe(true);
  });

  it('an index offset of 1e16 or 1e309: exact in the proofs; the check skips the sizes, naming the index-bound limit', () => {
    for (const [big, shown] of [['1e16', 'of 1.000e+16'], ['1e309', 'above 1e308'], ['-1e309', 'below −1e308']] as const) {
      const r = run('t.layer', `input x[5]\no[j] = x[j - ${big}]\noutput o\n`, { present: false, check: true });
      // o[j] = x[j − c] ranges over j = c + 1..c + 5, so dL/dx[m] = dL/do[m + c], c written exactly
      const c = big.startsWith('-') ? -1n : 1n;
      const offset = c * 10n ** BigInt(big.replace(/^-?1e/, ''));
      expect(printText(r.derivation.adjoints.get('x')!.closed.result).replace(/\s+/g, '')).toContain(`o[m${offset < 0n ? '−' : '+'}${offset < 0n ? -offset : offset}]`);
      expect(r.check!.tried).toEqual([]);
      expect(r.check!.skipped).toEqual([`the declared sizes (the index set of o has a bound ${shown}, past the index-bound limit (±1e15))`]);
      expect(r.check!.pass).toBe(false);
    }
    // 10¹⁴ is inside it: checked as usual
    expect(run('t.layer', 'input x[5]\no[j] = x[j - 1e14]\noutput o\n', { present: false, check: true }).check!.pass).toBe(true);
  });
});

describe('NaN-producing input: honest verdicts, never a failure invented', () => {
  it('batch norm without ε: σ² = 0 at n = 1, so n = 1 is skipped with its reason and the other sizes pass', () => {
    const text = 'input x[n]\nmu = sum(i, x[i]) / n\nvar = sum(i, (x[i] - mu)^2) / n\nxhat[i] = (x[i] - mu) / sqrt(var)\noutput xhat\n';
    const c = run('t.layer', text, { present: false, check: true }).check!;
    expect(c.tried).toEqual(['n=2', 'n=3', 'n=5', 'n=8']);
    expect(c.skipped.join(' ')).toMatch(/n=1 \(no point where the forward pass is finite \(xhat is NaN/);
    expect(c.pass).toBe(true);
  });

  it('the log of a negative number everywhere: not checked (exit status not 0), and a claim is an error saying why', () => {
    const text = 'input x\ny = log(-x^2 - 1)\noutput y\nclaim dL/dx = dL/dy * 2*x/(x^2+1)\n';
    const r = run('t.layer', text, { present: false, check: true, verify: true });
    expect(r.check!.tried).toEqual([]);
    expect(r.check!.pass).toBe(false);
    const v = r.claims![0]!.verdict;
    expect(v.kind).toBe('error');
    expect(v.kind === 'error' && v.message).toMatch(/could not be tested: no point where the forward pass is finite/);
  });
});

describe('formatError', () => {
  it('shows a long line as a window around the column, with the caret under the same character', () => {
    const source = `${'a'.repeat(500)}X${'b'.repeat(500)}`;
    const out = formatError('here', { file: 'f', line: 1, col: 501, endCol: 502, source });
    const [, shown, caret] = out.split('\n');
    expect(shown![caret!.indexOf('^')]).toBe('X');
    expect(shown!.startsWith('  …')).toBe(true);
  });
});

describe('LaTeX claims', () => {
  it('a claim of 18 000 implicit factors (`vxxx…`, found by fuzzing) is an error verdict at its line, not a stack overflow', () => {
    const text = `input x\ny = x^2\noutput y\nclaim latex: \\frac{\\partial L}{\\partial x} = 2 v${'x'.repeat(18_000)}\n`;
    const r = run('t.layer', text, { present: false, verify: true });
    const v = r.claims![0]!.verdict;
    expect(v.kind).toBe('error');
    expect(v.kind === 'error' && v.message).toContain(`limit of ${MAX_LATEX_CHARS}`);
    expect(v.kind === 'error' && v.line).toBe(4);
  });

  it('300 implicit factors (within the length limit): the operator-depth limit, at the claim', () => {
    const text = `input x\ny = x^2\noutput y\nclaim latex: \\frac{\\partial L}{\\partial x} = 2 v${'x'.repeat(300)}\n`;
    const v = run('t.layer', text, { present: false, verify: true }).claims![0]!.verdict;
    expect(v.kind === 'error' && v.message).toContain(`limit of ${MAX_EXPRESSION_DEPTH} levels`);
  });
});
