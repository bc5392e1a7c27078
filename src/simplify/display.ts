// The display form of an expression: the same value, written as a person would
// write it for reading, with common factors taken out and terms that share a factor
// grouped: ½·(∂L/∂y[1]·(x[1] + x[2]) + ∂L/∂y[2]·(x[3] + x[4])) rather than four
// terms each over 2. It is for people only: proofs and checks keep the canonical
// form, and every display form is checked numerically against it before use.
//
// How: nerdamer multiplies the expression out into monomials over opaque atoms
// (reads, adjoints, whole sums, bases of roots; see nerdamer.ts); then, recursively,
// the common coefficient and the common atoms at their smallest exponent come out,
// nerdamer's factor is asked about what remains (it finds (a + b)·(c − d)), and
// otherwise the terms sharing the most frequent atom are grouped (greedy, as one
// collects by hand).
import type { Node, OpName } from '../ir/node.js';
import { add, key, mul, num, pow } from '../ir/node.js';
import type { Rational } from '../ir/rational.js';
import * as Q from '../ir/rational.js';
import { floatField } from '../numeric/float.js';
import { Rng } from '../numeric/random.js';
import type { Env, Evaluate } from '../ops/op.js';
import { opOf } from '../ops/registry.js';
import { printText } from '../ops/printer.js';
import { canonicalAdd, canonicalMul, canonicalPow } from './algebra.js';
import type { Monomial } from './nerdamer.js';
import { expandTerms, factorTerms } from './nerdamer.js';

const width = (n: Node): number => [...printText(n)].length;

/** A form that does not open with a minus sign reads better: γ·(n·ȳ − …), not −γ·(… − n·ȳ). */
const minus = (n: Node): number => (printText(n).startsWith('−') ? 1 : 0);

/** Fraction bars: one common denominator reads better than fractions inside fractions. */
const bars = (n: Node): number => [...printText(n)].filter((c) => c === '/').length;

/** How deeply parentheses nest in the printed form: flatter reads easier. */
function depth(n: Node): number {
  let d = 0;
  let max = 0;
  for (const ch of printText(n)) max = Math.max(max, (d += ch === '(' ? 1 : ch === ')' ? -1 : 0));
  return max;
}

/**
 * A nicer form of n with the same value, or n itself. A candidate is accepted only
 * if `check(n, candidate)` passes (nerdamer is never trusted unchecked) and it
 * prints no longer than n. Inputs beyond nerdamer.ts's LIMITS come back unchanged.
 */
export function displayForm(n: Node, check: (a: Node, b: Node) => boolean): Node {
  const poly = expandTerms(n);
  if (!poly || poly.terms.length < 2) return n;
  // Each way of taking denominators out gives a candidate; the flattest, then the
  // shortest, that passes the check wins.
  const budget = { factor: FACTOR_CALLS };
  const candidates = PULLS
    .map((pull) => new Grouper(poly.atoms, pull, budget).group(poly.terms))
    .filter((c) => key(c) !== key(n))
    .sort((a, b) => depth(a) - depth(b) || bars(a) - bars(b) || minus(a) - minus(b) || width(a) - width(b)); // stable: ties keep PULLS order
  return candidates.find((c) => width(c) <= width(n) && check(n, c)) ?? n;
}

// How a denominator (an atom with exponents ≤ 0) comes out: at its lowest power, a
// common denominator (n·∂L/∂y[m] − …)/n, leaving a polynomial nerdamer can factor;
// or at the power nearest zero, only where every term has it. The textbook batch-norm
// form takes 1/n as a common denominator but only 1/√(σ² + ε), hence four mixes.
type Pull = { readonly integers: 'lowest' | 'nearest'; readonly roots: 'lowest' | 'nearest' };
const PULLS: readonly Pull[] = [
  { integers: 'lowest', roots: 'nearest' },
  { integers: 'lowest', roots: 'lowest' },
  { integers: 'nearest', roots: 'nearest' },
  { integers: 'nearest', roots: 'lowest' },
];

// nerdamer's factor takes up to ~0.3 s within its LIMITS; a display form asks it at
// most this often (a count, not a clock, so the result does not depend on the machine).
const FACTOR_CALLS = 24;

const isElement = (a: Node): boolean => (a.op === 'read' || a.op === 'adj') && a.args.length > 0;

class Grouper {
  constructor(
    private readonly atoms: readonly Node[],
    private readonly pull: Pull,
    private readonly budget: { factor: number },
  ) {}

  /** c·Π atom^p as a Node, in canonical order. */
  private mono(t: Monomial): Node {
    const fs = [...t.powers].map(([i, p]) => (Q.isOne(p) ? this.atoms[i]! : canonicalPow(pow(this.atoms[i]!, num(p)))));
    return canonicalMul(mul(num(t.coef), ...fs));
  }

  /** Σ terms, with the common factor out and the rest grouped. */
  group(ts: readonly Monomial[]): Node {
    if (ts.length === 0) return num(0);
    if (ts.length === 1) return this.mono(ts[0]!);
    const c = this.common(ts);
    const rest = ts.map((t) => divide(t, c));
    return canonicalMul(mul(this.mono(c), this.groupSum(rest)));
  }

  /**
   * The common factor: the gcd of the coefficients, every atom that all terms have
   * with a positive exponent (at its smallest), and the denominators as `pull` says.
   * Its sign leaves most terms inside positive; on a tie, a term with an element
   * (x[m], ∂L/∂y[m]) is positive: x[m] − μ rather than μ − x[m].
   */
  private common(ts: readonly Monomial[]): Monomial {
    let n = 0n;
    let d = 1n;
    for (const t of ts) {
      n = gcd(n, t.coef.n);
      d = (d * t.coef.d) / gcd(d, t.coef.d);
    }
    const neg = ts.filter((t) => t.coef.n < 0n).length;
    const lead = (t: Monomial): boolean => [...t.powers].some(([i, p]) => p.n > 0n && isElement(this.atoms[i]!));
    const leaders = ts.some(lead) ? ts.filter(lead) : ts;
    const flip = 2 * neg > ts.length || (2 * neg === ts.length && leaders.every((t) => t.coef.n < 0n));
    const powers = new Map<number, Rational>();
    const seen = new Set(ts.flatMap((t) => [...t.powers.keys()]));
    for (const i of seen) {
      const ps = ts.map((t) => t.powers.get(i) ?? Q.ZERO);
      if (ps.every((p) => p.n >= 0n)) {
        if (ps.every((p) => p.n > 0n)) powers.set(i, ps.reduce((a, b) => (Q.cmp(a, b) < 0 ? a : b)));
      } else if (ps.every((p) => p.n <= 0n)) {
        // a denominator: the lowest power (a common denominator) or the nearest zero
        const fractional = ps.some((p) => !Q.isInteger(p));
        const lowest = ps.reduce((a, b) => (Q.cmp(a, b) < 0 ? a : b));
        const nearest = ps.reduce((a, b) => (Q.cmp(a, b) > 0 ? a : b));
        const e = (fractional ? this.pull.roots : this.pull.integers) === 'lowest' ? lowest : nearest;
        if (!Q.isZero(e)) powers.set(i, e);
      }
    }
    return { coef: Q.rat(flip ? -n : n, d), powers };
  }

  /** A sum without a common factor: factored by nerdamer if it can, else grouped. */
  private groupSum(ts: readonly Monomial[]): Node {
    const polynomial = ts.every((t) => [...t.powers.values()].every((p) => p.d === 1n && p.n > 0n));
    const f = polynomial && this.budget.factor-- > 0 ? factorTerms({ atoms: this.atoms, terms: ts }) : undefined;
    const real = f?.factors.filter((x) => x.terms.length > 1) ?? [];
    if (f && real.length && f.factors.reduce((s, x) => s + x.exp, 0) > 1) {
      const parts = f.factors.map((x) => {
        const g = this.group(x.terms);
        return x.exp === 1 ? g : pow(g, num(x.exp));
      });
      return canonicalMul(mul(num(f.coef), ...parts));
    }
    // Greedy collection: the atom (with the sign of its exponent) shared by most terms.
    const count = new Map<string, number>();
    for (const t of ts) {
      for (const [i, p] of t.powers) {
        const k = `${i}${p.n > 0n ? '+' : '-'}`;
        count.set(k, (count.get(k) ?? 0) + 1);
      }
    }
    let best: string | undefined;
    for (const [k, c] of count) if (c >= 2 && c < ts.length && (!best || c > count.get(best)!)) best = k;
    if (!best) return canonicalAdd(add(...ts.map((t) => this.mono(t))));
    const i = Number(best.slice(0, -1));
    const positive = best.endsWith('+');
    const has = (t: Monomial): boolean => t.powers.has(i) && t.powers.get(i)!.n > 0n === positive;
    return canonicalAdd(add(this.group(ts.filter(has)), this.group(ts.filter((t) => !has(t)))));
  }
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function divide(t: Monomial, c: Monomial): Monomial {
  const powers = new Map(t.powers);
  for (const [i, p] of c.powers) {
    const q = Q.sub(powers.get(i) ?? Q.ZERO, p);
    if (Q.isZero(q)) powers.delete(i);
    else powers.set(i, q);
  }
  return { coef: Q.div(t.coef, c.coef), powers };
}

// ---------------------------------------------------------------------------
// The numeric check. Elements, adjoints, sizes, indices and whole sums (and the
// other binders, brackets and integer ops) are atoms with random values keyed by
// their structure: the display form never looks inside them, so equal atoms stay
// equal, and the check needs no graph. Arithmetic and functions evaluate through
// the op registry in float64.
const ATOMS: ReadonlySet<OpName> = new Set<OpName>(['read', 'adj', 'size', 'idx', 'sum', 'maxr', 'argfirst', 'iverson', 'floordiv', 'mod']);
const POINTS = 4; // points where a is defined that must agree…
const TRIES = 24; // …out of this many tries (roots of negative atoms are skipped)

/**
 * a = b at random points in float64, to a relative 1e-9 (plus 1e-12 absolute, for
 * values that cancel to rounding noise). Even points draw atoms in [0.5, 2); odd
 * points give them random signs too, so |a| = a and the like cannot pass. Points
 * where a is undefined are skipped; b undefined where a is defined fails.
 */
export function numericallyEqual(a: Node, b: Node, seed: number | string = 'display'): boolean {
  const rng = new Rng(seed);
  let agreed = 0;
  for (let p = 0; p < TRIES && agreed < POINTS; p++) {
    const point = rng.fork(`point ${p}`);
    const value = (n: Node): number => {
      const r = point.fork(key(n));
      const x = r.uniform(0.5, 2);
      return p % 2 === 1 && r.next() < 0.5 ? -x : x;
    };
    const x = valueAt(a, value);
    if (x === undefined || !Number.isFinite(x)) continue;
    const y = valueAt(b, value);
    if (y === undefined || !Number.isFinite(y)) return false;
    if (Math.abs(x - y) > 1e-9 * Math.max(Math.abs(x), Math.abs(y)) + 1e-12) return false;
    agreed++;
  }
  return agreed >= POINTS;
}

function valueAt(n: Node, atom: (n: Node) => number): number | undefined {
  const nothing = (): never => {
    throw new RangeError('atoms are drawn, not looked up');
  };
  const env: Env<number> = { F: floatField, size: nothing, index: nothing, bind: nothing, tensor: nothing, adjoint: nothing, kink: () => {} };
  const ev: Evaluate = <T>(m: Node, e: Env<T>): T => (ATOMS.has(m.op) ? e.F.fromNumber(atom(m)) : opOf(m.op).evaluate(m, e, ev));
  try {
    return ev(n, env);
  } catch {
    return undefined;
  }
}
