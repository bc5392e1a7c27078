// A spec with a concrete loss as something to train: its compiled forward and backward
// (codegen/compile.ts, the same JavaScript `gradproof compile` writes), its params packed
// into one vector θ, and the sizes the data fixes. The mean loss over a batch and its
// gradient, the sum of the per-example gradients over the batch size, come from the
// compiled code alone; nothing here differentiates.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { derive } from '../autodiff/forms.js';
import { compile } from '../codegen/compile.js';
import type { Graph, Tensor } from '../graph/graph.js';
import { extentOf } from '../numeric/evaluate.js';
import { outsideFacts } from '../numeric/sample.js';
import { run } from '../pipeline.js';

/** A user's mistake in a train command (a flag, a value, the data): one line, exit 2. */
export class TrainError extends Error {}

/** One example's leaves as the compiled module takes them: flat arrays, scalars as numbers. */
export type Arrays = Record<string, Float64Array | number>;

interface Compiled {
  forward(inputs: Arrays, sizes: Record<string, number>): Arrays;
  backward(inputs: Arrays, upstream: Arrays, saved: Arrays, sizes: Record<string, number>): Arrays;
}

/** Where a param lives in θ. */
export interface Slot {
  readonly tensor: Tensor;
  readonly offset: number;
  readonly length: number;
}

export interface Model {
  readonly graph: Graph;
  readonly inputs: readonly Tensor[];
  readonly params: readonly Tensor[];
  readonly module: Compiled;
}

/** Parse, derive dL/d(every param) and compile; a spec without a concrete loss is an error. */
export function loadModel(file: string, text: string): Model {
  const r = run(file, text, { present: false });
  const g = r.graph;
  if (!g.lossDefined) throw new TrainError(`${file} has no concrete loss: training needs a line \`loss ${g.loss} = …\` (it has \`output ${g.outputs.join(', ')}\`)`);
  const tensors = [...g.tensors.values()];
  const free = tensors.find((t) => t.role === 'const' && !t.value);
  if (free) throw new TrainError(`${file}: const ${free.name} has no value; give it one in the spec to train (const ${free.name} = …)`);
  const params = tensors.filter((t) => t.role === 'param');
  if (!params.length) throw new TrainError(`${file} has no param to fit`);
  // the file's `grad` line may leave a param out or ask for inputs: train wants the params, exactly
  const asked = new Set(g.grads.map((x) => x.name));
  const same = asked.size === params.length && params.every((p) => asked.has(p.name));
  const derivation = same ? r.derivation : derive({ ...g, grads: params.map((p) => ({ name: p.name, span: p.span })) });
  return { graph: g, inputs: tensors.filter((t) => t.role === 'input'), params, module: load(compile(derivation, 'js')) };
}

/**
 * The generated module, loaded synchronously (the command line's main() is synchronous):
 * the JavaScript target's three `export function`s written as a CommonJS file in a
 * temporary folder and required. The text is generated from validated names only.
 */
function load(code: string): Compiled {
  const exported = [...code.matchAll(/^export function (\w+)\(/gm)].map((m) => m[1]);
  if (exported.join() !== 'sizesOf,forward,backward') throw new Error(`unexpected compiled module (exports ${exported.join(', ')})`);
  const dir = mkdtempSync(join(tmpdir(), 'gradproof-train-'));
  try {
    const file = join(dir, 'model.cjs');
    writeFileSync(file, `${code.replace(/^export function /gm, 'function ')}\nmodule.exports = { sizesOf, forward, backward };\n`);
    return createRequire(import.meta.url)(file) as Compiled;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type Sizes = ReadonlyMap<string, bigint>;

/** How many elements a leaf has at these sizes. */
export function countOf(t: Tensor, sizes: Sizes): number {
  const { lo, hi } = extentOf(t, sizes);
  return lo.reduce((c, l, d) => c * Number(hi[d]! - l + 1n), 1);
}

export const MAX_PARAMS = 100_000;

/**
 * Every size symbol: those given (--size), then each other from an input whose one
 * symbolic dimension is that symbol alone (x[d] with 3 numbers: d = 3), from `widths`.
 */
export function resolveSizes(m: Model, given: Sizes, widths: ReadonlyMap<string, number>, where: string): Map<string, bigint> {
  const sizes = new Map(given);
  for (const s of given.keys()) if (!m.graph.sizes.has(s)) throw new TrainError(`--size ${s}: ${m.graph.file} has no size ${s} (it has ${[...m.graph.sizes.keys()].join(', ') || 'none'})`);
  for (const s of m.graph.sizes.keys()) {
    if (sizes.has(s)) continue;
    for (const t of m.inputs) {
      const symbolic = t.dims.filter((d) => d.hi.op !== 'num');
      const w = widths.get(t.name);
      if (w === undefined || symbolic.length !== 1 || symbolic[0]!.hi.op !== 'size' || symbolic[0]!.hi.attrs.name !== s) continue;
      const rest = t.dims.filter((d) => d.hi.op === 'num').reduce((p, d) => p * Number(d.hi.attrs.value!.n), 1);
      if (w % rest !== 0 || w === 0) throw new TrainError(`${where}: ${t.name} has ${w} numbers, not a multiple of ${rest}`);
      sizes.set(s, BigInt(w / rest));
      break;
    }
    if (!sizes.has(s)) throw new TrainError(`${where} does not fix the size ${s}: give it with --size ${s}=N`);
  }
  const outside = outsideFacts(m.graph, sizes);
  if (outside) throw new TrainError(`${where}: at ${[...sizes].map(([k, v]) => `${k}=${v}`).join(', ')} ${outside}`);
  const n = m.params.reduce((c, p) => c + countOf(p, sizes), 0);
  if (n > MAX_PARAMS) throw new TrainError(`${n} params at these sizes (the limit is ${MAX_PARAMS})`);
  return sizes;
}

/** Each param's place in θ, in the file's order. */
export function slotsOf(m: Model, sizes: Sizes): Slot[] {
  let offset = 0;
  return m.params.map((tensor) => {
    const length = countOf(tensor, sizes);
    const slot = { tensor, offset, length };
    offset += length;
    return slot;
  });
}

/** A tensor's value as the module takes it: a number for a scalar, else a flat array. */
export const asArg = (t: Tensor, data: Float64Array): Float64Array | number => (t.dims.length ? data : data[0]!);

/** The mean loss over the batch and its gradient with respect to θ, from the compiled module. */
export function lossAndGradient(m: Model, slots: readonly Slot[], sizes: Record<string, number>, theta: Float64Array, batch: readonly Arrays[]): { loss: number; grad: Float64Array } {
  const params: Arrays = {};
  for (const s of slots) params[s.tensor.name] = asArg(s.tensor, theta.subarray(s.offset, s.offset + s.length));
  const grad = new Float64Array(theta.length);
  let loss = 0;
  const L = m.graph.loss;
  // one leaves object for the batch: the params stay, each example's inputs are set in turn
  const leaves: Arrays = { ...params };
  for (const example of batch) {
    Object.assign(leaves, example);
    const saved = m.module.forward(leaves, sizes);
    loss += saved[L] as number;
    const g = m.module.backward(leaves, {}, saved, sizes);
    for (const s of slots) {
      const v = g[s.tensor.name]!;
      if (typeof v === 'number') grad[s.offset] = grad[s.offset]! + v;
      else for (let i = 0; i < s.length; i++) grad[s.offset + i] = grad[s.offset + i]! + v[i]!;
    }
  }
  for (let i = 0; i < grad.length; i++) grad[i] = grad[i]! / batch.length;
  return { loss: loss / batch.length, grad };
}

/** The mean loss alone (the forward pass). */
export function meanLoss(m: Model, slots: readonly Slot[], sizes: Record<string, number>, theta: Float64Array, examples: readonly Arrays[]): number {
  const params: Arrays = {};
  for (const s of slots) params[s.tensor.name] = asArg(s.tensor, theta.subarray(s.offset, s.offset + s.length));
  let loss = 0;
  const leaves: Arrays = { ...params };
  for (const example of examples) loss += m.module.forward(Object.assign(leaves, example), sizes)[m.graph.loss] as number;
  return loss / examples.length;
}
