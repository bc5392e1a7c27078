// The syntax stage: every example of LANGUAGE.md parses into the expected shape,
// and bad input gives a SpecError at the exact line and column, naming what was expected.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Binder, Condition, Expr, Spec, Statement } from '../src/syntax/ast.js';
import { SpecError } from '../src/syntax/errors.js';
import { parseConditions, parseExpr, parseSpec } from '../src/syntax/parse.js';

// ── compact printing: an S-expression without spans ──────────────────────────────

const binder = (b: Binder): string => (b.range ? `${b.index}:${sx(b.range.lo)}..${sx(b.range.hi)}` : b.index);
const subscript = (indices: readonly Expr[], guarded: boolean): string =>
  indices.length ? `[${indices.map(sx).join(', ')}]${guarded ? '?' : ''}` : '';

function sx(e: Expr): string {
  switch (e.kind) {
    case 'num': return e.text;
    case 'name': return e.name;
    case 'index': return e.name + subscript(e.indices, e.guarded);
    case 'adjoint': return `d${e.loss}/d${e.of}${subscript(e.indices, e.guarded)}`;
    case 'neg': return `(neg ${sx(e.arg)})`;
    case 'binary': return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case 'call': return `(call ${[e.fn, ...e.args.map(sx)].join(' ')})`;
    case 'reduce': return `(${[e.fn, ...e.binders.map(binder), sx(e.body)].join(' ')})`;
    case 'bracket': return `[${sx(e.left)} ${e.rel} ${sx(e.right)}]`;
    case 'rest': return '...';
  }
}

const cond = (c: Condition): string => `${sx(c.left)} ${c.rel} ${sx(c.right)}`;

function one(line: string): Statement {
  const { statements } = parseSpec('t.layer', line);
  expect(statements).toHaveLength(1);
  return statements[0]!;
}

function def(line: string): { name: string; binders: string[]; body: string } {
  const s = one(line);
  if (s.kind !== 'def') throw new Error(`not a definition: ${s.kind}`);
  return { name: s.name, binders: s.binders.map(binder), body: sx(s.body) };
}

const ex = (text: string): string => sx(parseExpr('t.layer', text));

function syntaxError(text: string): SpecError {
  try {
    // a bad claim line is kept as a claimError statement (one bad claim never hides the
    // others); its error is the same located SpecError
    const bad = parseSpec('bad.layer', text).statements.find((st) => st.kind === 'claimError');
    if (bad?.kind === 'claimError') return bad.error;
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error(`parsed without error: ${text}`);
}

// ── LANGUAGE.md, verbatim ───────────────────────────────────────────────────────

const languagePage = new URL('../../shared/design/LANGUAGE.md', import.meta.url);

describe('LANGUAGE.md', () => {
  test.skipIf(!existsSync(languagePage))('every line of every code block parses', () => {
    const blocks = [...readFileSync(languagePage, 'utf8').matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const statements = blocks.flatMap((b) => parseSpec('LANGUAGE.md', b).statements);
    expect(statements.length).toBeGreaterThanOrEqual(30);
  });

  test('declarations', () => {
    const x = one('input  x[n]            # a vector whose size n is a symbol');
    expect(x).toMatchObject({ kind: 'decl', role: 'input', items: [{ name: 'x' }] });
    if (x.kind !== 'decl') throw new Error();
    expect(x.items[0]!.dims.map(sx)).toEqual(['n']);

    const img = one('input  img[3, 256, 256]');
    if (img.kind !== 'decl') throw new Error();
    expect(img.items[0]!.dims.map(sx)).toEqual(['3', '256', '256']);

    expect(one('param  w[2]')).toMatchObject({ role: 'param', items: [{ name: 'w' }] });
    const gb = one('param  gamma, beta     # scalars');
    expect(gb).toMatchObject({ role: 'param', items: [{ name: 'gamma', dims: [] }, { name: 'beta', dims: [] }] });

    const eps = one('const  eps > 0');
    if (eps.kind !== 'decl') throw new Error();
    expect(eps.role).toBe('const');
    expect(eps.items[0]!.assumption?.rel).toBe('>');
    expect(sx(eps.items[0]!.assumption!.bound)).toBe('0');

    const lr = one('const  lr = 0.01       # a constant with a value');
    if (lr.kind !== 'decl') throw new Error();
    expect(sx(lr.items[0]!.value!)).toBe('0.01');
    expect(lr.items[0]!.assumption).toBeUndefined();

    const pos = one('input x[n] > 0');
    if (pos.kind !== 'decl') throw new Error();
    expect(pos.items[0]).toMatchObject({ name: 'x', assumption: { rel: '>' } });
    expect(one('param s > 0')).toMatchObject({ role: 'param', items: [{ name: 's', assumption: { rel: '>' } }] });

    const size = one('size n >= 3, m < 10, k <= n + 1');
    if (size.kind !== 'decl') throw new Error();
    expect(size.role).toBe('size');
    expect(size.items.map((i) => `${i.name} ${i.assumption?.rel} ${sx(i.assumption!.bound)}`)).toEqual([
      'n >= 3', 'm < 10', 'k <= (+ n 1)',
    ]);
  });

  test('definitions', () => {
    expect(def('mu       = sum(i, x[i]) / n                  # scalar')).toEqual({
      name: 'mu', binders: [], body: '(/ (sum i x[i]) n)',
    });
    expect(def('xhat[i]  = (x[i] - mu) / sqrt(var + eps)')).toEqual({
      name: 'xhat', binders: ['i'], body: '(/ (- x[i] mu) (call sqrt (+ var eps)))',
    });
    expect(def('o[j]     = sum(k, w[k] * x[j + k - 1])').body).toBe('(sum k (* w[k] x[(- (+ j k) 1)]))');
    expect(def('s[j in 1..n-2] = x[j] + x[j + 2]')).toEqual({
      name: 's', binders: ['j:1..(- n 2)'], body: '(+ x[j] x[(+ j 2)])',
    });
    expect(def('y[p]     = (o[2*p - 1] + o[2*p]) / 2').body).toBe('(/ (+ o[(- (* 2 p) 1)] o[(* 2 p)]) 2)');
    expect(def('m[p]     = max(r in 1..2, o[2*(p - 1) + r])  # max as a reduction').body).toBe(
      '(max r:1..2 o[(+ (* 2 (- p 1)) r)])',
    );
    expect(def('z[i in 1..n+1] = x[i - 1]?')).toEqual({ name: 'z', binders: ['i:1..(+ n 1)'], body: 'x[(- i 1)]?' });
    expect(def('X[i, j in 1..3] = A[i, j]')).toEqual({ name: 'X', binders: ['i', 'j:1..3'], body: 'A[i, j]' });
    expect(def('f[i] = x[(i - 1) // 2 + 1]').body).toBe('x[(+ (// (- i 1) 2) 1)]');
    expect(def('b[t] = beta^t').body).toBe('(^ beta t)');
  });

  test('output, loss and grad', () => {
    expect(one('output y               # L is an unspecified scalar function of y')).toMatchObject({
      kind: 'output', names: [{ name: 'y' }],
    });
    expect(one('output y, z')).toMatchObject({ kind: 'output', names: [{ name: 'y' }, { name: 'z' }] });
    const loss = one('loss   L = sum(i, (y[i] - t[i])^2) / 2      # or a concrete scalar loss');
    if (loss.kind !== 'loss') throw new Error();
    expect(loss.name).toBe('L');
    expect(sx(loss.body)).toBe('(/ (sum i (^ (- y[i] t[i]) 2)) 2)');
    const grad = one('grad   beta, gamma, xhat, var, mu, x        # leaves and intermediates alike');
    expect(grad).toMatchObject({ kind: 'grad' });
    if (grad.kind !== 'grad') throw new Error();
    expect(grad.names.map((n) => n.name)).toEqual(['beta', 'gamma', 'xhat', 'var', 'mu', 'x']);
    expect(grad.names[1]!.span).toMatchObject({ line: 1, col: 14, endCol: 19 });
  });

  test('claims in spec syntax', () => {
    const beta = one('claim dL/dbeta = sum(i, dL/dy[i])');
    if (beta.kind !== 'claim') throw new Error();
    expect([sx(beta.lhs), sx(beta.rhs)]).toEqual(['dL/dbeta', '(sum i dL/dy[i])']);
    expect(beta.where).toEqual([]);
    expect(beta.text).toBe('claim dL/dbeta = sum(i, dL/dy[i])');

    const v = one('claim dL/dvar  = sum(i, dL/dxhat[i] * (x[i] - mu)) * (-1/2) * (var + eps)^(-3/2)');
    if (v.kind !== 'claim') throw new Error();
    expect(sx(v.rhs)).toBe(
      '(* (* (sum i (* dL/dxhat[i] (- x[i] mu))) (/ (neg 1) 2)) (^ (+ var eps) (/ (neg 3) 2)))',
    );

    const wLine = 'claim dL/dw[1] = dL/dy[1] * x[2] + dL/dy[2] * x[3]  where o[2] > o[1], o[3] >= o[4]  # case';
    const w = one(wLine);
    if (w.kind !== 'claim') throw new Error();
    expect(sx(w.lhs)).toBe('dL/dw[1]');
    expect(w.where.map(cond)).toEqual(['o[2] > o[1]', 'o[3] >= o[4]']);
    expect(w.where[1]!.span).toMatchObject({ col: wLine.indexOf('o[3]') + 1, endCol: wLine.indexOf('  #') + 1 });
    expect(w.text).toBe(wLine.slice(0, wLine.indexOf('  #')));

    const all = one('claim a = b where i < j, i <= j, i > j, i >= j, i = j, i != j');
    if (all.kind !== 'claim') throw new Error();
    expect(all.where.map((c) => c.rel)).toEqual(['<', '<=', '>', '>=', '=', '!=']);
  });

  test('claim latex keeps the raw LaTeX', () => {
    const latex = String.raw`\frac{\partial L}{\partial \sigma^2} = \sum_{i=1}^{n} \frac{\partial L}{\partial \hat{x}_i} (x_i - \mu) \cdot \left(-\tfrac{1}{2}\right) (\sigma^2 + \epsilon)^{-3/2}`;
    const s = one(`claim latex: ${latex}`);
    if (s.kind !== 'claimLatex') throw new Error();
    expect(s.latex).toBe(latex);
    expect(s.where).toEqual([]);
    expect(s.latexSpan).toMatchObject({ line: 1, col: 14, endCol: 14 + latex.length });
  });

  test('claim latex: a trailing where clause is spec syntax', () => {
    const line = String.raw`claim latex: \frac{\partial L}{\partial w_1} = \text{ where } y_1 where o[2] > o[1], o[3] >= o[4]  # expect: holds`;
    const s = one(line);
    if (s.kind !== 'claimLatex') throw new Error();
    expect(s.latex).toBe(String.raw`\frac{\partial L}{\partial w_1} = \text{ where } y_1`);
    expect(s.where.map(cond)).toEqual(['o[2] > o[1]', 'o[3] >= o[4]']);
    expect(s.where[0]!.span.col).toBe(line.indexOf('o[2]') + 1);
    expect(s.where[0]!.span.source).toBe(line);
    expect(s.text).toBe(line.slice(0, line.indexOf('  #')));
    // `where` inside braces, not followed by conditions, stays LaTeX
    const t = one(String.raw`claim latex: y = x \quad \text{where x > 0 holds}`);
    expect(t).toMatchObject({ kind: 'claimLatex', where: [] });
  });

  test('tex strings keep LaTeX backslashes; only \\" and \\\\ are escapes', () => {
    expect(one('tex var "\\sigma^2"')).toMatchObject({ kind: 'tex', name: 'var', tex: '\\sigma^2' });
    expect(one('tex xhat "\\hat{x}"')).toMatchObject({ name: 'xhat', tex: '\\hat{x}' });
    expect(one('tex q "a \\"b\\" \\\\ c # d" # comment')).toMatchObject({ tex: 'a "b" \\ c # d' });
    expect(one('tex W2 "W^{[2]}"')).toMatchObject({ name: 'W2', tex: 'W^{[2]}' });
  });

  test('the whole file at the end of LANGUAGE.md', () => {
    const file = [
      '# Conv1D followed by average pooling of size 2',
      'input  x[5]',
      'param  w[2]',
      'o[j] = sum(k, w[k] * x[j + k - 1])',
      'y[p] = (o[2*p - 1] + o[2*p]) / 2',
      'output y',
      'grad w, x',
      'claim dL/dw[1] = (dL/dy[1] * (x[1] + x[2]) + dL/dy[2] * (x[3] + x[4])) / 2',
      'claim dL/dw[2] = (dL/dy[1] * (x[2] + x[3]) + dL/dy[2] * (x[4] + x[5])) / 2',
      '',
    ].join('\r\n');
    const spec: Spec = parseSpec('conv.layer', file);
    expect(spec.file).toBe('conv.layer');
    expect(spec.statements.map((s) => s.kind)).toEqual(['decl', 'decl', 'def', 'def', 'output', 'grad', 'claim', 'claim']);
    expect(spec.statements.map((s) => s.span.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const claim = spec.statements[6]!;
    if (claim.kind !== 'claim') throw new Error();
    expect(sx(claim.rhs)).toBe('(/ (+ (* dL/dy[1] (+ x[1] x[2])) (* dL/dy[2] (+ x[3] x[4]))) 2)');
    expect(claim.span.source).toBe(file.split('\r\n')[7]);
    const o = spec.statements[2]!;
    if (o.kind !== 'def') throw new Error();
    expect(o.nameSpan).toEqual({ file: 'conv.layer', line: 4, col: 1, endCol: 2, source: 'o[j] = sum(k, w[k] * x[j + k - 1])' });
    expect(o.body.span).toMatchObject({ col: 8, endCol: 35 });
  });
});

// ── expressions ─────────────────────────────────────────────────────────────────

describe('expressions', () => {
  test.each([
    ['-x^2', '(neg (^ x 2))'],
    ['a^b^c', '(^ a (^ b c))'],
    ['a^-b', '(^ a (neg b))'],
    ['a^-b^c', '(^ a (neg (^ b c)))'],
    ['(-x)^2', '(^ (neg x) 2)'],
    ['2*p - 1', '(- (* 2 p) 1)'],
    ['a - b - c', '(- (- a b) c)'],
    ['a - -b', '(- a (neg b))'],
    ['a / b * c // d % e', '(% (// (* (/ a b) c) d) e)'],
    ['x[(i - 1) // 2 + 1]', 'x[(+ (// (- i 1) 2) 1)]'],
    ['i % 2', '(% i 2)'],
    ['2 * -3', '(* 2 (neg 3))'],
    ['1e-5 + 0.5 + .5 + 2 + 1.5E+3', '(+ (+ (+ (+ 1e-5 0.5) .5) 2) 1.5E+3)'],
    ['dL/dx', 'dL/dx'],
    ['dL/dx[i]', 'dL/dx[i]'],
    ['dL/do[m - k + 1]?', 'dL/do[(+ (- m k) 1)]?'],
    ['dLoss/dmu * 2', '(* dLoss/dmu 2)'],
    ['dL / dx', '(/ dL dx)'],
    ['dx + d', '(+ dx d)'],
    ['d/dx', '(/ d dx)'],
    ['x[i - 1]?', 'x[(- i 1)]?'],
    ['x[i, j+1]', 'x[i, (+ j 1)]'],
    ['exp(x) + max(a, b) + min(a, b) + f()', '(+ (+ (+ (call exp x) (call max a b)) (call min a b)) (call f))'],
    ['sum(i, j, x[i] * y[j])', '(sum i j (* x[i] y[j]))'],
    ['sum(i in 1..n, j, e)', '(sum i:1..n j e)'],
    ['sum(i, j)', '(sum i j)'],
    ['sum(x)', '(call sum x)'],
    ['mean(i, x[i])', '(mean i x[i])'],
    ['max(r in 1..2, o[r])', '(max r:1..2 o[r])'],
    ['min(r in 1..n-1, s, o[r, s])', '(min r:1..(- n 1) s o[r, s])'],
    ['max(a, b)', '(call max a b)'],
    ['max(i, x[i])', '(call max i x[i])'],
    ['[i = j] + [i < j] + [i <= j] + [i != j] + [i > j] + [i >= j]',
      '(+ (+ (+ (+ (+ [i = j] [i < j]) [i <= j]) [i != j]) [i > j]) [i >= j])'],
    ['[i + 1 = 2*j] * x', '(* [(+ i 1) = (* 2 j)] x)'],
    ['μ + σ^2 * γ - β / ε + η * π', '(+ (- (+ μ (* (^ σ 2) γ)) (/ β ε)) (* η π))'],
    ['x_1 + w2', '(+ x_1 w2)'],
  ])('%s', (text, expected) => {
    expect(ex(text)).toBe(expected);
  });

  test('ranges: 1..n is 1 to n, not the number 1.', () => {
    expect(def('s[j in 1..n] = x[j]').binders).toEqual(['j:1..n']);
    expect(def('s[j in 0..2] = x[j]').binders).toEqual(['j:0..2']);
    expect(def('s[j in 1.5..2.5] = x[j]').binders).toEqual(['j:1.5..2.5']);
    expect(def('s[j in max(1, k)..min(n, k + 2)] = x[j]').binders).toEqual(['j:(call max 1 k)..(call min n (+ k 2))']);
  });

  test('spans are 1-based columns on the line, parentheses included', () => {
    const e = parseExpr('e.layer', '(a + b) * c', 7, 10, 'claim latex: ..(a + b) * c');
    expect(e.span).toMatchObject({ file: 'e.layer', line: 7, col: 11, endCol: 22, source: 'claim latex: ..(a + b) * c' });
    if (e.kind !== 'binary') throw new Error();
    expect(e.left.span).toMatchObject({ col: 11, endCol: 18 });
    expect(parseExpr('e', 'μ + x').span).toMatchObject({ col: 1, endCol: 6 });
  });

  test('parseConditions', () => {
    expect(parseConditions('c', 'o[2] > o[1], x != 0').map(cond)).toEqual(['o[2] > o[1]', 'x != 0']);
  });

  test('Greek identifiers and comments', () => {
    const spec = parseSpec('g.layer', '# header\n\n   # indented comment\nparam γ, β # scalars\nμ = sum(i, x[i]) / n# tight comment\n');
    expect(spec.statements.map((s) => s.kind)).toEqual(['decl', 'def']);
    expect(spec.statements[0]).toMatchObject({ items: [{ name: 'γ' }, { name: 'β' }], span: { line: 4 } });
    expect(spec.statements[1]).toMatchObject({ name: 'μ', span: { line: 5, col: 1, endCol: 21 } });
  });

  test('names may contain keywords; `latex` is a name outside claim latex:', () => {
    expect(def('index = inputs + sizes').body).toBe('(+ inputs sizes)');
    expect(one('claim latex = 2')).toMatchObject({ kind: 'claim' });
  });

  test('a long flat line parses', () => {
    const e = parseExpr('long', 'a' + ' + a * b'.repeat(2000));
    expect(e.kind).toBe('binary');
  });
});

// ── errors ──────────────────────────────────────────────────────────────────────

describe('syntax errors', () => {
  test.each([
    ['o[j] = sum(k, w[k] * )', 1, 22, /unexpected "\)": expected an expression/],
    ['input x[n', 1, 10, /unexpected end of line: expected "\]"/],
    ['xhat[i] = (x[i] - mu', 1, 21, /unexpected end of line: expected "\)"/],
    ['xhat[i] = (x[i] - mu  # a comment', 1, 21, /unexpected end of line: expected "\)"/],
    ['x = a @ b', 1, 7, /unexpected "@": expected an operator or end of line/],
    ['@', 1, 1, /unexpected "@": expected a statement/],
    ['tex var "\\sigma^2', 1, 18, /unexpected end of line: expected a closing quote/],
    ['tex var sigma', 1, 9, /expected a string in double quotes/],
    ['mu sum(i, x[i])', 1, 4, /unexpected "sum": expected "=" or "\["/],
    ['x = input + 1', 1, 5, /"input" is a reserved word/],
    ['input', 1, 6, /expected a name/],
    ['y = [i] * 2', 1, 7, /expected a comparison/],
    ['y = 1.', 1, 6, /unexpected "\."/],
    ['claim a = b where c', 1, 20, /expected a comparison/],
    ['claim latex:', 1, 13, /expected a LaTeX equation/],
    ['claim latex: a = b where o[2] >', 1, 32, /expected an expression/],
    ['s[j in 1..] = x[j]', 1, 11, /unexpected "\]": expected an expression/],
    ['grad w,', 1, 8, /expected a name/],
    ['m = max(r in 1..2 o[r])', 1, 19, /unexpected "o": expected "," or an operator/],
  ])('%s', (text, line, col, message) => {
    const e = syntaxError(text);
    expect(e.kind).toBe('syntax');
    expect(e.span).toMatchObject({ file: 'bad.layer', line, col });
    expect(e.detail).toMatch(message);
    expect(e.message).toContain(`bad.layer:${line}:${col}: `);
  });

  test('a bad claim is kept as an error and the lines after it are still read', () => {
    const spec = parseSpec('bad.layer', 'input x[n]\nclaim x[1] = = 2\nclaim x[1] = x[1]\ngrad x');
    expect(spec.statements.map((st) => st.kind)).toEqual(['decl', 'claimError', 'claim', 'grad']);
    const bad = spec.statements[1]!;
    if (bad.kind !== 'claimError') throw new Error('not a claim error');
    expect(bad.error.span).toMatchObject({ line: 2, col: 14 }); // the second '='
  });

  test('an error on line 3 of a file is reported on line 3', () => {
    const e = syntaxError('input x[n]\r\nparam w[2]\r\ny[i] = x[i] * w[1 +]\r\noutput y\r\n');
    expect(e.span).toMatchObject({ line: 3, col: 20, endCol: 21, source: 'y[i] = x[i] * w[1 +]' });
    expect(e.message).toBe('bad.layer:3:20: unexpected "]": expected an expression\n  y[i] = x[i] * w[1 +]\n                     ^');
  });

  test('the caret covers the offending token', () => {
    expect(syntaxError('x = a b12 c').span).toMatchObject({ col: 7, endCol: 10 });
  });

  test('nesting beyond the limit is a limit error, not a crash', () => {
    const deep = syntaxError('x = ' + '('.repeat(10_000) + 'a' + ')'.repeat(10_000));
    expect(deep.kind).toBe('limit');
    expect(deep.detail).toMatch(/100 levels/);
    expect(deep.span?.col).toBe(105);
    expect(() => parseSpec('ok', 'x = ' + '('.repeat(100) + 'a' + ')'.repeat(100))).not.toThrow();
    expect(() => parseSpec('ok', 'x = ' + 'x['.repeat(100) + '1' + ']'.repeat(100))).not.toThrow();
    const signs = syntaxError('x = ' + '-'.repeat(20_000) + 'a');
    expect(signs.kind).toBe('limit');
    const powers = syntaxError('x = a' + '^a'.repeat(20_000));
    expect(powers.kind).toBe('limit');
  });
});
