// Choosing where to check: concrete sizes for the size symbols (only those for which
// every range is non-empty and every `size` bound holds), and random points for the
// leaves that honour their assumptions (eps > 0) and stay away from kinks and ties.
import type { Graph } from '../graph/graph.js';
import { fromAffine } from '../indices/affine.js';
import type { Rational } from '../ir/rational.js';
import * as Q from '../ir/rational.js';
import type { Field } from './field.js';
import { floatField } from './float.js';
import type { TensorValue } from './evaluate.js';
import { boundsOf, elementsOf, evaluate, extentOf, indexBoundProblem } from './evaluate.js';
import type { Rng } from './random.js';

export const SIZE_CANDIDATES: readonly bigint[] = [1n, 2n, 3n, 5n, 8n];
export const MAX_INSTANCES = 6;
/** Elements a tensor may have in a numeric check (the evaluation-size limit). */
export { MAX_CHECKED_ELEMENTS as MAX_ELEMENTS } from '../limits.js';
import { MAX_CHECKED_ELEMENTS as MAX_ELEMENTS } from '../limits.js';
import { MAX_ASSUMPTION_BOUND } from '../limits.js';
import { SpecError } from '../syntax/errors.js';

export type Sizes = ReadonlyMap<string, bigint>;

export interface Instances {
  readonly tried: readonly Sizes[];
  /** Size choices left out, with the reason. */
  readonly skipped: readonly { readonly sizes: Sizes; readonly reason: string }[];
}

export const showSizes = (s: Sizes): string => [...s].map(([k, v]) => `${k}=${v}`).join(', ') || 'the declared sizes';

/** Why a choice of sizes breaks a `size` bound or empties a range, or undefined when it does neither. */
export function outsideFacts(g: Graph, sizes: Sizes): string | undefined {
  for (const s of g.sizes.values()) if ((sizes.get(s.name) ?? 0n) < s.min) return `${s.name} < ${s.min}`;
  const empty = new Map<string, TensorValue<number>>();
  for (const f of g.facts) {
    const v = evaluate(floatField, fromAffine(f), sizes, { tensors: empty, adjoints: empty });
    if (v < 0) return 'a range would be empty';
  }
  return undefined;
}

/** Why a choice of sizes cannot be sampled, or undefined when it can. */
export function invalidSizes(g: Graph, sizes: Sizes): string | undefined {
  const outside = outsideFacts(g, sizes);
  if (outside) return outside;
  for (const t of g.tensors.values()) {
    const { lo, hi } = boundsOf(t, sizes);
    if (lo.some((l, d) => hi[d]! < l)) return `${t.name} would have no elements`;
    // counted in float64 before the index-bound limit: a size of 10²⁰ is reported by its element count
    const count = lo.reduce((c, l, d) => c * (hi[d]! - l + 1), 1);
    if (count > MAX_ELEMENTS) return `${t.name} would have ${count} elements (limit ${MAX_ELEMENTS})`;
    const problem = indexBoundProblem(t, { lo, hi }); // exact in the proofs, not sampled
    if (problem) return problem;
  }
  return undefined;
}

/** Every choice of the size symbols not in `fixed` from the candidates, in a fixed order. */
export function sizeCombinations(g: Graph, candidates: readonly bigint[] = SIZE_CANDIDATES, fixed: Sizes = new Map()): Sizes[] {
  let combos: Map<string, bigint>[] = [new Map(fixed)];
  for (const n of [...g.sizes.keys()].filter((x) => !fixed.has(x))) combos = combos.flatMap((c) => candidates.map((v) => new Map(c).set(n, v)));
  return combos;
}

/** Up to MAX_INSTANCES valid size choices from the candidates, smallest and largest included. */
export function sizeInstances(g: Graph, candidates: readonly bigint[] = SIZE_CANDIDATES, fixed: Sizes = new Map()): Instances {
  const combos = sizeCombinations(g, candidates, fixed);
  const valid: Sizes[] = [];
  const skipped: { sizes: Sizes; reason: string }[] = [];
  for (const c of combos) {
    const why = invalidSizes(g, c);
    if (why) skipped.push({ sizes: c, reason: why });
    else valid.push(c);
  }
  if (valid.length <= MAX_INSTANCES) return { tried: valid, skipped };
  const picked = new Set<number>();
  for (let k = 0; k < MAX_INSTANCES; k++) picked.add(Math.round((k * (valid.length - 1)) / (MAX_INSTANCES - 1)));
  return { tried: valid.filter((_, i) => picked.has(i)), skipped };
}

const DIGITS = 30; // random decimal digits of each sampled value

/** A value in the range an assumption allows: x > b draws from (b, b + 2]. */
function draw(rng: Rng, lo: Rational, hi: Rational): Rational {
  return rng.decimal(lo, hi, DIGITS);
}

/** Random values for every leaf (inputs, params, consts without a value). */
export function sampleLeaves<T>(F: Field<T>, g: Graph, sizes: Sizes, rng: Rng): Map<string, TensorValue<T>> {
  const out = new Map<string, TensorValue<T>>();
  const empty = new Map<string, TensorValue<number>>();
  for (const t of g.tensors.values()) {
    if (t.role === 'def' || t.value) continue;
    let lo: Rational = Q.rat(-2);
    let hi: Rational = Q.rat(2);
    if (t.assumption) {
      const raw = evaluate(floatField, t.assumption.bound, sizes, { tensors: empty, adjoints: empty });
      // values are drawn just beside the bound, so it must be a number they can stand beside
      // (found by fuzzing: `param a > 1e309` or `> log(-1)` crashed the sampler)
      if (!Number.isFinite(raw) || Math.abs(raw) > MAX_ASSUMPTION_BOUND) {
        throw new SpecError('limit', `the bound of ${t.name}'s assumption is ${raw}, not a finite number of at most ${MAX_ASSUMPTION_BOUND} in size, so no value can be drawn beside it`, t.span);
      }
      const b = Q.rat(Math.round(raw * 1e6), 1e6);
      // keep a margin from the bound itself: 1/20 for > and ≥ alike
      if (t.assumption.rel === '>' || t.assumption.rel === '>=') [lo, hi] = [Q.add(b, Q.rat(1, 20)), Q.add(b, Q.rat(2))];
      else [lo, hi] = [Q.sub(b, Q.rat(2)), Q.sub(b, Q.rat(1, 20))];
    }
    const ext = extentOf(t, sizes);
    const r = rng.fork(`leaf:${t.name}`);
    const data = elementsOf(ext.lo, ext.hi).map(() => F.fromRational(draw(r, lo, hi)));
    out.set(t.name, { ...ext, data });
  }
  return out;
}

/** Random upstream gradients dL/d(output) in [−2, 2]. */
export function sampleUpstream<T>(F: Field<T>, g: Graph, sizes: Sizes, rng: Rng): Map<string, TensorValue<T>> {
  const out = new Map<string, TensorValue<T>>();
  if (g.lossDefined) return out;
  for (const name of g.outputs) {
    const t = g.tensors.get(name)!;
    const ext = extentOf(t, sizes);
    const r = rng.fork(`upstream:${name}`);
    out.set(name, { ...ext, data: elementsOf(ext.lo, ext.hi).map(() => F.fromRational(draw(r, Q.rat(-2), Q.rat(2)))) });
  }
  return out;
}
