// Canonical scalar algebra on Nodes: flattening, number folding, collecting like
// terms and like powers, and a deterministic order of terms and factors. These are
// the rules of the commutative ring every hand derivation takes for granted.
import type { Node } from '../ir/node.js';
import { add, isIndexExpr, isNum, key, mul, num, pow } from '../ir/node.js';
import { fromAffine, toAffine } from '../indices/affine.js';
import type { Rational } from '../ir/rational.js';
import * as Q from '../ir/rational.js';

/** A term as coefficient × the rest: 3·x·y is (3, x·y); x is (1, x). */
export function splitCoefficient(n: Node): [Rational, Node | undefined] {
  if (n.op === 'num') return [n.attrs.value!, undefined];
  if (n.op === 'mul' && n.args[0]?.op === 'num') {
    const rest = n.args.slice(1);
    return [n.args[0].attrs.value!, rest.length === 1 ? rest[0] : mul(...rest)];
  }
  return [Q.ONE, n];
}

export function withCoefficient(c: Rational, rest: Node | undefined): Node {
  if (!rest) return num(c);
  if (Q.isZero(c)) return num(0);
  if (Q.isOne(c)) return rest;
  return rest.op === 'mul' ? mul(num(c), ...rest.args) : mul(num(c), rest);
}

/** Base and exponent of a factor: x² is (x, 2), x is (x, 1). */
export function splitPower(n: Node): [Node, Node] {
  if (n.op === 'pow') return [n.args[0]!, n.args[1]!];
  return [n, num(1)];
}

// Factors in the order a person writes them: numbers, sizes, scalars, elements,
// adjoints, then functions, brackets and sums last (Σ reads best at the end).
const FACTOR_RANK: Partial<Record<string, number>> = {
  num: 0, pi: 1, size: 2, idx: 3, read: 4, adj: 5, iverson: 8, argfirst: 8, sum: 9, maxr: 9,
};
const rank = (n: Node): number => FACTOR_RANK[(n.op === 'pow' ? n.args[0]! : n).op] ?? 6;
const order = (a: Node, b: Node): number => rank(a) - rank(b) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** Flattens, folds numbers and collects powers of equal bases; undefined if unchanged. */
export function canonicalMul(n: Node): Node {
  const flat: Node[] = [];
  const push = (f: Node): void => {
    if (f.op === 'mul') f.args.forEach(push);
    else flat.push(f);
  };
  n.args.forEach(push);
  let c: Rational = Q.ONE;
  const powers = new Map<string, [Node, Node[]]>();
  for (const f of flat) {
    if (f.op === 'num') {
      c = Q.mul(c, f.attrs.value!);
      continue;
    }
    const [b, e] = splitPower(f);
    const k = key(b);
    const entry = powers.get(k);
    if (entry) entry[1].push(e);
    else powers.set(k, [b, [e]]);
  }
  if (Q.isZero(c)) return num(0);
  const factors: Node[] = [];
  for (const [b, es] of powers.values()) {
    const e = es.length === 1 ? es[0]! : addExponents(es);
    if (isNum(e, 0)) continue;
    factors.push(isNum(e, 1) ? b : pow(b, e));
  }
  factors.sort(order);
  if (!factors.length) return num(c);
  const out = Q.isOne(c) ? factors : [num(c), ...factors];
  return out.length === 1 ? out[0]! : mul(...out);
}

function addExponents(es: readonly Node[]): Node {
  if (es.every((e) => e.op === 'num')) return num(es.reduce((s, e) => Q.add(s, e.attrs.value!), Q.ZERO));
  return canonicalAdd(add(...es));
}

/** Flattens, folds numbers and collects like terms (2x + 3x = 5x). */
export function canonicalAdd(n: Node, constants: ReadonlySet<string> = new Set()): Node {
  if (isIndexExpr(n)) {
    const a = toAffine(n);
    if (a) return fromAffine(a);
  }
  const flat: Node[] = [];
  const push = (t: Node): void => {
    if (t.op === 'add') t.args.forEach(push);
    else flat.push(t);
  };
  n.args.forEach(push);
  let c: Rational = Q.ZERO;
  const terms = new Map<string, [Node, Rational]>();
  for (const t of flat) {
    const [k, rest] = splitCoefficient(t);
    if (!rest) {
      c = Q.add(c, k);
      continue;
    }
    const kk = key(rest);
    const e = terms.get(kk);
    terms.set(kk, [rest, e ? Q.add(e[1], k) : k]);
  }
  const out: Node[] = [];
  for (const [rest, k] of terms.values()) if (!Q.isZero(k)) out.push(withCoefficient(k, rest));
  out.sort((a, b) => termOrder(a, b, constants));
  if (!Q.isZero(c)) out.push(num(c));
  if (!out.length) return num(0);
  return out.length === 1 ? out[0]! : add(...out);
}

// Terms in the order a person writes them: positive before negative (x − μ, not
// −μ + x), indexed elements before scalars, declared constants last (σ² + ε).
function termOrder(a: Node, b: Node, constants: ReadonlySet<string>): number {
  const [ca, ra] = splitCoefficient(a);
  const [cb, rb] = splitCoefficient(b);
  const rank = (c: Rational, r: Node): number =>
    (c.n < 0n ? 4 : 0) + (r.op === 'read' && constants.has(r.attrs.name!) ? 2 : 0) + (r.op === 'read' && r.args.length > 0 ? 0 : 1);
  const ka = key(ra!);
  const kb = key(rb!);
  return rank(ca, ra!) - rank(cb, rb!) || (ka < kb ? -1 : ka > kb ? 1 : 0);
}

/** Folds a power of numbers when the result is rational, and a^0, a^1, (a^p)^q. */
export function canonicalPow(n: Node): Node {
  const [b, e] = n.args as [Node, Node];
  if (isNum(e, 0)) return num(1);
  if (isNum(e, 1)) return b;
  if (b.op === 'num' && e.op === 'num' && Q.isInteger(e.attrs.value!)) {
    const r = Q.powInt(b.attrs.value!, e.attrs.value!.n);
    if (r && Q.cmp(Q.rat(r.n < 0n ? -r.n : r.n), Q.rat(10n ** 30n)) < 0) return num(r);
  }
  if (isNum(b, 1)) return num(1);
  // [P]ᵏ = [P] for k > 0: a bracket is 0 or 1. Kept a bracket, it stays a strong zero
  // that guards the reads beside it (found by fuzzing: [1 ≤ m − 1]² let x[0] be read)
  if (b.op === 'iverson' && e.op === 'num' && Q.cmp(e.attrs.value!, Q.ZERO) > 0) return b;
  // (a^p)^q = a^(p·q) when q is an integer, or p is not (so a^p needed a ≥ 0)
  if (b.op === 'pow' && b.args[1]!.op === 'num' && e.op === 'num') {
    const p = b.args[1]!.attrs.value!;
    const q = e.attrs.value!;
    if (Q.isInteger(q) || !Q.isInteger(p)) return pow(b.args[0]!, num(Q.mul(p, q)));
  }
  // (a·b)^q = a^q·b^q for an integer q
  if (b.op === 'mul' && e.op === 'num' && Q.isInteger(e.attrs.value!)) return mul(...b.args.map((f) => pow(f, e)));
  return n;
}

export const sqrtAsPower = (n: Node): Node => pow(n.args[0]!, num(Q.rat(1, 2)));


/** a·(b + c) = a·b + a·c: products of sums multiplied out (elementwise forms only). */
export function expand(n: Node): Node | undefined {
  const i = n.args.findIndex((f) => f.op === 'add');
  if (i < 0) return undefined;
  const others = n.args.filter((_, j) => j !== i);
  return add(...n.args[i]!.args.map((t) => mul(...others, t)));
}
