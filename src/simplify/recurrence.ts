// Recurrences over a step index (issue 7: optimizers and their moving averages).
// A first-order linear recurrence with a constant coefficient,
//
//   v₀ = c,   v_t = a·v_{t−1} + b_t   (t ≥ 1, a free of t),
//
// has the closed form v_t = aᵗ·c + Σ_{k=1}^{t} a^{t−k}·b_k, by induction on t:
// a·(a^{t−1}·c + Σ_{k=1}^{t−1} a^{t−1−k}·b_k) + b_t is the same expression (Graham,
// Knuth & Patashnik, Concrete Mathematics §2.2, "solving recurrences" with the
// summation factor aᵗ). The form holds at t = 0 too (an empty sum), so one formula
// covers the whole index set 0..T. It is then simplified like any closed form, with one
// more rule, the geometric sum Σ_{m=M₀}^{M₁} aᵐ = a^{M₀}·(1 − a^{M₁−M₀+1})/(1 − a), for a
// base known not to be 1 (a number, or a constant whose value or assumption says so).
//
// The closed form becomes the tensor's body, which every later stage differentiates;
// the check evaluates the rule itself, step by step, against it (verify/gradcheck.ts).
import type { Tensor } from '../graph/graph.js';
import type { Affine } from '../indices/affine.js';
import { coefficientOf, constant, fromAffine, minus, plus, scale, toAffine, without } from '../indices/affine.js';
import type { Scope } from '../indices/prove.js';
import { decide } from '../indices/prove.js';
import type { Node } from '../ir/node.js';
import { add, allIndexNames, freeIndices, freshName, idx, isIndexExpr, key, mul, node, num, pow, readsAny, substIndices, sum } from '../ir/node.js';
import * as Q from '../ir/rational.js';
import { printText } from '../ops/printer.js';
import { located, SpecError } from '../syntax/errors.js';
import type { Step } from './pass.js';
import { simplify } from './pass.js';
import type { Rule } from './rules.js';
import { CLOSED_RULES } from './rules.js';

/** How a recurrence was solved: what the proof shows. */
export interface Solution {
  /** The coefficient a of v_{t−1}. */
  readonly coefficient: Node;
  /** The rest, b_t (free of v). */
  readonly forcing: Node;
  /** aᵗ·v₀ + Σ_{k=1}^{t} a^{t−k}·b_k, as constructed. */
  readonly unrolled: Node;
  /** The simplifier's steps from `unrolled` to the closed form (the tensor's body). */
  readonly steps: readonly Step[];
}

/** Every recurrence of the graph solved, in definition order; other tensors unchanged. */
export function solveRecurrences(tensors: ReadonlyMap<string, Tensor>, scope: Scope): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, t] of tensors) {
    if (!t.recurrence || t.body) {
      out.set(name, t);
      continue;
    }
    const { body, solution } = solve(t, out, scope);
    out.set(name, { ...t, body, recurrence: { ...t.recurrence, solution } });
  }
  return out;
}

function solve(t: Tensor, tensors: ReadonlyMap<string, Tensor>, scope: Scope): { body: Node; solution: Solution } {
  const r = t.recurrence!;
  const dim = t.dims[0]!;
  const ti = dim.index;
  const parts = linear(r.step, t.name);
  if (!parts) {
    throw new SpecError('range', `${t.name}[${ti}] is not linear in ${t.name}[${ti}-1], so it has no closed form here: write it as a·${t.name}[${ti}-1] + b with a free of ${t.name}`, t.span);
  }
  // the coefficient and the forcing term as they read (1·β + 0 is β), silently: the
  // proof starts from the unrolled sum
  const tidy = (n: Node): Node => simplify(n, { scope, rules: CLOSED_RULES }).result;
  const a = tidy(parts.a);
  if (freeIndices(a).has(ti)) {
    throw new SpecError('range', `the coefficient of ${t.name}[${ti}-1], ${printText(a)}, depends on ${ti}; only constant coefficients have a closed form here`, t.span);
  }
  const k = freshName('k', allIndexNames(r.step, new Set([ti])));
  const b = tidy(parts.b);
  const power = (e: Node): Node => (a.op === 'num' && Q.isOne(a.attrs.value!) ? num(1) : pow(a, e));
  const unrolled = add(
    mul(power(idx(ti)), r.init),
    sum(k, num(1), idx(ti), mul(power(add(idx(ti), mul(num(-1), idx(k)))), substIndices(b, new Map([[ti, idx(k)]])))),
  );
  const inScope: Scope = { ...scope, ranges: new Map(scope.ranges).set(ti, { lo: dim.lo, hi: dim.hi }) };
  const rules = [...CLOSED_RULES, geometric((base) => notOne(base, tensors))];
  const simplified = located(t.span, `the closed form of ${t.name}`, () => simplify(unrolled, { scope: inScope, rules }));
  return { body: simplified.result, solution: { coefficient: a, forcing: b, unrolled, steps: simplified.steps } };
}

/** {a, b} with n = a·prev + b, prev the reads of v (all v[t − 1]); undefined if n is not linear in them. */
function linear(n: Node, v: string): { a: Node; b: Node } | undefined {
  const self = new Set([v]);
  if (!readsAny(n, self)) return { a: num(0), b: n };
  if (n.op === 'read' && n.attrs.name === v) return { a: num(1), b: num(0) };
  if (n.op === 'add') {
    const parts = n.args.map((x) => linear(x, v));
    if (parts.some((p) => !p)) return undefined;
    return { a: add(...parts.map((p) => p!.a)), b: add(...parts.map((p) => p!.b)) };
  }
  if (n.op === 'mul') {
    const varying = n.args.filter((x) => readsAny(x, self));
    if (varying.length !== 1) return undefined;
    const inner = linear(varying[0]!, v);
    if (!inner) return undefined;
    const others = n.args.filter((x) => x !== varying[0]);
    return { a: mul(inner.a, ...others), b: mul(inner.b, ...others) };
  }
  return undefined;
}

/** A base that is provably not 1: a number, or a const whose value or assumption rules 1 out. */
function notOne(base: Node, tensors: ReadonlyMap<string, Tensor>): boolean {
  if (base.op === 'num') return !Q.isOne(base.attrs.value!);
  if (base.op !== 'read' || base.args.length) return false;
  const t = tensors.get(base.attrs.name!);
  if (t?.value?.op === 'num') return !Q.isOne(t.value.attrs.value!);
  const a = t?.assumption;
  if (!a || a.bound.op !== 'num') return false;
  const c = Q.cmp(a.bound.attrs.value!, Q.ONE);
  // x < c with c ≤ 1, or x > c with c ≥ 1
  return ((a.rel === '<' || a.rel === '<=') && (c < 0 || (c === 0 && a.rel === '<'))) || ((a.rel === '>' || a.rel === '>=') && (c > 0 || (c === 0 && a.rel === '>')));
}

/**
 * Σ_{k=lo}^{hi} a^{s·k + c} (s = ±1, a free of k and not 1) = a^{M₀}·(1 − a^{M₁−M₀+1})/(1 − a),
 * where M₀..M₁ is the exponent's range: the geometric sum.
 */
export function geometric(isNotOne: (base: Node) => boolean): Rule {
  return {
    name: 'geometric-sum', math: 'Σ_{m=M₀}^{M₁} aᵐ = a^{M₀}·(1 − a^{M₁−M₀+1})/(1 − a), a ≠ 1', reason: 'a geometric sum', visible: true,
    ops: ['sum'],
    apply: (n, ctx) => {
      const [lo, hi, body] = n.args as [Node, Node, Node];
      const k = n.attrs.index!;
      if (body.op !== 'pow') return undefined;
      const [base, exponent] = body.args as [Node, Node];
      if (freeIndices(base).has(k) || !isNotOne(base) || !isIndexExpr(exponent)) return undefined;
      const e = toAffine(exponent);
      const [l, h] = [toAffine(lo), toAffine(hi)];
      if (!e || !l || !h) return undefined;
      const kk = key(idx(k));
      const s = coefficientOf(e, kk);
      if (!(Q.isOne(s) || Q.isOne(Q.neg(s)))) return undefined;
      // an empty range is allowed (lo = hi + 1: the sum is 0, and so is the formula)
      if (decide(lo, '<=', node('add', [hi, num(1)]), ctx.scope) !== true) return undefined;
      const at = (x: Affine): Node => fromAffine(plus(without(e, kk), scale(x, s)));
      const [m0, m1] = Q.isOne(s) ? [at(l), at(h)] : [at(h), at(l)];
      const count = fromAffine(plus(minus(toAffine(m1)!, toAffine(m0)!), constant(1)));
      const oneMinus = (x: Node): Node => add(num(1), mul(num(-1), x));
      return mul(pow(base, m0), oneMinus(pow(base, count)), pow(oneMinus(base), num(-1)));
    },
    explain: (b) => ['a geometric sum over ', idx(b.attrs.index!)],
  };
}

