// Lowering closed forms to loops. Each tensor (a forward definition, or a gradient's
// closed form) becomes nested loops over its indices that store one element each;
// every reduction inside becomes a loop into a temporary, placed in the outermost
// loop where all of its free indices are bound (so Σⱼ ∂L/∂yⱼ·x̂ⱼ is computed once, not
// once per i), and computed once per place where the same reduction appears twice
// (common subexpressions by the node's key). Expensive index-free pieces
// (1/√(σ² + ε)) are hoisted the same way. Ops write their own code (Op.code).
import type { Tensor } from '../graph/graph.js';
import { fromAffine, toAffine } from '../indices/affine.js';
import type { Node, Rel } from '../ir/node.js';
import { add, freeIndices, key, mul, node, num } from '../ir/node.js';
import type { Rational } from '../ir/rational.js';
import type { CodeWriter, MathFn } from '../ops/op.js';
import { opOf } from '../ops/registry.js';
import type { Stmt, Syntax } from './targets.js';

/** Where a tensor's elements live in generated code: a flat row-major array or a scalar variable. */
export interface Storage {
  readonly ident: string;
  readonly dims: readonly { readonly lo: Node; readonly hi: Node }[];
}

interface Block {
  readonly stmts: Stmt[];
  /** Temporaries computed in this block, by node key. */
  readonly cache: Map<string, string>;
}

/** Nodes never worth a temporary of their own (an element read, a bracket's 0 or 1). */
const CHEAP = new Set(['read', 'adj', 'iverson', 'idx', 'num', 'size', 'pi']);

export class Lowering implements CodeWriter {
  private readonly blocks: Block[] = [];
  /** Node index name → [code variable, depth of the block it is bound in]; shadowed bindings below. */
  private readonly bound = new Map<string, [string, number]>();
  private readonly shadowed = new Map<string, [string, number][]>();
  private readonly used: Set<string>;
  private depth = 0;
  /** The function's own block: what is computed there is shared by every tensor after it. */
  private readonly root: Block = { stmts: [], cache: new Map() };

  constructor(
    readonly syntax: Syntax,
    /** Forward tensors, upstream gradients and computed adjoints, by graph name. */
    private readonly storage: (name: string, kind: 'tensor' | 'upstream' | 'adjoint') => Storage,
    /** Size symbols' code names. */
    private readonly sizeNames: ReadonlyMap<string, string>,
    used: ReadonlySet<string>,
  ) {
    this.used = new Set(used);
  }

  /** A fresh identifier from a base (`sum` → sum1, sum2, …). */
  fresh(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d)/, '_') || 't';
    let name = clean;
    for (let k = 1; this.used.has(name) || this.syntax.reserved.has(name); k++) name = `${clean}${k}`;
    this.used.add(name);
    return name;
  }

  /** Statements computing `body` for every element of a tensor with these dims into `target`. */
  tensor(target: Storage, indices: readonly string[], body: Node, comment: string): Stmt[] {
    const top = this.root;
    const start = top.stmts.length;
    this.blocks.push(top);
    top.stmts.push({ kind: 'comment', text: comment });
    if (!indices.length) {
      const value = this.expr(body);
      top.stmts.push({ kind: 'let', name: target.ident, value });
    } else {
      top.stmts.push({ kind: 'alloc', name: target.ident, length: this.length(target) });
      const loop = (d: number): void => {
        const dim = target.dims[d]!;
        const [lo, hi] = [this.expr(dim.lo), this.expr(dim.hi)];
        const v = this.bind(indices[d]!);
        const block: Block = { stmts: [], cache: new Map() };
        this.blocks.push(block);
        this.depth++;
        if (d + 1 < indices.length) loop(d + 1);
        else block.stmts.push({ kind: 'store', array: target.ident, offset: this.offset(target, indices.map((i) => ({ op: 'idx', args: [], attrs: { name: i } }) as Node)), value: this.expr(body) });
        this.depth--;
        this.blocks.pop();
        this.unbind(indices[d]!);
        this.blocks[this.blocks.length - 1]!.stmts.push({ kind: 'loop', index: v, lo, hi, body: block.stmts });
      };
      loop(0);
    }
    this.blocks.pop();
    return top.stmts.slice(start);
  }

  /** The number of elements: the product of the extents. */
  length(s: Storage): string {
    return s.dims.map((d) => this.expr(extent(d))).reduce((a, b) => this.syntax.binary('*', a, b));
  }

  // ── binding loop indices ────────────────────────────────────────────────────────

  private bind(index: string): string {
    const v = this.fresh(index);
    const outer = this.bound.get(index);
    if (outer) this.shadowed.set(index, [...(this.shadowed.get(index) ?? []), outer]);
    this.bound.set(index, [v, this.depth + 1]);
    return v;
  }

  private unbind(index: string): void {
    const [v] = this.bound.get(index)!;
    this.used.delete(v);
    const stack = this.shadowed.get(index);
    const outer = stack?.pop();
    if (outer) this.bound.set(index, outer);
    else this.bound.delete(index);
  }

  /** The block a node can be computed in: the deepest one binding any of its free indices. */
  private home(n: Node): number {
    let d = 0;
    for (const i of freeIndices(n)) d = Math.max(d, this.bound.get(i)?.[1] ?? 0);
    return d;
  }

  private cached(k: string, upTo: number): string | undefined {
    for (let d = upTo; d >= 0; d--) {
      const hit = this.blocks[d]!.cache.get(k);
      if (hit) return hit;
    }
    return undefined;
  }

  // ── expressions ─────────────────────────────────────────────────────────────────

  expr(n: Node): string {
    // loop-invariant code motion: computed once in the outermost loop that binds its indices
    if (!CHEAP.has(n.op) && this.home(n) < this.depth && onlyScalarReads(n)) return this.hoist(n, 't', () => opOf(n.op).code(n, this));
    return opOf(n.op).code(n, this);
  }

  /**
   * n computed once in its home block (the deepest loop binding one of its free
   * indices) by `emit`, which runs there and names the result; reused wherever the same
   * node appears again inside that block.
   */
  private atHome(n: Node, emit: (outer: Block) => string): string {
    const home = this.home(n);
    const k = key(n);
    const hit = this.cached(k, home);
    if (hit) return hit;
    const saved = this.depth;
    this.depth = home;
    const name = emit(this.blocks[home]!);
    this.depth = saved;
    this.blocks[home]!.cache.set(k, name);
    return name;
  }

  private hoist(n: Node, base: string, compute: () => string): string {
    return this.atHome(n, (outer) => {
      const value = compute();
      const name = this.fresh(base);
      outer.stmts.push({ kind: 'let', name, value });
      return name;
    });
  }

  reduce(n: Node, kind: 'sum' | 'max' | 'argfirst'): string {
    if (kind !== 'argfirst') return this.atHome(n, (outer) => this.loop(n, kind, outer));
    // which r is the first maximum depends on the window alone, not on the `at` it is
    // compared with: found once where the window's indices are bound
    const window = node('maxr', n.args.slice(0, 3), n.attrs);
    const first = this.atHome(window, (outer) => this.loop(window, 'argfirst', outer));
    return this.select(this.compare(first, '=', this.expr(n.args[3]!)), '1', '0');
  }

  /**
   * The loop of a reduction over n's index, pushed into `outer` (the current block);
   * deeper blocks are set aside meanwhile. Its temporary holds the sum, the maximum, or
   * (argfirst) the index of the first maximum: a strict > keeps the first of equals.
   */
  private loop(n: Node, kind: 'sum' | 'max' | 'argfirst', outer: Block): string {
    const S = this.syntax;
    const home = this.depth;
    const [lo, hi] = [this.expr(n.args[0]!), this.expr(n.args[1]!)];
    const acc = this.fresh(kind === 'argfirst' ? 'first' : kind);
    const best = kind === 'argfirst' ? this.fresh('best') : acc;
    if (kind === 'argfirst') outer.stmts.push({ kind: 'let', name: acc, value: lo, mutable: true });
    outer.stmts.push({ kind: 'let', name: best, value: kind === 'sum' ? '0' : S.negInfinity, mutable: true });
    const index = n.attrs.index!;
    const v = this.bind(index);
    const rest = this.blocks.splice(home + 1);
    const block: Block = { stmts: [], cache: new Map() };
    this.blocks.push(block);
    this.depth = home + 1;
    const value = this.expr(n.args[2]!);
    if (kind === 'sum') block.stmts.push({ kind: 'set', name: acc, op: '+=', value });
    else {
      const t = this.fresh('v');
      const better: Stmt[] = [{ kind: 'set', name: best, op: '=', value: t }, ...(kind === 'argfirst' ? [{ kind: 'set', name: acc, op: '=', value: v } as const] : [])];
      block.stmts.push({ kind: 'let', name: t, value }, { kind: 'if', cond: S.compare(t, '>', best), body: better });
    }
    this.blocks.pop();
    this.blocks.push(...rest);
    this.unbind(index);
    this.depth = home;
    outer.stmts.push({ kind: 'loop', index: v, lo, hi, body: block.stmts });
    return acc;
  }

  element(n: Node): string {
    const s = this.storage(n.attrs.name!, n.op === 'read' ? 'tensor' : n.attrs.upstream ? 'upstream' : 'adjoint');
    if (!s.dims.length) return s.ident;
    const value = this.syntax.at(s.ident, this.offset(s, n.args));
    if (!n.attrs.guarded) return value;
    const inside = s.dims.flatMap((d, k) => [this.compare(this.expr(d.lo), '<=', this.arg(n.args[k]!)), this.compare(this.arg(n.args[k]!), '<=', this.expr(d.hi))]);
    return this.select(this.and(inside), value, '0');
  }

  /** Row-major offset Σ (i_d − lo_d)·stride_d, as one affine expression where it is one. */
  private offset(s: Storage, indices: readonly Node[]): string {
    let off: Node = num(0);
    s.dims.forEach((d, k) => {
      const shifted = add(indices[k]!, mul(num(-1), d.lo));
      off = k === 0 ? shifted : add(mul(off, extent(d)), shifted);
    });
    const a = toAffine(off);
    return this.expr(a ? fromAffine(a) : off);
  }

  // ── the CodeWriter facets the ops call ──────────────────────────────────────────

  arg(n: Node): string {
    return this.expr(n);
  }
  num(r: Rational): string {
    return this.syntax.num(r);
  }
  get pi(): string {
    return this.syntax.pi;
  }
  fn(name: MathFn, args: readonly string[]): string {
    return this.syntax.fn(name, args);
  }
  binary(op: '+' | '-' | '*' | '/' | '//' | '%', a: string, b: string): string {
    return this.syntax.binary(op, a, b);
  }
  select(cond: string, a: string, b: string): string {
    return this.syntax.select(cond, a, b);
  }
  compare(a: string, rel: Rel, b: string): string {
    return this.syntax.compare(a, rel, b);
  }
  and(conds: readonly string[]): string {
    return this.syntax.and(conds);
  }
  condition(n: Node): string {
    return this.compare(this.arg(n.args[0]!), n.attrs.rel!, this.arg(n.args[1]!));
  }
  index(name: string): string {
    const b = this.bound.get(name);
    if (!b) throw new Error(`index ${name} is not bound in generated code`);
    return b[0];
  }
  size(name: string): string {
    const s = this.sizeNames.get(name);
    if (!s) throw new Error(`unknown size ${name} in generated code`);
    return s;
  }
}

const extent = (d: { readonly lo: Node; readonly hi: Node }): Node => {
  const a = toAffine(add(d.hi, mul(num(-1), d.lo), num(1)));
  return a ? fromAffine(a) : add(d.hi, mul(num(-1), d.lo), num(1));
};

/**
 * Hoisting evaluates eagerly: only where every read outside a reduction is a scalar
 * (never out of range). A reduction is computed eagerly in its home block anyway.
 */
function onlyScalarReads(n: Node): boolean {
  if ((n.op === 'read' || n.op === 'adj') && n.args.length) return false;
  if (n.op === 'sum' || n.op === 'maxr' || n.op === 'argfirst') return true;
  return n.args.every(onlyScalarReads);
}

export type { Tensor };
