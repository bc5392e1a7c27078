// The numeric check: every bundled derivation passes it, and it catches wrong
// formulas, even one that is off by one part in 10¹⁵.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AdjointForms, Derivation } from '../src/autodiff/forms.js';
import type { Node } from '../src/ir/node.js';
import { add, adj, idx, iverson, mul, neg, num, pow, read, size, sum } from '../src/ir/node.js';
import { rat } from '../src/ir/rational.js';
import { run } from '../src/pipeline.js';
import { checkDerivation, TOLERANCE } from '../src/verify/gradcheck.js';

function layerFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? layerFiles(p) : p.endsWith('.layer') ? [p] : [];
  });
}

/** The same derivation with one closed (or local) form replaced. */
function withForm(d: Derivation, name: string, which: 'closed' | 'local', form: Node): Derivation {
  const adjoints = new Map(d.adjoints);
  const f = d.adjoints.get(name)!;
  adjoints.set(name, { ...f, [which]: { ...f[which], result: form } } as AdjointForms);
  return { ...d, adjoints };
}

describe('gradproof check', () => {
  for (const file of layerFiles('derivations')) {
    it(`passes on ${file}`, () => {
      const r = run(file, readFileSync(file, 'utf8'), { check: true });
      if (r.layerChecks) {
        // too large to evaluate whole: every layer call is covered by a layer check that passed
        expect(r.check!.tried).toEqual([]);
        const covered = r.layerChecks.flatMap((l) => l.calls);
        expect(covered.sort()).toEqual(r.graph.layers.map((u) => u.name).sort());
        for (const l of r.layerChecks) {
          expect(l.report?.pass, `${l.layer}(${l.attrs}): ${l.skipped ?? ''}`).toBe(true);
          expect(l.inputs.length).toBeGreaterThan(0);
        }
        return;
      }
      const c = r.check!;
      expect(c.forms.length).toBeGreaterThan(0);
      for (const f of c.forms) {
        expect(f.problem).toBeUndefined();
        expect(f.maxRelError).toBeLessThanOrEqual(TOLERANCE);
      }
      expect(c.pass).toBe(true);
      // every gradient asked for is checked in its local and closed form
      for (const g of r.graph.grads) {
        expect(c.forms.filter((f) => f.gradient === g.name).map((f) => f.form)).toEqual(expect.arrayContaining(['local', 'closed']));
      }
    });
  }

  const file = 'derivations/seed/batchnorm.layer';
  const bn = run(file, readFileSync(file, 'utf8'));

  it('tries several sizes of a symbolic file: n ∈ {1, 2, 3, 5, 8}', () => {
    expect(checkDerivation(bn.derivation).tried).toEqual(['n=1', 'n=2', 'n=3', 'n=5', 'n=8']);
  });

  it('catches a closed form that is off by one part in 10¹⁵', () => {
    const f = bn.derivation.adjoints.get('x')!;
    const nudged = mul(num(rat(10n ** 15n + 1n, 10n ** 15n)), f.closed.result);
    const c = checkDerivation(withForm(bn.derivation, 'x', 'closed', nudged));
    const bad = c.forms.find((x) => x.gradient === 'x' && x.form === 'closed')!;
    expect(bad.pass).toBe(false);
    expect(bad.maxRelError).toBeGreaterThan(1e-16);
    expect(bad.maxRelError).toBeLessThan(1e-14);
    expect(c.pass).toBe(false);
  });

  it('compares passing forms along random directions, and element by element only after a disagreement', () => {
    // batch norm passes: every point of every form was settled along a direction
    const ok = checkDerivation(bn.derivation);
    for (const f of ok.forms) expect(f.byElement, `${f.gradient}/${f.form}`).toBe(0);
    // dL/dx wrong in ONE element only, by one part in 10¹⁵: [i = 2]·10⁻¹⁵·(the closed form)
    // added to it. Along v it moves ⟨X̄, v⟩ by ≥ ½·10⁻¹⁵ of that element; element by element it
    // is then found at element 2, the only one off.
    const f = bn.derivation.adjoints.get('x')!;
    const i = idx(f.free[0]!);
    const wrong = add(f.closed.result, mul(num(rat(1n, 10n ** 15n)), iverson(i, '=', num(2)), f.closed.result));
    const c = checkDerivation(withForm(bn.derivation, 'x', 'closed', wrong));
    const bad = c.forms.find((x) => x.gradient === 'x' && x.form === 'closed')!;
    expect(bad.pass).toBe(false);
    expect(bad.byElement).toBeGreaterThan(0);
    expect(bad.problem).toMatch(/^element 2: derived/);
    expect(bad.maxRelError).toBeGreaterThan(1e-17);
    // the other gradients were not disturbed by the second pass
    for (const x of c.forms.filter((x) => x.gradient !== 'x')) expect(x.pass, `${x.gradient}/${x.form}`).toBe(true);
  });

  it('catches the seed’s dL/dσ², with −1/σ³·(σ² + ε)^(−1/2) for −½(σ² + ε)^(−3/2)', () => {
    // the seed: ∂L/∂σ² = Σᵢ ∂L/∂x̂ᵢ·(xᵢ − μ)·(−1/σ³)·(σ² + ε)^(−1/2)
    const i = idx('i');
    const seedForm = mul(
      sum('i', num(1), size('n'), mul(adj('xhat', [i]), add(read('x', [i]), neg(read('mu'))))),
      neg(pow(read('var'), num(rat(-3, 2)))),
      pow(add(read('var'), read('eps')), num(rat(-1, 2))),
    );
    const c = checkDerivation(withForm(bn.derivation, 'var', 'local', seedForm));
    const bad = c.forms.find((x) => x.gradient === 'var' && x.form === 'local')!;
    expect(bad.pass).toBe(false);
    expect(bad.problem).toMatch(/derived .* finite differences/);
  });
});
