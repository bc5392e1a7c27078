// Benchmark: deriving all of batch norm's gradients at symbolic n, simplified
// (local and closed forms), after start-up; and the same with n made concrete at
// growing values, to show that the work does not grow with n.
// Run: npm run build && npm run bench   (results: bench/RESULTS.md)
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { derive } from '../src/autodiff/forms.js';
import { buildGraph } from '../src/graph/build.js';
import type { Graph } from '../src/graph/graph.js';
import { instantiate } from '../src/graph/instantiate.js';
import { parseSpec } from '../src/syntax/parse.js';
import { stepCheck } from '../src/verify/stepcheck.js';

const FILE = 'derivations/seed/batchnorm.layer';
const RUNS = 100;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(label: string, g: Graph, vetted: boolean): void {
  const once = () => {
    const check = vetted ? stepCheck(g) : undefined;
    return derive(g, check ? { check } : {});
  };
  for (let i = 0; i < 30; i++) once(); // warm-up: JIT and caches
  const ms: number[] = [];
  let steps = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const d = once();
    ms.push(performance.now() - t0);
    steps = [...d.adjoints.values()].reduce((s, f) => s + f.local.steps.length + f.closed.steps.length, 0);
  }
  console.log(`${label.padEnd(44)} median ${median(ms).toFixed(2).padStart(7)} ms   min ${Math.min(...ms).toFixed(2).padStart(7)} ms   ${steps} steps`);
}

const g = buildGraph(parseSpec(FILE, readFileSync(FILE, 'utf8')));
console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${RUNS} runs each`);
time('batch norm, n symbolic', g, false);
time('batch norm, n symbolic, every step vetted', g, true);
for (const n of [8n, 64n, 1024n, 1_000_000n]) time(`batch norm, n = ${n}`, instantiate(g, new Map([['n', n]])), false);
