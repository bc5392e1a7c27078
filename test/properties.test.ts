// Property-based tests (fast-check), with fixed seeds so every run is the same one;
// on a failure fast-check prints the seed, the path and the counterexample (the spec,
// the mutated text or the expression). The generators and oracles are in
// test/helpers/fuzz.ts; `npm run fuzz` (bench/fuzz.ts) runs the same ones for a time
// budget, in worker threads that also catch hangs.
//   (a) well-formed specs, valid by construction: run(…, { check: true }) throws nothing
//       but a located SpecError, and every derived gradient passes the 64-digit check;
//   (b) the bundled files and their LaTeX claims, mutated: parseSpec, the claims and
//       run() succeed or throw a SpecError located inside the text, never anything else;
//   (c) random expressions keep their value through each of the engine's rule sets.
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Outcome } from './helpers/fuzz.js';
import { deriveAndCheck, fromSeed, genExpression, genSpec, loadCorpus, mutatedArb, parseAndRun, RULE_SETS, simplifyKeepsValue } from './helpers/fuzz.js';

const SEED = 20261127;
/** A case slower than this is a failure here (a hang in the campaign is anything over 2 s, with its own watchdog). */
const CASE_MS = 30_000;

function timed(f: () => Outcome): Outcome & { ms: number } {
  const t0 = performance.now();
  const o = f();
  return { ...o, ms: performance.now() - t0 };
}

describe('properties', () => {
  it('(a) generated well-formed specs derive, and every form passes the check', () => {
    fc.assert(
      fc.property(fromSeed(genSpec), (spec) => {
        const o = timed(() => deriveAndCheck('gen.layer', spec.text));
        // the spec is valid by construction: a SpecError here is the engine's too
        expect.soft(o.kind === 'rejected' ? o.detail : '', `rejected:\n${spec.text}`).toBe('');
        expect(o.kind === 'crash' || o.kind === 'wrong' ? o.detail : '', `${o.kind}:\n${spec.text}`).toBe('');
        expect(o.ms, `took ${Math.round(o.ms)} ms:\n${spec.text}`).toBeLessThan(CASE_MS);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('(b) mutated files and LaTeX claims parse or fail with a located SpecError', () => {
    const corpus = loadCorpus('derivations');
    // every 25th case also gives each claim its verdict (slow), every 10th lays out the printed forms
    const arb = fc.tuple(mutatedArb(corpus), fc.nat({ max: 24 }));
    fc.assert(
      fc.property(arb, ([m, how]) => {
        const o = timed(() => parseAndRun(m.file, m.text, { verify: how === 0, present: how === 1 || how === 2 }));
        expect(o.kind === 'crash' ? o.detail : '', `crash on ${m.base} with ${JSON.stringify(m.mutations).slice(0, 1000)}`).toBe('');
        expect(o.ms, `took ${Math.round(o.ms)} ms on ${m.base} with ${JSON.stringify(m.mutations).slice(0, 1000)}`).toBeLessThan(CASE_MS);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('(c) simplifying with each rule set keeps the value of random expressions', () => {
    const sets = Object.keys(RULE_SETS);
    const arb = fc.tuple(fromSeed(genExpression), fc.constantFrom(...sets), fc.nat({ max: 1_000_000 }));
    fc.assert(
      fc.property(arb, ([e, ruleSet, seed]) => {
        const o = simplifyKeepsValue(e.text, e.N, ruleSet, seed);
        expect(o.kind === 'ok' ? '' : o.detail, `${o.kind}: e[m in 1..${e.N}] = ${e.text} (${ruleSet} rules)`).toBe('');
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
