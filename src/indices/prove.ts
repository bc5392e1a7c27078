// Deciding index inequalities symbolically. An index relation like m − k + 1 ≤ N − K + 1
// is proved by replacing each index variable with the end of its range that makes
// the claim hardest (its lower bound where its coefficient is positive, its upper
// bound where negative), recursively through ranges that depend on other indices,
// until only size symbols are left; then sizes ≥ their lower bounds, together with
// the facts that every declared range is non-empty (N − K ≥ 0 for a valid
// convolution), settle the sign. Sound, not complete: "not proved" keeps a bracket.
import type { Node, Rel } from '../ir/node.js';
import { allIndexNames, key as nodeKey, node } from '../ir/node.js';
import * as Q from '../ir/rational.js';
import type { Affine } from './affine.js';
import { constant, fromAffine, isConstant, minus, plus, scale, toAffine, without } from './affine.js';

export interface IndexRange {
  readonly lo: Node;
  readonly hi: Node;
}

/** What is known while deciding: the ranges of indices in scope and the size facts. */
export interface Scope {
  readonly ranges: ReadonlyMap<string, IndexRange>;
  /** Affine expressions over sizes known to be ≥ 0. */
  readonly facts: readonly Affine[];
  /** Lower bound of each size symbol (1 unless `size n >= k` says more). */
  readonly sizeMin: ReadonlyMap<string, bigint>;
}


export function withRange(scope: Scope, index: string, range: IndexRange): Scope {
  return { ...scope, ranges: new Map(scope.ranges).set(index, range) };
}

/**
 * Every index name a scope speaks of: those with a range and those in its bounds. A
 * fresh index given a range in this scope must avoid all of them, or its bounds capture
 * an outer index of the same name (found by the fuzz campaign: a fresh q in a sum whose
 * range was max(1, q − 1)..min(6, q) made a bracket on q decide itself).
 */
export function scopeNames(scope: Scope, out: Set<string> = new Set()): Set<string> {
  for (const [name, r] of scope.ranges) {
    out.add(name);
    allIndexNames(r.lo, out);
    allIndexNames(r.hi, out);
  }
  return out;
}

const MAX_DEPTH = 24; // substitution steps in one proof: a bound on work, not on time

/**
 * Answers already given in a scope (scopes are immutable): the simplifier asks the same
 * relation again on every pass to its fixpoint, and a proof through the facts is the
 * costliest thing it does (profiled: 80% of deriving mse-loss.layer).
 */
const answers = new Map<string, Map<string, boolean>>();
const MAX_SCOPES = 4096; // scopes remembered before the table is emptied (memory, not results)
const signatures = new WeakMap<Scope, string>();

/** Equal scopes (the same ranges, facts and size bounds) share their answers. */
function signature(scope: Scope): string {
  let s = signatures.get(scope);
  if (s === undefined) {
    const ranges = [...scope.ranges].map(([i, r]) => `${i}:${nodeKey(r.lo)}..${nodeKey(r.hi)}`).sort().join(';');
    s = `${ranges}|${scope.facts.map(affineKey).join(';')}|${[...scope.sizeMin].map(([k, v]) => `${k}>=${v}`).sort().join(';')}`;
    signatures.set(scope, s);
  }
  return s;
}

const affineKey = (e: Affine): string =>
  [...e.terms].map(([k, [, c]]) => `${k}*${c.n}/${c.d}`).sort().join('+') + `+${e.c.n}/${e.c.d}`;

/** Forgets every remembered answer (benchmarks time a derivation without them). */
export function forgetProofs(): void {
  answers.clear();
}

/** Proves e ≥ 0 for every value of the indices in scope and all admissible sizes. */
export function proveNonNeg(e: Affine, scope: Scope, depth = 0): boolean {
  if (depth !== 0) return proveUncached(e, scope, depth);
  const sig = signature(scope);
  let known = answers.get(sig);
  if (!known) {
    if (answers.size >= MAX_SCOPES) answers.clear();
    answers.set(sig, (known = new Map()));
  }
  const k = affineKey(e);
  const hit = known.get(k);
  if (hit !== undefined) return hit;
  const result = proveUncached(e, scope, depth);
  known.set(k, result);
  return result;
}

function proveUncached(e: Affine, scope: Scope, depth: number): boolean {
  // An integer e is ≥ 0 as soon as e > −1: the bounds of ⌊x/k⌋ are fractional, so
  // this is what lets 1 ≤ ⌊(m + 1)/2⌋ follow from m ≥ 1.
  const target = isIntegral(e) ? plus(e, constant(Q.rat(INTEGER_SLACK - 1n, INTEGER_SLACK))) : e;
  // facts are over sizes: they are combined where the elimination ends (eliminate's
  // leaves), not tried before it as well (that was F² eliminations per question)
  return eliminate(target, scope, depth + 1);
}

const INTEGER_SLACK = 10n ** 12n; // 1 − 10⁻¹² of slack: far below any bound's fractional step

function isIntegral(e: Affine): boolean {
  return Q.isInteger(e.c) && [...e.terms.values()].every(([, c]) => Q.isInteger(c));
}

function eliminate(e: Affine, scope: Scope, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  const pick = pickAtom(e);
  if (!pick) return withFacts(e, scope, (r) => sizesNonNeg(r, scope));
  const [k, atom, c] = pick;
  const rest = without(e, k);
  const lower = Q.cmp(c, Q.ZERO) > 0; // we need a lower bound of the atom
  const via = (bound: Node | Affine): boolean => {
    const b = 'terms' in bound ? bound : toAffine(bound);
    return b !== undefined && eliminate(plus(rest, scale(b, c)), scope, depth + 1);
  };
  switch (atom.op) {
    case 'idx': {
      const r = scope.ranges.get(atom.attrs.name!);
      return r !== undefined && via(lower ? r.lo : r.hi);
    }
    case 'max':
      return lower ? atom.args.some(via) : atom.args.every(via);
    case 'min':
      return lower ? atom.args.every(via) : atom.args.some(via);
    case 'floordiv': {
      // k·⌊x/k⌋ ∈ [x − k + 1, x]
      const x = toAffine(atom.args[0]!);
      const kk = atom.args[1]!.attrs.value!;
      if (!x) return false;
      const top = scale(x, Q.div(Q.ONE, kk));
      return via(lower ? plus(top, constant(Q.div(Q.sub(Q.ONE, kk), kk))) : top);
    }
    case 'mod':
      return via(lower ? constant(0) : constant(Q.sub(atom.args[1]!.attrs.value!, Q.ONE)));
    case 'mul':
      // a product of sizes, each ≥ 1, is ≥ 1 and has no upper bound
      return lower && via(constant(1));
    default:
      return false;
  }
}

/** The first atom that is not a size symbol, index variables first. */
function pickAtom(e: Affine): [string, Node, Q.Rational] | undefined {
  let other: [string, Node, Q.Rational] | undefined;
  for (const [k, [atom, c]] of e.terms) {
    if (atom.op === 'idx') return [k, atom, c];
    if (atom.op !== 'size' && !other) other = [k, atom, c];
  }
  return other;
}

/** Tries e − Σλ·fact for small multipliers over at most two facts. */
function withFacts(e: Affine, scope: Scope, test: (r: Affine) => boolean): boolean {
  if (test(e)) return true;
  const fs = scope.facts;
  const lambdas = [Q.ONE, Q.rat(2)];
  for (let i = 0; i < fs.length; i++) {
    for (const li of lambdas) {
      const ri = minus(e, scale(fs[i]!, li));
      if (test(ri)) return true;
      for (let j = i + 1; j < fs.length; j++) {
        for (const lj of lambdas) if (test(minus(ri, scale(fs[j]!, lj)))) return true;
      }
    }
  }
  return false;
}

function sizesNonNeg(e: Affine, scope: Scope): boolean {
  let low = e.c;
  for (const [atom, c] of e.terms.values()) {
    if (atom.op !== 'size' || Q.cmp(c, Q.ZERO) < 0) return false;
    low = Q.add(low, Q.mul(c, Q.rat(scope.sizeMin.get(atom.attrs.name!) ?? 1n)));
  }
  return Q.cmp(low, Q.ZERO) >= 0;
}

/** true / false when the relation is decided for the whole scope, undefined when not. */
export function decide(a: Node, rel: Rel, b: Node, scope: Scope): boolean | undefined {
  const x = toAffine(a);
  const y = toAffine(b);
  if (!x || !y) return undefined;
  const d = minus(y, x); // b − a
  const ge = (v: Affine): boolean => proveNonNeg(v, scope);
  const one = constant(1);
  switch (rel) {
    case '<=':
      return ge(d) ? true : ge(minus(scale(d, Q.rat(-1)), one)) ? false : undefined;
    case '<':
      return ge(minus(d, one)) ? true : ge(scale(d, Q.rat(-1))) ? false : undefined;
    case '>=':
      return decide(b, '<=', a, scope);
    case '>':
      return decide(b, '<', a, scope);
    case '=': {
      if (isConstant(d)) return Q.isZero(d.c);
      return ge(minus(d, one)) || ge(minus(scale(d, Q.rat(-1)), one)) ? false : undefined;
    }
    case '!=': {
      const r = decide(a, '=', b, scope);
      return r === undefined ? undefined : !r;
    }
  }
}

/** max(a, b) or min(a, b) of index expressions, resolved where the scope decides it. */
export function minMax(op: 'max' | 'min', a: Node, b: Node, scope: Scope): Node {
  // a ≥ b everywhere, or b ≥ a everywhere (each may hold where the other is undecided)
  if (decide(a, '>=', b, scope) === true) return op === 'max' ? a : b;
  if (decide(b, '>=', a, scope) === true) return op === 'max' ? b : a;
  const x = toAffine(a);
  const y = toAffine(b);
  if (x && y) return fromAffine(toAffine(node(op, [fromAffine(x), fromAffine(y)]))!);
  return node(op, [a, b]);
}
