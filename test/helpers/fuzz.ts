// Generators and oracles shared by the property tests (test/properties.test.ts) and the
// fuzz campaign (bench/fuzz.ts, `npm run fuzz`):
//   (a) well-formed .layer specs, valid by construction (every read inside its tensor's
//       range, log and sqrt of positive things only, no built-in ties or kinks), so that
//       a failure is the engine's: a crash, a located error on a valid file, or a
//       derived gradient that disagrees with finite differences;
//   (b) the bundled .layer files and their LaTeX claims, mutated character by character,
//       token by token and line by line, which must parse or fail with a located
//       SpecError and never anything else;
//   (c) random expressions, simplified with the engine's rule sets and evaluated before
//       and after at random points.
// Every generator draws from a Pick, so the same code runs under fast-check (a seed it
// chooses and prints) and under the campaign's own seeded stream.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { derive, scopeOf } from '../../src/autodiff/forms.js';
import { buildGraph } from '../../src/graph/build.js';
import type { Graph } from '../../src/graph/graph.js';
import { resolveClaim } from '../../src/verify/claims.js';
import { readLatex } from '../../src/verify/latex.js';
import type { Node } from '../../src/ir/node.js';
import { printText } from '../../src/ops/printer.js';
import type { TensorValue } from '../../src/numeric/evaluate.js';
import { elementsOf, evaluate, forward, magnitude } from '../../src/numeric/evaluate.js';
import { floatField } from '../../src/numeric/float.js';
import { bigField } from '../../src/numeric/mathjs.js';
import { Rng } from '../../src/numeric/random.js';
import { sampleLeaves, sizeInstances } from '../../src/numeric/sample.js';
import type { Result } from '../../src/pipeline.js';
import { checkPassed, run } from '../../src/pipeline.js';
import type { Rule } from '../../src/simplify/rules.js';
import { CLOSED_RULES, ELEMENT_RULES, LOCAL_RULES, REFOLD_RULES, WORK_RULES } from '../../src/simplify/rules.js';
import { simplify } from '../../src/simplify/pass.js';
import { SpecError } from '../../src/syntax/errors.js';
import { parseSpec } from '../../src/syntax/parse.js';

// ---------------------------------------------------------------------------------
// Random choices

export interface Pick {
  /** A uniform integer in lo..hi, both included. */
  int(lo: number, hi: number): number;
  /** True with probability p. */
  bool(p?: number): boolean;
  pick<T>(xs: readonly T[]): T;
}

/** A Pick from a 32-bit seed (mulberry32): the campaign's stream, one seed per case. */
export function seededPick(seed: number): Pick {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p: Pick = {
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    bool: (q = 0.5) => next() < q,
    pick: (xs) => xs[p.int(0, xs.length - 1)]!,
  };
  return p;
}

/** A fast-check arbitrary of whatever `gen` builds from a seed (not shrunk: a smaller seed is another case). */
export const fromSeed = <T>(gen: (p: Pick) => T): fc.Arbitrary<T> =>
  fc.noShrink(fc.integer({ min: 0, max: 0x7fffffff })).map((seed) => gen(seededPick(seed)));

// ---------------------------------------------------------------------------------
// (a) Well-formed specs

/** A tensor the generator may read. Vectors range over lo..hi = 1 + a .. N − b. */
interface Tens {
  readonly name: string;
  readonly vector: boolean;
  readonly a: number;
  readonly b: number;
  /** Every value > 0 (log and sqrt may take it). */
  readonly positive: boolean;
  readonly leaf?: string; // the declaration line, for leaves
}

/** An index in scope, with the constraints its unguarded reads put on it. */
interface Ix {
  readonly name: string;
  /** i ≥ 1 + A and i ≤ N − B: the largest of what each read needs. */
  A: number;
  B: number;
  reads: number;
  /** A sum's binder: reads at exactly the index must cover equal ranges (a contraction). */
  readonly contraction?: boolean;
  plain?: string;
}

interface Ctx {
  readonly p: Pick;
  /** The common length of every vector: a size symbol or a small number. */
  readonly N: string;
  readonly concrete: number | undefined;
  readonly tensors: Tens[];
  readonly used: Set<string>;
  indices: Ix[];
  fresh: number;
}

const LEAF_POOL = (N: string): Tens[] => [
  { name: 'x', vector: true, a: 0, b: 0, positive: false, leaf: `input  x[${N}]` },
  { name: 'z', vector: true, a: 0, b: 0, positive: false, leaf: `input  z[${N}]` },
  { name: 'p', vector: true, a: 0, b: 0, positive: true, leaf: `input  p[${N}] > 0` },
  { name: 'w', vector: true, a: 0, b: 0, positive: false, leaf: `param  w[${N}]` },
  { name: 'a', vector: false, a: 0, b: 0, positive: false, leaf: 'param  a' },
  { name: 'c', vector: false, a: 0, b: 0, positive: false, leaf: 'param  c' },
  { name: 'beta', vector: false, a: 0, b: 0, positive: true, leaf: 'param  beta > 0' },
  { name: 'eps', vector: false, a: 0, b: 0, positive: true, leaf: 'const  eps > 0' },
  { name: 'lr', vector: false, a: 0, b: 0, positive: true, leaf: 'const  lr = 0.5' },
];

const CONSTS = ['0.5', '2', '3', '0.25', '1.5', '1e-1', '7'];
const OFFSETS = ['0.3', '0.7', '1.2', '0.45'];

function indexText(i: string, c: number): string {
  return c === 0 ? i : c > 0 ? `${i} + ${c}` : `${i} - ${-c}`;
}

/** N − b as text (or its value when N is a number). */
function hiText(ctx: Ctx, b: number): string {
  if (ctx.concrete !== undefined) return String(ctx.concrete - b);
  return b === 0 ? ctx.N : b > 0 ? `${ctx.N} - ${b}` : `${ctx.N} + ${-b}`;
}

/** Whether reading tensor t at index ix + c keeps ix's range non-empty (small offsets; for concrete N, non-empty). */
function fits(ctx: Ctx, ix: Ix, t: Tens, c: number): boolean {
  const A = Math.max(ix.A, t.a - c);
  const B = Math.max(ix.B, t.b + c);
  if (Math.abs(A) > 3 || Math.abs(B) > 3) return false;
  return ctx.concrete === undefined ? A + B <= 4 : 1 + A <= ctx.concrete - B;
}

/** A read of some tensor: a scalar, or a vector at an index in scope plus an offset. */
function genRead(ctx: Ctx, wantPositive: boolean): string | undefined {
  const { p } = ctx;
  const cands = ctx.tensors.filter((t) => (!wantPositive || t.positive) && (!t.vector || ctx.indices.length > 0));
  if (!cands.length) return undefined;
  for (let attempt = 0; attempt < 6; attempt++) {
    const t = p.pick(cands);
    if (!t.vector) {
      ctx.used.add(t.name);
      return t.name;
    }
    const ix = p.pick(ctx.indices);
    // a guarded read x[i + c]? never constrains and is 0 outside: only where 0 is harmless
    if (!wantPositive && p.bool(0.12)) {
      ctx.used.add(t.name);
      return `${t.name}[${indexText(ix.name, p.int(-2, 2))}]?`;
    }
    const c = p.pick([0, 0, 0, 1, -1]);
    if (!fits(ctx, ix, t, c)) continue;
    if (ix.contraction && c === 0) {
      // sum(j, T[j]·U[j]) contracts whole dimensions: T's and U's index sets must be equal
      if (ix.plain !== undefined && ix.plain !== `${t.a},${t.b}`) continue;
      ix.plain = `${t.a},${t.b}`;
    }
    ix.A = Math.max(ix.A, t.a - c);
    ix.B = Math.max(ix.B, t.b + c);
    ix.reads++;
    ctx.used.add(t.name);
    return `${t.name}[${indexText(ix.name, c)}]`;
  }
  return undefined;
}

/** A scalar tensor in scope (an exponent), or a number. */
function scalarRead(ctx: Ctx): string {
  const s = ctx.tensors.filter((t) => !t.vector);
  if (!s.length) return '0.5';
  const t = ctx.p.pick(s);
  ctx.used.add(t.name);
  return t.name;
}

/** An argument for relu, abs or a binary max: a read moved off 0 by a constant (no built-in kinks or ties). */
function kinkArg(ctx: Ctx): string {
  const r = genRead(ctx, false) ?? ctx.p.pick(['0.5', '-1', '2']);
  const off = ctx.p.pick(OFFSETS);
  return ctx.p.bool() ? `${r} - ${off}` : `${ctx.p.pick(['2', '0.5', '-1'])} * ${r} + ${off}`;
}

/** An expression > 0 everywhere. */
function genPos(ctx: Ctx, depth: number): string {
  const { p } = ctx;
  const leafy = depth <= 0 || p.bool(0.3);
  if (leafy) {
    const r = p.bool(0.7) ? genRead(ctx, true) : undefined;
    return r ?? p.pick(['2', '0.5', '1.5', '3']);
  }
  switch (p.int(0, 9)) {
    case 0: return `exp(${genExpr(ctx, depth - 1)})`;
    case 1: return `sigmoid(${genExpr(ctx, depth - 1)})`;
    case 2: return `(1 + ${atom(genExpr(ctx, depth - 1))}^2)`;
    case 3: return `sqrt(${genPos(ctx, depth - 1)})`;
    case 4: return `${atom(genPos(ctx, depth - 1))} * ${atom(genPos(ctx, depth - 1))}`;
    case 5: return `(${genPos(ctx, depth - 1)} + ${genPos(ctx, depth - 1)})`;
    case 6: return `${atom(genPos(ctx, depth - 1))} / ${atom(genPos(ctx, depth - 1))}`;
    case 7: return `(abs(${kinkArg(ctx)}) + ${p.pick(['1', '0.5'])})`;
    case 8: return `${atom(genPos(ctx, depth - 1))}^${p.pick(['2', '0.5', '-1', '-0.5', '1.5', '3'])}`;
    default: return `(relu(${kinkArg(ctx)}) + 1)`;
  }
}

const atom = (s: string): string => (/^[\w.]+(\[[^\]]*\]\??)?$/.test(s) || /^\(.*\)$/.test(s) && balanced(s.slice(1, -1)) ? s : `(${s})`);

function balanced(s: string): boolean {
  let d = 0;
  for (const ch of s) {
    if (ch === '(') d++;
    if (ch === ')' && --d < 0) return false;
  }
  return d === 0;
}

function freshIndex(ctx: Ctx): string {
  return ['j', 'k', 'q', 'r', 'u', 'v'][ctx.fresh++ % 6]! + (ctx.fresh > 6 ? String(ctx.fresh) : '');
}

/** A reduction over a new index: sum, mean or max, with the body's reads ranging it. */
function genReduction(ctx: Ctx, depth: number): string | undefined {
  const { p } = ctx;
  const vecs = ctx.tensors.filter((t) => t.vector);
  // a max only over leaves: a definition may have equal elements (zeros from `?` or relu), a tie every time
  const leafVecs = vecs.filter((t) => t.leaf);
  if (!vecs.length) return undefined;
  const kind = p.pick(['sum', 'sum', 'mean', 'max', 'bracket', 'window']);
  const name = freshIndex(ctx);
  if (kind === 'max') {
    // max(j in lo..hi, T[j] + …): an explicit range inside T's index set
    if (!leafVecs.length) return undefined;
    const t = p.pick(leafVecs);
    const lo = 1 + t.a;
    const ix: Ix = { name, A: -Infinity, B: -Infinity, reads: 0 };
    const saved = ctx.indices.map((o) => ({ ...o }));
    ctx.indices.push(ix);
    const body = `${t.name}[${name}]${p.bool(0.5) ? ` * ${atom(genPos(ctx, depth - 1))}` : ''}`;
    ctx.indices.pop();
    if (ix.A > t.a || ix.B > t.b) {
      // another read narrowed it further: drop the body, and what its reads said about the outer indices
      saved.forEach((o, k) => {
        const c = ctx.indices[k]!;
        [c.A, c.B, c.reads, c.plain] = [o.A, o.B, o.reads, o.plain];
      });
      return undefined;
    }
    ctx.used.add(t.name);
    return `max(${name} in ${lo}..${hiText(ctx, t.b)}, ${body})`;
  }
  if (kind === 'window' && ctx.indices.length) {
    // max(r in 1..R, T[i + r - 1]): a pooling window over an index in scope
    const outer = p.pick(ctx.indices);
    if (!leafVecs.length) return undefined;
    const t = p.pick(leafVecs);
    const R = p.int(2, 3);
    if (!fits(ctx, outer, t, 0) || !fits(ctx, outer, t, R - 1)) return undefined;
    outer.A = Math.max(outer.A, t.a);
    outer.B = Math.max(outer.B, t.b + R - 1);
    outer.reads++;
    ctx.used.add(t.name);
    return `max(${name} in 1..${R}, ${t.name}[${outer.name} + ${name} - 1])`;
  }
  const ix: Ix = { name, A: -Infinity, B: -Infinity, reads: 0, contraction: true };
  ctx.indices.push(ix);
  let anchor = genRead({ ...ctx, indices: [ix] }, false);
  if (anchor?.endsWith('?') || !anchor?.includes('[')) {
    // the binder needs an unguarded read to range it
    const t = p.pick(vecs);
    ix.A = Math.max(ix.A, t.a);
    ix.B = Math.max(ix.B, t.b);
    ix.reads++;
    ix.plain = `${t.a},${t.b}`;
    ctx.used.add(t.name);
    anchor = `${t.name}[${name}]`;
  }
  const rest = p.bool(0.6) ? ` * ${atom(genExpr(ctx, depth - 1))}` : '';
  let bracket = '';
  if (kind === 'bracket' && ctx.indices.length > 1) {
    const other = p.pick(ctx.indices.filter((i) => i !== ix));
    bracket = `[${name} ${p.pick(['<=', '<', '=', '>=', '>'])} ${indexText(other.name, p.int(-1, 1))}] * `;
  }
  ctx.indices.pop();
  const fn = kind === 'mean' ? 'mean' : 'sum';
  return `${fn}(${name}, ${bracket}${anchor}${rest})`;
}

/** Any expression (no sign promised). */
function genExpr(ctx: Ctx, depth: number): string {
  const { p } = ctx;
  if (depth <= 0 || p.bool(0.2)) {
    return p.bool(0.85) ? genRead(ctx, false) ?? p.pick(CONSTS) : p.pick(CONSTS);
  }
  switch (p.int(0, 15)) {
    case 0: case 1: return `${genExpr(ctx, depth - 1)} + ${genExpr(ctx, depth - 1)}`;
    case 2: return `${genExpr(ctx, depth - 1)} - ${atom(genExpr(ctx, depth - 1))}`;
    case 3: case 4: return `${atom(genExpr(ctx, depth - 1))} * ${atom(genExpr(ctx, depth - 1))}`;
    case 5: return `${atom(genExpr(ctx, depth - 1))} / ${atom(genPos(ctx, depth - 1))}`;
    case 6: return `${p.pick(['exp', 'tanh', 'sigmoid', 'sin', 'cos'])}(${genExpr(ctx, depth - 1)})`;
    case 7: return `${p.pick(['log', 'sqrt'])}(${genPos(ctx, depth - 1)})`;
    case 8: return `${p.pick(['relu', 'abs'])}(${kinkArg(ctx)})`;
    case 9: return `${atom(genExpr(ctx, depth - 1))}^${p.pick(['2', '3', '2'])}`;
    case 10: return `${atom(genPos(ctx, depth - 1))}^${p.pick(['-1', '0.5', '-1.5', '-2', scalarRead(ctx), '2.5'])}`;
    case 11: {
      // two different arguments: max(x[i] - 0.3, x[i] - 0.3) would be a tie everywhere
      const first = kinkArg(ctx);
      let second = p.bool() ? p.pick(['0.1', '-0.2']) : kinkArg(ctx);
      if (second.replace(/[\d.]+$/, '') === first.replace(/[\d.]+$/, '')) second = p.pick(['0.1', '-0.2']);
      return `${p.pick(['max', 'min'])}(${first}, ${second})`;
    }
    case 12: case 13: return genReduction(ctx, depth) ?? genExpr(ctx, depth - 1);
    case 14: return `-${atom(genExpr(ctx, depth - 1))}`;
    default: return genPos(ctx, depth - 1);
  }
}

export interface GeneratedSpec {
  readonly text: string;
  /** One line on what it is, for reports. */
  readonly summary: string;
}

/** A well-formed spec: leaves, one to three definitions, an output or a concrete loss, and maybe a grad line. */
export function genSpec(p: Pick): GeneratedSpec {
  if (p.bool(0.2)) return genNetwork(p);
  // L must depend on some input or param, or nothing is derived (and nothing checked)
  let g = genSpecOnce(p);
  for (let k = 0; k < 20 && !g.derivable; k++) g = genSpecOnce(p);
  return g;
}

function genSpecOnce(p: Pick): GeneratedSpec & { derivable: boolean } {
  const symbolic = p.bool(0.5);
  const N = symbolic ? p.pick(['n', 'n', 'm', 'N']) : String(p.int(3, 5));
  const ctx: Ctx = { p, N, concrete: symbolic ? undefined : Number(N), tensors: LEAF_POOL(N), used: new Set(), indices: [], fresh: 0 };
  // not every leaf is available in every spec
  const pool = ctx.tensors.filter((t) => t.name === 'x' || p.bool(0.6));
  ctx.tensors.splice(0, ctx.tensors.length, ...pool);
  const lines: string[] = [];
  const defs: string[] = [];
  const nDefs = p.int(1, 3);
  for (let d = 0; d < nDefs; d++) {
    const name = ['h', 'g', 'y'][d]!;
    const vector = p.bool(d === nDefs - 1 ? 0.7 : 0.6);
    const depth = p.int(1, 3);
    let body: string | undefined;
    let head = name;
    let tens: Tens | undefined;
    for (let attempt = 0; attempt < 8 && !body; attempt++) {
      ctx.fresh = 0;
      if (vector) {
        const ix: Ix = { name: 'i', A: -Infinity, B: -Infinity, reads: 0 };
        ctx.indices = [ix];
        const positive = p.bool(0.3);
        const b = positive ? genPos(ctx, depth) : genExpr(ctx, depth);
        ctx.indices = [];
        if (!ix.reads && !/\bi\b/.test(b)) continue; // the index is not used: no vector here
        // the range inference gives: the intersection over the unguarded reads (1..N when none)
        let lo = 1 + (ix.reads ? ix.A : 0);
        let hi = -(ix.reads ? ix.B : 0); // offset from N
        const explicit = ix.reads === 0 || p.bool(0.25);
        if (explicit && p.bool(0.5)) lo += p.int(0, 1);
        if (explicit && p.bool(0.5)) hi -= p.int(0, 1);
        // non-empty, and overlapping 1..N (a loss reads it beside t[i])
        if (ctx.concrete !== undefined && (lo > ctx.concrete + hi || lo > ctx.concrete || ctx.concrete + hi < 1)) continue;
        if (ctx.concrete === undefined && lo - 1 - hi > 5) continue;
        head = explicit ? `${name}[i in ${lo}..${hiText(ctx, -hi)}]` : `${name}[i]`;
        body = b;
        tens = { name, vector: true, a: lo - 1, b: -hi, positive };
      } else {
        const positive = p.bool(0.3);
        ctx.indices = [];
        const b = positive ? genPos(ctx, depth) : genExpr(ctx, depth);
        if (/\bi\b/.test(b)) continue;
        body = b;
        tens = { name, vector: false, a: 0, b: 0, positive };
      }
    }
    if (!body || !tens) continue;
    defs.push(`${head} = ${body}`);
    ctx.tensors.push(tens);
  }
  if (!defs.length) {
    defs.push(`h[i] = x[i] * 2`);
    ctx.used.add('x');
    ctx.tensors.push({ name: 'h', vector: true, a: 0, b: 0, positive: false });
  }
  const defined = ctx.tensors.filter((t) => !t.leaf);
  const last = defined[defined.length - 1]!;
  // L: an unspecified function of the outputs, or a concrete loss
  let tail: string[];
  const lossKind = p.int(0, 5);
  if (lossKind <= 2) {
    const outs = defined.length > 1 && p.bool(0.25) ? [defined[0]!.name, last.name] : [last.name];
    tail = [`output ${[...new Set(outs)].join(', ')}`];
  } else if (last.vector) {
    // a target t as long as the output, read in step with it
    ctx.tensors.push({ name: 't', vector: true, a: 0, b: 0, positive: false, leaf: `input  t[${hiText(ctx, last.a + last.b)}]` });
    ctx.used.add('t');
    const ti = `t[${indexText('i', -last.a)}]`;
    const loss = p.pick([
      `sum(i, (${last.name}[i] - ${ti})^2) / 2`,
      `log(sum(i, exp(${last.name}[i])))`,
      `mean(i, log(1 + exp(${last.name}[i] * ${ti})))`,
      `sum(i, ${ti} * ${last.name}[i]) + sum(i, ${last.name}[i]^2)`,
    ]);
    tail = [`loss L = ${loss}`];
    if (!loss.includes('t[')) ctx.used.delete('t');
  } else {
    tail = [`loss L = ${p.pick([`${last.name}^2 / 2`, `(${last.name} - 1)^2`, `log(1 + exp(${last.name}))`, `${last.name}`])}`];
  }
  // what L depends on: the outputs or the loss, and everything they read, transitively
  const bodies = new Map(defs.map((d) => [/^(\w+)/.exec(d)![1]!, d.slice(d.indexOf('=') + 1)]));
  const reach = new Set<string>();
  const visit = (src: string): void => {
    for (const t of ctx.tensors) {
      if (reach.has(t.name) || !new RegExp(`(?<![\\w.])${t.name}(?![\\w])`).test(src)) continue;
      reach.add(t.name);
      const b = bodies.get(t.name);
      if (b) visit(b);
    }
  };
  visit(tail.join(' ').replace(/^output|^loss L =/, ''));
  const differentiable = ctx.tensors.filter((t) => t.leaf && reach.has(t.name) && !t.leaf.startsWith('const'));
  if (p.bool(0.4)) {
    const names = [...differentiable, ...defined.filter((t) => reach.has(t.name))].filter(() => p.bool(0.6)).map((t) => t.name);
    if (names.length) tail.push(`grad ${names.join(', ')}`);
  }
  const decls = ctx.tensors.filter((t) => t.leaf && ctx.used.has(t.name)).map((t) => t.leaf!);
  if (!decls.length || ![...ctx.used].some((u) => ctx.tensors.find((t) => t.name === u && t.leaf && !t.leaf.startsWith('const')))) {
    decls.push('param  a');
  }
  if (symbolic && p.bool(0.2)) decls.push(`size ${N} >= 2`);
  lines.push(...decls, ...defs, ...tail);
  return { text: lines.join('\n') + '\n', summary: `${defs.length} definition(s), ${symbolic ? 'symbolic' : 'concrete'} N=${N}`, derivable: differentiable.length > 0 };
}

/**
 * A small network of the standard library's layers (`use std`): dense layers with
 * softmax, batch or layer norm on a vector; conv1d (stride, padding, dilation) and 1-D
 * pooling on channels; conv2d, 2-D pooling and flatten on a small image. Shapes are
 * tracked so every call is valid; a max pool never follows a relu (its zeros would tie).
 */
export function genNetwork(p: Pick): GeneratedSpec {
  const lines = ['use std'];
  const calls: string[] = [];
  let last = 'x';
  let k = 0;
  const call = (expr: string): string => {
    const name = `l${++k}`;
    calls.push(`${name} = ${expr}`);
    last = name;
    return name;
  };
  let lastRelu = false;
  const activation = (): void => {
    const a = p.pick(['tanh', 'sigmoid', 'relu']);
    call(`${a}(${last})`);
    lastRelu = a === 'relu';
  };
  let dims: number; // of the last tensor
  const kind = p.pick(['vector', 'channels', 'image']);
  if (kind === 'vector') {
    const N = p.bool(0.5) ? 'n' : String(p.int(2, 6));
    lines.push(`input  x[${N}]`);
    dims = 1;
    const depth = p.int(1, 3);
    // one normalisation at most: the check of two stacked ones at symbolic n takes 10–40 s
    // (nested sums evaluated per element), a performance matter the report lists apart
    let norms = 0;
    for (let d = 0; d < depth; d++) {
      const choice = p.int(0, 5);
      if (choice >= 4 && norms++) continue;
      switch (choice) {
        case 0: case 1: call(`${p.pick(['dense', 'linear'])}(${last}, out = ${p.int(1, 4)})`); break;
        case 2: activation(); break;
        case 3: call(`softmax(${last})`); break;
        case 4: call(`layernorm(${last}${p.bool() ? ', eps = 0.001' : ''})`); break;
        default: call(`batchnorm(${last}${p.bool() ? ', eps = 0.01' : ''})`); break;
      }
    }
  } else if (kind === 'channels') {
    const C = p.int(1, 2);
    let N = p.int(5, 10);
    const symbolic = p.bool(0.3);
    lines.push(`input  x[${C}, ${symbolic ? 'n' : N}]`);
    if (symbolic) N = 8; // the largest size the check tries; the others may be skipped
    dims = 2;
    const depth = p.int(1, 3);
    for (let d = 0; d < depth; d++) {
      const choice = p.int(0, 4);
      if (choice <= 1) {
        const kernel = p.int(1, 3), stride = p.int(1, 2), pad = p.int(0, 1), dilation = p.int(1, 2);
        const outN = Math.floor((N + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
        if (outN < 1) continue;
        const extra = [stride !== 1 && `stride = ${stride}`, pad && `pad = ${pad}`, dilation !== 1 && `dilation = ${dilation}`].filter(Boolean).join(', ');
        call(`conv1d(${last}, out = ${p.int(1, 2)}, kernel = ${kernel}${extra ? `, ${extra}` : ''})`);
        N = outN;
        lastRelu = false;
      } else if (choice === 2) {
        activation();
      } else {
        const kernel = p.int(2, 3), stride = p.int(1, 2);
        if (N < kernel) continue;
        const pool = lastRelu ? 'avgpool1d' : p.pick(['maxpool1d', 'avgpool1d']);
        call(`${pool}(${last}, kernel = ${kernel}${stride !== kernel ? `, stride = ${stride}` : ''})`);
        N = Math.floor((N - kernel) / stride) + 1;
      }
    }
  } else {
    const C = p.int(1, 2);
    let H = p.int(3, 5), W = p.int(3, 5);
    lines.push(`input  x[${C}, ${H}, ${W}]`);
    dims = 3;
    if (p.bool(0.8)) {
      const kernel = p.int(1, 2), pad = p.int(0, 1);
      call(`conv2d(x, filters = ${p.int(1, 2)}, kernel = ${kernel}${pad ? `, pad = ${pad}` : ''})`);
      H = H + 2 * pad - kernel + 1;
      W = W + 2 * pad - kernel + 1;
    }
    if (p.bool(0.5)) activation();
    if (p.bool(0.5) && H >= 2 && W >= 2) {
      call(`${lastRelu ? 'avgpool2d' : p.pick(['maxpool2d', 'avgpool2d'])}(${last}, kernel = 2${p.bool() ? ', stride = 1' : ''})`);
    }
    if (p.bool(0.6)) {
      call(`flatten(${last})`);
      dims = 1;
      if (p.bool(0.6)) call(`dense(${last}, out = ${p.int(1, 3)})`);
    }
  }
  if (!calls.length) call(kind === 'vector' ? `dense(x, out = 2)` : `tanh(x)`);
  const ix = ['i', 'j', 'q'].slice(0, dims);
  const read = `${last}[${ix.join(', ')}]`;
  const tail = p.pick([
    `output ${last}`,
    `loss L = sum(${ix.join(', ')}, ${read}^2) / 2`,
    `loss L = sum(${ix.join(', ')}, log(1 + exp(${read})))`,
  ]);
  lines.push(...calls, tail);
  return { text: lines.join('\n') + '\n', summary: `network (${kind}) of ${calls.length} layer(s)` };
}

// ---------------------------------------------------------------------------------
// Oracles

export type Outcome =
  | { readonly kind: 'ok'; readonly detail?: string }
  /** A SpecError with a location inside the text. */
  | { readonly kind: 'rejected'; readonly detail: string }
  /** Anything else thrown, or a SpecError without a usable location. */
  | { readonly kind: 'crash'; readonly detail: string }
  /** A derived form that failed the check, or a simplification that changed the value. */
  | { readonly kind: 'wrong'; readonly detail: string };

/** Why `e` is not a SpecError located inside `text` of `file`, or undefined when it is. */
export function badError(e: unknown, file: string, text: string): string | undefined {
  if (!(e instanceof SpecError)) {
    const err = e as Error;
    return `${err?.name ?? typeof e}: ${err?.message ?? String(e)}\n${err?.stack?.split('\n').slice(1, 8).join('\n') ?? ''}`;
  }
  const m = /^(.*):(\d+):(\d+): /.exec(e.message.split('\n')[0]!);
  if (!e.span || !m) return `SpecError without a location (${e.kind}): ${e.message}`;
  if (e.span.file !== file) return undefined; // in an included file: located there
  const lines = text.split(/\r\n|\r|\n/).length;
  if (e.span.line < 1 || e.span.line > lines) return `SpecError at line ${e.span.line}, outside the text's ${lines} lines: ${e.message}`;
  if (e.span.col < 1) return `SpecError at column ${e.span.col}: ${e.message}`;
  return undefined;
}

/** run(…, { check: true }) on a generated spec: derived and passed, rejected (with a location), crashed or wrong. */
export function deriveAndCheck(file: string, text: string, seed?: number): Outcome {
  let r: Result;
  try {
    r = run(file, text, { check: true, ...(seed !== undefined && { seed }) });
  } catch (e) {
    const bad = badError(e, file, text);
    return bad ? { kind: 'crash', detail: bad } : { kind: 'rejected', detail: (e as Error).message };
  }
  if (checkPassed(r)) return { kind: 'ok', detail: `${r.check?.forms.length ?? 0} forms at ${r.check?.tried.join('; ')}` };
  // every size skipped, each with its reason (a forward pass that overflows everywhere, a
  // max that always ties): NOT CHECKED is the honest answer there, not a wrong one
  if (r.check && !r.layerChecks && r.check.tried.length === 0 && r.check.skipped.length > 0) {
    return { kind: 'rejected', detail: `not checked: ${r.check.skipped.join('; ')}` };
  }
  const failed = r.layerChecks
    ? r.layerChecks.filter((l) => l.report?.pass !== true).map((l) => JSON.stringify(l).slice(0, 400))
    : (r.check?.forms ?? []).filter((f) => !f.pass).map((f) => `${f.gradient} ${f.form}: max rel. error ${f.maxRelError}${f.problem ? `: ${f.problem}` : ''}`);
  return { kind: 'wrong', detail: `check failed (tried ${r.check?.tried.join('; ') || 'nothing'}; skipped ${r.check?.skipped.join('; ') || 'nothing'}):\n${failed.join('\n') || '(no form was checked)'}` };
}

export interface ParseRunOptions {
  /** Also give every claim a verdict (slow: only some cases). */
  readonly verify?: boolean;
  /** Lay out the printed forms through nerdamer. */
  readonly present?: boolean;
}

/** parseSpec, then run(): success or a located SpecError, never anything else. */
export function parseAndRun(file: string, text: string, opts: ParseRunOptions = {}): Outcome {
  let graph: Graph;
  try {
    graph = buildGraph(parseSpec(file, text));
  } catch (e) {
    const bad = badError(e, file, text);
    return bad ? { kind: 'crash', detail: `parseSpec/buildGraph: ${bad}` } : { kind: 'rejected', detail: (e as Error).message.split('\n')[0]! };
  }
  // every claim read (the LaTeX reader too) and resolved over the file's names: a claim
  // that cannot be is an error verdict, which must come from a SpecError (the verdict
  // falls back to the claim's own line when the error has no location)
  for (const c of graph.claims) {
    if (c.kind !== 'claim' && c.kind !== 'claimLatex' && c.kind !== 'claimError') continue;
    try {
      resolveClaim(graph, c, readLatex);
    } catch (e) {
      if (e instanceof SpecError) continue;
      return { kind: 'crash', detail: `resolveClaim (line ${c.span.line}): ${badError(e, file, text)}` };
    }
  }
  try {
    const r = run(file, text, { present: opts.present ?? false, ...(opts.verify && { verify: true }) });
    const lines = text.split(/\r\n|\r|\n/).length;
    for (const c of r.claims ?? []) {
      if (c.verdict.kind === 'error' && !(c.verdict.line >= 1 && c.verdict.line <= lines)) {
        return { kind: 'crash', detail: `an error verdict at line ${c.verdict.line}, outside the text's ${lines} lines: ${c.verdict.message}` };
      }
    }
    const errors = (r.claims ?? []).filter((c) => c.verdict.kind === 'error');
    return { kind: 'ok', detail: `${r.derivation.adjoints.size} adjoints${r.claims ? `, ${r.claims.length} claims (${errors.length} errors)` : ''}` };
  } catch (e) {
    const bad = badError(e, file, text);
    return bad ? { kind: 'crash', detail: `run: ${bad}` } : { kind: 'rejected', detail: (e as Error).message.split('\n')[0]! };
  }
}

// ---------------------------------------------------------------------------------
// (b) Mutated text

export interface Corpus {
  readonly files: readonly { readonly file: string; readonly text: string }[];
  /** The LaTeX of every `claim latex:` line, as a person typed it. */
  readonly latex: readonly string[];
  /** Tokens seen in the corpus, to insert elsewhere. */
  readonly tokens: readonly string[];
}

function layerFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? layerFiles(p) : p.endsWith('.layer') ? [p] : [];
  });
}

/** The bundled .layer files under `root` (derivations/), their LaTeX claims and their tokens. */
export function loadCorpus(root = 'derivations', exclude: readonly RegExp[] = []): Corpus {
  const files = layerFiles(root).filter((f) => !exclude.some((r) => r.test(f))).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  const latex = files.flatMap((f) => f.text.split('\n').filter((l) => /^\s*claim\s+latex\s*:/.test(l)).map((l) => l.replace(/^\s*claim\s+latex\s*:\s*/, '')));
  const tokens = new Set<string>();
  for (const f of files) for (const t of f.text.match(/\\[A-Za-z]+|[A-Za-z_][\w.]*|\d+(?:\.\d+)?(?:e-?\d+)?|\.\.\.?|\/\/|<=|>=|!=|[^\s\w]/g) ?? []) tokens.add(t);
  return { files, latex, tokens: [...tokens].sort() };
}

const NASTY = [
  '1e309', '-1e309', '99999999999999999999999', '1e-400', '0.0000000000000000000000001', '1e999999999', '0', '-0', '00',
  '(', ')', '[', ']', '((((', '))))', '[[', ']]', '?', '..', '...', '//', '%', '^', '^-', '=', ',', '#', '"', '\\', '\\"',
  'sum(', 'max(i in ', 'mean(', 'dL/d', 'dL/dx[', 'where', 'in', 'claim', 'claim latex:', 'tex', 'def f(x[n])', 'end',
  'use nn', 'include "x.layer"', 'include "../../../etc/passwd"', 'size n >= 0', 'size n >= 99999999999999999999',
  '\\frac{', '\\sum_{', '\\partial', '^{', '_{', '}', '{', '\\left(', '\\right)', '\\hat{', '\\mathbf{1}[', '\\sqrt[3]{',
  'μ', 'σ²', 'ε', '∂', '∑', '𝑥', '\u0000', '\u200b', '\ufeff', '\u202e', '\r', '\t', '\uffff', '\ud800', '😀', 'ﬁ', 'Ａ',
  'x[0]', 'x[-1]', 'x[n+1]', 'x[i // 0]', 'x[i % 0]', 'x[2*i]', 'x[i*i]', 'x[1e9]', 'x[99999999999999999999]',
  'n*n*n*n*n*n*n*n', 'n // 0', '0^-1', 'log(0)', 'sqrt(-1)', '1/0', 'exp(1e309)', 'pi', 'π', '-', '--', '+-',
];

export type Mutation =
  | { readonly op: 'delete-char'; readonly at: number; readonly len: number }
  | { readonly op: 'insert'; readonly at: number; readonly what: string }
  | { readonly op: 'replace'; readonly at: number; readonly len: number; readonly what: string }
  | { readonly op: 'duplicate'; readonly at: number; readonly len: number }
  | { readonly op: 'delete-line'; readonly at: number }
  | { readonly op: 'duplicate-line'; readonly at: number; readonly to: number }
  | { readonly op: 'swap-lines'; readonly at: number; readonly to: number }
  | { readonly op: 'long-identifier'; readonly at: number; readonly len: number }
  | { readonly op: 'nest'; readonly at: number; readonly depth: number; readonly kind: number }
  | { readonly op: 'replace-token'; readonly at: number; readonly what: string };

const tokenStart = (text: string, at: number): [number, number] => {
  const re = /\\[A-Za-z]+|[A-Za-z_][\w.]*|\d+(?:\.\d+)?(?:[eE]-?\d+)?|\S/g;
  const spans: [number, number][] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) spans.push([m.index, m.index + m[0].length]);
  if (!spans.length) return [0, 0];
  return spans[at % spans.length]!;
};

/** Applies one mutation; positions are taken modulo the text's length. */
export function mutate(text: string, m: Mutation): string {
  const L = text.length;
  const at = L ? m.at % (L + 1) : 0;
  const lines = text.split('\n');
  const li = m.at % Math.max(1, lines.length);
  switch (m.op) {
    case 'delete-char': return text.slice(0, at) + text.slice(at + m.len);
    case 'insert': return text.slice(0, at) + m.what + text.slice(at);
    case 'replace': return text.slice(0, at) + m.what + text.slice(at + m.len);
    case 'duplicate': return text.slice(0, at + m.len) + text.slice(at, at + m.len) + text.slice(at + m.len);
    case 'delete-line': return lines.filter((_, i) => i !== li).join('\n');
    case 'duplicate-line': {
      const out = lines.slice();
      out.splice(m.to % (lines.length + 1), 0, lines[li]!);
      return out.join('\n');
    }
    case 'swap-lines': {
      const out = lines.slice();
      const j = m.to % lines.length;
      [out[li], out[j]] = [out[j]!, out[li]!];
      return out.join('\n');
    }
    case 'long-identifier': {
      const [s, e] = tokenStart(text, m.at);
      return text.slice(0, s) + 'v' + 'x'.repeat(m.len) + text.slice(e);
    }
    case 'nest': {
      // deep nesting around one token: ((((x)))), exp(exp(…)), -(-(…)), sum(i, sum(i, …))
      const [s, e] = tokenStart(text, m.at);
      const open = ['(', 'exp(', '-(', 'sqrt(', '[', 'sum(i, ', 'abs('][m.kind % 7]!;
      const close = open === '[' ? ']' : ')';
      return text.slice(0, s) + open.repeat(m.depth) + text.slice(s, e) + close.repeat(m.depth) + text.slice(e);
    }
    case 'replace-token': {
      const [s, e] = tokenStart(text, m.at);
      return text.slice(0, s) + m.what + text.slice(e);
    }
  }
}

/** Random text to insert: nasty strings, corpus tokens, random unicode. */
export function insertionArb(corpus: Corpus): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 4, arbitrary: fc.constantFrom(...corpus.tokens) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('(', ')', '[', ']', ',', ' ', '\n', '+', '*', '^', '-', 'x', 'i', '1', '?', '{', '}', '\\', '_'), maxLength: 12 }) },
  );
}

export function mutationArb(corpus: Corpus): fc.Arbitrary<Mutation> {
  const at = fc.nat({ max: 100_000 });
  const what = insertionArb(corpus);
  return fc.oneof(
    fc.record({ op: fc.constant('delete-char' as const), at, len: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ op: fc.constant('insert' as const), at, what }),
    fc.record({ op: fc.constant('replace' as const), at, len: fc.integer({ min: 1, max: 4 }), what }),
    fc.record({ op: fc.constant('duplicate' as const), at, len: fc.integer({ min: 1, max: 20 }) }),
    fc.record({ op: fc.constant('delete-line' as const), at }),
    fc.record({ op: fc.constant('duplicate-line' as const), at, to: fc.nat({ max: 1000 }) }),
    fc.record({ op: fc.constant('swap-lines' as const), at, to: fc.nat({ max: 1000 }) }),
    fc.record({ op: fc.constant('long-identifier' as const), at, len: fc.integer({ min: 100, max: 20_000 }) }),
    fc.record({ op: fc.constant('nest' as const), at, depth: fc.integer({ min: 5, max: 400 }), kind: fc.nat({ max: 6 }) }),
    fc.record({ op: fc.constant('replace-token' as const), at, what }),
  );
}

export interface MutatedCase {
  readonly file: string;
  readonly base: string;
  readonly text: string;
  readonly mutations: readonly Mutation[];
}

/** A bundled file (or one of its LaTeX claims on a minimal spec) with one to four mutations. */
export function mutatedArb(corpus: Corpus): fc.Arbitrary<MutatedCase> {
  const baseArb = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...corpus.files) },
    { weight: 1, arbitrary: fc.constantFrom(...corpus.latex).map((l) => ({ file: 'claim.layer', text: latexHost(l) })) },
  );
  return fc.tuple(baseArb, fc.array(mutationArb(corpus), { minLength: 1, maxLength: 4 })).map(([b, ms]) => ({
    file: b.file, base: b.file, mutations: ms, text: ms.reduce(mutate, b.text),
  }));
}

/**
 * A LaTeX claim on a file that declares what the bundled claims mention, so that a
 * mutation exercises the LaTeX reader rather than a missing name.
 */
export function latexHost(latex: string): string {
  return [
    'input  x[n]',
    'param  gamma, beta',
    'const  eps > 0',
    'mu      = sum(i, x[i]) / n',
    'var     = sum(i, (x[i] - mu)^2) / n',
    'xhat[i] = (x[i] - mu) / sqrt(var + eps)',
    'y[i]    = gamma * xhat[i] + beta',
    'output y',
    'tex var  "\\sigma^2"',
    'tex xhat "\\hat{x}"',
    `claim latex: ${latex}`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------
// (c) Simplification keeps the value

/** A random expression over x[…], p[…] (> 0), w[…], scalars a, b (> 0) and the index m, for e[m in 1..N] = …. */
export function genExpression(p: Pick): { text: string; N: string } {
  const symbolic = p.bool(0.6);
  const N = symbolic ? 'n' : String(p.int(1, 4));
  let fresh = 0;
  const pos = (d: number, idx: string[]): string => {
    if (d <= 0 || p.bool(0.35)) return p.pick(['b', `p[${p.pick(idx)}]`, '2', '0.5', `exp(${gen(0, idx)})`]);
    switch (p.int(0, 5)) {
      case 0: return `exp(${gen(d - 1, idx)})`;
      case 1: return `sqrt(${pos(d - 1, idx)})`;
      case 2: return `(${pos(d - 1, idx)}) * (${pos(d - 1, idx)})`;
      case 3: return `(${pos(d - 1, idx)} + ${pos(d - 1, idx)})`;
      case 4: return `(${pos(d - 1, idx)})^${p.pick(['0.5', '-0.5', '1.5', '-1', '2'])}`;
      default: return `(1 + (${gen(d - 1, idx)})^2)`;
    }
  };
  const read = (idx: string[]): string => {
    const i = p.pick(idx);
    const t = p.pick(['x', 'x', 'w', 'p']);
    // a read at i ± 1 is guarded (0 outside), or kept inside by a bracket
    switch (p.int(0, 5)) {
      case 0: return `${t}[${i} + 1]?`;
      case 1: return `${t}[${i} - 1]?`;
      default: return `${t}[${i}]`;
    }
  };
  // patterns the sum rules and folds act on: a delta to collapse, the sum that is N·mu,
  // x − mu that is xhat/b, a bracket that narrows a range
  const pattern = (d: number, idx: string[]): string => {
    const i = p.pick(idx);
    const j = ['j', 'k', 'q'][fresh++ % 3]! + (fresh > 3 ? String(fresh) : '');
    switch (p.int(0, 6)) {
      case 0: return `sum(${j} in 1..${N}, [${j} = ${i}${p.pick(['', ' + 1', ' - 1'])}] * ${p.pick(['x', 'w', 'p'])}[${j}] * (${gen(d - 1, [...idx, j])}))`;
      case 1: return `sum(${j} in 1..${N}, x[${j}])${p.pick(['', ` / ${N}`, ' - mu', ` - ${N} * mu`])}`;
      case 2: return `(x[${i}] - mu) * b`;
      case 3: return `sum(${j} in 1..${N}, (x[${j}] - mu)${p.bool() ? ` * ${p.pick(['a', 'b', `w[${i}]`])}` : ''})`;
      case 4: return `sum(${j} in 1..${N}, [${j} ${p.pick(['<=', '<', '>=', '>'])} ${i}] * (${gen(d - 1, [...idx, j])}))`;
      case 5: return `xhat[${i}] * (${gen(d - 1, idx)})`;
      default: return `mu * sum(${j} in ${p.pick([`1..${i}`, `${i}..${N}`])}, ${p.pick(['x', 'w', 'p', 'xhat'])}[${j}])`;
    }
  };
  const gen = (d: number, idx: string[]): string => {
    if (d <= 0 || p.bool(0.15)) return p.bool(0.75) ? p.pick([read(idx), read(idx), 'a', 'b', 'mu', `xhat[${p.pick(idx)}]`, p.pick(idx)]) : p.pick(['2', '-1', '0.5', '3', '0', '1']);
    if (p.bool(0.2)) return pattern(d, idx);
    switch (p.int(0, 13)) {
      case 0: case 1: return `${gen(d - 1, idx)} + ${gen(d - 1, idx)}`;
      case 2: return `${gen(d - 1, idx)} - (${gen(d - 1, idx)})`;
      case 3: case 4: return `(${gen(d - 1, idx)}) * (${gen(d - 1, idx)})`;
      case 5: return `(${gen(d - 1, idx)}) / (${pos(d - 1, idx)})`;
      case 6: return `(${gen(d - 1, idx)})^${p.pick(['2', '3', '0', '1'])}`;
      case 7: return `(${pos(d - 1, idx)})^${p.pick(['0.5', '-0.5', '1.5', '-1', '-2', '-1.5'])}`;
      case 8: return `${p.pick(['exp', 'tanh', 'sigmoid'])}(${gen(d - 1, idx)})`;
      case 9: return `${p.pick(['log', 'sqrt'])}(${pos(d - 1, idx)})`;
      case 10: case 11: {
        const j = ['j', 'k', 'q'][fresh++ % 3]! + (fresh > 3 ? String(fresh) : '');
        const range = p.pick([`1..${N}`, `1..${N}`, `1..m`, `m..${N}`, '1..2', '2..3']);
        // 2..3 and 1..2 only when N is large enough: otherwise 1..N
        const safe = /^[12]\.\.[23]$/.test(range) && (symbolic || Number(N) < 3) ? `1..${N}` : range;
        const inner = [...idx, j];
        const bracket = p.bool(0.4) ? `[${j} ${p.pick(['=', '<=', '<', '>=', '>', '!='])} ${p.pick(idx)}${p.pick(['', ' + 1', ' - 1'])}] * ` : '';
        return `sum(${j} in ${safe}, ${bracket}(${gen(d - 1, inner)}))`;
      }
      case 12: {
        const i = p.pick(idx);
        const others = [...idx.filter((x) => x !== i), '1', '2', N];
        return `[${i} ${p.pick(['=', '<=', '<', '>=', '>'])} ${p.pick(others)}${p.pick(['', ' + 1', ' - 1'])}] * (${gen(d - 1, idx)})`;
      }
      default: return `-(${gen(d - 1, idx)})`;
    }
  };
  return { text: gen(p.int(2, 5), ['m']), N };
}

export const RULE_SETS: Readonly<Record<string, readonly Rule[]>> = {
  local: LOCAL_RULES, work: WORK_RULES, closed: CLOSED_RULES, refold: REFOLD_RULES, element: ELEMENT_RULES,
};

/**
 * Simplifies e[m in 1..N] = <text> (in a file that defines mu = Σ x/N and xhat, so the
 * folds have something to fold) with one rule set, without the engine's own numeric
 * vetting of each step, and compares the values before and after at every tried size,
 * two random points each, every m. Points where the original is not finite are skipped.
 */
export function simplifyKeepsValue(expr: string, N: string, ruleSet: string, seed: number): Outcome {
  const text = [
    `input x[${N}], w[${N}]`,
    `input p[${N}] > 0`,
    'param a',
    'param b > 0',
    `mu = sum(i, x[i]) / ${N}`,
    `xhat[i] = (x[i] - mu) * b`,
    `e[m in 1..${N}] = ${expr}`,
    `s = sum(m, e[m]) + mu + sum(i, xhat[i])`,
    'output s',
  ].join('\n');
  let g;
  try {
    g = buildGraph(parseSpec('expr.layer', text));
  } catch (e) {
    const bad = badError(e, 'expr.layer', text);
    return bad ? { kind: 'crash', detail: `${bad}\n${text}` } : { kind: 'rejected', detail: (e as Error).message };
  }
  const t = g.tensors.get('e')!;
  const before = t.body!;
  const free = t.dims.map((d) => d.index);
  let after: Node;
  try {
    const d = derive(g);
    const rules = RULE_SETS[ruleSet]!;
    const opts = { scope: scopeOf(g, t, free), rules, folds: d.folds, elementFolds: d.elementFolds, ...(ruleSet === 'element' && { unrollLimit: 64 }) };
    after = simplify(before, opts).result;
  } catch (e) {
    const bad = badError(e, 'expr.layer', text);
    if (bad) return { kind: 'crash', detail: `${bad}\n${text}` };
    return { kind: 'rejected', detail: (e as Error).message };
  }
  const rng = new Rng(seed);
  const F = floatField;
  for (const sizes of sizeInstances(g).tried) {
    for (let pt = 0; pt < 2; pt++) {
      const leaves = sampleLeaves(F, g, sizes, rng.fork(`${[...sizes].join()}#${pt}`));
      let tensors: Map<string, TensorValue<number>>;
      try {
        tensors = forward(F, g, sizes, leaves);
      } catch (e) {
        return { kind: 'crash', detail: `forward: ${(e as Error).message}\n${text}` };
      }
      const values = { tensors, adjoints: new Map() };
      const ext = tensors.get('e')!;
      for (const at of elementsOf(ext.lo, ext.hi)) {
        const bound = new Map(free.map((f, k) => [f, at[k]!]));
        const x = evaluate(F, before, sizes, values, bound);
        if (!Number.isFinite(x)) continue;
        let y: number;
        try {
          y = evaluate(F, after, sizes, values, bound);
        } catch (e) {
          return { kind: 'wrong', detail: `the simplified form cannot be evaluated at ${show(sizes, bound)}: ${(e as Error).message}\nbefore: ${printText(before)}\nafter:  ${printText(after)}` };
        }
        const scale = Math.abs(magnitude(F, before, sizes, values, bound)) + Math.abs(x);
        if (Math.abs(x - y) <= 1e-9 * (1 + scale)) continue;
        // confirm in 64 digits before calling it wrong (float64 cancellation)
        const B = bigField(64);
        const bl = new Map([...leaves].map(([k, v]) => [k, { ...v, data: v.data.map((d) => B.fromNumber(d)) }]));
        const bt = forward(B, g, sizes, bl);
        const bv = { tensors: bt, adjoints: new Map() };
        const xb = B.toNumber(evaluate(B, before, sizes, bv, bound));
        const yb = B.toNumber(evaluate(B, after, sizes, bv, bound));
        if (Math.abs(xb - yb) <= 1e-12 * (1 + Math.abs(xb))) continue;
        return {
          kind: 'wrong',
          detail: `${ruleSet} rules changed the value at ${show(sizes, bound)}: ${xb} before, ${yb} after\nbefore: ${printText(before)}\nafter:  ${printText(after)}`,
        };
      }
    }
  }
  return { kind: 'ok' };
}

const show = (sizes: ReadonlyMap<string, bigint>, bound: ReadonlyMap<string, bigint>): string =>
  [...sizes, ...bound].map(([k, v]) => `${k}=${v}`).join(', ') || 'the declared sizes';
