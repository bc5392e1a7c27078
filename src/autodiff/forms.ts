// The three forms of each adjoint (LANGUAGE.md, "Loss and the gradients asked for"):
//   local       through the adjoints of the direct consumers, delta collapse and
//               constants out of sums only: the shape of a hand derivation;
//   closed      every consumer's adjoint replaced by its own closed form, down to the
//               upstream dL/d(output), then every rule: forward values only;
//   elementwise for concrete small sizes, each element written out (dL/dw1 = …).
import type { Graph, Tensor } from '../graph/graph.js';
import type { Scope } from '../indices/prove.js';
import { withRange } from '../indices/prove.js';
import type { Node } from '../ir/node.js';
import { freeIndices, mapNodes, mul, num, pow, read, readNames, readsAny, substIndices } from '../ir/node.js';
import type { Simplified, StepCheck } from '../simplify/pass.js';
import { simplify } from '../simplify/pass.js';
import type { ElementFold, Fold } from '../simplify/rules.js';
import { neverZero } from '../simplify/sign.js';
import { CLOSED_RULES, ELEMENT_RULES, LOCAL_RULES, REFOLD_RULES, WORK_RULES } from '../simplify/rules.js';
import { alphaKey } from '../simplify/sums.js';
import type { LocalAdjoint } from './sweep.js';
import { consumersOf, freeNames, localAdjoint } from './sweep.js';
import { located, SpecError } from '../syntax/errors.js';

export interface Element {
  readonly at: readonly bigint[];
  readonly form: Node;
}

export interface AdjointForms {
  readonly tensor: Tensor;
  /** The adjoint's free indices, ranging over the tensor's index set. */
  readonly free: readonly string[];
  /** The chain rule, consumer by consumer, before any simplification. */
  readonly sweep: LocalAdjoint;
  readonly local: Simplified;
  /** The local form with every consumer's adjoint replaced by its closed form. */
  readonly substituted: Node;
  readonly closed: Simplified;
  /**
   * Why the closed form is the substituted local form, unsimplified: its simplification
   * reached a limit (expression growth, steps). It is still correct, and checked.
   */
  readonly closedLimit?: string;
  /** Each element, when the sizes are concrete and the tensor has at most ELEMENT_LIMIT elements. */
  readonly elements?: readonly Element[];
  /** Why a gradient of concrete size has no elementwise form (too many elements, or one too long). */
  readonly elementsLeftOut?: string;
}

export interface Derivation {
  readonly graph: Graph;
  /** Forms of every differentiable node that L depends on, outputs first. */
  readonly adjoints: ReadonlyMap<string, AdjointForms>;
  /** The definitions the closed forms were simplified with (claims reuse them). */
  readonly folds: ReadonlyMap<string, Fold>;
  readonly elementFolds: readonly ElementFold[];
}

export { MAX_WRITTEN_ELEMENTS as ELEMENT_LIMIT } from '../limits.js';
import { MAX_WRITTEN_ELEMENTS as ELEMENT_LIMIT, MAX_WRITTEN_NODES } from '../limits.js';
const UNROLL_LIMIT = 64; // terms of one concrete sum written out in an elementwise form

export interface DeriveOptions {
  readonly check?: StepCheck;
  readonly maxSteps?: number;
  readonly constants?: ReadonlySet<string>;
}

/** The scope of X's forms: its free indices over its index set, with the graph's facts. */
export function scopeOf(g: Graph, t: Tensor, free: readonly string[]): Scope {
  return t.dims.reduce((s, d, i) => withRange(s, free[i]!, { lo: d.lo, hi: d.hi }), g.scope);
}

export function derive(g: Graph, opts: DeriveOptions = {}): Derivation {
  const constants = new Set([...g.tensors.values()].filter((t) => t.role === 'const').map((t) => t.name));
  opts = { ...opts, constants };
  const consumers = consumersOf(g);
  const folds = foldsOf(g, opts);
  const elementFolds = elementFoldsOf(g, opts);
  const extents = concreteExtents(g);
  const closedOf = new Map<string, AdjointForms>();
  const reaches = reachingLoss(g, consumers);
  // reverse definition order is reverse topological order: consumers come first
  for (const t of [...g.tensors.values()].reverse()) {
    if (t.role === 'const' || !reaches.has(t.name)) continue;
    located(t.span, `the local form of ∂L/∂${t.name}`, () => {
    const free = freeNames(t, g);
    const scope = scopeOf(g, t, free);
    const base = { scope, ...common(opts) };
    // each local derivative worked out on its own first (∂x̂ᵢ/∂μ = −1/√(σ² + ε)), as a
    // hand derivation does, inside the consumer's ranges
    const work = (derivative: Node, c: Tensor, binders: readonly string[]): Node => {
      const inner = c.dims.reduce((s, d, i) => withRange(s, binders[i]!, { lo: d.lo, hi: d.hi }), scope);
      return simplify(derivative, { ...base, scope: inner, rules: WORK_RULES, elementFolds }).result;
    };
    // a consumer that L does not depend on (σ = √σ² defined only to be named) adds nothing
    const through = (consumers.get(t.name) ?? []).filter((c) => reaches.has(c.name));
    const sweep = localAdjoint(g, t, through, work);
    const local = simplify(sweep.raw, { ...base, rules: LOCAL_RULES, elementFolds });
    const substituted = mapNodes(local.result, (n) => {
      if (n.op !== 'adj' || n.attrs.upstream) return n;
      const c = closedOf.get(n.attrs.name!)!;
      return substIndices(c.closed.result, new Map(c.free.map((f, i) => [f, n.args[i]!])));
    });
    // a limit is a fact about one form, not about the file: the other gradients go on, a
    // closed form keeps its substituted form (correct, checked, just not simplified) and
    // elements that cannot be written out are left out
    const closedTry = withinLimits(() => {
      const simplified = simplify(substituted, { ...base, rules: CLOSED_RULES, folds });
      const refolded = simplify(simplified.result, { ...base, rules: REFOLD_RULES, elementFolds });
      return {
        result: refolded.result,
        steps: [...simplified.steps, ...refolded.steps],
        rejected: [...simplified.rejected, ...refolded.rejected],
        unvetted: simplified.unvetted + refolded.unvetted,
      };
    });
    const closedLimit = 'limit' in closedTry ? closedTry.limit : undefined;
    const closed: Simplified = 'value' in closedTry ? closedTry.value : { result: substituted, steps: [], rejected: [], unvetted: 0 };
    const written = closedLimit ? undefined : withinLimits(() => elementsOf(g, t, free, closed.result, folds, extents, opts));
    const elements = written && 'value' in written ? written.value : undefined;
    const elementsLeftOut = written && 'limit' in written ? written.limit : undefined;
    closedOf.set(t.name, { tensor: t, free, sweep, local, substituted, closed, ...(closedLimit && { closedLimit }), ...(elements && { elements }), ...(elementsLeftOut && { elementsLeftOut }) });
    });
  }
  return { graph: g, adjoints: closedOf, folds, elementFolds };
}


/** f's value, or the message of the limit it reached (any other error goes on up). */
function withinLimits<T>(f: () => T): { readonly value: T } | { readonly limit: string } {
  try {
    return { value: f() };
  } catch (e) {
    if (e instanceof SpecError && e.kind === 'limit') return { limit: e.detail };
    throw e;
  }
}

/** Nodes from which L can be reached (the others have adjoint 0 and are not derived). */
function reachingLoss(g: Graph, consumers: ReadonlyMap<string, readonly Tensor[]>): Set<string> {
  const out = new Set<string>(g.outputs);
  for (const t of [...g.tensors.values()].reverse()) {
    if ((consumers.get(t.name) ?? []).some((c) => out.has(c.name))) out.add(t.name);
  }
  return out;
}

/** Each element of X̄ written out, for concrete sizes and at most ELEMENT_LIMIT elements. */
function elementsOf(g: Graph, t: Tensor, free: readonly string[], closed: Node, folds: ReadonlyMap<string, Fold>, known: Extents, opts: DeriveOptions): Element[] | undefined {
  const extents = known.get(t.name);
  if (!extents || (g.sizes.size > 0 && hasSize(closed))) return undefined;
  const count = extents.reduce((c, e) => c * (e[1] - e[0] + 1n), 1n);
  if (count > BigInt(ELEMENT_LIMIT)) throw new SpecError('limit', `${count} elements, more than ${ELEMENT_LIMIT} (the written-element limit)`);
  const points: bigint[][] = [[]];
  for (const e of extents) {
    const next: bigint[][] = [];
    for (const p of points) for (let v = e[0]; v <= e[1]; v++) next.push([...p, v]);
    points.splice(0, points.length, ...next);
  }
  return points.map((at) => {
    const form = substIndices(closed, new Map(free.map((f, i) => [f, num(at[i]!)])));
    const scope = g.scope;
    const written = withinLimits(() => simplify(form, { scope, rules: ELEMENT_RULES, folds, unrollLimit: UNROLL_LIMIT, maxNodes: MAX_WRITTEN_NODES, extents: known, ...common(opts) }));
    if ('limit' in written) throw new SpecError('limit', `element [${at.join(', ')}] would grow past ${MAX_WRITTEN_NODES} nodes (the written-element size limit)`);
    return { at, form: written.value.result };
  });
}

/** The options every simplify call of one derivation shares. */
const common = (opts: DeriveOptions) => ({
  ...(opts.check && { check: opts.check }),
  ...(opts.maxSteps && { maxSteps: opts.maxSteps }),
  ...(opts.constants && { constants: opts.constants }),
});

const hasSize = (n: Node): boolean => n.op === 'size' || n.args.some(hasSize);

/**
 * Scalar definitions of the form c·Σ…, such as μ = Σᵢ xᵢ/n: wherever that sum appears
 * in a closed form it is folded back into the name (Σᵢ xᵢ = n·μ), which is how
 * Σᵢ(xᵢ − μ) = 0 comes out.
 */
function foldsOf(g: Graph, opts: DeriveOptions): Map<string, Fold> {
  const out = new Map<string, Fold>();
  for (const t of g.tensors.values()) {
    if (t.role !== 'def' || t.dims.length || !t.body) continue;
    const body = located(t.span, `the definition of ${t.name}`, () => simplify(t.body!, { scope: g.scope, rules: CLOSED_RULES, ...common(opts) }).result);
    const factors = body.op === 'mul' ? body.args : [body];
    const sums = factors.filter((f) => f.op === 'sum');
    const rest = factors.filter((f) => f.op !== 'sum');
    if (sums.length !== 1 || rest.some((f) => !isConstantFactor(f))) continue;
    const raw = rest.length ? mul(read(t.name), ...rest.map((f) => pow(f, num(-1)))) : read(t.name);
    // n·μ rather than μ/(1/n): the replacement in its simplest form
    const replacement = simplify(raw, { scope: g.scope, rules: CLOSED_RULES, ...common(opts) }).result;
    out.set(alphaKey(sums[0]!), { sumKey: alphaKey(sums[0]!), replacement, name: t.name });
  }
  return out;
}

/**
 * Elementwise definitions D[i] = F(i)·c, F an add (x̂[i] = (x[i] − μ)·(σ² + ε)^(−1/2)):
 * written back into closed forms once they are simplified, so that the compact form
 * of batch norm's gradient comes out in terms of x̂.
 */
/** What a definition's varying factor may be to be written back: a sum of terms or a function (p = exp(z)/Σexp). */
const FOLDABLE: ReadonlySet<string> = new Set(['add', 'exp', 'log', 'sqrt', 'tanh', 'sigmoid', 'sin', 'cos', 'abs', 'relu']);

function elementFoldsOf(g: Graph, opts: DeriveOptions): ElementFold[] {
  const out: ElementFold[] = [];
  for (const t of g.tensors.values()) {
    if (t.role !== 'def' || t.dims.length !== 1 || !t.body) continue;
    const i = t.dims[0]!.index;
    const body = located(t.span, `the definition of ${t.name}`, () => simplify(t.body!, { scope: scopeOf(g, t, [i]), rules: CLOSED_RULES, ...common(opts) }).result);
    const factors = body.op === 'mul' ? body.args : [body];
    const varying = factors.filter((f) => freeIndices(f).has(i));
    if (varying.length !== 1 || !FOLDABLE.has(varying[0]!.op)) continue;
    const rest = factors.filter((f) => !freeIndices(f).has(i));
    // p = exp(z)/Σⱼexp(zⱼ): the compensation would contain the pattern again and the
    // rewriting would never end; such a definition is not written back
    const selfReferent = rest.some((f) => readsAny(f, readNames(varying[0]!)));
    const compensation = rest.length ? mul(...rest.map((f) => pow(f, num(-1)))) : num(1);
    // writing the pattern back divides by the other factors: only where none can be 0
    const invertible = rest.every((f) => neverZero(f, g));
    // a function pattern (exp(zᵢ) of softmax) is folded in products too: its
    // derivatives reproduce it; a sum pattern (xᵢ − μ of batch norm) is not, so the
    // local form keeps (xᵢ − μ) as a hand derivation does
    const product = varying[0]!.op !== 'add' && rest.length > 0;
    out.push({ name: t.name, index: i, pattern: varying[0]!, rest, ...(!selfReferent && invertible && { compensation }), ...(product && { product }) });
  }
  return out;
}

const isConstantFactor = (n: Node): boolean =>
  n.op === 'num' || n.op === 'size' || (n.op === 'pow' && n.args.every(isConstantFactor));

type Extents = ReadonlyMap<string, readonly (readonly [bigint, bigint])[]>;

/** Every tensor whose index set is numbers, as lo..hi per dimension (elementwise forms and the padding rule read them). */
function concreteExtents(g: Graph): Extents {
  const out = new Map<string, (readonly [bigint, bigint])[]>();
  for (const t of g.tensors.values()) {
    const dims = t.dims.map((d) => (d.lo.op === 'num' && d.hi.op === 'num' && d.lo.attrs.value!.d === 1n && d.hi.attrs.value!.d === 1n ? [d.lo.attrs.value!.n, d.hi.attrs.value!.n] as const : undefined));
    if (dims.every((d) => d !== undefined)) out.set(t.name, dims as (readonly [bigint, bigint])[]);
  }
  return out;
}
