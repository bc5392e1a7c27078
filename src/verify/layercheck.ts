// Checking a network too large to evaluate (the seed's CNN on 256×256×3) layer by
// layer: each layer call is instantiated again, through the same def, on the
// smallest input its structural attributes allow (kernel, stride, padding and
// dilation as in the file), and its gradients are checked there like any file's.
// Attributes that only set a parameter's extent (filters, out) are set to 2: they
// index a free dimension and change no formula. The report says all of this.
import type { Derivation } from '../autodiff/forms.js';
import { derive } from '../autodiff/forms.js';
import { buildGraph } from '../graph/build.js';
import type { Graph } from '../graph/graph.js';
import type { LayerUse } from '../graph/layers.js';
import { mapExpr } from '../graph/layers.js';
import { extents } from '../graph/shapes.js';
import type { Node, Span } from '../ir/node.js';
import { ratToString } from '../ir/rational.js';
import type { Expr, LayerDef, Statement } from '../syntax/ast.js';
import { SpecError } from '../syntax/errors.js';
import type { CheckReport } from './gradcheck.js';
import { checkDerivation } from './gradcheck.js';

/** Largest extent tried for one dimension when looking for the smallest input that fits. */
const MAX_SEARCH = 64;
/** Tensors larger than this are checked along random directions only (gradcheck's elementLimit). */
const ELEMENT_LIMIT = 64;
/** The value given to attributes that only set an extent. */
const EXTENT = 2n;

export interface LayerCheck {
  readonly layer: string;
  /** The calls of the file this stands for: `c2`, `c3`. */
  readonly calls: readonly string[];
  /** The structural attributes, as in the file: `kernel = 7, stride = 2`. */
  readonly attrs: string;
  /** Attributes set to 2 here, with the file's values: `filters = 2 (the file: 20)`. */
  readonly reduced: readonly string[];
  /** The inputs' shapes checked: `x[2, 7, 7]`. */
  readonly inputs: readonly string[];
  readonly report?: CheckReport;
  /** Why it could not be checked. */
  readonly skipped?: string;
}

/** Every distinct (layer, structural attributes) of the file, checked once. */
export function checkLayers(g: Graph, seed?: number | string): LayerCheck[] {
  const groups = new Map<string, { use: LayerUse; calls: string[] }>();
  for (const use of g.layers) {
    const reducible = extentOnly(use.def);
    const k = `${use.layer}(${use.attrs.filter(([a]) => !reducible.has(a)).map(([a, v]) => `${a}=${valueText(v)}`).join(',')})`;
    const group = groups.get(k);
    if (group) group.calls.push(use.name);
    else groups.set(k, { use, calls: [use.name] });
  }
  return [...groups.values()].map(({ use, calls }) => checkOne(g, use, calls, seed));
}

function checkOne(g: Graph, use: LayerUse, calls: readonly string[], seed?: number | string): LayerCheck {
  const reducible = extentOnly(use.def);
  const attrs = use.attrs.filter(([a]) => !reducible.has(a)).map(([a, v]) => `${a} = ${valueText(v)}`).join(', ');
  const reduced = use.attrs.filter(([a]) => reducible.has(a)).map(([a, v]) => `${a} = ${EXTENT} (the file: ${valueText(v)})`);
  const base = { layer: use.layer, calls, attrs, reduced };
  const symbolic = use.attrs.find(([, v]) => v.op !== 'num');
  if (symbolic) return { ...base, inputs: [], skipped: `its attribute ${symbolic[0]} is not a number here` };
  const shapes = use.inputs.map((name) => extents(g.tensors.get(name)!).map((e) => (e.op === 'num' ? e.attrs.value!.n : undefined)));
  if (shapes.some((s) => s.some((e) => e === undefined))) return { ...base, inputs: [], skipped: 'its inputs have symbolic sizes: the file itself is checked at small sizes' };
  const full = shapes as bigint[][];
  const small = smallest(g, use, full);
  if (!small) return { ...base, inputs: [], skipped: `no input of at most ${MAX_SEARCH} per dimension fits it` };
  // a second geometry one larger where the search had to grow a dimension (another remainder of the stride)
  const grown = small.map((s, i) => s.map((v, d) => (v > EXTENT && v < full[i]![d]! ? v + 1n : v)));
  const instances = grown.some((s, i) => s.some((v, d) => v !== small[i]![d])) ? [small, grown] : [small];
  const inputs: string[] = [];
  let report: CheckReport | undefined;
  for (const shape of instances) {
    const d = instance(g, use, shape);
    if (!d) continue;
    inputs.push(shape.map((s, i) => `${inputName(use, i)}[${s.join(', ')}]`).join(', '));
    const r = checkDerivation(d, { points: 2, elementLimit: ELEMENT_LIMIT, ...(seed !== undefined && { seed }) });
    report = report ? merge(report, r) : r;
  }
  return { ...base, inputs, ...(report ? { report } : { skipped: 'no instance could be built' }) };
}

/** The smallest input shape (each dimension from 2 up, capped at the file's) for which the call builds. */
function smallest(g: Graph, use: LayerUse, full: readonly (readonly bigint[])[]): bigint[][] | undefined {
  const cap = full.map((s) => s.map((v) => (v < BigInt(MAX_SEARCH) ? v : BigInt(MAX_SEARCH))));
  const fits = (shape: readonly (readonly bigint[])[]): boolean => graphFor(g, use, shape) !== undefined;
  if (!fits(cap)) return undefined;
  const shape = cap.map((s) => [...s]);
  // each dimension on its own, the others large: constraints of layers are per dimension
  shape.forEach((s, i) =>
    s.forEach((top, d) => {
      for (let v = top < EXTENT ? top : EXTENT; v <= top; v++) {
        const probe = shape.map((x) => [...x]);
        probe[i]![d] = v;
        if (fits(probe)) {
          shape[i]![d] = v;
          break;
        }
      }
    }),
  );
  return fits(shape) ? shape : undefined;
}

function instance(g: Graph, use: LayerUse, shape: readonly (readonly bigint[])[]): Derivation | undefined {
  const graph = graphFor(g, use, shape);
  return graph && derive(graph);
}

/** `input x[2, 9, 9]; c1 = conv2d(x, kernel = 9, filters = 2); output c1`, built from the def itself. */
function graphFor(g: Graph, use: LayerUse, shape: readonly (readonly bigint[])[]): Graph | undefined {
  const at: Span = use.span;
  const num = (v: bigint): Expr => ({ kind: 'num', text: v.toString(), span: at });
  const reducible = extentOnly(use.def);
  const inputs = use.inputs.map((name, i) => ({ name: inputName(use, i), dims: shape[i]!.map(num), span: at, ...assumptionOf(g, name) }));
  const keywords = use.attrs.map(([a, v]) => ({ name: a, value: reducible.has(a) ? num(EXTENT) : numberExpr(v, at), span: at }));
  const call: Expr = { kind: 'call', fn: use.layer, args: inputs.map((i) => ({ kind: 'name', name: i.name, span: at }) as Expr), keywords, span: at };
  const statements: Statement[] = [
    { kind: 'layer', def: use.def, span: use.def.span },
    { kind: 'decl', role: 'input', items: inputs, span: at },
    { kind: 'def', name: use.name, nameSpan: at, binders: [], body: call, span: at },
    { kind: 'output', names: [{ name: use.name, span: at }], span: at },
  ];
  try {
    return buildGraph({ file: g.file, statements });
  } catch (e) {
    if (e instanceof SpecError) return undefined;
    throw e;
  }
}

/** The call's tensor argument names as the def writes them (x), for readable reports. */
const inputName = (use: LayerUse, i: number): string => use.def.params.filter((p) => p.kind === 'tensor')[i]!.name;

/** An input drawn as in the file: `input x[n] > 0` keeps its assumption. */
function assumptionOf(g: Graph, name: string): { assumption?: { rel: '>' | '>=' | '<' | '<='; bound: Expr; span: Span } } {
  const a = g.tensors.get(name)?.assumption;
  if (!a || a.bound.op !== 'num') return {};
  const span = g.tensors.get(name)!.span;
  return { assumption: { rel: a.rel, bound: numberExpr(a.bound, span), span } };
}

const valueText = (v: Node): string => (v.op === 'num' ? ratToString(v.attrs.value!) : 'a symbol');

function numberExpr(v: Node, span: Span): Expr {
  const q = v.attrs.value!;
  const text = q.d === 1n ? (q.n < 0n ? (-q.n).toString() : q.n.toString()) : ratToString(q);
  const abs: Expr = q.d === 1n ? { kind: 'num', text, span } : { kind: 'binary', op: '/', left: { kind: 'num', text: (q.n < 0n ? -q.n : q.n).toString(), span }, right: { kind: 'num', text: q.d.toString(), span }, span };
  return q.n < 0n ? { kind: 'neg', arg: abs, span } : abs;
}

/**
 * The attributes that only set an extent: every use of them in the def is a whole
 * dimension of a param (`param w[filters, C, k, k]`). Changing one changes how
 * many terms a free index runs over, never a formula.
 */
export function extentOnly(def: LayerDef): Set<string> {
  const uses = new Map<string, { dims: number; other: number }>();
  const count = (name: string, asDim: boolean): void => {
    const u = uses.get(name) ?? { dims: 0, other: 0 };
    if (asDim) u.dims++;
    else u.other++;
    uses.set(name, u);
  };
  const names = (e: Expr): void => {
    mapExpr(e, (x) => {
      if (x.kind === 'name') count(x.name, false);
      return x;
    });
  };
  for (const p of def.params) if (p.kind === 'attr' && p.default) names(p.default);
  for (const s of def.body) {
    if (s.kind === 'decl') for (const item of s.items) for (const d of item.dims) (d.kind === 'name' ? count(d.name, true) : names(d));
    if (s.kind === 'def') {
      names(s.body);
      for (const b of s.binders) if (b.range) [b.range.lo, b.range.hi].forEach(names);
    }
  }
  const out = new Set<string>();
  for (const p of def.params) if (p.kind === 'attr' && uses.get(p.name)?.dims && !uses.get(p.name)?.other) out.add(p.name);
  return out;
}

function merge(a: CheckReport, b: CheckReport): CheckReport {
  const forms = [...a.forms];
  for (const f of b.forms) {
    const k = forms.findIndex((x) => x.gradient === f.gradient && x.form === f.form);
    if (k < 0) forms.push(f);
    else {
      const x = forms[k]!;
      forms[k] = { ...x, sizes: [...x.sizes, ...f.sizes], points: x.points + f.points, maxRelError: Math.max(x.maxRelError, f.maxRelError), pass: x.pass && f.pass, ...((x.problem ?? f.problem) && { problem: (x.problem ?? f.problem)! }) };
    }
  }
  return { ...a, tried: [...a.tried, ...b.tried], skipped: [...a.skipped, ...b.skipped], forms, pass: a.pass && b.pass };
}
