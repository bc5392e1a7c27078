// The rule table: each rule is one line of math, the reason a proof gives for it,
// and the function that applies it (tinygrad's symbolic.py: rules are data).
// Three sets: the local form keeps the hand-derivation shape (delta collapse and
// constants out of sums only), the closed form uses every rule, and the elementwise
// form also writes out sums over concrete ranges.
import { normalizeIndex, toAffine } from '../indices/affine.js';
import type { Scope } from '../indices/prove.js';
import { decide, minMax } from '../indices/prove.js';
import type { Node } from '../ir/node.js';
import { idx, isIndexExpr, isNum, key, node, num, withArgs } from '../ir/node.js';
import * as Q from '../ir/rational.js';
import { holds } from '../ops/iverson.js';
import { canonicalAdd, canonicalMul, canonicalPow, expand, sqrtAsPower } from './algebra.js';
import { digits } from './digits.js';
import { parityBrackets, parityMerge } from './parity.js';
import { alphaKey, collapse, constantsOut, floorBracket, foldProduct, narrow, refold, singlePoint, split, unroll } from './sums.js';

/** A scalar definition whose body is c·Σ…, folded back where that sum appears. */
export interface Fold {
  readonly sumKey: string;
  /** What the sum equals: (1/c)·name. */
  readonly replacement: Node;
  readonly name: string;
}

/**
 * An elementwise definition D[i] = F(i)·c with c free of i, such as
 * x̂[i] = (x[i] − μ)·(σ² + ε)^(−1/2): wherever F(e) appears it is D[e]·c⁻¹.
 */
export interface ElementFold {
  readonly name: string;
  readonly index: string;
  /** F(i), an add over idx(index). */
  readonly pattern: Node;
  /** c⁻¹, the factor that comes with D[e]; absent where c contains F again (softmax). */
  readonly compensation?: Node;
  /** c as factors: where a product holds F(e) and all of them, it holds D[e]. */
  readonly rest: readonly Node[];
  /** Whether products are folded too (function patterns: softmax's exp(zᵢ)). */
  readonly product?: boolean;
}

export interface RuleContext {
  readonly scope: Scope;
  readonly folds: ReadonlyMap<string, Fold>;
  readonly elementFolds: readonly ElementFold[];
  /** Longest concrete sum written out term by term (0: never). */
  readonly unrollLimit: number;
  /** Names of declared constants (ε), written last in a sum of terms. */
  readonly constants: ReadonlySet<string>;
  /** Each tensor's index set where it is concrete (for elementwise forms): lo..hi per dimension. */
  readonly extents?: ReadonlyMap<string, readonly (readonly [bigint, bigint])[]>;
}

/** Why a step holds, in words and formulas: ['the sum over ', idx(i), ' is linear']. */
export type Reason = readonly (string | Node)[];

export interface Rule {
  readonly name: string;
  /** The rule in one line of math. */
  readonly math: string;
  /** How a proof names the step. */
  readonly reason: string;
  /** Bookkeeping (flattening, ordering) is done silently; the rest is shown. */
  readonly visible: boolean;
  readonly ops: readonly Node['op'][];
  apply(n: Node, ctx: RuleContext): Node | undefined;
  /** The reason for one application, naming what it acted on (default: `reason`). */
  explain?(before: Node, after: Node): Reason;
}

const over = (n: Node): Node => idx(n.attrs.index!);
const readsIn = (n: Node, out: Node[] = []): Node[] => {
  if (n.op === 'read') out.push(n);
  else n.args.forEach((a) => readsIn(a, out));
  return out;
};
/** Brackets of `before`'s body that `after` no longer has: what a narrowed range absorbed. */
const absorbed = (before: Node, after: Node): Node[] => {
  const kept = new Set((after.op === 'sum' ? factorsOf(after.args[2]!) : []).map(key));
  return factorsOf(before.args[2]!).filter((f) => f.op === 'iverson' && !kept.has(key(f)));
};
const factorsOf = (n: Node): readonly Node[] => (n.op === 'mul' ? n.args : [n]);

const INDEXED = ['read', 'adj', 'iverson', 'sum', 'maxr', 'argfirst', 'floordiv', 'mod', 'max', 'min'] as const;

export const RULES = {
  mulCanon: {
    name: 'mul-canon', math: 'a·1 = a, a·0 = 0, aᵖ·aᵠ = aᵖ⁺ᵠ, numbers multiplied', reason: 'collect factors', visible: false,
    ops: ['mul'], apply: (n) => canonicalMul(n),
  },
  addCanon: {
    name: 'add-canon', math: 'a + 0 = a, c·x + d·x = (c + d)·x', reason: 'collect like terms', visible: true,
    ops: ['add'], apply: (n, ctx) => canonicalAdd(n, ctx.constants),
  },
  powCanon: {
    name: 'pow-canon', math: 'a⁰ = 1, a¹ = a, (aᵖ)^q = a^(pq), (ab)^k = aᵏbᵏ', reason: 'powers combined', visible: false,
    ops: ['pow'], apply: (n) => canonicalPow(n),
  },
  sqrtPower: {
    name: 'sqrt-power', math: '√a = a^(1/2)', reason: 'roots written as powers', visible: false,
    ops: ['sqrt'], apply: (n) => sqrtAsPower(n),
  },
  indexArith: {
    name: 'index-arith', math: 'index expressions in the affine normal form c₀ + Σ cₖ·iₖ', reason: 'index arithmetic', visible: false,
    ops: INDEXED, apply: (n) => withArgs(n, n.args.map((a) => (isIndexExpr(a) ? normalizeIndex(a) : a))),
  },
  minMax: {
    name: 'index-min-max', math: 'max(a, b) = a when a ≥ b over the whole range', reason: 'bounds compared', visible: true,
    ops: ['max', 'min'],
    apply: (n, ctx) => (isIndexExpr(n) ? minMax(n.op as 'max' | 'min', n.args[0]!, n.args[1]!, ctx.scope) : undefined),
  },
  bracket: {
    name: 'bracket', math: '[P] = 1 when P holds over the ranges, 0 when it never does', reason: 'the condition always (or never) holds in the index ranges', visible: true,
    ops: ['iverson'], apply: (n, ctx) => decideBracket(n, ctx.scope),
    explain: (b, a) => [b, isNum(a, 1) ? ' holds everywhere in the index ranges' : ' never holds in the index ranges'],
  },
  sumZero: {
    name: 'sum-zero', math: 'Σᵢ 0 = 0', reason: 'a sum of zeros', visible: true,
    ops: ['sum'], apply: (n) => (isNum(n.args[2]!, 0) ? num(0) : undefined),
  },
  constantsOut: {
    name: 'constants-out', math: 'Σᵢ c·f(i) = c·Σᵢ f(i);  Σ_{i=lo}^{hi} c = (hi − lo + 1)·c', reason: 'constant factor taken out of the sum', visible: true,
    ops: ['sum'], apply: (n, ctx) => constantsOut(n, ctx.scope),
    explain: (b) => ['constant factor taken out of the sum over ', over(b)],
  },
  collapse: {
    name: 'delta-collapse', math: 'Σ_{i=lo}^{hi} f(i)·[a·i + b = 0] = f(i₀)·[a | b]·[lo ≤ i₀ ≤ hi], i₀ = −b/a', reason: 'the Kronecker delta collapses the sum', visible: true,
    ops: ['sum'], apply: (n) => collapse(n),
    explain: (b) => ['the Kronecker delta collapses the sum over ', over(b)],
  },
  digits: {
    name: 'digit-collapse', math: 'Σ_{f} g(f)·[⌊(f − 1)/k⌋ + 1 = m]·[(f − 1) mod k + 1 = r] = g(k·(m − 1) + r)·[lo ≤ … ≤ hi]', reason: 'the brackets read the digits of the index, and digits fix it (checked for each of its values)', visible: true,
    ops: ['sum'], apply: (n, ctx) => digits(n, ctx.scope),
    explain: (b) => ['the brackets read the mixed-radix digits of ', over(b), ', which fix it (checked for each of its values)'],
  },
  floorBracket: {
    name: 'floor-bracket', math: '[⌊u/k⌋ = t] = [k·t ≤ u ≤ k·t + k − 1]', reason: 'a floor division matches a whole window of indices', visible: true,
    ops: ['iverson'], apply: (n) => floorBracket(n),
  },
  singlePoint: {
    name: 'single-point', math: 'Σ_{i=a}^{a} f(i) = f(a)', reason: 'a sum over one index value', visible: true,
    ops: ['sum'], apply: (n) => singlePoint(n),
  },
  split: {
    name: 'sum-split', math: 'Σᵢ (a + b) = Σᵢ a + Σᵢ b', reason: 'the sum is linear', visible: true,
    ops: ['sum'], apply: (n) => split(n),
    explain: (b) => ['the sum over ', over(b), ' is linear'],
  },
  narrow: {
    name: 'narrow-range', math: 'Σ_{i=lo}^{hi} f·[i ≤ e] = Σ_{i=lo}^{min(hi, e)} f', reason: 'boundary: the bracket narrows the range of the sum', visible: true,
    ops: ['sum'], apply: (n, ctx) => narrow(n, ctx.scope),
    explain: (b, a) => ['boundary: the sum over ', over(b), ' keeps only the terms where ', ...absorbed(b, a).flatMap((f, i) => (i ? [' and ', f] : [f]))],
  },
  fold: {
    name: 'fold-definition', math: 'Σᵢ xᵢ = n·μ where μ = Σᵢ xᵢ/n', reason: 'a definition recognised: the sum is n times the mean', visible: true,
    ops: ['sum'], apply: (n, ctx) => ctx.folds.get(alphaKey(n))?.replacement,
    explain: (b, a) => [b, ' = ', a, ' by the definition of ', ...readsIn(a).slice(0, 1)],
  },
  refold: {
    name: 'fold-element', math: 'xᵢ − μ = x̂ᵢ·√(σ² + ε) where x̂ᵢ = (xᵢ − μ)/√(σ² + ε)', reason: 'a definition recognised: written through the named intermediate', visible: true,
    ops: ['add', 'exp', 'log', 'sqrt', 'tanh', 'sigmoid', 'sin', 'cos', 'abs', 'relu'], apply: (n, ctx) => refold(n, ctx.elementFolds),
    explain: (b, a) => [b, ' written through ', ...readsIn(a).slice(0, 1), ', by its definition'],
  },
  foldProduct: {
    name: 'fold-product', math: 'exp(zᵢ)·(Σⱼ exp(zⱼ))⁻¹ = pᵢ where pᵢ = exp(zᵢ)/Σⱼ exp(zⱼ)', reason: 'a definition recognised in a product', visible: true,
    ops: ['mul'], apply: (n, ctx) => foldProduct(n, ctx.elementFolds),
    explain: (b, a) => [b, ' contains ', ...readsIn(a).filter((r) => !readsIn(b).some((x) => key(x) === key(r))).slice(0, 1), ', by its definition'],
  },
  parityBrackets: {
    name: 'parity-brackets', math: '[2 ∣ m]·[1 ≤ ⌊m/2⌋] = [2 ∣ m] for m ≥ 1: with m = 2q, q ≥ 1', reason: 'the divisibility bracket decides another bracket', visible: true,
    ops: ['mul'], apply: (n, ctx) => parityBrackets(n, ctx.scope),
  },
  parityMerge: {
    name: 'parity-merge', math: 'f(⌊(u + 1)/2⌋)·[2 ∣ u + 1] + f(⌊u/2⌋)·[2 ∣ u] = f(⌈u/2⌉)', reason: 'the odd and the even case together', visible: true,
    ops: ['add'], apply: (n) => parityMerge(n),
  },
  expand: {
    name: 'expand', math: 'a·(b + c) = a·b + a·c', reason: 'multiplied out', visible: true,
    ops: ['mul'], apply: (n) => expand(n),
  },
  padding: {
    name: 'padding', math: 'x[c]? = x[c] for c in the index set of x, 0 outside it (zero padding)', reason: 'a padded read at a concrete index: the element inside the index set, 0 outside it', visible: true,
    ops: ['read', 'adj'], apply: (n, ctx) => paddedRead(n, ctx.extents),
  },
  unroll: {
    name: 'write-out', math: 'Σ_{i=1}^{3} f(i) = f(1) + f(2) + f(3)', reason: 'the sum written out for concrete sizes', visible: true,
    ops: ['sum'], apply: (n, ctx) => (ctx.unrollLimit > 0 ? unroll(n, ctx.unrollLimit) : undefined),
  },
} as const satisfies Record<string, Rule>;

/** x[c]? at concrete indices c: x[c] inside x's index set, 0 outside (read.ts, adj.ts). */
function paddedRead(n: Node, extents: RuleContext['extents']): Node | undefined {
  const ext = n.attrs.guarded ? extents?.get(n.attrs.name!) : undefined;
  if (!ext || ext.length !== n.args.length) return undefined;
  const at: bigint[] = [];
  for (const a of n.args) {
    if (a.op !== 'num' || a.attrs.value!.d !== 1n) return undefined;
    at.push(a.attrs.value!.n);
  }
  if (at.some((c, d) => c < ext[d]![0] || c > ext[d]![1])) return num(0);
  const { guarded: _guarded, ...attrs } = n.attrs;
  return node(n.op, n.args, attrs, n.span);
}

function decideBracket(n: Node, scope: Scope): Node | undefined {
  const [a, b] = n.args as [Node, Node];
  if (a.op === 'num' && b.op === 'num') return num(holds(Q.cmp(a.attrs.value!, b.attrs.value!) as -1 | 0 | 1, n.attrs.rel!) ? 1 : 0);
  if (!isIndexExpr(a) || !isIndexExpr(b) || !toAffine(a) || !toAffine(b)) return undefined;
  const r = decide(a, n.attrs.rel!, b, scope);
  return r === undefined ? undefined : num(r ? 1 : 0);
}

const ALGEBRA: readonly Rule[] = [RULES.indexArith, RULES.mulCanon, RULES.addCanon, RULES.powCanon, RULES.bracket, RULES.minMax];
const SUMS_LOCAL: readonly Rule[] = [RULES.sumZero, RULES.collapse, RULES.digits, RULES.singlePoint, RULES.constantsOut];

export const LOCAL_RULES: readonly Rule[] = [RULES.sqrtPower, ...ALGEBRA, ...SUMS_LOCAL, RULES.foldProduct];
/**
 * A local derivative on its own: algebra only. Its Kronecker deltas stay, to collapse
 * once the consumer's sum is around them (INDEX-CALCULUS.md: ō[j]·Σ_k w[k]·[j + k − 1 = m]).
 */
export const WORK_RULES: readonly Rule[] = [RULES.sqrtPower, ...ALGEBRA, RULES.sumZero, RULES.constantsOut, RULES.foldProduct];
export const CLOSED_RULES: readonly Rule[] = [
  RULES.sqrtPower, ...ALGEBRA, RULES.floorBracket, RULES.sumZero, RULES.collapse, RULES.digits, RULES.singlePoint, RULES.fold, RULES.split, RULES.constantsOut, RULES.narrow,
  RULES.parityBrackets, RULES.parityMerge,
];
/** The last pass of a closed form: named intermediates written back in (x̂ for (x − μ)/√(σ² + ε)). */
export const REFOLD_RULES: readonly Rule[] = [RULES.sqrtPower, ...ALGEBRA, RULES.refold, RULES.foldProduct, RULES.constantsOut];
export const ELEMENT_RULES: readonly Rule[] = [...CLOSED_RULES, RULES.padding, RULES.unroll, RULES.expand];

