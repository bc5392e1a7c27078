// Benchmark: the generated JavaScript of batch norm and of a 1-D convolution at
// n = 10⁶, backward against forward (the cheap-gradient principle: a gradient costs a
// small constant times the forward); and deriving every bundled file after start-up.
// Run: npm run build && node dist/bench/codegen.js   (results: bench/RESULTS.md)
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from '../src/codegen/compile.js';
import { derive } from '../src/autodiff/forms.js';
import { buildGraph } from '../src/graph/build.js';
import { forgetProofs } from '../src/indices/prove.js';
import { Rng } from '../src/numeric/random.js';
import { run } from '../src/pipeline.js';
import { parseSpec } from '../src/syntax/parse.js';

type Arrays = Record<string, Float64Array | number>;
interface Module {
  forward(inputs: Arrays): Arrays;
  backward(inputs: Arrays, upstream: Arrays, saved?: Arrays): Arrays;
}

const N = 1_000_000;
const RUNS = 15;
const dir = mkdtempSync(join(tmpdir(), 'gradproof-bench-'));

const BATCHNORM = `input x[n]
param gamma, beta
const eps > 0
mu = sum(i, x[i]) / n
var = sum(i, (x[i] - mu)^2) / n
xhat[i] = (x[i] - mu) / sqrt(var + eps)
y[i] = gamma * xhat[i] + beta
output y
grad gamma, beta, x
`;
const CONV1D = `input x[n]
param w[K], b
o[j] = sum(k, w[k] * x[j + k - 1]) + b
output o
grad w, b, x
`;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rng = new Rng('bench/codegen');
const random = (k: number): Float64Array => Float64Array.from({ length: k }, () => rng.uniform(-1, 1));

async function load(name: string, text: string): Promise<Module> {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, compile(run(`${name}.layer`, text, { present: false }).derivation, 'js'));
  return (await import(pathToFileURL(file).href)) as Module;
}

function timeIt(f: () => unknown): number {
  for (let i = 0; i < 3; i++) f(); // warm-up: JIT
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

async function ratio(label: string, m: Module, inputs: Arrays, upstream: Arrays): Promise<void> {
  const saved = m.forward(inputs);
  const fw = timeIt(() => m.forward(inputs));
  const bw = timeIt(() => m.backward(inputs, upstream, saved));
  console.log(`| ${label} | ${fw.toFixed(2)} ms | ${bw.toFixed(2)} ms | ${(bw / fw).toFixed(2)}× |`);
}

function layerFiles(d: string): string[] {
  return readdirSync(d).sort().flatMap((e) => {
    const p = join(d, e);
    return statSync(p).isDirectory() ? layerFiles(p) : p.endsWith('.layer') ? [p] : [];
  });
}

console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, n = ${N}, median of ${RUNS} runs`);
console.log('| generated JavaScript | forward | backward | backward/forward |', '\n|---|---:|---:|---:|');
const bn = await load('batchnorm', BATCHNORM);
await ratio('batch norm (dL/dx, dL/dγ, dL/dβ)', bn, { x: random(N), gamma: 1.3, beta: -0.2, eps: 1e-5 }, { y: random(N) });
for (const K of [3, 31]) {
  const conv = await load(`conv${K}`, CONV1D);
  await ratio(`conv1d, K = ${K} (dL/dx, dL/dw, dL/db)`, conv, { x: random(N), w: random(K), b: 0.1 }, { o: random(N - K + 1) });
}

// deriving each bundled file after start-up (JIT warm): derive alone (the reverse sweep
// and the simplification of every form, local, closed and elementwise) with the index
// prover's remembered answers forgotten before each run; then parse + build + derive
// with every simplification step vetted in float64, as `gradproof derive` does
console.log('\n| file | derive | parse + build + derive, every step vetted |', '\n|---|---:|---:|');
const files = layerFiles('derivations');
for (const file of files) derive(buildGraph(parseSpec(file, readFileSync(file, 'utf8')))); // warm-up
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const g = buildGraph(parseSpec(file, text));
  const t = (f: () => unknown, cold: boolean): number => {
    const ms: number[] = [];
    for (let i = 0; i < 7; i++) {
      if (cold) forgetProofs();
      const t0 = performance.now();
      f();
      ms.push(performance.now() - t0);
    }
    return median(ms);
  };
  console.log(`| ${file} | ${t(() => derive(g), true).toFixed(1)} ms | ${t(() => run(file, text, { present: false }), true).toFixed(1)} ms |`);
}
