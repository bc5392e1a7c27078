// The examples a spec is trained on: read from a CSV or JSON file, or made by a
// synthetic teacher. Each example gives every `input` of the spec; the spec's own
// loss says which input is the target (linreg.layer's `loss L = (y − t)^2 / 2`).
//
// CSV: a header row, then one example per row. A scalar input is the column named as
// in the spec (`t`); a tensor input takes one column per element, named by its indices
// as the spec writes a read: `x[1]`, `x[2]`, … and `"W[1,2]"` (quoted: it holds a comma),
// in any order. Columns that name no input are ignored; a column of an input outside
// its index set (`x[0]`, `t[1]` of a scalar t) is an error.
// JSON: {"x": [[…], …], "t": […]}: for each input, one record per example, a number for
// a scalar and an array (nested arrays are read row-major) for a tensor.
//
// Teacher (`--teacher y=t`): true params drawn at random, random inputs, and the target
// input t set to the prediction y of the spec's own forward pass at the true params, so
// the exact minimum of the loss is 0 and the true params reach it.
import { readFileSync } from 'node:fs';
import type { Tensor } from '../graph/graph.js';
import { readNames } from '../ir/node.js';
import { elementsOf, evaluate, extentOf } from '../numeric/evaluate.js';
import { floatField } from '../numeric/float.js';
import { Rng } from '../numeric/random.js';
import type { Arrays, Model, Sizes } from './model.js';
import { asArg, countOf, resolveSizes, TrainError } from './model.js';

export const MAX_EXAMPLES = 100_000;

export interface Dataset {
  readonly sizes: Map<string, bigint>;
  readonly examples: readonly Arrays[];
  /** Where the examples came from, for the report ("data.csv, 8 examples"). */
  readonly source: string;
  /** The teacher's true params, by name (a teacher's data only). */
  readonly truth?: ReadonlyMap<string, Float64Array>;
}

/** A leaf's element labels in row-major order: `x[1]`, `x[2]` … or the bare name of a scalar. */
export function labelsOf(t: Tensor, sizes: Sizes): string[] {
  if (!t.dims.length) return [t.name];
  const { lo, hi } = extentOf(t, sizes);
  return elementsOf(lo, hi).map((at) => `${t.name}[${at.join(',')}]`);
}

// a decimal number as people write it in a data file; Number() alone would take '' and '0x1f'
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function numberOf(text: string, what: () => string): number {
  const s = text.trim();
  const v = Number(s);
  if (!NUMBER.test(s) || !Number.isFinite(v)) throw new TrainError(`${what()} is ${JSON.stringify(text)}, not a number`);
  return v;
}

/** Read --data FILE (.json, else CSV) for this model; --size may fix sizes the widths cannot. */
export function readData(m: Model, file: string, given: Sizes): Dataset {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new TrainError(`cannot read ${file}`);
  }
  return /\.json$/i.test(file) ? fromJson(m, file, text, given) : fromCsv(m, file, text, given);
}

/** RFC 4180 fields of one line: commas separate, double quotes quote ("" is a quote). */
function fields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') out.push(cur), (cur = '');
    else cur += c;
  }
  out.push(cur);
  return out;
}

export function fromCsv(m: Model, file: string, text: string, given: Sizes): Dataset {
  const lines = text.split(/\r?\n/).map((l, i) => ({ l, n: i + 1 })).filter((x) => x.l.trim() !== '' && !x.l.startsWith('#'));
  if (!lines.length) throw new TrainError(`${file}: empty (a header row naming ${m.inputs.map((t) => t.name).join(', ')} first)`);
  const [head, ...rows] = lines;
  // `x[ 1, 2 ]` is `x[1,2]`: spaces inside a label mean nothing
  const header = fields(head!.l).map((h) => h.trim().replace(/\s+/g, ''));
  const column = new Map(header.map((h, i) => [h, i]));
  const ofInput = (t: Tensor): string[] => header.filter((h) => h === t.name || h.startsWith(`${t.name}[`));
  const widths = new Map(m.inputs.map((t) => [t.name, ofInput(t).length]));
  const sizes = resolveSizes(m, given, widths, `${file}:${head!.n}`);
  const labels = new Map(m.inputs.map((t) => [t.name, labelsOf(t, sizes)]));
  for (const t of m.inputs) {
    const want = new Set(labels.get(t.name));
    const stray = ofInput(t).find((h) => !want.has(h));
    if (stray) throw new TrainError(`${file}:${head!.n}: column ${stray} is not an element of ${t.name}${t.dims.length ? ` (${[...want][0]} … ${[...want].at(-1)})` : ' (a scalar: one column named ' + t.name + ')'}`);
    const missing = [...want].find((l) => !column.has(l));
    if (missing) throw new TrainError(`${file}:${head!.n}: no column ${missing} (the input ${t.name} needs ${want.size === 1 ? 'a column' : `${want.size} columns`}: ${[...want].slice(0, 3).join(', ')}${want.size > 3 ? ', …' : ''})`);
  }
  if (rows.length > MAX_EXAMPLES) throw new TrainError(`${file}: ${rows.length} examples (the limit is ${MAX_EXAMPLES})`);
  if (!rows.length) throw new TrainError(`${file}: no examples below the header`);
  const examples = rows.map(({ l, n }) => {
    const f = fields(l);
    if (f.length !== header.length) throw new TrainError(`${file}:${n}: ${f.length} fields, the header has ${header.length}`);
    const ex: Arrays = {};
    for (const t of m.inputs) {
      const data = Float64Array.from(labels.get(t.name)!, (label) => numberOf(f[column.get(label)!]!, () => `${file}:${n}: ${label}`));
      ex[t.name] = asArg(t, data);
    }
    return ex;
  });
  return { sizes, examples, source: `${file}, ${examples.length} example${examples.length === 1 ? '' : 's'}` };
}

/** Nested arrays row-major, numbers checked. */
function flatten(v: unknown, what: () => string, out: number[] = []): number[] {
  if (Array.isArray(v)) v.forEach((x) => flatten(x, what, out));
  else if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
  else throw new TrainError(`${what()} holds ${JSON.stringify(v)}, not a number`);
  return out;
}

export function fromJson(m: Model, file: string, text: string, given: Sizes): Dataset {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TrainError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new TrainError(`${file}: expected an object {"${m.inputs[0]?.name ?? 'x'}": [...], …} with one array per input`);
  const record = json as Record<string, unknown>;
  const columns = new Map<string, readonly unknown[]>();
  for (const t of m.inputs) {
    const v = record[t.name];
    if (!Array.isArray(v)) throw new TrainError(`${file}: no array "${t.name}" (every input needs one: ${m.inputs.map((x) => x.name).join(', ')})`);
    columns.set(t.name, v);
  }
  const counts = [...columns].map(([k, v]) => ({ k, n: v.length }));
  const odd = counts.find((c) => c.n !== counts[0]!.n);
  if (odd) throw new TrainError(`${file}: "${odd.k}" has ${odd.n} examples, "${counts[0]!.k}" has ${counts[0]!.n}`);
  const N = counts[0]?.n ?? 0;
  if (!N) throw new TrainError(`${file}: no examples`);
  if (N > MAX_EXAMPLES) throw new TrainError(`${file}: ${N} examples (the limit is ${MAX_EXAMPLES})`);
  const at = (name: string, k: number) => () => `${file}: "${name}" example ${k + 1}`;
  const widths = new Map(m.inputs.map((t) => [t.name, flatten(columns.get(t.name)![0], at(t.name, 0)).length]));
  const sizes = resolveSizes(m, given, widths, file);
  const examples = Array.from({ length: N }, (_, k) => {
    const ex: Arrays = {};
    for (const t of m.inputs) {
      const data = flatten(columns.get(t.name)![k], at(t.name, k));
      const want = countOf(t, sizes);
      if (data.length !== want) throw new TrainError(`${at(t.name, k)()} has ${data.length} number${data.length === 1 ? '' : 's'}; ${t.name} has ${want}`);
      ex[t.name] = asArg(t, Float64Array.from(data));
    }
    return ex;
  });
  return { sizes, examples, source: `${file}, ${N} example${N === 1 ? '' : 's'}` };
}

/** `--teacher PRED=TARGET`: a tensor the spec computes, and the input it is compared with. */
export interface TeacherSpec {
  readonly prediction: string;
  readonly target: string;
}

/** A leaf's random value: uniform in [−spread, spread], or above (below) its assumption's bound. */
export function drawLeaf(t: Tensor, sizes: Sizes, rng: Rng, spread: number): Float64Array {
  let [lo, hi] = [-spread, spread];
  if (t.assumption) {
    const b = evaluate(floatField, t.assumption.bound, sizes, { tensors: new Map(), adjoints: new Map() });
    [lo, hi] = t.assumption.rel === '>' || t.assumption.rel === '>=' ? [b + 0.05, b + 0.05 + 2 * spread] : [b - 0.05 - 2 * spread, b - 0.05];
  }
  return Float64Array.from({ length: countOf(t, sizes) }, () => rng.uniform(lo, hi));
}

/** Everything PRED is computed from, through the definitions. */
function dependencies(m: Model, name: string, out: Set<string> = new Set()): Set<string> {
  const t = m.graph.tensors.get(name);
  if (!t?.body) return out;
  for (const r of readNames(t.body)) if (!out.has(r)) out.add(r), dependencies(m, r, out);
  return out;
}

/** Check `--teacher PRED=TARGET` against the spec: PRED a definition of TARGET's shape that does not read TARGET. */
export function checkTeacher(m: Model, spec: TeacherSpec, sizes: Sizes): void {
  const pred = m.graph.tensors.get(spec.prediction);
  const target = m.graph.tensors.get(spec.target);
  if (!target || target.role !== 'input') throw new TrainError(`--teacher ${spec.prediction}=${spec.target}: ${spec.target} is not an input of ${m.graph.file} (inputs: ${m.inputs.map((t) => t.name).join(', ')})`);
  if (!pred || pred.role !== 'def' || spec.prediction === m.graph.loss) {
    const defs = [...m.graph.tensors.values()].filter((t) => t.role === 'def' && t.name !== m.graph.loss).map((t) => t.name);
    throw new TrainError(`--teacher ${spec.prediction}=${spec.target}: ${spec.prediction} is not a tensor the spec computes (${defs.join(', ') || 'none'})`);
  }
  if (dependencies(m, pred.name).has(target.name)) throw new TrainError(`--teacher ${spec.prediction}=${spec.target}: ${pred.name} is computed from ${target.name}, so it cannot make it`);
  const [a, b] = [extentOf(pred, sizes), extentOf(target, sizes)];
  if (a.lo.join() !== b.lo.join() || a.hi.join() !== b.hi.join()) throw new TrainError(`--teacher ${spec.prediction}=${spec.target}: ${pred.name} and ${target.name} have different shapes`);
}

/**
 * N examples from a teacher: true params θ* and inputs uniform in [−1, 1] (honouring
 * assumptions), seeded; the target is the prediction at θ*. Returns θ* too, by name.
 */
export function teacher(m: Model, spec: TeacherSpec, given: Sizes, n: number, seed: string): Dataset {
  if (!Number.isInteger(n) || n < 1 || n > MAX_EXAMPLES) throw new TrainError(`--examples takes a whole number from 1 to ${MAX_EXAMPLES}, got ${n}`);
  const sizes = resolveSizes(m, given, new Map(), `--teacher ${spec.prediction}=${spec.target}`);
  checkTeacher(m, spec, sizes);
  const root = new Rng(`teacher ${seed}`);
  const truth = new Map(m.params.map((p) => [p.name, drawLeaf(p, sizes, root.fork(`true ${p.name}`), 1)]));
  const sz = Object.fromEntries([...sizes].map(([k, v]) => [k, Number(v)]));
  const target = m.graph.tensors.get(spec.target)!;
  const examples = Array.from({ length: n }, (_, k) => {
    const rng = root.fork(`example ${k}`);
    const ex: Arrays = {};
    for (const t of m.inputs) ex[t.name] = asArg(t, t === target ? new Float64Array(countOf(t, sizes)) : drawLeaf(t, sizes, rng, 1));
    const leaves: Arrays = { ...ex };
    for (const p of m.params) leaves[p.name] = asArg(p, truth.get(p.name)!);
    const y = m.module.forward(leaves, sz)[spec.prediction]!;
    ex[target.name] = typeof y === 'number' ? y : Float64Array.from(y);
    return ex;
  });
  return { sizes, examples, truth, source: `teacher ${spec.prediction}=${spec.target}, ${n} example${n === 1 ? '' : 's'}` };
}
