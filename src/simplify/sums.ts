// The index calculus of sums (INDEX-CALCULUS.md): constants out, linearity, the
// Kronecker delta collapse, boundary brackets folded into the range, and the
// definitions of means folded back in (Σᵢ xᵢ = n·μ). Each function is one rule.
import { coefficientOf, constant, fromAffine, minus, plus, scale, toAffine, without } from '../indices/affine.js';
import { decide, minMax } from '../indices/prove.js';
import type { Scope } from '../indices/prove.js';
import type { Node } from '../ir/node.js';
import { add, freeIndices, idx, isIndexExpr, iverson, key, mul, node, num, substIndices } from '../ir/node.js';
import * as Q from '../ir/rational.js';

const dependsOn = (n: Node, i: string): boolean => freeIndices(n).has(i);
const parts = (n: Node): readonly Node[] => (n.op === 'mul' ? n.args : [n]);
const product = (fs: readonly Node[]): Node => (fs.length === 0 ? num(1) : fs.length === 1 ? fs[0]! : mul(...fs));
const at = (body: Node, i: string, v: Node): Node => substIndices(body, new Map([[i, v]]));

/** Σᵢ c·f(i) = c·Σᵢ f(i), and Σ_{i=lo}^{hi} c = (hi − lo + 1)·c. */
export function constantsOut(n: Node, scope: Scope): Node | undefined {
  const [lo, hi, body] = n.args as [Node, Node, Node];
  const i = n.attrs.index!;
  const fs = parts(body);
  const outside = fs.filter((f) => !dependsOn(f, i));
  if (!outside.length) return undefined;
  if (outside.length === fs.length) {
    // the count is hi − lo + 1 only for a range that is not reversed
    if (decide(lo, '<=', node('add', [hi, num(1)]), scope) !== true) return undefined;
    const count = fromAffine(plus(minus(toAffine(hi)!, toAffine(lo)!), constant(1)));
    return mul(count, body);
  }
  const inside = fs.filter((f) => dependsOn(f, i));
  return mul(...outside, node('sum', [lo, hi, product(inside)], n.attrs));
}

/** Σᵢ (a + b) = Σᵢ a + Σᵢ b. */
export function split(n: Node): Node | undefined {
  const body = n.args[2]!;
  if (body.op !== 'add') return undefined;
  return add(...body.args.map((t) => node('sum', [n.args[0]!, n.args[1]!, t], n.attrs)));
}

/**
 * Σ_{i=lo}^{hi} f(i)·[a·i + b = 0] = f(i₀)·[a | b]·[lo ≤ i₀ ≤ hi] with i₀ = −b/a:
 * the Kronecker delta collapses the sum (INDEX-CALCULUS.md, "the one rule").
 */
export function collapse(n: Node): Node | undefined {
  const [lo, hi, body] = n.args as [Node, Node, Node];
  const i = n.attrs.index!;
  const fs = parts(body);
  // a·([2p − 1 = m] + [2p = m]): distribute first, so each delta collapses its own sum
  const mixed = fs.findIndex((f) => f.op === 'add' && f.args.some((t) => deltaWithin(t, i)));
  if (mixed >= 0) {
    const others = fs.filter((_, j) => j !== mixed);
    return add(...fs[mixed]!.args.map((t) => node('sum', [lo, hi, product([...others, t])], n.attrs)));
  }
  for (let k = 0; k < fs.length; k++) {
    const f = fs[k]!;
    if (f.op !== 'iverson' || f.attrs.rel !== '=' || !isIndexExpr(f.args[0]!) || !isIndexExpr(f.args[1]!)) continue;
    const d = minus(toAffine(f.args[0]!)!, toAffine(f.args[1]!)!);
    let a = coefficientOf(d, `idx:${i}`);
    if (Q.isZero(a) || !Q.isInteger(a) || [...d.terms.values()].some(([x]) => x.op !== 'idx' && dependsOn(x, i))) continue;
    let rest = without(d, `idx:${i}`);
    if (a.n < 0n) [a, rest] = [Q.neg(a), scale(rest, Q.rat(-1))];
    // a·i + rest = 0  ⇔  i = −rest/a, which must be an integer
    const top = scale(rest, Q.rat(-1));
    const i0 = Q.isOne(a) ? fromAffine(top) : node('floordiv', [fromAffine(top), num(a)]);
    const guards = [iverson(lo, '<=', i0), iverson(i0, '<=', hi)];
    if (!Q.isOne(a)) guards.unshift(iverson(node('mod', [fromAffine(top), num(a)]), '=', num(0)));
    const others = fs.filter((_, j) => j !== k).map((g) => at(g, i, i0));
    return product([...others, ...guards]);
  }
  return undefined;
}

/** A delta on i in t's products and sums (max pooling's ((a·[…] + b·[…])·[…] + …) nests them). */
const deltaWithin = (t: Node, i: string): boolean =>
  isDelta(t, i) || ((t.op === 'mul' || t.op === 'add') && t.args.some((a) => deltaWithin(a, i)));

const isDelta = (f: Node, i: string): boolean =>
  f.op === 'iverson' && f.attrs.rel === '=' && isIndexExpr(f.args[0]!) && isIndexExpr(f.args[1]!) && dependsOn(f, i);

/** Σ_{i=lo}^{hi} f·[i ≤ e] = Σ_{i=lo}^{min(hi, e)} f (and the like): a boundary narrows the range. */
export function narrow(n: Node, scope: Scope): Node | undefined {
  let [lo, hi, body] = n.args as [Node, Node, Node];
  const i = n.attrs.index!;
  const fs = parts(body);
  const keep: Node[] = [];
  let changed = false;
  for (const f of fs) {
    const bound = f.op === 'iverson' ? asBound(f, i) : undefined;
    if (!bound) {
      keep.push(f);
      continue;
    }
    changed = true;
    if (bound[0] === 'lo') lo = minMax('max', lo, bound[1], scope);
    else hi = minMax('min', hi, bound[1], scope);
  }
  return changed ? node('sum', [lo, hi, product(keep)], n.attrs) : undefined;
}

/**
 * [i ≥ e] as ['lo', e], [i ≤ e] as ['hi', e]. With a coefficient a ≠ ±1 the bound is
 * a floor: [2·j ≤ q + 1] is j ≤ ⌊(q + 1)/2⌋, [2·j ≥ q] is j ≥ ⌈q/2⌉ = ⌊(q + 1)/2⌋, as
 * strided windows need (INDEX-CALCULUS.md's average pooling: ⌈m/2⌉).
 */
function asBound(f: Node, i: string): ['lo' | 'hi', Node] | undefined {
  const rel = f.attrs.rel!;
  if (rel === '=' || rel === '!=' || !isIndexExpr(f.args[0]!) || !isIndexExpr(f.args[1]!)) return undefined;
  // every relation as d ≤ 0 over the integers: a < b is a − b + 1 ≤ 0, a ≥ b is b − a ≤ 0
  const [a, b] = [toAffine(f.args[0]!)!, toAffine(f.args[1]!)!];
  const base = rel === '<' || rel === '<=' ? minus(a, b) : minus(b, a);
  const d = rel === '<' || rel === '>' ? plus(base, constant(1)) : base;
  const c = coefficientOf(d, `idx:${i}`);
  if (Q.isZero(c) || !Q.isInteger(c)) return undefined;
  if ([...d.terms.values()].some(([x]) => x.op !== 'idx' && dependsOn(x, i))) return undefined;
  const r = without(d, `idx:${i}`);
  if (![...r.terms.values()].every(([, k]) => Q.isInteger(k)) || !Q.isInteger(r.c)) return undefined;
  const floor = (e: ReturnType<typeof constant>, k: bigint): Node => {
    const n = k === 1n ? fromAffine(e) : node('floordiv', [fromAffine(e), num(k)]);
    const aff = toAffine(n);
    return aff ? fromAffine(aff) : n;
  };
  // c·i + r ≤ 0: c > 0 gives i ≤ ⌊−r/c⌋; c < 0 gives |c|·i ≥ r, i ≥ ⌈r/|c|⌉ = ⌊(r + |c| − 1)/|c|⌋
  if (c.n > 0n) return ['hi', floor(scale(r, Q.rat(-1)), c.n)];
  return ['lo', floor(plus(r, constant(Q.rat(-c.n - 1n))), -c.n)];
}

/**
 * [⌊u/k⌋ + r = 0] = [k·t ≤ u]·[u ≤ k·t + k − 1] with t = −r: a floor-division delta
 * becomes a range, which a sum then absorbs (the adjoint of nearest upsampling).
 */
export function floorBracket(n: Node): Node | undefined {
  if (n.attrs.rel !== '=' || !isIndexExpr(n.args[0]!) || !isIndexExpr(n.args[1]!)) return undefined;
  const d = minus(toAffine(n.args[0]!)!, toAffine(n.args[1]!)!);
  const floors = [...d.terms].filter(([, [atom]]) => atom.op === 'floordiv');
  if (floors.length !== 1) return undefined;
  const [k, [atom, c]] = floors[0]!;
  if (!(Q.isOne(c) || Q.eq(c, Q.rat(-1)))) return undefined;
  const u = toAffine(atom.args[0]!);
  const kk = atom.args[1]!.attrs.value!;
  if (!u) return undefined;
  // c·⌊u/k⌋ + r = 0  ⇔  ⌊u/k⌋ = t with t = −r/c
  const t = scale(without(d, k), Q.neg(Q.div(Q.ONE, c)));
  const low = scale(t, kk);
  const high = plus(low, constant(Q.sub(kk, Q.ONE)));
  return mul(iverson(fromAffine(low), '<=', fromAffine(u)), iverson(fromAffine(u), '<=', fromAffine(high)));
}

/** Σ_{i=a}^{a} f(i) = f(a). */
export function singlePoint(n: Node): Node | undefined {
  const [lo, hi] = n.args as [Node, Node];
  return key(lo) === key(hi) ? at(n.args[2]!, n.attrs.index!, lo) : undefined;
}

/** A sum over a range of known, small length written out term by term (elementwise forms). */
export function unroll(n: Node, limit: number): Node | undefined {
  const [lo, hi, body] = n.args as [Node, Node, Node];
  if (lo.op !== 'num' || hi.op !== 'num' || !Q.isInteger(lo.attrs.value!) || !Q.isInteger(hi.attrs.value!)) return undefined;
  const [a, b] = [lo.attrs.value!.n, hi.attrs.value!.n];
  if (b - a + 1n > BigInt(limit)) return undefined;
  if (b < a) return num(0);
  const terms: Node[] = [];
  for (let v = a; v <= b; v++) terms.push(at(body, n.attrs.index!, num(v)));
  return terms.length === 1 ? terms[0]! : add(...terms);
}

/** A sum with its bound index renamed to a placeholder: equal sums get equal keys. */
export function alphaKey(n: Node): string {
  const b = '\u0000bound';
  return key(node(n.op, [n.args[0]!, n.args[1]!, at(n.args[2]!, n.attrs.index!, idx(b))], { index: b }));
}

type ElementFoldLike = { readonly name: string; readonly index: string; readonly pattern: Node; readonly compensation?: Node; readonly rest: readonly Node[]; readonly product?: boolean };

/** Each F(e) that n could hold, with its index e: F reads a tensor at exactly [i], so n must read it at some [e]. */
function* candidates(n: Node, f: ElementFoldLike): Generator<{ e: Node; pattern: string }> {
  const anchor = findRead(f.pattern, f.index);
  if (!anchor) return;
  for (const e of readsOf(n, anchor)) yield { e, pattern: key(at(f.pattern, f.index, e)) };
}

/** F(e) → D[e]·c⁻¹ for an elementwise definition D[i] = F(i)·c (rules.ts, ElementFold). */
export function refold(n: Node, folds: readonly ElementFoldLike[]): Node | undefined {
  for (const f of folds) {
    if (!f.compensation) continue;
    for (const { e, pattern } of candidates(n, f)) {
      if (pattern === key(n)) return mul(node('read', [e], { name: f.name }), f.compensation);
    }
  }
  return undefined;
}

/**
 * F(e)·c·g = D[e]·g for D[i] = F(i)·c: a product that holds a definition's pattern and
 * its constant factors (at least to their powers) holds the definition itself:
 * exp(z[m])·(Σⱼ exp(zⱼ))⁻² = p[m]·(Σⱼ exp(zⱼ))⁻¹. Used where the definition's pattern
 * is a function (softmax), whose derivatives reproduce it.
 */
export function foldProduct(n: Node, folds: readonly ElementFoldLike[]): Node | undefined {
  for (const f of folds) {
    if (!f.product) continue;
    for (const { e, pattern } of candidates(n, f)) {
      const k = n.args.findIndex((x) => key(x) === pattern);
      if (k < 0) continue;
      const factors = n.args.filter((_, j) => j !== k);
      const taken = takeFactors(factors, f.rest);
      if (taken) return mul(node('read', [e], { name: f.name }), ...taken);
    }
  }
  return undefined;
}

/** `have` with every factor of `need` divided out, or undefined where one is not there. */
function takeFactors(have: readonly Node[], need: readonly Node[]): Node[] | undefined {
  let left = [...have];
  for (const r of need) {
    const [base, e] = r.op === 'pow' && r.args[1]!.op === 'num' ? [r.args[0]!, r.args[1]!.attrs.value!] : [r, Q.ONE];
    if (base.op === 'num') {
      // a number to a power, cᵉ, is divided out as c^(−e) (was 1/c whatever e: 0.5^1.5
      // came out as a factor 2, found by fuzzing)
      left = [...left, Q.isOne(e) ? num(Q.div(Q.ONE, base.attrs.value!)) : node('pow', [base, num(Q.neg(e))])];
      continue;
    }
    const i = left.findIndex((x) => {
      const [b, p] = x.op === 'pow' && x.args[1]!.op === 'num' ? [x.args[0]!, x.args[1]!.attrs.value!] : [x, Q.ONE];
      return key(b) === key(base) && Q.cmp(Q.div(p, e), Q.ONE) >= 0;
    });
    if (i < 0) return undefined;
    const x = left[i]!;
    const p = x.op === 'pow' ? x.args[1]!.attrs.value! : Q.ONE;
    const remaining = Q.sub(p, e);
    left = left.filter((_, j) => j !== i);
    if (!Q.isZero(remaining)) left.push(node('pow', [base, num(remaining)]));
  }
  return left;
}

function findRead(n: Node, i: string): string | undefined {
  if (n.op === 'read' && n.args.length === 1 && n.args[0]!.op === 'idx' && n.args[0]!.attrs.name === i) return n.attrs.name;
  for (const a of n.args) {
    const r = findRead(a, i);
    if (r) return r;
  }
  return undefined;
}

function readsOf(n: Node, name: string, out: Node[] = []): Node[] {
  if (n.op === 'read' && n.attrs.name === name && n.args.length === 1) out.push(n.args[0]!);
  n.args.forEach((a) => readsOf(a, name, out));
  return out;
}
