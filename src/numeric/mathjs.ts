// The arbitrary-precision field: mathjs BigNumber (decimal.js underneath). This is
// the ONLY module of the project that imports mathjs, so the dependency stays
// swappable and its surface stays auditable.
//
// Security note: we never hand text to mathjs (no evaluate/parse/compile), and the
// private instance below is built from the `bignumber` factory alone, so it does
// not even contain an expression parser. mathjs's expression language can call
// `config`, `import` and `createUnit`, which mutate the instance (precision, units,
// functions); parsing user text with it would let a derivation file silently change
// the precision of every later check. Numbers enter only as bigint/rational strings
// built by our own code.
//
// Loaded from mathjs's own single-file bundle (an export of its package.json), not its
// ESM entry: the entry evaluates some eight hundred modules and builds every function
// eagerly, 0.7 s of every command's start on the project's 2-core machine, where the
// bundle loads in 0.09 s (measured: `node -e "require('mathjs')"` against the bundle).
// Same version, same API; the types are the package's own.
import mathjsBundle from 'mathjs/lib/browser/math.js';
import type { BigNumber } from 'mathjs';
import type { Rational } from '../ir/rational.js';
import type { Field } from './field.js';
import { doubleToRational } from './float.js';

/** A value of the big field: a mathjs BigNumber (a decimal.js Decimal). */
export type Big = BigNumber;

// The typings of mathjs do not expose the BigNumber class of an instance, only the
// `bignumber` function (which goes through typed-function dispatch on every call).
// We reach the class through a value's constructor; this is the part we use.
interface BigCtor {
  new (x: string | number): Big;
  readonly precision: number;
}

const { bignumberDependencies, create } = mathjsBundle;

const cache = new Map<number, Field<Big>>();

/**
 * The field of `digits`-significant-digit decimals. Every operation rounds its
 * result to `digits` digits (ROUND_HALF_UP, mathjs's default); decimal.js is pure
 * JS integer-digit arithmetic, so results are identical on every machine.
 * Fields are cached per precision, as each one owns a private mathjs instance.
 */
export function bigField(digits = 64): Field<Big> {
  if (!Number.isInteger(digits) || digits < 1 || digits > 1e6) {
    throw new RangeError(`bigField: digits must be an integer in [1, 1e6], got ${digits}`);
  }
  let field = cache.get(digits);
  if (!field) {
    field = makeBigField(digits);
    cache.set(digits, field);
  }
  return field;
}

/** Arguments remembered per function before its table is emptied (memory, not results). */
const REMEMBERED = 65536;

function makeBigField(digits: number): Field<Big> {
  // A private instance: its config (precision) cannot be changed by anyone else
  // creating or configuring mathjs elsewhere, and ours never leaks out.
  // Configured after creation: the bundle's `create` ignores a precision passed with
  // the factories once another instance exists (test/numeric-field.test.ts catches it).
  const math = create({ bignumberDependencies });
  math.config({ number: 'BigNumber', precision: digits });
  const Ctor = math.bignumber(0).constructor as unknown as BigCtor;
  if (Ctor.precision !== digits) throw new Error('mathjs did not apply the requested precision');

  // Transcendental functions remembered by argument: a finite-difference pass nudges one
  // element and recomputes its tensor's others with the same arguments, and a 64-digit
  // exp costs ~100 multiplications (profiled: 60% of checking activations.layer). Pure
  // functions of exact decimals, so the values are the same either way.
  const remembered = <A extends unknown[]>(f: (...args: A) => Big, keyOf: (...args: A) => string): ((...args: A) => Big) => {
    const table = new Map<string, Big>();
    return (...args: A): Big => {
      const k = keyOf(...args);
      let v = table.get(k);
      if (v === undefined) {
        if (table.size >= REMEMBERED) table.clear();
        v = f(...args);
        table.set(k, v);
      }
      return v;
    };
  };
  const one = (a: Big): string => a.toString();
  const slowPow = remembered((a: Big, b: Big) => a.pow(b), (a, b) => `${a.toString()}^${b.toString()}`);

  // The constructor keeps every digit of its argument (decimal.js rounds only the
  // results of operations), so integers and exact decimal strings enter exactly.
  // Indices and sizes become field values on every read (profiled: 1.7 s of checking
  // every bundled file); small integers are made once. Decimals are immutable.
  const integers = new Map<bigint, Big>();
  const fromBigInt = (x: bigint): Big => {
    if (x < -4096n || x > 4096n) return new Ctor(x.toString());
    let v = integers.get(x);
    if (v === undefined) integers.set(x, (v = new Ctor(x.toString())));
    return v;
  };

  return {
    name: 'bignumber',
    digits,
    // n/d is one division of two exact integers: correctly rounded to `digits`.
    fromRational: (r: Rational): Big =>
      r.d === 1n ? fromBigInt(r.n) : fromBigInt(r.n).div(new Ctor(r.d.toString())),
    fromNumber(x: number): Big {
      if (!Number.isFinite(x) || Object.is(x, -0)) return new Ctor(x);
      // A double is m/2^k = m·5^k/10^k: an exact, finite decimal. `String(x)` would
      // give only the shortest round-tripping digits (0.1, not 0.1000…0555…).
      const { n, d } = doubleToRational(x);
      if (d === 1n) return fromBigInt(n);
      const k = d.toString(2).length - 1; // d = 2^k
      return new Ctor(`${n * 5n ** BigInt(k)}e-${k}`);
    },
    fromBigInt,
    zero: new Ctor(0),
    one: new Ctor(1),
    // acos(−1) is how mathjs itself computes its BigNumber pi; full `digits`.
    pi: new Ctor(-1).acos(),
    add: (a, b) => a.plus(b),
    sub: (a, b) => a.minus(b),
    mul: (a, b) => a.times(b),
    div: (a, b) => a.div(b),
    neg: (a) => a.neg(),
    // decimal.js: (−2)^3 = −8, (−2)^−1 = −0.5, (−2)^0.5 = NaN. We call the method
    // directly: mathjs's `pow` function would return a Complex for the last one.
    // Half-integer exponents ((σ² + ε)^(−1/2), the most common power) through sqrt:
    // decimal.js computes a^b as exp(b·ln a), about 10× slower and no more exact.
    pow(a, b) {
      if (b.isInteger()) return a.pow(b);
      if (!b.times(2).isInteger() || a.isNegative() || a.isZero() || !a.isFinite()) return slowPow(a, b);
      const root = a.sqrt();
      const whole = b.minus(0.5).abs().lt(1e6) ? a.pow(b.minus(0.5)) : undefined;
      return whole === undefined ? slowPow(a, b) : root.times(whole);
    },
    exp: remembered((a: Big) => a.exp(), one),
    // ln: NaN below 0, −∞ at 0 (decimal.js semantics, matching Math.log).
    log: remembered((a: Big) => a.ln(), one),
    sqrt: (a) => a.sqrt(), // NaN below 0 (mathjs's `sqrt` would go Complex)
    abs: (a) => a.abs(),
    sin: remembered((a: Big) => a.sin(), one),
    cos: remembered((a: Big) => a.cos(), one),
    // decimal.js's tanh is sinh/cosh, two series that were 4 s of checking a small CNN
    // (profiled); (1 − e^(−2|a|))/(1 + e^(−2|a|)) is one exp. Below |a| = 0.01 the
    // subtraction would cancel digits, and there the series is short: kept.
    tanh: remembered((a: Big) => {
      if (!a.isFinite() || a.abs().lt(0.01)) return a.tanh();
      const t = a.abs().times(-2).exp();
      const v = new Ctor(1).minus(t).div(t.plus(1));
      return a.isNegative() ? v.neg() : v;
    }, one),
    cmp(a, b) {
      const c = a.cmp(b); // NaN when either side is NaN
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    },
    isFinite: (a) => a.isFinite(),
    isNaN: (a) => a.isNaN(),
    // Decimal → string → Number: the string parse rounds correctly, once.
    toNumber: (a) => a.toNumber(),
    toString(a: Big, places: number = digits): string {
      const sd = Math.max(1, Math.floor(places));
      // toSignificantDigits rounds (half up) and toString drops trailing zeros and
      // switches to exponent form outside 1e-7..1e21: deterministic plain text.
      return a.toSignificantDigits(sd).toString();
    },
  };
}

// ---------------------------------------------------------------------------------
// For bench/unrolled.ts only (issue 6: gradproof against the unrolled approach).
// The baseline there writes a loss out element by element (x1 … xn, g1 … gn) and
// asks mathjs to differentiate (`derivative`) and `simplify` it. It lives in this
// file only because this is the one module allowed to import mathjs; nothing in src/
// calls it. Unlike the rest of this file it does hand text to mathjs: the
// benchmark's own generated arithmetic (checked below), parsed by a separate full
// instance created here, so the bigField instances above and their precision are
// untouched. The benchmark checks every answer numerically against the closed form.
const UNROLLED_TEXT = /^[A-Za-z0-9_()+\-*/^. ]*$/;
let unrolledMath: typeof mathjsBundle | undefined;

/**
 * d(expr)/d(variable) by mathjs's `derivative` (its own simplification off), then
 * mathjs's `simplify`, with the time of each stage in ms. Benchmark only.
 */
export async function unrolledDerivative(
  expr: string,
  variable: string,
): Promise<{ text: string; parseMs: number; diffMs: number; simplifyMs: number }> {
  if (!UNROLLED_TEXT.test(expr) || !/^[A-Za-z]\w*$/.test(variable)) throw new Error('unrolledDerivative: generated arithmetic only');
  // The bundle's default instance has every function; no bigField instance is touched.
  unrolledMath ??= mathjsBundle;
  const math = unrolledMath;
  const t0 = performance.now();
  const parsed = math.parse(expr);
  const t1 = performance.now();
  const derivative = math.derivative(parsed, variable, { simplify: false });
  const t2 = performance.now();
  const text = math.simplify(derivative).toString();
  const t3 = performance.now();
  return { text, parseMs: t1 - t0, diffMs: t2 - t1, simplifyMs: t3 - t2 };
}
