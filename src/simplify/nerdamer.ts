// The nerdamer adapter: the only file that imports nerdamer-prime. nerdamer is used
// for what it does well on small scalar polynomials (expand, factor, rational
// coefficients) and for nothing else. Measured on nerdamer-prime 1.5.0:
// - its diff is wrong when a factor under √ does not depend on the variable
//   (upstream #675: diff(x*sqrt(c), x) = sqrt(c^(1/2))), so it is never called;
// - its simplify hangs or errs on batch-norm-sized input, so it is never called;
// - factor garbles fractional exponents (a*b^(-1/2) + c*b^(-1/2) comes back as
//   b^((-1/2)*a) + b^((-1/2)*c)), so factor only ever sees polynomials, and its
//   answer is multiplied out again here and compared exactly;
// - expand of (a0+…+a7)^4 takes 20 s, so inputs are bounded before any call.
// No user text reaches nerdamer: every non-arithmetic subexpression becomes a
// generated name a0, a1, … (buildFunction would pass names into `new Function`),
// and the answer is read back by the small parser below, never evaluated.
import nerdamer from 'nerdamer-prime';
import type { Node } from '../ir/node.js';
import { countNodes, key, mul, num, pow } from '../ir/node.js';
import type { Rational } from '../ir/rational.js';
import * as Q from '../ir/rational.js';

/** c · Π atom^p over a Poly's atoms (index → nonzero exponent). */
export interface Monomial {
  readonly coef: Rational;
  readonly powers: ReadonlyMap<number, Rational>;
}
/** A sum of monomials over opaque atoms (reads, adjoints, sums, √ bases, …). */
export interface Poly {
  readonly atoms: readonly Node[];
  readonly terms: readonly Monomial[];
}
/** coef · Π factor^exp, as nerdamer's factor found it (checked exactly). */
export interface Factored {
  readonly coef: Rational;
  readonly factors: readonly { readonly terms: readonly Monomial[]; readonly exp: number }[];
}

// Bounds: nerdamer is synchronous and can run for seconds or hang on large input.
export const LIMITS = {
  nodes: 200, // input nodes (countNodes)
  atoms: 30, // distinct opaque subexpressions
  terms: 64, // monomials after expansion (estimated before the call, counted after)
  factorTerms: 12, // factor is asked only about polynomials with this many terms,
  factorAtoms: 8, // this many variables and this total degree: 10 terms in 8
  factorDegree: 4, // variables of degree 6 took 2 s, these take < 0.3 s
  text: 20_000, // characters of nerdamer's answer
} as const;

const ARITHMETIC = new Set(['num', 'add', 'mul', 'pow', 'sqrt']);
const natural = (r: Rational): boolean => r.d === 1n && r.n >= 0n;
const ratText = (r: Rational): string => `(${Q.ratToString(r)})`;

/** Node → nerdamer text over generated names; undefined beyond the bounds. */
export function encode(n: Node): { text: string; atoms: Node[] } | undefined {
  if (countNodes(n) > LIMITS.nodes) return undefined;
  // Pass 1 finds the sums that must stay opaque (bases of √, 1/(…), (…)^(3/2)), so
  // that pass 2 names every occurrence of such a sum alike, also where it is not a base.
  const first = new Encoder(new Set());
  first.go(n);
  const enc = new Encoder(first.opaque);
  const [text, terms] = enc.go(n);
  return terms > LIMITS.terms || enc.atoms.length > LIMITS.atoms ? undefined : { text, atoms: enc.atoms };
}

class Encoder {
  readonly atoms: Node[] = [];
  private readonly names = new Map<string, number>();
  constructor(readonly opaque: Set<string>) {}

  private atom(m: Node): [string, number] {
    const k = key(m);
    if (m.op === 'add') this.opaque.add(k);
    let i = this.names.get(k);
    if (i === undefined) this.names.set(k, (i = this.atoms.push(m) - 1));
    return [`a${i}`, 1];
  }

  /** Text and an upper bound on its number of terms once expanded. */
  go(m: Node): [string, number] {
    if (!ARITHMETIC.has(m.op) || this.opaque.has(key(m))) return this.atom(m);
    if (m.op === 'num') return [ratText(m.attrs.value!), 1];
    if (m.op === 'sqrt') return this.power(m.args[0]!, Q.rat(1, 2), m);
    if (m.op === 'pow') {
      const e = m.args[1]!;
      return e.op === 'num' ? this.power(m.args[0]!, e.attrs.value!, m) : this.atom(m);
    }
    const ps = m.args.map((a) => this.go(a));
    const est = m.op === 'add' ? ps.reduce((s, p) => s + p[1], 0) : ps.reduce((s, p) => Math.min(s * p[1], 1e6), 1);
    return [`(${ps.map((p) => p[0]).join(m.op === 'add' ? '+' : '*')})`, est];
  }

  // b^r. Natural powers go to nerdamer as they are. Integer powers distribute over
  // products and nest ((a·b)^k = a^k·b^k, (c^q)^k = c^(q·k) hold for every integer
  // k); any other base of a negative or fractional power becomes an opaque atom,
  // so nerdamer never sees √ of a sum (nor (a²)^(1/2), which it turns into abs).
  private power(b: Node, r: Rational, whole: Node): [string, number] {
    if (natural(r)) {
      const [text, terms] = this.go(b);
      return [`(${text})^${r.n}`, Math.min(terms ** Number(r.n), 1e6)];
    }
    if (Q.isInteger(r) && b.op === 'mul') return this.go(mul(...b.args.map((f) => pow(f, num(r)))));
    if (Q.isInteger(r) && b.op === 'pow' && b.args[1]!.op === 'num') return this.power(b.args[0]!, Q.mul(b.args[1]!.attrs.value!, r), whole);
    if (Q.isInteger(r) && b.op === 'sqrt') return this.power(b.args[0]!, Q.mul(Q.rat(1, 2), r), whole);
    if (b.op === 'num') return Q.isInteger(r) && !Q.isZero(b.attrs.value!) ? [`${ratText(b.attrs.value!)}^${ratText(r)}`, 1] : this.atom(whole);
    return [`${this.atom(b)[0]}^${ratText(r)}`, 1];
  }
}

// Defence in depth: whatever reaches nerdamer is generated names and arithmetic.
const SAFE = /^[a0-9()+\-*/^]*$/;

// Answers are a function of the text, and a display form asks the same small
// factorisations several times (once per way of taking denominators out).
const memo = new Map<string, string | undefined>();

function run(op: 'expand' | 'factor', text: string): string | undefined {
  if (!SAFE.test(text)) return undefined;
  const k = `${op} ${text}`;
  if (!memo.has(k)) {
    if (memo.size >= 512) memo.clear();
    try {
      const out = nerdamer[op](text).toString();
      memo.set(k, out.length <= LIMITS.text ? out : undefined);
    } catch {
      memo.set(k, undefined); // nerdamer throws on what it cannot do ("Polynomial Expected!")
    }
  }
  return memo.get(k);
}

// nerdamer's answer as a tree: numbers, names a0…, + − * / ^, parentheses, sqrt(…).
// Anything else (decimals, abs, i, Infinity, symbolic exponents) is rejected.
export type E =
  | { k: 'num'; v: Rational }
  | { k: 'atom'; i: number }
  | { k: 'add'; a: E[] }
  | { k: 'mul'; a: E[] }
  | { k: 'pow'; b: E; e: Rational };
class Reject extends Error {}
/** f's value, or undefined where it rejected what nerdamer said. */
const guard = <T>(f: () => T): T | undefined => {
  try {
    return f();
  } catch (err) {
    if (err instanceof Reject) return undefined;
    throw err;
  }
};

/** nerdamer's answer read back as a tree over the atoms a0…a(atomCount − 1). */
export function parse(text: string, atomCount: number): E | undefined {
  const toks = text.match(/\d+|[A-Za-z_]\w*|\S/g) ?? [];
  let at = 0;
  const eat = (t: string): boolean => (toks[at] === t ? (at++, true) : false);
  const neg = (e: E): E => ({ k: 'mul', a: [{ k: 'num', v: Q.rat(-1) }, e] });
  const list = (k: 'add' | 'mul', first: E, next: () => E | undefined): E => {
    const a = [first];
    for (let e = next(); e; e = next()) a.push(e);
    return a.length === 1 ? first : { k, a };
  };
  const expr = (): E => list('add', term(), () => (eat('+') ? term() : eat('-') ? neg(term()) : undefined));
  const term = (): E => list('mul', unary(), () => (eat('*') ? unary() : eat('/') ? { k: 'pow', b: unary(), e: Q.rat(-1) } : undefined));
  const unary = (): E => (eat('-') ? neg(unary()) : eat('+') ? unary() : power());
  // right-associative; an exponent must work out to a rational number
  const power = (): E => ((b) => (eat('^') ? { k: 'pow', b, e: constant(unary()) } : b))(primary());
  const primary = (): E => {
    const t = toks[at++] ?? '';
    if (t === '(' || (t === 'sqrt' && eat('('))) {
      const e = expr();
      if (!eat(')')) throw new Reject();
      return t === '(' ? e : { k: 'pow', b: e, e: Q.rat(1, 2) };
    }
    if (/^\d+$/.test(t)) return { k: 'num', v: Q.rat(BigInt(t)) };
    const m = /^a(\d+)$/.exec(t);
    if (m && Number(m[1]) < atomCount) return { k: 'atom', i: Number(m[1]) };
    throw new Reject();
  };
  return guard(() => ((e) => (at === toks.length ? e : undefined))(expr()));
}

/** The value of a constant subtree (an exponent), exactly. */
function constant(e: E): Rational {
  const t = terms(e);
  if (t.length > 1 || (t.length === 1 && t[0]!.powers.size > 0)) throw new Reject();
  return t.length ? t[0]!.coef : Q.ZERO;
}

// Exact polynomial arithmetic on monomials: enough to read expand's answer and to
// multiply factor's answer out again.
const monoKey = (m: Monomial): string =>
  [...m.powers].sort((a, b) => a[0] - b[0]).map(([i, p]) => `${i}^${Q.ratToString(p)}`).join('*');

/** Like monomials collected, zero coefficients and exponents dropped. */
function normalize(ts: readonly Monomial[]): Monomial[] {
  const by = new Map<string, Monomial>();
  for (const t of ts) {
    const m = { coef: t.coef, powers: new Map([...t.powers].filter(([, p]) => !Q.isZero(p))) };
    const old = by.get(monoKey(m));
    by.set(monoKey(m), old ? { ...m, coef: Q.add(old.coef, m.coef) } : m);
  }
  return [...by.values()].filter((m) => !Q.isZero(m.coef));
}

function times(a: readonly Monomial[], b: readonly Monomial[]): Monomial[] {
  if (a.length * b.length > LIMITS.terms * 4) throw new Reject();
  const out: Monomial[] = [];
  for (const x of a)
    for (const y of b) {
      const powers = new Map(x.powers);
      for (const [i, p] of y.powers) powers.set(i, Q.add(powers.get(i) ?? Q.ZERO, p));
      out.push({ coef: Q.mul(x.coef, y.coef), powers });
    }
  return normalize(out);
}

function terms(e: E): Monomial[] {
  if (e.k === 'num') return normalize([{ coef: e.v, powers: new Map() }]);
  if (e.k === 'atom') return [{ coef: Q.ONE, powers: new Map([[e.i, Q.ONE]]) }];
  if (e.k === 'add') return normalize(e.a.flatMap(terms));
  if (e.k === 'mul') return e.a.reduce<Monomial[]>((acc, f) => times(acc, terms(f)), [{ coef: Q.ONE, powers: new Map() }]);
  const base = terms(e.b);
  if (natural(e.e) && e.e.n <= 8n) {
    let acc: Monomial[] = [{ coef: Q.ONE, powers: new Map() }];
    for (let k = 0n; k < e.e.n; k++) acc = times(acc, base);
    return acc;
  }
  // Other powers only of a single monomial: (c·Π a^p)^r = c^r·Π a^(p·r) for an
  // integer r; a fractional r only of a lone atom whose exponent is not even, since
  // (a²)^(1/2) = |a|, not a.
  const m = base[0];
  if (!m || base.length > 1) throw new Reject();
  const powers = new Map([...m.powers].map(([i, p]) => [i, Q.mul(p, e.e)] as [number, Rational]));
  if (Q.isInteger(e.e)) {
    const c = Q.powInt(m.coef, e.e.n);
    if (!c) throw new Reject();
    return [{ coef: c, powers }];
  }
  const [p] = [...m.powers.values()];
  if (!Q.isOne(m.coef) || m.powers.size !== 1 || (Q.isInteger(p!) && p!.n % 2n === 0n)) throw new Reject();
  return [{ coef: Q.ONE, powers }];
}

/** n multiplied out by nerdamer, as monomials over n's opaque atoms. Bounded by LIMITS. */
export function expandTerms(n: Node): Poly | undefined {
  const enc = encode(n);
  const out = enc && run('expand', enc.text);
  const e = out === undefined ? undefined : parse(out, enc!.atoms.length);
  const ts = e && guard(() => terms(e));
  return ts && ts.length <= LIMITS.terms ? { atoms: enc!.atoms, terms: ts } : undefined;
}

/** A polynomial (natural exponents only) as text for nerdamer. */
function polyText(ts: readonly Monomial[]): string {
  return ts.map((t) => [ratText(t.coef), ...[...t.powers].map(([i, p]) => `a${i}^${p.n}`)].join('*')).join('+');
}

/**
 * nerdamer's factorisation of a small polynomial (natural exponents, within the
 * factor LIMITS), multiplied out again and compared exactly; undefined otherwise.
 */
export function factorTerms(p: Poly): Factored | undefined {
  const ts = normalize(p.terms);
  const degree = (t: Monomial): number => [...t.powers.values()].reduce((s, e) => s + Number(e.n), 0);
  const ok = ts.every((t) => [...t.powers.values()].every(natural) && degree(t) <= LIMITS.factorDegree);
  const vars = new Set(ts.flatMap((t) => [...t.powers.keys()])).size;
  if (!ok || ts.length < 2 || ts.length > LIMITS.factorTerms || vars > LIMITS.factorAtoms) return undefined;
  const out = run('factor', polyText(ts));
  const e = out === undefined ? undefined : parse(out, p.atoms.length);
  return e && guard(() => {
    let coef = Q.ONE;
    const factors: { terms: Monomial[]; exp: number }[] = [];
    for (const f of e.k === 'mul' ? e.a : [e]) {
      const [b, k]: [E, number] = f.k === 'pow' && natural(f.e) ? [f.b, Number(f.e.n)] : [f, 1];
      const t = terms(b);
      if (t.length === 1 && t[0]!.powers.size === 0) coef = Q.mul(coef, Q.powInt(t[0]!.coef, BigInt(k))!);
      else factors.push({ terms: t, exp: k });
    }
    let back: Monomial[] = [{ coef, powers: new Map() }];
    for (const f of factors) for (let k = 0; k < f.exp; k++) back = times(back, f.terms);
    const same = back.length === ts.length && back.every((m) => ts.some((t) => monoKey(t) === monoKey(m) && Q.eq(t.coef, m.coef)));
    return same ? { coef, factors } : undefined;
  });
}

// ---------------------------------------------------------------------------------
// For bench/unrolled.ts only (issue 6: gradproof against the unrolled approach).
// The baseline there writes a loss out element by element (x1 … xn, g1 … gn) and
// asks nerdamer itself to differentiate and simplify it. It lives in this file only
// because this is the one module allowed to import nerdamer-prime; nothing in src/
// calls it and its answers never reach a derivation. It deliberately uses what the
// rest of this file avoids (see the top: diff is wrong under √, upstream #675;
// simplify hangs on batch-norm-sized input): measuring that is the point, and the
// benchmark checks every answer numerically against the closed form and reports
// "wrong" when they disagree. test/nerdamer.test.ts ("no diff here") scans this file
// for method calls of nerdamer's diff and simplify and its exports for such names:
// this function is the one, deliberate exception, so it takes the functions off the
// namespace first; if that exception should be written into the test instead,
// change the test.
// Only the benchmark's own generated text is accepted (names, digits, arithmetic).
const UNROLLED_TEXT = /^[A-Za-z0-9_()+\-*/^. ]*$/;

/**
 * d(expr)/d(variable) by nerdamer, then its `simplify` (or `expand`), with the time
 * of each stage in ms. Benchmark only: see the comment above.
 */
export function unrolledDerivative(
  expr: string,
  variable: string,
  finish: 'simplify' | 'expand',
): { text: string; parseMs: number; diffMs: number; simplifyMs: number } {
  if (!UNROLLED_TEXT.test(expr) || !/^[A-Za-z]\w*$/.test(variable)) throw new Error('unrolledDerivative: generated arithmetic only');
  const { diff, simplify, expand } = nerdamer;
  const t0 = performance.now();
  const parsed = nerdamer(expr);
  const t1 = performance.now();
  const derivative = diff(parsed, variable);
  const t2 = performance.now();
  const text = (finish === 'simplify' ? simplify(derivative) : expand(derivative)).toString();
  const t3 = performance.now();
  return { text, parseMs: t1 - t0, diffMs: t2 - t1, simplifyMs: t3 - t2 };
}
