// Range inference ("valid" convolution semantics, LANGUAGE.md): an index ranges over
// every value for which each access in its scope is in bounds, for all values of the
// indices already ranged. From lo ≤ a·v + r ≤ hi with a > 0:
//   v ≥ ⌈(lo − min r)/a⌉  and  v ≤ ⌊(hi − max r)/a⌋   (a < 0 swaps the roles),
// where min r and max r take each ranged index at the end of its range that makes r
// smallest or largest. Then every access is checked against the ranges found.
import type { Affine } from '../indices/affine.js';
import { coefficientOf, constant, fromAffine, minus, plus, scale, toAffine, without } from '../indices/affine.js';
import type { IndexRange, Scope } from '../indices/prove.js';
import { decide, minMax } from '../indices/prove.js';
import type { Node, Span } from '../ir/node.js';
import { node, num } from '../ir/node.js';
import * as Q from '../ir/rational.js';
import { SpecError } from '../syntax/errors.js';
import type { Dim } from './graph.js';

/** An index binder waiting for its range; `key` is unique within the definition. */
export interface Pending {
  readonly key: string;
  readonly name: string;
  readonly explicit?: IndexRange;
  readonly span: Span;
}

/** A read x[e₁, …] whose indices must stay inside x's index set. */
export interface Access {
  readonly tensor: string;
  readonly dims: readonly Dim[];
  readonly indices: readonly Node[];
  readonly guarded: boolean;
  readonly span: Span;
  /** The read's node, so a `?` that can never matter can be dropped (needless guards). */
  readonly node?: Node;
}

const MAX_SUBSTITUTIONS = 32;

/** The smallest or largest value of an affine form over the ranged indices. */
function extreme(a: Affine, want: 'min' | 'max', ranges: ReadonlyMap<string, IndexRange>): Affine | undefined {
  let cur = a;
  for (let step = 0; step < MAX_SUBSTITUTIONS; step++) {
    const entry = [...cur.terms].find(([, [atom]]) => atom.op === 'idx');
    if (!entry) return containsIndex(cur) ? undefined : cur;
    const [k, [atom, c]] = entry;
    const r = ranges.get(atom.attrs.name!);
    if (!r) return undefined;
    const useLo = (Q.cmp(c, Q.ZERO) > 0) === (want === 'min');
    const b = toAffine(useLo ? r.lo : r.hi);
    if (!b) return undefined;
    cur = plus(without(cur, k), scale(b, c));
  }
  return undefined;
}

function containsIndex(a: Affine): boolean {
  const inside = (n: Node): boolean => n.op === 'idx' || n.args.some(inside);
  return [...a.terms.values()].some(([atom]) => inside(atom));
}

/** ⌈x/a⌉ and ⌊x/a⌋ for a positive integer a, as index expressions. */
const ceilDiv = (x: Affine, a: bigint): Node =>
  a === 1n ? fromAffine(x) : node('floordiv', [fromAffine(plus(x, constant(Q.rat(a - 1n)))), num(a)]);
const floorDivBy = (x: Affine, a: bigint): Node => (a === 1n ? fromAffine(x) : node('floordiv', [fromAffine(x), num(a)]));

interface Constraint {
  readonly aff: Affine;
  readonly lo: Node;
  readonly hi: Node;
  readonly keys: ReadonlySet<string>;
}

function constraintsOf(accesses: readonly Access[]): Constraint[] {
  const out: Constraint[] = [];
  for (const a of accesses) {
    if (a.guarded) continue; // a guarded read never constrains
    a.indices.forEach((e, d) => {
      const aff = toAffine(e);
      const dim = a.dims[d];
      if (!aff || !dim) return;
      const keys = new Set<string>();
      const collect = (n: Node): void => {
        if (n.op === 'idx') keys.add(n.attrs.name!);
        n.args.forEach(collect);
      };
      collect(e);
      out.push({ aff, lo: dim.lo, hi: dim.hi, keys });
    });
  }
  return out;
}

/** Infers every pending binder's range, in whatever order makes it possible. */
export function inferRanges(
  pending: readonly Pending[],
  accesses: readonly Access[],
  scope: Scope,
  /** 'lenient': leave what cannot be determined (a claim ranges it from its right side next). */
  mode: 'strict' | 'lenient' = 'strict',
): Map<string, IndexRange> {
  const ranged = new Map<string, IndexRange>();
  for (const p of pending) if (p.explicit) ranged.set(p.key, p.explicit);
  const constraints = constraintsOf(accesses);
  for (;;) {
    const open = pending.filter((p) => !ranged.has(p.key));
    if (!open.length) break;
    let progressed = false;
    for (const p of open) {
      const r = solve(p.key, constraints, ranged, scope);
      if (r) {
        ranged.set(p.key, r);
        progressed = true;
      }
    }
    if (!progressed) {
      if (mode === 'lenient') break;
      const p = open[0]!;
      throw new SpecError('range', `cannot determine the range of index ${p.name}: no read fixes it; give it explicitly (${p.name} in a..b)`, p.span);
    }
  }
  return ranged;
}

function solve(v: string, constraints: readonly Constraint[], ranged: ReadonlyMap<string, IndexRange>, scope: Scope): IndexRange | undefined {
  const lows: Node[] = [];
  const highs: Node[] = [];
  for (const c of constraints) {
    if (!c.keys.has(v) || [...c.keys].some((k) => k !== v && !ranged.has(k))) continue;
    const a = coefficientOf(c.aff, `idx:${v}`);
    if (Q.isZero(a) || !Q.isInteger(a)) continue;
    const rest = without(c.aff, `idx:${v}`);
    const rMin = extreme(rest, 'min', ranged);
    const rMax = extreme(rest, 'max', ranged);
    const lo = toAffine(c.lo);
    const hi = toAffine(c.hi);
    if (!rMin || !rMax || !lo || !hi) continue;
    if (a.n > 0n) {
      lows.push(ceilDiv(minus(lo, rMin), a.n));
      highs.push(floorDivBy(minus(hi, rMax), a.n));
    } else {
      lows.push(ceilDiv(minus(rMax, hi), -a.n));
      highs.push(floorDivBy(minus(rMin, lo), -a.n));
    }
  }
  if (!lows.length) return undefined;
  const inner: Scope = { ...scope, ranges: ranged };
  const lo = lows.reduce((x, y) => minMax('max', x, y, inner));
  const hi = highs.reduce((x, y) => minMax('min', x, y, inner));
  return { lo: normal(lo), hi: normal(hi) };
}

const normal = (n: Node): Node => {
  const a = toAffine(n);
  return a ? fromAffine(a) : n;
};

/**
 * A sum over an index that runs over the whole of two dimensions of different
 * extents (`sum(c, w[o, c] * x[c])` with w[4, 16] and x[10]) is a shape mismatch,
 * not a sum over the common part: contracting dimensions must agree, as in matrix
 * algebra. Offsets (`x[j + k − 1]`) and explicit ranges keep LANGUAGE.md's "valid"
 * semantics; this is only for indices read bare on both sides.
 */
export function checkContractions(sums: readonly Pending[], accesses: readonly Access[], scope: Scope, show: (n: Node) => string): void {
  for (const p of sums) {
    if (p.explicit) continue;
    let first: { a: Access; d: number } | undefined;
    for (const a of accesses) {
      if (a.guarded) continue;
      a.indices.forEach((e, d) => {
        if (e.op !== 'idx' || e.attrs.name !== p.key) return;
        if (!first) {
          first = { a, d };
          return;
        }
        const [x, y] = [first.a.dims[first.d]!, a.dims[d]!];
        if (decide(x.lo, '=', y.lo, scope) === false || decide(x.hi, '=', y.hi, scope) === false) {
          const dim = (acc: Access, k: number, r: { lo: Node; hi: Node }) => `${acc.tensor}'s dimension ${k + 1} (${show(r.lo)}..${show(r.hi)})`;
          throw new SpecError('shape', `shape mismatch: the sum over ${p.name} runs over all of ${dim(first.a, first.d, x)} and all of ${dim(a, d, y)}`, a.span);
        }
      });
    }
  }
}

/**
 * The guarded reads that can never leave their tensor's index set: a layer written
 * for any padding reads `x[…]?`, and with pad = 0 the `?` says nothing, so the
 * builder drops it and the proofs do not carry a bracket that is always 1.
 */
export function needlessGuards(accesses: readonly Access[], scope: Scope): Set<Node> {
  const out = new Set<Node>();
  for (const a of accesses) {
    if (!a.guarded || !a.node) continue;
    const inside = a.indices.every((e, d) => decide(a.dims[d]!.lo, '<=', e, scope) === true && decide(e, '<=', a.dims[d]!.hi, scope) === true);
    if (inside) out.add(a.node);
  }
  return out;
}

/** Checks that no unguarded read leaves its tensor's index set anywhere in the ranges. */
export function checkAccesses(accesses: readonly Access[], scope: Scope, show: (n: Node) => string): void {
  for (const a of accesses) {
    if (a.guarded) continue;
    a.indices.forEach((e, d) => {
      const dim = a.dims[d]!;
      for (const [x, y, what] of [[dim.lo, e, 'below'], [e, dim.hi, 'above']] as const) {
        if (decide(x, '<=', y, scope) !== true) {
          throw new SpecError(
            'bounds',
            `${a.tensor}[…] may read ${what} its index set: index ${show(e)} is not always within ${show(dim.lo)}..${show(dim.hi)} (mark the read with ? for zero padding)`,
            a.span,
          );
        }
      }
    });
  }
}
