// Whole networks built from the standard library (`use std`): the seed's CNN table
// (Q3), two linear layers without an activation (Q3 (b)) and the locality of a
// convolution against a dense layer (Q4). Every verdict must be its `# expect:`, and
// the key ones are asserted again with the hand arithmetic that backs them; the
// identities behind the forward claims are also checked here in plain JavaScript,
// without the engine.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { Rng } from '../src/numeric/random.js';
import type { Result } from '../src/pipeline.js';
import { run } from '../src/pipeline.js';
import type { ClaimResult } from '../src/verify/verdicts.js';

const FILES = ['derivations/seed/cnn.layer', 'derivations/seed/no-activation.layer', 'derivations/seed/locality.layer'];

const cache = new Map<string, Result>();
function load(file: string): Result {
  let r = cache.get(file);
  if (!r) cache.set(file, (r = run(file, readFileSync(file, 'utf8'), { verify: true, present: false })));
  return r;
}

/** The claim whose line is this text (before its `# expect:` comment). A claim the
 *  file states twice (the hand table and the right table agree) has one verdict. */
function claim(file: string, text: string): ClaimResult {
  const found = load(file).claims!.filter((c) => c.claim.span.source.split('#')[0]!.trim() === text);
  expect(found.length, `a claim "${text}" in ${file}`).toBeGreaterThan(0);
  expect(new Set(found.map((c) => c.verdict.kind)).size, `one verdict for "${text}"`).toBe(1);
  return found[0]!;
}

/** A shape or count claim's verdict: holds/fails and the engine's exact value. */
function exact(file: string, text: string): { kind: string; actual: string } {
  const v = claim(file, text).verdict;
  if (!('exact' in v)) throw new Error(`${text}: no exact verdict (${v.kind})`);
  return { kind: v.kind, actual: v.exact.actual };
}

/** A value claim's verdict; for fails, the counterexample's two sides as numbers. */
function sides(file: string, text: string): { lhs: number; rhs: number } {
  const v = claim(file, text).verdict;
  if (v.kind !== 'fails' || 'exact' in v) throw new Error(`${text}: expected a counterexample, got ${v.kind}`);
  return { lhs: Number(v.counterexample.lhs), rhs: Number(v.counterexample.rhs) };
}

const out = (H: number, k: number, s = 1, p = 0) => Math.floor((H + 2 * p - k) / s) + 1;

describe('networks of standard-library layers', () => {
  for (const file of FILES) {
    it(`${file}: every verdict is the one its # expect: names`, () => {
      const r = load(file);
      expect(r.claims!.length).toBeGreaterThan(0);
      for (const c of r.claims!) {
        expect(c.expect, `line ${c.claim.span.line} has an # expect:`).toBeDefined();
        expect({ line: c.claim.span.line, verdict: c.verdict.kind }).toEqual({ line: c.claim.span.line, verdict: c.expect });
      }
    });
  }

  it('gradproof verify --expect exits 0 on the three files', () => {
    let text = '';
    let err = '';
    const code = main(['verify', '--expect', ...FILES], { out: (s) => (text += s), err: (s) => (err += s) });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(text).not.toMatch(/\berror\b.*\(expected/);
  });
});

describe('seed Q3: the CNN table (derivations/seed/cnn.layer)', () => {
  const f = 'derivations/seed/cnn.layer';

  it('the output sizes follow ⌊(H + 2p − k)/s⌋ + 1, not the hand table', () => {
    // C1: ⌊(256 − 9)/1⌋ + 1 = 248, so the hand's 256×256×10 fails
    expect(out(256, 9)).toBe(248);
    expect(exact(f, 'claim shape c1 = [10, 256, 256]')).toEqual({ kind: 'fails', actual: '[10, 248, 248]' });
    expect(exact(f, 'claim shape c1 = [10, 248, 248]').kind).toBe('holds');
    // C2: ⌊(248 − 7)/2⌋ + 1 = 120 + 1 = 121: the hand's 121×121×20 holds
    expect(out(248, 7, 2)).toBe(121);
    expect(exact(f, 'claim shape c2 = [20, 121, 121]')).toEqual({ kind: 'holds', actual: '[20, 121, 121]' });
    // C3: ⌊(121 − 5)/1⌋ + 1 = 117, not 116
    expect(out(121, 5)).toBe(117);
    expect(exact(f, 'claim shape c3 = [40, 116, 116]')).toEqual({ kind: 'fails', actual: '[40, 117, 117]' });
    // pooling 2×2 stride 2: ⌊(117 − 2)/2⌋ + 1 = 57 + 1 = 58, the hand's 58 (from 116/2)
    expect(out(117, 2, 2)).toBe(58);
    expect(exact(f, 'claim shape p = [40, 58, 58]')).toEqual({ kind: 'holds', actual: '[40, 58, 58]' });
    // C4: ⌊(58 − 3)/2⌋ + 1 = 27 + 1 = 28, not 58
    expect(out(58, 3, 2)).toBe(28);
    expect(exact(f, 'claim shape c4 = [50, 58, 58]')).toEqual({ kind: 'fails', actual: '[50, 28, 28]' });
    // flatten: 50·28·28 = 39200, not 1400
    expect(50 * 28 * 28).toBe(39200);
    expect(exact(f, 'claim shape f = [1400]')).toEqual({ kind: 'fails', actual: '[39200]' });
    expect(exact(f, 'claim shape f = [39200]').kind).toBe('holds');
  });

  it('a filter is as deep as its input: the hand’s depth 16 fails for C2 and C4', () => {
    // C2 reads C1's 10 channels, C4 the pooled 40
    expect(exact(f, 'claim shape c2.w = [20, 16, 7, 7]')).toEqual({ kind: 'fails', actual: '[20, 10, 7, 7]' });
    expect(exact(f, 'claim shape c4.w = [50, 16, 3, 3]')).toEqual({ kind: 'fails', actual: '[50, 40, 3, 3]' });
    expect(exact(f, 'claim shape c1.w = [10, 3, 9, 9]').kind).toBe('holds');
    expect(exact(f, 'claim shape c3.w = [40, 20, 5, 5]').kind).toBe('holds');
  });

  it('parameter counts: weights k·k·C_in·C_out plus one bias per filter', () => {
    const conv = (cin: number, cout: number, k: number) => cout * cin * k * k + cout;
    // C1: 10·3·9·9 + 10 = 2440
    expect(conv(3, 10, 9)).toBe(2440);
    expect(exact(f, 'claim params c1 = 2440')).toEqual({ kind: 'holds', actual: '2440' });
    // C2: 20·10·7·7 + 20 = 9820 (with the hand's depth 16: 15700)
    expect([conv(10, 20, 7), conv(16, 20, 7)]).toEqual([9820, 15700]);
    expect(exact(f, 'claim params c2 = 15700')).toEqual({ kind: 'fails', actual: '9820' });
    // C3: 40·20·5·5 + 40 = 20040; C4: 50·40·3·3 + 50 = 18050; FC: 10·39200 + 10 = 392010
    expect([conv(20, 40, 5), conv(40, 50, 3), 10 * 39200 + 10]).toEqual([20040, 18050, 392010]);
    expect(exact(f, 'claim params fc = 14010')).toEqual({ kind: 'fails', actual: '392010' });
    // the total: 2440 + 9820 + 20040 + 18050 + 392010 = 442360
    const total = conv(3, 10, 9) + conv(10, 20, 7) + conv(20, 40, 5) + conv(40, 50, 3) + 10 * 39200 + 10;
    expect(total).toBe(442360);
    expect(exact(f, 'claim params = 442360')).toEqual({ kind: 'holds', actual: '442360' });
    // the hand table's own total: 2440 + 15700 + 20040 + (50·16·9 + 50) + (10·1400 + 10) = 59440
    expect(conv(3, 10, 9) + conv(16, 20, 7) + conv(20, 40, 5) + conv(16, 50, 3) + 10 * 1400 + 10).toBe(59440);
    expect(exact(f, 'claim params = 59440')).toEqual({ kind: 'fails', actual: '442360' });
  });
});

describe('seed Q3 (b): no activation between two layers (derivations/seed/no-activation.layer)', () => {
  const f = 'derivations/seed/no-activation.layer';
  const dense = 'claim y[o] = sum(i, sum(j, y.w[o, j] * h.w[j, i]) * x[i]) + sum(j, y.w[o, j] * h.b[j]) + y.b[o]';
  const withRelu = 'claim y2[o] = sum(i, sum(j, y2.w[o, j] * h.w[j, i]) * x[i]) + sum(j, y2.w[o, j] * h.b[j]) + y2.b[o]';
  const conv = 'claim cc[o, m] = cc.b[o] + sum(d, l, cc.w[o, d, l] * ca.b[d]) + sum(c, t in 1..4, sum(d, l, cc.w[o, d, l] * ca.w[d, c, t - l + 1]?) * xc[c, m + t - 1])';
  const convRelu = 'claim cc2[o, m] = cc2.b[o] + sum(d, l, cc2.w[o, d, l] * ca.b[d]) + sum(c, t in 1..4, sum(d, l, cc2.w[o, d, l] * ca.w[d, c, t - l + 1]?) * xc[c, m + t - 1])';

  it('two dense layers are one: W2·(W1·x + b1) + b2 = (W2·W1)·x + (W2·b1 + b2)', () => {
    expect(claim(f, dense).verdict.kind).toBe('holds');
    // the same identity in plain JavaScript at a few points (4 → 3 → 2)
    const rnd = draws(7);
    const W1 = mat(3, 4, rnd), b1 = vec(3, rnd), W2 = mat(2, 3, rnd), b2 = vec(2, rnd), x = vec(4, rnd);
    const twoLayers = add(mv(W2, add(mv(W1, x), b1)), b2);
    const oneLayer = add(mv(mm(W2, W1), x), add(mv(W2, b1), b2));
    for (let o = 0; o < 2; o++) expect(twoLayers[o]).toBeCloseTo(oneLayer[o]!, 12);
  });

  it('with a ReLU between them it fails, with a finite counterexample', () => {
    const { lhs, rhs } = sides(f, withRelu);
    expect(Number.isFinite(lhs) && Number.isFinite(rhs)).toBe(true);
    expect(Math.abs(lhs - rhs)).toBeGreaterThan(1e-6);
  });

  it('two stacked conv1d layers are one conv1d whose kernel is the full convolution of the two', () => {
    expect(claim(f, conv).verdict.kind).toBe('holds');
    expect(exact(f, 'claim shape cc = [2, 5]')).toEqual({ kind: 'holds', actual: '[2, 5]' });
    const { lhs, rhs } = sides(f, convRelu);
    expect(Number.isFinite(lhs) && Number.isFinite(rhs)).toBe(true);
    expect(Math.abs(lhs - rhs)).toBeGreaterThan(1e-6);
    // plain JavaScript: xc[2, 8] → (kernel 3) → [3, 6] → (kernel 2) → [2, 5], against one
    // conv with V[o, c, t] = Σ_d Σ_l w2[o, d, l]·w1[d, c, t − l + 1] (t = 1..4) and
    // bias b2[o] + Σ_d Σ_l w2[o, d, l]·b1[d]
    const rnd = draws(11);
    const x = [vec(8, rnd), vec(8, rnd)];
    const w1 = [0, 1, 2].map(() => [mat(1, 3, rnd)[0]!, mat(1, 3, rnd)[0]!]); // [3][2][3]
    const b1 = vec(3, rnd);
    const w2 = [0, 1].map(() => [0, 1, 2].map(() => vec(2, rnd))); // [2][3][2]
    const b2 = vec(2, rnd);
    const conv1d = (inp: number[][], w: number[][][], b: number[]) =>
      w.map((wo, o) => Array.from({ length: inp[0]!.length - wo[0]!.length + 1 }, (_, j) => b[o]! + wo.reduce((s, wc, c) => s + wc.reduce((s2, wk, k) => s2 + wk * inp[c]![j + k]!, 0), 0)));
    const two = conv1d(conv1d(x, w1, b1), w2, b2);
    const V = [0, 1].map((o) => [0, 1].map((c) => [0, 1, 2, 3].map((t) => {
      let s = 0;
      for (let d = 0; d < 3; d++) for (let l = 0; l < 2; l++) if (t - l >= 0 && t - l < 3) s += w2[o]![d]![l]! * w1[d]![c]![t - l]!;
      return s;
    })));
    const bV = [0, 1].map((o) => b2[o]! + [0, 1, 2].reduce((s, d) => s + w2[o]![d]![0]! * b1[d]! + w2[o]![d]![1]! * b1[d]!, 0));
    const one = conv1d(x, V, bV);
    expect(one.map((r) => r.length)).toEqual([5, 5]);
    for (let o = 0; o < 2; o++) for (let m = 0; m < 5; m++) expect(two[o]![m]).toBeCloseTo(one[o]![m]!, 12);
  });
});

describe('seed Q4: locality and sharing (derivations/seed/locality.layer)', () => {
  const f = 'derivations/seed/locality.layer';

  it('eq. (3): x1 and x5 reach one output, x2..x4 two neighbouring ones', () => {
    // z2[j] = w1·x[j] + w2·x[j + 1], j = 1..4: x[i] is in z2[i] (tap 1) and z2[i − 1] (tap 2)
    expect(sparsity(5, 2)).toEqual([[1], [1, 2], [2, 3], [3, 4], [4]]);
    for (const c of [
      'claim dL/dx2[1] = w2[1] * dL/dz2[1]',
      'claim dL/dx2[2] = w2[2] * dL/dz2[1] + w2[1] * dL/dz2[2]',
      'claim dL/dx2[3] = w2[2] * dL/dz2[2] + w2[1] * dL/dz2[3]',
      'claim dL/dx2[4] = w2[2] * dL/dz2[3] + w2[1] * dL/dz2[4]',
      'claim dL/dx2[5] = w2[2] * dL/dz2[4]',
      'claim dL/dx2[i] = w2[1] * dL/dz2[i]? + w2[2] * dL/dz2[i - 1]?',
    ]) expect(claim(f, c).verdict.kind, c).toBe('holds');
    // x1 does not reach z2[2]
    const { lhs, rhs } = sides(f, 'claim dL/dx2[1] = w2[1] * dL/dz2[1] + w2[2] * dL/dz2[2]');
    expect(lhs).not.toBeCloseTo(rhs, 6);
  });

  it('eq. (4): with 4 taps x2..x4 reach both outputs, x1 and x5 one each', () => {
    expect(sparsity(5, 4)).toEqual([[1], [1, 2], [1, 2], [1, 2], [2]]);
    for (const c of [
      'claim dL/dx4[1] = w4[1] * dL/dz4[1]',
      'claim dL/dx4[2] = w4[2] * dL/dz4[1] + w4[1] * dL/dz4[2]',
      'claim dL/dx4[3] = w4[3] * dL/dz4[1] + w4[2] * dL/dz4[2]',
      'claim dL/dx4[4] = w4[4] * dL/dz4[1] + w4[3] * dL/dz4[2]',
      'claim dL/dx4[5] = w4[4] * dL/dz4[2]',
      'claim dL/dw4[k] = dL/dz4[1] * x4[k] + dL/dz4[2] * x4[k + 1]',
    ]) expect(claim(f, c).verdict.kind, c).toBe('holds');
  });

  it('dense 5 → 4: every input reaches every output; 20 weights against 2', () => {
    expect(claim(f, 'claim dL/dxd[i] = sum(o, W[o, i] * dL/dd[o])').verdict.kind).toBe('holds');
    expect(claim(f, 'claim dL/dxd[1] = W[1, 1] * dL/dd[1] + W[2, 1] * dL/dd[2] + W[3, 1] * dL/dd[3] + W[4, 1] * dL/dd[4]').verdict.kind).toBe('holds');
    const { lhs, rhs } = sides(f, 'claim dL/dxd[1] = W[1, 1] * dL/dd[1]');
    expect(lhs).not.toBeCloseTo(rhs, 6);
    // counts: conv 2 and 4 (shared by every output), dense 4·5 = 20, total 2 + 4 + 20 = 26
    expect(exact(f, 'claim params w2 = 2')).toEqual({ kind: 'holds', actual: '2' });
    expect(exact(f, 'claim params w4 = 4')).toEqual({ kind: 'holds', actual: '4' });
    expect(exact(f, 'claim params W = 20')).toEqual({ kind: 'holds', actual: '20' });
    expect(exact(f, 'claim params = 26')).toEqual({ kind: 'holds', actual: '26' });
    // output sizes: 5 − 2 + 1 = 4 and 5 − 4 + 1 = 2
    expect(exact(f, 'claim shape z2 = [4]').actual).toBe('[4]');
    expect(exact(f, 'claim shape z4 = [2]').actual).toBe('[2]');
  });
});

// ── plain-JavaScript helpers, independent of the engine ─────────────────────────────

/** For a valid 1-D correlation of n inputs with K taps: the (1-based) outputs each input reaches. */
function sparsity(n: number, K: number): number[][] {
  const reach: number[][] = Array.from({ length: n }, () => []);
  for (let j = 1; j <= n - K + 1; j++) for (let k = 1; k <= K; k++) reach[j + k - 2]!.push(j);
  return reach;
}

/** Values in [−2, 2) from the project's seeded generator (src/numeric/random.ts). */
function draws(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.uniform(-2, 2);
}
const vec = (n: number, r: () => number) => Array.from({ length: n }, r);
const mat = (m: number, n: number, r: () => number) => Array.from({ length: m }, () => vec(n, r));
const mv = (A: number[][], x: number[]) => A.map((row) => row.reduce((s, a, i) => s + a * x[i]!, 0));
const mm = (A: number[][], B: number[][]) => A.map((row) => B[0]!.map((_, j) => row.reduce((s, a, k) => s + a * B[k]![j]!, 0)));
const add = (a: number[], b: number[]) => a.map((v, i) => v + b[i]!);
