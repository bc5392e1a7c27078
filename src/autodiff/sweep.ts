// The reverse sweep over indexed expressions (INDEX-CALCULUS.md). For a node X with
// free indices m, its adjoint collects one term per direct consumer C:
//   X̄[m] = Σ_{b ∈ C's range} C̄[b] · ∂body_C(b)/∂X[m],
// where a read X[e] differentiates to the Kronecker delta Π_d [e_d = m_d] (a read
// scatters), and every other op contributes its derivative rule (src/ops). That is
// the raw local form; forms.ts simplifies it.
import type { Node } from '../ir/node.js';
import { adj, allIndexNames, BINDERS, freshName, idx, iverson, mapNodes, mul, node, num, substIndices } from '../ir/node.js';
import { opOf } from '../ops/registry.js';
import type { Graph, Tensor } from '../graph/graph.js';

/** The names of X's free indices: m for a vector, m1, m2, … for more dimensions. */
export function freeNames(t: Tensor): string[] {
  return t.dims.length === 1 ? ['m'] : t.dims.map((_, i) => `m${i + 1}`);
}

/** ∂n/∂X[free]: undefined where n cannot depend on X. */
export function differentiate(n: Node, x: string, free: readonly string[]): Node | undefined {
  const d = (m: Node): Node | undefined => {
    if (m.op === 'read') {
      if (m.attrs.name !== x) return undefined;
      const deltas = m.args.map((e, i) => iverson(e, '=', idx(free[i]!)));
      return deltas.length === 0 ? num(1) : deltas.length === 1 ? deltas[0] : mul(...deltas);
    }
    return opOf(m.op).derivative(m, d);
  };
  return d(n);
}

/** Renames binders (and free names) of n that collide with `avoid`. */
export function avoiding(n: Node, avoid: ReadonlySet<string>): Node {
  const taken = new Set([...avoid, ...allIndexNames(n)]);
  return mapNodes(n, (m) => {
    if (!BINDERS.has(m.op) || !avoid.has(m.attrs.index!)) return m;
    const fresh = freshName(m.attrs.index!, taken);
    taken.add(fresh);
    const body = substIndices(m.args[2]!, new Map([[m.attrs.index!, idx(fresh)]]));
    return node(m.op, [m.args[0]!, m.args[1]!, body, ...m.args.slice(3)], { ...m.attrs, index: fresh }, m.span);
  });
}

/** Which definitions read each tensor directly. */
export function consumersOf(g: Graph): Map<string, Tensor[]> {
  const out = new Map<string, Tensor[]>();
  for (const t of g.tensors.values()) {
    if (!t.body) continue;
    const seen = new Set<string>();
    const walk = (n: Node): void => {
      if (n.op === 'read' && !seen.has(n.attrs.name!)) {
        seen.add(n.attrs.name!);
        out.set(n.attrs.name!, [...(out.get(n.attrs.name!) ?? []), t]);
      }
      n.args.forEach(walk);
    };
    walk(t.body);
  }
  return out;
}

/**
 * The raw local form of X̄[free]: the sum over X's direct consumers of the consumer's
 * adjoint times the local derivative, summed over the consumer's own indices. For
 * an output, the upstream gradient dL/dX[m] itself; for a `loss` definition, 1.
 */
export function localAdjoint(g: Graph, x: Tensor, consumers: readonly Tensor[]): Node {
  const free = freeNames(x);
  const freeSet = new Set(free);
  if (g.lossDefined && x.name === g.loss) return num(1);
  const terms: Node[] = [];
  if (g.outputs.includes(x.name) && !g.lossDefined) terms.push(adj(x.name, free.map(idx)));
  for (const c of consumers) {
    // the consumer's own index names must not collide with X's free indices
    const taken = new Set([...freeSet, ...allIndexNames(c.body!)]);
    const rename = new Map<string, Node>();
    const binders = c.dims.map((d) => {
      if (!freeSet.has(d.index)) return d.index;
      const fresh = freshName(d.index, taken);
      taken.add(fresh);
      rename.set(d.index, idx(fresh));
      return fresh;
    });
    const body = avoiding(substIndices(c.body!, rename), freeSet);
    const local = differentiate(body, x.name, free);
    if (!local) continue;
    const upstream = g.lossDefined && c.name === g.loss ? undefined : adj(c.name, binders.map(idx));
    let term = upstream ? mul(upstream, local) : local;
    for (let i = c.dims.length - 1; i >= 0; i--) term = node('sum', [c.dims[i]!.lo, c.dims[i]!.hi, term], { index: binders[i]! });
    terms.push(term);
  }
  return terms.length === 0 ? num(0) : terms.length === 1 ? terms[0]! : node('add', terms);
}
