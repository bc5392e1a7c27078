// The one expression shape of the engine (after tinygrad's UOp(op, src, arg)):
// every value, index expression, sum, bracket and adjoint is a Node {op, args, attrs}.
// Passes are generic over this shape; what an op means lives in src/ops/<op>.ts.
//
// Conventions for args, fixed here so every pass can rely on them:
//   num       []                      attrs.value: the exact rational
//   pi        []                      the constant π
//   size      []                      attrs.name: a size symbol (n, K)
//   idx       []                      attrs.name: an index variable used as a value
//   read      [i₁, …, i_k]            attrs.name (+ guarded): x[i₁, …]; k = 0 for a scalar
//   adj       [i₁, …, i_k]            attrs.name (+ guarded): the adjoint dL/dx[i₁, …]
//   sum       [lo, hi, body]          attrs.index: Σ_{index=lo}^{hi} body
//   maxr      [lo, hi, body]          attrs.index: max over index in lo..hi
//   argfirst  [lo, hi, body, at]      attrs.index: [at is the first index where body is maximal]
//   iverson   [a, b]                  attrs.rel: [a rel b], worth 1 or 0
//   add, mul  [a, b, …]               n-ary
//   pow       [base, exponent]
//   floordiv, mod  [a, b]             integer division toward −∞ and its remainder
//   unary functions [a]; max, min [a, b]
import type { Rational } from './rational.js';
import { rat } from './rational.js';

export type Rel = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type OpName =
  | 'num' | 'pi' | 'size' | 'idx' | 'read' | 'adj'
  | 'add' | 'mul' | 'pow'
  | 'exp' | 'log' | 'sqrt' | 'abs' | 'sign' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu'
  | 'max' | 'min'
  | 'sum' | 'maxr' | 'argfirst' | 'iverson'
  | 'floordiv' | 'mod';

export interface Attrs {
  readonly value?: Rational;
  readonly name?: string;
  readonly index?: string;
  readonly rel?: Rel;
  readonly guarded?: boolean;
  /** On an adj: the upstream gradient, L's direct dependence on an output. */
  readonly upstream?: boolean;
}

/** A source position, 1-based, for error messages. */
export interface Span {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly endCol: number;
  readonly source: string; // the whole source line, for the caret excerpt
}

export interface Node {
  readonly op: OpName;
  readonly args: readonly Node[];
  readonly attrs: Attrs;
  /** Where the node came from in the user's text; never part of its identity. */
  readonly span?: Span;
}

const NO_ATTRS: Attrs = Object.freeze({});

export function node(op: OpName, args: readonly Node[] = [], attrs: Attrs = NO_ATTRS, span?: Span): Node {
  return span ? { op, args, attrs, span } : { op, args, attrs };
}

// Plain constructors: they build exactly what they are asked to build. Making an
// expression simpler is the simplify stage's job, which records each step.
export const num = (v: Rational | number | bigint): Node =>
  node('num', [], { value: typeof v === 'object' ? v : rat(v) });
export const size = (name: string): Node => node('size', [], { name });
export const idx = (name: string): Node => node('idx', [], { name });
export const read = (name: string, indices: readonly Node[] = [], guarded = false): Node =>
  node('read', indices, guarded ? { name, guarded } : { name });
export const adj = (name: string, indices: readonly Node[] = [], guarded = false): Node =>
  node('adj', indices, guarded ? { name, guarded } : { name });
/** The upstream gradient dL/dy of an output y: a free symbol of the derivation. */
export const upstream = (name: string, indices: readonly Node[] = []): Node => node('adj', indices, { name, upstream: true });
export const add = (...terms: Node[]): Node => node('add', terms);
export const mul = (...factors: Node[]): Node => node('mul', factors);
export const pow = (base: Node, exponent: Node): Node => node('pow', [base, exponent]);
export const neg = (a: Node): Node => mul(num(-1), a);
export const sub = (a: Node, b: Node): Node => add(a, neg(b));
export const div = (a: Node, b: Node): Node => mul(a, pow(b, num(-1)));
export const sum = (index: string, lo: Node, hi: Node, body: Node): Node => node('sum', [lo, hi, body], { index });
export const iverson = (a: Node, rel: Rel, b: Node): Node => node('iverson', [a, b], { rel });
export const call = (op: OpName, ...args: Node[]): Node => node(op, args);

export const isNum = (n: Node, v?: number): boolean =>
  n.op === 'num' && (v === undefined || (n.attrs.value!.n === BigInt(v) && n.attrs.value!.d === 1n));

/** Ops whose args[0..1] are bounds and args[2] a body under a bound index. */
export const BINDERS: ReadonlySet<OpName> = new Set<OpName>(['sum', 'maxr', 'argfirst']);

/** A deterministic structural key: equal keys ⇔ equal expressions (spans ignored). */
const keys = new WeakMap<Node, string>();
export function key(n: Node): string {
  let k = keys.get(n);
  if (k !== undefined) return k;
  const a = n.attrs;
  let head: string = n.op;
  if (a.value) head += `:${a.value.n}/${a.value.d}`;
  if (a.name !== undefined) head += `:${a.name}`;
  if (a.index !== undefined) head += `:${a.index}`;
  if (a.rel !== undefined) head += `:${a.rel}`;
  if (a.guarded) head += '?';
  if (a.upstream) head += '^';
  k = n.args.length ? `${head}(${n.args.map(key).join(',')})` : head;
  keys.set(n, k);
  return k;
}

export const same = (a: Node, b: Node): boolean => a === b || key(a) === key(b);

/** Rebuilds n with new args, keeping op, attrs and span. */
export function withArgs(n: Node, args: readonly Node[]): Node {
  if (args.length === n.args.length && args.every((x, i) => x === n.args[i])) return n;
  return node(n.op, args, n.attrs, n.span);
}

/** Index variables that occur free in n. */
export function freeIndices(n: Node, out: Set<string> = new Set(), bound: ReadonlySet<string> = new Set()): Set<string> {
  if (n.op === 'idx') {
    if (!bound.has(n.attrs.name!)) out.add(n.attrs.name!);
    return out;
  }
  if (BINDERS.has(n.op)) {
    freeIndices(n.args[0]!, out, bound);
    freeIndices(n.args[1]!, out, bound);
    const inner = new Set(bound).add(n.attrs.index!);
    for (let i = 2; i < n.args.length; i++) {
      // argfirst's `at` (args[3]) is outside the binder's scope
      freeIndices(n.args[i]!, out, i === 3 ? bound : inner);
    }
    return out;
  }
  for (const a of n.args) freeIndices(a, out, bound);
  return out;
}

/** Every index name used in n, bound or free: the names a fresh index must avoid. */
export function allIndexNames(n: Node, out: Set<string> = new Set()): Set<string> {
  if (n.op === 'idx') out.add(n.attrs.name!);
  if (n.attrs.index !== undefined) out.add(n.attrs.index);
  for (const a of n.args) allIndexNames(a, out);
  return out;
}

/** A name based on `base` that is not in `taken`: m, m₂… written m2, m3. */
export function freshName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

/**
 * Capture-avoiding substitution of index variables: every free `idx` named in
 * `sub` is replaced. A binder whose name would capture a free index of a
 * replacement is renamed first (α-conversion).
 */
export function substIndices(n: Node, sub: ReadonlyMap<string, Node>): Node {
  if (sub.size === 0) return n;
  if (n.op === 'idx') return sub.get(n.attrs.name!) ?? n;
  if (BINDERS.has(n.op)) {
    const index = n.attrs.index!;
    const lo = substIndices(n.args[0]!, sub);
    const hi = substIndices(n.args[1]!, sub);
    const at = n.args[3] ? substIndices(n.args[3], sub) : undefined;
    const inner = new Map(sub);
    inner.delete(index);
    let body = n.args[2]!;
    let name = index;
    const captured = [...inner.values()].some((r) => freeIndices(r).has(index));
    if (captured) {
      const taken = new Set<string>([...allIndexNames(body)]);
      for (const r of inner.values()) allIndexNames(r, taken);
      for (const k of inner.keys()) taken.add(k);
      name = freshName(index, taken);
      body = substIndices(body, new Map([[index, idx(name)]]));
    }
    body = substIndices(body, inner);
    const args = at ? [lo, hi, body, at] : [lo, hi, body];
    return node(n.op, args, name === index ? n.attrs : { ...n.attrs, index: name }, n.span);
  }
  return withArgs(n, n.args.map((a) => substIndices(a, sub)));
}

/** Bottom-up map over every node (binders included), rebuilding only what changed. */
export function mapNodes(n: Node, f: (m: Node) => Node): Node {
  return f(withArgs(n, n.args.map((a) => mapNodes(a, f))));
}

/** Counts nodes, for the explicit growth limits. */
export function countNodes(n: Node): number {
  let c = 1;
  for (const a of n.args) c += countNodes(a);
  return c;
}

const INDEX_OPS: ReadonlySet<OpName> = new Set<OpName>(['num', 'size', 'idx', 'add', 'mul', 'floordiv', 'mod', 'max', 'min']);
const indexExprs = new WeakMap<Node, boolean>();
/** True when n is integer index arithmetic over sizes and indices (no tensor values). */
export function isIndexExpr(n: Node): boolean {
  let r = indexExprs.get(n);
  if (r === undefined) {
    r = INDEX_OPS.has(n.op) && (n.op !== 'num' || n.attrs.value!.d === 1n) && n.args.every(isIndexExpr);
    indexExprs.set(n, r);
  }
  return r;
}

/** Whether n mentions an index variable anywhere (a range that depends on another index). */
export const hasIndex = (n: Node): boolean => n.op === 'idx' || n.args.some(hasIndex);

/** The tensors n reads (`read` nodes), by name. */
export function readNames(n: Node, out: Set<string> = new Set()): Set<string> {
  if (n.op === 'read') out.add(n.attrs.name!);
  for (const a of n.args) readNames(a, out);
  return out;
}

/** Whether n reads any of `names`. */
export const readsAny = (n: Node, names: ReadonlySet<string>): boolean =>
  (n.op === 'read' && names.has(n.attrs.name!)) || n.args.some((a) => readsAny(a, names));
