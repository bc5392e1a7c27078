// The numeric fields and the seeded RNG, checked against references computed
// independently of decimal.js / mathjs (Python's decimal module and hand-written
// series), so a shared bug cannot make both sides agree.
import { describe, expect, test } from 'vitest';
import type { Rational } from '../src/ir/rational.js';
import { parseDecimal, rat } from '../src/ir/rational.js';
import { doubleToRational, floatField as F, rationalToDouble } from '../src/numeric/float.js';
import type { Big } from '../src/numeric/mathjs.js';
import { bigField } from '../src/numeric/mathjs.js';
import { Rng } from '../src/numeric/random.js';

const B = bigField(64);
const TOL = B.fromRational(rat(1n, 10n ** 60n));

/** A signed decimal reference string as an exact rational. */
const ref = (s: string): Rational => {
  const r = parseDecimal(s.replace(/^-/, ''));
  return s.startsWith('-') ? rat(-r.n, r.d) : r;
};

/** |x − ref| ≤ 1e−60·|ref|: the big field agrees with the reference to 60 digits. */
function expectClose(x: Big, s: string): void {
  const r = B.fromRational(ref(s));
  const err = B.abs(B.sub(x, r));
  const ok = B.cmp(err, B.mul(TOL, B.abs(r))) <= 0;
  expect(ok, `${B.toString(x)} vs ${s}`).toBe(true);
}

const n = (s: string): Big => B.fromRational(ref(s));

// References: python3 -c "from decimal import *; getcontext().prec=70; print(Decimal(1).exp())"
// and likewise .ln(), .sqrt(), 1/Decimal(1).exp(). π by Machin's formula
// 16·atan(1/5) − 4·atan(1/239) at 80 digits; sin 1, cos 1 by their Taylor series
// (120 terms, 90 digits); tanh(0.5) as (e^½ − e^−½)/(e^½ + e^−½) at 90 digits.
const E = '2.718281828459045235360287471352662497757247093699959574966967627724077';
const PI = '3.141592653589793238462643383279502884197169399375105820974944592307816';
const LN2 = '0.6931471805599453094172321214581765680755001343602552541206800094933936';
const LN10 = '2.302585092994045684017991454684364207601101488628772976033327900967573';
const SQRT2 = '1.414213562373095048801688724209698078569671875376948073176679737990732';
const SIN1 = '0.8414709848078965066525023216302989996225630607983710656727517099919104';
const COS1 = '0.5403023058681397174009366074429766037323104206179222276700972553811004';
const TANH_HALF = '0.4621171572600097585023184836436725487302892803301130385527318158380809';
const EXP_M1 = '0.3678794411714423215955237701614608674458111310317678345078368016974614';

describe('bigField (64 digits)', () => {
  test('transcendental functions match independent 70-digit references', () => {
    expectClose(B.exp(B.one), E);
    expectClose(B.exp(B.neg(B.one)), EXP_M1);
    expectClose(B.pi, PI);
    expectClose(B.log(B.fromNumber(2)), LN2);
    expectClose(B.log(B.fromNumber(10)), LN10);
    expectClose(B.sqrt(B.fromNumber(2)), SQRT2);
    expectClose(B.pow(B.fromNumber(2), B.fromRational(rat(1, 2))), SQRT2);
    expectClose(B.sin(B.one), SIN1);
    expectClose(B.cos(B.one), COS1);
    expectClose(B.tanh(B.fromRational(rat(1, 2))), TANH_HALF);
    expect(B.digits).toBe(64);
    expect(B.name).toBe('bignumber');
  });

  test('fromNumber is the exact value of the double', () => {
    // python3 -c "from decimal import Decimal; print(Decimal(0.1), Decimal(1/3), Decimal(1e23))"
    expect(B.toString(B.fromNumber(0.1))).toBe('0.1000000000000000055511151231257827021181583404541015625');
    expect(B.cmp(B.fromNumber(1 / 3), n('0.333333333333333314829616256247390992939472198486328125'))).toBe(0);
    expect(B.cmp(B.fromNumber(1e23), n('99999999999999991611392'))).toBe(0);
    expect(B.cmp(B.fromNumber(-2.5), n('-2.5'))).toBe(0);
    // The smallest subnormal, 2^−1074, has 751 significant digits, all kept:
    // python3 -c "from decimal import Decimal; print(Decimal(5e-324))"
    const tiny = B.toString(B.fromNumber(5e-324), 1000);
    expect(tiny.startsWith('4.9406564584124654417656879286822137236505980261432476442558')).toBe(true);
    expect(tiny.endsWith('265533447265625e-324')).toBe(true);
    expect(tiny.replace(/e.*$/, '').replace('.', '').length).toBe(751);
    expect(B.isNaN(B.fromNumber(NaN))).toBe(true);
    expect(B.toString(B.fromNumber(-Infinity))).toBe('-Infinity');
  });

  test('fromRational divides at full precision', () => {
    expect(B.toString(B.fromRational(rat(1, 3)))).toBe('0.' + '3'.repeat(64));
    expect(B.toString(B.fromRational(rat(-2, 3)))).toBe('-0.' + '6'.repeat(63) + '7');
    // Bigint operands far beyond 2^53 enter exactly before the single division.
    const big = 10n ** 80n;
    expectClose(B.fromRational(rat(big + 1n, 3n * big)), '0.' + '3'.repeat(70));
    expect(B.cmp(B.fromRational(rat(big * 7n, 1n)), B.fromBigInt(big * 7n))).toBe(0);
    expect(B.toString(B.fromBigInt(-(2n ** 70n)))).toBe('-1.180591620717411303424e+21');
  });

  test('pow, log and sqrt edge cases', () => {
    const m2 = B.fromNumber(-2);
    expect(B.toString(B.pow(m2, B.fromNumber(3)))).toBe('-8');
    expect(B.toString(B.pow(m2, B.fromNumber(-1)))).toBe('-0.5');
    expect(B.toString(B.pow(m2, B.fromNumber(2)))).toBe('4');
    expect(B.isNaN(B.pow(m2, B.fromNumber(0.5)))).toBe(true);
    expect(B.isNaN(B.pow(B.fromNumber(-8), B.fromRational(rat(1, 3))))).toBe(true);
    expect(B.toString(B.pow(B.zero, B.zero))).toBe('1');
    expect(B.isNaN(B.log(B.fromNumber(-1)))).toBe(true);
    expect(B.toString(B.log(B.zero))).toBe('-Infinity');
    expect(B.isFinite(B.log(B.zero))).toBe(false);
    expect(B.isNaN(B.sqrt(B.fromNumber(-1)))).toBe(true);
    expect(B.toString(B.sqrt(B.fromNumber(16)))).toBe('4');
  });

  test('cmp, toString and toNumber', () => {
    const nan = B.fromNumber(NaN);
    expect(B.cmp(B.one, B.fromNumber(2))).toBe(-1);
    expect(B.cmp(B.fromNumber(2), B.one)).toBe(1);
    expect(B.cmp(B.one, B.fromRational(rat(3, 3)))).toBe(0);
    expect(B.cmp(nan, B.one)).toBe(0);
    expect(B.cmp(B.one, nan)).toBe(0);
    expect(B.toString(B.pi, 10)).toBe('3.141592654');
    expect(B.toString(B.pi)).toBe(PI.slice(0, 65)); // 64 digits; the 65th is 3, rounds down
    expect(B.toString(B.fromRational(rat(1n, 3n * 10n ** 10n)), 5)).toBe('3.3333e-11');
    expect(B.toString(B.fromBigInt(10n ** 25n), 3)).toBe('1e+25');
    expect(B.toString(B.fromNumber(1234.5), 64)).toBe('1234.5');
    // Deterministic: the same value prints the same from a fresh computation.
    expect(B.toString(B.exp(B.one))).toBe(B.toString(B.exp(B.one)));
    expect(bigField(64)).toBe(B);
    expect(B.toNumber(B.fromRational(rat(1, 3)))).toBe(1 / 3);
    expect(B.toNumber(B.fromNumber(0.1))).toBe(0.1);
    expect(B.toNumber(B.log(B.zero))).toBe(-Infinity);
  });

  test('a different precision is a separate instance', () => {
    const B30 = bigField(30);
    expect(B30.digits).toBe(30);
    expect(B30.toString(B30.pi)).toBe('3.14159265358979323846264338328');
    expect(B.toString(B.pi)).toBe(PI.slice(0, 65)); // unaffected
  });
});

describe('floatField', () => {
  test('arithmetic and special cases', () => {
    expect(F.pow(-2, 3)).toBe(-8);
    expect(F.pow(-2, -1)).toBe(-0.5);
    expect(F.pow(-8, 1 / 3)).toBeNaN();
    expect(F.log(0)).toBe(-Infinity);
    expect(F.log(-1)).toBeNaN();
    expect(F.sqrt(-1)).toBeNaN();
    expect(F.cmp(NaN, 1)).toBe(0);
    expect(F.cmp(1, 2)).toBe(-1);
    expect(F.toString(Math.PI, 5)).toBe('3.1416');
    expect(F.toString(0.1)).toBe('0.1');
    expect(F.pi).toBe(Math.PI);
    expect(F.tanh(0.5)).toBeCloseTo(Number(TANH_HALF), 15);
  });

  test('fromRational rounds once, correctly', () => {
    expect(F.fromRational(rat(1, 3))).toBe(1 / 3);
    expect(F.fromRational(rat(1, 10))).toBe(0.1);
    // (2^53+1)/3 = 3002399751580331 exactly; Number(n)/Number(d) gives ...330.5.
    expect(F.fromRational(rat(2n ** 53n + 1n, 3n))).toBe(3002399751580331);
    expect(F.fromRational(rat(10n ** 400n, 3n * 10n ** 400n))).toBe(1 / 3);
    expect(F.fromRational(rat(10n ** 400n))).toBe(Infinity);
    expect(F.fromRational(rat(-1n, 10n ** 400n))).toBe(-0);
    expect(F.fromRational(rat(1n, 2n ** 1074n))).toBe(5e-324);
    // 1.5·2^−1074 is a tie between 1 and 2 units: ties go to even (2 units).
    expect(F.fromRational(rat(3n, 2n ** 1075n))).toBe(1e-323);
    expect(F.fromBigInt(2n ** 64n)).toBe(18446744073709552000);
  });

  test('doubleToRational / rationalToDouble round-trip every kind of double', () => {
    expect(doubleToRational(0.1)).toEqual(rat(3602879701896397n, 2n ** 55n));
    expect(doubleToRational(-6)).toEqual(rat(-6));
    const rng = new Rng('roundtrip');
    const xs = [0, 5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, -1e-310, 1 / 3];
    for (let i = 0; i < 200; i++) xs.push(rng.uniform(-1, 1) * 2 ** rng.int(-1074, 1023));
    for (const x of xs) expect(rationalToDouble(doubleToRational(x))).toBe(x);
  });
});

describe('Rng', () => {
  // Golden values from an independent Python port (same key strings, cyrb128 +
  // xoshiro128**, 8 warm-up draws); a change here changes every report's inputs.
  test('matches the reference stream', () => {
    const r = new Rng(42);
    expect([r.next32(), r.next32(), r.next32(), r.next32()]).toEqual([118182478, 1239717090, 2479502600, 3825893195]);
    const s = new Rng(42);
    expect([s.next(), s.next(), s.next()]).toEqual([0.027516501312286556, 0.5773041910736648, 0.8633132336478085]);
    const f = new Rng('hello').fork('inputs');
    expect([f.next32(), f.next32(), f.next32()]).toEqual([2738931747, 3859483195, 2409674603]);
  });

  test('same seed, same stream; different seeds differ', () => {
    const draw = (r: Rng): number[] => Array.from({ length: 20 }, () => r.next());
    expect(draw(new Rng('x'))).toEqual(draw(new Rng('x')));
    expect(draw(new Rng(1))).not.toEqual(draw(new Rng(2)));
    expect(draw(new Rng(1))).not.toEqual(draw(new Rng('1')));
  });

  test('fork depends on key and label only, and leaves the parent alone', () => {
    const draw = (r: Rng): number[] => Array.from({ length: 10 }, () => r.next32());
    const a = new Rng(7);
    draw(a);
    expect(draw(a.fork('w'))).toEqual(draw(new Rng(7).fork('w')));
    const p1 = new Rng(7);
    const p2 = new Rng(7);
    p2.fork('extra consumer');
    expect(draw(p1)).toEqual(draw(p2));
    expect(draw(new Rng(7).fork('a'))).not.toEqual(draw(new Rng(7).fork('b')));
    expect(draw(new Rng(7).fork('a/b'))).not.toEqual(draw(new Rng(7).fork('a').fork('b')));
    expect(new Rng(7).fork('a').key).not.toBe(new Rng('7/1:a').key);
  });

  test('uniform and int stay in range', () => {
    const r = new Rng('ranges');
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const u = r.uniform(-3, 5);
      expect(u >= -3 && u < 5).toBe(true);
      sum += u;
    }
    expect(Math.abs(sum / 10000 - 1)).toBeLessThan(0.1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const k = r.int(1, 6);
      expect(Number.isInteger(k) && k >= 1 && k <= 6).toBe(true);
      seen.add(k);
    }
    expect(seen.size).toBe(6); // both ends are reachable
    expect(r.int(5, 5)).toBe(5);
    const wide = r.int(0, 2 ** 40);
    expect(wide >= 0 && wide <= 2 ** 40).toBe(true);
    expect(() => r.int(2, 1)).toThrow(RangeError);
  });

  test('decimal gives exact rationals with the requested digits', () => {
    const r = new Rng('decimal');
    const ten40 = 10n ** 40n;
    for (let i = 0; i < 50; i++) {
      const x = r.decimal(-2, 2, 40);
      expect(ten40 % x.d).toBe(0n); // a finite decimal with at most 40 places
      expect(x.n >= -2n * x.d && x.n < 2n * x.d).toBe(true);
    }
    // On [0, 1) the value is k/10^40 itself; its denominator is all of 10^40 when
    // k is prime to 10 (probability 0.4), so the last digit is random too.
    let fullLength = 0;
    for (let i = 0; i < 50; i++) if (r.decimal(0, 1, 40).d === ten40) fullLength++;
    expect(fullLength).toBeGreaterThan(10);
    const y = r.decimal(rat(1, 3), rat(1, 2), 64);
    expect(y.n * 3n >= y.d && y.n * 2n < y.d).toBe(true);
    // The big field takes such an input at every digit.
    const z = r.decimal(0, 1, 64);
    expect(B.cmp(B.fromRational(z), B.fromRational(parseDecimal(B.toString(B.fromRational(z)))))).toBe(0);
  });
});

describe('half-integer powers through sqrt (a speed path)', () => {
  const B = bigField(64);
  const n = (x: string): Big => B.fromRational(rat(BigInt(x)));
  test('agree with exp(b·ln a) to the last digits, and keep decimal.js at 0, below 0 and at ∞', () => {
    // 2^(−1/2) = 0.70710678118654752440084436210484903928483593768847403658833986899…,
    // to 60 significant digits …588339|87 rounds to …58834
    expect(B.toString(B.pow(n('2'), B.fromRational(rat(-1, 2))), 60)).toBe('0.70710678118654752440084436210484903928483593768847403658834');
    // 9^(3/2) = 27 exactly; 4^(−3/2) = 1/8
    expect(B.toString(B.pow(n('9'), B.fromRational(rat(3, 2))))).toBe('27');
    expect(B.toString(B.pow(n('4'), B.fromRational(rat(-3, 2))))).toBe('0.125');
    expect(B.toString(B.pow(B.zero, B.fromRational(rat(-1, 2))))).toBe('Infinity');
    expect(B.isNaN(B.pow(n('-4'), B.fromRational(rat(1, 2))))).toBe(true);
  });
});

describe('tanh through one exp (a speed path)', () => {
  const B = bigField(64);
  test('agrees with the sinh/cosh series (decimal.js tanh) to 62 digits, both sides of the 0.01 switch', () => {
    // tanh(1) = (e² − 1)/(e² + 1) = 0.76159415595576488811945828260479359041276859725793655159681050012…
    // (Python's decimal at 80 digits); to 55 significant digits …65515|9 rounds to …65516
    expect(B.toString(B.tanh(B.one), 55)).toBe('0.7615941559557648881194582826047935904127685972579365516');
    for (const x of [0.0099, 0.0101, -0.0101, 0.5, -0.73, 3.25, -12.5, 40, 400, -1e4]) {
      const a = B.fromNumber(x);
      const series = a.tanh();
      const fast = B.tanh(a);
      expect(fast.minus(series).abs().lte(series.abs().times('1e-62')), String(x)).toBe(true);
    }
    expect(B.toString(B.tanh(B.fromNumber(-Infinity)))).toBe('-1');
    expect(B.isNaN(B.tanh(B.fromNumber(NaN)))).toBe(true);
  });
});
