// Every number the engine derives, against PyTorch 1.13 autograd in float64
// (/work/shared/reference/torch_reference.json, see its README.md). For each example:
// the .layer text of the computation goes through run(); its forward pass at the
// reference inputs (exact doubles entered into the 64-digit field) must reproduce
// PyTorch's forward values; every closed form (and elementwise form, where the engine
// writes one) of every gradient PyTorch gives must reproduce PyTorch's gradient at
// every element; local forms, evaluated with the consumers' adjoints taken from the
// reference itself, must reproduce it too (an independent check of each chain-rule
// step). Negative controls show that a wrong formula does not pass the same test.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { AdjointForms } from '../src/autodiff/forms.js';
import type { Graph } from '../src/graph/graph.js';
import type { Node } from '../src/ir/node.js';
import { add, adj, call, idx, mul, neg, num, pow, read, size, sum } from '../src/ir/node.js';
import { rat } from '../src/ir/rational.js';
import type { TensorValue } from '../src/numeric/evaluate.js';
import { elementsOf, evaluate, extentOf, forward, offset } from '../src/numeric/evaluate.js';
import type { Big } from '../src/numeric/mathjs.js';
import { bigField } from '../src/numeric/mathjs.js';
import type { Result } from '../src/pipeline.js';
import { run } from '../src/pipeline.js';
import type { RefExample, RefTensor } from './helpers/reference.js';
import { compare, exactValues, exampleOf, isRefTensor, loadReference, tensorValue } from './helpers/reference.js';

const REF = loadReference(new URL('../../shared/reference/torch_reference.json', import.meta.url));
const B = bigField(64);
const seed = (name: string): string => readFileSync(new URL(`../derivations/seed/${name}`, import.meta.url), 'utf8');

// ── the computations, as .layer text ──────────────────────────────────────────────

// PyTorch's o[j] = b + Σ_{k=0}^{K−1} w[k]·x[j+k] (0-based) is o[j] = Σ_k w[k]·x[j + k − 1] + b here.
const CONV_AVGPOOL_BIAS = `
input  x[5]
param  w[2], b
o[j] = sum(k, w[k] * x[j + k - 1]) + b
y[p] = (o[2*p - 1] + o[2*p]) / 2
output y
grad   w, b, x
`;

const CONV_MAXPOOL_BIAS = `
input  x[5]
param  w[2], b
o[j] = sum(k, w[k] * x[j + k - 1]) + b
y[p] = max(r in 1..2, o[2*(p - 1) + r])
output y
grad   w, b, x
`;

// The seed's case: no bias, one loss over the average- and the max-pooled o.
const SEED_CONVPOOL = `
input  x[5]
param  w[2]
o[j]  = sum(k, w[k] * x[j + k - 1])
ya[p] = (o[2*p - 1] + o[2*p]) / 2
ym[p] = max(r in 1..2, o[2*(p - 1) + r])
output ya, ym
grad   w, x, o
`;

// The same two layers over symbolic sizes, x[n] and w[K]: the closed forms keep n and K
// (⌊(n − K + 1)/2⌋ bounds the pools) and are evaluated with the sizes map.
const symbolic = (text: string): string => text.replace('input  x[5]', 'input  x[n]').replace('param  w[2], b', 'param  w[K], b');

interface Case {
  readonly label: string;
  /** The example's key in torch_reference.json. */
  readonly example: string;
  readonly file: string;
  readonly text: string;
  readonly sizes: ReadonlyMap<string, bigint>;
  /** Output → the reference input holding dL/d(output). */
  readonly upstream: Readonly<Record<string, string>>;
  /** Reference forward tensor → the engine's tensor with the same values. */
  readonly forward: Readonly<Record<string, string>>;
  /** Names X whose reference dL/dX is compared with the closed (and elementwise) forms. */
  readonly grads: readonly string[];
  /** Names X whose LOCAL form is compared: its consumers' adjoints all come from the reference. */
  readonly locals: readonly string[];
}

const NONE = new Map<string, bigint>();
const BN_FORWARD = { mean: 'mu', var_biased: 'var', xhat: 'xhat', y: 'y' };
const BN_GRADS = ['x', 'gamma', 'beta', 'mu', 'var', 'xhat'];

const CASES: readonly Case[] = [
  {
    label: 'conv1d (bundled conv1d.layer, symbolic n, K with bias, at n = 5, K = 2)',
    example: 'conv1d', file: 'conv1d.layer', text: seed('conv1d.layer'),
    sizes: new Map([['n', 5n], ['K', 2n]]),
    upstream: { o: 'dy' }, forward: { conv_out: 'o', y: 'o' },
    grads: ['x', 'w', 'b'], locals: ['x', 'w', 'b'],
  },
  {
    label: 'conv1d_avgpool2 (inline, with bias)',
    example: 'conv1d_avgpool2', file: 'conv-avgpool-bias.layer', text: CONV_AVGPOOL_BIAS, sizes: NONE,
    upstream: { y: 'dy' }, forward: { conv_out: 'o', y: 'y' },
    // dL/do is not in this example, so the local forms of w and x (through ō) cannot be fed
    grads: ['x', 'w', 'b'], locals: [],
  },
  {
    label: 'conv1d_maxpool2 (inline, with bias; o₁ and o₃ win)',
    example: 'conv1d_maxpool2', file: 'conv-maxpool-bias.layer', text: CONV_MAXPOOL_BIAS, sizes: NONE,
    upstream: { y: 'dy' }, forward: { conv_out: 'o', y: 'y' },
    grads: ['x', 'w', 'b'], locals: [],
  },
  {
    label: 'seed_convpool (inline: ya average-pooled, ym max-pooled, one loss)',
    example: 'seed_convpool', file: 'seed-convpool.layer', text: SEED_CONVPOOL, sizes: NONE,
    upstream: { ya: 'ga', ym: 'gm' }, forward: { o: 'o', ya: 'ya', ym: 'ym' },
    grads: ['w', 'x', 'o'], locals: ['w', 'x', 'o'],
  },
  {
    label: 'conv1d_avgpool2 on the symbolic layer x[n], w[K] at n = 5, K = 2',
    example: 'conv1d_avgpool2', file: 'conv-avgpool-symbolic.layer', text: symbolic(CONV_AVGPOOL_BIAS),
    sizes: new Map([['n', 5n], ['K', 2n]]),
    upstream: { y: 'dy' }, forward: { conv_out: 'o', y: 'y' }, grads: ['x', 'w', 'b'], locals: [],
  },
  {
    label: 'conv1d_maxpool2 on the symbolic layer x[n], w[K] at n = 5, K = 2',
    example: 'conv1d_maxpool2', file: 'conv-maxpool-symbolic.layer', text: symbolic(CONV_MAXPOOL_BIAS),
    sizes: new Map([['n', 5n], ['K', 2n]]),
    upstream: { y: 'dy' }, forward: { conv_out: 'o', y: 'y' }, grads: ['x', 'w', 'b'], locals: [],
  },
  // The README: the bias changes neither dL/dw nor dL/dx (nor a max-pool argmax), so
  // the bias-free bundled files are checked against the same numbers (forward values
  // differ by b and are not compared).
  {
    label: 'conv1d reference on the bundled bias-free conv-2tap.layer',
    example: 'conv1d', file: 'conv-2tap.layer', text: seed('conv-2tap.layer'), sizes: NONE,
    upstream: { z: 'dy' }, forward: {}, grads: ['x', 'w'], locals: ['x', 'w'],
  },
  {
    label: 'conv1d_avgpool2 reference on the bundled bias-free conv-avgpool.layer',
    example: 'conv1d_avgpool2', file: 'conv-avgpool.layer', text: seed('conv-avgpool.layer'), sizes: NONE,
    upstream: { y: 'dy' }, forward: {}, grads: ['x', 'w'], locals: [],
  },
  {
    label: 'conv1d_maxpool2 reference on the bundled bias-free conv-maxpool.layer',
    example: 'conv1d_maxpool2', file: 'conv-maxpool.layer', text: seed('conv-maxpool.layer'), sizes: NONE,
    upstream: { y: 'dy' }, forward: {}, grads: ['x', 'w'], locals: [],
  },
  ...([2n, 4n, 8n] as const).map((n): Case => ({
    label: `batchnorm_n${n} (bundled batchnorm.layer at n = ${n}, eps from the reference)`,
    example: `batchnorm_n${n}`, file: 'batchnorm.layer', text: seed('batchnorm.layer'),
    sizes: new Map([['n', n]]),
    upstream: { y: 'dy' }, forward: BN_FORWARD, grads: BN_GRADS, locals: BN_GRADS,
  })),
];

// ── evaluation ────────────────────────────────────────────────────────────────────

interface Setup {
  readonly c: Case;
  readonly ex: RefExample;
  readonly result: Result;
  readonly graph: Graph;
  /** Every forward value at the reference inputs (leaves included). */
  readonly tensors: ReadonlyMap<string, TensorValue<Big>>;
  readonly leaves: ReadonlyMap<string, TensorValue<Big>>;
  /** dL/d(output) for each output: the reference upstream. */
  readonly upstream: ReadonlyMap<string, TensorValue<Big>>;
  readonly S: Big;
}

const example = (name: string): RefExample => exampleOf(REF, name);

/** The reference dL/dX, from grads or grads_intermediate. */
function refGrad(ex: RefExample, name: string): RefTensor | undefined {
  return ex.grads[`dL/d${name}`] ?? ex.grads_intermediate?.[`dL/d${name}`];
}

/** A graph tensor's index set at the case's sizes, as a TensorValue of the reference tensor. */
function asValue(s: { graph: Graph; c: Case }, name: string, t: RefTensor): TensorValue<Big> {
  const tensor = s.graph.tensors.get(name);
  if (!tensor) throw new Error(`${s.c.file} has no tensor ${name}`);
  const { lo, hi } = extentOf(tensor, s.c.sizes);
  return tensorValue(B, t, lo, hi);
}

/**
 * S, the "size of the terms summed" in the README's tolerance, per example:
 *   S = (Σ |upstream element|) · max(1, largest |number| the example lists)
 * over its inputs, forward values and (intermediate) gradients. Every gradient here
 * is a sum of terms, each one upstream element times a product of forward values
 * and the scales 1/√(σ² + ε), 1/(σ² + ε) — and those scales show up in the listed
 * dL/dμ and dL/dσ² (e.g. at n = 2, 1/σ ≈ 3.7 and dL/dσ² ≈ 3.4). It lies between 2.5
 * (the pooling examples) and 28 (batchnorm_n8), so the absolute slack 1e-13·S is at
 * most 2.8e-12: far below every gradient except batch-norm dL/dx at n = 2 (±1.3e-4),
 * where PyTorch is itself only ~3e-12 relative from the exact value (README) and the
 * slack (3.7e-13) still rejects a 3e-9 relative error. Not the max |element| of the
 * compared tensor: that would make the slack vanish exactly where cancellation
 * (n = 2) makes it needed.
 */
function scaleOf(ex: RefExample, upstream: readonly string[]): Big {
  let up = 0;
  for (const u of upstream) for (const v of exactValues(ex.inputs[u]!)) up += Math.abs(v);
  let m = 1;
  const groups = [ex.inputs, ex.forward, ex.grads, ex.grads_intermediate ?? {}];
  for (const g of groups) for (const t of Object.values(g)) if (isRefTensor(t)) for (const v of t.value) m = Math.max(m, Math.abs(v));
  return B.fromNumber(up * m);
}

function setup(c: Case): Setup {
  const ex = example(c.example);
  const result = run(c.file, c.text, c.sizes.size ? { sizes: c.sizes } : {});
  const graph = result.graph;
  const s = { graph, c };
  const leaves = new Map<string, TensorValue<Big>>();
  for (const t of graph.tensors.values()) {
    if (t.role === 'def') continue;
    const r = ex.inputs[t.name];
    if (!r) throw new Error(`${c.example} gives no input ${t.name}`);
    leaves.set(t.name, asValue(s, t.name, r)); // eps too: `const eps > 0` is a leaf
  }
  const upstream = new Map<string, TensorValue<Big>>();
  for (const [out, key] of Object.entries(c.upstream)) upstream.set(out, asValue(s, out, ex.inputs[key]!));
  const tensors = forward(B, graph, c.sizes, leaves);
  return { c, ex, result, graph, tensors, leaves, upstream, S: scaleOf(ex, Object.values(c.upstream)) };
}

/** The value of `form` (with free indices `free`) at every element of X's index set. */
function atEveryElement(s: Setup, forms: AdjointForms, form: Node, adjoints: ReadonlyMap<string, TensorValue<Big>>): { at: bigint[]; v: Big }[] {
  const { lo, hi } = extentOf(forms.tensor, s.c.sizes);
  return elementsOf(lo, hi).map((at) => ({
    at,
    v: evaluate(B, form, s.c.sizes, { tensors: s.tensors, adjoints }, new Map(forms.free.map((f, i) => [f, at[i]!]))),
  }));
}

/** The reference element at a (1-based) index tuple. */
function refAt(ref: TensorValue<Big>, at: readonly bigint[]): Big {
  const off = offset(ref, at);
  if (off === undefined) throw new Error(`reference has no element [${at.join(', ')}]`);
  return ref.data[off]!;
}

function expectAllClose(what: string, got: readonly { at: readonly bigint[]; v: Big }[], ref: TensorValue<Big>, S: Big): void {
  expect(got.length, `${what}: element count`).toBe(ref.data.length);
  for (const { at, v } of got) {
    const verdict = compare(B, v, refAt(ref, at), S);
    expect(verdict.ok, `${what}[${at.join(', ')}]: ${verdict.text}`).toBe(true);
  }
}

/**
 * The forward pass again, definition by definition through evaluate(), with δ added to
 * element `off` of X right after X is computed (or to the leaf X): every later value
 * sees the change, so L moves by the total derivative through every path from X.
 */
function forwardNudged(s: Setup, name: string, off: number, delta: Big): Map<string, TensorValue<Big>> {
  const bump = (v: TensorValue<Big>): TensorValue<Big> => ({ ...v, data: v.data.map((x, i) => (i === off ? B.add(x, delta) : x)) });
  const tensors = new Map(s.leaves);
  const leaf = tensors.get(name);
  if (leaf) tensors.set(name, bump(leaf));
  for (const t of s.graph.tensors.values()) {
    if (t.role !== 'def') continue;
    const { lo, hi } = extentOf(t, s.c.sizes);
    const data = elementsOf(lo, hi).map((at) =>
      evaluate(B, t.body!, s.c.sizes, { tensors, adjoints: new Map() }, new Map(t.dims.map((d, i) => [d.index, at[i]!]))),
    );
    const v = { lo, hi, data };
    tensors.set(t.name, t.name === name ? bump(v) : v);
  }
  return tensors;
}

/** Adjoint names (adj nodes) that occur in a form. */
function adjointNames(n: Node, out: Set<string> = new Set()): Set<string> {
  if (n.op === 'adj') out.add(n.attrs.name!);
  for (const a of n.args) adjointNames(a, out);
  return out;
}

const formsOf = (s: Setup, name: string): AdjointForms => {
  const f = s.result.derivation.adjoints.get(name);
  if (!f) throw new Error(`${s.c.file}: the engine derived no adjoint for ${name}`);
  return f;
};

// ── the tests ─────────────────────────────────────────────────────────────────────

// Set up lazily, once per case: an engine that throws fails each test of the case
// (with its message) instead of the whole file at collection.
const setups = new Map<Case, Setup>();
function setupOnce(c: Case): Setup {
  let s = setups.get(c);
  if (!s) setups.set(c, (s = setup(c)));
  return s;
}

describe.each(CASES)('$label', (c) => {
  const ex = example(c.example);

  test('the reference lists every gradient this case compares; the engine derives each, asked for by grad', () => {
    const s = setupOnce(c);
    for (const g of c.grads) {
      expect(refGrad(ex, g), `reference dL/d${g}`).toBeDefined();
      expect(s.result.derivation.adjoints.has(g), `engine adjoint of ${g}`).toBe(true);
      expect(s.graph.grads.map((r) => r.name), 'grad line').toContain(g);
    }
    // every gradient PyTorch gives for a leaf of this file is compared (none left out)
    for (const key of Object.keys(ex.grads)) {
      const name = key.replace(/^dL\/d/, '');
      if (s.graph.tensors.has(name)) expect(c.grads, `dL/d${name} is compared`).toContain(name);
    }
    expect([...s.graph.outputs].sort()).toEqual(Object.keys(c.upstream).sort());
  });

  if (Object.keys(c.forward).length) {
    test('forward values match PyTorch', () => {
      const s = setupOnce(c);
      for (const [refName, engineName] of Object.entries(c.forward)) {
        const r = ex.forward[refName];
        if (!isRefTensor(r)) throw new Error(`${c.example}: forward ${refName} is not a tensor`);
        const ref = asValue(s, engineName, r);
        const got = s.tensors.get(engineName)!;
        expect(got.lo).toEqual(ref.lo);
        expect(got.hi).toEqual(ref.hi);
        expectAllClose(`forward ${engineName} vs ${refName}`, ref.data.map((_, i) => ({ at: elementsOf(ref.lo, ref.hi)[i]!, v: got.data[i]! })), ref, s.S);
      }
    });

    test('L = Σ upstream·output at the forward values matches PyTorch L', () => {
      const s = setupOnce(c);
      let L = B.zero;
      for (const [out, up] of s.upstream) {
        const y = s.tensors.get(out)!;
        up.data.forEach((g, i) => (L = B.add(L, B.mul(g, y.data[i]!))));
      }
      const ref = B.fromNumber(exactValues(ex.L)[0]!);
      const v = compare(B, L, ref, s.S);
      expect(v.ok, v.text).toBe(true);
    });
  }

  test.each(c.grads)('closed form of dL/d%s matches PyTorch at every element', (g) => {
    const s = setupOnce(c);
    const forms = formsOf(s, g);
    // closed: only the upstream dL/d(output) may appear, no intermediate adjoint
    for (const a of adjointNames(forms.closed.result)) expect(s.graph.outputs, `closed form of dL/d${g} uses dL/d${a}`).toContain(a);
    const ref = asValue(s, g, refGrad(ex, g)!);
    expectAllClose(`closed dL/d${g}`, atEveryElement(s, forms, forms.closed.result, s.upstream), ref, s.S);
  });

  test.each(c.grads)('elementwise forms of dL/d%s (concrete sizes) match PyTorch', (g) => {
    const s = setupOnce(c);
    // a symbolic file writes its elements out in the derivation at the given sizes
    const derivation = s.result.concrete?.derivation ?? s.result.derivation;
    const forms = derivation.adjoints.get(g)!;
    expect(forms, `adjoint ${g} at concrete sizes`).toBeDefined();
    const elements = forms.elements;
    expect(elements, `elementwise forms of dL/d${g} (≤ 8 elements, concrete sizes)`).toBeDefined();
    const ref = asValue(s, g, refGrad(ex, g)!);
    const got = elements!.map((e) => ({ at: [...e.at], v: evaluate(B, e.form, NONE, { tensors: s.tensors, adjoints: s.upstream }) }));
    expectAllClose(`elementwise dL/d${g}`, got, ref, s.S);
  });

  if (c.locals.length) {
    test.each(c.locals)('local form of dL/d%s, fed the reference adjoints of its consumers, matches PyTorch', (g) => {
      const s = setupOnce(c);
      const forms = formsOf(s, g);
      // the consumers' adjoints: upstream for outputs, PyTorch's own (retain_grad) values otherwise
      const adjoints = new Map(s.upstream);
      const used = adjointNames(forms.local.result);
      for (const a of used) {
        if (adjoints.has(a)) continue;
        const r = refGrad(ex, a);
        if (!r) throw new Error(`local form of dL/d${g} uses dL/d${a}, which the reference does not give`);
        adjoints.set(a, asValue(s, a, r));
      }
      const ref = asValue(s, g, refGrad(ex, g)!);
      expectAllClose(`local dL/d${g}`, atEveryElement(s, forms, forms.local.result, adjoints), ref, s.S);
    });
  }

  // Beyond PyTorch's float64: in 64 digits a correct closed form agrees with a central
  // difference of L = Σ upstream·output (step 1e-25, nudging X itself after it is
  // computed, so through every path: the total derivative) to 1e-30 relative. The
  // rounding error of that difference is ~1e-64·|L terms|/1e-25 ≈ 1e-39·S, the
  // truncation error ~h² ≈ 1e-50: 1e-30 leaves a wide margin and still pins every digit
  // PyTorch cannot see.
  test.each(c.grads)('closed form of dL/d%s agrees with a 64-digit central difference to 1e-30', (g) => {
    const s = setupOnce(c);
    const forms = formsOf(s, g);
    const h = B.fromRational(rat(1, 10n ** 25n));
    const lossAt = (delta: Big, off: number): Big => {
      const t = forwardNudged(s, g, off, delta);
      let L = B.zero;
      for (const [out, up] of s.upstream) up.data.forEach((u, i) => (L = B.add(L, B.mul(u, t.get(out)!.data[i]!))));
      return L;
    };
    const value = s.tensors.get(g)!;
    for (const { at, v } of atEveryElement(s, forms, forms.closed.result, s.upstream)) {
      const off = offset(value, at)!;
      const fd = B.div(B.sub(lossAt(h, off), lossAt(B.neg(h), off)), B.add(h, h));
      const verdict = compare(B, v, fd, s.S, B.fromRational(rat(1, 10n ** 30n)), B.fromRational(rat(1, 10n ** 36n)));
      expect(verdict.ok, `dL/d${g}[${at.join(', ')}]: ${verdict.text}`).toBe(true);
    }
  });
});

// ── negative controls: the same comparison rejects wrong formulas ──────────────────

describe('negative controls (batch norm): a wrong formula fails the PyTorch comparison', () => {
  const bn = CASES.filter((c) => c.example.startsWith('batchnorm'));

  // Σᵢ dL/dx̂[i]·(x[i] − μ), the common factor of the seed's and the correct dL/dσ²
  const i = idx('i');
  const sumDxhatCentered = sum('i', num(1), size('n'), mul(adj('xhat', [i]), add(read('x', [i]), neg(read('mu')))));
  // the seed's claim (batchnorm.layer line 22): · (−1/√(σ²)³) · (σ² + ε)^(−1/2)  — WRONG
  const seedWrong = mul(sumDxhatCentered, neg(pow(pow(call('sqrt', read('var')), num(3)), num(-1))), pow(add(read('var'), read('eps')), num(rat(-1, 2))));
  // the textbook one (LANGUAGE.md's claim, Ioffe & Szegedy): · (−1/2) · (σ² + ε)^(−3/2)
  const textbook = mul(sumDxhatCentered, num(rat(-1, 2)), pow(add(read('var'), read('eps')), num(rat(-3, 2))));

  const valueOf = (c: Case, form: Node): { s: Setup; v: Big; ref: Big } => {
    const s = setup(c);
    const adjoints = new Map([['xhat', asValue(s, 'xhat', refGrad(s.ex, 'xhat')!)]]);
    const v = evaluate(B, form, c.sizes, { tensors: s.tensors, adjoints });
    return { s, v, ref: B.fromNumber(exactValues(refGrad(s.ex, 'var')!)[0]!) };
  };

  test.each(bn)("the seed's dL/dσ² (−1/σ³·(σ²+ε)^(−1/2)) does NOT match PyTorch: $example", (c) => {
    const { s, v, ref } = valueOf(c, seedWrong);
    const verdict = compare(B, v, ref, s.S);
    expect(verdict.ok, verdict.text).toBe(false);
    // and not by a hair: the error is over a thousand times the tolerance
    expect(B.cmp(verdict.err, B.mul(B.fromNumber(1000), verdict.tol)), verdict.text).toBe(1);
  });

  test.each(bn)('the textbook dL/dσ², built the same way from the same Nodes, does match: $example', (c) => {
    const { s, v, ref } = valueOf(c, textbook);
    const verdict = compare(B, v, ref, s.S);
    expect(verdict.ok, verdict.text).toBe(true);
  });

  // A spec mistake rather than an algebra one: unbiased variance (÷ (n − 1)). The engine
  // derives this layer's gradient correctly, and it is not PyTorch's training-mode one.
  test.each(bn)('a layer with the unbiased variance derives a dL/dx that does NOT match PyTorch: $example', (c) => {
    const text = seed('batchnorm.layer').replace('var     = sum(i, (x[i] - mu)^2) / n', 'var     = sum(i, (x[i] - mu)^2) / (n - 1)');
    expect(text).toContain('/ (n - 1)');
    const s = setup({ ...c, file: 'batchnorm-unbiased.layer', text });
    const forms = formsOf(s, 'x');
    const ref = asValue(s, 'x', refGrad(s.ex, 'x')!);
    const bad = atEveryElement(s, forms, forms.closed.result, s.upstream).filter(({ at, v }) => !compare(B, v, refAt(ref, at), s.S).ok);
    expect(bad.length, 'elements of dL/dx that differ from PyTorch').toBeGreaterThan(0);
  });
});
