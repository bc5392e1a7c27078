// Divisibility brackets, the residue of a delta collapse with a stride
// (INDEX-CALCULUS.md, average pooling): [2 ∣ m] says m = 2q. Inside a product that
// carries it, the other index brackets are decided over q (m even and m ≥ 1 give
// m ≥ 2); and the two parity cases of one expression, side by side in a sum, become
// one: f(⌊(m + 1)/2⌋)·[2 ∣ m + 1] + f(⌊m/2⌋)·[2 ∣ m] = f(⌈m/2⌉).
import { constant, fromAffine, minus, plus, scale, toAffine, without } from '../indices/affine.js';
import type { Scope } from '../indices/prove.js';
import { decide, scopeNames, withRange } from '../indices/prove.js';
import type { Node } from '../ir/node.js';
import { add, allIndexNames, freshName, idx, isIndexExpr, key, mapNodes, mul, node, num, size, substIndices } from '../ir/node.js';
import * as Q from '../ir/rational.js';

interface Divisibility {
  /** The bracket itself, [k ∣ e]. */
  readonly bracket: Node;
  readonly k: bigint;
  /** e = m + r: the index m (coefficient 1) and the rest r (free of m). */
  readonly m: string;
  readonly e: Node;
}

/** [e mod k = 0] with e = m + r for a single index m of coefficient 1. */
function divisibility(f: Node): Divisibility | undefined {
  if (f.op !== 'iverson' || f.attrs.rel !== '=' || f.args[0]!.op !== 'mod' || f.args[1]!.op !== 'num' || f.args[1]!.attrs.value!.n !== 0n) return undefined;
  const [e, kNode] = f.args[0]!.args as [Node, Node];
  const a = toAffine(e);
  if (!a || kNode.op !== 'num') return undefined;
  const idxs = [...a.terms.values()].filter(([atom]) => atom.op === 'idx');
  if (idxs.length !== 1 || !Q.isOne(idxs[0]![1])) return undefined;
  return { bracket: f, k: kNode.attrs.value!.n, m: idxs[0]![0].attrs.name!, e };
}

/** In a product with [k ∣ m + r], every other index bracket on m decided with m = k·q − r. */
export function parityBrackets(n: Node, scope: Scope): Node | undefined {
  for (const f of n.args) {
    const dv = divisibility(f);
    const range = dv && scope.ranges.get(dv.m);
    if (!dv || !range) continue;
    const q = freshName('q', allIndexNames(n, scopeNames(scope)));
    const r = without(toAffine(dv.e)!, `idx:${dv.m}`);
    const k = Q.rat(dv.k);
    // m = k·q − r, and q over ⌈(lo + r)/k⌉..⌊(hi + r)/k⌋
    const m = fromAffine(minus(scale(toAffine(idx(q))!, k), r));
    const loA = toAffine(range.lo);
    const hiA = toAffine(range.hi);
    if (!loA || !hiA) continue;
    const lo = node('floordiv', [fromAffine(plus(plus(loA, r), constant(Q.rat(dv.k - 1n)))), num(dv.k)]);
    const hi = node('floordiv', [fromAffine(plus(hiA, r)), num(dv.k)]);
    const inner = withRange(scope, q, { lo, hi });
    // where k·⌊e/k⌋ stands, it is e exactly: 2·⌊(m + 1)/2⌋ − 1 = m
    const exact = n.args.map((g) => (g === f ? g : exactMultiples(g, dv)));
    if (exact.some((g, i) => g !== n.args[i])) return mul(...exact);
    for (const g of n.args) {
      if (g === f || g.op !== 'iverson' || !isIndexExpr(g.args[0]!) || !isIndexExpr(g.args[1]!) || !allIndexNames(g).has(dv.m)) continue;
      const h = substIndices(g, new Map([[dv.m, m]]));
      const verdict = decide(h.args[0]!, g.attrs.rel!, h.args[1]!, inner);
      if (verdict === false) return num(0);
      if (verdict === true) return mul(...n.args.filter((x) => x !== g));
    }
  }
  return undefined;
}

/** Index expressions in g with c·⌊e/k⌋, k dividing c, rewritten as (c/k)·e (exact where k ∣ e). */
function exactMultiples(g: Node, dv: Divisibility): Node {
  const floor = key(node('floordiv', [dv.e, num(dv.k)]));
  const e = toAffine(dv.e)!;
  return mapNodes(g, (x) => {
    if (!isIndexExpr(x) || x.op === 'floordiv') return x;
    const a = toAffine(x);
    const c = a?.terms.get(floor)?.[1];
    if (!a || !c || !Q.isInteger(c) || c.n % dv.k !== 0n) return x;
    return fromAffine(plus(without(a, floor), scale(e, Q.rat(c.n / dv.k))));
  });
}

/** f(⌊(u + 1)/2⌋)·[2 ∣ u + 1] + f(⌊u/2⌋)·[2 ∣ u] = f(⌊(u + 1)/2⌋): the odd and the even case as one. */
export function parityMerge(n: Node): Node | undefined {
  const terms = n.args;
  for (let a = 0; a < terms.length; a++) {
    for (let b = 0; b < terms.length; b++) {
      if (a === b) continue;
      const da = factorsOf(terms[a]!).map(divisibility).find((x) => x && x.k === 2n);
      const db = factorsOf(terms[b]!).map(divisibility).find((x) => x && x.k === 2n);
      if (!da || !db || da.m !== db.m) continue;
      const diff = minus(toAffine(da.e)!, toAffine(db.e)!);
      if (diff.terms.size || !Q.eq(diff.c, Q.ONE)) continue; // a is u + 1, b is u
      const hole = size('\u0000parity');
      const open = (t: Node, d: typeof da): Node => {
        const floor = key(node('floordiv', [d.e, num(2)]));
        const rest = mul(...factorsOf(t).filter((f) => f !== d.bracket));
        return mapNodes(rest, (x) => (key(x) === floor ? hole : x));
      };
      const [oa, ob] = [open(terms[a]!, da), open(terms[b]!, db)];
      if (key(oa) !== key(ob) || !hasHole(oa)) continue;
      const merged = mapNodes(oa, (x) => (x.op === 'size' && x.attrs.name === hole.attrs.name ? node('floordiv', [da.e, num(2)]) : x));
      const others = terms.filter((_, i) => i !== a && i !== b);
      return others.length ? add(merged, ...others) : merged;
    }
  }
  return undefined;
}

const factorsOf = (t: Node): readonly Node[] => (t.op === 'mul' ? t.args : [t]);
const hasHole = (n: Node): boolean => (n.op === 'size' && n.attrs.name === '\u0000parity') || n.args.some(hasHole);

