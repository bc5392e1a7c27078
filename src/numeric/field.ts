// The arithmetic that numeric evaluation runs on. Op files compute their forward
// value through a Field, so the same op code evaluates in float64 (fast, used to
// check simplification steps) and in 64-digit decimals (mathjs BigNumber, used by
// the gradient check, where a correct formula must agree to 1e-20).
import type { Rational } from '../ir/rational.js';

export interface Field<T> {
  readonly name: 'float64' | 'bignumber';
  /** Significant decimal digits this field carries. */
  readonly digits: number;
  fromRational(r: Rational): T;
  fromNumber(x: number): T;
  fromBigInt(x: bigint): T;
  readonly zero: T;
  readonly one: T;
  readonly pi: T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  neg(a: T): T;
  /** a^b; a negative base with a non-integer exponent gives NaN. */
  pow(a: T, b: T): T;
  exp(a: T): T;
  /** Natural logarithm; NaN for a < 0, −∞ at 0. */
  log(a: T): T;
  sqrt(a: T): T;
  abs(a: T): T;
  sin(a: T): T;
  cos(a: T): T;
  tanh(a: T): T;
  /** −1, 0 or 1 (NaN compares as 0). */
  cmp(a: T, b: T): -1 | 0 | 1;
  isFinite(a: T): boolean;
  isNaN(a: T): boolean;
  toNumber(a: T): number;
  /** Exact-enough text for reports and JSON: up to `digits` significant digits. */
  toString(a: T, digits?: number): string;
}
