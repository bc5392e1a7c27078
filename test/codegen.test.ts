// Compiled gradients (src/codegen): the generated JavaScript, run, must give the
// gradients the engine's own 64-digit evaluation of the same closed forms gives, for
// every bundled derivation at several sizes; the batch-norm and convolution modules
// must reproduce PyTorch's numbers (../shared/reference, the README's tolerance); and
// nothing of a user's text may reach the code except sanitised names.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { compile, identifier } from '../src/codegen/compile.js';
import type { Graph } from '../src/graph/graph.js';
import type { TensorValue } from '../src/numeric/evaluate.js';
import { elementsOf, evaluate, extentOf, forward } from '../src/numeric/evaluate.js';
import { floatField } from '../src/numeric/float.js';
import { bigField } from '../src/numeric/mathjs.js';
import { Rng } from '../src/numeric/random.js';
import type { Sizes } from '../src/numeric/sample.js';
import { invalidSizes, sampleLeaves, sampleUpstream, sizeInstances } from '../src/numeric/sample.js';
import type { Result } from '../src/pipeline.js';
import { run } from '../src/pipeline.js';
import { exactValues, loadReference } from './helpers/reference.js';

const REF = loadReference(new URL('../../shared/reference/torch_reference.json', import.meta.url));
const B = bigField(64);
const dir = mkdtempSync(join(tmpdir(), 'gradproof-codegen-'));

type Arrays = Record<string, Float64Array | number>;
interface Module {
  sizesOf(inputs: Arrays): Record<string, number>;
  forward(inputs: Arrays, sizes?: Record<string, number>): Arrays;
  backward(inputs: Arrays, upstream: Arrays, saved?: Arrays, sizes?: Record<string, number>): Arrays;
}

let count = 0;
async function load(r: Result): Promise<Module> {
  const file = join(dir, `m${count++}.mjs`);
  writeFileSync(file, compile(r.derivation, 'js'));
  return (await import(pathToFileURL(file).href)) as Module;
}

function layerFiles(d: string): string[] {
  return readdirSync(d).sort().flatMap((e) => {
    const p = join(d, e);
    return statSync(p).isDirectory() ? layerFiles(p) : p.endsWith('.layer') ? [p] : [];
  });
}

const asArray = (v: TensorValue<number>, scalar: boolean): Float64Array | number => (scalar ? v.data[0]! : Float64Array.from(v.data));

/** The engine's 64-digit value of every gradient's closed form at these leaves and upstream. */
function engineGradients(r: Result, sizes: Sizes, leaves: Map<string, TensorValue<number>>, upstream: Map<string, TensorValue<number>>): Map<string, number[]> {
  const g = r.graph;
  const big = (m: Map<string, TensorValue<number>>) => new Map([...m].map(([k, v]) => [k, { lo: v.lo, hi: v.hi, data: v.data.map((x) => B.fromNumber(x)) }]));
  const tensors = forward(B, g, sizes, big(leaves));
  const out = new Map<string, number[]>();
  for (const gr of g.grads) {
    const f = r.derivation.adjoints.get(gr.name);
    const t = g.tensors.get(gr.name)!;
    const { lo, hi } = extentOf(t, sizes);
    out.set(gr.name, elementsOf(lo, hi).map((at) => {
      if (!f) return 0;
      const bound = new Map(f.free.map((m, k) => [m, at[k]!]));
      return B.toNumber(evaluate(B, f.closed.result, sizes, { tensors, adjoints: new Map(), upstream: big(upstream) }, bound));
    }));
  }
  return out;
}

/** The module's gradients against the engine's at up to three size choices, to 1e-10 of the scale. */
async function againstEngine(file: string, text: string): Promise<void> {
  const r = run(file, text, { present: false });
  const m = await load(r);
  const g = r.graph;
  const instances = sizeInstances(g).tried.slice(0, 3);
  if (!instances.length) {
    // too large for the engine to evaluate (the seed CNN): covered by the directional test below
    expect(invalidSizes(g, new Map())).toMatch(/elements/);
    return;
  }
  for (const sizes of instances) {
    const rng = new Rng(`codegen ${file} ${[...sizes].join()}`);
    const leaves = sampleLeaves(floatField, g, sizes, rng);
    const upstream = sampleUpstream(floatField, g, sizes, rng);
    const inputs: Arrays = Object.fromEntries([...leaves].map(([k, v]) => [k, asArray(v, !g.tensors.get(k)!.dims.length)]));
    const up: Arrays = Object.fromEntries([...upstream].map(([k, v]) => [k, asArray(v, !g.tensors.get(k)!.dims.length)]));
    const sz = Object.fromEntries([...sizes].map(([k, v]) => [k, Number(v)]));
    const got = m.backward(inputs, up, m.forward(inputs, sz), sz);
    const want = engineGradients(r, sizes, leaves, upstream);
    for (const [name, values] of want) {
      const v = got[name]!;
      const arr = typeof v === 'number' ? [v] : [...v];
      expect(arr.length, `${file} dL/d${name}`).toBe(values.length);
      const scale = Math.max(1, ...values.map(Math.abs));
      arr.forEach((x, i) => expect(Math.abs(x - values[i]!), `${file} dL/d${name}[${i}] at ${JSON.stringify(sz)}`).toBeLessThanOrEqual(1e-10 * scale));
    }
  }
}

describe('generated JavaScript against the engine’s 64-digit evaluation of the same closed forms', () => {
  for (const file of layerFiles('derivations')) test(file, () => againstEngine(file, readFileSync(file, 'utf8')));
});

describe('generated JavaScript through library layers (padding guards, strides, windows of any size)', () => {
  const cases: Record<string, string> = {
    'conv1d, stride 2, pad 1, dilation 2': 'input x[2, 9]\nc = conv1d(x, out = 2, kernel = 3, stride = 2, pad = 1, dilation = 2)',
    'conv2d, stride 2, pad 1': 'input x[2, 5, 5]\nc = conv2d(x, filters = 2, kernel = 3, stride = 2, pad = 1)',
    'maxpool1d over a symbolic window (argfirst)': 'size k >= 1\ninput x[1, n]\nsize n >= 3\np = maxpool1d(x, kernel = k, stride = 1)',
    'maxpool2d and avgpool2d': 'input x[2, 4, 4]\np = maxpool2d(x, kernel = 2)\na = avgpool2d(p, kernel = 2)',
    'softmax': 'input z[n]\np = softmax(z)',
    'layernorm and batchnorm': 'input x[n]\nsize n >= 2\nl = layernorm(x)\nb = batchnorm(l)',
    'flatten then dense': 'input x[2, 2, 3]\nf = flatten(x)\nd = dense(f, out = 3)\nr = sigmoid(d)',
  };
  for (const [label, body] of Object.entries(cases)) test(label, () => againstEngine(`${label}.layer`, `use std\n${body}\n`));
});

describe('generated JavaScript against PyTorch (torch_reference.json, the README’s tolerance)', () => {
  const close = (got: ArrayLike<number>, want: readonly number[], what: string): void => {
    const S = Math.max(...want.map(Math.abs));
    for (let i = 0; i < want.length; i++) {
      const [a, b] = [got[i]!, want[i]!];
      expect(Math.abs(a - b), `${what}[${i}]`).toBeLessThanOrEqual(1e-11 * Math.max(Math.abs(a), Math.abs(b)) + 1e-13 * S + 1e-15);
    }
  };

  for (const n of [2, 4, 8]) {
    test(`batch norm, n = ${n}`, async () => {
      const ex = REF.examples[`batchnorm_n${n}`]!;
      const m = await load(run('bn.layer', readFileSync('derivations/seed/batchnorm.layer', 'utf8'), { present: false }));
      const inputs: Arrays = {
        x: Float64Array.from(exactValues(ex.inputs['x']!)), gamma: exactValues(ex.inputs['gamma']!)[0]!,
        beta: exactValues(ex.inputs['beta']!)[0]!, eps: exactValues(ex.inputs['eps']!)[0]!,
      };
      const g = m.backward(inputs, { y: Float64Array.from(exactValues(ex.inputs['dy']!)) });
      close(g['x'] as Float64Array, exactValues(ex.grads['dL/dx']!), 'dL/dx');
      close([g['gamma'] as number], exactValues(ex.grads['dL/dgamma']!), 'dL/dgamma');
      close([g['beta'] as number], exactValues(ex.grads['dL/dbeta']!), 'dL/dbeta');
      // and a wrong gradient does not pass the same comparison (the control)
      const wrong = Float64Array.from(g['x'] as Float64Array, (v, i) => (i === 0 ? v * (1 + 1e-8) : v));
      expect(() => close(wrong, exactValues(ex.grads['dL/dx']!), 'dL/dx')).toThrow();
    });
  }

  test('conv1d with bias over x[n], w[K] (the reference’s n = 5, K = 2)', async () => {
    const ex = REF.examples['conv1d']!;
    const m = await load(run('conv1d.layer', readFileSync('derivations/seed/conv1d.layer', 'utf8'), { present: false }));
    const inputs: Arrays = { x: Float64Array.from(exactValues(ex.inputs['x']!)), w: Float64Array.from(exactValues(ex.inputs['w']!)), b: exactValues(ex.inputs['b']!)[0]! };
    const g = m.backward(inputs, { o: Float64Array.from(exactValues(ex.inputs['dy']!)) });
    close(g['x'] as Float64Array, exactValues(ex.grads['dL/dx']!), 'dL/dx');
    close(g['w'] as Float64Array, exactValues(ex.grads['dL/dw']!), 'dL/dw');
    close([g['b'] as number], exactValues(ex.grads['dL/db']!), 'dL/db');
  });
});

describe('the seed CNN at its declared sizes (256×256×3), where the engine cannot evaluate', () => {
  test('⟨backward, v⟩ equals the derivative of the generated forward along v (central differences)', async () => {
    const r = run('cnn.layer', readFileSync('derivations/seed/cnn.layer', 'utf8'), { present: false });
    const m = await load(r);
    const g: Graph = r.graph;
    const rng = new Rng('cnn at its declared sizes');
    const next = (): number => rng.uniform(-1, 1);
    const draw = (k: number): Float64Array => Float64Array.from({ length: k }, next);
    const inputs: Arrays = {};
    for (const t of g.tensors.values()) {
      if (t.role !== 'input' && t.role !== 'param') continue;
      const { lo, hi } = extentOf(t, new Map());
      inputs[t.name] = t.dims.length ? draw(lo.reduce((p, l, k) => p * Number(hi[k]! - l + 1n), 1)) : next();
    }
    const up = { fc: draw(10) };
    const saved = m.forward(inputs);
    const grads = m.backward(inputs, up, saved);
    // along a random direction in c4.w (the last convolution's kernel) and in img
    for (const name of ['c4.w', 'img']) {
      const x = inputs[name] as Float64Array;
      const v = draw(x.length);
      const L = (t: number): number => {
        const moved = { ...inputs, [name]: Float64Array.from(x, (xi, i) => xi + t * v[i]!) };
        const out = m.forward(moved)['fc'] as Float64Array;
        return out.reduce((s, o, i) => s + o * up.fc[i]!, 0);
      };
      // L is piecewise linear here (ReLU, max pooling): a small step crosses fewer kinks
      const h = 1e-7;
      const numeric = (L(h) - L(-h)) / (2 * h);
      const gx = grads[name] as Float64Array;
      const analytic = gx.reduce((s, gi, i) => s + gi * v[i]!, 0);
      expect(Math.abs(analytic - numeric), name).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(analytic)));
    }
  }, 60_000);
});

describe('what reaches the generated code', () => {
  test('names become identifiers: Greek letters spelled, dots and other marks replaced', () => {
    expect(identifier('μ')).toBe('mu');
    expect(identifier('c1.w')).toBe('c1_w');
    expect(identifier('1x')).toBe('_1x');
  });

  test('names that are words of JavaScript or Python still compile and run', async () => {
    const text = 'input function[3], lambda\nparam constructor\nclass[i] = function[i] * constructor + lambda\nreturn = sum(i, class[i])\n';
    const r = run('words.layer', text, { present: false });
    const code = compile(r.derivation, 'js');
    expect(code).not.toMatch(/\bconst function\b|\bconst class\b|\bconst return\b/);
    const m = await load(r);
    const g = m.backward({ function: Float64Array.from([1, 2, 3]), lambda: 0.5, constructor: 2 }, { return: 1 });
    // d(Σᵢ (fᵢ·c + λ))/dc = Σᵢ fᵢ = 6; d/dλ = 3; d/dfᵢ = c = 2
    expect(g['constructor']).toBe(6);
    expect(g['lambda']).toBe(3);
    expect([...(g['function'] as Float64Array)]).toEqual([2, 2, 2]);
    for (const target of ['numpy', 'torch'] as const) {
      const py = compile(r.derivation, target);
      expect(py).not.toMatch(/^\s*(lambda|class|return) = /m);
    }
    // and names of the module's own functions and helpers (a tensor named forward once
    // shadowed forward() inside backward(); a leaf named ctx broke the torch Layer)
    const own = run('own.layer', 'input forward[2], ctx, str\nsizes_of[i] = forward[i] * ctx + str\n', { present: false });
    const py = compile(own.derivation, 'torch');
    expect(py).not.toMatch(/^\s*(forward|ctx|str|sizes_of) = /m);
    expect(py).toMatch(/def forward\(ctx, forward_1, ctx_1, str_1\):/);
    const m2 = await load(own);
    expect([...(m2.forward({ forward: Float64Array.of(1, 2), ctx: 3, str: 0.5 })['sizes_of'] as Float64Array)]).toEqual([3.5, 6.5]);
  });

  test('the TypeScript module type-checks under --strict', () => {
    const r = run('bn.layer', readFileSync('derivations/seed/batchnorm.layer', 'utf8'), { present: false });
    const file = join(dir, 'bn.ts');
    writeFileSync(file, compile(r.derivation, 'ts'));
    const tsc = join(process.cwd(), 'node_modules', '.bin', 'tsc');
    expect(() => execFileSync(tsc, ['--noEmit', '--strict', '--ignoreConfig', '--target', 'es2022', '--module', 'nodenext', file], { stdio: 'pipe' })).not.toThrow();
  });

  test('the same file compiles to byte-identical code', () => {
    const text = readFileSync('derivations/seed/conv-maxpool.layer', 'utf8');
    const a = compile(run('c.layer', text, { present: false }).derivation, 'js');
    const b = compile(run('c.layer', text, { present: false }).derivation, 'js');
    expect(a).toBe(b);
  });
});

test('row-major layout: x[i, j] of x[2, 3] is at (i − 1)·3 + (j − 1)', async () => {
  const r = run('t.layer', 'input x[2, 3]\ny[j] = x[2, j]\n', { present: false });
  const m = await load(r);
  const y = m.forward({ x: Float64Array.from([1, 2, 3, 4, 5, 6]) })['y'] as Float64Array;
  expect([...y]).toEqual([4, 5, 6]);
});
