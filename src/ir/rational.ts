// Exact rational numbers for the coefficients of expressions. Every literal of the
// language (`2`, `0.5`, `1e-5`) is a finite decimal, hence rational, so symbolic
// work never rounds; floating point enters only in the numeric stage.

export interface Rational {
  readonly n: bigint; // numerator, carries the sign
  readonly d: bigint; // denominator, always > 0, gcd(n, d) = 1
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function rat(n: bigint | number, d: bigint | number = 1n): Rational {
  let nn = BigInt(n);
  let dd = BigInt(d);
  if (dd === 0n) throw new RangeError('rational with zero denominator');
  if (dd < 0n) {
    nn = -nn;
    dd = -dd;
  }
  const g = gcd(nn, dd) || 1n;
  return { n: nn / g, d: dd / g };
}

export const ZERO = rat(0);
export const ONE = rat(1);

/** Parses a decimal literal such as `2`, `0.5`, `1e-5`, `3.25E+2` exactly. */
export function parseDecimal(text: string): Rational {
  const m = /^(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$|^\.(\d+)(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) throw new SyntaxError(`not a decimal number: ${text}`);
  const intPart = m[1] ?? '0';
  const frac = m[2] ?? m[4] ?? '';
  const exp = Number(m[3] ?? m[5] ?? '0');
  let n = BigInt(intPart + frac);
  let d = 10n ** BigInt(frac.length);
  if (exp >= 0) n *= 10n ** BigInt(exp);
  else d *= 10n ** BigInt(-exp);
  return rat(n, d);
}

export const add = (a: Rational, b: Rational): Rational => rat(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Rational, b: Rational): Rational => rat(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Rational, b: Rational): Rational => rat(a.n * b.n, a.d * b.d);
export const div = (a: Rational, b: Rational): Rational => rat(a.n * b.d, a.d * b.n);
export const neg = (a: Rational): Rational => ({ n: -a.n, d: a.d });
export const eq = (a: Rational, b: Rational): boolean => a.n === b.n && a.d === b.d;
export const cmp = (a: Rational, b: Rational): number => {
  const x = a.n * b.d - b.n * a.d;
  return x < 0n ? -1 : x > 0n ? 1 : 0;
};
export const isZero = (a: Rational): boolean => a.n === 0n;
export const isOne = (a: Rational): boolean => a.n === 1n && a.d === 1n;
export const isInteger = (a: Rational): boolean => a.d === 1n;

/** a^k for an integer k; undefined for 0^negative. */
export function powInt(a: Rational, k: bigint): Rational | undefined {
  if (k === 0n) return ONE;
  if (k < 0n) {
    if (a.n === 0n) return undefined;
    return powInt(rat(a.d, a.n), -k);
  }
  return rat(a.n ** k, a.d ** k);
}

/** Floor division of integers, rounding toward −∞ as the language's `//` does. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/** The mathematical modulus: result has the sign of b, as `a − b·(a // b)`. */
export function floorMod(a: bigint, b: bigint): bigint {
  return a - b * floorDiv(a, b);
}

export function toNumber(a: Rational): number {
  return Number(a.n) / Number(a.d);
}

export function ratToString(a: Rational): string {
  return a.d === 1n ? a.n.toString() : `${a.n}/${a.d}`;
}
