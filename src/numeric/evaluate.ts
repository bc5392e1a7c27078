// Numeric evaluation of the graph and of derived forms, in any Field: the forward
// pass over every definition, tensors as dense arrays over their index sets, and
// an Env through which each op evaluates itself (src/ops). User text never reaches
// an expression parser: what is evaluated is the engine's own Node tree.
import type { Graph, Tensor } from '../graph/graph.js';
import type { Node } from '../ir/node.js';
import { freeIndices, isIndexExpr, readsAny } from '../ir/node.js';
import type { Env, Evaluate } from '../ops/op.js';
import { opOf } from '../ops/registry.js';
import type { Field } from './field.js';
import { floatField } from './float.js';
import { MAX_INDEX_BOUND } from '../limits.js';
import { SpecError } from '../syntax/errors.js';

/** A tensor's values over its index set lo..hi in each dimension, row-major. */
export interface TensorValue<T> {
  readonly lo: readonly bigint[];
  readonly hi: readonly bigint[];
  readonly data: T[];
}

export function offset<T>(v: TensorValue<T>, at: readonly bigint[]): number | undefined {
  let off = 0;
  for (let d = 0; d < v.lo.length; d++) {
    const i = at[d]!;
    if (i < v.lo[d]! || i > v.hi[d]!) return undefined;
    off = off * Number(v.hi[d]! - v.lo[d]! + 1n) + Number(i - v.lo[d]!);
  }
  return off;
}

/** Every index tuple of a tensor's index set, in row-major order. */
export function elementsOf(lo: readonly bigint[], hi: readonly bigint[]): bigint[][] {
  let out: bigint[][] = [[]];
  for (let d = 0; d < lo.length; d++) {
    const next: bigint[][] = [];
    for (const p of out) for (let i = lo[d]!; i <= hi[d]!; i++) next.push([...p, i]);
    out = next;
  }
  return out;
}

export interface Values<T> {
  readonly tensors: ReadonlyMap<string, TensorValue<T>>;
  readonly adjoints: ReadonlyMap<string, TensorValue<T>>;
  /** Upstream gradients of the outputs; where absent, `adjoints` serves. */
  readonly upstream?: ReadonlyMap<string, TensorValue<T>>;
}

class FieldEnv<T> implements Env<T> {
  constructor(
    readonly F: Field<T>,
    private readonly sizes: ReadonlyMap<string, bigint>,
    private readonly values: Values<T>,
    private readonly bound: ReadonlyMap<string, bigint>,
    private readonly margins: { min: number },
    /** Values of closed sums (no free index) already computed in this pass. */
    readonly memo?: Map<Node, T>,
  ) {}
  size(name: string): bigint {
    const v = this.sizes.get(name);
    if (v === undefined) throw new RangeError(`no value for size ${name}`);
    return v;
  }
  index(name: string): bigint {
    const v = this.bound.get(name);
    if (v === undefined) throw new RangeError(`index ${name} is not bound`);
    return v;
  }
  bind(index: string, value: bigint): Env<T> {
    return new FieldEnv(this.F, this.sizes, this.values, new Map(this.bound).set(index, value), this.margins, this.memo);
  }
  tensor(name: string, at: readonly bigint[]): T | undefined {
    return lookup(this.values.tensors.get(name), name, at);
  }
  adjoint(name: string, at: readonly bigint[], upstream: boolean): T | undefined {
    const from = upstream && this.values.upstream ? this.values.upstream : this.values.adjoints;
    return lookup(from.get(name), `dL/d${name}`, at);
  }
  kink(margin: T): void {
    const m = Math.abs(this.F.toNumber(margin));
    if (m < this.margins.min) this.margins.min = m;
  }
}

function lookup<T>(v: TensorValue<T> | undefined, what: string, at: readonly bigint[]): T | undefined {
  if (!v) throw new RangeError(`no values for ${what}`);
  const off = offset(v, at);
  return off === undefined ? undefined : v.data[off];
}

// A sum with no free index (Σⱼ exp(zⱼ) in softmax), or a power of one ((σ² + ε)^(−1/2)
// in batch norm: a 64-digit sqrt and power), has one value in a pass over a definition's
// elements: computed once, not once per element.
const closed = new WeakMap<Node, boolean>();
const oncePerPass = (n: Node): boolean => {
  if (n.op !== 'sum' && n.op !== 'maxr' && n.op !== 'pow') return false;
  let c = closed.get(n);
  if (c === undefined) closed.set(n, (c = freeIndices(n).size === 0));
  return c;
};

const ev: Evaluate = (n, env) => {
  const memo = env instanceof FieldEnv ? (env.memo as Map<Node, ReturnType<typeof env.F.fromNumber>> | undefined) : undefined;
  if (memo && oncePerPass(n)) {
    const hit = memo.get(n);
    if (hit !== undefined) return hit;
    const v = opOf(n.op).evaluate(n, env, ev);
    memo.set(n, v);
    return v;
  }
  return opOf(n.op).evaluate(n, env, ev);
};

/** Evaluates n with the given sizes, values and bound indices. */
export function evaluate<T>(
  F: Field<T>,
  n: Node,
  sizes: ReadonlyMap<string, bigint>,
  values: Values<T>,
  bound: ReadonlyMap<string, bigint> = new Map(),
  margins: { min: number } = { min: Infinity },
  memo?: Map<Node, T>,
): T {
  return ev(n, new FieldEnv(F, sizes, values, bound, margins, memo));
}

// The magnitude of the terms an expression sums: |a| + |b| for a + b, |a|·|b| for a·b,
// Σ|f| for a sum, and the plain absolute value elsewhere. Errors are measured against
// it, so that a gradient that cancels to exactly 0 is compared with the size of what
// cancelled, not with 0 (the README of ../shared/reference asks the same).
const LINEAR = new Set(['add', 'mul', 'sum']);
const mag: Evaluate = (n, env) => {
  // index arithmetic (bounds, subscripts) keeps its value and its sign
  if (isIndexExpr(n)) return ev(n, env);
  return env.F.abs(LINEAR.has(n.op) ? opOf(n.op).evaluate(n, env, mag) : ev(n, env));
};

/** The magnitude of the terms of n (see above), with the same arguments as evaluate. */
export function magnitude<T>(F: Field<T>, n: Node, sizes: ReadonlyMap<string, bigint>, values: Values<T>, bound: ReadonlyMap<string, bigint> = new Map(), memo?: Map<Node, T>): T {
  // the memo holds values (ev's), which a magnitude reads as values too
  return mag(n, new FieldEnv(F, sizes, values, bound, { min: Infinity }, memo));
}

/** A tensor's index-set bounds at concrete sizes, in float64 (rounded to integers). */
export function boundsOf(t: Tensor, sizes: ReadonlyMap<string, bigint>): { lo: number[]; hi: number[] } {
  const empty = new Map<string, TensorValue<number>>();
  const at = (n: Node): number => Math.round(evaluate(floatField, n, sizes, { tensors: empty, adjoints: empty }));
  return { lo: t.dims.map((d) => at(d.lo)), hi: t.dims.map((d) => at(d.hi)) };
}

/**
 * Why those bounds cannot be indices, or undefined: an offset like x[j − 1e309] passes
 * range inference exactly, but its bound does not fit an index (found by the fuzz
 * campaign: a RangeError from BigInt(∞)).
 */
export function indexBoundProblem(t: Tensor, b: { lo: readonly number[]; hi: readonly number[] }): string | undefined {
  const x = [...b.lo, ...b.hi].find((v) => !(Math.abs(v) <= MAX_INDEX_BOUND));
  if (x === undefined) return undefined;
  return `the index set of ${t.name} has a bound ${Number.isFinite(x) ? `of ${x.toExponential(3)}` : x > 0 ? 'above 1e308' : 'below −1e308'}, past the index-bound limit (±1e15)`;
}

/** The index set of a tensor at concrete sizes. */
export function extentOf(t: Tensor, sizes: ReadonlyMap<string, bigint>): { lo: bigint[]; hi: bigint[] } {
  const b = boundsOf(t, sizes);
  const problem = indexBoundProblem(t, b);
  if (problem) throw new SpecError('limit', problem, t.span);
  return { lo: b.lo.map(BigInt), hi: b.hi.map(BigInt) };
}

/** A perturbation of a node (one element, or a whole direction), for finite differences through it. */
export interface Nudge<T> {
  readonly name: string;
  /** δ added to each element; undefined entries are left alone. */
  readonly deltas: readonly (T | undefined)[];
}

/**
 * The forward pass: every definition in order, from the leaves' values. A nudge
 * adds δ to one element of a node after it is computed, so that the change of L
 * measures the adjoint of that node (the total derivative through every path).
 */
export function forward<T>(
  F: Field<T>,
  g: Graph,
  sizes: ReadonlyMap<string, bigint>,
  leaves: ReadonlyMap<string, TensorValue<T>>,
  nudge?: Nudge<T>,
  margins: { min: number } = { min: Infinity },
  /** The same pass without the nudge: definitions the nudge cannot reach are taken from it. */
  base?: ReadonlyMap<string, TensorValue<T>>,
): Map<string, TensorValue<T>> {
  const tensors = new Map(leaves);
  const dirty = new Set<string>(nudge ? [nudge.name] : []);
  const apply = (name: string, v: TensorValue<T>): TensorValue<T> => {
    if (!nudge || nudge.name !== name) return v;
    const data = v.data.map((x, i) => (nudge.deltas[i] === undefined ? x : F.add(x, nudge.deltas[i]!)));
    return { ...v, data };
  };
  for (const [name, v] of leaves) tensors.set(name, apply(name, v));
  for (const t of g.tensors.values()) {
    if (t.role !== 'def') continue;
    const before = base?.get(t.name);
    if (before && !readsAny(t.body!, dirty) && t.name !== nudge?.name) {
      tensors.set(t.name, before);
      continue;
    }
    dirty.add(t.name);
    const { lo, hi } = extentOf(t, sizes);
    const values = { tensors, adjoints: new Map() };
    const memo = new Map<Node, T>();
    const data = elementsOf(lo, hi).map((at) =>
      evaluate(F, t.body!, sizes, values, new Map(t.dims.map((d, i) => [d.index, at[i]!])), margins, memo),
    );
    tensors.set(t.name, apply(t.name, { lo, hi, data }));
  }
  return tensors;
}
