// Every claim gets a verdict: holds (symbolically, or tested at which sizes, points
// and tolerance), fails (a counterexample, the engine's correct form and a diagnosis
// of where it goes wrong), or error (with file:line:col). One bad claim never hides
// the others. Points are shared by the claims of a file that have no `where` case.
import type { Derivation } from '../autodiff/forms.js';
import type { Claim } from '../graph/graph.js';
import { withRange } from '../indices/prove.js';
import type { Node } from '../ir/node.js';
import { add, mapNodes, neg, substIndices } from '../ir/node.js';
import { holds as relHolds } from '../ops/iverson.js';
import type { TensorValue, Values } from '../numeric/evaluate.js';
import { elementsOf, evaluate, extentOf, magnitude } from '../numeric/evaluate.js';
import { floatField } from '../numeric/float.js';
import type { Big } from '../numeric/mathjs.js';
import { bigField } from '../numeric/mathjs.js';
import { Rng } from '../numeric/random.js';
import type { Sizes } from '../numeric/sample.js';
import { showSizes, sizeInstances } from '../numeric/sample.js';
import { OutOfRange } from '../ops/elements.js';
import { simplify } from '../simplify/pass.js';
import { CLOSED_RULES } from '../simplify/rules.js';
import { SpecError } from '../syntax/errors.js';
import type { LatexReader, ResolvedClaim } from './claims.js';
import type { Exact } from './shapes.js';
import { isSizeClaim, judgeSize } from './shapes.js';
import { expectationOf, resolveClaim } from './claims.js';
import type { Diagnosis, Sample } from './diagnose.js';
import { diagnose } from './diagnose.js';
import type { Point } from './gradcheck.js';
import { samplePoint, TOLERANCE } from './gradcheck.js';

const POINTS = 2; // random points per size choice (the check of the forms uses 3)
const CASE_ATTEMPTS = 64; // draws allowed to land in a `where` case

export interface Counterexample {
  readonly sizes: string;
  /** The free indices' values: { i: '3' }. */
  readonly at: Readonly<Record<string, string>>;
  readonly lhs: string;
  readonly rhs: string;
  /** A few of the sampled inputs, for reproducing it by hand. */
  readonly inputs: Readonly<Record<string, readonly string[]>>;
}

export type Verdict =
  /** A shape or parameter-count claim, decided exactly (verify/shapes.ts). */
  | { readonly kind: 'holds' | 'fails'; readonly exact: Exact }
  | { readonly kind: 'holds'; readonly symbolic: boolean; readonly sizes: readonly string[]; readonly points: number; readonly comparisons: number; readonly maxRelError: number; readonly tolerance: number }
  | { readonly kind: 'fails'; readonly counterexample: Counterexample; readonly diagnosis: Diagnosis; readonly sizes: readonly string[] }
  | { readonly kind: 'error'; readonly message: string; readonly line: number; readonly col: number; readonly formatted: string };

export interface ClaimResult {
  readonly claim: Claim;
  readonly verdict: Verdict;
  /** The claim's left side, resolved (absent when the claim is an error). */
  readonly lhs?: Node;
  readonly expect?: 'holds' | 'fails' | 'error';
}

export interface VerifyOptions {
  readonly seed?: number | string;
  readonly readLatex: LatexReader;
}

export function verifyClaims(d: Derivation, opts: VerifyOptions): ClaimResult[] {
  const F = bigField(64);
  const g = d.graph;
  const { tried } = sizeInstances(g);
  const shared = new Map<string, Point | string>();
  const root = new Rng(opts.seed ?? 20261127).fork('claims');
  const resolved = g.claims.map((claim) => {
    try {
      if (isSizeClaim(claim)) return judgeSize(g, claim);
      return resolveClaim(g, claim, opts.readLatex);
    } catch (e) {
      if (e instanceof SpecError) return e;
      throw e;
    }
  });
  // the adjoints the claims refer to: the only ones to measure
  const needed = new Set<string>();
  const collect = (n: Node): void => {
    if (n.op === 'adj' && !n.attrs.upstream) needed.add(n.attrs.name!);
    n.args.forEach(collect);
  };
  for (const rc of resolved) if (!(rc instanceof SpecError) && 'lhs' in rc) [rc.lhs, rc.rhs, ...rc.where.flatMap((c) => [c.left, c.right])].forEach(collect);
  return g.claims.map((claim, k) => {
    const e = resolved[k]!;
    const expect = expectationOf(claim);
    if ('exact' in e) return { claim, ...(expect && { expect }), verdict: { kind: e.holds ? 'holds' : 'fails', exact: e.exact } };
    if (!(e instanceof SpecError)) return judged(e);
    // one bad claim never hides the others: it gets its own error verdict
    const span = e.span ?? claim.span;
    return { claim, ...(expect && { expect }), verdict: { kind: 'error', message: e.detail, line: span.line, col: span.col, formatted: e.span ? e.message : `${claim.span.file}:${claim.span.line}:${claim.span.col}: ${e.detail}` } };
  });

  function judged(rc: ResolvedClaim): ClaimResult {
    const verdict = judge(F, d, rc, tried, shared, root, needed);
    return { claim: rc.claim, verdict, lhs: rc.lhs, ...(rc.expect && { expect: rc.expect }) };
  }
}

function judge(F: ReturnType<typeof bigField>, d: Derivation, rc: ResolvedClaim, tried: readonly Sizes[], shared: Map<string, Point | string>, root: Rng, needed: ReadonlySet<string>): Verdict {
  const samples: Sample[] = [];
  let first: Counterexample | undefined;
  const outside = new Set<string>();
  let firstFinite = false;
  let maxRel = 0;
  const sizesSeen = new Set<string>();
  let points = 0;
  /** Why a size gave no point (a forward pass that is NaN everywhere sampled, say). */
  let unsampled: string | undefined;
  for (const sizes of tried) {
    const label = showSizes(sizes);
    for (let p = 0; p < POINTS; p++) {
      const point = pointFor(F, d, rc, sizes, label, p, shared, root, needed);
      if (typeof point === 'string') {
        unsampled ??= `${point} at ${label}`;
        continue;
      }
      const values: Values<Big> = { tensors: point.tensors, adjoints: withZeros(F, d, point.reference, sizes), upstream: point.upstream };
      let compared = false;
      for (const at of tuples(rc, sizes)) {
        if (!inCase(F, rc, sizes, values, at)) continue;
        compared = true;
        sizesSeen.add(label);
        const side = (n: Node): Big | string => {
          try {
            return evaluate(F, n, sizes, values, at);
          } catch (e) {
            if (e instanceof OutOfRange) return `reads ${e.tensor}[${e.at.join(', ')}], outside its index set`;
            throw e;
          }
        };
        const [l, r] = [side(rc.lhs), side(rc.rhs)];
        const rel = typeof l === 'string' || typeof r === 'string' ? Infinity : relative(F, l, r, rc, sizes, values, at);
        const read = typeof r === 'string' ? r : typeof l === 'string' ? l : undefined;
        if (read && outside.size < 3) outside.add(`${read}${at.size ? ` (at ${[...at].map(([k, v]) => `${k} = ${v}`).join(', ')}, ${label})` : ` (${label})`}`);
        samples.push({ sizes, values, at, agrees: rel <= TOLERANCE, ...(read && { outside: true }) });
        if (rel > maxRel) maxRel = rel;
        // the counterexample to show: the first one whose two sides are finite numbers
        const finite = typeof l !== 'string' && typeof r !== 'string' && F.isFinite(l) && F.isFinite(r);
        if (rel > TOLERANCE && (!first || (!firstFinite && finite))) {
          first = counterexample(F, d, label, at, l, r, point.tensors);
          firstFinite = finite;
        }
      }
      if (compared) points++;
    }
  }
  if (!samples.length) {
    const why = rc.where.length
      ? 'no sampled point falls in the case the claim is restricted to (its `where` never held)'
      : unsampled ? `it could not be tested: ${unsampled}` : 'no index value and size could be sampled for it';
    return { kind: 'error', message: why, line: rc.claim.span.line, col: rc.claim.span.col, formatted: `${rc.claim.span.file}:${rc.claim.span.line}:${rc.claim.span.col}: ${why}` };
  }
  if (first) return { kind: 'fails', counterexample: first, diagnosis: diagnose(d, rc, samples, [...outside]), sizes: [...sizesSeen] };
  return { kind: 'holds', symbolic: provedSymbolically(d, rc), sizes: [...sizesSeen], points, comparisons: samples.length, maxRelError: maxRel, tolerance: TOLERANCE };
}

/** Adjoints of nodes L does not depend on are 0 (claims may name them). */
function withZeros(F: ReturnType<typeof bigField>, d: Derivation, reference: ReadonlyMap<string, TensorValue<Big>>, sizes: Sizes): Map<string, TensorValue<Big>> {
  const out = new Map(reference);
  for (const t of d.graph.tensors.values()) {
    if (out.has(t.name) || d.adjoints.has(t.name) || t.role === 'const') continue;
    const ext = extentOf(t, sizes);
    out.set(t.name, { ...ext, data: elementsOf(ext.lo, ext.hi).map(() => F.zero) });
  }
  return out;
}

/** The shared points, or points of the claim's own `where` case. */
function pointFor(F: ReturnType<typeof bigField>, d: Derivation, rc: ResolvedClaim, sizes: Sizes, label: string, p: number, shared: Map<string, Point | string>, root: Rng, needed: ReadonlySet<string>): Point | string {
  if (!rc.where.length) {
    const k = `${label}#${p}`;
    if (!shared.has(k)) shared.set(k, samplePoint(F, d, sizes, root.fork(k), undefined, undefined, needed));
    return shared.get(k)!;
  }
  const accept = (tensors: ReadonlyMap<string, TensorValue<Big>>): boolean => {
    const values = { tensors, adjoints: new Map() };
    return tuples(rc, sizes).some((at) => inCase(F, rc, sizes, values, at));
  };
  return samplePoint(F, d, sizes, root.fork(`line ${rc.claim.span.line}`).fork(`${label}#${p}`), accept, CASE_ATTEMPTS, needed);
}

/** Every value of the free indices, at these sizes. */
function tuples(rc: ResolvedClaim, sizes: Sizes): Map<string, bigint>[] {
  const empty = { tensors: new Map(), adjoints: new Map() };
  let out: Map<string, bigint>[] = [new Map()];
  for (const f of rc.free) {
    const next: Map<string, bigint>[] = [];
    for (const at of out) {
      const lo = Math.round(evaluate(floatField, f.lo, sizes, empty, at));
      const hi = Math.round(evaluate(floatField, f.hi, sizes, empty, at));
      for (let v = lo; v <= hi; v++) next.push(new Map(at).set(f.name, BigInt(v)));
    }
    out = next;
  }
  return out;
}

function inCase(F: ReturnType<typeof bigField>, rc: ResolvedClaim, sizes: Sizes, values: Values<Big>, at: ReadonlyMap<string, bigint>): boolean {
  try {
    return rc.where.every((c) => relHolds(F.cmp(evaluate(F, c.left, sizes, values, at), evaluate(F, c.right, sizes, values, at)), c.rel));
  } catch {
    return false; // a condition that reads outside a tensor does not hold there
  }
}

function relative(F: ReturnType<typeof bigField>, l: Big, r: Big, rc: ResolvedClaim, sizes: Sizes, values: Values<Big>, at: ReadonlyMap<string, bigint>): number {
  const scale = Math.max(Math.abs(F.toNumber(magnitude(F, rc.lhs, sizes, values, at))), Math.abs(F.toNumber(magnitude(F, rc.rhs, sizes, values, at))));
  const diff = Math.abs(F.toNumber(F.sub(l, r)));
  const e = scale > 0 ? diff / scale : diff;
  return Number.isNaN(e) ? Infinity : e;
}

function counterexample(F: ReturnType<typeof bigField>, d: Derivation, sizes: string, at: ReadonlyMap<string, bigint>, l: Big | string, r: Big | string, tensors: ReadonlyMap<string, TensorValue<Big>>): Counterexample {
  const show = (v: Big | string): string => (typeof v === 'string' ? v : F.toString(v, 20));
  const inputs: Record<string, string[]> = {};
  for (const t of d.graph.tensors.values()) {
    if (t.role === 'def') continue;
    const v = tensors.get(t.name);
    if (v) inputs[t.name] = v.data.slice(0, 8).map((x) => F.toString(x, 8));
  }
  return { sizes, at: Object.fromEntries([...at].map(([k, v]) => [k, String(v)])), lhs: show(l), rhs: show(r), inputs };
}

/**
 * Both sides with every adjoint replaced by its closed form, their difference
 * simplified with the closed-form rules: 0 is a proof for every size at once.
 */
function provedSymbolically(d: Derivation, rc: ResolvedClaim): boolean {
  if (rc.where.length) return false;
  const closed = (n: Node): Node =>
    mapNodes(n, (m) => {
      if (m.op !== 'adj' || m.attrs.upstream || m.attrs.guarded) return m;
      const f = d.adjoints.get(m.attrs.name!);
      return f ? substIndices(f.closed.result, new Map(f.free.map((x, i) => [x, m.args[i]!]))) : m;
    });
  const scope = rc.free.reduce((s, f) => withRange(s, f.name, { lo: f.lo, hi: f.hi }), d.graph.scope);
  try {
    const diff = simplify(add(closed(rc.lhs), neg(closed(rc.rhs))), { rules: CLOSED_RULES, scope, folds: d.folds, maxSteps: 5_000 }).result;
    return diff.op === 'num' && diff.attrs.value!.n === 0n;
  } catch {
    return false; // past the step limit: the numeric test decides
  }
}

