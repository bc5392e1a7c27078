// Planted mistakes in hand derivations (derivations/mistakes/): every claim gets the
// verdict its `# expect:` comment states, every correct claim holds with no finding,
// and every wrong one is diagnosed as the mistake it is (a missing 1/d, a sign, a
// wrong power, a dropped ε, a missing chain-rule path, a transposed or shifted index).
//
// The evidence that a claim is right or wrong is independent of the engine: above
// each assertion, the hand computation, usually at a small size with round numbers.
// Shorthand: s = √(σ² + ε), g[i] = ∂L/∂x̂[i], u[i] = ∂L/∂y[i].
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Node } from '../src/ir/node.js';
import { run } from '../src/pipeline.js';
import { printText } from '../src/ops/printer.js';
import { sentence } from '../src/render/verdicts.js';
import type { Finding } from '../src/verify/diagnose.js';
import type { ClaimResult } from '../src/verify/verdicts.js';

const DIR = 'derivations/mistakes';
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.layer')).sort();

const cache = new Map<string, readonly ClaimResult[]>();
function claimsOf(file: string): readonly ClaimResult[] {
  if (!cache.has(file)) {
    const path = join(DIR, file);
    cache.set(file, run(path, readFileSync(path, 'utf8'), { verify: true }).claims ?? []);
  }
  return cache.get(file)!;
}

/** The claim whose text (after `claim `) is exactly `text`. */
function claim(file: string, text: string): ClaimResult {
  const found = claimsOf(file).filter((r) => r.claim.text.replace(/^claim\s+/, '') === text);
  expect(found, `exactly one claim "${text}" in ${file}`).toHaveLength(1);
  return found[0]!;
}

const show = (n: Node): string => printText(n);

interface Said {
  readonly f: Finding;
  readonly kind: Finding['kind'];
  readonly text: string;
}

/** The findings of a claim that must fail, each with its sentence. */
function findings(file: string, text: string): Said[] {
  const r = claim(file, text);
  expect(r.verdict.kind, `verdict of "${text}"`).toBe('fails');
  if (r.verdict.kind !== 'fails' || 'exact' in r.verdict) return [];
  // a counterexample whose two sides are finite numbers that differ
  const { lhs, rhs } = r.verdict.counterexample;
  expect(Number.isFinite(Number(lhs)) && Number.isFinite(Number(rhs)), `finite counterexample: ${lhs} vs ${rhs}`).toBe(true);
  expect(Number(lhs)).not.toBe(Number(rhs));
  return r.verdict.diagnosis.findings.map((f) => ({ f, kind: f.kind, text: sentence(f, show) }));
}

/** Exactly one finding, of this kind. */
function only(file: string, text: string, kind: Finding['kind']): Said {
  const fs = findings(file, text);
  expect(fs.map((x) => `${x.kind}: ${x.text}`)).toEqual([expect.stringMatching(new RegExp(`^${kind}: `))]);
  return fs[0]!;
}

function holds(file: string, text: string): void {
  const r = claim(file, text);
  expect(r.verdict.kind, `"${text}": ${r.verdict.kind === 'fails' && !('exact' in r.verdict) ? r.verdict.diagnosis.findings.map((f) => sentence(f, show)).join('; ') : ''}`).toBe('holds');
  // no correct claim gets a finding (a holds verdict carries no diagnosis at all)
  expect(r.verdict).not.toHaveProperty('diagnosis');
}

describe('every claim in derivations/mistakes gets the verdict its # expect: states', () => {
  it('has the four files', () => {
    expect(FILES).toEqual(['dense.layer', 'layernorm.layer', 'softmax-ce-normalised.layer', 'softmax-ce.layer']);
  });
  for (const file of FILES) {
    it(file, () => {
      const rs = claimsOf(file);
      expect(rs.length).toBeGreaterThan(0);
      for (const r of rs) {
        expect(r.expect, `line ${r.claim.span.line} has an # expect: comment`).toBeDefined();
        expect(`${r.claim.span.line}: ${r.verdict.kind}`).toBe(`${r.claim.span.line}: ${r.expect}`);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------
// Layer norm. The running example, d = 2: x = (−1, 1), ε = 3, g = (1, 3), γ = (2, 5),
// u = (1, 1). Then μ = 0, σ² = ((−1)² + 1²)/2 = 1, s = √(1 + 3) = 2, x̂ = (−1/2, 1/2),
//   ∂L/∂μ  = −Σg/s = −4/2 = −2,
//   ∂L/∂σ² = −½·s⁻³·Σ g(x − μ) = −½·(1/8)·(−1 + 3) = −1/8,
//   ∂L/∂x₁ = g₁/s + ∂L/∂σ²·2(x₁ − μ)/d + ∂L/∂μ/d = 1/2 + 1/8 − 1 = −3/8,
//   ∂L/∂x₂ = 3/2 − 1/8 − 1 = 3/8   (they sum to 0: L does not change when x shifts).
// ---------------------------------------------------------------------------------------
describe('layernorm.layer', () => {
  const F = 'layernorm.layer';

  it('the correct local and output-layer claims hold', () => {
    // y[j] = γ[j]x̂[j] + β[j]: ∂y[j]/∂β[j] = 1, ∂y[j]/∂γ[j] = x̂[j], ∂y[j]/∂x̂[j] = γ[j].
    holds(F, 'dL/dbeta[j] = dL/dy[j]');
    holds(F, 'dL/dgamma[j] = dL/dy[j] * xhat[j]');
    holds(F, 'dL/dxhat[i] = dL/dy[i] * gamma[i]');
    // ∂x̂[i]/∂σ² = (x[i] − μ)·(−½)(σ² + ε)^(−3/2); example: −½·(2)·(1/8) = −1/8 as above.
    holds(F, 'dL/dvar = sum(i, dL/dxhat[i] * (x[i] - mu)) * (-1/2) * (var + eps)^(-3/2)');
    // ∂x̂[i]/∂μ = −1/s, ∂σ²/∂μ = −2Σ(x − μ)/d: example −4/2 + (−1/8)·0 = −2.
    holds(F, 'dL/dmu = -sum(i, dL/dxhat[i]) / sqrt(var + eps) + dL/dvar * sum(i, -2 * (x[i] - mu)) / d');
    // ∂L/∂x₁ = 1/2 + (−1/8)·2·(−1)/2 + (−2)/2 = −3/8.
    holds(F, 'dL/dx[i] = dL/dxhat[i] / sqrt(var + eps) + dL/dvar * 2 * (x[i] - mu) / d + dL/dmu / d');
  });

  it('dropping the σ² path from ∂L/∂μ still holds: Σᵢ(xᵢ − μ) = 0', () => {
    // The dropped term is ∂L/∂σ²·(−2/d)·Σᵢ(xᵢ − μ), and Σᵢ(xᵢ − μ) = Σᵢxᵢ − d·μ = 0 by the
    // definition of μ, for every x. Example: Σ(x − μ) = −1 + 1 = 0, both sides −2.
    holds(F, 'dL/dmu = -sum(i, dL/dxhat[i]) / sqrt(var + eps)');
  });

  it('the compact (Ioffe–Szegedy style) form of ∂L/∂x holds', () => {
    // (1/s)(gᵢ − mean g − x̂ᵢ·mean(g·x̂)): mean g = 2, mean(g·x̂) = (−1/2 + 3/2)/2 = 1/2,
    // i = 1: (1/2)(1 − 2 + (1/2)(1/2)) = −3/8;  i = 2: (1/2)(3 − 2 − (1/2)(1/2)) = 3/8,
    // the local form's values. In general ∂L/∂μ/d = −mean(g)/s and
    // ∂L/∂σ²·2(xᵢ − μ)/d = −(xᵢ − μ)Σⱼgⱼ(xⱼ − μ)/(d·s³) = −x̂ᵢ·mean(g·x̂)/s.
    holds(F, 'dL/dx[i] = (1 / sqrt(var + eps)) * (dL/dxhat[i] - mean(j, dL/dxhat[j]) - xhat[i] * mean(j, dL/dxhat[j] * xhat[j]))');
  });

  it('the closed forms through ∂L/∂y hold', () => {
    // g = γ·u = (2, 5): mean g = 7/2, mean(g·x̂) = (−1 + 5/2)/2 = 3/4,
    // ∂L/∂x₁ = (1/2)(2 − 7/2 + (1/2)(3/4)) = −9/16, ∂L/∂x₂ = (1/2)(5 − 7/2 − 3/8) = 9/16.
    holds(F, 'dL/dx[i] = (gamma[i] * dL/dy[i] - mean(j, gamma[j] * dL/dy[j]) - xhat[i] * mean(j, gamma[j] * dL/dy[j] * xhat[j])) / sqrt(var + eps)');
    // −½s⁻³Σγu(x − μ) = −Σγu·x̂/(2s²) since x − μ = s·x̂: −(−1 + 5/2)/(2·4) = −3/16 both ways.
    holds(F, 'dL/dvar = -sum(i, gamma[i] * dL/dy[i] * xhat[i]) / (2 * (var + eps))');
    // −Σγu/s = −7/2.
    holds(F, 'dL/dmu = -sum(i, gamma[i] * dL/dy[i]) / sqrt(var + eps)');
  });

  it('a missing 1/d on the μ path: the term ∂L/∂μ is d times too large', () => {
    // ∂μ/∂xᵢ = 1/d, so the μ path is ∂L/∂μ/d. Written ∂L/∂μ: ∂L/∂x₁ = 1/2 + 1/8 − 2 = −11/8
    // instead of −3/8; the term is −2 instead of −1, a factor d = 2 (equal only at d = 1).
    const f = only(F, 'dL/dx[i] = dL/dxhat[i] / sqrt(var + eps) + dL/dvar * 2 * (x[i] - mu) / d + dL/dmu', 'scale');
    if (f.f.kind !== 'scale') return;
    expect(show(f.f.factor)).toBe('d');
    expect(show(f.f.term)).toBe('∂L/∂μ');
    expect(f.text).toBe('the term ∂L/∂μ has an extra factor d');
  });

  it('a missing 1/d on the σ² path: named as the factor d (or a missing 1/d)', () => {
    // ∂σ²/∂xᵢ = 2(xᵢ − μ)/d (μ's own dependence on x is the μ path). Written 2(xᵢ − μ):
    // ∂L/∂x₁ = 1/2 + (−1/8)·2·(−1) − 1 = −1/4 instead of −3/8; the term is 1/4 instead of 1/8.
    const fs = findings(F, 'dL/dx[i] = dL/dxhat[i] / sqrt(var + eps) + dL/dvar * 2 * (x[i] - mu) + dL/dmu / d');
    expect(fs).toHaveLength(1);
    const f = fs[0]!.f;
    const named = (f.kind === 'scale' && show(f.factor) === 'd') || (f.kind === 'factor' && show(f.wrong) === '1' && show(f.right) === '1/d');
    expect(named, fs[0]!.text).toBe(true);
  });

  it('a wrong sign in ∂x̂/∂μ is a sign finding', () => {
    // ∂x̂ᵢ/∂μ = −1/s. Written +1/s: the claim is +Σg/s = +2 where the truth is −2 (the σ²
    // term is 0 on both sides).
    const f = only(F, 'dL/dmu = sum(i, dL/dxhat[i]) / sqrt(var + eps) + dL/dvar * sum(i, -2 * (x[i] - mu)) / d', 'sign');
    expect(f.text).toBe('the sign of the term (Σ_{i=1}^{d} ∂L/∂xhat[i])/√(var + ε) is wrong');
  });

  it('a wrong sign in ∂L/∂σ² is a sign finding', () => {
    // d/dσ² (σ² + ε)^(−1/2) = −½(σ² + ε)^(−3/2). Written +½: the claim is +1/8 where the
    // truth is −1/8, exactly −1 times it at every point (and both 0 at d = 1, where
    // xᵢ − μ = 0: a ratio the diagnosis must skip rather than give up on).
    only(F, 'dL/dvar = sum(i, dL/dxhat[i] * (x[i] - mu)) * (1/2) * (var + eps)^(-3/2)', 'sign');
  });

  it('a wrong exponent (−1/2 for −3/2) in ∂L/∂σ² is a factor finding naming both powers', () => {
    // −½ − 1 = −3/2. With −1/2 the claim is −½·2·4^(−1/2) = −1/2 instead of −½·2·4^(−3/2) = −1/8:
    // (σ² + ε) = 4 times the truth, a ratio that varies with σ² + ε (not a constant scale).
    const f = only(F, 'dL/dvar = sum(i, dL/dxhat[i] * (x[i] - mu)) * (-1/2) * (var + eps)^(-1/2)', 'factor');
    expect(f.text).toBe('the factor 1/√(var + ε) should be 1/(var + ε)^(3/2)');
  });

  it('a dropped ε is a factor finding that names √(σ² + ε)', () => {
    // x̂ = (x − μ)/√(σ² + ε): ∂x̂ᵢ/∂xᵢ (direct) = 1/√(σ² + ε) = 1/2, not 1/√σ² = 1.
    // The claim gives ∂L/∂x₁ = 1 + 1/8 − 1 = 1/8 instead of −3/8 (and is infinite at d = 1).
    const f = only(F, 'dL/dx[i] = dL/dxhat[i] / sqrt(var) + dL/dvar * 2 * (x[i] - mu) / d + dL/dmu / d', 'factor');
    expect(f.text).toBe('the factor 1/√(var) should be 1/√(var + ε)');
    expect(f.text).toContain('ε');
  });

  it('a dropped μ path in ∂L/∂x is path-missing through μ', () => {
    // The μ path ∂L/∂μ/d = −Σg/(d·s) = −1 is not zero (unlike the σ² path of ∂L/∂μ):
    // the claim gives 1/2 + 1/8 = 5/8 instead of −3/8.
    const f = only(F, 'dL/dx[i] = dL/dxhat[i] / sqrt(var + eps) + dL/dvar * 2 * (x[i] - mu) / d', 'path-missing');
    if (f.f.kind !== 'path-missing') return;
    expect(f.f.through).toBe('mu');
    expect(show(f.f.term)).toBe('∂L/∂μ/d');
    expect(f.text).toBe('the path through μ is missing (the correct form has the term ∂L/∂μ/d)');
  });

  it('a forgotten γ in ∂L/∂x̂ is a missing factor γ[i]', () => {
    // ∂y[i]/∂x̂[i] = γ[i]: with γ = (2, 5), u = (1, 1) the truth is (2, 5), the claim (1, 1).
    const f = only(F, 'dL/dxhat[i] = dL/dy[i]', 'factor');
    expect(f.text).toBe('a factor γ[i] is missing');
  });

  it("batch norm's Σ for a per-feature γ is a factor finding naming the one term", () => {
    // γ[j] reaches only y[j]: ∂L/∂γ[j] = u[j]x̂[j]. With u = (1, 1): the truth is
    // (−1/2, 1/2), the claim Σ u·x̂ = 0 at both j.
    const f = only(F, 'dL/dgamma[j] = sum(i, dL/dy[i] * xhat[i])', 'factor');
    expect(f.text).toBe('the factor Σ_{i=1}^{d} xhat[i]·∂L/∂y[i] should be xhat[j]·∂L/∂y[j]');
  });
});

// ---------------------------------------------------------------------------------------
// Softmax + cross-entropy. Example, k = 2: z = (0, log 3), so exp z = (1, 3), S = 4,
// p = (1/4, 3/4); t = (1, 2), Σt = 3. L = −Σtᵢzᵢ + (Σt)·log S, so
//   ∂L/∂z = p·Σt − t = (3/4 − 1, 9/4 − 2) = (−1/4, 1/4),   ∂L/∂p = −t/p = (−4, −8/3).
// ---------------------------------------------------------------------------------------
describe('softmax-ce.layer', () => {
  const F = 'softmax-ce.layer';

  it('the general form p·Σt − t and the local forms hold', () => {
    // as above; t is an unconstrained input, so Σt ≠ 1 in general and the Σt stays.
    holds(F, 'dL/dz[i] = p[i] * sum(j, t[j]) - t[i]');
    // −tᵢ/pᵢ: (−1/(1/4), −2/(3/4)) = (−4, −8/3).
    holds(F, 'dL/dp[i] = -t[i] / p[i]');
    // Σⱼ pⱼ·∂L/∂pⱼ = −Σt = −3; i = 1: (1/4)(−4 + 3) = −1/4; i = 2: (3/4)(−8/3 + 3) = 1/4.
    holds(F, 'dL/dz[i] = p[i] * (dL/dp[i] - sum(j, p[j] * dL/dp[j]))');
    // the Jacobian pⱼ([i = j] − pᵢ) summed against ∂L/∂p: the same numbers.
    holds(F, 'dL/dz[i] = sum(j, dL/dp[j] * p[j] * ([i = j] - p[i]))');
  });

  it('p − t without the Σt factor: a factor Σ t[j] is missing', () => {
    // p − t = (1/4 − 1, 3/4 − 2) = (−3/4, −5/4), not (−1/4, 1/4). The term pᵢ should be
    // pᵢ·Σt (Σt = 3 here); the −tᵢ term is right.
    const f = only(F, 'dL/dz[i] = p[i] - t[i]', 'factor');
    expect(f.text).toMatch(/^a factor Σ_\{(\w+)=1\}\^\{k\} t\[\1\] is missing$/);
  });

  it('a wrong sign on t[i] is a sign finding on that term', () => {
    // +tᵢ instead of −tᵢ: (3/4 + 1, 9/4 + 2) = (7/4, 17/4).
    const f = only(F, 'dL/dz[i] = p[i] * sum(j, t[j]) + t[i]', 'sign');
    expect(f.text).toBe('the sign of the term t[i] is wrong');
  });

  it('the whole gradient negated: every finding is a sign finding', () => {
    // t − p·Σt = (1/4, −1/4) = −(−1/4, 1/4): each term is −1 times its correct
    // counterpart (tᵢ ↔ −tᵢ, −pᵢΣt ↔ pᵢΣt), so each should be named a sign error.
    const fs = findings(F, 'dL/dz[i] = t[i] - p[i] * sum(j, t[j])');
    expect(fs.length).toBeGreaterThan(0);
    expect(fs.map((x) => `${x.kind}: ${x.text}`)).toEqual(fs.map(() => expect.stringMatching(/^sign: /)));
  });

  it('t[i + 1]? for t[i] is an index shift, and the meant read is t[i]', () => {
    // i = 1: 3/4 − t₂ = 3/4 − 2 = −5/4 ≠ −1/4; i = 2: 9/4 − 0 = 9/4 ≠ 1/4 (t[3]? reads 0).
    // Moving the read back by one gives the correct −tᵢ at every i.
    const f = only(F, 'dL/dz[i] = p[i] * sum(j, t[j]) - t[i + 1]?', 'shift');
    expect(f.text).toMatch(/^index shifted by one: t\[i \+ 1\]\? where /);
    expect(f.text).toMatch(/where t\[i\]\?? is meant$/);
  });

  it('the diagonal of the softmax Jacobian alone: the off-diagonal term is missing', () => {
    // pᵢ·∂L/∂pᵢ = (1/4)(−4) = −1 instead of −1/4: the term −pᵢΣⱼpⱼ∂L/∂pⱼ = −(1/4)(−3) = 3/4
    // (zᵢ reaches every pⱼ through S) is dropped.
    const f = only(F, 'dL/dz[i] = p[i] * dL/dp[i]', 'missing');
    expect(f.text).toContain('∂L/∂p[');
  });

  it("the correct form shown for a wrong ∂L/∂z is written through p, in the claim's terms", () => {
    // exp(zᵢ)/Σⱼexp(zⱼ) is pᵢ by p's definition (as x̂ is recognised in batch norm), so
    // the closed form is pᵢ·Σt − tᵢ; the one shown should not make the reader undo the
    // softmax: −tᵢ·exp(zᵢ)/(pᵢ·S) is just −tᵢ.
    const r = claim(F, 'dL/dz[i] = p[i] - t[i]');
    if (r.verdict.kind !== 'fails' || 'exact' in r.verdict) throw new Error(`expected fails, got ${r.verdict.kind}`);
    const correct = r.verdict.diagnosis.correct;
    expect(correct).toBeDefined();
    expect(show(correct!.node)).not.toContain('exp(');
  });
});

// ---------------------------------------------------------------------------------------
// Softmax + cross-entropy against q = t/Σt (a distribution). Example: t = (1, 2), so
// q = (1/3, 2/3); with p = (1/4, 3/4), ∂L/∂z = p·Σq − q = p − q = (−1/12, 1/12).
// ---------------------------------------------------------------------------------------
describe('softmax-ce-normalised.layer', () => {
  const F = 'softmax-ce-normalised.layer';

  it('p·Σq − q, p − q and Σq = 1 hold', () => {
    // Σq = (1 + 2)/3 = 1, so the general form is the textbook one.
    holds(F, 'dL/dz[i] = p[i] * sum(j, q[j]) - q[i]');
    holds(F, 'dL/dz[i] = p[i] - q[i]');
    holds(F, 'sum(i, q[i]) = 1');
  });

  it('p − t for p − q names t[i] as wrong and q[i] as meant', () => {
    // p − t = (−3/4, −5/4), not (−1/12, 1/12): the pᵢ term is right, −tᵢ should be −qᵢ.
    const fs = findings(F, 'dL/dz[i] = p[i] - t[i]');
    const all = fs.map((x) => x.text).join('; ');
    expect(all).toContain('t[i]');
    expect(all).toContain('q[i]');
  });

  it("the diagnosis of p − t is in the claim's terms (−q[i], not −q[i]·exp(z[i])/(p[i]·S))", () => {
    // −qᵢ·exp(zᵢ)/(pᵢ·Σⱼexp(zⱼ)) = −qᵢ·pᵢ/pᵢ = −qᵢ.
    const fs = findings(F, 'dL/dz[i] = p[i] - t[i]');
    for (const x of fs) expect(x.text).not.toContain('exp(');
  });
});

// ---------------------------------------------------------------------------------------
// Dense + MSE. Example, n = 2: W = [[1, 2], [3, 4]], x = (1, 2), b = 0, t = (4, 10):
// y = (1 + 4, 3 + 8) = (5, 11), y − t = (1, 1), ∂L/∂y = 2(y − t)/n = (1, 1),
//   ∂L/∂W = ∂L/∂y·xᵀ = [[1, 2], [1, 2]],  ∂L/∂x = Wᵀ∂L/∂y = (1 + 3, 2 + 4) = (4, 6).
// ---------------------------------------------------------------------------------------
describe('dense.layer', () => {
  const F = 'dense.layer';

  it('the correct claims hold', () => {
    // d/dyᵢ of (1/n)Σ(y − t)² = 2(yᵢ − tᵢ)/n = (1, 1).
    holds(F, 'dL/dy[i] = 2 * (y[i] - t[i]) / n');
    // ∂yᵢ'/∂W[i, j] = [i' = i]·xⱼ: [[1, 2], [1, 2]].
    holds(F, 'dL/dW[i, j] = dL/dy[i] * x[j]');
    holds(F, 'dL/dW[i, j] = 2 * (y[i] - t[i]) * x[j] / n');
    // multiplied out: 2·5·1/2 − 2·4·1/2 = 1 = ∂L/∂W[1, 1].
    holds(F, 'dL/dW[i, j] = 2 * y[i] * x[j] / n - 2 * t[i] * x[j] / n');
    holds(F, 'dL/db[i] = dL/dy[i]');
    // Σᵢ W[i, j]·∂L/∂yᵢ: (1 + 3, 2 + 4) = (4, 6).
    holds(F, 'dL/dx[j] = sum(i, W[i, j] * dL/dy[i])');
    holds(F, 'dL/dx[j] = sum(i, W[i, j] * 2 * (y[i] - t[i])) / n');
  });

  it('W[j, i] for W[i, j] in ∂L/∂x is a transpose', () => {
    // Σᵢ W[j, i]·∂L/∂yᵢ = W·∂L/∂y = (1 + 2, 3 + 4) = (3, 7), not Wᵀ·∂L/∂y = (4, 6).
    const f = only(F, 'dL/dx[j] = sum(i, W[j, i] * dL/dy[i])', 'transpose');
    expect(f.text).toBe('indices transposed: W[j, i] where W[i, j] is meant');
    const g = only(F, 'dL/dx[j] = sum(i, W[j, i] * 2 * (y[i] - t[i])) / n', 'transpose');
    expect(g.text).toBe('indices transposed: W[j, i] where W[i, j] is meant');
  });

  it('∂L/∂y[j]·x[i] for ∂L/∂W[i, j] is a transpose', () => {
    // the claim is (∂L/∂W)ᵀ: entry (1, 2) is ∂L/∂y₂·x₁ = 1 instead of ∂L/∂y₁·x₂ = 2. The
    // indices i and j are swapped (it agrees on the diagonal only).
    const f = only(F, 'dL/dW[i, j] = dL/dy[j] * x[i]', 'transpose');
    expect(f.text).toContain('∂L/∂y[i]');
  });

  it('a missing factor 2 is a scale finding with factor 1/2', () => {
    // d(u²)/du = 2u: (y₁ − t₁)·x₁/n = 1/2 instead of 2·1·1/2 = 1; half the truth everywhere.
    const f = only(F, 'dL/dW[i, j] = (y[i] - t[i]) * x[j] / n', 'scale');
    if (f.f.kind !== 'scale') return;
    expect(show(f.f.factor)).toBe('1/2');
    const g = only(F, 'dL/db[i] = (y[i] - t[i]) / n', 'scale');
    if (g.f.kind !== 'scale') return;
    expect(show(g.f.factor)).toBe('1/2');
  });

  it('a missing 1/n (sum of squares for the mean) is a scale finding with factor n', () => {
    // 2(y₁ − t₁)x₁ = 2 instead of 2·1·1/2 = 1: n = 2 times the truth (equal only at n = 1).
    const f = only(F, 'dL/dW[i, j] = 2 * (y[i] - t[i]) * x[j]', 'scale');
    if (f.f.kind !== 'scale') return;
    expect(show(f.f.factor)).toBe('n');
    expect(f.text).toBe('the term 2·x[j]·(y[i] − t[i]) has an extra factor n');
  });

  it('the gradient negated and multiplied out: every finding is a sign finding', () => {
    // 2t₁x₁/n − 2y₁x₁/n = 2·4·1/2 − 2·5·1/2 = −1 = −∂L/∂W[1, 1]. Each claim term is −1 times
    // a term of the truth multiplied out (2tᵢxⱼ/n ↔ −2tᵢxⱼ/n, −2yᵢxⱼ/n ↔ 2yᵢxⱼ/n). A finding
    // that replaces t[i] by (y[i] − t[i]) and leaves −2yᵢxⱼ/n would not give the truth.
    const fs = findings(F, 'dL/dW[i, j] = 2 * t[i] * x[j] / n - 2 * y[i] * x[j] / n');
    expect(fs.length).toBeGreaterThan(0);
    expect(fs.map((x) => `${x.kind}: ${x.text}`)).toEqual(fs.map(() => expect.stringMatching(/^sign: /)));
  });
});
