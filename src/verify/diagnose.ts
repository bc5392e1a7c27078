// Where a failing claim goes wrong. Both sides are split into additive terms (and a
// differing term into its factors), each term is evaluated at the points where the
// claim was tested, and terms are matched by value, not by shape: so an equivalent
// rewriting is never blamed. What is left over is named: a missing path, an extra
// term, a wrong sign or scale, a factor that should be another, an index shifted by
// one or transposed. The findings are data; src/render words them.
import type { Derivation } from '../autodiff/forms.js';
import { normalizeIndex } from '../indices/affine.js';
import { withRange } from '../indices/prove.js';
import type { Node } from '../ir/node.js';
import { add, idx, key, mul, neg, node, num, size, substIndices } from '../ir/node.js';
import { rat } from '../ir/rational.js';
import type { Values } from '../numeric/evaluate.js';
import { evaluate } from '../numeric/evaluate.js';
import type { Big } from '../numeric/mathjs.js';
import { bigField } from '../numeric/mathjs.js';
import type { Sizes } from '../numeric/sample.js';
import { simplify } from '../simplify/pass.js';
import type { Rule } from '../simplify/rules.js';
import { ELEMENT_RULES, RULES } from '../simplify/rules.js';
import { applyCase } from './cases.js';
import type { ResolvedClaim } from './claims.js';

export interface Sample {
  readonly sizes: Sizes;
  readonly values: Values<Big>;
  readonly at: ReadonlyMap<string, bigint>;
  readonly agrees: boolean;
  /** The claim read outside a tensor here. */
  readonly outside?: boolean;
}

export type Finding =
  | { readonly kind: 'path-missing'; readonly through: string; readonly term: Node }
  | { readonly kind: 'missing'; readonly term: Node }
  | { readonly kind: 'extra'; readonly term: Node }
  | { readonly kind: 'sign'; readonly term: Node }
  /** claim term = factor × correct term */
  | { readonly kind: 'scale'; readonly term: Node; readonly factor: Node }
  | { readonly kind: 'factor'; readonly wrong: Node; readonly right: Node }
  | { readonly kind: 'shift'; readonly read: Node; readonly meant: Node }
  | { readonly kind: 'transpose'; readonly read: Node; readonly meant: Node }
  | { readonly kind: 'whole'; readonly claim: Node; readonly correct: Node }
  /** The claim reads outside a tensor's index set somewhere. */
  | { readonly kind: 'outside'; readonly what: string };

export interface Diagnosis {
  /** The engine's own form of the left side, and which form it is. */
  readonly correct?: { readonly node: Node; readonly form: 'local' | 'closed' | 'elementwise' | 'definition' };
  readonly findings: readonly Finding[];
}

const MAX_SAMPLES = 12;
const TOL = 1e-20;
const F = bigField(64);
// terms as a person sees them: constants out of sums, sums split over their terms
const LIGHT: readonly Rule[] = [RULES.sqrtPower, RULES.indexArith, RULES.mulCanon, RULES.addCanon, RULES.powCanon, RULES.bracket, RULES.sumZero, RULES.constantsOut, RULES.split];

export function diagnose(d: Derivation, rc: ResolvedClaim, all: readonly Sample[], outside: readonly string[] = []): Diagnosis {
  const correct = engineForm(d, rc);
  const reads: Finding[] = outside.map((what) => ({ kind: 'outside', what }));
  if (!correct) return { findings: reads };
  const samples = all.filter((s) => !s.outside).slice(0, MAX_SAMPLES);
  const scope = rc.free.reduce((s, f) => withRange(s, f.name, { lo: f.lo, hi: f.hi }), d.graph.scope);
  const constants = new Set([...d.graph.tensors.values()].filter((t) => t.role === 'const').map((t) => t.name));
  const split = (n: Node, rules: typeof LIGHT): Node[] => {
    const s = simplify(n, { rules, scope, maxSteps: 5_000, constants }).result;
    return s.op === 'add' ? [...s.args] : isZero(s) ? [] : [s];
  };
  const values = (n: Node): (Big | undefined)[] => samples.map((s) => {
    try {
      return evaluate(F, n, s.sizes, s.values, s.at);
    } catch {
      return undefined;
    }
  });
  const same = (a: readonly (Big | undefined)[], b: readonly (Big | undefined)[]): boolean =>
    a.every((x, k) => x !== undefined && b[k] !== undefined && close(x, b[k]!));
  // terms as written, and multiplied out: whichever leaves less unexplained
  const attempt = (rules: typeof LIGHT) => findingsOf(split(rc.rhs, rules), split(correct.node, rules), values, same, samples, rc);
  const plain = attempt(LIGHT);
  const expanded = plain.unexplained > 0 ? attempt([...LIGHT, RULES.expand]) : plain;
  const best = expanded.unexplained < plain.unexplained ? expanded : plain;
  // the whole right side negated is one mistake, not one per term
  if (best.findings.length > 1 && same(values(neg(rc.rhs)), values(correct.node))) {
    return { correct, findings: [...reads, { kind: 'sign', term: tidy(rc.rhs, d) }] };
  }
  const findings = [...reads, ...best.findings];
  if (!findings.length) findings.push({ kind: 'whole', claim: rc.rhs, correct: correct.node });
  return { correct, findings };
}

/** Findings from the two sides' terms; `unexplained`: how many terms had no pair. */
function findingsOf(
  claim: readonly Node[],
  engine: readonly Node[],
  values: (n: Node) => (Big | undefined)[],
  same: (a: readonly (Big | undefined)[], b: readonly (Big | undefined)[]) => boolean,
  samples: readonly Sample[],
  rc: ResolvedClaim,
): { findings: Finding[]; unexplained: number } {
  const claimTerms = claim.map((t) => ({ t, v: values(t) }));
  // terms equal by value cancel out, whatever their shape
  const leftC = [...claimTerms];
  const leftE: Valued[] = [];
  for (const t of engine) {
    const e = { t, v: values(t) };
    const i = leftC.findIndex((c) => same(c.v, e.v));
    if (i >= 0) leftC.splice(i, 1);
    else leftE.push(e);
  }
  const findings: Finding[] = [];
  const claimAdjoints = new Set(claimTerms.flatMap((c) => adjointsIn(c.t)));
  let unexplained = 0;
  // pair what is left: first by a constant ratio of values, then by the tensors involved
  for (const e of leftE) {
    let j = leftC.findIndex((c) => constantRatio(c.v, e.v, samples) !== undefined);
    if (j < 0) {
      const names = namesIn(e.t);
      j = leftC.findIndex((c) => namesIn(c.t).some((x) => names.includes(x)));
    }
    if (j < 0) {
      unexplained++;
      const through = adjointsIn(e.t).find((a) => !claimAdjoints.has(a));
      findings.push(through ? { kind: 'path-missing', through, term: e.t } : { kind: 'missing', term: e.t });
      continue;
    }
    const c = leftC.splice(j, 1)[0]!;
    findings.push(...compareTerms(c, e, values, same, samples, rc));
  }
  for (const c of leftC) {
    unexplained++;
    findings.push({ kind: 'extra', term: c.t });
  }
  return { findings, unexplained };
}

type Valued = { readonly t: Node; readonly v: readonly (Big | undefined)[] };

/** One claim term against the correct term it stands for. */
function compareTerms(c: Valued, e: Valued, values: (n: Node) => (Big | undefined)[], same: (a: readonly (Big | undefined)[], b: readonly (Big | undefined)[]) => boolean, samples: readonly Sample[], rc: ResolvedClaim): Finding[] {
  const ratio = constantRatio(c.v, e.v, samples);
  if (ratio && key(ratio) === key(num(-1))) return [{ kind: 'sign', term: c.t }];
  if (ratio) return [{ kind: 'scale', term: c.t, factor: ratio }];
  for (const v of variants(c.t)) {
    if (same(values(v.term), e.v)) return [{ kind: v.kind, read: v.read, meant: v.meant }];
  }
  // two free indices exchanged across the whole term: dL/dy[j]·x[i] for dL/dy[i]·x[j]
  for (const [a, b] of pairs(rc.free.map((f) => f.name))) {
    const swapped = substIndices(c.t, new Map([[a, idx(b)], [b, idx(a)]]));
    if (same(values(swapped), e.v)) return [{ kind: 'transpose', read: c.t, meant: swapped }];
  }
  // factor by factor: what is left on each side is the mistake
  const fc = factors(c.t).map((t) => ({ t, v: values(t) }));
  const fe = factors(e.t).map((t) => ({ t, v: values(t) }));
  const wrong = [...fc];
  const right: Node[] = [];
  for (const f of fe) {
    const i = wrong.findIndex((g) => same(g.v, f.v));
    if (i >= 0) wrong.splice(i, 1);
    else right.push(f.t);
  }
  return [{ kind: 'factor', wrong: product(wrong.map((w) => w.t)), right: product(right) }];
}

/** c/e when it is the same constant (or the same size, or 1/size) at every point. */
function constantRatio(c: readonly (Big | undefined)[], e: readonly (Big | undefined)[], samples: readonly Sample[]): Node | undefined {
  // a sample where both are 0 (x − μ at d = 1) says nothing about the ratio
  const kept = c.map((x, k) => [x, e[k], samples[k]] as const).filter(([x, y]) => !(x !== undefined && y !== undefined && tiny(x) && tiny(y)));
  const rs = kept.map(([x, y]) => (x !== undefined && y !== undefined && !tiny(y) ? F.toNumber(F.div(x, y)) : NaN));
  samples = kept.map(([, , s]) => s!);
  if (rs.some(Number.isNaN) || !rs.length) return undefined;
  const r0 = rs[0]!;
  if (rs.every((r) => Math.abs(r - r0) <= 1e-12 * Math.abs(r0))) {
    for (let q = 1; q <= 12; q++) {
      const p = Math.round(r0 * q);
      if (Math.abs(r0 * q - p) < 1e-9 && p !== 0 && !(p === q)) return num(rat(p, q));
    }
    return undefined;
  }
  // a size: the ratio follows n (a missing 1/n) or 1/n (an extra one)
  for (const name of samples[0]?.sizes.keys() ?? []) {
    const vs = samples.map((s) => Number(s.sizes.get(name)));
    if (rs.every((r, k) => Math.abs(r - vs[k]!) <= 1e-12 * vs[k]!)) return size(name);
    if (rs.every((r, k) => Math.abs(r * vs[k]! - 1) <= 1e-12)) return node('pow', [size(name), num(-1)]);
  }
  return undefined;
}

/** The term with one read's index moved by ±1, or a 2-index read transposed. */
function variants(t: Node): { term: Node; kind: 'shift' | 'transpose'; read: Node; meant: Node }[] {
  const out: { term: Node; kind: 'shift' | 'transpose'; read: Node; meant: Node }[] = [];
  const reads: Node[] = [];
  const walk = (n: Node): void => {
    if ((n.op === 'read' || n.op === 'adj') && n.args.length) reads.push(n);
    n.args.forEach(walk);
  };
  walk(t);
  const replace = (from: Node, to: Node): Node => swap(t, key(from), to);
  for (const r of reads) {
    r.args.forEach((a, dim) => {
      for (const delta of [-1, 1]) {
        const args = r.args.map((x, k) => (k === dim ? normalizeIndex(add(x, num(delta))) : x));
        const meant = node(r.op, args, r.attrs);
        out.push({ term: replace(r, meant), kind: 'shift', read: r, meant });
      }
    });
    if (r.args.length === 2) {
      const meant = node(r.op, [r.args[1]!, r.args[0]!], r.attrs);
      out.push({ term: replace(r, meant), kind: 'transpose', read: r, meant });
    }
  }
  return out;
}

function swap(n: Node, k: string, to: Node): Node {
  if (key(n) === k) return to;
  const args = n.args.map((a) => swap(a, k, to));
  return args.every((a, i) => a === n.args[i]) ? n : node(n.op, args, n.attrs);
}

/** What the engine derives for the claim's left side: local form if the claim goes through consumers' adjoints. */
function engineForm(d: Derivation, rc: ResolvedClaim): Diagnosis['correct'] {
  const l = rc.lhs;
  if (l.op === 'adj' && !l.attrs.upstream) {
    const f = d.adjoints.get(l.attrs.name!);
    if (!f) return undefined;
    const consumers = new Set(f.sweep.contributions.map((c) => c.consumer.name));
    const local = adjointsIn(rc.rhs).some((a) => consumers.has(a));
    // one element of a concrete layer: its elementwise form, in the claim's case
    const at = l.args.map((a) => (a.op === 'num' ? a.attrs.value!.n : undefined));
    const element = !local && at.every((v) => v !== undefined) ? f.elements?.find((e) => e.at.every((v, i) => v === at[i])) : undefined;
    if (element) {
      const cased = applyCase(element.form, rc.where);
      return { node: simplify(cased, { rules: ELEMENT_RULES, scope: d.graph.scope, unrollLimit: 64 }).result, form: 'elementwise' };
    }
    const base = local ? f.local.result : f.closed.result;
    const node = substIndices(base, new Map(f.free.map((m, i) => [m, l.args[i]!])));
    return { node: tidy(node, d), form: local ? 'local' : 'closed' };
  }
  if (l.op === 'read') {
    const t = d.graph.tensors.get(l.attrs.name!);
    if (!t?.body) return undefined;
    return { node: tidy(substIndices(t.body, new Map(t.dims.map((dim, i) => [dim.index, l.args[i]!]))), d), form: 'definition' };
  }
  return undefined;
}

/** Index arithmetic done after substituting the claim's indices: x[j + 1 − 1] is x[j]. */
const tidy = (n: Node, d: Derivation): Node =>
  simplify(n, { rules: [RULES.indexArith, RULES.mulCanon, RULES.addCanon, RULES.powCanon, RULES.bracket, RULES.singlePoint], scope: d.graph.scope }).result;

const tiny = (x: Big): boolean => Math.abs(F.toNumber(x)) < 1e-40;

function close(a: Big, b: Big): boolean {
  if (!F.isFinite(a) || !F.isFinite(b)) return false; // an infinity matches nothing
  const diff = Math.abs(F.toNumber(F.sub(a, b)));
  const scale = Math.max(Math.abs(F.toNumber(a)), Math.abs(F.toNumber(b)));
  return diff <= TOL * scale || diff <= 1e-40;
}

const isZero = (n: Node): boolean => n.op === 'num' && n.attrs.value!.n === 0n;
function* pairs<T>(xs: readonly T[]): Generator<[T, T]> {
  for (let i = 0; i < xs.length; i++) for (let j = i + 1; j < xs.length; j++) yield [xs[i]!, xs[j]!];
}

const factors = (n: Node): readonly Node[] => (n.op === 'mul' ? n.args : [n]);
const product = (fs: readonly Node[]): Node => (fs.length === 0 ? num(1) : fs.length === 1 ? fs[0]! : mul(...fs));

function adjointsIn(n: Node, out: string[] = []): string[] {
  if (n.op === 'adj' && !out.includes(n.attrs.name!)) out.push(n.attrs.name!);
  n.args.forEach((a) => adjointsIn(a, out));
  return out;
}

function namesIn(n: Node, out: string[] = []): string[] {
  if ((n.op === 'adj' || n.op === 'read') && !out.includes(n.attrs.name!)) out.push(n.attrs.name!);
  n.args.forEach((a) => namesIn(a, out));
  return out;
}
