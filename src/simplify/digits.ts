// The adjoint of a reshape: Σ_f ∂L/∂y[f]·[⌊(f − 1)/12⌋ + 1 = m]·[⌊(f − 1)/4⌋ mod 3 + 1 = q]·
// [(f − 1) mod 4 + 1 = r] = ∂L/∂y[12·(m − 1) + 4·(q − 1) + r]. The brackets read the
// mixed-radix digits of f, and digits fix a number: f is the one index whose digits
// are (m, q, r). No identity of floors proves that here; the rule proves it by
// exhaustion instead, over the concrete range (flatten's divisors are numbers): it
// fits f as an affine function of the digits and checks, for every f, that the
// digits give f back, and for every digit tuple, that its f has those digits.
import { fromAffine, toAffine } from '../indices/affine.js';
import type { Scope } from '../indices/prove.js';
import type { Node } from '../ir/node.js';
import { add, freeIndices, freshName, idx, isIndexExpr, iverson, mul, node, num, substIndices, allIndexNames } from '../ir/node.js';
import * as Q from '../ir/rational.js';

/** Most values enumerated for one sum (its range, and the digit tuples): a limit in steps, not time. */
export const DIGIT_LIMIT = 65536;

const parts = (n: Node): readonly Node[] => (n.op === 'mul' ? n.args : [n]);
const product = (fs: readonly Node[]): Node => (fs.length === 0 ? num(1) : fs.length === 1 ? fs[0]! : mul(...fs));
const constantOf = (n: Node): bigint | undefined => {
  const a = toAffine(n);
  return a && a.terms.size === 0 && a.c.d === 1n ? a.c.n : undefined;
};
const hasFloor = (n: Node): boolean => n.op === 'floordiv' || n.op === 'mod' || n.args.some(hasFloor);

/** An integer index expression (idx, num, + · // mod) at integer values, or undefined. */
function intAt(n: Node, env: ReadonlyMap<string, bigint>): bigint | undefined {
  switch (n.op) {
    case 'num':
      return n.attrs.value!.d === 1n ? n.attrs.value!.n : undefined;
    case 'idx':
      return env.get(n.attrs.name!);
    case 'add':
    case 'mul': {
      let acc = n.op === 'add' ? 0n : 1n;
      for (const a of n.args) {
        const v = intAt(a, env);
        if (v === undefined) return undefined;
        acc = n.op === 'add' ? acc + v : acc * v;
      }
      return acc;
    }
    case 'floordiv':
    case 'mod': {
      const [a, b] = [intAt(n.args[0]!, env), intAt(n.args[1]!, env)];
      if (a === undefined || b === undefined || b <= 0n) return undefined;
      return n.op === 'floordiv' ? Q.floorDiv(a, b) : Q.floorMod(a, b);
    }
    default:
      return undefined;
  }
}

/**
 * Σ_{i=lo}^{hi} g(i)·Πₖ[Dₖ(i) = tₖ] = g(i*)·[lo ≤ i* ≤ hi] with i* affine in the tₖ,
 * where the Dₖ read digits of i through ⌊·⌋ and mod, hi − lo is a number, and each tₖ
 * is an index with a numeric range: checked over every i and every digit tuple.
 */
export function digits(n: Node, scope: Scope): Node | undefined {
  const [lo, hi, body] = n.args as [Node, Node, Node];
  const i = n.attrs.index!;
  const width = constantOf(node('add', [hi, mul(num(-1), lo)]));
  if (width === undefined || width < 0n || width >= BigInt(DIGIT_LIMIT)) return undefined;
  // i = lo + u: the digits of u, free of whatever lo depends on
  const u = freshName('u', allIndexNames(n));
  const shift = (e: Node): Node => {
    const a = toAffine(substIndices(e, new Map([[i, add(lo, idx(u))]])));
    return a ? fromAffine(a) : e;
  };
  const fs = parts(body);
  const found: { k: number; digit: Node; target: string; range: readonly [bigint, bigint] }[] = [];
  fs.forEach((f, k) => {
    if (f.op !== 'iverson' || f.attrs.rel !== '=' || !isIndexExpr(f.args[0]!) || !isIndexExpr(f.args[1]!)) return;
    const [a, b] = f.args as [Node, Node];
    const [side, other] = freeIndices(a).has(i) ? [a, b] : [b, a];
    if (!freeIndices(side).has(i) || freeIndices(other).has(i) || other.op !== 'idx') return;
    const digit = shift(side);
    if (!hasFloor(digit) || [...freeIndices(digit)].some((x) => x !== u)) return;
    const r = scope.ranges.get(other.attrs.name!);
    const [tlo, thi] = r ? [constantOf(r.lo), constantOf(r.hi)] : [undefined, undefined];
    if (tlo === undefined || thi === undefined || found.some((d) => d.target === other.attrs.name)) return;
    found.push({ k, digit, target: other.attrs.name!, range: [tlo, thi] });
  });
  if (!found.length) return undefined;
  // the digits of every u in 0..width
  const table: bigint[][] = [];
  for (let v = 0n; v <= width; v++) {
    const env = new Map([[u, v]]);
    const row = found.map((d) => intAt(d.digit, env));
    if (row.some((x) => x === undefined)) return undefined;
    table.push(row as bigint[]);
  }
  // u* = Σₖ aₖ·(tₖ − t₀ₖ): aₖ is the u whose digits are t₀ with the k-th one greater by one
  const t0 = table[0]!;
  const coef: bigint[] = [];
  for (let k = 0; k < found.length; k++) {
    const v = table.findIndex((row) => row.every((x, j) => x === t0[j]! + (j === k ? 1n : 0n)));
    if (v < 0) return undefined;
    coef.push(BigInt(v));
  }
  const fit = (t: readonly bigint[]): bigint => t.reduce((s, x, k) => s + coef[k]! * (x - t0[k]!), 0n);
  // every u gives its digits back …
  if (!table.every((row, v) => fit(row) === BigInt(v))) return undefined;
  // … and every digit tuple whose u* is in range has exactly those digits
  let tuples = 1n;
  for (const d of found) tuples *= d.range[1] - d.range[0] + 1n;
  if (tuples > BigInt(DIGIT_LIMIT)) return undefined;
  const tuple = found.map((d) => d.range[0]);
  for (let c = 0n; c < tuples; c++) {
    const v = fit(tuple);
    if (v >= 0n && v <= width && !table[Number(v)]!.every((x, k) => x === tuple[k])) return undefined;
    for (let k = 0; k < tuple.length; k++) {
      if (tuple[k]! < found[k]!.range[1]) {
        tuple[k]!++;
        break;
      }
      tuple[k] = found[k]!.range[0];
    }
  }
  // i* = lo + Σₖ aₖ·(tₖ − t₀ₖ)
  const terms: Node[] = [lo, ...found.map((d, k) => mul(num(coef[k]!), add(idx(d.target), num(-t0[k]!))))];
  const star = fromAffine(toAffine(add(...terms))!);
  const used = new Set(found.map((d) => d.k));
  const rest = fs.filter((_, k) => !used.has(k)).map((f) => substIndices(f, new Map([[i, star]])));
  return product([...rest, iverson(lo, '<=', star), iverson(star, '<=', hi)]);
}
