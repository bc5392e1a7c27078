// The gradient check: every derived form against finite differences of the forward
// pass, in 64-digit arithmetic, at several sizes and random points (JAX's
// check_vjp idea, with the adjoint of an intermediate measured by nudging that node
// and letting the change flow through every path to L). A correct form agrees to
// far better than TOLERANCE; a wrong one cannot hide below it.
//
// At each point every form is first compared along one random direction per tensor,
// ⟨X̄, v⟩ against d/dt L(X + t·v) (two forward passes per tensor, not two per
// element): with every |vₑ| ≥ ½ and random signs, an error in any element moves the
// inner product unless errors in several elements cancel exactly, which random v
// makes a measure-zero event. Only where a form disagrees is the point done again
// element by element, to say which element is wrong and by how much. This halved the
// time of checking the bundled derivations (bench/RESULTS.md).
import type { AdjointForms, Derivation } from '../autodiff/forms.js';
import type { Node } from '../ir/node.js';
import type { Tensor } from '../graph/graph.js';
import type { Field } from '../numeric/field.js';
import type { TensorValue, Values } from '../numeric/evaluate.js';
import { elementsOf, evaluate, forward, magnitude } from '../numeric/evaluate.js';
import type { Big } from '../numeric/mathjs.js';
import { bigField } from '../numeric/mathjs.js';
import { Rng } from '../numeric/random.js';
import type { Sizes } from '../numeric/sample.js';
import { sampleLeaves, sampleUpstream, showSizes, sizeInstances } from '../numeric/sample.js';

export const TOLERANCE = 1e-20; // relative, against the largest element of the adjoint
const STEP = '1e-24'; // central-difference step: error ~ STEP² ≪ TOLERANCE, roundoff ~ 1e-64/STEP
const KINK_MARGIN = 1e-3; // no sampled point lies closer than this to a kink or a tie
const RESAMPLES = 32;

/**
 * 'inner' is the whole closed form at once: ⟨Jᵀu, v⟩ against the derivative of L along v.
 * 'recurrence' is not a gradient's form: a recurrence's closed form (its body) against
 * its rule evaluated step by step from v₀, the `gradient` field naming the tensor.
 */
export type FormName = 'local' | 'closed' | 'elementwise' | 'inner' | 'recurrence';

export interface FormCheck {
  readonly gradient: string;
  readonly form: FormName;
  readonly sizes: readonly string[];
  readonly points: number;
  readonly maxRelError: number;
  /**
   * Of `points`, those compared element by element with finite differences of each
   * element; the others were compared along a random direction (every form agreed there).
   */
  readonly byElement: number;
  readonly pass: boolean;
  /** The first disagreement, or an evaluation error. */
  readonly problem?: string;
}

export interface CheckReport {
  readonly file: string;
  readonly tried: readonly string[];
  readonly skipped: readonly string[];
  readonly forms: readonly FormCheck[];
  readonly pass: boolean;
  readonly tolerance: number;
}

/** The forms as printed (common factors out), to be checked like the engine's own. */
export type Presented = ReadonlyMap<string, { readonly closed: Node; readonly elements?: readonly Node[] }>;

export interface CheckOptions {
  readonly seed?: number | string;
  readonly points?: number;
  readonly candidates?: readonly bigint[];
  /** Sizes fixed by --size; the others are sampled. */
  readonly fixed?: Sizes;
  /** Elementwise forms derived at these sizes (checked only there). */
  readonly elementwise?: { readonly sizes: Sizes; readonly derivation: Derivation; readonly shown?: Presented };
  /** The forms as printed, checked like the engine's own. */
  readonly shown?: Presented;
  /**
   * Tensors with more elements than this are checked through ⟨Jᵀu, v⟩ alone (two
   * forward passes, not two per element): a layer checked on its smallest input
   * still has a 2×2×9×9 kernel (verify/layercheck.ts).
   */
  readonly elementLimit?: number;
}

interface Acc {
  sizes: Set<string>;
  points: number;
  byElement: number;
  max: number;
  problem?: string;
}

export function checkDerivation(d: Derivation, opts: CheckOptions = {}): CheckReport {
  const F = bigField(64);
  const g = d.graph;
  const points = opts.points ?? 3;
  const instances = sizeInstances(g, opts.candidates, opts.fixed);
  const { skipped } = instances;
  const extra = opts.elementwise?.sizes;
  // the sizes of the elementwise forms are always among those tried
  const tried = extra && extra.size && !instances.tried.some((s) => sameSizes(s, extra)) ? [...instances.tried, extra] : instances.tried;
  const acc = new Map<string, Acc>();
  // `again`: another form checked at the same point (the printed one), not a new point
  // `byElement`: compared element by element (after a disagreement along a direction)
  let byElement = false;
  const note = (gradient: string, form: FormName, sizes: string, err: number, problem?: string, again = false): void => {
    const k = `${gradient}\u0000${form}`;
    const a = acc.get(k) ?? { sizes: new Set<string>(), points: 0, byElement: 0, max: 0 };
    a.sizes.add(sizes);
    if (!again) a.points++;
    if (!again && byElement) a.byElement++;
    if (err > a.max || Number.isNaN(err)) a.max = Number.isNaN(err) ? Infinity : err;
    if (problem && !a.problem) a.problem = problem;
    acc.set(k, a);
  };
  const root = new Rng(opts.seed ?? 20261127);
  // a size at which no point has a finite forward pass (σ² = 0 at n = 1 without ε, a log
  // of something negative) is skipped with that reason: the forms cannot be wrong there,
  // and the check says so rather than calling them failed
  const sampled: Sizes[] = [];
  const unsampled: string[] = [];
  for (const sizes of tried) {
    const label = showSizes(sizes);
    let any = false;
    const elementwise = opts.elementwise && sameSizes(opts.elementwise.sizes, sizes) ? opts.elementwise.derivation : g.sizes.size === 0 ? d : undefined;
    const shownElements = elementwise === d ? opts.shown : opts.elementwise?.shown;
    for (let p = 0; p < points; p++) {
      const at = `${label}#${p}`;
      // First every form along one random direction per tensor (two forward passes per
      // tensor); only where something disagrees, element by element (two per element),
      // which also says which element and by how much. Same seed, so the same point.
      const fast = samplePoint(F, d, sizes, root.fork(at), undefined, undefined, undefined, 0);
      if (typeof fast === 'string') {
        if (p === points - 1 && !any) unsampled.push(`${showSizes(sizes)} (${fast})`);
        continue;
      }
      if (!any) sampled.push(sizes);
      any = true;
      byElement = false;
      roundoffFloor = F.mul(fast.magnitude, F.fromNumber(ROUNDOFF));
      for (const t of g.tensors.values()) {
        if (!t.recurrence) continue;
        const o = againstRule(F, t, sizes, fast);
        note(t.name, 'recurrence', label, o.err, o.problem);
      }
      const seen = alongDirections(F, d, fast, sizes, opts.shown, elementwise, shownElements);
      if (seen.every((s) => s.outcome.err <= TOLERANCE && !s.outcome.problem)) {
        for (const s of seen) note(s.gradient, s.form, label, s.outcome.err, undefined, s.again);
        continue;
      }
      const point = samplePoint(F, d, sizes, root.fork(at), undefined, undefined, undefined, opts.elementLimit);
      if (typeof point === 'string') throw new Error(`internal: the point at ${at} could be sampled once but not twice`);
      byElement = true;
      for (const gr of g.grads) {
        const forms = d.adjoints.get(gr.name);
        if (!forms) continue;
        const ref = point.reference.get(gr.name);
        if (!ref) {
          // too many elements to difference one by one: the closed form along a random direction
          const size = point.tensors.get(gr.name)!;
          const onlyUp = { tensors: point.tensors, adjoints: new Map(), upstream: point.upstream };
          const inner = innerProduct(F, forms.free, forms.closed.result, size, sizes, onlyUp, point.directional.get(gr.name)!);
          note(gr.name, 'inner', label, inner.err, inner.problem);
          const viaLocal = innerProduct(F, forms.free, forms.local.result, size, sizes, { tensors: point.tensors, adjoints: point.reference, upstream: point.upstream }, point.directional.get(gr.name)!);
          note(gr.name, 'local', label, viaLocal.err, viaLocal.problem && `along a direction: ${viaLocal.problem}`);
          continue;
        }
        const local = compare(F, forms, forms.local.result, ref, sizes, { tensors: point.tensors, adjoints: point.reference, upstream: point.upstream });
        note(gr.name, 'local', label, local.err, local.problem);
        // a closed form may use the upstream gradients only
        const onlyUpstream = { tensors: point.tensors, adjoints: new Map(), upstream: point.upstream };
        const closed = compare(F, forms, forms.closed.result, ref, sizes, onlyUpstream);
        note(gr.name, 'closed', label, closed.err, closed.problem);
        const display = opts.shown?.get(gr.name)?.closed;
        if (display) {
          const shown = compare(F, forms, display, ref, sizes, onlyUpstream);
          note(gr.name, 'closed', label, shown.err, shown.problem && `as printed: ${shown.problem}`, true);
        }
        const inner = innerProduct(F, forms.free, forms.closed.result, ref, sizes, onlyUpstream, point.directional.get(gr.name)!);
        note(gr.name, 'inner', label, inner.err, inner.problem);
        const el = elementwise?.adjoints.get(gr.name)?.elements;
        if (el) {
          const e = compareElements(F, el.map((x) => x.form), ref, sizes, onlyUpstream);
          note(gr.name, 'elementwise', label, e.err, e.problem);
          const shownEls = shownElements?.get(gr.name)?.elements;
          if (shownEls) {
            const s = compareElements(F, shownEls, ref, sizes, onlyUpstream);
            note(gr.name, 'elementwise', label, s.err, s.problem && `as printed: ${s.problem}`, true);
          }
        }
      }
    }
  }
  const forms: FormCheck[] = [...acc].map(([k, a]) => {
    const [gradient, form] = k.split('\u0000') as [string, FormName];
    const pass = a.max <= TOLERANCE && !a.problem;
    return { gradient, form, sizes: [...a.sizes], points: a.points, byElement: a.byElement, maxRelError: a.max, pass, ...(a.problem && { problem: a.problem }) };
  });
  return {
    file: g.file, tried: sampled.map(showSizes), skipped: [...skipped.map((s) => `${showSizes(s.sizes)} (${s.reason})`), ...unsampled],
    forms, pass: forms.length > 0 && forms.every((f) => f.pass), tolerance: TOLERANCE,
  };
}

export const sameSizes = (a: Sizes, b: Sizes): boolean => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

export interface Point {
  readonly tensors: ReadonlyMap<string, TensorValue<Big>>;
  readonly upstream: ReadonlyMap<string, TensorValue<Big>>;
  /** dL/dX for every derived X, by central differences through the forward pass. */
  readonly reference: ReadonlyMap<string, TensorValue<Big>>;
  /** For every derived X: a random direction v and the derivative of L along it. */
  readonly directional: ReadonlyMap<string, { readonly direction: readonly Big[]; readonly value: Big }>;
  /** The largest magnitude the forward pass computed: the yardstick of its roundoff. */
  readonly magnitude: Big;
}

/**
 * Differences below this fraction of the forward pass's largest value are roundoff, not
 * error: a central difference at 64 digits and step 10⁻²⁴ carries ~10⁻⁴⁰ of the values it
 * subtracts, so an exactly zero gradient (y = a/a) measures 5·10⁻⁴¹, and relative to 0
 * that would be an error of 1 (found by fuzzing). 10⁻¹⁸ keeps a wrong gradient as small
 * as 10⁻³⁸ of the forward values visible at the 10⁻²⁰ tolerance.
 */
const ROUNDOFF = 1e-18;
/** Set for the point being compared (one point at a time, synchronously). */
let roundoffFloor: Big = bigField(64).zero;

/** A point away from kinks, ties and undefined values, or why none was found. */
export function samplePoint(
  F: Field<Big>,
  d: Derivation,
  sizes: Sizes,
  rng: Rng,
  /** A condition on the forward values (a claim's `where` case); others are drawn again. */
  accept?: (tensors: ReadonlyMap<string, TensorValue<Big>>) => boolean,
  attempts = RESAMPLES,
  /** Only these adjoints, and no directional derivatives (what claims need). */
  only?: ReadonlySet<string>,
  /** Above this many elements, a tensor gets only its directional derivative. */
  elementLimit = Infinity,
): Point | string {
  const g = d.graph;
  let why = 'no point away from kinks and ties';
  for (let attempt = 0; attempt < attempts; attempt++) {
    const r = rng.fork(`attempt ${attempt}`);
    const leaves = sampleLeaves(F, g, sizes, r);
    const upstream = sampleUpstream(F, g, sizes, r);
    const margins = { min: Infinity };
    const tensors = forward(F, g, sizes, leaves, undefined, margins);
    if (margins.min < KINK_MARGIN) continue;
    const bad = [...tensors].find(([, v]) => v.data.some((x) => !F.isFinite(x)));
    if (bad) {
      why = `no point where the forward pass is finite (${bad[0]} is NaN or infinite; an assumption such as \`input x[n] > 0\` restricts the sampling)`;
      continue;
    }
    if (accept && !accept(tensors)) {
      why = 'no point in the case the claim is restricted to';
      continue;
    }
    const loss = (t: ReadonlyMap<string, TensorValue<Big>>): Big => {
      if (g.lossDefined) return t.get(g.loss)!.data[0]!;
      let s = F.zero;
      for (const [name, u] of upstream) u.data.forEach((ui, i) => (s = F.add(s, F.mul(ui, t.get(name)!.data[i]!))));
      return s;
    };
    const h = F.fromNumber(Number(STEP));
    const reference = new Map<string, TensorValue<Big>>();
    const directional = new Map<string, { direction: Big[]; value: Big }>();
    for (const [name] of d.adjoints) {
      if (only && !only.has(name)) continue;
      const v = tensors.get(name)!;
      // the step relative to the tensor's values: next to 10⁶⁵ an absolute 10⁻²⁴ is lost in
      // 64 digits and the measured adjoint would be 0 (found by fuzzing)
      let largest = F.one;
      for (const x of v.data) if (F.isFinite(x) && F.cmp(F.abs(x), largest) > 0) largest = F.abs(x);
      const step = F.mul(h, largest);
      const along = (dir: readonly Big[]): Big => {
        const up = loss(forward(F, g, sizes, leaves, { name, deltas: dir.map((d) => F.mul(d, step)) }, undefined, tensors));
        const down = loss(forward(F, g, sizes, leaves, { name, deltas: dir.map((d) => F.neg(F.mul(d, step))) }, undefined, tensors));
        return F.div(F.sub(up, down), F.add(step, step));
      };
      if (v.data.length <= elementLimit) {
        const data = v.data.map((_, offset) => along(v.data.map((_x, i) => (i === offset ? F.one : F.zero))));
        reference.set(name, { lo: v.lo, hi: v.hi, data });
      }
      // one random direction through the whole tensor: the derivative of L along it.
      // Every component is ±[½, 1), never near 0, so no element's error can be weighted
      // away: an error e in one element moves ⟨X̄, v⟩ by at least e/2.
      const dr = r.fork(`direction:${name}`);
      const direction = v.data.map(() => {
        const m = F.fromRational(dr.decimal(0.5, 1, 30));
        return dr.next() < 0.5 ? F.neg(m) : m;
      });
      if (!only) directional.set(name, { direction, value: along(direction) });
    }
    if (g.lossDefined) reference.set(g.loss, { lo: [], hi: [], data: [F.one] });
    let magnitude = F.zero;
    for (const v of [...tensors.values(), ...upstream.values()]) for (const x of v.data) magnitude = largest(F, magnitude, F.abs(x));
    return { tensors, upstream, reference, directional, magnitude };
  }
  return why;
}

interface Outcome {
  readonly err: number;
  readonly problem?: string;
}

/**
 * A recurrence's values at the point, which the forward pass computed from its closed
 * form, against its rule run step by step: v₀ = init, then v_t from v_{t−1} for
 * t = 1, 2, … (the reads of v in the rule see only the values computed here).
 */
function againstRule(F: Field<Big>, t: Tensor, sizes: Sizes, point: Point): Outcome {
  const r = t.recurrence!;
  const closed = point.tensors.get(t.name)!;
  const stepwise: Big[] = [];
  const own: TensorValue<Big> = { lo: closed.lo, hi: closed.hi, data: stepwise };
  const tensors = new Map(point.tensors).set(t.name, own);
  const values: Values<Big> = { tensors, adjoints: new Map(), upstream: point.upstream };
  const index = t.dims[0]!.index;
  try {
    stepwise.push(evaluate(F, r.init, sizes, values));
    for (let k = 1; k < closed.data.length; k++) stepwise.push(evaluate(F, r.step, sizes, values, new Map([[index, BigInt(k)]])));
  } catch (e) {
    return { err: Infinity, problem: `cannot evaluate the rule: ${(e as Error).message}` };
  }
  const o = outcome(F, closed.data, stepwise, stepwise.map((x) => F.abs(x)));
  return o.problem ? { ...o, problem: o.problem.replace('derived', 'closed form').replace('finite differences', 'the rule step by step') } : o;
}

type Extent = Pick<TensorValue<Big>, 'lo' | 'hi'>;

/** One form of one gradient compared along its tensor's random direction. */
interface Seen {
  readonly gradient: string;
  readonly form: FormName;
  readonly outcome: Outcome;
  /** Another form checked at the same point (the printed one). */
  readonly again: boolean;
}

/**
 * Every form of every gradient against the derivative of L along that tensor's random
 * direction, ⟨X̄, v⟩ = Σₑ X̄ₑ·vₑ. A closed form reads upstream gradients only; a local
 * form reads its consumers' adjoints, taken here from their closed forms (each checked
 * along its own direction in this same pass; the element-by-element path takes them
 * from finite differences instead). Any disagreement sends the point element by element.
 */
function alongDirections(
  F: Field<Big>, d: Derivation, point: Point, sizes: Sizes, shown: Presented | undefined, elementwise: Derivation | undefined, shownElements: Presented | undefined,
): Seen[] {
  const g = d.graph;
  const onlyUpstream: Values<Big> = { tensors: point.tensors, adjoints: new Map(), upstream: point.upstream };
  const closedValues = new Map<string, TensorValue<Big>>();
  try {
    for (const [name, forms] of d.adjoints) {
      const { lo, hi } = point.tensors.get(name)!;
      const data = elementsOf(lo, hi).map((at) => evaluate(F, forms.closed.result, sizes, onlyUpstream, new Map(forms.free.map((f, k) => [f, at[k]!]))));
      closedValues.set(name, { lo, hi, data });
    }
  } catch (e) {
    return [{ gradient: '', form: 'closed', outcome: { err: Infinity, problem: `cannot evaluate: ${(e as Error).message}` }, again: false }];
  }
  if (g.lossDefined) closedValues.set(g.loss, { lo: [], hi: [], data: [F.one] });
  const viaClosed: Values<Big> = { tensors: point.tensors, adjoints: closedValues, upstream: point.upstream };
  const seen: Seen[] = [];
  for (const gr of g.grads) {
    const forms = d.adjoints.get(gr.name);
    if (!forms) continue;
    const ext = point.tensors.get(gr.name)!;
    const dir = point.directional.get(gr.name)!;
    const add = (form: FormName, outcome: Outcome, again = false): void => void seen.push({ gradient: gr.name, form, outcome, again });
    add('closed', innerProduct(F, forms.free, forms.closed.result, ext, sizes, onlyUpstream, dir));
    const display = shown?.get(gr.name)?.closed;
    if (display) add('closed', innerProduct(F, forms.free, display, ext, sizes, onlyUpstream, dir), true);
    add('local', innerProduct(F, forms.free, forms.local.result, ext, sizes, viaClosed, dir));
    const el = elementwise?.adjoints.get(gr.name)?.elements;
    if (el) {
      add('elementwise', innerElements(F, el.map((x) => x.form), sizes, onlyUpstream, dir));
      const shownEls = shownElements?.get(gr.name)?.elements;
      if (shownEls) add('elementwise', innerElements(F, shownEls, sizes, onlyUpstream, dir), true);
    }
  }
  return seen;
}

/**
 * Per-element errors relative to the magnitude of the terms summed (magnitude() in
 * evaluate.ts) and of the reference, the largest over the tensor: exact zeros and
 * cancellation are measured against what cancelled. NaN counts as ∞.
 */
function errors(F: Field<Big>, got: readonly Big[], want: readonly Big[], scales: readonly Big[]): number[] {
  // in the 64-digit field until the ratio: values past float64's range (10⁴⁰⁰) compare
  // as they are, where toNumber would make them ∞ and ∞ − ∞ NaN (found by fuzzing)
  let scale = roundoffFloor;
  want.forEach((w, i) => (scale = largest(F, scale, F.abs(w), scales[i] ?? F.zero)));
  return got.map((x, i) => ratio(F, F.abs(F.sub(x, want[i]!)), scale));
}

/** The largest of a field value (the floor) and others. */
function largest(F: Field<Big>, a: Big, ...bs: readonly Big[]): Big {
  return bs.reduce((m, b) => (F.isFinite(b) && F.cmp(b, m) > 0 ? b : m), a);
}

/** diff/scale as a number (diff itself when the scale is 0); NaN counts as ∞. */
function ratio(F: Field<Big>, diff: Big, scale: Big): number {
  const e = F.toNumber(F.cmp(scale, F.zero) > 0 ? F.div(diff, scale) : diff);
  return Number.isNaN(e) ? Infinity : e;
}

function compare(F: Field<Big>, forms: AdjointForms, form: Node, ref: TensorValue<Big>, sizes: Sizes, values: Values<Big>): Outcome {
  try {
    const bound = elementsOf(ref.lo, ref.hi).map((at) => new Map(forms.free.map((f, i) => [f, at[i]!])));
    const got = bound.map((b) => evaluate(F, form, sizes, values, b));
    const scales = bound.map((b) => magnitude(F, form, sizes, values, b));
    return outcome(F, got, ref.data, scales);
  } catch (e) {
    return { err: Infinity, problem: `cannot evaluate: ${(e as Error).message}` };
  }
}

/** ⟨Jᵀu, v⟩ = Σₑ X̄ₑ·vₑ from the closed form, against d/dt L(X + t·v): one number per point. */
function innerProduct(F: Field<Big>, free: readonly string[], form: Node, ref: Extent, sizes: Sizes, values: Values<Big>, dir: { direction: readonly Big[]; value: Big }): Outcome {
  try {
    let s = F.zero;
    let scale = F.zero;
    // a sum with no free index (Σⱼ exp(zⱼ), σ²) has one value for every element: once
    const memo = new Map<Node, Big>();
    elementsOf(ref.lo, ref.hi).forEach((at, i) => {
      const bound = new Map(free.map((f, k) => [f, at[k]!]));
      const term = F.mul(evaluate(F, form, sizes, values, bound, undefined, memo), dir.direction[i]!);
      scale = F.add(scale, F.abs(F.mul(magnitude(F, form, sizes, values, bound, memo), dir.direction[i]!)));
      s = F.add(s, term);
    });
    return alongOutcome(F, s, scale, dir.value);
  } catch (e) {
    return { err: Infinity, problem: `cannot evaluate: ${(e as Error).message}` };
  }
}

/** ⟨X̄, v⟩ for a tensor written out element by element (row-major, as the direction). */
function innerElements(F: Field<Big>, els: readonly Node[], sizes: Sizes, values: Values<Big>, dir: { direction: readonly Big[]; value: Big }): Outcome {
  try {
    let s = F.zero;
    let scale = F.zero;
    els.forEach((e, i) => {
      s = F.add(s, F.mul(evaluate(F, e, sizes, values), dir.direction[i]!));
      scale = F.add(scale, F.abs(F.mul(magnitude(F, e, sizes, values), dir.direction[i]!)));
    });
    return alongOutcome(F, s, scale, dir.value);
  } catch (e) {
    return { err: Infinity, problem: `cannot evaluate: ${(e as Error).message}` };
  }
}

/**
 * The error of ⟨X̄, v⟩ = s against the derivative along v, relative to the magnitude of
 * the terms summed and of the derivative itself (so a form that is 0 where the gradient
 * is not fails however small the gradient).
 */
function alongOutcome(F: Field<Big>, s: Big, scale: Big, value: Big): Outcome {
  const whole = largest(F, roundoffFloor, F.add(scale, F.abs(value)));
  const err = ratio(F, F.abs(F.sub(s, value)), whole);
  if (err <= TOLERANCE) return { err };
  return { err, problem: `⟨Jᵀu, v⟩ = ${F.toString(s, 20)}, derivative along v ${F.toString(value, 20)}` };
}

function compareElements(F: Field<Big>, els: readonly Node[], ref: TensorValue<Big>, sizes: Sizes, values: Values<Big>): Outcome {
  try {
    const scales = els.map((e) => magnitude(F, e, sizes, values));
    return outcome(F, els.map((e) => evaluate(F, e, sizes, values)), ref.data, scales);
  } catch (e) {
    return { err: Infinity, problem: `cannot evaluate: ${(e as Error).message}` };
  }
}

function outcome(F: Field<Big>, got: readonly Big[], want: readonly Big[], scales: readonly Big[]): Outcome {
  const errs = errors(F, got, want, scales);
  const err = Math.max(0, ...errs);
  if (err <= TOLERANCE) return { err };
  const i = errs.indexOf(err);
  return { err, problem: `element ${i + 1}: derived ${F.toString(got[i]!, 20)}, finite differences ${F.toString(want[i]!, 20)}` };
}
