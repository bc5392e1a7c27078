// A small seeded PRNG for the gradient check's random inputs. It must give the
// same stream on every machine and Node version (reports quote seeds, and a
// failure has to reproduce), so it uses only 32-bit integer ops (Math.imul, shifts)
// and never Math.random or anything platform-dependent.
//
// Generator: xoshiro128** (Blackman & Vigna), 128-bit state, seeded by hashing a
// key string with cyrb128 (bryc, public domain). Child streams hash their own key,
// derived from the parent's key and a label, so they never consume parent draws.
import type { Rational } from '../ir/rational.js';
import { add, mul, rat, sub } from '../ir/rational.js';
import { doubleToRational } from './float.js';

/** cyrb128: four decorrelated 32-bit hashes of a string (UTF-16 code units). */
function cyrb128(key: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < key.length; i++) {
    const k = key.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));
const TWO32 = 2 ** 32;
const TWO53 = 2 ** 53;

function toRational(x: number | Rational): Rational {
  return typeof x === 'number' ? doubleToRational(x) : x;
}

export class Rng {
  private id = '';
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: number | string) {
    // Typed prefix: seed 1 and seed "1" are different streams. String(number) is
    // specified exactly by ECMAScript, so the key is the same everywhere. Strings
    // are length-prefixed, so every key parses one way: no seed equals a fork.
    this.reseed(typeof seed === 'number' ? `n${seed}` : `s${seed.length}:${seed}`);
  }

  /** The stream's identity: root seed plus the chain of fork labels. */
  get key(): string {
    return this.id;
  }

  /**
   * A child stream determined by this stream's key and `label` only (not by how
   * many numbers were drawn here), so adding a consumer shifts no one else.
   * The label is length-prefixed: fork('a/b') and fork('a').fork('b') differ.
   */
  fork(label: string): Rng {
    const child = new Rng(0);
    child.reseed(`${this.id}/${label.length}:${label}`);
    return child;
  }

  private reseed(key: string): void {
    this.id = key;
    [this.s0, this.s1, this.s2, this.s3] = cyrb128(key);
    // xoshiro must not start from the all-zero state (it would stay there).
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 0x9e3779b9;
    for (let i = 0; i < 8; i++) this.next32(); // spread the key through the state
  }

  /** The next raw 32-bit output, as an unsigned integer. */
  next32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** A uniform integer in [0, 2^53), from two 32-bit draws (27 + 26 bits). */
  private next53(): number {
    const hi = this.next32() >>> 5;
    const lo = this.next32() >>> 6;
    return hi * 2 ** 26 + lo;
  }

  /** Uniform in [0, 1), on the grid of multiples of 2^−53. */
  next(): number {
    return this.next53() / TWO53;
  }

  /** Uniform in [lo, hi). Redraws the rare u whose lo + (hi−lo)·u rounds up to hi. */
  uniform(lo: number, hi: number): number {
    if (!(lo < hi) || !Number.isFinite(hi - lo)) throw new RangeError(`uniform: bad range [${lo}, ${hi})`);
    for (;;) {
      const x = lo + (hi - lo) * this.next();
      if (x < hi) return x;
    }
  }

  /** A uniform integer in [lo, hi], both ends included; unbiased (rejection). */
  int(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo > hi) {
      throw new RangeError(`int: bad range [${lo}, ${hi}]`);
    }
    const span = hi - lo + 1;
    if (span > TWO53) throw new RangeError(`int: range wider than 2^53`);
    // Accept draws below the largest multiple of span, so every residue is equally likely.
    if (span <= TWO32) {
      const limit = TWO32 - (TWO32 % span);
      for (;;) {
        const u = this.next32();
        if (u < limit) return lo + (u % span);
      }
    }
    const limit = TWO53 - (TWO53 % span);
    for (;;) {
      const u = this.next53();
      if (u < limit) return lo + (u % span);
    }
  }

  /**
   * An exact rational in [lo, hi): lo + (hi − lo)·k/10^digits with k uniform in
   * [0, 10^digits). The big field then evaluates at inputs carrying `digits` random
   * digits rather than a 53-bit double's worth. Bounds given as numbers are taken
   * at their exact double value.
   */
  decimal(lo: number | Rational, hi: number | Rational, digits: number): Rational {
    const a = toRational(lo);
    const b = toRational(hi);
    if (a.n * b.d >= b.n * a.d) throw new RangeError('decimal: need lo < hi');
    if (!Number.isInteger(digits) || digits < 1) throw new RangeError(`decimal: bad digit count ${digits}`);
    // k assembled from 9-digit chunks (each < 2^32, so int() stays on the fast path).
    let k = 0n;
    let left = digits;
    while (left > 0) {
      const take = Math.min(9, left);
      k = k * 10n ** BigInt(take) + BigInt(this.int(0, 10 ** take - 1));
      left -= take;
    }
    return add(a, mul(sub(b, a), rat(k, 10n ** BigInt(digits))));
  }
}
