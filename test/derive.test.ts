// What the engine derives for the seed's layers, checked against the hand results of
// INDEX-CALCULUS.md (quoted in each test) and, numerically, against finite differences
// (test/check.test.ts) and PyTorch (test/reference.test.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AdjointForms } from '../src/autodiff/forms.js';
import type { Node } from '../src/ir/node.js';
import { num, read } from '../src/ir/node.js';
import { run } from '../src/pipeline.js';
import { printText } from '../src/ops/printer.js';
import { splitCoefficient } from '../src/simplify/algebra.js';
import { simplify } from '../src/simplify/pass.js';
import { ELEMENT_RULES } from '../src/simplify/rules.js';
import { applyCase } from '../src/verify/cases.js';

const seed = (name: string) => {
  const file = `derivations/seed/${name}.layer`;
  return run(file, readFileSync(file, 'utf8'));
};

const naming = (r: ReturnType<typeof seed>) => ({ tex: r.graph.tex, loss: r.graph.loss });
const forms = (r: ReturnType<typeof seed>, name: string): AdjointForms => {
  const f = r.derivation.adjoints.get(name);
  if (!f) throw new Error(`no adjoint for ${name}`);
  return f;
};

/** Every sum node of an expression, with its bounds printed. */
function sums(n: Node, out: { index: string; lo: string; hi: string }[] = []) {
  if (n.op === 'sum') out.push({ index: n.attrs.index!, lo: printText(n.args[0]!), hi: printText(n.args[1]!) });
  n.args.forEach((a) => sums(a, out));
  return out;
}

const reads = (n: Node, name: string): boolean => (n.op === 'read' && n.attrs.name === name) || n.args.some((a) => reads(a, name));

/** The terms of an expanded sum, each printed with its coefficient: a multiset to compare. */
function terms(n: Node): string[] {
  const ts = n.op === 'add' ? n.args : [n];
  return ts
    .map((t) => {
      const [c, rest] = splitCoefficient(t);
      return `${c.n}/${c.d} ${rest ? printText(rest) : ''}`;
    })
    .sort();
}

describe('batch norm (seed Q5 b), n symbolic', () => {
  const r = seed('batchnorm');

  it('keeps n symbolic: every sum runs over i = 1..n', () => {
    // (the local form of dL/dx[m] has no sum of its own: it goes through μ̄ and σ̄²)
    for (const [name, both] of [['mu', true], ['var', true], ['x', false]] as const) {
      const f = forms(r, name);
      for (const form of both ? [f.local.result, f.closed.result] : [f.closed.result]) {
        const ss = sums(form);
        expect(ss.length).toBeGreaterThan(0);
        for (const s of ss) expect([s.lo, s.hi]).toEqual(['1', 'n']);
      }
    }
    expect([...r.graph.sizes.keys()]).toEqual(['n']);
  });

  it('gives dL/dμ in the seed’s local form, through dL/dx̂ and dL/dσ²', () => {
    // INDEX-CALCULUS.md: μ̄ = Σᵢ x̂̄ᵢ·(−1/√(σ² + ε)) + σ̄²·Σᵢ(−2(xᵢ − μ))/n
    const local = forms(r, 'mu').local.result;
    expect(printText(local, naming(r))).toBe('−(Σ_{i=1}^{n} ∂L/∂x̂[i])/√(σ² + ε) − 2·∂L/∂σ²·(Σ_{i=1}^{n} (x[i] − μ))/n');
  });

  it('eliminates the mean-centred sum in the closed form of dL/dμ', () => {
    // Σᵢ(xᵢ − μ) = Σᵢxᵢ − nμ = 0 because μ is the mean, so μ̄ = −γ·Σᵢȳᵢ/√(σ² + ε)
    const f = forms(r, 'mu');
    expect(printText(f.closed.result, naming(r))).toBe('−γ·(Σ_{i=1}^{n} ∂L/∂y[i])/√(σ² + ε)');
    expect(reads(f.closed.result, 'x')).toBe(false);
    const rules = f.closed.steps.map((s) => s.rule.name);
    expect(rules).toContain('sum-split');
    expect(rules).toContain('fold-definition');
  });

  it('gives dL/dx[m] locally through x̂, σ² and μ, and in closed form through dL/dy only', () => {
    // x̄ₘ = x̂̄ₘ/√(σ² + ε) + σ̄²·2(xₘ − μ)/n + μ̄/n
    const f = forms(r, 'x');
    expect(printText(f.local.result, naming(r))).toBe('∂L/∂x̂[m]/√(σ² + ε) + ∂L/∂μ/n + 2·∂L/∂σ²·(x[m] − μ)/n');
    const adjoints = new Set<string>();
    const walk = (n: Node): void => {
      if (n.op === 'adj') adjoints.add(n.attrs.name!);
      n.args.forEach(walk);
    };
    walk(f.closed.result);
    expect([...adjoints]).toEqual(['y']);
  });

  it('writes the closed form of dL/dx[m] through x̂, as Ioffe and Szegedy do', () => {
    // x̄ₘ = γ/(n·√(σ² + ε))·(n·ȳₘ − Σᵢȳᵢ − x̂ₘ·Σᵢȳᵢx̂ᵢ)   (INDEX-CALCULUS.md), term by term:
    expect(printText(forms(r, 'x').closed.result, naming(r))).toBe(
      'γ·∂L/∂y[m]/√(σ² + ε) − γ·(Σ_{i=1}^{n} ∂L/∂y[i])/(n·√(σ² + ε)) − γ·x̂[m]·(Σ_{i=1}^{n} x̂[i]·∂L/∂y[i])/(n·√(σ² + ε))',
    );
    expect(forms(r, 'x').closed.steps.map((s) => s.rule.name)).toContain('fold-element');
  });

  it('derives dL/dσ² with the exponent −3/2 (the seed wrote −1/σ³·(σ² + ε)^(−1/2))', () => {
    // σ̄² = Σᵢ x̂̄ᵢ·(xᵢ − μ)·(−½)(σ² + ε)^(−3/2)
    expect(printText(forms(r, 'var').local.result, naming(r))).toBe('−(Σ_{i=1}^{n} ∂L/∂x̂[i]·(x[i] − μ))/(2·(σ² + ε)^(3/2))');
  });

  it('writes out elementwise forms when --size makes n concrete', () => {
    const file = 'derivations/seed/batchnorm.layer';
    const c = run(file, readFileSync(file, 'utf8'), { sizes: new Map([['n', 3n]]) });
    const els = c.concrete!.derivation.adjoints.get('x')!.elements!;
    expect(els.map((e) => e.at.map(Number))).toEqual([[1], [2], [3]]);
    for (const e of els) expect(sums(e.form)).toEqual([]);
  });
});

describe('conv1d over x[n], w[K] with symbolic sizes', () => {
  const r = seed('conv1d');

  it('gives dL/dw[m] = Σⱼ dL/do[j]·x[j + m − 1], j = 1..n − K + 1', () => {
    expect(printText(forms(r, 'w').closed.result)).toBe('Σ_{j=1}^{n − K + 1} x[j + m − 1]·∂L/∂o[j]');
  });

  it('gives dL/dx[m] as the transposed convolution with its boundaries', () => {
    // x̄[m] = Σ_{k=max(1, m−N+K)}^{min(K, m)} w[k]·ō[m − k + 1]   (INDEX-CALCULUS.md)
    const closed = forms(r, 'x').closed.result;
    expect(printText(closed)).toBe('Σ_{k=max(1, m + K − n)}^{min(m, K)} w[k]·∂L/∂o[m − k + 1]');
    // before narrowing, the local form carries the boundary as brackets
    expect(printText(forms(r, 'x').local.result)).toBe('Σ_{k=1}^{K} w[k]·∂L/∂o[m − k + 1]·[m − k + 1 ≤ n − K + 1]·[1 ≤ m − k + 1]');
    expect(forms(r, 'x').closed.steps.map((s) => s.rule.name)).toContain('narrow-range');
  });
});

describe('equation (15): conv, then pooling, elementwise as the seed writes it', () => {
  it('average pooling: dL/dw₁ and dL/dw₂ match the seed term for term', () => {
    const r = seed('conv-avgpool');
    const [w1, w2] = forms(r, 'w').elements!;
    // seed: ∂L/∂w₁ = ½(∂L/∂y₁(x₁ + x₂) + ∂L/∂y₂(x₃ + x₄)), expanded by hand:
    expect(terms(w1!.form)).toEqual(['1/2 x[1]·∂L/∂y[1]', '1/2 x[2]·∂L/∂y[1]', '1/2 x[3]·∂L/∂y[2]', '1/2 x[4]·∂L/∂y[2]']);
    // seed: ∂L/∂w₂ = ½(∂L/∂y₁(x₂ + x₃) + ∂L/∂y₂(x₄ + x₅))
    expect(terms(w2!.form)).toEqual(['1/2 x[2]·∂L/∂y[1]', '1/2 x[3]·∂L/∂y[1]', '1/2 x[4]·∂L/∂y[2]', '1/2 x[5]·∂L/∂y[2]']);
  });

  it('max pooling, in the seed’s case o₂ > o₁, o₃ ≥ o₄: dL/dw matches the seed term for term', () => {
    const r = seed('conv-maxpool');
    const o = (i: number) => read('o', [num(i)]);
    const where = [
      { left: o(2), rel: '>' as const, right: o(1) },
      { left: o(3), rel: '>=' as const, right: o(4) },
    ];
    const underCase = (n: Node) => simplify(applyCase(n, where), { rules: ELEMENT_RULES, scope: r.graph.scope }).result;
    const [w1, w2] = forms(r, 'w').elements!;
    // seed: ∂L/∂w₁ = ∂L/∂y₁·x₂ + ∂L/∂y₂·x₃ and ∂L/∂w₂ = ∂L/∂y₁·x₃ + ∂L/∂y₂·x₄
    expect(terms(underCase(w1!.form))).toEqual(['1/1 x[2]·∂L/∂y[1]', '1/1 x[3]·∂L/∂y[2]']);
    expect(terms(underCase(w2!.form))).toEqual(['1/1 x[3]·∂L/∂y[1]', '1/1 x[4]·∂L/∂y[2]']);
    // and the max pooling's own adjoint: ō = (0, ȳ₁, ȳ₂, 0) in that case (INDEX-CALCULUS.md)
    expect(forms(r, 'o').elements!.map((e) => printText(underCase(e.form)))).toEqual(['0', '∂L/∂y[1]', '∂L/∂y[2]', '0']);
  });

  it('average pooling’s adjoint in closed form: ō[m] = ½·ȳ[⌈m/2⌉], the odd and even cases merged', () => {
    // INDEX-CALCULUS.md: ō[m] = ½·ȳ[(m + 1)/2]·[m odd] + ½·ȳ[m/2]·[m even] = ½·ȳ[⌈m/2⌉] (M = 4, even)
    const r = seed('conv-avgpool');
    expect(printText(forms(r, 'o').closed.result)).toBe('∂L/∂y[⌊(m + 1)/2⌋]/2');
    expect(forms(r, 'o').closed.steps.map((s) => s.rule.name)).toContain('parity-merge');
  });

  it('max pooling’s adjoint in closed form: ȳ[⌈m/2⌉] where o[m] is the first maximum of its window', () => {
    // INDEX-CALCULUS.md: ō[m] = ȳ[⌈m/2⌉]·[o[m] is the first maximum of its window]; in an
    // odd position the window is (o[m], o[m + 1]) and a tie is won, in an even one (o[m − 1], o[m])
    const r = seed('conv-maxpool');
    expect(printText(forms(r, 'o').closed.result)).toBe('∂L/∂y[⌊(m + 1)/2⌋]·[2 ∣ m + 1]·[o[m] ≥ o[m + 1]] + ∂L/∂y[⌊m/2⌋]·[2 ∣ m]·[o[m] > o[m − 1]]');
  });

  it('the argmax indicators carry the tie convention: a tie goes to the first element', () => {
    const r = seed('conv-maxpool');
    const [o1, o2] = forms(r, 'o').elements!;
    expect(printText(o1!.form)).toBe('∂L/∂y[1]·[o[1] ≥ o[2]]');
    expect(printText(o2!.form)).toBe('∂L/∂y[1]·[o[2] > o[1]]');
  });
});

describe('elementwise forms of padded reads', () => {
  // o[j] = Σₖ w[k]·x[j + k − 2]? over j = 1..3, k = 1..2 (x zero-padded on the left).
  // By hand: dL/dw[m] = Σⱼ x[j + m − 2]?·ō[j], so dL/dw[1] = x[0]?·ō[1] + x[1]·ō[2] +
  // x[2]·ō[3] with x[0]? = 0 (index 0 is outside 1..3), and dL/dw[2] = x[1]·ō[1] +
  // x[2]·ō[2] + x[3]·ō[3]: at a concrete index a padded read is the element or 0.
  it('x[0]? is 0 and x[1]? is x[1] once the index is a number', () => {
    const r = run('pad.layer', 'input x[3]\nparam w[2]\no[j in 1..3] = sum(k, w[k] * x[j + k - 2]?)\noutput o\n', { present: false, check: true });
    const w = r.derivation.adjoints.get('w')!;
    expect(w.elements!.map((e) => printText(e.form))).toEqual(['x[1]·∂L/∂o[2] + x[2]·∂L/∂o[3]', 'x[1]·∂L/∂o[1] + x[2]·∂L/∂o[2] + x[3]·∂L/∂o[3]']);
    expect(r.check!.pass).toBe(true);
  });
});
