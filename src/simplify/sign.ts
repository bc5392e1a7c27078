// What can be said of an expression's sign for every value its leaves may take: enough
// to know a factor is never zero before dividing by it. A definition written back into
// a closed form (x − μ = x̂·√(σ² + ε)) divides by the definition's other factors; that
// is an identity only where they are not zero (found by the fuzz campaign: e[m] =
// exp(z[m])·Σⱼ(xⱼ − μ) gave exp(z[m]) = e[m]/Σⱼ(xⱼ − μ), 0/0 where the sum vanishes).
// Conservative: "unknown" unless a rule below proves more.
import type { Graph } from '../graph/graph.js';
import type { Node } from '../ir/node.js';
import * as Q from '../ir/rational.js';

export type Sign = 'positive' | 'nonnegative' | 'unknown';

/** Definitions followed through their bodies at most this deep (a bound on work). */
const MAX_DEPTH = 16;

const rank = { positive: 2, nonnegative: 1, unknown: 0 } as const;
const weakest = (signs: readonly Sign[]): Sign => signs.reduce<Sign>((a, s) => (rank[s] < rank[a] ? s : a), 'positive');

export function signOf(n: Node, g: Graph, depth = 0): Sign {
  if (depth > MAX_DEPTH) return 'unknown';
  const sub = (x: Node): Sign => signOf(x, g, depth + 1);
  switch (n.op) {
    case 'num': {
      const c = Q.cmp(n.attrs.value!, Q.ZERO);
      return c > 0 ? 'positive' : c === 0 ? 'nonnegative' : 'unknown';
    }
    case 'size':
      return 'positive'; // every size is at least 1
    case 'pi':
    case 'exp':
      return 'positive';
    case 'abs':
    case 'relu':
      return 'nonnegative';
    case 'sqrt':
      return sub(n.args[0]!);
    case 'mul':
      return weakest(n.args.map(sub));
    case 'add': {
      const signs = n.args.map(sub);
      if (signs.includes('unknown')) return 'unknown';
      return signs.includes('positive') ? 'positive' : 'nonnegative';
    }
    case 'pow': {
      const [base, e] = n.args as [Node, Node];
      const s = sub(base);
      if (s === 'positive') return 'positive';
      // an even integer power is never negative; a nonnegative base to a positive power neither
      if (e.op === 'num') {
        const v = e.attrs.value!;
        if (Q.isInteger(v) && v.n % 2n === 0n && v.n > 0n) return 'nonnegative';
        if (s === 'nonnegative' && Q.cmp(v, Q.ZERO) > 0) return 'nonnegative';
      }
      return 'unknown';
    }
    case 'sum': {
      // a sum over a range that may be empty is 0: positive terms make it only nonnegative
      const s = sub(n.args[2]!);
      return s === 'unknown' ? 'unknown' : 'nonnegative';
    }
    case 'read': {
      const t = g.tensors.get(n.attrs.name!);
      if (!t) return 'unknown';
      if (t.body) return sub(t.body);
      if (t.value) return sub(t.value);
      const a = t.assumption;
      if (!a || (a.rel !== '>' && a.rel !== '>=')) return 'unknown';
      const b = sub(a.bound);
      if (b === 'positive' || (a.rel === '>' && b === 'nonnegative')) return 'positive';
      return b === 'nonnegative' ? 'nonnegative' : 'unknown';
    }
    default:
      return 'unknown';
  }
}

/** n ≠ 0 wherever it is defined: a nonzero number, a product or power of such, or positive. */
export function neverZero(n: Node, g: Graph): boolean {
  if (n.op === 'num') return !Q.isZero(n.attrs.value!);
  if (n.op === 'mul') return n.args.every((a) => neverZero(a, g));
  if (n.op === 'pow' && neverZero(n.args[0]!, g)) return true;
  return signOf(n, g) === 'positive';
}
