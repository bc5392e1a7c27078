// The LaTeX reader (`claim latex:`): every LaTeX claim of the seed's hand derivations
// reads into the expected Expr, each notation of LANGUAGE.md's "Claims" section is
// read as a mathematician would, and bad LaTeX is a SpecError at the exact column of
// the .layer line.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Binder, Expr } from '../src/syntax/ast.js';
import { SpecError } from '../src/syntax/errors.js';
import { parseSpec } from '../src/syntax/parse.js';
import { KNOWN_COMMANDS } from '../src/syntax/tex-names.js';
import { parseTexClaim, type TexName, type TexNames } from '../src/syntax/tex.js';

// ── compact printing: an S-expression without spans (as in syntax.test.ts) ─────────

const binder = (b: Binder): string => (b.range ? `${b.index}:${sx(b.range.lo)}..${sx(b.range.hi)}` : b.index);
const subscript = (indices: readonly Expr[]): string => (indices.length ? `[${indices.map(sx).join(', ')}]` : '');

function sx(e: Expr): string {
  switch (e.kind) {
    case 'num': return e.text;
    case 'name': return e.name;
    case 'index': return e.name + subscript(e.indices);
    case 'adjoint': return `d${e.loss}/d${e.of}${subscript(e.indices)}`;
    case 'neg': return `(neg ${sx(e.arg)})`;
    case 'binary': return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case 'call': return `(call ${[e.fn, ...e.args.map(sx)].join(' ')})`;
    case 'reduce': return `(${[e.fn, ...e.binders.map(binder), sx(e.body)].join(' ')})`;
    case 'bracket': return `[${sx(e.left)} ${e.rel} ${sx(e.right)}]`;
    case 'rest': return '...';
  }
}

const FUNCTIONS = ['exp', 'log', 'sqrt', 'abs', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'max', 'min'];

/** The seed's batch norm and convolution names: σ² is `var`, σ is declared, x̂ is `xhat`. */
const SEED: TexNames = {
  names: [
    { name: 'x', dims: 1 }, { name: 'n', dims: 0 }, { name: 'mu', dims: 0 },
    { name: 'var', dims: 0, tex: '\\sigma^2' }, { name: 'sigma', dims: 0, tex: '\\sigma' },
    { name: 'xhat', dims: 1, tex: '\\hat{x}' }, { name: 'eps', dims: 0 }, { name: 'gamma', dims: 0 },
    { name: 'beta', dims: 0 }, { name: 'y', dims: 1 }, { name: 'o', dims: 1 }, { name: 'w', dims: 1 },
  ],
  loss: 'L',
  functions: FUNCTIONS,
};

/** A network's names: layer-indexed tensors with tex names, a 2-D A, a loss written 𝓛, no σ declared. */
const NET: TexNames = {
  names: [
    { name: 'W2', dims: 2, tex: 'W^{[2]}' }, { name: 'a1', dims: 1, tex: 'a^{(1)}' }, { name: 'A', dims: 2 },
    { name: 'x', dims: 1 }, { name: 'z', dims: 1 }, { name: 'b', dims: 0 }, { name: 'c', dims: 0 },
    { name: 'e', dims: 1 }, { name: 'eps', dims: 0, tex: '\\varepsilon' }, { name: 'mu', dims: 0 },
    { name: 'X', dims: 2 }, { name: 'xhat', dims: 1 }, { name: 'W3', dims: 2 }, { name: 'h', dims: 1, tex: '\\mathfrak{h}' },
  ],
  loss: 'L',
  lossTex: '\\mathcal{L}',
  functions: FUNCTIONS,
};

const PREFIX = 'claim latex: '; // the LaTeX starts at column 14

function read(latex: string, names: TexNames = SEED): { lhs: Expr; rhs: Expr } {
  return parseTexClaim({ file: 't.layer', line: 3, col: PREFIX.length + 1, source: PREFIX + latex, latex, names });
}

/** `lhs = rhs` as S-expressions. */
function eq(latex: string, names: TexNames = SEED): string {
  const { lhs, rhs } = read(latex, names);
  return `${sx(lhs)} = ${sx(rhs)}`;
}

/** The right side alone, for `x = …` claims. */
function rhs(latex: string, names: TexNames = SEED): string {
  return sx(read(`x = ${latex}`, names).rhs);
}

function failure(latex: string, names: TexNames = SEED): SpecError {
  try {
    read(latex, names);
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error(`no error for ${latex}`);
}

const with_ = (extra: readonly TexName[], base: TexNames = NET): TexNames => ({ ...base, names: [...base.names, ...extra] });

// ── the seed ───────────────────────────────────────────────────────────────────────

describe('every LaTeX claim of the seed', () => {
  const seed = readFileSync(new URL('../../shared/seed/hand-derivations.md', import.meta.url), 'utf8');
  const claims = [...seed.matchAll(/```latex\n([^]*?)```/g)].flatMap((m) => m[1]!.split('\n')).filter((l) => l.trim());

  test('all twelve parse', () => {
    expect(claims).toHaveLength(12);
    for (const latex of claims) expect(() => read(latex), latex).not.toThrow();
  });

  test('batch norm: β, γ, x̂', () => {
    expect(eq(claims[0]!)).toBe('dL/dbeta = (sum i:1..n dL/dy[i])');
    expect(eq(claims[1]!)).toBe('dL/dgamma = (sum i:1..n (* dL/dy[i] xhat[i]))');
    expect(eq(claims[2]!)).toBe('dL/dxhat[i] = (* dL/dy[i] gamma)');
  });

  test('σ²: \\sigma^2 is var as a whole, \\sigma^3 is sigma cubed, \\sum covers the whole product', () => {
    const { lhs, rhs: r } = read(claims[3]!);
    expect(lhs).toMatchObject({ kind: 'adjoint', loss: 'L', of: 'var', indices: [] });
    expect(r.kind).toBe('reduce');
    if (r.kind !== 'reduce') return;
    expect(r.fn).toBe('sum');
    expect(r.binders.map(binder)).toEqual(['i:1..n']);
    // the product after \sum, up to the end: ∂L/∂x̂ᵢ (xᵢ − μ) · (−1/σ³) (σ² + ε)^(−1/2)
    expect(sx(r.body)).toBe('(* (* (* dL/dxhat[i] (- x[i] mu)) (/ (neg 1) (^ sigma 3))) (^ (+ var eps) (neg (/ 1 2))))');
  });

  test('μ: the first \\sum stops at the "+"; a \\sum in a numerator with a leading minus', () => {
    expect(eq(claims[4]!)).toBe(
      'dL/dmu = (+ (sum i:1..n (* (* dL/dxhat[i] (/ (neg 1) (^ sigma 3))) (^ (+ var eps) (neg (/ 1 2)))))'
      + ' (* dL/dvar (/ (sum i:1..n (neg (* 2 (- x[i] mu)))) n)))',
    );
  });

  test('x: three terms', () => {
    expect(eq(claims[5]!)).toBe(
      'dL/dx[i] = (+ (+ (* dL/dxhat[i] (^ (+ var eps) (neg (/ 1 2)))) (* dL/dvar (/ (* 2 (- x[i] mu)) n))) (* dL/dmu (/ 1 n)))',
    );
  });

  test('convolution and pooling', () => {
    expect(eq(claims[6]!)).toBe('dL/dw[1] = (sum i:1..4 (* dL/do[i] x[i]))');
    expect(eq(claims[7]!)).toBe('dL/dw[2] = (sum i:1..4 (* dL/do[i] x[(+ i 1)]))');
    expect(eq(claims[8]!)).toBe('dL/dw[1] = (* (/ 1 2) (+ (* dL/dy[1] (+ x[1] x[2])) (* dL/dy[2] (+ x[3] x[4]))))');
    expect(eq(claims[9]!)).toBe('dL/dw[2] = (* (/ 1 2) (+ (* dL/dy[1] (+ x[2] x[3])) (* dL/dy[2] (+ x[4] x[5]))))');
    expect(eq(claims[10]!)).toBe('dL/dw[1] = (+ (* dL/dy[1] x[2]) (* dL/dy[2] x[3]))');
    expect(eq(claims[11]!)).toBe('dL/dw[2] = (+ (* dL/dy[1] x[3]) (* dL/dy[2] x[4]))');
  });

  test("LANGUAGE.md's example: \\left(-\\tfrac{1}{2}\\right) and (σ² + ε)^{-3/2}", () => {
    const latex = String.raw`\frac{\partial L}{\partial \sigma^2} = \sum_{i=1}^{n} \frac{\partial L}{\partial \hat{x}_i} (x_i - \mu) \cdot \left(-\tfrac{1}{2}\right) (\sigma^2 + \epsilon)^{-3/2}`;
    expect(eq(latex)).toBe(
      'dL/dvar = (sum i:1..n (* (* (* dL/dxhat[i] (- x[i] mu)) (neg (/ 1 2))) (^ (+ var eps) (neg (/ 3 2)))))',
    );
  });

  test('read from a .layer line, the spans point into that line', () => {
    const line = String.raw`claim latex: \frac{\partial L}{\partial \hat{x}_i} = \frac{\partial L}{\partial y_i} \gamma  # x̂`;
    const s = parseSpec('t.layer', line).statements[0]!;
    if (s.kind !== 'claimLatex') throw new Error('not a LaTeX claim');
    const { lhs, rhs: r } = parseTexClaim({
      file: 't.layer', line: s.latexSpan.line, col: s.latexSpan.col, source: s.latexSpan.source, latex: s.latex, names: SEED,
    });
    const at = (text: string): number => line.indexOf(text) + 1;
    expect(lhs.span).toEqual({ file: 't.layer', line: 1, col: at('\\frac'), endCol: at(' = ') , source: line });
    if (lhs.kind !== 'adjoint' || r.kind !== 'binary') throw new Error('shape');
    expect(lhs.indices[0]!.span).toMatchObject({ col: at('i}') , endCol: at('i}') + 1 });
    expect(r.right.span).toMatchObject({ col: at('\\gamma'), endCol: at('\\gamma') + '\\gamma'.length });
    expect(r.span.endCol).toBe(at('  #'));
  });
});

// ── notation ───────────────────────────────────────────────────────────────────────

describe('adjoints', () => {
  test('∂, d and upright d; \\dfrac and \\tfrac; ∂L/∂x with a slash', () => {
    expect(eq(String.raw`\frac{\partial L}{\partial x_i} = \frac{dL}{dx_i} + \frac{\mathrm{d}L}{\mathrm{d}x_i}`))
      .toBe('dL/dx[i] = (+ dL/dx[i] dL/dx[i])');
    expect(eq(String.raw`\dfrac{\partial L}{\partial \mu} = \tfrac{\partial L}{\partial \gamma} \partial L / \partial \beta`))
      .toBe('dL/dmu = (* dL/dgamma dL/dbeta)');
    expect(eq(String.raw`\frac{d L}{d \mu} = \frac{\text{d} L}{\operatorname{d} \mu}`)).toBe('dL/dmu = dL/dmu');
  });

  test('a loss written \\mathcal{L} through its tex string, and a loss of another name', () => {
    expect(eq(String.raw`\frac{\partial \mathcal{L}}{\partial z_i} = \frac{d\mathcal{L}}{dz_i}`, NET)).toBe('dL/dz[i] = dL/dz[i]');
    const J: TexNames = { ...SEED, loss: 'J' };
    expect(eq(String.raw`\frac{\partial J}{\partial \mu} = 0`, J)).toBe('dJ/dmu = 0');
  });

  test('d over something other than the loss is a fraction; ∂ over it is an error', () => {
    expect(eq(String.raw`\frac{dy}{dx} = \frac{d}{dx}`)).toBe('(/ (* d y) (* d x)) = (/ d (* d x))');
    const e = failure(String.raw`\frac{\partial y}{\partial x} = 0`);
    expect(e.detail).toMatch(/only the loss L/);
    expect(e.span!.col).toBe(PREFIX.length + 1 + '\\frac{\\partial '.length);
  });

  test('tex names with their own scripts match as a whole; indices follow them', () => {
    expect(eq(String.raw`\frac{\partial \mathcal{L}}{\partial W^{[2]}_{k,i}} = \frac{\partial L}{\partial a^{(1)}_i} a^{(1)}_k`, NET))
      .toBe('dL/dW2[k, i] = (* dL/da1[i] a1[k])');
    // without a tex line, W^{[2]} is the declared W3's sibling only where declared: W^{[3]} → W3
    expect(rhs(String.raw`W^{[3]}_{ij} + W^{[3]}`, NET)).toBe('(+ W3[i, j] W3)');
    // a tex string with a command the reader does not know is still a name as a whole
    expect(rhs(String.raw`\mathfrak{h}_i`, NET)).toBe('h[i]');
  });

  test('a power after ∂ is an error unless a tex line names it', () => {
    const e = failure(String.raw`\frac{\partial L}{\partial \mu^2} = 0`);
    expect(e.detail).toMatch(/only a name/);
    expect(e.span!.col).toBe(PREFIX.length + 1 + '\\frac{\\partial L}{\\partial '.length);
  });
});

describe('names', () => {
  test('tex strings first, longest first: \\sigma^2 is var, \\sigma^3 is sigma cubed, \\sigma^{2} is var too', () => {
    expect(rhs(String.raw`\sigma^2 + \sigma^3 + \sigma^{2} + \sigma`)).toBe('(+ (+ (+ var (^ sigma 3)) var) sigma)');
  });

  test('Greek by default: \\mu, \\epsilon and \\varepsilon, Unicode names, \\pi', () => {
    expect(rhs(String.raw`\mu + \epsilon + \varepsilon + \gamma + \beta`)).toBe('(+ (+ (+ (+ mu eps) eps) gamma) beta)');
    const greek: TexNames = { names: [{ name: 'μ', dims: 0 }, { name: 'epsilon', dims: 0 }], loss: 'L', functions: FUNCTIONS };
    expect(rhs(String.raw`\mu \epsilon \pi`, greek)).toBe('(* (* μ epsilon) pi)');
    // undeclared Greek letters are still names, for the caller to judge
    expect(rhs(String.raw`\lambda`, greek)).toBe('lambda');
  });

  test('plain letters, upright words, accents and styles', () => {
    expect(rhs(String.raw`\mathrm{xhat}_i + \text{xhat}_{i} + \operatorname{xhat}_i`, NET)).toBe('(+ (+ xhat[i] xhat[i]) xhat[i])');
    expect(rhs(String.raw`\hat{x}_i + \hat x_i + \hat{x_i}`, NET)).toBe('(+ (+ xhat[i] xhat[i]) xhat[i])');
    // with a tex line, other spellings of it are that name
    expect(rhs(String.raw`\hat x_i + \hat{x_i}`)).toBe('(+ xhat[i] xhat[i])');
    expect(rhs(String.raw`\mathbf{x}_i \boldsymbol{\mu} \mathcal{L}`, NET)).toBe('(* (* x[i] mu) L)');
    expect(rhs(String.raw`xy`, NET)).toBe('(* x y)');
  });

  test('e and i are ordinary names', () => {
    expect(eq(String.raw`e^{i} = e_i \cdot i`, NET)).toBe('(^ e i) = (* e[i] i)');
    expect(rhs(String.raw`\exp(i)`)).toBe('(call exp i)');
  });

  test('undeclared letters are names (free indices)', () => {
    expect(rhs(String.raw`x_{m - k + 1} t_j`)).toBe('(* x[(+ (- m k) 1)] t[j])');
  });
});

describe('subscripts', () => {
  test('x_i, x_{i+1}, X_{k,i}, w_1', () => {
    expect(rhs(String.raw`x_i + x_{i+1} + X_{k,i} + x_1`, NET)).toBe('(+ (+ (+ x[i] x[(+ i 1)]) X[k, i]) x[1])');
  });

  test('A_{12} is A[1, 2] for a 2-D A; A_{ij} is A[i, j]; a 1-D x_{12} is x[12]', () => {
    expect(rhs(String.raw`A_{12} + A_{ij} + A_{1,2} + x_{12}`, NET)).toBe('(+ (+ (+ A[1, 2] A[i, j]) A[1, 2]) x[12])');
    const { rhs: r } = read(String.raw`x = A_{12}`, NET);
    if (r.kind !== 'index') throw new Error('shape');
    expect(r.indices.map((i) => i.span.col)).toEqual([PREFIX.length + 1 + 'x = A_{'.length, PREFIX.length + 1 + 'x = A_{1'.length]);
  });

  test('a subscript without braces is one token, as LaTeX sets it', () => {
    expect(rhs(String.raw`x_12`, NET)).toBe('(* x[1] 2)');
  });

  test('a subscript on a scalar is an error at the subscript', () => {
    const e = failure(String.raw`\mu_i = 1`);
    expect(e.kind).toBe('shape');
    expect(e.detail).toBe('mu is a scalar: it takes no index');
    expect(e.span).toMatchObject({ line: 3, col: 14 + 3, endCol: 14 + 5 });
  });

  test('x^2_i is x[i]², either order', () => {
    expect(rhs(String.raw`x^2_i + x_i^2`)).toBe('(+ (^ x[i] 2) (^ x[i] 2))');
  });
});

describe('sums', () => {
  test('\\sum_{i=1}^{n}, \\sum_i, \\sum_{i}, \\sum^{n}_{i=1}, \\sum_{i,j}, \\sum\\limits', () => {
    expect(rhs(String.raw`\sum_{i=1}^{n} x_i`)).toBe('(sum i:1..n x[i])');
    expect(rhs(String.raw`\sum_i x_i`)).toBe('(sum i x[i])');
    expect(rhs(String.raw`\sum_{i} x_i`)).toBe('(sum i x[i])');
    expect(rhs(String.raw`\sum^{n}_{i=1} x_i`)).toBe('(sum i:1..n x[i])');
    expect(rhs(String.raw`\sum_i^n x_i`)).toBe('(sum i:1..n x[i])');
    expect(rhs(String.raw`\sum_{i,j} X_{i,j}`, NET)).toBe('(sum i j X[i, j])');
    expect(rhs(String.raw`\sum\limits_{k=2}^{n-1} x_k`)).toBe('(sum k:2..(- n 1) x[k])');
  });

  test('the body is the product after \\sum, up to the next + or - at its level', () => {
    expect(rhs(String.raw`\sum_i x_i y_i + \mu`)).toBe('(+ (sum i (* x[i] y[i])) mu)');
    expect(rhs(String.raw`\sum_i x_i \cdot 2 - \mu`)).toBe('(- (sum i (* x[i] 2)) mu)');
    expect(rhs(String.raw`\sum_i (x_i + \mu) \gamma`)).toBe('(sum i (* (+ x[i] mu) gamma))');
    expect(rhs(String.raw`\left(\sum_i x_i + \mu\right) \gamma`)).toBe('(* (+ (sum i x[i]) mu) gamma)');
    expect(rhs(String.raw`\gamma \sum_i x_i \sum_j y_j + 1`)).toBe('(+ (* gamma (sum i (* x[i] (sum j y[j])))) 1)');
    expect(rhs(String.raw`\sum_i -x_i + 1`)).toBe('(+ (sum i (neg x[i])) 1)');
  });

  test('\\max and \\min with an index are reductions; with arguments, functions', () => {
    expect(rhs(String.raw`\max_{r=1}^{2} o_r + \min_i x_i + \max(x_1, x_2)`)).toBe(
      '(+ (+ (max r:1..2 o[r]) (min i x[i])) (call max x[1] x[2]))',
    );
  });
});

describe('functions', () => {
  test('\\tanh(a)^2 is (tanh a)²; \\tanh^2 a too; \\tanh a^2 is tanh(a²)', () => {
    expect(rhs(String.raw`\tanh(b)^2`, NET)).toBe('(^ (call tanh b) 2)');
    expect(rhs(String.raw`\tanh^2 b`, NET)).toBe('(^ (call tanh b) 2)');
    expect(rhs(String.raw`\tanh b^2`, NET)).toBe('(call tanh (^ b 2))');
    expect(rhs(String.raw`\tanh b c`, NET)).toBe('(* (call tanh b) c)');
  });

  test('\\exp \\log \\ln \\sin \\cos \\sqrt, with ( ), \\left( \\right), braces or one factor', () => {
    expect(rhs(String.raw`\exp(b) + \log\left(b\right) + \ln b + \sin{b} + \cos b`, NET))
      .toBe('(+ (+ (+ (+ (call exp b) (call log b)) (call log b)) (call sin b)) (call cos b))');
    expect(rhs(String.raw`\sqrt{b + c} + \sqrt[3]{b} + \sqrt2`, NET)).toBe('(+ (+ (call sqrt (+ b c)) (^ b (/ 1 3))) (call sqrt 2))');
    expect(rhs(String.raw`|b| + \lvert c \rvert + \left| b \right|`, NET)).toBe('(+ (+ (call abs b) (call abs c)) (call abs b))');
  });

  test('\\sigma: the sigmoid where no σ is declared, the declared σ where one is', () => {
    expect(rhs(String.raw`\sigma(z_i)`, NET)).toBe('(call sigmoid z[i])');
    expect(rhs(String.raw`\sigma(\mu)`)).toBe('(* sigma mu)');
    const sigmaOnly: TexNames = { names: [{ name: 'σ', dims: 0 }], loss: 'L', functions: FUNCTIONS };
    expect(rhs(String.raw`\sigma(2)`, sigmaOnly)).toBe('(* σ 2)');
    // a tex-mapped \sigma wins too
    const s: TexNames = { names: [{ name: 's', dims: 0, tex: '\\sigma' }], loss: 'L', functions: FUNCTIONS };
    expect(rhs(String.raw`\sigma(2)`, s)).toBe('(* s 2)');
  });

  test("derivatives: \\sigma'(z), \\tanh'(z), \\exp', \\log', relu' in any upright spelling", () => {
    expect(rhs(String.raw`\sigma'(b)`, NET)).toBe('(* (call sigmoid b) (- 1 (call sigmoid b)))');
    expect(rhs(String.raw`\tanh'(b)`, NET)).toBe('(- 1 (^ (call tanh b) 2))');
    expect(rhs(String.raw`\exp'(b) + \log'(b)`, NET)).toBe('(+ (call exp b) (/ 1 b))');
    expect(rhs(String.raw`\operatorname{relu}'(z_i) + \mathrm{ReLU}'(b) + \text{relu}^{\prime}(c)`, NET))
      .toBe('(+ (+ [z[i] > 0] [b > 0]) [c > 0])');
    expect(rhs(String.raw`\operatorname{relu}(b) + \mathrm{sigmoid}(c)`, NET)).toBe('(+ (call relu b) (call sigmoid c))');
  });

  test("a prime on a declared name is an error", () => {
    const e = failure(String.raw`x = \sigma'(\mu)`);
    expect(e.detail).toMatch(/declared name sigma/);
    expect(e.span!.col).toBe(PREFIX.length + 1 + 'x = \\sigma'.length);
  });
});

describe('operators, brackets and indicators', () => {
  test('implicit multiplication, \\cdot, \\times, /, \\div, unary minus', () => {
    expect(rhs(String.raw`2 b c`, NET)).toBe('(* (* 2 b) c)');
    expect(rhs(String.raw`2(b + c)`, NET)).toBe('(* 2 (+ b c))');
    expect(rhs(String.raw`b \cdot c \times 2 / 3 \div 4`, NET)).toBe('(/ (/ (* (* b c) 2) 3) 4)');
    expect(rhs(String.raw`-b c + 2 \cdot -c`, NET)).toBe('(+ (neg (* b c)) (* 2 (neg c)))');
    expect(rhs(String.raw`b(c)`, NET)).toBe('(* b c)');
  });

  test('powers: x^2, x^{-1/2}, (σ² + ε)^{-3/2}', () => {
    expect(rhs(String.raw`b^2 + b^{-1/2} + (\sigma^2 + \epsilon)^{-3/2}`)).toBe(
      '(+ (+ (^ b 2) (^ b (neg (/ 1 2)))) (^ (+ var eps) (neg (/ 3 2))))',
    );
    expect(rhs(String.raw`b^23`, NET)).toBe('(* (^ b 2) 3)');
  });

  test('numbers and fractions: 2, 0.5, \\tfrac{1}{2}, \\frac12, \\frac{-1}{\\sigma^3}', () => {
    expect(rhs(String.raw`2 + 0.5 + \tfrac{1}{2} + \frac12 + \frac{-1}{\sigma^3}`)).toBe(
      '(+ (+ (+ (+ 2 0.5) (/ 1 2)) (/ 1 2)) (/ (neg 1) (^ sigma 3)))',
    );
  });

  test('\\left( \\right), \\bigl( \\bigr), [ ], { } group; spacing is ignored', () => {
    expect(rhs(String.raw`\left( b + c \right) \bigl( b \bigr) \left[ c \right] {b + c}`, NET))
      .toBe('(* (* (* (+ b c) b) c) (+ b c))');
    expect(rhs(String.raw`b \, c \; \quad b \qquad c \! ~ b`, NET)).toBe('(* (* (* (* b c) b) c) b)');
  });

  test('indicators: \\mathbf{1}[·], \\mathbb{1}[·], \\mathbb{1}_{·}, Iverson [·]; every relation', () => {
    expect(rhs(String.raw`\mathbf{1}[z_i > 0]`, NET)).toBe('[z[i] > 0]');
    expect(rhs(String.raw`\mathbb{1}[b \ge c]`, NET)).toBe('[b >= c]');
    expect(rhs(String.raw`\mathbb{1}_{b \leq c}`, NET)).toBe('[b <= c]');
    expect(rhs(String.raw`\mathbb{1}_{\{b < c\}}`, NET)).toBe('[b < c]');
    expect(rhs(String.raw`\mathbf{1}\left[\, b \ne c \,\right]`, NET)).toBe('[b != c]');
    expect(rhs(String.raw`[i = j] + [b \le c] + [b \geq c] + [b \neq c] + [b < c]`, NET))
      .toBe('(+ (+ (+ (+ [i = j] [b <= c]) [b >= c]) [b != c]) [b < c])');
  });

  test('$…$ around the equation and a trailing period are allowed', () => {
    expect(eq(String.raw`$b = c.$`, NET)).toBe('b = c');
  });
});

// ── errors ─────────────────────────────────────────────────────────────────────────

describe('errors, at the exact column of the .layer line', () => {
  const col = (latex: string, token: string): number => PREFIX.length + 1 + latex.indexOf(token);

  test('an unknown command: its 5th character is column 18 when the LaTeX starts at 14', () => {
    const e = failure(String.raw`x_1 \foo = 2`);
    expect(e.kind).toBe('syntax');
    expect(e.detail).toBe('unknown LaTeX command "\\foo"');
    expect(e.span).toMatchObject({ file: 't.layer', line: 3, col: 18, endCol: 22, source: PREFIX + String.raw`x_1 \foo = 2` });
    expect(e.message).toContain('t.layer:3:18: unknown LaTeX command');
    expect(failure(String.raw`x = \prod_i x_i`).detail).toMatch(/\\prod.*not supported/);
  });

  test('unbalanced braces', () => {
    const open = String.raw`\frac{b}{c = 2`;
    expect(failure(open, NET)).toMatchObject({ detail: 'this "{" is never closed: expected "}"' });
    expect(failure(open, NET).span!.col).toBe(col(open, '{c'));
    const close = String.raw`b } = 2`;
    expect(failure(close, NET)).toMatchObject({ detail: 'unexpected "}": no "{" is open before it' });
    expect(failure(close, NET).span!.col).toBe(col(close, '}'));
  });

  test('a missing "=" and a second "="', () => {
    const none = String.raw`\frac{\partial L}{\partial x_i} + \mu`;
    const e = failure(none);
    expect(e.detail).toBe('unexpected end of the equation: expected "=" (a claim is an equation: lhs = rhs)');
    expect(e.span!.col).toBe(PREFIX.length + 1 + none.length);
    const two = 'b = c = 2';
    expect(failure(two, NET)).toMatchObject({ detail: 'a second "=": a claim is one equation, lhs = rhs' });
    expect(failure(two, NET).span!.col).toBe(col(two, '= 2'));
  });

  test('what was found and what was expected', () => {
    const cases: [string, string, string][] = [
      ['b = c +', 'unexpected end of the equation: expected an expression', ''],
      ['b = (c + 2', 'unexpected end of the equation: expected ")"', ''],
      ['b = c + 2)', 'unexpected ")": expected end of the equation', ')'],
      [String.raw`b = \left( c )`, 'unexpected ")": expected "\\right" or an operator', ')'],
      ['b = c & 2', 'unexpected "&": expected an operator or end of the equation', '&'],
      ['= b', 'unexpected "=": expected an expression', '='],
      [String.raw`b = \sum x_i`, 'unexpected "x": \\sum needs its index, as in \\sum_i or \\sum_{i=1}^{n}', 'x_i'],
      [String.raw`b = [c > ]`, 'unexpected "]": expected an expression', ']'],
    ];
    for (const [latex, message, at] of cases) {
      const e = failure(latex, NET);
      expect(e.detail, latex).toBe(message);
      expect(e.span!.col, latex).toBe(at ? col(latex, at) : PREFIX.length + 1 + latex.length);
    }
  });

  test('a tex name is shown as written when it is the unexpected token', () => {
    const latex = String.raw`b = c \sigma^2`;
    const names = with_([{ name: 'v', dims: 0, tex: '\\sigma^2' }]);
    expect(() => read(latex, names)).not.toThrow();
    const bad = String.raw`b = \sum \sigma^2`;
    expect(failure(bad, names).detail).toBe('unexpected "\\sigma^2": \\sum needs its index, as in \\sum_i or \\sum_{i=1}^{n}');
    expect(failure(bad, names).span).toMatchObject({ col: col(bad, '\\sigma'), endCol: col(bad, '\\sigma') + '\\sigma^2'.length });
  });

  test('a sum with a lower bound but no upper one', () => {
    const latex = String.raw`b = \sum_{i=1} x_i`;
    const e = failure(latex, NET);
    expect(e.detail).toMatch(/over i starts at a bound but has none above/);
    expect(e.span!.col).toBe(col(latex, 'i=1'));
  });

  test("a derivative of an unknown function, of max, with two arguments", () => {
    expect(failure(String.raw`b = \operatorname{foo}'(c)`, NET).detail).toMatch(/no derivative is known for foo/);
    expect(failure(String.raw`b = \max'(c)`, NET).detail).toMatch(/no derivative is known for max/);
    expect(failure(String.raw`b = \tanh'(b, c)`, NET).detail).toBe("\\tanh' takes one argument, not 2");
  });

  test('deep nesting is a limit error, not a crash', () => {
    const latex = `b = ${'('.repeat(150)}c${')'.repeat(150)}`;
    expect(failure(latex, NET).kind).toBe('limit');
    const braces = `b = ${'{'.repeat(150)}c${'}'.repeat(150)}`;
    expect(failure(braces, NET).kind).toBe('limit');
  });
});

test('the reader knows exactly the commands its grammar reads', () => {
  const grammar = readFileSync(new URL('../grammar/tex.ohm', import.meta.url), 'utf8');
  const inGrammar = new Set([...grammar.matchAll(/"\\\\([A-Za-z]+)"/g)].map((m) => m[1]!));
  const greek = [...grammar.matchAll(/greekWord = ([^]*?)\n\s*texName/g)][0]![1]!.match(/"([A-Za-z]+)"/g)!.map((w) => w.slice(1, -1));
  for (const w of greek) inGrammar.add(w);
  inGrammar.add('sqrt');
  expect([...KNOWN_COMMANDS].filter((c) => !inGrammar.has(c))).toEqual([]);
  expect([...inGrammar].filter((c) => !KNOWN_COMMANDS.has(c))).toEqual([]);
});
