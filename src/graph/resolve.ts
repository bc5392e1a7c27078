// Resolving one expression of a .layer file: names to reads, sizes, indices and
// constants; calls to ops (arity and shape rules from the registry); reductions to
// sums whose ranges are inferred afterwards (ranges.ts). Binders get unique keys
// while resolving, so two sums over `i` side by side never mix their constraints.
import type { Node, Span } from '../ir/node.js';
import { add, div, idx, isIndexExpr, iverson, mapNodes, mul, node, num, pow, read, size as sizeNode, sub } from '../ir/node.js';
import type { IndexRange } from '../indices/prove.js';
import { constant, fromAffine, minus, plus, toAffine } from '../indices/affine.js';
import type { Rational } from '../ir/rational.js';
import { parseDecimal, ratToString } from '../ir/rational.js';
import { MAX_NUMBER_DIGITS, MAX_NUMBER_EXPONENT } from '../limits.js';
import type { ValueKind } from '../ops/op.js';
import { FUNCTIONS, opOf } from '../ops/registry.js';
import type { Expr } from '../syntax/ast.js';
import { SpecError } from '../syntax/errors.js';
import type { Tensor } from './graph.js';
import type { Access, Pending } from './ranges.js';

export interface Names {
  readonly tensors: ReadonlyMap<string, Tensor>;
  readonly sizes: ReadonlySet<string>;
  /** The layers in scope: a call to one is only allowed as a whole definition. */
  readonly layers?: ReadonlySet<string>;
  /** Inside a layer's body: the only names it sees (graph/layers.ts). */
  readonly local?: LocalNames;
}

/** A layer body's names: hygienic, so a body never reads the caller's names by accident. */
export interface LocalNames {
  readonly layer: string;
  /** A tensor's name in the body → the graph's tensor (an argument, or the call's own `c1.w`). */
  readonly tensors: ReadonlyMap<string, string>;
  /** Attributes and pattern sizes → their values at this call. */
  readonly values: ReadonlyMap<string, Node>;
}

/** Placeholders for a sum's bounds until its range is inferred. */
export const LO = '\u0000lo:';
export const HI = '\u0000hi:';
export const COUNT = '\u0000count:';

/** What a claim may say that a definition may not: adjoints, and free indices. */
export interface ClaimMode {
  /** The loss's name: `dL/dx` must name it. */
  readonly loss: string;
}

export class Resolver {
  readonly pending: Pending[] = [];
  readonly accesses: Access[] = [];
  private readonly scope: Map<string, string>[] = [];
  /** A claim's free indices (`claim dL/dx[i] = …`), bound on first use. */
  readonly free = new Map<string, string>();
  private counter = 0;

  constructor(
    private readonly names: Names,
    private readonly definingName?: string,
    private readonly claim?: ClaimMode,
  ) {}

  /** Opens a binder (a definition's index or a sum's); returns its unique key. */
  bind(name: string, span: Span, explicit?: { lo: Node; hi: Node }): string {
    if (this.lookupIndex(name)) throw new SpecError('duplicate', `index ${name} is already bound here; use another name`, span);
    const local = this.names.local;
    if (local ? local.tensors.has(name) || local.values.has(name) : this.names.tensors.has(name) || this.names.sizes.has(name)) {
      const what = local ? (local.tensors.has(name) ? 'tensor' : 'size or attribute') : this.names.sizes.has(name) ? 'size' : 'tensor';
      throw new SpecError('duplicate', `index ${name} has the name of a ${what}; use another name`, span);
    }
    const key = `${name}\u0000${this.counter++}`;
    this.pending.push(explicit ? { key, name, explicit, span } : { key, name, span });
    this.scope.push(new Map([[name, key]]));
    return key;
  }

  unbind(): void {
    this.scope.pop();
  }

  private lookupIndex(name: string): string | undefined {
    for (let i = this.scope.length - 1; i >= 0; i--) {
      const k = this.scope[i]!.get(name);
      if (k) return k;
    }
    return this.free.get(name);
  }

  /** A name no scope knows, in a claim: a free index, ranged later. */
  private bindFree(name: string, span: Span): string {
    const key = `${name}\u0000${this.counter++}`;
    this.pending.push({ key, name, span });
    this.free.set(name, key);
    return key;
  }

  expr(e: Expr): Node {
    const n = this.build(e);
    this.kind(n, e.span);
    return n;
  }

  /** An index expression: integer-valued, built from indices, sizes and integers. */
  index(e: Expr): Node {
    const n = this.expr(e);
    if (this.kind(n, e.span) !== 'integer') throw new SpecError('shape', 'an index must be an integer expression of indices and sizes', e.span);
    return n;
  }

  private kinds = new WeakMap<Node, ValueKind>();
  kind(n: Node, span: Span): ValueKind {
    const known = this.kinds.get(n);
    if (known) return known;
    const k = opOf(n.op).shape(n.args.map((a) => this.kind(a, span)), n);
    if (k !== 'integer' && k !== 'real') throw new SpecError('shape', k, span);
    this.kinds.set(n, k);
    return k;
  }

  private build(e: Expr): Node {
    switch (e.kind) {
      case 'num':
        return node('num', [], { value: numberValue(e.text, e.span) }, e.span);
      case 'name':
        return this.name(e.name, e.span);
      case 'index':
        return this.read(e.name, e.indices, e.guarded, e.span);
      case 'adjoint':
        return this.adjoint(e);
      case 'neg':
        return mul(num(-1), this.build(e.arg));
      case 'binary': {
        const [a, b] = [this.build(e.left), this.build(e.right)];
        switch (e.op) {
          case '+': return add(a, b);
          case '-': return sub(a, b);
          case '*': return mul(a, b);
          case '/': return div(a, b);
          case '^': return pow(a, b);
          case '//':
          case '%':
            // by a constant ≤ 0 (a layer's stride = 0) there is no floor division to speak of
            const divisor = toAffine(b);
            if (isIndexExpr(a) && (!divisor || divisor.terms.size > 0)) {
              // LANGUAGE.md: `//` and `%` by a positive integer constant (flatten needs numeric H and W)
              const what = e.right.span.source.slice(e.right.span.col - 1, e.right.span.endCol - 1);
              throw new SpecError('shape', `${e.op} takes a number as its divisor, and ${what} is not one here (sizes in a divisor must be numbers)`, e.right.span);
            }
            if (divisor && divisor.terms.size === 0 && divisor.c.n <= 0n) {
              const what = e.right.span.source.slice(e.right.span.col - 1, e.right.span.endCol - 1);
              throw new SpecError('shape', `the divisor ${what} of ${e.op} must be a positive integer, and here it is ${ratToString(divisor.c)}`, e.right.span);
            }
            return node(e.op === '//' ? 'floordiv' : 'mod', [a, b]);
        }
      }
      case 'rest':
        throw new SpecError('syntax', '`...` stands for the remaining indices of a tensor pattern, in a layer body only', e.span);
      case 'call': {
        if (this.names.layers?.has(e.fn) && !FUNCTIONS.has(e.fn)) {
          throw new SpecError('syntax', `a layer call is a whole definition (c = ${e.fn}(…)); ${e.fn} may not stand inside an expression`, e.span);
        }
        if (e.keywords.length) throw new SpecError('syntax', `${e.fn} is a function: it takes no keyword arguments (${e.keywords[0]!.name} = …)`, e.keywords[0]!.span);
        const op = FUNCTIONS.get(e.fn);
        if (!op) {
          const layers = [...(this.names.layers ?? [])];
          const also = layers.length ? `; layers (whole definitions only): ${layers.join(', ')}` : '; layers such as conv2d come with `use std`';
          throw new SpecError('unknown-name', `unknown function ${e.fn}; known: ${[...FUNCTIONS.keys()].join(', ')}${also}`, e.span);
        }
        const arity = opOf(op).arity;
        if (arity !== e.args.length) throw new SpecError('shape', `${e.fn} takes ${arity} argument${arity === 1 ? '' : 's'}, got ${e.args.length}`, e.span);
        return node(op, e.args.map((a) => this.build(a)));
      }
      case 'reduce':
        return this.reduce(e);
      case 'bracket':
        return iverson(this.build(e.left), e.rel, this.build(e.right));
    }
  }

  /** The graph's name for a tensor named in the text (a layer body names its own). */
  private tensorName(name: string): string | undefined {
    const local = this.names.local;
    return local ? local.tensors.get(name) : this.names.tensors.has(name) ? name : undefined;
  }

  private name(name: string, span: Span): Node {
    const key = this.lookupIndex(name);
    if (key) return idx(key);
    const value = this.names.local?.values.get(name);
    if (value) return value;
    const actual = this.tensorName(name);
    const t = actual === undefined ? undefined : this.names.tensors.get(actual);
    if (t) {
      if (t.dims.length) throw new SpecError('shape', `${name} has ${t.dims.length} ind${t.dims.length === 1 ? 'ex' : 'ices'}: write ${name}[…]`, span);
      if (t.role === 'const' && t.value) return t.value;
      return node('read', [], { name: t.name }, span);
    }
    if (this.names.sizes.has(name) && !this.names.local) return sizeNode(name);
    if (name === 'pi' || name === 'π') return node('pi');
    if (name === this.definingName) throw new SpecError('unknown-name', `${name} is defined in terms of itself`, span);
    if (this.claim) return idx(this.bindFree(name, span));
    throw new SpecError('unknown-name', `unknown name ${name}${this.names.local ? ` in layer ${this.names.local.layer}` : ''}`, span);
  }

  /** dL/dx[i]: the total adjoint of x (claims only). */
  private adjoint(e: Extract<Expr, { kind: 'adjoint' }>): Node {
    const what = `d${e.loss}/d${e.of}`;
    if (!this.claim) throw new SpecError('unknown-name', `an adjoint (${what}) may only appear in a claim`, e.span);
    if (e.loss !== this.claim.loss) throw new SpecError('unknown-name', `the loss is named ${this.claim.loss}, so its adjoints are written d${this.claim.loss}/d…, not ${what}`, e.span);
    const t = this.names.tensors.get(e.of);
    if (!t) throw new SpecError('unknown-name', `unknown name ${e.of} in ${what}`, e.span);
    if (t.role === 'const') throw new SpecError('grad-of-const', `${e.of} is a const: it has no adjoint`, e.span);
    if (t.dims.length !== e.indices.length) {
      throw new SpecError('shape', `${e.of} has ${t.dims.length} ind${t.dims.length === 1 ? 'ex' : 'ices'}, but ${e.indices.length} ${e.indices.length === 1 ? 'is' : 'are'} given`, e.span);
    }
    const idxs = e.indices.map((i) => this.index(i));
    this.accesses.push({ tensor: what, dims: t.dims, indices: idxs, guarded: e.guarded, span: e.span });
    return node('adj', idxs, e.guarded ? { name: e.of, guarded: true } : { name: e.of }, e.span);
  }

  private read(name: string, indices: readonly Expr[], guarded: boolean, span: Span): Node {
    const actual = this.tensorName(name);
    const t = actual === undefined ? undefined : this.names.tensors.get(actual);
    if (!t) {
      const why = name === this.definingName ? `${name} is defined in terms of itself` : `unknown tensor ${name}`;
      throw new SpecError('unknown-name', why, span);
    }
    if (t.dims.length !== indices.length) {
      throw new SpecError('shape', `${name} has ${t.dims.length} ind${t.dims.length === 1 ? 'ex' : 'ices'}, but ${indices.length} ${indices.length === 1 ? 'is' : 'are'} given`, span);
    }
    const idxs = indices.map((i) => this.index(i));
    const n = read(t.name, idxs, guarded);
    this.accesses.push({ tensor: t.name, dims: t.dims, indices: idxs, guarded, span, node: n });
    return n;
  }

  private reduce(e: Extract<Expr, { kind: 'reduce' }>): Node {
    if (e.fn === 'min') throw new SpecError('syntax', 'min is binary (min(a, b)); a min reduction is not in the language: write -max(r in a..b, -e)', e.span);
    if (e.fn === 'max' && e.binders.length !== 1) throw new SpecError('syntax', 'a max reduction takes one index: max(r in a..b, e)', e.span);
    const keys = e.binders.map((b) => {
      const explicit = b.range && { lo: this.index(b.range.lo), hi: this.index(b.range.hi) };
      return this.bind(b.index, b.span, explicit);
    });
    let body = this.build(e.body);
    let count: Node | undefined;
    for (const key of [...keys].reverse()) {
      const [lo, hi] = [sizeNode(LO + key), sizeNode(HI + key)];
      body = node(e.fn === 'max' ? 'maxr' : 'sum', [lo, hi, body], { index: key });
      const c = sizeNode(COUNT + key);
      count = count ? mul(c, count) : c;
      this.unbind();
    }
    return e.fn === 'mean' ? div(body, count!) : body;
  }
}

export const isPlaceholder = (n: Node): boolean => n.op === 'size' && n.attrs.name!.startsWith('\u0000');

/** The name a binder key stands for. */
export const keyName = (key: string): string => key.split('\u0000')[0]!;

/** Replaces the bound placeholders of sums and means with the inferred ranges. */
export function fillBounds(body: Node, ranges: ReadonlyMap<string, IndexRange>): Node {
  return mapNodes(body, (n) => {
    if (n.op !== 'size' || !n.attrs.name!.startsWith('\u0000')) return n;
    const name = n.attrs.name!;
    const [tag, key] = [name.slice(0, name.indexOf(':') + 1), name.slice(name.indexOf(':') + 1)];
    const r = ranges.get(key)!;
    if (tag === LO) return r.lo;
    if (tag === HI) return r.hi;
    // mean's divisor: the number of terms, hi − lo + 1
    if (tag === COUNT) return fromAffine(plus(minus(toAffine(r.hi)!, toAffine(r.lo)!), constant(1)));
    return n;
  });
}

/** Unique binder keys back to the names the user wrote. */
export function rename(n: Node): Node {
  return mapNodes(n, (m) => {
    if (m.op === 'idx' && m.attrs.name!.includes('\u0000')) return node('idx', [], { name: keyName(m.attrs.name!) });
    if (m.attrs.index?.includes('\u0000')) return node(m.op, m.args, { ...m.attrs, index: keyName(m.attrs.index) }, m.span);
    return m;
  });
}


/**
 * A number as written, exactly, within the limits on its digits and exponent: 1e9999999999
 * would be a BigInt past V8's limit, and a 30 000-digit number makes every later step slow
 * (both found by fuzzing). Past them, an error at the number.
 */
export function numberValue(text: string, span: Span): Rational {
  const [mantissa = '', exponent = '0'] = text.toLowerCase().split('e');
  const digits = mantissa.replace('.', '').replace(/^0+/, '').length;
  const power = Number(exponent);
  if (digits > MAX_NUMBER_DIGITS || !Number.isSafeInteger(power) || Math.abs(power) > MAX_NUMBER_EXPONENT) {
    throw new SpecError('limit', `${text.length > 24 ? `${text.slice(0, 20)}…` : text} is past the limits on numbers (at most ${MAX_NUMBER_DIGITS} digits and an exponent up to ±${MAX_NUMBER_EXPONENT})`, span);
  }
  return parseDecimal(text);
}
