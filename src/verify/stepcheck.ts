// Vetting each simplification step numerically before it is accepted: the step's
// before and after are evaluated in float64 at a random point of one concrete
// instance of the layer (consistent forward values, random adjoints), with every
// free index drawn from its range in the step's scope. A rule that changes the
// value is refused, and the refusal is recorded (src/simplify/pass.ts).
import type { Graph } from '../graph/graph.js';
import type { Scope } from '../indices/prove.js';
import type { Node } from '../ir/node.js';
import { freeIndices } from '../ir/node.js';
import type { StepCheck } from '../simplify/pass.js';
import type { TensorValue, Values } from '../numeric/evaluate.js';
import { elementsOf, evaluate, extentOf, forward } from '../numeric/evaluate.js';
import { floatField } from '../numeric/float.js';
import { OutOfRange } from '../ops/elements.js';
import { Rng } from '../numeric/random.js';
import { sampleLeaves, sampleUpstream, sizeInstances } from '../numeric/sample.js';

const TRIALS = 3; // index draws per step
const RELATIVE = 1e-9; // float64 agreement expected of an exact rewrite

export function stepCheck(g: Graph, seed: number | string = 1): StepCheck | undefined {
  const { tried } = sizeInstances(g);
  const sizes = tried[Math.floor(tried.length / 2)];
  if (!sizes) return undefined;
  const F = floatField;
  const rng = new Rng(seed).fork('step-check');
  const tensors = forward(F, g, sizes, sampleLeaves(F, g, sizes, rng));
  const upstream = sampleUpstream(F, g, sizes, rng);
  const adjoints = new Map<string, TensorValue<number>>();
  for (const t of g.tensors.values()) {
    const ext = extentOf(t, sizes);
    const r = rng.fork(`adjoint:${t.name}`);
    adjoints.set(t.name, { ...ext, data: elementsOf(ext.lo, ext.hi).map(() => r.uniform(-2, 2)) });
  }
  const values: Values<number> = { tensors, adjoints, upstream };
  let calls = 0;
  return (before: Node, after: Node, scope: Scope) => {
    const free = [...freeIndices(before, freeIndices(after))];
    const draw = rng.fork(`step ${calls++}`);
    let tested = 0;
    // with no free index every trial would evaluate the same numbers (an elementwise
    // form's steps): one is enough
    const trials = free.length ? TRIALS : 1;
    for (let t = 0; t < trials; t++) {
      const bound = bindIndices(free, scope, sizes, values, draw);
      if (!bound) continue;
      let a: number;
      let b: number;
      try {
        a = evaluate(F, before, sizes, values, bound);
      } catch {
        continue; // a read the brackets around this subexpression would have guarded
      }
      try {
        b = evaluate(F, after, sizes, values, bound);
      } catch (e) {
        // The step reads outside an index set where the expression before it did not:
        // it dropped a bracket that guarded the read (found by the fuzz campaign: a
        // range bracket lost in a pooling adjoint), so it changes the value.
        if (e instanceof OutOfRange) return 'differ';
        continue;
      }
      if (Number.isNaN(a) && Number.isNaN(b)) continue;
      if (!(Math.abs(a - b) <= RELATIVE * (1 + Math.abs(a) + Math.abs(b)))) return 'differ';
      tested++;
    }
    return tested ? 'agree' : 'untestable';
  };
}

/** Random values for the free indices, each inside its range (ranges may nest). */
function bindIndices(free: readonly string[], scope: Scope, sizes: ReadonlyMap<string, bigint>, values: Values<number>, rng: Rng): Map<string, bigint> | undefined {
  const bound = new Map<string, bigint>();
  const open = free.filter((i) => scope.ranges.has(i));
  for (let pass = 0; pass < open.length + 1 && bound.size < open.length; pass++) {
    for (const i of open) {
      if (bound.has(i)) continue;
      const r = scope.ranges.get(i)!;
      try {
        const lo = Math.round(evaluate(floatField, r.lo, sizes, values, bound));
        const hi = Math.round(evaluate(floatField, r.hi, sizes, values, bound));
        if (hi < lo) return undefined;
        bound.set(i, BigInt(rng.int(lo, hi)));
      } catch {
        // depends on an index not bound yet: try in the next pass
      }
    }
  }
  return bound.size === open.length && open.length === free.length ? bound : undefined;
}
