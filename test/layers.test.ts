// The layer mechanism itself (graph/layers.ts, graph/library.ts, render/summary.ts,
// verify/layercheck.ts): hygiene, `...`, include, guards, contractions, the summary
// table against torchinfo-style arithmetic done by hand, and the layer-by-layer
// check of a network too large to evaluate. Library layers' shapes and gradients
// against formulas and PyTorch are test/library.test.ts's.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { AdjointForms, Derivation } from '../src/autodiff/forms.js';
import { derive } from '../src/autodiff/forms.js';
import { buildGraph } from '../src/graph/build.js';
import type { Graph } from '../src/graph/graph.js';
import type { Node } from '../src/ir/node.js';
import { mul, num } from '../src/ir/node.js';
import { rat } from '../src/ir/rational.js';
import { printLatex, printText } from '../src/ops/printer.js';
import { run, summary } from '../src/pipeline.js';
import { namingOf } from '../src/render/naming.js';
import { summaryText } from '../src/render/summary.js';
import { SpecError } from '../src/syntax/errors.js';
import { parseSpec } from '../src/syntax/parse.js';
import { checkDerivation } from '../src/verify/gradcheck.js';
import type { Io } from '../src/cli.js';
import { main } from '../src/cli.js';

const graph = (text: string, file = 't.layer'): Graph => buildGraph(parseSpec(file, text));

function specError(text: string, file = 't.layer'): SpecError {
  try {
    graph(text, file);
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('expected a SpecError');
}

const hasGuard = (n: Node): boolean => (n.op === 'read' && n.attrs.guarded === true) || n.args.some(hasGuard);

describe('layer calls', () => {
  test('a body sees only its own names: the caller’s z is unknown inside it', () => {
    const e = specError('input z\ninput x[3]\ndef f(x[N])\n  y[i] = x[i] + z\nend\nc = f(x)\n');
    expect(e.span?.line).toBe(6);
    expect(e.detail).toMatch(/unknown name z in layer f/);
    expect(e.detail).toMatch(/t\.layer:4:/); // names the def's line where it arose
  });

  test('`...` takes any rank: relu over a 3-index tensor keeps its shape and reads elementwise', () => {
    const g = graph('use std\ninput x[2, 3, 4]\nr = relu(x)\n');
    const r = g.tensors.get('r')!;
    expect(r.dims.map((d) => [d.lo, d.hi].map((n) => n.attrs.value!.n))).toEqual([[1n, 2n], [1n, 3n], [1n, 4n]]);
    // y[i, j, k] = relu(x[i, j, k]): the same three indices, in order
    expect(r.body!.op).toBe('relu');
    expect(r.body!.args[0]!.args.map((a) => a.attrs.name)).toEqual(r.dims.map((d) => d.index));
  });

  test('relu of a scalar is the function, relu of a tensor the layer', () => {
    const g = graph('use std\ninput s, x[3]\na = relu(s + 1)\nb = relu(x)\n');
    expect(g.layers.map((u) => u.name)).toEqual(['b']);
    expect(g.tensors.get('a')!.body!.op).toBe('relu');
  });

  test('params are created per call and named after it; LaTeX writes them w^{[c1]}', () => {
    const g = graph('use std\ninput x[1, 6]\nc1 = conv1d(x, out = 2, kernel = 3)\nc2 = conv1d(c1, out = 1, kernel = 2)\n');
    expect([...g.tensors.keys()]).toEqual(['x', 'c1.w', 'c1.b', 'c1', 'c2.w', 'c2.b', 'c2']);
    expect(printLatex(g.tensors.get('c2')!.body!, namingOf(g))).toContain('w^{[\\mathrm{c2}]}');
  });

  test('a `?` that can never matter is dropped (pad = 0), and kept where it reads padding (pad = 1)', () => {
    const g = graph('use std\ninput x[1, 6]\na = conv1d(x, out = 1, kernel = 3)\nb = conv1d(x, out = 1, kernel = 3, pad = 1)\n');
    expect(hasGuard(g.tensors.get('a')!.body!)).toBe(false);
    expect(hasGuard(g.tensors.get('b')!.body!)).toBe(true);
  });

  test('a library brought in twice is the same library; a layer defined twice is an error', () => {
    expect(() => graph('use std\nuse std\ninput x[3]\nr = relu(x)\n')).not.toThrow();
    const e = specError('def f(x[N])\n  y[i] = x[i]\nend\ndef f(x[N])\n  y[i] = x[i]\nend\n');
    expect(e.span?.line).toBe(4);
    expect(e.detail).toMatch(/already defined/);
  });

  test('an index summed bare over dimensions of different extents is a shape mismatch at the read', () => {
    const e = specError('input x[10]\nparam w[4, 16]\ny[o] = sum(c, w[o, c] * x[c])\n');
    expect(e.span).toMatchObject({ line: 3, col: 25 });
    expect(e.detail).toBe("shape mismatch: the sum over c runs over all of w's dimension 2 (1..16) and all of x's dimension 1 (1..10)");
    // the valid-convolution reading of offsets is unchanged
    expect(() => graph('input x[5]\nparam w[2]\no[j] = sum(k, w[k] * x[j + k - 1])\n')).not.toThrow();
  });

  test('`//` by zero, from an attribute, is an error at the call', () => {
    const e = specError('use std\ninput x[1, 7]\nc = conv1d(x, out = 1, kernel = 2, stride = 0)\n');
    expect(e.span?.line).toBe(3);
    expect(e.detail).toMatch(/the divisor stride of \/\/ must be a positive integer, and here it is 0/);
  });
});

describe('include', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradproof-include-'));
  writeFileSync(join(dir, 'mine.layer'), '# my layers\ndef double(x[N])\n  y[i] = 2 * x[i]\nend\n');
  writeFileSync(join(dir, 'a.layer'), 'include "b.layer"\n');
  writeFileSync(join(dir, 'b.layer'), 'include "a.layer"\n');
  writeFileSync(join(dir, 'notes.layer'), 'def f(x[N])\n  y[i] = x[i]\nend\ninput z[2]\n');

  test('brings a file’s layers, relative to the including file', () => {
    const g = graph('include "mine.layer"\ninput x[3]\nd = double(x)\n', join(dir, 'main.layer'));
    expect(g.layers[0]!.layer).toBe('double');
    expect(g.layers[0]!.def.span.file).toBe(join(dir, 'mine.layer'));
  });

  test('a cycle is an error at the include line', () => {
    const e = specError('include "a.layer"\n', join(dir, 'main.layer'));
    expect(e.detail).toMatch(/include cycle/);
  });

  test('an included file holds layers only: its other lines are errors, never dropped', () => {
    const e = specError('include "notes.layer"\n', join(dir, 'main.layer'));
    expect(e.span?.line).toBe(4);
    expect(e.detail).toMatch(/may only hold def … end, use and include lines/);
  });

  test('a missing file is an error at the include', () => {
    const e = specError('input x[2]\ninclude "nowhere.layer"\n', join(dir, 'main.layer'));
    expect(e.span?.line).toBe(2);
  });
});

describe('gradproof summary', () => {
  // torchinfo's arithmetic by hand for the seed's first two layers:
  // c1: 10 filters of 3×9×9 plus 10 biases = 2430 + 10 = 2440; output ⌊(256 − 9)/1⌋ + 1 = 248
  // c2: 20 filters of 10×7×7 plus 20 = 9800 + 20 = 9820; output ⌊(248 − 7)/2⌋ + 1 = 121
  const text = 'use std\ninput img[3, 256, 256]\nc1 = conv2d(img, filters = 10, kernel = 9)\nr1 = relu(c1)\nc2 = conv2d(r1, filters = 20, kernel = 7, stride = 2)\n';

  test('rows, shapes, counts and the total', () => {
    const s = summary('cnn.layer', text);
    expect(s.rows.map((r) => [r.name, r.shape.join('×'), r.count])).toEqual([
      ['img', '3×256×256', '0'],
      ['c1', '10×248×248', '2,440'],
      ['r1', '10×248×248', '0'],
      ['c2', '20×121×121', '9,820'],
    ]);
    expect(s.rows[1]!.params.map((p) => [p.name, p.shape.join('×'), p.count])).toEqual([['c1.w', '10×3×9×9', '2,430'], ['c1.b', '10', '10']]);
    expect(s.totalParams).toBe('12,260');
    const t = summaryText(s);
    expect(t).toContain('conv2d(r1, filters = 20, kernel = 7, stride = 2)');
    expect(t).toMatch(/total params: 12,260$/);
  });

  test('symbolic sizes give polynomials: conv1d of x[C, N] with 4 filters of 3 has 12·C + 4', () => {
    const s = summary('s.layer', 'use std\ninput x[C, N]\nc = conv1d(x, out = 4, kernel = 3)\n');
    expect(s.rows[1]!.shape).toEqual(['4', 'N − 2']);
    expect(s.rows[1]!.count).toBe('12·C + 4');
    expect(s.sizes).toEqual(['C', 'N']);
  });

  test('a hand-written definition owns the declared params it reads', () => {
    const s = summary('h.layer', 'input x[5]\nparam w[2]\no[j] = sum(k, w[k] * x[j + k - 1])\n');
    expect(s.rows.map((r) => [r.name, r.what, r.count])).toEqual([['x', 'input', '0'], ['o', 'definition', '2']]);
  });

  test('the command line prints it, and --json gives the same numbers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradproof-summary-'));
    const file = join(dir, 'cnn.layer');
    writeFileSync(file, text);
    let out = '';
    const io: Io = { out: (x) => void (out += x), err: () => undefined };
    expect(main(['summary', file], io)).toBe(0);
    expect(out).toContain('c2.w');
    out = '';
    expect(main(['summary', '--json', file], io)).toBe(0);
    expect((JSON.parse(out) as { totalParams: string }).totalParams).toBe('12,260');
  });
});

describe('checking a network too large to evaluate', () => {
  test('each layer is checked through its def at small sizes, and the report says what was not checked', () => {
    const file = 'derivations/seed/cnn.layer';
    const r = run(file, readFileSync(file, 'utf8'), { check: true, present: false });
    expect(r.check!.tried).toEqual([]);
    const conv = r.layerChecks!.find((l) => l.attrs.startsWith('kernel = 9'))!;
    expect(conv.layer).toBe('conv2d');
    // kernel 9 needs H, W ≥ 9; one larger gives a 2×2 output as well
    expect(conv.inputs).toEqual(['x[2, 9, 9]', 'x[2, 10, 10]']);
    expect(conv.reduced).toEqual(['filters = 2 (the file: 10)']);
    expect(conv.report!.pass).toBe(true);
    let out = '';
    const io: Io = { out: (x) => void (out += x), err: () => undefined };
    expect(main(['check', file], io)).toBe(0);
    expect(out).toContain('NOT CHECKED as a whole');
    expect(out).toContain('Not checked: the composition at the file');
    expect(out).not.toMatch(/^\s*PASS\b/m);
  });

  test('a tensor checked along random directions only still catches a form off by 1e-15', () => {
    // the directional path (elementLimit) is the only one for big tensors: it must not be blind
    // x has 10 elements, c 8: with a limit of 8, x is checked along directions only, c per element
    const g = graph('use std\ninput x[1, 10]\nc = conv1d(x, out = 1, kernel = 3)\noutput c\n');
    const d = derive(g);
    const f = d.adjoints.get('x')!;
    const adjoints = new Map(d.adjoints);
    adjoints.set('x', { ...f, closed: { ...f.closed, result: mul(num(rat(10n ** 15n + 1n, 10n ** 15n)), f.closed.result) } } as AdjointForms);
    const wrong: Derivation = { ...d, adjoints };
    const ok = checkDerivation(d, { elementLimit: 8, points: 1 });
    expect(ok.pass).toBe(true);
    const c = checkDerivation(wrong, { elementLimit: 8, points: 1 });
    const inner = c.forms.find((x) => x.gradient === 'x' && x.form === 'inner')!;
    expect(inner.pass).toBe(false);
    expect(inner.maxRelError).toBeGreaterThan(1e-17);
    expect(c.forms.some((x) => x.gradient === 'x' && x.form === 'closed')).toBe(false);
  });
});

describe('closed forms through library layers read as a textbook writes them', () => {
  const closed = (text: string, name: string): string => {
    const r = run('t.layer', text, { present: false });
    return printText(r.derivation.adjoints.get(name)!.closed.result, namingOf(r.graph));
  };

  test('flatten’s adjoint is a read at the flat index: ∂L/∂x[m, q, r] = ∂L/∂f[12(m − 1) + 4(q − 1) + r]', () => {
    // x[2, 3, 4] flattened channel-major: element (m, q, r) sits at 12·(m − 1) + 4·(q − 1) + r
    // = 12m + 4q + r − 16 (hand arithmetic: (1, 1, 1) → 1, (2, 3, 4) → 24)
    expect(closed('use std\ninput x[2, 3, 4]\nf = flatten(x)\n', 'x')).toBe('∂L/∂f[12·m + 4·q + r − 16]');
  });

  test('average pooling 2×2: each input gets a quarter of its window’s upstream, ∂L/∂p[m, ⌈q/2⌉, ⌈r/2⌉]/4', () => {
    // INDEX-CALCULUS.md's 1-D result ō[m] = ½·ȳ[⌈m/2⌉], in two dimensions; ⌈q/2⌉ = ⌊(q + 1)/2⌋
    expect(closed('use std\ninput x[2, 4, 4]\np = avgpool2d(x, kernel = 2)\n', 'x')).toBe('∂L/∂p[m, ⌊(q + 1)/2⌋, ⌊(r + 1)/2⌋]/4');
    expect(closed('use std\ninput x[1, 6]\np = avgpool1d(x, kernel = 2)\n', 'x')).toBe('∂L/∂p[m, ⌊(q + 1)/2⌋]/2');
  });

  test('max pooling 2×2: no sum is left, only the four cases of where x sits in its window', () => {
    const form = closed('use std\ninput x[2, 4, 4]\np = maxpool2d(x, kernel = 2)\n', 'x');
    expect(form).not.toContain('Σ');
    expect(form.match(/∂L\/∂p\[/g)).toHaveLength(4);
  });
});

describe('divisors', () => {
  test('flatten of symbolic H, W is a located error that says the divisor must be a number', () => {
    const e = specError('use std\ninput x[C, H, W]\nf = flatten(x)\n');
    expect(e.span?.line).toBe(3);
    expect(e.detail).toMatch(/in flatten: \/\/ takes a number as its divisor, and \(H\*W\) is not one here/);
  });
});

describe('limits are per form, not per file', () => {
  test('a small 2-D max-pooling network whose written-out elements pass the step limit still derives', () => {
    // each of c3.w's 100 elements written out: 36 window terms × 4 max-pool cases, past
    // 20,000 steps; this once failed the whole file
    const text = 'use std\ninput img[2, 26, 26]\nc2 = conv2d(img, filters = 2, kernel = 7, stride = 2)\nc3 = conv2d(c2, filters = 2, kernel = 5)\np3 = maxpool2d(c3, kernel = 2)\ngrad c3.w\n';
    const d = derive(graph(text));
    const f = d.adjoints.get('c3.w')!;
    expect(f.elements).toBeUndefined();
    expect(f.closedLimit).toBeUndefined();
    expect(printText(f.closed.result)).toContain('∂L/∂p3[m, ⌊(i + 1)/2⌋, ⌊(j + 1)/2⌋]');
  }, 30_000);
});
