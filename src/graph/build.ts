// Spec → Graph: declarations, definitions with their ranges, the loss, the gradients
// asked for. Every name is resolved here, so later stages never meet an unknown one.
import type { Affine } from '../indices/affine.js';
import { isConstant, minus, toAffine } from '../indices/affine.js';
import type { Scope } from '../indices/prove.js';
import { decide } from '../indices/prove.js';
import type { Node, Span } from '../ir/node.js';
import { hasIndex, num } from '../ir/node.js';
import { printText } from '../ops/printer.js';
import type { DeclItem, Expr, NameRef, Spec, Statement } from '../syntax/ast.js';
import { SpecError } from '../syntax/errors.js';
import type { Assumed, Claim, Dim, Graph, SizeSymbol, Tensor } from './graph.js';
import { checkAccesses, inferRanges } from './ranges.js';
import { fillBounds, keyName, rename, Resolver } from './resolve.js';


class Builder {
  readonly sizes = new Map<string, SizeSymbol>();
  readonly tensors = new Map<string, Tensor>();
  readonly facts: Affine[] = [];
  readonly claims: Claim[] = [];
  readonly tex = new Map<string, string>();
  outputs: NameRef[] = [];
  grads: NameRef[] | undefined;
  loss = 'L';
  lossDefined = false;

  constructor(readonly file: string) {}

  get scope(): Scope {
    const sizeMin = new Map([...this.sizes.values()].map((s) => [s.name, s.min]));
    return { ranges: new Map(), facts: this.facts, sizeMin };
  }

  private names() {
    return { tensors: this.tensors, sizes: new Set(this.sizes.keys()) };
  }

  private claimName(name: string, span: Span): void {
    if (this.tensors.has(name) || this.sizes.has(name)) throw new SpecError('duplicate', `${name} is already declared`, span);
  }

  private fact(lo: Node, hi: Node): void {
    const d = toAffine(hi) && toAffine(lo) ? minus(toAffine(hi)!, toAffine(lo)!) : undefined;
    if (d && !isConstant(d)) this.facts.push(d);
  }

  /** A size expression of a declaration: integers and size symbols, declared on first use. */
  private sizeExpr(e: Expr): Node {
    const declare = (x: Expr): void => {
      if (x.kind === 'name' && !this.sizes.has(x.name) && !this.tensors.has(x.name)) {
        this.sizes.set(x.name, { name: x.name, min: 1n, span: x.span });
      }
      if (x.kind === 'binary') [x.left, x.right].forEach(declare);
      if (x.kind === 'neg') declare(x.arg);
    };
    declare(e);
    const n = new Resolver(this.names()).index(e);
    if (n.op === 'num' && n.attrs.value!.n < 1n) throw new SpecError('shape', 'a size must be a positive integer', e.span);
    return n;
  }

  declare(role: 'input' | 'param' | 'const' | 'size', item: DeclItem): void {
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
    this.claimName(item.name, item.span);
    const dims: Dim[] = item.dims.map((d, i) => {
      const hi = this.sizeExpr(d);
      this.fact(num(1), hi);
      return { index: `_${i + 1}`, lo: num(1), hi };
    });
    let assumption: Assumed | undefined;
    if (item.assumption) {
      assumption = { rel: item.assumption.rel, bound: new Resolver(this.names()).expr(item.assumption.bound) };
    }
    const value = item.value && new Resolver(this.names()).expr(item.value);
    if (value && role !== 'const') throw new SpecError('shape', `only a const takes a value (${role} ${item.name} = …)`, item.span);
    this.tensors.set(item.name, { name: item.name, role, dims, span: item.span, ...(assumption && { assumption }), ...(value && { value }) });
  }

  define(name: string, nameSpan: Span, binders: Extract<Statement, { kind: 'def' }>['binders'], bodyExpr: Expr, span: Span): void {
    this.claimName(name, nameSpan);
    const r = new Resolver(this.names(), name);
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
    const dims: Dim[] = keys.map((k, i) => {
      const range = ranges.get(k)!;
      if (hasIndex(range.lo) || hasIndex(range.hi)) {
        throw new SpecError('range', `the range of ${keyName(k)} may not depend on another index of ${name}`, binders[i]!.span);
      }
      return { index: keyName(k), lo: rename(range.lo), hi: rename(range.hi) };
    });
    for (const [k, range] of ranges) if (!hasIndex(range.lo) && !hasIndex(range.hi) && keys.includes(k)) this.fact(range.lo, range.hi);
    const body = rename(fillBounds(body0, ranges));
    this.tensors.set(name, { name, role: 'def', dims, body, span });
  }

  statement(s: Statement): void {
    switch (s.kind) {
      case 'decl':
        return s.items.forEach((item) => this.declare(s.role, item));
      case 'def':
        return this.define(s.name, s.nameSpan, s.binders, s.body, s.span);
      case 'loss':
        this.loss = s.name;
        this.lossDefined = true;
        this.define(s.name, s.nameSpan, [], s.body, s.span);
        this.outputs = [{ name: s.name, span: s.nameSpan }];
        return;
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
        this.claims.push(s);
        return;
      case 'tex':
        this.tex.set(s.name, s.tex);
        return;
    }
  }

  finish(): Graph {
    const defs = [...this.tensors.values()].filter((t) => t.role === 'def');
    if (!this.outputs.length) {
      const last = defs[defs.length - 1];
      if (!last) throw new SpecError('shape', 'nothing is defined, so there is no output to differentiate');
      this.outputs = [{ name: last.name, span: last.span }];
    }
    const grads = this.grads ?? [...this.tensors.values()].filter((t) => t.role === 'input' || t.role === 'param').map((t) => ({ name: t.name, span: t.span }));
    for (const g of grads) {
      const t = this.tensors.get(g.name);
      if (!t) throw new SpecError('unknown-name', `unknown name ${g.name} in grad`, g.span);
      if (t.role === 'const') throw new SpecError('grad-of-const', `${g.name} is a const: it has no gradient (declare it as param or input)`, g.span);
    }
    return {
      file: this.file, sizes: this.sizes, tensors: this.tensors, outputs: this.outputs.map((o) => o.name),
      loss: this.loss, lossDefined: this.lossDefined, grads, claims: this.claims, tex: this.tex,
      facts: this.facts, scope: this.scope,
    };
  }
}

const show = (n: Node): string => printText(n);

export function buildGraph(spec: Spec): Graph {
  const b = new Builder(spec.file);
  for (const s of spec.statements) b.statement(s);
  return b.finish();
}

