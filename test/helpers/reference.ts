// Shared by the reference tests: reading the PyTorch reference numbers exactly
// (C99 hex floats, checked against the decimal `value`s), building TensorValues
// from them, and the README's comparison rule
//   |a − b| ≤ 1e-11·max(|a|, |b|) + 1e-13·S.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Rational } from '../../src/ir/rational.js';
import { rat } from '../../src/ir/rational.js';
import type { TensorValue } from '../../src/numeric/evaluate.js';
import type { Field } from '../../src/numeric/field.js';
import { doubleToRational, rationalToDouble } from '../../src/numeric/float.js';

export interface RefTensor {
  readonly shape: readonly number[];
  readonly value: readonly number[];
  readonly hex: readonly string[];
}

export interface RefExample {
  readonly inputs: Readonly<Record<string, RefTensor>>;
  /** Tensors, plus a few notes (argmax lists, strings) that are not tensors. */
  readonly forward: Readonly<Record<string, unknown>>;
  readonly L: RefTensor;
  readonly grads: Readonly<Record<string, RefTensor>>;
  readonly grads_intermediate?: Readonly<Record<string, RefTensor>>;
}

export interface RefFile {
  readonly meta: Readonly<Record<string, unknown>>;
  readonly examples: Readonly<Record<string, RefExample>>;
}

export const isRefTensor = (v: unknown): v is RefTensor =>
  typeof v === 'object' && v !== null && Array.isArray((v as RefTensor).value) && Array.isArray((v as RefTensor).hex);

/** Loads the reference file, failing loudly (never skipping) when it is absent. */
export function loadReference(url: URL): RefFile {
  const path = fileURLToPath(url);
  if (!existsSync(path)) {
    throw new Error(
      `PyTorch reference file missing: ${path}. The reference tests compare every derived gradient with ` +
        `these numbers and cannot run without them (see /work/shared/reference/README.md).`,
    );
  }
  return JSON.parse(readFileSync(path, 'utf8')) as RefFile;
}

/**
 * A C99 hex float ("-0x1.b083ebf0843c1p-3") as an exact rational. Written here
 * rather than trusted to Number(): JavaScript has no hex-float literal syntax.
 */
/** An example of the reference file, failing loudly when it is absent. */
export function exampleOf(ref: RefFile, name: string): RefExample {
  const ex = ref.examples[name];
  if (!ex) throw new Error(`torch_reference.json has no example ${name}`);
  return ex;
}

export function hexToRational(text: string): Rational {
  const m = /^([+-]?)0x([0-9a-f]+)(?:\.([0-9a-f]*))?p([+-]?\d+)$/i.exec(text.trim());
  if (!m) throw new SyntaxError(`not a C99 hex float: ${text}`);
  const [, sign, whole, frac = '', exp] = m;
  let n = BigInt(`0x${whole}${frac}`);
  if (sign === '-') n = -n;
  const e = Number(exp) - 4 * frac.length; // value = n · 2^e
  return e >= 0 ? rat(n * (1n << BigInt(e))) : rat(n, 1n << BigInt(-e));
}

/**
 * The exact doubles of a reference tensor, from its hex floats; throws when a hex
 * float is not exactly the double that the decimal `value` denotes (a corrupted file).
 */
export function exactValues(t: RefTensor): number[] {
  if (t.hex.length !== t.value.length) throw new Error('reference tensor: hex and value lengths differ');
  return t.hex.map((h, i) => {
    const r = hexToRational(h);
    const x = rationalToDouble(r);
    const back = doubleToRational(x);
    if (back.n !== r.n || back.d !== r.d) throw new Error(`hex float ${h} is not a double`);
    if (!Object.is(x, t.value[i]!) && x !== t.value[i]) throw new Error(`hex ${h} ≠ value ${t.value[i]}`);
    return x;
  });
}

/** A TensorValue over lo..hi (row-major) from a reference tensor's doubles, entered exactly. */
export function tensorValue<T>(F: Field<T>, t: RefTensor, lo: readonly bigint[], hi: readonly bigint[]): TensorValue<T> {
  const data = exactValues(t).map((x) => F.fromNumber(x));
  let count = 1;
  for (let d = 0; d < lo.length; d++) count *= Number(hi[d]! - lo[d]! + 1n);
  if (count !== data.length) {
    throw new Error(`reference tensor has ${data.length} elements, the engine's index set ${count}`);
  }
  return { lo: [...lo], hi: [...hi], data };
}

export interface Verdict<T> {
  readonly ok: boolean;
  readonly err: T;
  readonly tol: T;
  readonly text: string;
}

/**
 * README rule: |a − b| ≤ relTol·max(|a|, |b|) + absTol·S, in the field F (no
 * rounding to double before the comparison). Defaults: 1e-11 and 1e-13.
 */
export function compare<T>(F: Field<T>, a: T, b: T, S: T, relTol: T = F.fromRational(rat(1, 10n ** 11n)), absTol: T = F.fromRational(rat(1, 10n ** 13n))): Verdict<T> {
  const err = F.abs(F.sub(a, b));
  const big = F.cmp(F.abs(a), F.abs(b)) >= 0 ? F.abs(a) : F.abs(b);
  const tol = F.add(F.mul(relTol, big), F.mul(absTol, S));
  const ok = F.isFinite(a) && F.isFinite(b) && F.cmp(err, tol) <= 0;
  return { ok, err, tol, text: `engine ${F.toString(a, 20)} vs reference ${F.toString(b, 20)}: |diff| ${F.toString(err, 3)}, tolerance ${F.toString(tol, 3)}` };
}
