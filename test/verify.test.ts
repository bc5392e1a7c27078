// Verdicts on the seed's own derivations, each backed by independent evidence: the
// PyTorch float64 numbers in ../shared/reference (a claim's right side, evaluated at
// PyTorch's inputs with PyTorch's own intermediate adjoints, must give PyTorch's
// left side when it holds, and must not when it fails); and the command line.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import type { TensorValue } from '../src/numeric/evaluate.js';
import { evaluate, forward } from '../src/numeric/evaluate.js';
import { bigField } from '../src/numeric/mathjs.js';
import { run } from '../src/pipeline.js';
import { resolveClaim } from '../src/verify/claims.js';
import { readLatex } from '../src/verify/latex.js';
import { loadReference, tensorValue } from './helpers/reference.js';

const F = bigField(64);
const ref = loadReference(new URL('../../shared/reference/torch_reference.json', import.meta.url));
const load = (file: string) => run(file, readFileSync(file, 'utf8'), { verify: true });

describe('the seed’s claims, verdict by verdict', () => {
  for (const name of ['batchnorm', 'conv-2tap', 'conv-4tap', 'conv-avgpool', 'conv-maxpool', 'conv1d']) {
    it(`derivations/seed/${name}.layer: every verdict is the one its # expect: names`, () => {
      const r = load(`derivations/seed/${name}.layer`);
      expect(r.claims!.length).toBeGreaterThan(0);
      for (const c of r.claims!) expect({ line: c.claim.span.line, verdict: c.verdict.kind }).toEqual({ line: c.claim.span.line, verdict: c.expect });
    });
  }

  it('the seed’s ∂L/∂σ² fails with the factor named, and its ∂L/∂μ with the extra 1/σ³', () => {
    const r = load('derivations/seed/batchnorm.layer');
    const [dvar, dmu] = r.claims!.filter((c) => c.verdict.kind === 'fails');
    const words = (c: typeof dvar) => (c!.verdict.kind === 'fails' && !('exact' in c!.verdict) ? c!.verdict.diagnosis.findings.map((f) => f.kind) : []);
    expect(words(dvar)).toEqual(['factor']);
    expect(words(dmu)).toEqual(['factor']);
  });

  // PyTorch's batch norm at n = 4 (batchnorm_n4): the seed's formulas evaluated with
  // PyTorch's inputs and PyTorch's own dL/dx̂, dL/dσ², dL/dμ (retain_grad), compared
  // with PyTorch's left sides. This does not use the engine's derivation at all.
  const ex = ref.examples['batchnorm_n4']!;
  const file = 'derivations/seed/batchnorm.layer';
  const r = run(file, readFileSync(file, 'utf8'));
  const g = r.graph;
  const n = ex.inputs['x']!.value.length;
  const sizes = new Map([['n', BigInt(n)]]);
  const vec = (name: string) => tensorValue(F, ex.inputs[name] ?? ex.grads[name] ?? ex.grads_intermediate![name]!, [1n], [BigInt(n)]);
  const scalar = (t: { hex: readonly string[]; shape: readonly number[]; value: readonly number[] }) => tensorValue(F, t, [], []);
  const leaves = new Map<string, TensorValue<ReturnType<typeof F.fromNumber>>>([
    ['x', vec('x')], ['gamma', scalar(ex.inputs['gamma']!)], ['beta', scalar(ex.inputs['beta']!)], ['eps', scalar(ex.inputs['eps']!)],
  ]);
  const tensors = forward(F, g, sizes, leaves);
  const adjoints = new Map([
    ['y', vec('dy')], ['xhat', vec('dL/dxhat')], ['var', scalar(ex.grads_intermediate!['dL/dvar']!)], ['mu', scalar(ex.grads_intermediate!['dL/dmu']!)],
  ]);
  const values = { tensors, adjoints, upstream: new Map([['y', vec('dy')]]) };
  const torch: Record<string, (at: bigint) => number> = {
    var: () => ex.grads_intermediate!['dL/dvar']!.value[0]!,
    mu: () => ex.grads_intermediate!['dL/dmu']!.value[0]!,
    x: (i) => ex.grads['dL/dx']!.value[Number(i) - 1]!,
  };

  for (const claim of g.claims.filter((c) => c.kind === 'claimLatex')) {
    const rc = resolveClaim(g, claim, readLatex);
    const target = rc.lhs.op === 'adj' ? rc.lhs.attrs.name! : '';
    if (!torch[target]) continue;
    it(`line ${claim.span.line} (${rc.expect}): ∂L/∂${target} from the seed’s formula against PyTorch`, () => {
      const ats = rc.free.length ? [1n, 2n, 3n, 4n] : [0n];
      for (const i of ats) {
        const at = new Map(rc.free.map((f) => [f.name, i]));
        const claimed = F.toNumber(evaluate(F, rc.rhs, sizes, values, at));
        const truth = torch[target]!(i);
        const rel = Math.abs(claimed - truth) / Math.max(Math.abs(truth), 1e-3);
        if (rc.expect === 'holds') expect(rel).toBeLessThan(1e-9);
        else expect(rel).toBeGreaterThan(1e-3);
      }
    });
  }
});

describe('gradproof verify', () => {
  it('exits 1 when a claim fails, 0 with --expect when every verdict is the expected one', () => {
    expect(cli('verify', 'derivations/seed/batchnorm.layer').code).toBe(1);
    expect(cli('verify', '--expect', 'derivations').code).toBe(0);
  });

  it('gives the documented JSON, and leaves the correct form out with --no-solution', () => {
    const full = JSON.parse(cli('verify', 'derivations/seed/batchnorm.layer', '--json').out) as {
      file: string;
      claims: { line: number; verdict: string; expect?: string; asExpected?: boolean; correct?: { form: string; text: string }; diagnosis?: { kind: string; text: string }[]; counterexample?: { lhs: string; rhs: string } }[];
    };
    expect(full.file).toBe('derivations/seed/batchnorm.layer');
    const failing = full.claims.filter((c) => c.verdict === 'fails');
    expect(failing.length).toBe(2);
    for (const c of failing) {
      expect(c.asExpected).toBe(true);
      expect(c.correct?.form).toBe('local');
      expect(c.diagnosis?.[0]?.text).toMatch(/factor/);
      expect(c.counterexample?.lhs).not.toBe(c.counterexample?.rhs);
    }
    const graded = JSON.parse(cli('verify', 'derivations/seed/batchnorm.layer', '--json', '--no-solution').out) as typeof full;
    expect(graded.claims.every((c) => c.correct === undefined)).toBe(true);
    expect(graded.claims.filter((c) => c.verdict === 'fails').every((c) => (c.diagnosis?.length ?? 0) > 0)).toBe(true);
  });
});

describe('edge cases of claims', () => {
  const text = [
    'input x[n]',
    'param w',
    'y[i] = w * x[i]',
    'u = sum(i, x[i])', // L does not depend on u: its adjoint is 0
    'output y',
    'claim dL/du = 0  # expect: holds',
    'claim dL/dw = 1 where w > 5  # expect: error',
    'claim dL/dx = 1  # expect: error',
    'claim dK/dw = 1  # expect: error',
    'claim x[n + 1] = 0  # expect: fails',
    'claim latex: \\frac{\\partial L}{\\partial w} = \\foo  # expect: error',
  ].join('\n');
  const r = run('edge.layer', text, { verify: true });
  const at = (line: number) => r.claims!.find((c) => c.claim.span.line === line)!;

  it('gives each claim the expected verdict, one bad claim hiding none', () => {
    for (const c of r.claims!) expect(c.verdict.kind, c.claim.text).toBe(c.expect);
  });

  it('calls a case that never occurs an error, not a vacuous holds (w is sampled in [−2, 2])', () => {
    const v = at(7).verdict;
    expect(v.kind === 'error' && v.message).toMatch(/never held/);
  });

  it('locates errors at the offending text: `dL/dx` lacks x’s index at column 7, \\foo at column 46', () => {
    const v8 = at(8).verdict;
    expect(v8.kind === 'error' && [v8.line, v8.col]).toEqual([8, 7]);
    const v11 = at(11).verdict;
    expect(v11.kind === 'error' && [v11.line, v11.col]).toEqual([11, 46]);
  });

  it('names the read outside the tensor: x[n + 1]', () => {
    const v = at(10).verdict;
    expect(v.kind).toBe('fails');
    if (v.kind === 'fails' && !('exact' in v)) expect(v.diagnosis.findings.map((f) => f.kind)).toContain('outside');
  });
});
