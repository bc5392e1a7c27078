// Affine index expressions: c₀ + Σ cₖ·atomₖ with rational coefficients, where an atom
// is an index variable, a size symbol, or an opaque integer term (a // c, a % c,
// min, max, a product of sizes). Index arithmetic (solving a·j + b = m, range
// inference, bracket discharge) works on this form and converts back to Nodes.
import type { Node } from '../ir/node.js';
import { add, key, mul, node, num } from '../ir/node.js';
import type { Rational } from '../ir/rational.js';
import * as Q from '../ir/rational.js';

export interface Affine {
  /** atom key → [atom, coefficient]; coefficients never zero. */
  readonly terms: ReadonlyMap<string, readonly [Node, Rational]>;
  readonly c: Rational;
}

export const constant = (c: Rational | number): Affine => ({ terms: new Map(), c: typeof c === 'number' ? Q.rat(c) : c });

export function atomAffine(atom: Node): Affine {
  return { terms: new Map([[key(atom), [atom, Q.ONE] as const]]), c: Q.ZERO };
}

export function plus(a: Affine, b: Affine): Affine {
  const terms = new Map(a.terms);
  for (const [k, [atom, cb]] of b.terms) {
    const ca = terms.get(k)?.[1] ?? Q.ZERO;
    const s = Q.add(ca, cb);
    if (Q.isZero(s)) terms.delete(k);
    else terms.set(k, [atom, s]);
  }
  return { terms, c: Q.add(a.c, b.c) };
}

export function scale(a: Affine, s: Rational): Affine {
  if (Q.isZero(s)) return constant(0);
  const terms = new Map<string, readonly [Node, Rational]>();
  for (const [k, [atom, c]] of a.terms) terms.set(k, [atom, Q.mul(c, s)]);
  return { terms, c: Q.mul(a.c, s) };
}

export const minus = (a: Affine, b: Affine): Affine => plus(a, scale(b, Q.rat(-1)));

export const isConstant = (a: Affine): boolean => a.terms.size === 0;

export function coefficientOf(a: Affine, atomKey: string): Rational {
  return a.terms.get(atomKey)?.[1] ?? Q.ZERO;
}

/** a with the atom `atomKey` removed (its coefficient taken out). */
export function without(a: Affine, atomKey: string): Affine {
  const terms = new Map(a.terms);
  terms.delete(atomKey);
  return { terms, c: a.c };
}

/**
 * The affine form of an integer-valued expression, or undefined when it is not
 * affine (a non-integer power, a product of two index variables, a real function).
 * Non-affine integer terms (//, %, min, max, size products) become atoms, with
 * their arguments normalised so that equal terms get equal atoms.
 */
export function toAffine(n: Node): Affine | undefined {
  switch (n.op) {
    case 'num':
      return constant(n.attrs.value!);
    case 'idx':
    case 'size':
      return atomAffine(n);
    case 'add': {
      let acc = constant(0);
      for (const t of n.args) {
        const a = toAffine(t);
        if (!a) return undefined;
        acc = plus(acc, a);
      }
      return acc;
    }
    case 'mul': {
      let coef: Rational = Q.ONE;
      let rest: Affine | undefined;
      const opaque: Node[] = [];
      for (const f of n.args) {
        const a = toAffine(f);
        if (!a) return undefined;
        if (isConstant(a)) coef = Q.mul(coef, a.c);
        else if (!rest) rest = a;
        else if (onlySizes(rest) && onlySizes(a)) opaque.push(f);
        else return undefined;
      }
      if (!rest) return constant(coef);
      if (opaque.length) {
        // a product of size expressions (C·H·W) is an integer atom of its own
        const factors = [fromAffine(rest), ...opaque.map((f) => fromAffine(toAffine(f)!))].sort((x, y) => cmpKey(key(x), key(y)));
        return scale(atomAffine(mul(...factors)), coef);
      }
      return scale(rest, coef);
    }
    case 'floordiv':
    case 'mod': {
      const a = toAffine(n.args[0]!);
      const b = toAffine(n.args[1]!);
      if (!a || !b || !isConstant(b) || !Q.isInteger(b.c) || b.c.n <= 0n) return undefined;
      if (isConstant(a) && Q.isInteger(a.c)) {
        return constant(Q.rat(n.op === 'floordiv' ? Q.floorDiv(a.c.n, b.c.n) : Q.floorMod(a.c.n, b.c.n)));
      }
      if (n.op === 'floordiv' && b.c.n === 1n) return a;
      // ⌊(k·A + c)/k⌋ = A + ⌊c/k⌋ and (k·A + c) mod k = c mod k, for integer A
      const k = b.c.n;
      if (Q.isInteger(a.c) && [...a.terms.values()].every(([, c]) => Q.isInteger(c) && c.n % k === 0n)) {
        const c = a.c.n;
        if (n.op === 'mod') return constant(Q.rat(Q.floorMod(c, k)));
        return plus(scale({ terms: a.terms, c: Q.ZERO }, Q.rat(1n, k)), constant(Q.rat(Q.floorDiv(c, k))));
      }
      // ⌊(A + q·k + r)/k⌋ = ⌊(A + r)/k⌋ + q with 0 ≤ r < k: one atom for ⌊(N − 2)/2⌋ + 1 and ⌊N/2⌋
      if (Q.isInteger(a.c) && (a.c.n < 0n || a.c.n >= k)) {
        const r = Q.floorMod(a.c.n, k);
        const inner = node(n.op, [fromAffine({ terms: a.terms, c: Q.rat(r) }), num(b.c)]);
        return n.op === 'mod' ? atomAffine(inner) : plus(atomAffine(inner), constant(Q.rat(Q.floorDiv(a.c.n, k))));
      }
      return atomAffine(node(n.op, [fromAffine(a), num(b.c)]));
    }
    case 'max':
    case 'min': {
      const a = toAffine(n.args[0]!);
      const b = toAffine(n.args[1]!);
      if (!a || !b) return undefined;
      const d = minus(a, b);
      if (isConstant(d)) return Q.cmp(d.c, Q.ZERO) >= 0 === (n.op === 'max') ? a : b;
      // a constant bound first, as in max(1, m − K + 1)
      const [x, y] = [fromAffine(a), fromAffine(b)].sort((p, q) => Number(q.op === 'num') - Number(p.op === 'num') || cmpKey(key(p), key(q)));
      return atomAffine(node(n.op, [x!, y!]));
    }
    default:
      return undefined;
  }
}

function onlySizes(a: Affine): boolean {
  for (const [atom] of a.terms.values()) if (atom.op === 'idx') return false;
  return true;
}

const cmpKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Index variables first (by name), then sizes and other atoms, then the constant: j + m − 1. */
function atomOrder(a: Node, b: Node): number {
  const rank = (n: Node): number => (n.op === 'idx' ? 0 : n.op === 'size' ? 1 : 2);
  return rank(a) - rank(b) || cmpKey(key(a), key(b));
}

/** Back to a Node, as a person writes it: j + m − 1, m − k + 1, 2·p, N − K + 1. */
export function fromAffine(a: Affine): Node {
  const negative = (c: Rational): number => (c.n < 0n ? 1 : 0);
  const entries = [...a.terms.values()].sort((x, y) => negative(x[1]) - negative(y[1]) || atomOrder(x[0], y[0]));
  const terms: Node[] = entries.map(([atom, c]) => (Q.isOne(c) ? atom : mul(num(c), atom)));
  if (!Q.isZero(a.c) || terms.length === 0) terms.push(num(a.c));
  return terms.length === 1 ? terms[0]! : add(...terms);
}

/** Normalises an integer expression through its affine form, if it has one. */
export function normalizeIndex(n: Node): Node {
  const a = toAffine(n);
  return a ? fromAffine(a) : n;
}
