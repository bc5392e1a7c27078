// The standard library (lib/std.layer) through the whole engine: `use std`, a call
// such as `c1 = conv2d(img, filters = 10, kernel = 9)`, and what comes out of it.
//   1. shapes and parameter counts against the torch.nn formulas, computed here;
//      forward values against direct loops written the way PyTorch defines the layers;
//   2. every library layer's gradients against the 64-digit finite-difference check;
//   3. conv1d, conv1d + pooling and batch norm against PyTorch autograd's numbers;
//   4. bad calls give located SpecErrors, never a crash.
// Nothing expected here is read back from the engine: every number is computed in this
// file from the formulas (or taken from ../shared/reference/torch_reference.json).
import { describe, expect, test } from 'vitest';
import type { AdjointForms } from '../src/autodiff/forms.js';
import { buildGraph } from '../src/graph/build.js';
import type { Graph } from '../src/graph/graph.js';
import type { Poly } from '../src/graph/shapes.js';
import { extents, layerParams, polyValue, totalParams } from '../src/graph/shapes.js';
import type { Node } from '../src/ir/node.js';
import * as Q from '../src/ir/rational.js';
import type { TensorValue } from '../src/numeric/evaluate.js';
import { elementsOf, evaluate, extentOf, forward, offset } from '../src/numeric/evaluate.js';
import { floatField } from '../src/numeric/float.js';
import type { Big } from '../src/numeric/mathjs.js';
import { bigField } from '../src/numeric/mathjs.js';
import { printText } from '../src/ops/printer.js';
import type { Result } from '../src/pipeline.js';
import { run } from '../src/pipeline.js';
import { SpecError } from '../src/syntax/errors.js';
import { parseSpec } from '../src/syntax/parse.js';
import type { RefExample, RefTensor } from './helpers/reference.js';
import { compare, exactValues, exampleOf, isRefTensor, loadReference, tensorValue } from './helpers/reference.js';

// ── the independent formulas (torch.nn documentation) ─────────────────────────────

/** Conv1d/Conv2d: ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1. */
const convOut = (H: number, k: number, s = 1, p = 0, d = 1): number => Math.floor((H + 2 * p - d * (k - 1) - 1) / s) + 1;
/** MaxPool/AvgPool without padding: ⌊(H − k)/s⌋ + 1, the stride defaulting to the window. */
const poolOut = (H: number, k: number, s = k): number => Math.floor((H - k) / s) + 1;

const NONE: ReadonlyMap<string, bigint> = new Map();
const NO_VALUES = { tensors: new Map<string, TensorValue<number>>(), adjoints: new Map<string, TensorValue<number>>() };
const sizes = (s: Record<string, number>): Map<string, bigint> => new Map(Object.entries(s).map(([k, v]) => [k, BigInt(v)]));

const graphOf = (text: string, file = 'library.layer'): Graph => buildGraph(parseSpec(file, text));

/** A size expression's value at the given sizes (an integer, or the test fails). */
function sizeAt(n: Node, at: ReadonlyMap<string, bigint>): number {
  const v = evaluate(floatField, n, at, NO_VALUES);
  expect(Number.isInteger(v), `${printText(n)} at ${[...at].join(' ')} is ${v}`).toBe(true);
  return v;
}

/** A parameter-count polynomial's value at the given sizes, in exact rationals. */
function polyAt(p: Poly, at: ReadonlyMap<string, bigint>): number {
  let total = Q.ZERO;
  for (const m of p.values()) total = Q.add(total, m.atoms.reduce((t, a) => Q.mul(t, Q.rat(BigInt(sizeAt(a, at)))), m.c));
  expect(Q.isInteger(total), `parameter count ${Q.ratToString(total)}`).toBe(true);
  return Number(total.n);
}

const shapeAt = (g: Graph, name: string, at: ReadonlyMap<string, bigint>): number[] => extents(g.tensors.get(name)!).map((e) => sizeAt(e, at));

/** A concrete tensor's extents, as printed: each must be a plain integer. */
const printedShape = (g: Graph, name: string): string[] => extents(g.tensors.get(name)!).map((e) => printText(e));

function useOf(g: Graph, name: string) {
  const use = g.layers.find((u) => u.name === name);
  if (!use) throw new Error(`no layer call ${name}`);
  return use;
}

/** A concrete call's parameter count: polyValue must give a number, equal to polyAt's. */
function concreteParams(g: Graph, name: string): number {
  const p = layerParams(g, useOf(g, name));
  const v = polyValue(p);
  expect(v, `parameter count of ${name} is a number`).toBeDefined();
  expect(Q.isInteger(v!)).toBe(true);
  return Number(v!.n);
}

/** The one SpecError that a text raises in run(), or the test fails (no error, or a crash). */
function specErrorOf(text: string, file = 'bad.layer'): SpecError {
  try {
    run(file, text, { present: false });
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw new Error(`not a SpecError (a crash): ${(e as Error).stack ?? String(e)}`);
  }
  throw new Error('no error raised');
}

// ══ 1. Shapes and parameter counts ════════════════════════════════════════════════
// Independent reference: the output-size formulas of torch.nn.Conv1d/Conv2d and
// MaxPool/AvgPool (convOut and poolOut above), and parameter counts from the weight
// shapes PyTorch uses (Conv2d: filters·C·k·k + filters; Conv1d: out·C·k + out;
// Linear: out·N + out; BatchNorm over one feature: γ, β = 2; LayerNorm(D): 2·D;
// pooling, activations, flatten: 0). Computed in the test, never read from the engine.

/** Attributes written only when they differ from the default, so defaults are exercised too. */
const attrText = (a: Record<string, number | undefined>, defaults: Record<string, number>): string =>
  Object.entries(a)
    .filter(([k, v]) => v !== undefined && v !== defaults[k])
    .map(([k, v]) => `, ${k} = ${v}`)
    .join('');

describe('shapes and parameter counts of every library layer (torch.nn formulas)', () => {
  const KERNELS = [1, 2, 3, 5];
  const STRIDES = [1, 2, 3];
  const PADS = [0, 1, 2];
  const DILATIONS = [1, 2];

  test('conv1d: ⌊(N + 2p − d(k − 1) − 1)/s⌋ + 1 over a grid of kernels, strides, pads, dilations; out·C·k + out params', () => {
    let built = 0;
    let empty = 0;
    for (const [C, N] of [[1, 7], [3, 12], [2, 100]] as const) {
      for (const k of KERNELS) for (const s of STRIDES) for (const p of PADS) for (const d of DILATIONS) {
        const out = 4;
        const text = `use std\ninput x[${C}, ${N}]\nc = conv1d(x, out = ${out}, kernel = ${k}${attrText({ stride: s, pad: p, dilation: d }, { stride: 1, pad: 0, dilation: 1 })})\noutput c\n`;
        const label = `x[${C}, ${N}] k=${k} s=${s} p=${p} d=${d}`;
        const L = convOut(N, k, s, p, d);
        if (L <= 0) {
          // the formula says empty: the engine must say so at the call (line 3)
          const e = specErrorOf(text);
          expect(e.span?.line, label).toBe(3);
          expect(e.message, label).toMatch(/conv1d would have an empty output/);
          empty++;
          continue;
        }
        const g = graphOf(text);
        expect(printedShape(g, 'c'), label).toEqual([String(out), String(L)]);
        expect(concreteParams(g, 'c'), label).toBe(out * C * k + out);
        built++;
      }
    }
    // by hand: x[3, 12], k = 3, s = 2, p = 1, d = 2: ⌊(12 + 2 − 4 − 1)/2⌋ + 1 = ⌊9/2⌋ + 1 = 5 (remainder 1);
    //          x[2, 100], k = 5, s = 3, p = 2, d = 2: ⌊(100 + 4 − 8 − 1)/3⌋ + 1 = ⌊95/3⌋ + 1 = 32 (remainder 2);
    //          x[1, 7], k = 5, s = 2, p = 0, d = 2: ⌊(7 − 8 − 1)/2⌋ + 1 = 0, empty
    expect([convOut(12, 3, 2, 1, 2), convOut(100, 5, 3, 2, 2), convOut(7, 5, 2, 0, 2)]).toEqual([5, 32, 0]);
    expect(built).toBeGreaterThan(150);
    expect(empty).toBeGreaterThan(0);
  });

  test('conv2d: the same formula in H and W (non-square, with remainders), filters·C·k·k + filters params', () => {
    for (const [C, H, W] of [[2, 9, 12], [3, 17, 10]] as const) {
      for (const k of KERNELS) for (const s of STRIDES) for (const p of PADS) for (const d of DILATIONS) {
        const filters = 3;
        const [oh, ow] = [convOut(H, k, s, p, d), convOut(W, k, s, p, d)];
        const text = `use std\ninput x[${C}, ${H}, ${W}]\nc = conv2d(x, filters = ${filters}, kernel = ${k}${attrText({ stride: s, pad: p, dilation: d }, { stride: 1, pad: 0, dilation: 1 })})\noutput c\n`;
        const label = `x[${C}, ${H}, ${W}] k=${k} s=${s} p=${p} d=${d}`;
        if (oh <= 0 || ow <= 0) {
          expect(specErrorOf(text).message, label).toMatch(/conv2d would have an empty output/);
          continue;
        }
        const g = graphOf(text);
        expect(printedShape(g, 'c'), label).toEqual([filters, oh, ow].map(String));
        expect(concreteParams(g, 'c'), label).toBe(filters * C * k * k + filters);
        // the call lists every attribute's value, defaults included
        expect(useOf(g, 'c').attrs.map(([a, v]) => `${a}=${printText(v)}`), label).toEqual([`filters=${filters}`, `kernel=${k}`, `stride=${s}`, `pad=${p}`, `dilation=${d}`]);
      }
    }
  });

  test('pooling, 1-d and 2-d, max and average: ⌊(H − k)/s⌋ + 1, the stride defaulting to the kernel; no params', () => {
    for (const layer of ['maxpool1d', 'avgpool1d'] as const) {
      for (const N of [7, 12]) for (const k of [1, 2, 3, 4]) for (const s of [undefined, 1, 2, 3]) {
        const text = `use std\ninput x[3, ${N}]\np = ${layer}(x, kernel = ${k}${s === undefined ? '' : `, stride = ${s}`})\noutput p\n`;
        const label = `${layer} N=${N} k=${k} s=${s ?? 'default'}`;
        const g = graphOf(text);
        expect(printedShape(g, 'p'), label).toEqual(['3', String(poolOut(N, k, s))]);
        expect(concreteParams(g, 'p'), label).toBe(0);
        expect(useOf(g, 'p').attrs.map(([a, v]) => `${a}=${printText(v)}`), label).toEqual([`kernel=${k}`, `stride=${s ?? k}`]);
      }
    }
    for (const layer of ['maxpool2d', 'avgpool2d'] as const) {
      for (const [H, W] of [[7, 10], [12, 5]] as const) for (const k of [1, 2, 3]) for (const s of [undefined, 1, 2, 3]) {
        const text = `use std\ninput x[2, ${H}, ${W}]\np = ${layer}(x, kernel = ${k}${s === undefined ? '' : `, stride = ${s}`})\noutput p\n`;
        const label = `${layer} ${H}x${W} k=${k} s=${s ?? 'default'}`;
        const g = graphOf(text);
        expect(printedShape(g, 'p'), label).toEqual(['2', String(poolOut(H, k, s)), String(poolOut(W, k, s))]);
        expect(concreteParams(g, 'p'), label).toBe(0);
      }
    }
    // e.g. maxpool1d on N = 7, k = 2 (stride 2 by default): ⌊(7 − 2)/2⌋ + 1 = 3, the 7th column dropped;
    //      avgpool2d 12×5, k = 3, s = 2: ⌊9/2⌋ + 1 = 5 by ⌊2/2⌋ + 1 = 2
  });

  test('dense and linear: [out], out·N + out params; batchnorm: same shape, 2 params; layernorm: same shape, 2·D params', () => {
    for (const layer of ['dense', 'linear'] as const) {
      for (const [N, out] of [[1, 1], [3, 2], [784, 10]] as const) {
        const g = graphOf(`use std\ninput x[${N}]\nd = ${layer}(x, out = ${out})\noutput d\n`);
        expect(printedShape(g, 'd')).toEqual([String(out)]);
        expect(concreteParams(g, 'd')).toBe(out * N + out); // 784 → 10: 7850
      }
    }
    for (const N of [2, 5, 64]) {
      const bn = graphOf(`use std\ninput x[${N}]\ny = batchnorm(x)\noutput y\n`);
      expect(printedShape(bn, 'y')).toEqual([String(N)]);
      expect(concreteParams(bn, 'y')).toBe(2);
      const ln = graphOf(`use std\ninput x[${N}]\ny = layernorm(x)\noutput y\n`);
      expect(printedShape(ln, 'y')).toEqual([String(N)]);
      expect(concreteParams(ln, 'y')).toBe(2 * N);
    }
  });

  test('relu, sigmoid, tanh keep any shape (`...`), softmax keeps [N]; flatten gives C·H·W; none has params', () => {
    for (const layer of ['relu', 'sigmoid', 'tanh'] as const) {
      for (const shape of [[5], [2, 3], [2, 3, 4], [2, 3, 4, 5]]) {
        const g = graphOf(`use std\ninput x[${shape.join(', ')}]\ny = ${layer}(x)\noutput y\n`);
        expect(printedShape(g, 'y'), `${layer} over [${shape}]`).toEqual(shape.map(String));
        expect(concreteParams(g, 'y')).toBe(0);
      }
    }
    for (const N of [1, 4, 10]) {
      const g = graphOf(`use std\ninput x[${N}]\ny = softmax(x)\noutput y\n`);
      expect(printedShape(g, 'y')).toEqual([String(N)]);
      expect(concreteParams(g, 'y')).toBe(0);
    }
    for (const [C, H, W] of [[1, 1, 1], [3, 4, 5], [10, 40, 40]] as const) {
      const g = graphOf(`use std\ninput x[${C}, ${H}, ${W}]\nf = flatten(x)\noutput f\n`);
      expect(printedShape(g, 'f')).toEqual([String(C * H * W)]); // 10·40·40 = 16000
      expect(concreteParams(g, 'f')).toBe(0);
    }
  });

  test('a 256×256×3 network: exact shapes and counts, symbolic throughout (nothing unrolled), in the full pipeline', () => {
    const text = [
      'use std',
      'input img[3, 256, 256]',
      'c1 = conv2d(img, filters = 10, kernel = 9)',
      'p1 = maxpool2d(c1, kernel = 2)',
      'c2 = conv2d(p1, filters = 20, kernel = 3, stride = 2, pad = 1)',
      'f  = flatten(c2)',
      'd  = dense(f, out = 10)',
      's  = softmax(d)',
      'output s',
      '',
    ].join('\n');
    const t0 = performance.now();
    const r = run('net.layer', text, { present: false });
    const ms = performance.now() - t0;
    const g = r.graph;
    // by hand: ⌊(256 − 9)/1⌋ + 1 = 248; ⌊(248 − 2)/2⌋ + 1 = 124; ⌊(124 + 2 − 2 − 1)/2⌋ + 1 = ⌊123/2⌋ + 1 = 62;
    // 20·62·62 = 76880; params 10·3·9·9 + 10 = 2440, 20·10·3·3 + 20 = 1820, 10·76880 + 10 = 768810
    const h1 = convOut(256, 9);
    const h2 = poolOut(h1, 2);
    const h3 = convOut(h2, 3, 2, 1);
    expect([h1, h2, h3]).toEqual([248, 124, 62]);
    expect(printedShape(g, 'c1')).toEqual(['10', String(h1), String(h1)]);
    expect(printedShape(g, 'p1')).toEqual(['10', String(h2), String(h2)]);
    expect(printedShape(g, 'c2')).toEqual(['20', String(h3), String(h3)]);
    expect(printedShape(g, 'f')).toEqual([String(20 * h3 * h3)]);
    expect(printedShape(g, 'd')).toEqual(['10']);
    expect(printedShape(g, 's')).toEqual(['10']);
    const expected: Record<string, number> = { c1: 10 * 3 * 9 * 9 + 10, p1: 0, c2: 20 * 10 * 3 * 3 + 20, f: 0, d: 10 * 20 * h3 * h3 + 10, s: 0 };
    for (const [name, count] of Object.entries(expected)) expect(concreteParams(g, name), name).toBe(count);
    const total = polyValue(totalParams(g));
    expect(total && Number(total.n)).toBe(2440 + 1820 + 768810);
    // the layers in order, each with what it created (params first, output last)
    expect(g.layers.map((u) => `${u.name}:${u.layer}`)).toEqual(['c1:conv2d', 'p1:maxpool2d', 'c2:conv2d', 'f:flatten', 'd:dense', 's:softmax']);
    expect(useOf(g, 'c1').created).toEqual(['c1.w', 'c1.b', 'c1']);
    expect(printedShape(g, 'c1.w')).toEqual(['10', '3', '9', '9']);
    // nothing unrolled: no tensor here is written out element by element (that is for ≤ 8 elements)
    for (const name of ['img', 'c1.w', 'c1', 'c2', 'd.w']) expect(r.derivation.adjoints.get(name)?.elements, name).toBeUndefined();
    // ~1 s here; an engine that unrolled the 196 608 input elements could not come near this
    expect(ms).toBeLessThan(20_000);
  });

  test('symbolic sizes: conv1d with kernel 3 on x[C, N] is N − 2 wide and has 12·C + 4 params (out = 4)', () => {
    const g = graphOf('use std\ninput x[C, N]\nc = conv1d(x, out = 4, kernel = 3)\noutput c\n');
    expect(printedShape(g, 'c')).toEqual(['4', 'N − 2']);
    const params = layerParams(g, useOf(g, 'c'));
    expect(polyValue(params), 'symbolic: not a number').toBeUndefined();
    for (const N of [3, 4, 10, 1000]) for (const C of [1, 2, 7]) {
      const at = sizes({ C, N });
      expect(shapeAt(g, 'c', at)).toEqual([4, N - 2]);
      expect(polyAt(params, at)).toBe(4 * C * 3 + 4);
    }
  });

  test('symbolic sizes with stride, pad and dilation: every N where the output is non-empty agrees with the formula', () => {
    const g1 = graphOf('use std\ninput x[C, N]\nc = conv1d(x, out = 2, kernel = 3, stride = 2, pad = 1, dilation = 2)\noutput c\n');
    const g2 = graphOf('use std\ninput x[C, H, W]\nc = conv2d(x, filters = 5, kernel = 3, stride = 3, pad = 2)\noutput c\n');
    const g3 = graphOf('use std\ninput x[C, N]\np = maxpool1d(x, kernel = 3, stride = 2)\nq = avgpool1d(x, kernel = 2)\noutput p, q\n');
    const g4 = graphOf('use std\ninput x[C, H, W]\np = avgpool2d(x, kernel = 2, stride = 3)\noutput p\n');
    for (let N = 1; N <= 40; N++) {
      const at = sizes({ C: 3, N, H: N, W: N + 3 });
      // ⌊(N + 2 − 4 − 1)/2⌋ + 1, e.g. N = 10: ⌊7/2⌋ + 1 = 4
      if (convOut(N, 3, 2, 1, 2) > 0) expect(shapeAt(g1, 'c', at), `N=${N}`).toEqual([2, convOut(N, 3, 2, 1, 2)]);
      if (convOut(N, 3, 3, 2) > 0) expect(shapeAt(g2, 'c', at), `H=${N}`).toEqual([5, convOut(N, 3, 3, 2), convOut(N + 3, 3, 3, 2)]);
      if (N >= 3) expect(shapeAt(g3, 'p', at), `N=${N}`).toEqual([3, poolOut(N, 3, 2)]);
      if (N >= 2) expect(shapeAt(g3, 'q', at), `N=${N}`).toEqual([3, poolOut(N, 2)]);
      if (N >= 2) expect(shapeAt(g4, 'p', at), `H=${N}`).toEqual([3, poolOut(N, 2, 3), poolOut(N + 3, 2, 3)]);
    }
    const conv2 = layerParams(g2, useOf(g2, 'c'));
    for (const C of [1, 4, 9]) expect(polyAt(conv2, sizes({ C, H: 9, W: 9 }))).toBe(5 * C * 3 * 3 + 5);
  });

  test('symbolic dense, layernorm and flatten over a symbolic C: out·N + out, 2·D, 12·C', () => {
    const d = graphOf('use std\ninput x[N]\nd = dense(x, out = 5)\nn = layernorm(d)\noutput n\n');
    const ln = graphOf('use std\ninput x[D]\nn = layernorm(x)\noutput n\n');
    const fl = graphOf('use std\ninput x[C, 3, 4]\nf = flatten(x)\noutput f\n');
    for (const v of [1, 3, 100]) {
      const at = sizes({ N: v, D: v, C: v });
      expect(polyAt(layerParams(d, useOf(d, 'd')), at)).toBe(5 * v + 5);
      expect(polyAt(layerParams(d, useOf(d, 'n')), at)).toBe(2 * 5);
      expect(polyAt(totalParams(d), at)).toBe(5 * v + 5 + 10);
      expect(polyAt(layerParams(ln, useOf(ln, 'n')), at)).toBe(2 * v);
      expect(shapeAt(fl, 'f', at)).toEqual([12 * v]);
    }
  });

  test('a param given as a tensor (w = w2) sets out and kernel from its shape and is counted once in the total', () => {
    const g = graphOf('use std\ninput x[2, 9]\nparam w2[4, 2, 3]\nc = conv1d(x, w = w2)\nd = conv1d(x, w = w2, stride = 2)\noutput c, d\n');
    expect(printedShape(g, 'c')).toEqual(['4', String(convOut(9, 3))]);
    expect(printedShape(g, 'd')).toEqual(['4', String(convOut(9, 3, 2))]);
    expect(useOf(g, 'c').params).toEqual(['w2', 'c.b']);
    expect(concreteParams(g, 'c')).toBe(4 * 2 * 3 + 4);
    expect(concreteParams(g, 'd')).toBe(4 * 2 * 3 + 4);
    // w2 is shared: 24 + 4 (c.b) + 4 (d.b)
    expect(Number(polyValue(totalParams(g))!.n)).toBe(24 + 4 + 4);
  });

  test('shape and params claims get exact verdicts that agree with the formulas', () => {
    const text = [
      'use std',
      'input img[3, 256, 256]',
      'c1 = conv2d(img, filters = 10, kernel = 9)',
      `claim shape c1 = [10, ${convOut(256, 9)}, ${convOut(256, 9)}]`,
      `claim shape c1 = [10, ${convOut(256, 9) - 1}, ${convOut(256, 9)}]`,
      `claim params c1 = ${10 * 3 * 81 + 10}`,
      `claim params c1 = ${10 * 3 * 81 + 11}`,
      `claim params = ${10 * 3 * 81 + 10}`,
      'output c1',
      '',
    ].join('\n');
    const r = run('claims.layer', text, { present: false, verify: true });
    expect(r.claims!.map((c) => c.verdict.kind)).toEqual(['holds', 'fails', 'holds', 'fails', 'holds']);
    const sym = run('claims-sym.layer', 'use std\ninput x[C, N]\nc = conv1d(x, out = 4, kernel = 3)\nclaim shape c = [4, N - 2]\nclaim shape c = [4, N - 3]\nclaim params c = 12*C + 4\noutput c\n', { present: false, verify: true });
    expect(sym.claims!.map((c) => c.verdict.kind)).toEqual(['holds', 'fails', 'holds']);
  });

  // ⌊(N − 2)/2⌋ + 1 = ⌊N/2⌋ and ⌊(N − 1)/2⌋ + 1 = ⌊(N + 1)/2⌋ for every integer N
  // (⌊(a − m)/m⌋ = ⌊a/m⌋ − 1): true claims in another floor form must hold (this once
  // failed, when an undecided equality counted as a difference).
  test('a true shape claim in an equivalent floor form holds (maxpool1d: ⌊N/2⌋; strided conv1d: ⌊(N + 1)/2⌋)', () => {
    for (let N = 2; N <= 50; N++) expect(poolOut(N, 2)).toBe(Math.floor(N / 2));
    for (let N = 1; N <= 50; N++) expect(convOut(N, 3, 2, 1)).toBe(Math.floor((N + 1) / 2));
    const r = run('floor-claims.layer', [
      'use std',
      'input x[C, N]',
      'p = maxpool1d(x, kernel = 2)',
      'c = conv1d(x, out = 2, kernel = 3, stride = 2, pad = 1)',
      'claim shape p = [C, N // 2]',
      'claim shape c = [2, (N + 1) // 2]',
      'output p, c',
      '',
    ].join('\n'), { present: false, verify: true });
    expect(r.claims!.map((c) => c.verdict.kind)).toEqual(['holds', 'holds']);
  });
});

// ── forward values against direct loops ───────────────────────────────────────────
// Independent reference: PyTorch's definitions written as plain 0-based loops over an
// explicitly zero-padded input (cross-correlation; windows at i·s + r·d), row-major
// torch.flatten, and window max / mean. The library's forward pass (64-bit floats)
// must give the same numbers; with shapes this pins down the index arithmetic of
// stride, pad and dilation, which finite differences alone cannot (they only check
// the gradient against the library's own forward pass).

/** Deterministic values in [−1, 1) (a small LCG; no engine code). */
function numbers(count: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** The forward pass of a concrete file with every leaf filled from numbers(). */
function forwardOf(g: Graph): { leaves: Map<string, number[]>; values: Map<string, TensorValue<number>> } {
  const leaves = new Map<string, TensorValue<number>>();
  const plain = new Map<string, number[]>();
  let seed = 7;
  for (const t of g.tensors.values()) {
    if (t.role === 'def') continue;
    const { lo, hi } = extentOf(t, NONE);
    const data = numbers(elementsOf(lo, hi).length, seed++);
    leaves.set(t.name, { lo, hi, data });
    plain.set(t.name, data);
  }
  return { leaves: plain, values: forward(floatField, g, NONE, leaves) };
}

function expectClose(got: readonly number[], want: readonly number[], label: string): void {
  expect(got.length, `${label}: element count`).toBe(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i]!), `${label}[${i}]: ${v} vs ${want[i]}`).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want[i]!))));
}

describe('forward values of the library layers against direct loops (PyTorch semantics)', () => {
  test('conv1d with stride, pad and dilation', () => {
    for (const [C, N, out, k, s, p, d] of [[2, 7, 3, 3, 2, 1, 1], [1, 9, 2, 2, 3, 2, 2], [3, 6, 1, 4, 1, 2, 1]] as const) {
      const g = graphOf(`use std\ninput x[${C}, ${N}]\nc = conv1d(x, out = ${out}, kernel = ${k}, stride = ${s}, pad = ${p}, dilation = ${d})\noutput c\n`);
      const { leaves, values } = forwardOf(g);
      const [x, w, b] = [leaves.get('x')!, leaves.get('c.w')!, leaves.get('c.b')!];
      const L = convOut(N, k, s, p, d);
      const xp = (c: number, j: number): number => (j - p >= 0 && j - p < N ? x[c * N + (j - p)]! : 0);
      const want: number[] = [];
      for (let o = 0; o < out; o++) for (let j = 0; j < L; j++) {
        let acc = b[o]!;
        for (let c = 0; c < C; c++) for (let r = 0; r < k; r++) acc += w[(o * C + c) * k + r]! * xp(c, j * s + r * d);
        want.push(acc);
      }
      expectClose(values.get('c')!.data, want, `conv1d k=${k} s=${s} p=${p} d=${d}`);
    }
  });

  test('conv2d with stride, pad and dilation', () => {
    for (const [C, H, W, F, k, s, p, d] of [[2, 5, 5, 2, 3, 2, 1, 1], [1, 6, 7, 2, 2, 3, 2, 2]] as const) {
      const g = graphOf(`use std\ninput x[${C}, ${H}, ${W}]\nc = conv2d(x, filters = ${F}, kernel = ${k}, stride = ${s}, pad = ${p}, dilation = ${d})\noutput c\n`);
      const { leaves, values } = forwardOf(g);
      const [x, w, b] = [leaves.get('x')!, leaves.get('c.w')!, leaves.get('c.b')!];
      const [oh, ow] = [convOut(H, k, s, p, d), convOut(W, k, s, p, d)];
      const xp = (c: number, i: number, j: number): number => (i - p >= 0 && i - p < H && j - p >= 0 && j - p < W ? x[(c * H + (i - p)) * W + (j - p)]! : 0);
      const want: number[] = [];
      for (let f = 0; f < F; f++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
        let acc = b[f]!;
        for (let c = 0; c < C; c++) for (let r = 0; r < k; r++) for (let q = 0; q < k; q++) acc += w[((f * C + c) * k + r) * k + q]! * xp(c, i * s + r * d, j * s + q * d);
        want.push(acc);
      }
      expectClose(values.get('c')!.data, want, `conv2d k=${k} s=${s} p=${p} d=${d}`);
    }
  });

  test('max and average pooling, 1-d and 2-d, with and without a stride', () => {
    for (const [N, k, s] of [[7, 2, 2], [8, 3, 2], [7, 2, 3]] as const) {
      const g = graphOf(`use std\ninput x[2, ${N}]\nm = maxpool1d(x, kernel = ${k}, stride = ${s})\na = avgpool1d(x, kernel = ${k}, stride = ${s})\noutput m, a\n`);
      const { leaves, values } = forwardOf(g);
      const x = leaves.get('x')!;
      const [mx, av]: [number[], number[]] = [[], []];
      for (let c = 0; c < 2; c++) for (let j = 0; j < poolOut(N, k, s); j++) {
        const win = Array.from({ length: k }, (_, r) => x[c * N + j * s + r]!);
        mx.push(Math.max(...win));
        av.push(win.reduce((u, v) => u + v, 0) / k);
      }
      expectClose(values.get('m')!.data, mx, `maxpool1d N=${N} k=${k} s=${s}`);
      expectClose(values.get('a')!.data, av, `avgpool1d N=${N} k=${k} s=${s}`);
    }
    for (const [H, W, k, s] of [[5, 5, 2, 2], [6, 7, 3, 2]] as const) {
      const g = graphOf(`use std\ninput x[2, ${H}, ${W}]\nm = maxpool2d(x, kernel = ${k}, stride = ${s})\na = avgpool2d(x, kernel = ${k}, stride = ${s})\noutput m, a\n`);
      const { leaves, values } = forwardOf(g);
      const x = leaves.get('x')!;
      const [mx, av]: [number[], number[]] = [[], []];
      for (let c = 0; c < 2; c++) for (let i = 0; i < poolOut(H, k, s); i++) for (let j = 0; j < poolOut(W, k, s); j++) {
        const win: number[] = [];
        for (let r = 0; r < k; r++) for (let q = 0; q < k; q++) win.push(x[(c * H + i * s + r) * W + j * s + q]!);
        mx.push(Math.max(...win));
        av.push(win.reduce((u, v) => u + v, 0) / (k * k));
      }
      expectClose(values.get('m')!.data, mx, `maxpool2d ${H}x${W} k=${k} s=${s}`);
      expectClose(values.get('a')!.data, av, `avgpool2d ${H}x${W} k=${k} s=${s}`);
    }
  });

  test('flatten is torch.flatten (row-major over C, H, W); softmax, activations and the norms are elementwise as documented', () => {
    const g = graphOf('use std\ninput x[2, 3, 4]\nf = flatten(x)\nr = relu(x)\ns = sigmoid(x)\nt = tanh(x)\noutput f, r, s, t\n');
    const { leaves, values } = forwardOf(g);
    const x = leaves.get('x')!;
    expectClose(values.get('f')!.data, x, 'flatten');
    expectClose(values.get('r')!.data, x.map((v) => Math.max(v, 0)), 'relu');
    expectClose(values.get('s')!.data, x.map((v) => 1 / (1 + Math.exp(-v))), 'sigmoid');
    expectClose(values.get('t')!.data, x.map(Math.tanh), 'tanh');
    const h = graphOf('use std\ninput x[5]\nsm = softmax(x)\nbn = batchnorm(x)\nln = layernorm(x)\noutput sm, bn, ln\n');
    const fw = forwardOf(h);
    const v = fw.leaves.get('x')!;
    const z = v.reduce((u, a) => u + Math.exp(a), 0);
    expectClose(fw.values.get('sm')!.data, v.map((a) => Math.exp(a) / z), 'softmax');
    const mu = v.reduce((u, a) => u + a, 0) / 5;
    const vr = v.reduce((u, a) => u + (a - mu) ** 2, 0) / 5; // biased, as BatchNorm1d in training mode
    const xhat = v.map((a) => (a - mu) / Math.sqrt(vr + 1e-5));
    const [gm, bt] = [fw.leaves.get('bn.gamma')![0]!, fw.leaves.get('bn.beta')![0]!];
    expectClose(fw.values.get('bn')!.data, xhat.map((a) => gm * a + bt), 'batchnorm');
    const [lg, lb] = [fw.leaves.get('ln.gamma')!, fw.leaves.get('ln.beta')!];
    expectClose(fw.values.get('ln')!.data, xhat.map((a, i) => lg[i]! * a + lb[i]!), 'layernorm');
  });
});

// ══ 2. Gradients through every library layer, by finite differences ═══════════════
// Independent reference: the engine's numeric check (src/verify/gradcheck.ts), i.e.
// 64-digit central differences of L = Σ upstream·output through the forward pass —
// which runs the layer's definition, not any derived formula — compared with every
// derived form (local, closed, elementwise; each along a random direction per point, and
// element by element wherever that disagrees) at 1e-20.

interface GradCase {
  readonly label: string;
  readonly text: string;
  /** The gradients that must be asked for (by default every input and param). */
  readonly grads: readonly string[];
}

const GRAD_CASES: readonly GradCase[] = [
  { label: 'dense x[3] → 2', text: 'use std\ninput x[3]\nd = dense(x, out = 2)\noutput d\n', grads: ['x', 'd.w', 'd.b'] },
  { label: 'linear over a symbolic N', text: 'use std\ninput x[N]\nd = linear(x, out = 2)\noutput d\n', grads: ['x', 'd.w', 'd.b'] },
  { label: 'conv1d x[2, 7], stride 2, pad 1', text: 'use std\ninput x[2, 7]\nc = conv1d(x, out = 2, kernel = 3, stride = 2, pad = 1)\noutput c\n', grads: ['x', 'c.w', 'c.b'] },
  { label: 'conv1d x[1, 7], stride 3, dilation 2', text: 'use std\ninput x[1, 7]\nc = conv1d(x, out = 1, kernel = 2, stride = 3, dilation = 2)\noutput c\n', grads: ['x', 'c.w', 'c.b'] },
  { label: 'conv1d x[1, 3], kernel 1, pad 2 (outputs made of padding only)', text: 'use std\ninput x[1, 3]\nc = conv1d(x, out = 1, kernel = 1, pad = 2)\noutput c\n', grads: ['x', 'c.w', 'c.b'] },
  { label: 'conv2d x[2, 5, 5], filters 2, kernel 3, stride 2, pad 1', text: 'use std\ninput x[2, 5, 5]\nc = conv2d(x, filters = 2, kernel = 3, stride = 2, pad = 1)\noutput c\n', grads: ['x', 'c.w', 'c.b'] },
  { label: 'maxpool1d x[2, 7], kernel 2 (a dropped column)', text: 'use std\ninput x[2, 7]\np = maxpool1d(x, kernel = 2)\noutput p\n', grads: ['x'] },
  { label: 'maxpool1d x[2, 8], kernel 3, stride 2 (overlapping windows)', text: 'use std\ninput x[2, 8]\np = maxpool1d(x, kernel = 3, stride = 2)\noutput p\n', grads: ['x'] },
  { label: 'avgpool1d x[2, 7], kernel 3, stride 2', text: 'use std\ninput x[2, 7]\np = avgpool1d(x, kernel = 3, stride = 2)\noutput p\n', grads: ['x'] },
  { label: 'maxpool2d x[1, 5, 5], kernel 2', text: 'use std\ninput x[1, 5, 5]\np = maxpool2d(x, kernel = 2)\noutput p\n', grads: ['x'] },
  { label: 'avgpool2d x[2, 5, 5], kernel 2, stride 3', text: 'use std\ninput x[2, 5, 5]\np = avgpool2d(x, kernel = 2, stride = 3)\noutput p\n', grads: ['x'] },
  { label: 'relu over x[2, 3]', text: 'use std\ninput x[2, 3]\ny = relu(x)\noutput y\n', grads: ['x'] },
  { label: 'sigmoid over x[2, 3]', text: 'use std\ninput x[2, 3]\ny = sigmoid(x)\noutput y\n', grads: ['x'] },
  { label: 'tanh over a symbolic x[n]', text: 'use std\ninput x[n]\ny = tanh(x)\noutput y\n', grads: ['x'] },
  { label: 'softmax x[4]', text: 'use std\ninput x[4]\ny = softmax(x)\noutput y\n', grads: ['x'] },
  { label: 'flatten x[2, 2, 3]', text: 'use std\ninput x[2, 2, 3]\ny = flatten(x)\noutput y\n', grads: ['x'] },
  { label: 'batchnorm x[4]', text: 'use std\ninput x[4]\ny = batchnorm(x)\noutput y\n', grads: ['x', 'y.gamma', 'y.beta'] },
  { label: 'batchnorm over a symbolic x[n], n ≥ 2', text: 'use std\ninput x[n]\nsize n >= 2\ny = batchnorm(x)\noutput y\n', grads: ['x', 'y.gamma', 'y.beta'] },
  { label: 'layernorm x[3]', text: 'use std\ninput x[3]\ny = layernorm(x)\noutput y\n', grads: ['x', 'y.gamma', 'y.beta'] },
  {
    label: 'a chain: conv2d → relu → flatten → dense → softmax',
    text: 'use std\ninput x[1, 4, 4]\nc = conv2d(x, filters = 1, kernel = 3)\nr = relu(c)\nf = flatten(r)\nd = dense(f, out = 2)\ns = softmax(d)\noutput s\n',
    grads: ['x', 'c.w', 'c.b', 'd.w', 'd.b'],
  },
  {
    label: 'a chain: conv1d → maxpool1d → avgpool1d',
    text: 'use std\ninput x[1, 7]\nc = conv1d(x, out = 2, kernel = 2)\np = maxpool1d(c, kernel = 2)\nq = avgpool1d(p, kernel = 3)\noutput q\n',
    grads: ['x', 'c.w', 'c.b'],
  },
];

describe('gradients through every library layer pass the 64-digit finite-difference check', () => {
  test.each(GRAD_CASES)('$label', (c) => {
    const r = run(`${c.label}.layer`, c.text, { present: false, check: true });
    const check = r.check!;
    const problems = check.forms.filter((f) => !f.pass).map((f) => `${f.gradient}/${f.form}: ${f.problem ?? f.maxRelError}`);
    expect(problems).toEqual([]);
    expect(check.pass).toBe(true);
    expect(check.tried.length, 'sizes tried').toBeGreaterThanOrEqual(1);
    // every input and param is asked for (the default), and each one was checked
    expect([...r.graph.grads.map((g) => g.name)].sort()).toEqual([...c.grads].sort());
    const concrete = r.graph.sizes.size === 0;
    for (const g of c.grads) {
      const forms = r.derivation.adjoints.get(g);
      expect(forms, `adjoint of ${g}`).toBeDefined();
      const wanted = ['local', 'closed', ...(concrete && forms!.elements ? ['elementwise'] : [])];
      for (const form of wanted) {
        const f = check.forms.find((x) => x.gradient === g && x.form === form);
        expect(f, `${g}/${form} compared`).toBeDefined();
        expect(f!.pass, `${g}/${form}`).toBe(true);
        // at every size tried, at least one point per size
        expect([...f!.sizes].sort(), `${g}/${form} sizes`).toEqual([...check.tried].sort());
        expect(f!.points, `${g}/${form} points`).toBeGreaterThanOrEqual(check.tried.length);
        expect(f!.maxRelError).toBeLessThanOrEqual(check.tolerance);
      }
    }
  });
});

// ══ 3. Against PyTorch ══════════════════════════════════════════════════════════════
// Independent reference: PyTorch 1.13 autograd in float64 (torch_reference.json; see
// /work/shared/reference/README.md), with the README's comparison rule
// |a − b| ≤ 1e-11·max(|a|, |b|) + 1e-13·S (compare() in test/helpers/reference.ts).
// The library's conv1d on x[1, 5] with out = 1, kernel = 2 is the reference's
// single-channel conv with bias: x[5] → x[1, 5], w[2] → c.w[1, 1, 2], b → c.b[1];
// batch norm: x, gamma, beta → x, y.gamma, y.beta and mu, var, xhat → y.mu, y.var, y.xhat.

const REF = loadReference(new URL('../../shared/reference/torch_reference.json', import.meta.url));
const B = bigField(64);

interface RefCase {
  readonly label: string;
  readonly example: string;
  readonly text: string;
  /** Engine leaf → reference input. */
  readonly leaves: Readonly<Record<string, string>>;
  /** Engine output → reference input holding dL/d(output). */
  readonly upstream: Readonly<Record<string, string>>;
  /** Reference forward tensor → engine tensor. */
  readonly forward: Readonly<Record<string, string>>;
  /** Engine tensor → reference gradient key (in grads or grads_intermediate). */
  readonly grads: Readonly<Record<string, string>>;
}

const CONV_LEAVES = { x: 'x', 'c.w': 'w', 'c.b': 'b' };
const CONV_GRADS = { x: 'dL/dx', 'c.w': 'dL/dw', 'c.b': 'dL/db' };
const BN_GRADS = { x: 'dL/dx', 'y.gamma': 'dL/dgamma', 'y.beta': 'dL/dbeta', 'y.mu': 'dL/dmu', 'y.var': 'dL/dvar', 'y.xhat': 'dL/dxhat' };
const bnText = (n: number, eps = ', eps = 0.00001'): string => `use std\ninput x[${n}]\ny = batchnorm(x${eps})\noutput y\ngrad x, y.gamma, y.beta, y.mu, y.var, y.xhat\n`;

const REF_CASES: readonly RefCase[] = [
  {
    label: 'conv1d(x, out = 1, kernel = 2) on x[1, 5]', example: 'conv1d',
    text: 'use std\ninput x[1, 5]\nc = conv1d(x, out = 1, kernel = 2)\noutput c\n',
    leaves: CONV_LEAVES, upstream: { c: 'dy' }, forward: { conv_out: 'c', y: 'c' }, grads: CONV_GRADS,
  },
  {
    label: 'conv1d then avgpool1d(kernel = 2)', example: 'conv1d_avgpool2',
    text: 'use std\ninput x[1, 5]\nc = conv1d(x, out = 1, kernel = 2)\np = avgpool1d(c, kernel = 2)\noutput p\n',
    leaves: CONV_LEAVES, upstream: { p: 'dy' }, forward: { conv_out: 'c', y: 'p' }, grads: CONV_GRADS,
  },
  {
    label: 'conv1d then maxpool1d(kernel = 2)', example: 'conv1d_maxpool2',
    text: 'use std\ninput x[1, 5]\nc = conv1d(x, out = 1, kernel = 2)\np = maxpool1d(c, kernel = 2)\noutput p\n',
    leaves: CONV_LEAVES, upstream: { p: 'dy' }, forward: { conv_out: 'c', y: 'p' }, grads: CONV_GRADS,
  },
  ...[2, 4, 8].map((n): RefCase => ({
    label: `batchnorm(x, eps = 0.00001) at n = ${n}`, example: `batchnorm_n${n}`, text: bnText(n),
    leaves: { x: 'x', 'y.gamma': 'gamma', 'y.beta': 'beta' }, upstream: { y: 'dy' },
    forward: { mean: 'y.mu', var_biased: 'y.var', xhat: 'y.xhat', y: 'y' }, grads: BN_GRADS,
  })),
  {
    label: 'batchnorm(x) with the default eps at n = 4', example: 'batchnorm_n4', text: bnText(4, ''),
    leaves: { x: 'x', 'y.gamma': 'gamma', 'y.beta': 'beta' }, upstream: { y: 'dy' },
    forward: { mean: 'y.mu', var_biased: 'y.var', xhat: 'y.xhat', y: 'y' }, grads: BN_GRADS,
  },
];

interface RefSetup {
  readonly c: RefCase;
  readonly ex: RefExample;
  readonly result: Result;
  readonly tensors: ReadonlyMap<string, TensorValue<Big>>;
  readonly upstream: ReadonlyMap<string, TensorValue<Big>>;
  readonly S: Big;
}

const example = (name: string): RefExample => exampleOf(REF, name);

const refGrad = (ex: RefExample, key: string): RefTensor => {
  const t = ex.grads[key] ?? ex.grads_intermediate?.[key];
  if (!t) throw new Error(`the reference gives no ${key}`);
  return t;
};

/** A reference tensor laid over an engine tensor's index set (same row-major order). */
function asValue(g: Graph, name: string, t: RefTensor): TensorValue<Big> {
  const tensor = g.tensors.get(name);
  if (!tensor) throw new Error(`no tensor ${name}`);
  const { lo, hi } = extentOf(tensor, NONE);
  return tensorValue(B, t, lo, hi);
}

/**
 * S of the README's tolerance, as test/reference.test.ts defines it: (Σ |upstream|) ·
 * max(1, the largest |number| the example lists), the size of the terms each gradient sums.
 */
function scaleOf(ex: RefExample, upstream: readonly string[]): Big {
  let up = 0;
  for (const u of upstream) for (const v of exactValues(ex.inputs[u]!)) up += Math.abs(v);
  let m = 1;
  for (const g of [ex.inputs, ex.forward, ex.grads, ex.grads_intermediate ?? {}]) for (const t of Object.values(g)) if (isRefTensor(t)) for (const v of t.value) m = Math.max(m, Math.abs(v));
  return B.fromNumber(up * m);
}

const refSetups = new Map<RefCase, RefSetup>();
function refSetup(c: RefCase): RefSetup {
  const known = refSetups.get(c);
  if (known) return known;
  const ex = example(c.example);
  const result = run(`${c.example}.layer`, c.text, { present: false });
  const g = result.graph;
  const leaves = new Map<string, TensorValue<Big>>();
  for (const t of g.tensors.values()) {
    if (t.role === 'def') continue;
    const key = c.leaves[t.name];
    if (!key) throw new Error(`${c.label}: leaf ${t.name} has no reference input`);
    leaves.set(t.name, asValue(g, t.name, ex.inputs[key]!));
  }
  const upstream = new Map(Object.entries(c.upstream).map(([out, key]) => [out, asValue(g, out, ex.inputs[key]!)] as const));
  const s: RefSetup = { c, ex, result, tensors: forward(B, g, NONE, leaves), upstream, S: scaleOf(ex, Object.values(c.upstream)) };
  refSetups.set(c, s);
  return s;
}

/** The closed form of dL/dX at every element of X, from the forward values and the upstream only. */
function closedValues(s: RefSetup, name: string, upstream: ReadonlyMap<string, TensorValue<Big>> = s.upstream): { at: bigint[]; v: Big }[] {
  const forms: AdjointForms | undefined = s.result.derivation.adjoints.get(name);
  if (!forms) throw new Error(`no adjoint of ${name}`);
  const { lo, hi } = extentOf(forms.tensor, NONE);
  const values = { tensors: s.tensors, adjoints: new Map<string, TensorValue<Big>>(), upstream };
  return elementsOf(lo, hi).map((at) => ({ at, v: evaluate(B, forms.closed.result, NONE, values, new Map(forms.free.map((f, i) => [f, at[i]!]))) }));
}

function refAt(ref: TensorValue<Big>, at: readonly bigint[]): Big {
  const off = offset(ref, at);
  if (off === undefined) throw new Error(`the reference has no element [${at.join(', ')}]`);
  return ref.data[off]!;
}

describe('library layers against PyTorch autograd (torch_reference.json)', () => {
  test('the batch-norm examples use eps = 1e-5, the value the calls pass (and the default)', () => {
    for (const n of [2, 4, 8]) expect(exactValues(example(`batchnorm_n${n}`).inputs.eps!)[0]).toBe(0.00001);
    // the engine's eps is exactly 1/100000; PyTorch's is the nearest double, 8.2e-22 relative away
    const g = graphOf(bnText(4, ''));
    expect(useOf(g, 'y').attrs.map(([a, v]) => `${a}=${printText(v)}`)).toEqual(['eps=1/100000']);
  });

  describe.each(REF_CASES)('$label', (c) => {
    test('forward values match PyTorch', () => {
      const s = refSetup(c);
      for (const [refName, engine] of Object.entries(c.forward)) {
        const r = s.ex.forward[refName];
        if (!isRefTensor(r)) throw new Error(`forward ${refName} is not a tensor`);
        const want = asValue(s.result.graph, engine, r);
        const got = s.tensors.get(engine)!;
        expect([got.lo, got.hi]).toEqual([want.lo, want.hi]);
        got.data.forEach((v, i) => {
          const verdict = compare(B, v, want.data[i]!, s.S);
          expect(verdict.ok, `${engine} vs ${refName} [${i}]: ${verdict.text}`).toBe(true);
        });
      }
    });

    test.each(Object.keys(c.grads))('closed form of dL/d%s matches PyTorch at every element', (name) => {
      const s = refSetup(c);
      const ref = asValue(s.result.graph, name, refGrad(s.ex, c.grads[name]!));
      const got = closedValues(s, name);
      expect(got.length).toBe(ref.data.length);
      for (const { at, v } of got) {
        const verdict = compare(B, v, refAt(ref, at), s.S);
        expect(verdict.ok, `dL/d${name}[${at.join(', ')}]: ${verdict.text}`).toBe(true);
      }
    });

    test('elementwise forms (concrete sizes, ≤ 8 elements) match PyTorch', () => {
      const s = refSetup(c);
      let compared = 0;
      for (const [name, key] of Object.entries(c.grads)) {
        const els = s.result.derivation.adjoints.get(name)?.elements;
        if (!els) continue;
        const ref = asValue(s.result.graph, name, refGrad(s.ex, key));
        for (const e of els) {
          const v = evaluate(B, e.form, NONE, { tensors: s.tensors, adjoints: new Map(), upstream: s.upstream });
          const verdict = compare(B, v, refAt(ref, e.at), s.S);
          expect(verdict.ok, `elementwise dL/d${name}[${e.at.join(', ')}]: ${verdict.text}`).toBe(true);
          compared++;
        }
      }
      expect(compared, 'elements compared').toBeGreaterThan(0);
    });
  });

  // Negative controls: the same comparison rejects a value off by one part in 10⁸, and
  // a batch norm whose eps is not PyTorch's. (10⁻⁸, not less: at n = 2 batch norm's
  // dL/dx is ±1.3e-4, where the absolute slack 1e-13·S ≈ 3.7e-13 admits 2.9e-9 relative,
  // as the README's rule intends.)
  test.each(REF_CASES)('negative control: a gradient perturbed by 1e-8 (relative) fails the comparison: $label', (c) => {
    const s = refSetup(c);
    for (const [name, key] of Object.entries(c.grads)) {
      const ref = asValue(s.result.graph, name, refGrad(s.ex, key));
      const largest = closedValues(s, name).reduce((a, b) => (B.cmp(B.abs(b.v), B.abs(a.v)) > 0 ? b : a));
      const bumped = B.mul(largest.v, B.fromRational(Q.rat(100_000_001n, 100_000_000n)));
      expect(compare(B, largest.v, refAt(ref, largest.at), s.S).ok, `dL/d${name} unperturbed`).toBe(true);
      const verdict = compare(B, bumped, refAt(ref, largest.at), s.S);
      expect(verdict.ok, `perturbed dL/d${name}: ${verdict.text}`).toBe(false);
    }
  });

  test('negative control: batchnorm(x, eps = 0.001) does NOT reproduce PyTorch’s dL/dx (eps = 1e-5)', () => {
    for (const n of [2, 4, 8]) {
      const c: RefCase = { ...REF_CASES.find((k) => k.example === `batchnorm_n${n}`)!, text: bnText(n, ', eps = 0.001') };
      const s = refSetup(c);
      const ref = asValue(s.result.graph, 'x', refGrad(s.ex, 'dL/dx'));
      const bad = closedValues(s, 'x').filter(({ at, v }) => !compare(B, v, refAt(ref, at), s.S).ok);
      expect(bad.length, `n = ${n}: elements of dL/dx that differ`).toBeGreaterThan(0);
    }
  });
});

// ══ 4. Bad input: located errors ══════════════════════════════════════════════════
// Independent reference: the source text itself. Each case names the line and column
// (1-based) of what is wrong, counted by hand from the text, and the words the message
// must contain; every error must be a SpecError (file:line:col), never a crash.

interface ErrorCase {
  readonly label: string;
  readonly text: string;
  readonly line: number;
  readonly col: number;
  readonly words: readonly RegExp[];
}

const ERROR_CASES: readonly ErrorCase[] = [
  {
    // `c = conv1d(` — the call starts at column 5
    label: 'wrong arity: two tensors to conv1d', line: 4, col: 5,
    text: 'use std\ninput x[2, 7]\ninput y[2, 7]\nc = conv1d(x, y, out = 1, kernel = 2)\noutput c\n',
    words: [/conv1d takes 1 tensor argument/, /\(x\)/, /got 2/],
  },
  {
    // `c = conv1d(x, out = 1, ` is 23 characters: kernel_size starts at column 24
    label: 'unknown attribute kernel_size', line: 3, col: 24,
    text: 'use std\ninput x[2, 7]\nc = conv1d(x, out = 1, kernel_size = 3)\noutput c\n',
    words: [/no attribute kernel_size/, /out, kernel, stride, pad, dilation/],
  },
  {
    // `c = conv1d(x, w = ` is 18 characters: w2 at column 19; w2[4, 3, 3] has C = 3, x has 2 channels
    label: 'shape mismatch: a given weight whose depth is not the input’s channels', line: 4, col: 19,
    text: 'use std\ninput x[2, 9]\nparam w2[4, 3, 3]\nc = conv1d(x, w = w2)\noutput c\n',
    words: [/shape mismatch/, /w2/, /dimension 2/, /C = 2/],
  },
  {
    label: 'shape mismatch: a given weight whose kernel is not the kernel attribute', line: 4, col: 19,
    text: 'use std\ninput x[2, 9]\nparam w2[4, 2, 3]\nc = conv1d(x, w = w2, kernel = 2)\noutput c\n',
    words: [/shape mismatch/, /w2/, /dimension 3/, /kernel = 2/],
  },
  {
    // ⌊(5 − 9)/1⌋ + 1 = −3: empty; the error is the call's (line 3, the statement from column 1)
    label: 'empty output: conv2d kernel 9 on a 5×5 input', line: 3, col: 1,
    text: 'use std\ninput img[1, 5, 5]\nc = conv2d(img, filters = 2, kernel = 9)\noutput c\n',
    words: [/conv2d would have an empty output/],
  },
  {
    // ⌊(3 − 4)/4⌋ + 1 = 0
    label: 'empty output: maxpool1d window larger than the input', line: 3, col: 1,
    text: 'use std\ninput x[1, 3]\nc = maxpool1d(x, kernel = 4)\noutput c\n',
    words: [/maxpool1d would have an empty output/],
  },
  {
    label: 'missing required attribute out', line: 3, col: 5,
    text: 'use std\ninput x[2, 7]\nc = conv1d(x, kernel = 3)\noutput c\n',
    words: [/conv1d needs out/],
  },
  {
    label: 'missing required attribute kernel (pooling)', line: 3, col: 5,
    text: 'use std\ninput x[2, 7]\nc = maxpool1d(x)\noutput c\n',
    words: [/maxpool1d needs kernel/],
  },
  {
    // `y = 2 * ` is 8 characters: softmax at column 9
    label: 'a layer call nested inside an expression', line: 3, col: 9,
    text: 'use std\ninput x[4]\ny = 2 * softmax(x)\noutput y\n',
    words: [/layer call is a whole definition/, /softmax/, /inside an expression/],
  },
  {
    // `y = softmax(` is 12 characters: the inner call at column 13
    label: 'a layer call as another call’s argument', line: 3, col: 13,
    text: 'use std\ninput x[4]\ny = softmax(relu(x))\noutput y\n',
    words: [/argument 1 of softmax/, /tensor's name/],
  },
  {
    label: 'a tensor of the wrong rank', line: 3, col: 12,
    text: 'use std\ninput x[4]\ny = conv1d(x, out = 1, kernel = 2)\noutput y\n',
    words: [/conv1d expects x with 2 indices/, /\[C, N\]/, /it has 1/],
  },
  {
    label: 'an attribute given twice', line: 3, col: 30,
    text: 'use std\ninput x[1, 3]\nc = maxpool1d(x, kernel = 2, kernel = 2)\noutput c\n',
    words: [/kernel is given twice/],
  },
  {
    label: 'end without def', line: 3, col: 1,
    text: 'use std\ninput x[4]\nend\noutput x\n',
    words: [/end without a def/],
  },
  {
    label: 'a def without end, at the end of the file', line: 2, col: 1,
    text: 'input x[4]\ndef f(x[N])\n  y[i] = x[i]\n',
    words: [/def f is not closed/, /end/],
  },
  {
    label: 'a def without end, followed by file statements', line: 4, col: 1,
    text: 'input x[4]\ndef f(x[N])\n  y[i] = x[i]\noutput x\n',
    words: [/output/, /inside def f/],
  },
  {
    label: 'an unknown library in use', line: 1, col: 1,
    text: 'use stdlib\ninput x[4]\noutput x\n',
    words: [/unknown library stdlib/, /known: std/],
  },
];

describe('bad calls give located SpecErrors', () => {
  test.each(ERROR_CASES)('$label', (c) => {
    const e = specErrorOf(c.text, 'bad.layer');
    expect(e.span, 'located').toBeDefined();
    expect(e.span!.file).toBe('bad.layer');
    expect([e.span!.line, e.span!.col], e.message).toEqual([c.line, c.col]);
    expect(e.message.startsWith(`bad.layer:${c.line}:${c.col}: `), e.message).toBe(true);
    // the message shows the offending source line
    expect(e.message).toContain(c.text.split('\n')[c.line - 1]!);
    for (const w of c.words) expect(e.detail, `${c.label}: ${e.message}`).toMatch(w);
  });

  // `stride = 0` once built an output range 1..⌊(7 − 1 − 1)/0⌋ + 1 and crashed later
  // with a bare "RangeError: Division by zero": it must be a located SpecError.
  test('stride = 0 is a located SpecError on the call’s line, not a crash', () => {
    const e = specErrorOf('use std\ninput x[1, 7]\nc = conv1d(x, out = 1, kernel = 2, stride = 0)\noutput c\n');
    expect(e.span?.line).toBe(3);
    expect(e.detail).toMatch(/stride|empty/);
  });

  // A negative stride gives the range 1..⌊(7 − 1 − 1)/(−1)⌋ + 1 = 1..−4: an error at the
  // call, not an empty tensor found later.
  test('a negative stride is a located SpecError on the call’s line', () => {
    const e = specErrorOf('use std\ninput x[1, 7]\nc = conv1d(x, out = 1, kernel = 2, stride = -1)\noutput c\n');
    expect(e.span?.line).toBe(3);
    expect(e.detail).toMatch(/stride|empty/);
  });

  // The same for pooling: maxpool1d(x[1, 7], kernel = 2, stride = 0).
  test('maxpool1d with stride = 0 is a located SpecError, not a crash', () => {
    const e = specErrorOf('use std\ninput x[1, 7]\nc = maxpool1d(x, kernel = 2, stride = 0)\noutput c\n');
    expect(e.span?.line).toBe(3);
    expect(e.detail).toMatch(/stride|empty/);
  });
});
