// The reverse sweep over indexed expressions (INDEX-CALCULUS.md). For a node X with
// free indices m, its adjoint collects one term per direct consumer C:
//   X̄[m] = Σ_{b ∈ C's range} C̄[b] · ∂body_C(b)/∂X[m],
// where a read X[e] differentiates to the Kronecker delta Π_d [e_d = m_d] (a read
// scatters), and every other op contributes its derivative rule (src/ops). That is
// the raw local form; forms.ts simplifies it.
import type { Node } from '../ir/node.js';
import { adj, allIndexNames, readNames, BINDERS, freshName, idx, iverson, mapNodes, mul, node, num, substIndices, upstream } from '../ir/node.js';
import { opOf } from '../ops/registry.js';
import type { Graph, Tensor } from '../graph/graph.js';

const FREE = ['m', 'q', 'r', 's', 'u', 'v']; // ∂L/∂W[m, q]: letters a derivation rarely binds itself

/** The names of X's free indices: m for a vector, m, q, … for more dimensions; never a name of the file. */
export function freeNames(t: Tensor, g: Graph): string[] {
  const pool = FREE.filter((n) => !g.tensors.has(n) && !g.sizes.has(n));
  return t.dims.map((_, i) => pool[i] ?? `m${i + 1}`);
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

/**
 * Wraps a contribution in the sums over the consumer's indices, placed inside the
 * sums of the consumer's body where their ranges allow: Σ_k Σ_j ō[j]·w[k]·[j + k − 1 = m]
 * rather than Σ_j ō[j]·Σ_k …, so that the delta collapses the scatter index j and the
 * transposed convolution comes out over k, as INDEX-CALCULUS.md writes it.
 */
function scatter(c: Tensor, binders: readonly string[], term: Node): Node {
  const own = new Set(binders);
  const wrap = (t: Node): Node => {
    if (t.op === 'add') return node('add', t.args.map(wrap));
    const factors = t.op === 'mul' ? t.args : [t];
    const inner = factors.findIndex((f) => f.op === 'sum');
    const s = factors[inner];
    if (s && factors.filter((f) => f.op === 'sum').length === 1 && !mentions(s.args[0]!, own) && !mentions(s.args[1]!, own)) {
      const rest = factors.filter((_, i) => i !== inner);
      return node('sum', [s.args[0]!, s.args[1]!, wrap(rest.length ? mul(...rest, s.args[2]!) : s.args[2]!)], s.attrs);
    }
    let out = t;
    for (let i = c.dims.length - 1; i >= 0; i--) out = node('sum', [c.dims[i]!.lo, c.dims[i]!.hi, out], { index: binders[i]! });
    return out;
  };
  return c.dims.length ? wrap(term) : term;
}

const mentions = (n: Node, names: ReadonlySet<string>): boolean =>
  (n.op === 'idx' && names.has(n.attrs.name!)) || n.args.some((a) => mentions(a, names));

/** Which definitions read each tensor directly. */
export function consumersOf(g: Graph): Map<string, Tensor[]> {
  const out = new Map<string, Tensor[]>();
  for (const t of g.tensors.values()) {
    if (!t.body) continue;
    for (const name of readNames(t.body)) out.set(name, [...(out.get(name) ?? []), t]);
  }
  return out;
}

/** One consumer's part of X̄: Σ_b C̄[b]·∂C[b]/∂X[m] (the chain rule, one path). */
export interface Contribution {
  readonly consumer: Tensor;
  /** The consumer's indices, renamed where they would collide with X's free ones. */
  readonly binders: readonly string[];
  /** ∂C[b]/∂X[m]: the local derivative, as the derivative rules give it. */
  readonly derivative: Node;
  /** The same, worked out (what `work` made of it): the factor the term carries. */
  readonly worked: Node;
  /** The whole term, scattered over the consumer's indices. */
  readonly term: Node;
}

export interface LocalAdjoint {
  readonly free: readonly string[];
  /** The upstream gradient, when X is an output. */
  readonly upstream?: Node;
  readonly contributions: readonly Contribution[];
  /** Their sum: the raw local form. */
  readonly raw: Node;
}

/**
 * The raw local form of X̄[free]: the sum over X's direct consumers of the consumer's
 * adjoint times the local derivative, summed over the consumer's own indices. For
 * an output, the upstream gradient dL/dX[m] itself; for a `loss` definition, 1.
 */
export function localAdjoint(
  g: Graph,
  x: Tensor,
  consumers: readonly Tensor[],
  work: (derivative: Node, consumer: Tensor, binders: readonly string[]) => Node = (d) => d,
): LocalAdjoint {
  const free = freeNames(x, g);
  const freeSet = new Set(free);
  if (g.lossDefined && x.name === g.loss) return { free, contributions: [], raw: num(1) };
  const up = g.outputs.includes(x.name) && !g.lossDefined ? upstream(x.name, free.map(idx)) : undefined;
  const contributions: Contribution[] = [];
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
    const derivative = differentiate(body, x.name, free);
    if (!derivative) continue;
    const worked = work(derivative, c, binders);
    const through = g.lossDefined && c.name === g.loss ? undefined : adj(c.name, binders.map(idx));
    const term = scatter(c, binders, through ? mul(through, worked) : worked);
    contributions.push({ consumer: c, binders, derivative, worked, term });
  }
  const terms = [...(up ? [up] : []), ...contributions.map((c) => c.term)];
  const raw = terms.length === 0 ? num(0) : terms.length === 1 ? terms[0]! : node('add', terms);
  return { free, ...(up && { upstream: up }), contributions, raw };
}
