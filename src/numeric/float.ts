// The float64 field: plain JS numbers and the Math functions. Fast, used to check
// simplification steps. Also home of the exact double <-> rational conversions,
// which the big field and the RNG share (they need no mathjs, so they live here).
import type { Rational } from '../ir/rational.js';
import { rat } from '../ir/rational.js';
import type { Field } from './field.js';

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);

/**
 * The exact value of a finite double as a rational. Every finite double is
 * m·2^e with an integer m, so reading the bits gives it with no rounding at all
 * (unlike `x.toString()`, which gives only the shortest round-tripping decimal).
 */
export function doubleToRational(x: number): Rational {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  F64[0] = x;
  const bits = U64[0]!;
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  // Subnormals (biased exponent 0) have no implicit leading 1 and exponent −1074.
  let m = biased === 0 ? frac : frac | (1n << 52n);
  let e = (biased === 0 ? 1 : biased) - 1075;
  if (m === 0n) return rat(0n);
  while ((m & 1n) === 0n && e < 0) {
    m >>= 1n;
    e += 1;
  }
  if (negative) m = -m;
  return e >= 0 ? rat(m << BigInt(e), 1n) : rat(m, 1n << BigInt(-e));
}

/** 2^e for −1074 ≤ e ≤ 1023, built from its bits so no libm pow is trusted. */
function pow2(e: number): number {
  U64[0] = e >= -1022 ? BigInt(e + 1023) << 52n : 1n << BigInt(e + 1074);
  return F64[0]!;
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function bitLength(x: bigint): number {
  return x.toString(2).length;
}

/**
 * n/d rounded once, to nearest with ties to even, as IEEE division would if n and
 * d were exact doubles. `Number(n) / Number(d)` rounds three times and loses the
 * value entirely once n or d passes 2^1024.
 */
export function rationalToDouble(r: Rational): number {
  const { n, d } = r;
  if (n === 0n) return 0;
  // both exact doubles: one IEEE division rounds once, as required (the common case;
  // the bit-length path below cost a tenth of deriving a small CNN, profiled)
  if (n <= SAFE && n >= -SAFE && d <= SAFE) return Number(n) / Number(d);
  const negative = n < 0n;
  const a = negative ? -n : n;
  const e = bitLength(a) - bitLength(d); // a/d lies in [2^(e−1), 2^(e+1))
  if (e > 1025) return negative ? -Infinity : Infinity;
  if (e < -1076) return negative ? -0 : 0;
  // Scale so the integer quotient has 53 bits; below 2^−1022 the grid is fixed at
  // 2^−1074 (subnormals), so the shift stops there and the quotient is shorter.
  let k = Math.min(53 - e, 1074);
  let num = k >= 0 ? a << BigInt(k) : a;
  let den = k >= 0 ? d : d << BigInt(-k);
  let q = num / den;
  let rem = num % den;
  if (q >= 1n << 53n) {
    // One bit too many: halve the quotient, folding the dropped bit into rem.
    rem += (q & 1n) * den;
    q >>= 1n;
    den <<= 1n;
    k -= 1;
  }
  num = 2n * rem;
  if (num > den || (num === den && (q & 1n) === 1n)) q += 1n;
  // q ≤ 2^53 is exact as a double, and 2^−k is an exact power of two in range,
  // so this product is exact (or overflows to ∞, which is the correct rounding).
  const v = Number(q) * pow2(-k);
  return negative ? -v : v;
}

export const floatField: Field<number> = {
  name: 'float64',
  // DBL_DIG: decimal digits that always survive a round trip through a double.
  digits: 15,
  fromRational: rationalToDouble,
  fromNumber: (x) => x,
  fromBigInt: (x) => Number(x), // BigInt -> Number rounds to nearest, ties to even
  zero: 0,
  one: 1,
  pi: Math.PI,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  neg: (a) => -a,
  // Math.pow gives NaN for a negative base with a non-integer exponent and the
  // right sign for an integer one ((−2)^3 = −8); decimal.js defers to Math.pow for
  // non-finite operands, so the two fields agree on the special cases too.
  pow: Math.pow,
  exp: Math.exp,
  log: Math.log, // NaN below 0, −∞ at 0
  sqrt: Math.sqrt,
  abs: Math.abs,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  cmp: (a, b) => (a < b ? -1 : a > b ? 1 : 0), // NaN fails both tests: 0
  isFinite: (a) => Number.isFinite(a),
  isNaN: (a) => Number.isNaN(a),
  toNumber: (a) => a,
  toString(a, digits) {
    // Default: the shortest string that round-trips (at most 17 digits). With a
    // digit count, round to it first, then print the shortest form of that.
    if (digits === undefined || digits >= 17) return String(a);
    if (!Number.isFinite(a)) return String(a);
    return String(Number(a.toPrecision(Math.max(1, Math.floor(digits)))));
  },
};
