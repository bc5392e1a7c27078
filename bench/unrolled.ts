// Benchmark (issue 6): gradproof against the unrolled approach. At concrete n, the
// time of gradproof's derive + simplify of batch norm with n substituted, against
// the same gradient got by writing the loss out element by element,
//   L = g1·y1 + … + gn·yn,  yᵢ = γ·(xᵢ − μ)/√(σ² + ε) + β,  μ and σ² written out in x1 … xn,
// and asking a computer-algebra system for dL/dx1, simplified: nerdamer (diff, then
// simplify or expand), mathjs (derivative, then simplify) and SymPy (diff, then
// simplify; bench/unrolled_sympy.py) when python3 can import it.
//
// Each baseline runs in a child process under a time limit and is killed there
// ("> T"). Every answer a baseline gives is evaluated at a random point and compared
// with the closed form of Ioffe & Szegedy (PyTorch's), dL/dxᵢ = γ/(n·σ̂)·(n·gᵢ − Σg −
// x̂ᵢ·Σ g·x̂), σ̂ = √(σ² + ε): a disagreement is reported as "wrong" (nerdamer's diff is
// known to be wrong under √). gradproof's own dL/dx[1] is checked the same way.
//
// Run (from the project root): npx tsc -p tsconfig.json && node dist/bench/unrolled.js
// Options: --limit S (seconds, default 20), --sizes 2,4,8,16,64, --runs R (gradproof,
// default 100), --engines nerdamer-simplify,nerdamer-expand,mathjs,sympy (default all),
// --all (also run a baseline at the sizes above one where it already exceeded the
// limit; by default those are reported as "> T" without running).
// Child mode (used by the above): node dist/bench/unrolled.js --child ENGINE N
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { derive } from '../src/autodiff/forms.js';
import { buildGraph } from '../src/graph/build.js';
import type { Graph } from '../src/graph/graph.js';
import { instantiate } from '../src/graph/instantiate.js';
import type { TensorValue } from '../src/numeric/evaluate.js';
import { evaluate, extentOf, forward } from '../src/numeric/evaluate.js';
import { floatField } from '../src/numeric/float.js';
import { unrolledDerivative as mathjsUnrolled } from '../src/numeric/mathjs.js';
import { unrolledDerivative as nerdamerUnrolled } from '../src/simplify/nerdamer.js';
import { parseSpec } from '../src/syntax/parse.js';
import { Rng } from '../src/numeric/random.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url)); // dist/bench/ → project root
const FILE = 'derivations/seed/batchnorm.layer';
const SYMPY_SCRIPT = `${ROOT}bench/unrolled_sympy.py`;

type Engine = 'nerdamer-simplify' | 'nerdamer-expand' | 'mathjs' | 'sympy';
const ENGINES: readonly Engine[] = ['nerdamer-simplify', 'nerdamer-expand', 'mathjs', 'sympy'];
const TITLES: Record<Engine, string> = {
  'nerdamer-simplify': 'nerdamer diff + simplify',
  'nerdamer-expand': 'nerdamer diff + expand',
  mathjs: 'mathjs derivative + simplify',
  sympy: 'SymPy diff + simplify',
};

// ---------------------------------------------------------------------------------
// The unrolled loss, as text (nerdamer and mathjs read it; SymPy builds the same).

function unrolledLoss(n: number): string {
  const xs = Array.from({ length: n }, (_, i) => `x${i + 1}`);
  const mu = `((${xs.join('+')})/${n})`;
  const variance = `((${xs.map((x) => `(${x}-${mu})^2`).join('+')})/${n})`;
  return xs.map((x, i) => `g${i + 1}*(gamma*(${x}-${mu})/sqrt(${variance}+eps)+beta)`).join('+');
}

// ---------------------------------------------------------------------------------
// The random point and the reference value of dL/dx1 there.

interface Point {
  readonly n: number;
  readonly x: number[];
  readonly g: number[];
  readonly gamma: number;
  readonly beta: number;
  readonly eps: number;
}


function pointFor(n: number): Point {
  const r = new Rng(0x600d + n); // a fixed stream per n, so a run reproduces
  const u = (lo: number, hi: number): number => r.uniform(lo, hi);
  return {
    n,
    x: Array.from({ length: n }, () => u(-2, 2)),
    g: Array.from({ length: n }, () => u(-2, 2)),
    gamma: u(0.5, 2),
    beta: u(-2, 2),
    eps: u(0.05, 1),
  };
}

/** dL/dx1 by the closed form, and the size of the terms it sums (the error scale). */
function reference(p: Point): { value: number; scale: number } {
  const { n, x, g, gamma, eps } = p;
  const mu = x.reduce((s, v) => s + v, 0) / n;
  const variance = x.reduce((s, v) => s + (v - mu) ** 2, 0) / n;
  const sd = Math.sqrt(variance + eps);
  const xhat = x.map((v) => (v - mu) / sd);
  const sumG = g.reduce((s, v) => s + v, 0);
  const sumGX = g.reduce((s, v, i) => s + v * xhat[i]!, 0);
  const value = (gamma / (n * sd)) * (n * g[0]! - sumG - xhat[0]! * sumGX);
  const absG = g.reduce((s, v) => s + Math.abs(v), 0);
  const absGX = g.reduce((s, v, i) => s + Math.abs(v * xhat[i]!), 0);
  const scale = (Math.abs(gamma) / (n * sd)) * (n * Math.abs(g[0]!) + absG + Math.abs(xhat[0]!) * absGX);
  return { value, scale };
}

const TOLERANCE = 1e-9; // relative to the scale: float64 evaluation of an exact formula

function agrees(got: number, p: Point): boolean {
  const ref = reference(p);
  return Number.isFinite(got) && Math.abs(got - ref.value) <= TOLERANCE * ref.scale;
}

// A small reader for the baselines' answers: numbers, names, + − * / ^ **, (…),
// sqrt and abs. Anything else throws (the answer is then reported as unreadable).
function evaluateAnswer(text: string, p: Point): number {
  const vars = new Map<string, number>([['gamma', p.gamma], ['beta', p.beta], ['eps', p.eps]]);
  p.x.forEach((v, i) => vars.set(`x${i + 1}`, v));
  p.g.forEach((v, i) => vars.set(`g${i + 1}`, v));
  const functions = new Map<string, (a: number) => number>([['sqrt', Math.sqrt], ['abs', Math.abs], ['Abs', Math.abs]]);
  const toks = text.match(/\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+|[A-Za-z_]\w*|\*\*|\S/g) ?? [];
  let at = 0;
  const eat = (t: string): boolean => (toks[at] === t ? (at++, true) : false);
  const expr = (): number => {
    let v = term();
    for (;;) {
      if (eat('+')) v += term();
      else if (eat('-')) v -= term();
      else return v;
    }
  };
  const term = (): number => {
    let v = unary();
    for (;;) {
      if (eat('*')) v *= unary();
      else if (eat('/')) v /= unary();
      else return v;
    }
  };
  const unary = (): number => (eat('-') ? -unary() : eat('+') ? unary() : power());
  const power = (): number => {
    const b = primary();
    return eat('^') || eat('**') ? b ** unary() : b;
  };
  const primary = (): number => {
    const t = toks[at++];
    if (t === undefined) throw new Error('unexpected end');
    if (t === '(') {
      const v = expr();
      if (!eat(')')) throw new Error('missing )');
      return v;
    }
    if (/^[\d.]/.test(t)) return Number(t);
    const f = functions.get(t);
    if (f && eat('(')) {
      const v = expr();
      if (!eat(')')) throw new Error('missing )');
      return f(v);
    }
    const v = vars.get(t);
    if (v === undefined) throw new Error(`unknown name ${t}`);
    return v;
  };
  const v = expr();
  if (at !== toks.length) throw new Error(`unread text at token ${at}: ${toks[at]}`);
  return v;
}

// ---------------------------------------------------------------------------------
// gradproof: derive() of the instantiated graph, as bench/derive-batchnorm.ts does.

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface GradproofRun {
  readonly medianMs: number;
  readonly minMs: number;
  readonly closedOk: boolean;
  readonly elementOk: boolean | undefined; // undefined: no elementwise form at this n
}

const WARMUP = 30;

function gradproof(base: Graph, n: number, runs: number): GradproofRun {
  const g = instantiate(base, new Map([['n', BigInt(n)]]));
  for (let i = 0; i < WARMUP; i++) derive(g); // warm-up: JIT and caches
  const ms: number[] = [];
  let d = derive(g);
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    d = derive(g);
    ms.push(performance.now() - t0);
  }
  // dL/dx[1] at the random point: the closed form (and the written-out element)
  const p = pointFor(n);
  const sizes = new Map<string, bigint>();
  const vector = (name: string, data: number[]): TensorValue<number> => ({ ...extentOf(g.tensors.get(name)!, sizes), data });
  const scalar = (v: number): TensorValue<number> => ({ lo: [], hi: [], data: [v] });
  const leaves = new Map([['x', vector('x', p.x)], ['gamma', scalar(p.gamma)], ['beta', scalar(p.beta)], ['eps', scalar(p.eps)]]);
  const values = { tensors: forward(floatField, g, sizes, leaves), adjoints: new Map(), upstream: new Map([['y', vector('y', p.g)]]) };
  const x = d.adjoints.get('x')!;
  const closed = evaluate(floatField, x.closed.result, sizes, values, new Map([[x.free[0]!, 1n]]));
  const element = x.elements?.find((e) => e.at[0] === 1n);
  return {
    medianMs: median(ms),
    minMs: Math.min(...ms),
    closedOk: agrees(closed, p),
    elementOk: element && agrees(evaluate(floatField, element.form, sizes, values), p),
  };
}

// ---------------------------------------------------------------------------------
// The baselines, each in a child process under the time limit.

type Outcome =
  | { readonly kind: 'done'; readonly ms: number; readonly buildMs: number; readonly diffMs: number; readonly check: 'ok' | 'wrong' | 'unreadable'; readonly chars: number; readonly note: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'skipped' } // not run: the same baseline exceeded the limit at a smaller n
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'absent' };

interface ChildReport {
  readonly buildMs: number;
  readonly diffMs: number;
  readonly simplifyMs: number;
  readonly text: string;
}

function readReport(line: string): ChildReport | { readonly error: string } | undefined {
  const r: unknown = JSON.parse(line);
  if (typeof r !== 'object' || r === null) return undefined;
  const o = r as Record<string, unknown>;
  if (typeof o.error === 'string') return { error: o.error };
  const nums = ['buildMs', 'diffMs', 'simplifyMs'].every((k) => typeof o[k] === 'number');
  return nums && typeof o.text === 'string' ? { buildMs: o.buildMs as number, diffMs: o.diffMs as number, simplifyMs: o.simplifyMs as number, text: o.text } : undefined;
}

const STARTUP_LIMIT_MS = 120_000; // loading the library, before the limit starts

/**
 * Runs one baseline. The time limit starts when the child says READY (library
 * loaded, nothing parsed yet) and covers parsing + differentiating + simplifying.
 */
function runChild(command: string, args: readonly string[], limitMs: number): Promise<{ report?: ChildReport; timedOut: boolean; error?: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
    let out = '';
    let err = '';
    let timedOut = false;
    let timer = setTimeout(() => child.kill('SIGKILL'), STARTUP_LIMIT_MS);
    let ready = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (!ready && out.startsWith('READY\n')) {
        ready = true;
        clearTimeout(timer);
        timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, limitMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err = (err + chunk).slice(-2000);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ timedOut: false, error: e.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return resolve({ timedOut: true });
      const line = out.split('\n').filter((l) => l.startsWith('{')).pop();
      try {
        const report = line ? readReport(line) : undefined;
        if (report && 'error' in report) return resolve({ timedOut: false, error: report.error });
        if (report) return resolve({ report, timedOut: false });
      } catch {
        // fall through: reported as an error below
      }
      const lines = err.trim().split('\n');
      const last = lines.filter((l) => /^\w*(Error|Exception)\b/.test(l)).pop() ?? lines.pop() ?? '';
      resolve({ timedOut: false, error: `exit ${code ?? signal}${ready ? '' : ' before READY'}: ${last}`.slice(0, 300) });
    });
  });
}

function findPython(): { command: string; version: string; debian: boolean } | undefined {
  for (const command of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(command, ['-c', 'import sympy; print(sympy.__version__); print(sympy.__file__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) {
      const [version = '?', file = ''] = r.stdout.trim().split('\n');
      return { command, version, debian: file.startsWith('/usr/lib/python3/') };
    }
  }
  return undefined;
}

async function baseline(engine: Engine, n: number, limitMs: number, python: string | undefined): Promise<Outcome> {
  if (engine === 'sympy' && !python) return { kind: 'absent' };
  const [command, args] =
    engine === 'sympy' ? [python!, [SYMPY_SCRIPT, String(n)]] : [process.execPath, [fileURLToPath(import.meta.url), '--child', engine, String(n)]];
  const r = await runChild(command, args, limitMs);
  if (r.timedOut) return { kind: 'timeout' };
  if (!r.report) return { kind: 'error', message: r.error ?? 'no answer' };
  const { buildMs, diffMs, simplifyMs, text } = r.report;
  const p = pointFor(n);
  let check: 'ok' | 'wrong' | 'unreadable';
  let note: string;
  try {
    const got = evaluateAnswer(text, p);
    check = agrees(got, p) ? 'ok' : 'wrong';
    note = `${got} at the point, closed form ${reference(p).value}`;
  } catch (e) {
    check = 'unreadable';
    note = e instanceof Error ? e.message : String(e);
  }
  return { kind: 'done', ms: diffMs + simplifyMs, buildMs, diffMs, check, chars: text.length, note };
}

/** Child mode: one nerdamer or mathjs run, reported as one JSON line. */
async function child(engine: Engine, n: number): Promise<void> {
  const text = unrolledLoss(n);
  // load and warm the library on a tiny input first: start-up is not timed
  if (engine === 'mathjs') await mathjsUnrolled('x1^2', 'x1');
  else nerdamerUnrolled('x1^2', 'x1', engine === 'nerdamer-simplify' ? 'simplify' : 'expand');
  process.stdout.write('READY\n');
  try {
    const r = engine === 'mathjs' ? await mathjsUnrolled(text, 'x1') : nerdamerUnrolled(text, 'x1', engine === 'nerdamer-simplify' ? 'simplify' : 'expand');
    process.stdout.write(`${JSON.stringify({ buildMs: r.parseMs, diffMs: r.diffMs, simplifyMs: r.simplifyMs, text: r.text })}\n`);
  } catch (e) {
    // e.g. nerdamer's own "timeout" (its TIMEOUT setting, 800 ms) while parsing at n = 16
    process.stdout.write(`${JSON.stringify({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) })}\n`);
    process.exitCode = 1;
  }
}

// ---------------------------------------------------------------------------------
// The table.

const seconds = (ms: number): string => (ms < 1000 ? `${ms < 10 ? ms.toFixed(2) : ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`);

function cell(o: Outcome, limitS: number): string {
  switch (o.kind) {
    case 'done':
      return o.check === 'ok' ? seconds(o.ms) : `${o.check} (${seconds(o.ms)})`;
    case 'timeout':
      return `> ${limitS} s`;
    case 'skipped':
      return `> ${limitS} s †`;
    case 'error':
      return 'error';
    case 'absent':
      return 'not installed';
  }
}

/** gradproof's speed-up over the fastest baseline that did not give a wrong answer. */
function speedup(gp: number, outcomes: readonly Outcome[], limitMs: number): string {
  const finished = outcomes.flatMap((o) => (o.kind === 'done' && o.check === 'ok' ? [o.ms] : []));
  if (finished.length) return `${Math.round(Math.min(...finished) / gp).toLocaleString('en-US')}×`;
  if (outcomes.some((o) => o.kind === 'timeout' || o.kind === 'skipped')) return `> ${Math.round(limitMs / gp).toLocaleString('en-US')}×`;
  return '—';
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const limitS = Number(option('--limit') ?? 20);
  const limitMs = limitS * 1000;
  const sizes = (option('--sizes') ?? '2,4,8,16,64').split(',').map(Number);
  const runs = Number(option('--runs') ?? 100);
  const engines = (option('--engines') ?? ENGINES.join(',')).split(',') as Engine[];
  if (!engines.every((e) => ENGINES.includes(e))) throw new Error(`--engines: choose from ${ENGINES.join(', ')}`);
  const all = process.argv.includes('--all');

  const python = findPython();
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}`);
  console.log(
    python
      ? `SymPy ${python.version} via ${python.command}${python.debian ? " (Debian's python3-sympy)" : " (not Debian's python3-sympy: a pip install)"}`
      : 'SymPy: not installed (neither python3 nor /usr/bin/python3 can import sympy)',
  );
  console.log(`time limit per baseline run: ${limitS} s; gradproof: median of ${runs} runs after ${WARMUP} warm-up runs\n`);

  const base = buildGraph(parseSpec(FILE, readFileSync(`${ROOT}${FILE}`, 'utf8')));
  const gp = new Map<number, GradproofRun>();
  for (const n of sizes) {
    const r = gradproof(base, n, runs);
    gp.set(n, r);
    const el = r.elementOk === undefined ? '' : `, element dL/dx1 ${r.elementOk ? 'ok' : 'WRONG'}`;
    console.error(`gradproof n = ${n}: median ${seconds(r.medianMs)}, min ${seconds(r.minMs)}; closed dL/dx[1] ${r.closedOk ? 'ok' : 'WRONG'}${el}`);
  }

  const results = new Map<Engine, Map<number, Outcome>>();
  for (const engine of engines) {
    const row = new Map<number, Outcome>();
    results.set(engine, row);
    let over = false;
    for (const n of sizes) {
      if (over && !all) {
        row.set(n, { kind: 'skipped' });
        continue;
      }
      const o = await baseline(engine, n, limitMs, python?.command);
      row.set(n, o);
      if (o.kind === 'timeout') over = true;
      const detail =
        o.kind === 'done'
          ? `build/parse ${seconds(o.buildMs)}, diff ${seconds(o.diffMs)}, diff + simplify ${seconds(o.ms)}, ${o.chars} chars, ${o.check}: ${o.note}`
          : o.kind === 'error'
            ? `error: ${o.message}`
            : cell(o, limitS);
      console.error(`${TITLES[engine]}, n = ${n}: ${detail}`);
    }
  }

  console.log(`| n | gradproof derive (all gradients) | ${engines.map((e) => TITLES[e]).join(' | ')} | speed-up over fastest |`);
  console.log(`|---:|---:|${engines.map(() => '---:|').join('')}---:|`);
  for (const n of sizes) {
    const r = gp.get(n)!;
    const checked = r.closedOk && r.elementOk !== false ? '' : ' (WRONG)';
    const outcomes = engines.map((e) => results.get(e)!.get(n)!);
    console.log(`| ${n} | ${seconds(r.medianMs)}${checked} | ${outcomes.map((o) => cell(o, limitS)).join(' | ')} | ${speedup(r.medianMs, outcomes, limitMs)} |`);
  }
  console.log(`\n† not run: the same baseline already exceeded the limit at a smaller n (--all runs it).`);
  console.log('Baseline times are diff + simplify of dL/dx1 (parsing/building the unrolled loss not included; the limit covers it).');
}

if (process.argv[2] === '--child') {
  const engine = process.argv[3] as Engine;
  if (!ENGINES.includes(engine) || engine === 'sympy') throw new Error(`--child: unknown engine ${engine}`);
  await child(engine, Number(process.argv[4]));
} else {
  await main();
}
