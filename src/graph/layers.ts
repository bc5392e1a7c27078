// Layers written in the language: `def conv1d(x[C, N], out, kernel, stride = 1) … end`.
// A call `c1 = conv1d(x, out = 4, kernel = 3)` instantiates the body once, like a
// macro with hygiene: the body sees only its own names (its tensor arguments, its
// attributes, the sizes its patterns bind, its params and definitions), its params
// become the call's own tensors (`c1.w`, `c1.b`), its intermediates `c1.<name>`, and
// its last definition is `c1` itself. The instantiated definitions then go through
// the same builder as hand-written ones, so their gradients are derived the same way.
import type { Node, Span } from '../ir/node.js';
import { num } from '../ir/node.js';
import { numberValue } from './resolve.js';
import type { Scope } from '../indices/prove.js';
import { decide } from '../indices/prove.js';
import { printText } from '../ops/printer.js';
import type { Binder, DeclItem, Expr, LayerDef, LayerParam, Statement } from '../syntax/ast.js';
import { SpecError } from '../syntax/errors.js';
import type { Tensor } from './graph.js';
import type { LocalNames } from './resolve.js';

/** One call of a layer, as the summary table lists it. */
export interface LayerUse {
  /** The call's name: its output tensor, and the prefix of what it creates. */
  readonly name: string;
  readonly layer: string;
  readonly span: Span;
  /** The graph's tensors passed as its tensor arguments. */
  readonly inputs: readonly string[];
  /** Every attribute's value at this call, defaults included, in the def's order. */
  readonly attrs: readonly (readonly [string, Node])[];
  /** The param tensors the layer uses: created by the call, or given (`w = w2`). */
  readonly params: readonly string[];
  /** Every tensor the call created, its output last. */
  readonly created: readonly string[];
  readonly def: LayerDef;
}

/** What instantiation needs from the graph builder. */
export interface Host {
  readonly tensors: ReadonlyMap<string, Tensor>;
  readonly scope: Scope;
  /** An expression in the caller's names (an attribute's value). */
  callerExpr(e: Expr): Node;
  /** Resolves an expression in a layer body's names. */
  localExpr(e: Expr, local: LocalNames): Node;
  declareParam(name: string, item: DeclItem, local: LocalNames): void;
  define(name: string, s: Extract<Statement, { kind: 'def' }>, local: LocalNames): void;
}

type Call = Extract<Expr, { kind: 'call' }>;
type Def = Extract<Statement, { kind: 'def' }>;

const show = (n: Node): string => printText(n);
const attrsOf = (def: LayerDef) => def.params.filter((p): p is Extract<LayerParam, { kind: 'attr' }> => p.kind === 'attr');
const tensorsOf = (def: LayerDef) => def.params.filter((p): p is Extract<LayerParam, { kind: 'tensor' }> => p.kind === 'tensor');
const paramItems = (def: LayerDef): DeclItem[] => def.body.flatMap((s) => (s.kind === 'decl' ? s.items : []));

/** Checks a def when it is read, so a broken layer is reported at its own lines. */
export function checkLayer(def: LayerDef): void {
  const seen = new Map<string, string>();
  const claim = (name: string, what: string, span: Span): void => {
    const before = seen.get(name);
    if (before) throw new SpecError('duplicate', `${name} is already ${before} of ${def.name}`, span);
    seen.set(name, what);
  };
  for (const p of def.params) {
    if (p.kind === 'attr') {
      claim(p.name, 'an attribute', p.span);
      continue;
    }
    claim(p.name, 'a tensor argument', p.span);
    if (p.pattern.filter((d) => d.kind === 'rest').length > 1) throw new SpecError('syntax', `a pattern has at most one ...`, p.span);
    for (const d of p.pattern) {
      if (d.kind !== 'name' && d.kind !== 'num' && d.kind !== 'rest') {
        throw new SpecError('syntax', 'a size pattern is a name (bound by the call), a number or ...', d.span);
      }
    }
  }
  const patternNames = new Set(tensorsOf(def).flatMap((p) => p.pattern.flatMap((d) => (d.kind === 'name' ? [d.name] : []))));
  for (const p of def.params) {
    if (p.kind === 'attr' && patternNames.has(p.name)) {
      throw new SpecError('duplicate', `${p.name} is both an attribute and a size in a pattern of ${def.name}`, p.span);
    }
  }
  for (const s of def.body) {
    if (s.kind === 'decl') s.items.forEach((i) => claim(i.name, 'a param', i.span));
    if (s.kind === 'def') claim(s.name, 'a definition', s.nameSpan);
  }
  if (!def.body.some((s) => s.kind === 'def')) throw new SpecError('syntax', `def ${def.name} defines nothing: its last definition is its value`, def.span);
}

/** `c1 = conv2d(img, filters = 10, kernel = 9)`: the body instantiated in the builder. */
export function instantiate(host: Host, def: LayerDef, name: string, call: Call, span: Span): LayerUse {
  const values = new Map<string, Node>();
  const tensors = new Map<string, string>();
  const local: LocalNames = { layer: def.name, tensors, values };
  let rest: readonly Node[] | undefined;
  const equal = (a: Node, b: Node): boolean => decide(a, '=', b, host.scope) === true;

  const tensorArg = (e: Expr, what: string): Tensor => {
    const t = e.kind === 'name' ? host.tensors.get(e.name) : undefined;
    if (e.kind !== 'name') throw new SpecError('shape', `${what} of ${def.name} is a tensor's name, not an expression`, e.span);
    if (!t) throw new SpecError('unknown-name', `unknown tensor ${e.name}`, e.span);
    return t;
  };

  /** Binds a pattern's names to the tensor's extents, or checks the ones already bound. */
  const match = (pattern: readonly Expr[], t: Tensor, at: Span, attrs: ReadonlySet<string>): void => {
    const restAt = pattern.findIndex((d) => d.kind === 'rest');
    const fixed = restAt < 0 ? pattern.length : pattern.length - 1;
    if (restAt < 0 ? t.dims.length !== fixed : t.dims.length < fixed) {
      const shape = `[${pattern.map(exprText).join(', ')}]`;
      throw new SpecError('shape', `${def.name} expects ${t.name} with ${restAt < 0 ? '' : 'at least '}${fixed} ind${fixed === 1 ? 'ex' : 'ices'} ${shape}; it has ${t.dims.length}`, at);
    }
    const tail = pattern.length - restAt - 1;
    t.dims.forEach((dim, d) => {
      if (!equal(dim.lo, num(1))) throw new SpecError('shape', `${def.name} numbers ${t.name}'s indices from 1, but its dimension ${d + 1} starts at ${show(dim.lo)}`, at);
    });
    const extents = t.dims.map((dim) => dim.hi);
    const at_ = (k: number): Node => extents[k]!;
    pattern.forEach((p, k) => {
      if (p.kind === 'rest') {
        const mine = extents.slice(restAt, extents.length - tail);
        if (rest && (rest.length !== mine.length || rest.some((r, i) => !equal(r, mine[i]!)))) {
          throw new SpecError('shape', `shape mismatch: ${t.name}'s remaining dimensions [${mine.map(show).join(', ')}] differ from [${rest.map(show).join(', ')}]`, at);
        }
        rest = mine;
        return;
      }
      const d = restAt >= 0 && k > restAt ? extents.length - (pattern.length - k) : k;
      const extent = at_(d);
      if (p.kind !== 'name' && p.kind !== 'num') return; // an expression: checked where the body declares it
      const want = p.kind === 'name' ? values.get(p.name) : num(numberValue(p.text, p.span));
      if (want === undefined) {
        if (p.kind !== 'name' || !attrs.has(p.name)) return; // resolved, and checked, as the body declares it
        values.set(p.name, extent);
        return;
      }
      if (!equal(extent, want)) {
        const named = p.kind === 'name' ? `${p.name} = ${show(want)}` : show(want);
        throw new SpecError('shape', `shape mismatch: ${t.name}'s dimension ${d + 1} has ${show(extent)} where ${def.name} expects ${named}`, at);
      }
    });
  };

  // the tensor arguments, by position; they bind the pattern sizes
  const shapes = tensorsOf(def);
  if (call.args.length !== shapes.length) {
    const names = shapes.map((p) => p.name).join(', ');
    throw new SpecError('shape', `${def.name} takes ${shapes.length} tensor argument${shapes.length === 1 ? '' : 's'} (${names}), got ${call.args.length}`, call.span);
  }
  const patternNames = new Set(shapes.flatMap((p) => p.pattern.flatMap((d) => (d.kind === 'name' ? [d.name] : []))));
  const inputs = shapes.map((p, k) => {
    const t = tensorArg(call.args[k]!, `argument ${k + 1}`);
    match(p.pattern, t, call.args[k]!.span, patternNames);
    tensors.set(p.name, t.name);
    return t.name;
  });

  // keyword arguments: attributes, or a param given as a tensor of the caller's
  const attrs = attrsOf(def);
  const items = new Map(paramItems(def).map((i) => [i.name, i]));
  const given = new Map<string, Tensor>();
  const seen = new Set<string>();
  for (const kw of call.keywords) {
    if (seen.has(kw.name)) throw new SpecError('duplicate', `${kw.name} is given twice`, kw.span);
    seen.add(kw.name);
    if (attrs.some((a) => a.name === kw.name)) values.set(kw.name, host.callerExpr(kw.value));
    else if (items.has(kw.name)) given.set(kw.name, tensorArg(kw.value, kw.name));
    else {
      const list = attrs.map((a) => a.name).join(', ') || 'none';
      const params = [...items.keys()];
      const also = params.length ? `; its params ${params.join(', ')} may be given as tensors` : '';
      throw new SpecError('unknown-name', `${def.name} has no attribute ${kw.name} (its attributes: ${list}${also})`, kw.span);
    }
  }
  const attrNames = new Set(attrs.map((a) => a.name));
  for (const [p, t] of given) {
    match(items.get(p)!.dims, t, call.keywords.find((k) => k.name === p)!.value.span, attrNames);
    tensors.set(p, t.name);
  }
  for (const a of attrs) {
    if (values.has(a.name)) continue;
    if (!a.default) {
      const from = [...items.values()].filter((i) => i.dims.some((d) => d.kind === 'name' && d.name === a.name)).map((i) => i.name);
      const alt = from.length ? ` (or a ${from[0]} to take it from)` : '';
      throw new SpecError('shape', `${def.name} needs ${a.name} = …${alt}`, call.span);
    }
    values.set(a.name, host.localExpr(a.default, local));
  }

  // the body: params, then definitions; the last definition is the call's own name
  const created: string[] = [];
  const defs = def.body.filter((s): s is Def => s.kind === 'def');
  const last = defs[defs.length - 1]!;
  const body = rest ? def.body.map((s) => expandRest(s, rest!.length, restNames(def, rest!.length))) : def.body;
  wrapped(def, span, last, () => {
    for (const s of body) {
      if (s.kind === 'decl') {
        for (const item of s.items) {
          if (given.has(item.name)) {
            // given: its shape was matched above; check the dims that name other things too
            const t = given.get(item.name)!;
            item.dims.forEach((d, k) => {
              const want = host.localExpr(d, local);
              if (!equal(t.dims[k]!.hi, want)) throw new SpecError('shape', `shape mismatch: ${t.name}'s dimension ${k + 1} has ${show(t.dims[k]!.hi)} where ${def.name} expects ${exprText(d)} = ${show(want)}`, call.keywords.find((kw) => kw.name === item.name)!.value.span);
            });
            continue;
          }
          const actual = `${name}.${item.name}`;
          host.declareParam(actual, item, local);
          tensors.set(item.name, actual);
          created.push(actual);
        }
      } else if (s.kind === 'def') {
        const actual = s.name === last.name ? name : `${name}.${s.name}`;
        host.define(actual, s, local);
        tensors.set(s.name, actual);
        created.push(actual);
      }
    }
  });
  const params = paramItems(def).map((i) => tensors.get(i.name)!);
  return { name, layer: def.name, span, inputs, attrs: attrs.map((a) => [a.name, values.get(a.name)!] as const), params, created, def };
}

/**
 * Errors inside a layer's body are the call's: reported at the call, naming the
 * line of the definition where they arose (an empty output, a size that does not fit).
 */
function wrapped(def: LayerDef, call: Span, last: Def, body: () => void): void {
  try {
    body();
  } catch (e) {
    if (!(e instanceof SpecError) || !e.span || (e.span.file === call.file && e.span.line === call.line)) throw e;
    const where = `${e.span.file}:${e.span.line}:${e.span.col}`;
    // an empty range of the value's own index is an empty output; another (a window's) is not
    const index = /^the range of index (\S+) is empty/.exec(e.detail)?.[1];
    const empty = e.kind === 'range' && index !== undefined && e.span.line === last.span.line && last.binders.some((b) => b.index === index);
    const detail = empty
      ? `${def.name} would have an empty output here: ${e.detail} (${where}, in its definition)`
      : `in ${def.name}: ${e.detail} (${where}, in its definition)`;
    throw new SpecError(e.kind, detail, call);
  }
}

// ── `...`: the remaining indices, written out once the call fixes how many ─────────

/** Index names for `...`, from i, j, k, …, avoiding every name the def uses. */
function restNames(def: LayerDef, count: number): string[] {
  const used = new Set<string>();
  const visit = (e: Expr): void => {
    mapExpr(e, (x) => {
      if (x.kind === 'name' || x.kind === 'index') used.add(x.name);
      if (x.kind === 'reduce') x.binders.forEach((b) => used.add(b.index));
      return x;
    });
  };
  for (const p of def.params) used.add(p.name);
  for (const s of def.body) {
    if (s.kind === 'def') {
      used.add(s.name);
      s.binders.forEach((b) => used.add(b.index));
      visit(s.body);
    }
    if (s.kind === 'decl') s.items.forEach((i) => used.add(i.name));
  }
  const pool = ['i', 'j', 'k', 'l', 'm', 'p', 'q', 'r', 's', 'u', 'v'];
  const names = pool.filter((n) => !used.has(n));
  for (let k = 1; names.length < count; k++) if (!used.has(`i${k}`)) names.push(`i${k}`);
  return names.slice(0, count);
}

function expandRest(s: Statement, count: number, names: readonly string[]): Statement {
  if (s.kind !== 'def') return s;
  const binders: Binder[] = s.binders.flatMap((b) => (b.index === '...' ? names.slice(0, count).map((index) => ({ index, span: b.span })) : [b]));
  const body = mapExpr(s.body, (e) => {
    if (e.kind !== 'index' || !e.indices.some((i) => i.kind === 'rest')) return e;
    const indices = e.indices.flatMap((i) => (i.kind === 'rest' ? names.slice(0, count).map((name): Expr => ({ kind: 'name', name, span: i.span })) : [i]));
    return { ...e, indices };
  });
  return { ...s, binders, body };
}

/** Rebuilds an expression bottom-up through f. */
export function mapExpr(e: Expr, f: (e: Expr) => Expr): Expr {
  const m = (x: Expr): Expr => mapExpr(x, f);
  switch (e.kind) {
    case 'index':
    case 'adjoint':
      return f({ ...e, indices: e.indices.map(m) });
    case 'neg':
      return f({ ...e, arg: m(e.arg) });
    case 'binary':
      return f({ ...e, left: m(e.left), right: m(e.right) });
    case 'call':
      return f({ ...e, args: e.args.map(m), keywords: e.keywords.map((k) => ({ ...k, value: m(k.value) })) });
    case 'reduce':
      return f({ ...e, binders: e.binders.map((b) => (b.range ? { ...b, range: { lo: m(b.range.lo), hi: m(b.range.hi) } } : b)), body: m(e.body) });
    case 'bracket':
      return f({ ...e, left: m(e.left), right: m(e.right) });
    default:
      return f(e);
  }
}

/** The text of a pattern dimension, for messages. */
const exprText = (e: Expr): string => (e.kind === 'name' ? e.name : e.kind === 'num' ? e.text : e.kind === 'rest' ? '...' : 'an expression');
