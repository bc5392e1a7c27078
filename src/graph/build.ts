// Spec → Graph: declarations, definitions with their ranges, the loss, the gradients
// asked for. Every name is resolved here, so later stages never meet an unknown one.
import type { Affine } from '../indices/affine.js';
import { isConstant, minus, normalizeIndex, toAffine } from '../indices/affine.js';
import type { Scope } from '../indices/prove.js';
import { decide } from '../indices/prove.js';
import type { Node, Span } from '../ir/node.js';
import { add, hasIndex, idx, mapNodes, num, read, readNames, withArgs } from '../ir/node.js';
import { printText } from '../ops/printer.js';
import { FUNCTIONS } from '../ops/registry.js';
import type { DeclItem, Expr, LayerDef, NameRef, Spec, Statement } from '../syntax/ast.js';
import { SpecError } from '../syntax/errors.js';
import type { Assumed, Claim, Dim, Graph, SizeSymbol, Tensor } from './graph.js';
import { checkAccesses, checkContractions, inferRanges, needlessGuards } from './ranges.js';
import type { LayerUse } from './layers.js';
import { checkLayer, instantiate, mapExpr } from './layers.js';
import { layersOf } from './library.js';
import type { LocalNames } from './resolve.js';
import { fillBounds, keyName, rename, Resolver } from './resolve.js';
import { solveRecurrences } from '../simplify/recurrence.js';
import { MAX_TENSORS } from '../limits.js';


class Builder {
  readonly sizes = new Map<string, SizeSymbol>();
  readonly tensors = new Map<string, Tensor>();
  readonly facts: Affine[] = [];
  readonly claims: Claim[] = [];
  readonly tex = new Map<string, string>();
  readonly layers = new Map<string, LayerDef>();
  readonly uses: LayerUse[] = [];
  outputs: NameRef[] = [];
  grads: NameRef[] | undefined;
  loss = 'L';
  lossDefined = false;
  /** The last statement's place: where an error about the whole file points. */
  lastSpan: Span | undefined;
  /** `v[0] = …` lines waiting for their `v[t] = …`. */
  readonly initials = new Map<string, Extract<Statement, { kind: 'initial' }>>();

  constructor(readonly file: string) {}

  get scope(): Scope {
    const sizeMin = new Map([...this.sizes.values()].map((s) => [s.name, s.min]));
    return { ranges: new Map(), facts: this.facts, sizeMin };
  }

  private names(local?: LocalNames) {
    return { tensors: this.tensors, sizes: new Set(this.sizes.keys()), layers: new Set(this.layers.keys()), ...(local && { local }) };
  }

  private claimName(name: string, span: Span): void {
    if (this.tensors.has(name) || this.sizes.has(name)) throw new SpecError('duplicate', `${name} is already declared`, span);
    if (this.tensors.size >= MAX_TENSORS) throw new SpecError('limit', `${name} would be tensor number ${MAX_TENSORS + 1}, past the limit of ${MAX_TENSORS} tensors in one file`, span);
  }

  private fact(lo: Node, hi: Node): void {
    const d = toAffine(hi) && toAffine(lo) ? minus(toAffine(hi)!, toAffine(lo)!) : undefined;
    if (d && !isConstant(d)) this.facts.push(d);
  }

  /** A size expression of a declaration: integers and size symbols, declared on first use (a layer's are bound). */
  private sizeExpr(e: Expr, local?: LocalNames): Node {
    const declare = (x: Expr): void => {
      if (local) return;
      if (x.kind === 'name' && !this.sizes.has(x.name) && !this.tensors.has(x.name)) {
        this.sizes.set(x.name, { name: x.name, min: 1n, span: x.span });
      }
      if (x.kind === 'binary') [x.left, x.right].forEach(declare);
      if (x.kind === 'neg') declare(x.arg);
    };
    declare(e);
    const n = new Resolver(this.names(local)).index(e);
    if (n.op === 'num' && n.attrs.value!.n < 1n) throw new SpecError('shape', `a size must be a positive integer (here ${printText(n)})`, e.span);
    return n;
  }

  declare(role: 'input' | 'param' | 'const' | 'size', item: DeclItem, local?: LocalNames, as = item.name): void {
    if (role === 'size') {
      const a = item.assumption;
      let min = 1n;
      if (a) {
        const b = new Resolver(this.names()).index(a.bound);
        if (b.op !== 'num' || a.rel === '<' || a.rel === '<=') throw new SpecError('shape', 'a size bound is written size n >= k with an integer k', a.span);
        min = b.attrs.value!.n + (a.rel === '>' ? 1n : 0n);
      }
      const known = this.sizes.get(item.name);
      if (this.tensors.has(item.name) || (known && known.min !== 1n)) throw new SpecError('duplicate', `${item.name} is already declared`, item.span);
      this.sizes.set(item.name, { name: item.name, min: min > 1n ? min : 1n, span: item.span });
      return;
    }
    this.claimName(as, item.span);
    const dims: Dim[] = item.dims.map((d, i) => {
      const hi = this.sizeExpr(d, local);
      this.fact(num(1), hi);
      return { index: `_${i + 1}`, lo: num(1), hi };
    });
    let assumption: Assumed | undefined;
    if (item.assumption) {
      const bound = new Resolver(this.names(local)).expr(item.assumption.bound);
      // leaves are drawn before anything is computed, so the bound is a number or an
      // expression of sizes (found by the fuzz campaign: `const eps > x[-1]` crashed the sampler)
      const [read] = readNames(bound); // (an adjoint there is refused by the resolver)
      if (read) throw new SpecError('shape', `an assumption's bound is a number or an expression of sizes; this one reads ${read}`, item.assumption.bound.span);
      assumption = { rel: item.assumption.rel, bound };
    }
    const value = item.value && new Resolver(this.names(local)).expr(item.value);
    if (value && role !== 'const') throw new SpecError('shape', `only a const takes a value (${role} ${item.name} = …)`, item.span);
    this.tensors.set(as, { name: as, role, dims, span: item.span, ...(assumption && { assumption }), ...(value && { value }) });
  }

  define(name: string, nameSpan: Span, binders: Extract<Statement, { kind: 'def' }>['binders'], bodyExpr: Expr, span: Span, local?: LocalNames): void {
    this.claimName(name, nameSpan);
    const r = new Resolver(this.names(local), name);
    const keys = binders.map((b) => {
      const explicit = b.range && { lo: r.index(b.range.lo), hi: r.index(b.range.hi) };
      return r.bind(b.index, b.span, explicit);
    });
    const body0 = r.expr(bodyExpr);
    binders.forEach(() => r.unbind());
    const ranges = inferRanges(r.pending, r.accesses, this.scope);
    const inScope: Scope = { ...this.scope, ranges };
    for (const p of r.pending) {
      const range = ranges.get(p.key)!;
      if (decide(range.lo, '<=', range.hi, inScope) === false) {
        throw new SpecError('range', `the range of index ${p.name} is empty: ${show(range.lo)}..${show(range.hi)}`, p.span);
      }
    }
    checkAccesses(r.accesses, inScope, (n) => show(rename(n)));
    checkContractions(r.pending.filter((p) => !keys.includes(p.key)), r.accesses, inScope, (n) => show(rename(n)));
    const needless = needlessGuards(r.accesses, inScope);
    const unguarded = needless.size ? mapExact(body0, needless) : body0;
    const dims: Dim[] = keys.map((k, i) => {
      const range = ranges.get(k)!;
      if (hasIndex(range.lo) || hasIndex(range.hi)) {
        throw new SpecError('range', `the range of ${keyName(k)} may not depend on another index of ${name}`, binders[i]!.span);
      }
      const [lo, hi] = [rename(range.lo), rename(range.hi)];
      return local ? { index: keyName(k), lo: normalizeIndex(lo), hi: normalizeIndex(hi) } : { index: keyName(k), lo, hi };
    });
    for (const [k, range] of ranges) if (!hasIndex(range.lo) && !hasIndex(range.hi) && keys.includes(k)) this.fact(range.lo, range.hi);
    const body = rename(fillBounds(unguarded, ranges));
    // a layer's attributes substituted leave 1·(j − 1) + 1 − 0 where the file would say j:
    // index arithmetic is folded once, when the layer is instantiated
    this.tensors.set(name, { name, role: 'def', dims, body: local ? foldIndices(body) : body, span });
  }

  statement(s: Statement): void {
    this.lastSpan = s.span;
    switch (s.kind) {
      case 'decl':
        return s.items.forEach((item) => this.declare(s.role, item));
      case 'initial':
        return this.initial(s);
      case 'def':
        if (this.initials.has(s.name)) return this.recurrence(s);
        if (this.layerCall(s.name, s.binders.length, s.body, s.span)) return;
        return this.define(s.name, s.nameSpan, s.binders, s.body, s.span);
      case 'loss':
        this.loss = s.name;
        this.lossDefined = true;
        if (!this.layerCall(s.name, 0, s.body, s.span)) this.define(s.name, s.nameSpan, [], s.body, s.span);
        if (this.tensors.get(s.name)!.dims.length) throw new SpecError('shape', `the loss ${s.name} must be a scalar`, s.span);
        this.outputs = [{ name: s.name, span: s.nameSpan }];
        return;
      case 'layer':
        return this.addLayer(s.def);
      case 'use':
      case 'include':
        return layersOf(s).forEach((def) => this.addLayer(def));
      case 'output':
        for (const n of s.names) if (!this.tensors.has(n.name)) throw new SpecError('unknown-name', `unknown name ${n.name} in output`, n.span);
        this.outputs = [...s.names];
        return;
      case 'grad':
        this.grads = [...(this.grads ?? []), ...s.names];
        return;
      case 'claim':
      case 'claimLatex':
      case 'claimError':
      case 'claimShape':
      case 'claimParams':
        this.claims.push(s);
        return;
      case 'tex':
        this.tex.set(s.name, s.tex);
        return;
    }
  }

  private initial(s: Extract<Statement, { kind: 'initial' }>): void {
    if (s.at.kind !== 'num' || s.at.text !== '0') throw new SpecError('syntax', `a recurrence starts at index 0: write ${s.name}[0] = …, then ${s.name}[t] = … ${s.name}[t-1] …`, s.at.span);
    this.claimName(s.name, s.nameSpan);
    if (this.initials.has(s.name)) throw new SpecError('duplicate', `${s.name}[0] is already given`, s.nameSpan);
    this.initials.set(s.name, s);
  }

  /**
   * `v[t] = … v[t-1] …` after `v[0] = …`: the rule is resolved with every v[t − 1] read
   * as a placeholder scalar, so the ranges come from the rule's other reads (or an
   * explicit `t in 1..T`), which must start at 1; v's own index set is then 0..T.
   */
  private recurrence(s: Extract<Statement, { kind: 'def' }>): void {
    const init = this.initials.get(s.name)!;
    this.initials.delete(s.name);
    const [binder, ...more] = s.binders;
    if (!binder || more.length) throw new SpecError('syntax', `a recurrence has one index, the step: ${s.name}[t] = … ${s.name}[t-1] …`, s.nameSpan);
    const t = binder.index;
    const isPrevious = (e: Expr): boolean =>
      e.kind === 'binary' && e.op === '-' && e.left.kind === 'name' && e.left.name === t && e.right.kind === 'num' && e.right.text === '1';
    let reads = 0;
    const placeholder = `${s.name}\u0000previous`;
    const step = mapExpr(s.body, (e) => {
      if (e.kind === 'name' && e.name === s.name) throw new SpecError('syntax', `${s.name} is a sequence here: read its previous value as ${s.name}[${t}-1]`, e.span);
      if (e.kind !== 'index' || e.name !== s.name) return e;
      if (e.indices.length !== 1 || !isPrevious(e.indices[0]!) || e.guarded) {
        throw new SpecError('range', `a recurrence reads only the previous value, ${s.name}[${t}-1] (first order)`, e.span);
      }
      reads++;
      return { kind: 'name', name: placeholder, span: e.span };
    });
    if (!reads) throw new SpecError('syntax', `${s.name}[0] starts a recurrence, but ${s.name}[${t}] = … never reads ${s.name}[${t}-1]`, s.span);
    // the initial value: a scalar expression of what stands before it
    const initNode = new Resolver(this.names()).expr(init.body);
    if (hasIndex(initNode)) throw new SpecError('range', `the initial value ${s.name}[0] may not use an index`, init.body.span);
    this.tensors.set(placeholder, { name: placeholder, role: 'const', dims: [], span: s.span });
    try {
      this.define(s.name, s.nameSpan, s.binders, step, s.span);
    } finally {
      this.tensors.delete(placeholder);
    }
    const ruled = this.tensors.get(s.name)!;
    const dim = ruled.dims[0]!;
    // the rule holds from t = 1 on (v[0] is the start); its reads may allow more (b[t]
    // of another sequence 0..T), never less
    if (decide(dim.lo, '<=', num(1), this.scope) !== true) {
      throw new SpecError('range', `the step of a recurrence runs from ${dim.index} = 1, but its reads allow ${dim.index} only from ${show(dim.lo)}`, binder.span);
    }
    const previous = read(s.name, [add(idx(dim.index), num(-1))]);
    const stepNode = mapNodes(ruled.body!, (m) => (m.op === 'read' && m.attrs.name === placeholder ? previous : m));
    const { body: _unsolved, ...rest } = ruled;
    this.tensors.set(s.name, { ...rest, dims: [{ ...dim, lo: num(0) }], recurrence: { init: initNode, step: stepNode, initSpan: init.span } });
  }

  private addLayer(def: LayerDef): void {
    const before = this.layers.get(def.name);
    if (before === def) return; // the same library brought in twice
    if (before) throw new SpecError('duplicate', `a layer ${def.name} is already defined (${before.span.file}:${before.span.line})`, def.nameSpan);
    checkLayer(def);
    this.layers.set(def.name, def);
  }

  /** `c1 = conv2d(img, filters = 10)`: a layer's body, instantiated (graph/layers.ts). */
  private layerCall(name: string, binders: number, body: Expr, span: Span): boolean {
    if (body.kind !== 'call') return false;
    const def = this.layers.get(body.fn);
    if (!def) return false;
    // relu(z) of a scalar or an expression is the function; relu(c1) of a tensor, the layer
    const tensorArg = (e: Expr): boolean => e.kind === 'name' && (this.tensors.get(e.name)?.dims.length ?? 0) > 0;
    if (FUNCTIONS.has(body.fn) && !body.keywords.length && !body.args.every(tensorArg)) return false;
    if (binders) throw new SpecError('syntax', `a layer call defines a whole tensor: write ${name} = ${def.name}(…), without indices`, span);
    this.claimName(name, span);
    const host = {
      tensors: this.tensors,
      scope: this.scope,
      callerExpr: (e: Expr) => new Resolver(this.names()).expr(e),
      localExpr: (e: Expr, local: LocalNames) => new Resolver(this.names(local)).expr(e),
      declareParam: (as: string, item: DeclItem, local: LocalNames) => this.declare('param', item, local, as),
      define: (as: string, d: Extract<Statement, { kind: 'def' }>, local: LocalNames) => this.define(as, d.nameSpan, d.binders, d.body, d.span, local),
    };
    this.uses.push(instantiate(host, def, name, body, span));
    return true;
  }

  finish(): Graph {
    for (const [name, s] of this.initials) throw new SpecError('syntax', `${name}[0] starts a recurrence that is never defined: add ${name}[t] = … ${name}[t-1] …`, s.span);
    const defs = [...this.tensors.values()].filter((t) => t.role === 'def');
    if (!this.outputs.length) {
      const last = defs[defs.length - 1];
      if (!last) {
        const at = this.lastSpan ?? { file: this.file, line: 1, col: 1, endCol: 2, source: '' };
        throw new SpecError('shape', 'nothing is defined, so there is no output to differentiate (add a definition such as y = 2 * x)', at);
      }
      this.outputs = [{ name: last.name, span: last.span }];
    }
    const grads = this.grads ?? [...this.tensors.values()].filter((t) => t.role === 'input' || t.role === 'param').map((t) => ({ name: t.name, span: t.span }));
    for (const g of grads) {
      const t = this.tensors.get(g.name);
      if (!t) throw new SpecError('unknown-name', `unknown name ${g.name} in grad`, g.span);
      if (t.role === 'const') throw new SpecError('grad-of-const', `${g.name} is a const: it has no gradient (declare it as param or input)`, g.span);
    }
    // recurrences get their closed forms as bodies here, so that every graph the
    // later stages see (derive, instantiate, the layer checks) is complete
    const tensors = [...this.tensors.values()].some((t) => t.recurrence) ? solveRecurrences(this.tensors, this.scope) : this.tensors;
    return {
      file: this.file, sizes: this.sizes, tensors, outputs: this.outputs.map((o) => o.name),
      loss: this.loss, lossDefined: this.lossDefined, grads, claims: this.claims, tex: this.tex, layers: this.uses,
      facts: this.facts, scope: this.scope,
    };
  }
}

const show = (n: Node): string => printText(n);

/** Every index expression (a read's, a sum's bounds) in its affine normal form. */
function foldIndices(n: Node): Node {
  return mapNodes(n, (m) => {
    if (m.op === 'read' || m.op === 'adj') return withArgs(m, m.args.map(normalizeIndex));
    if (m.op === 'sum' || m.op === 'maxr') return withArgs(m, [normalizeIndex(m.args[0]!), normalizeIndex(m.args[1]!), m.args[2]!]);
    return m;
  });
}

/** The body with the given guarded reads (by identity) read plainly. */
function mapExact(n: Node, plain: ReadonlySet<Node>): Node {
  if (plain.has(n)) return read(n.attrs.name!, n.args, false);
  const args = n.args.map((a) => mapExact(a, plain));
  return args.every((a, i) => a === n.args[i]) ? n : withArgs(n, args);
}

export function buildGraph(spec: Spec): Graph {
  const b = new Builder(spec.file);
  for (const s of spec.statements) b.statement(s);
  return b.finish();
}
