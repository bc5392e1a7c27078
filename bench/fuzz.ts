// The fuzz campaign (`npm run fuzz`, not part of `npm test`): the generators of
// test/properties.test.ts for a time budget, in worker threads (one per core), each
// case under a watchdog so that a hang is caught with its input.
//
//   node dist/bench/fuzz.js [--seconds 600] [--seed 1] [--workers 2] [--slow 2000]
//                           [--kill 60000] [--out fuzz-out] [--mix 10:1:1]
//   node dist/bench/fuzz.js --replay fuzz-out/failures.jsonl [--slow 2000]
//                           every recorded failing input again, one at a time, with
//                           the current build: which still fail, and how long each takes
//
// Kinds of case (--mix gives their proportions, mutate:derive:simplify):
//   mutate    a bundled .layer file or one of its LaTeX claims, mutated; parseSpec and
//             run() must succeed or throw a SpecError located inside the text
//   derive    a well-formed generated spec; run(…, { check: true }) must derive and
//             every form must pass the 64-digit check against finite differences
//   simplify  a random expression simplified with one of the engine's rule sets must
//             keep its value at random points
// Outcomes: ok, rejected (a located SpecError; for a generated spec this is counted
// and saved too, since the spec is valid by construction), crash (any other
// exception), wrong (a failed check, a changed value), slow (a case over --slow ms,
// the "hang" threshold) and killed (no answer after --kill ms: the worker is ended and
// replaced). Every failing input goes to OUT/failures.jsonl; the first few of each
// kind of failure also as a readable file; OUT/summary.json has the counts.
import { mkdirSync, appendFileSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as fc from 'fast-check';
import type { Corpus, MutatedCase, Outcome } from '../test/helpers/fuzz.js';
import { deriveAndCheck, genExpression, genSpec, loadCorpus, mutatedArb, parseAndRun, RULE_SETS, seededPick, simplifyKeepsValue } from '../test/helpers/fuzz.js';

type Kind = 'mutate' | 'derive' | 'simplify';

interface Case {
  readonly id: number;
  readonly kind: Kind;
  readonly file: string;
  /** The spec text (mutate, derive) or the expression (simplify). */
  readonly text: string;
  /** How to make it again: the seed and, for a mutation, the base file and the mutations. */
  readonly origin: string;
  readonly verify?: boolean;
  readonly present?: boolean;
  readonly N?: string;
  readonly ruleSet?: string;
  readonly seed?: number;
}

interface Answer {
  readonly id: number;
  readonly outcome: Outcome;
  readonly ms: number;
}

function runCase(c: Case): Outcome {
  switch (c.kind) {
    case 'mutate': return parseAndRun(c.file, c.text, { ...(c.verify && { verify: true }), ...(c.present && { present: true }) });
    case 'derive': return deriveAndCheck(c.file, c.text);
    case 'simplify': return simplifyKeepsValue(c.text, c.N!, c.ruleSet!, c.seed!);
  }
}

/** The first run compiles the grammar and JITs the engine: done before any case is timed. */
function warmUp(): void {
  const warm = deriveAndCheck('warm.layer', 'input x[n]\nparam w[2]\ny[j] = sum(k, w[k] * x[j + k - 1])\noutput y\n');
  if (warm.kind !== 'ok') throw new Error(`warm-up failed: ${JSON.stringify(warm)}`);
}

/** A case's outcome (an exception the oracles let through is a crash) and its time. */
function timed(c: Case): { readonly outcome: Outcome; readonly ms: number } {
  const t0 = performance.now();
  let outcome: Outcome;
  try {
    outcome = runCase(c);
  } catch (e) {
    outcome = { kind: 'crash', detail: `the harness caught: ${(e as Error)?.stack ?? String(e)}` };
  }
  return { outcome, ms: performance.now() - t0 };
}

if (!isMainThread) {
  // a worker: warm up, then answer cases
  warmUp();
  parentPort!.on('message', (c: Case) => parentPort!.postMessage({ id: c.id, ...timed(c) } satisfies Answer));
  parentPort!.postMessage({ ready: true, worker: workerData });
} else if (process.argv.includes('--replay')) {
  replay(arg('replay', 'fuzz-out/failures.jsonl'), Number(arg('slow', '2000')));
} else {
  await main();
}

/** Each case of a failures.jsonl run again in this thread; a line per case and the counts. */
function replay(file: string, slowMs: number): void {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
  warmUp();
  const counts = new Map<string, number>();
  let slowest = 0;
  lines.forEach((line, i) => {
    const r = JSON.parse(line) as Case & { outcome: string; ms: number };
    const { outcome, ms } = timed(r);
    slowest = Math.max(slowest, ms);
    const now = outcome.kind === 'ok' && ms > slowMs ? 'slow' : outcome.kind;
    counts.set(`${r.outcome} → ${now}`, (counts.get(`${r.outcome} → ${now}`) ?? 0) + 1);
    console.log(`${i + 1}\t${r.kind}\t${r.outcome} (${r.ms} ms) → ${now} (${Math.round(ms)} ms)${now === 'ok' || now === 'rejected' ? '' : `\t${(outcome.detail ?? '').split('\n')[0]}`}`);
  });
  console.log(JSON.stringify({ file, cases: lines.length, slowMs, slowestMs: Math.round(slowest), outcomes: Object.fromEntries([...counts].sort()) }, null, 2));
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '600'));
  const seed = Number(arg('seed', '1'));
  const workers = Number(arg('workers', String(Math.max(1, cpus().length))));
  const slowMs = Number(arg('slow', '2000'));
  const killMs = Number(arg('kill', '60000'));
  const out = arg('out', 'fuzz-out');
  const mix = arg('mix', '10:1:1').split(':').map(Number) as [number, number, number];
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  console.log(`fuzz: ${seconds} s, seed ${seed}, ${workers} worker(s), slow > ${slowMs} ms, killed after ${killMs} ms, mix mutate:derive:simplify = ${mix.join(':')}, out ${out}/`);

  const corpus: Corpus = loadCorpus('derivations');
  const source = caseSource(corpus, seed, mix);

  const stats = new Map<Kind, Map<string, number>>();
  const times = new Map<Kind, number>();
  const bump = (k: Kind, what: string): void => {
    const m = stats.get(k) ?? new Map<string, number>();
    m.set(what, (m.get(what) ?? 0) + 1);
    stats.set(k, m);
  };
  const signatures = new Map<string, number>();
  const record = (c: Case, what: string, detail: string, ms: number): void => {
    const sig = `${c.kind}-${what}: ${signature(detail)}`;
    const n = (signatures.get(sig) ?? 0) + 1;
    signatures.set(sig, n);
    appendFileSync(join(out, 'failures.jsonl'), JSON.stringify({ kind: c.kind, outcome: what, signature: sig, ms: Math.round(ms), origin: c.origin, file: c.file, text: c.text, detail, ...(c.N && { N: c.N, ruleSet: c.ruleSet, seed: c.seed }), verify: !!c.verify, present: !!c.present }) + '\n');
    if (n <= 5) {
      const base = join(out, `${c.kind}-${what}-${[...signatures.keys()].indexOf(sig) + 1}-${n}`);
      writeFileSync(`${base}.layer`, c.text);
      writeFileSync(`${base}.txt`, `${sig}\n\noutcome: ${what} after ${Math.round(ms)} ms\norigin: ${c.origin}\nverify: ${!!c.verify}, present: ${!!c.present}${c.N ? `\nN: ${c.N}, rule set: ${c.ruleSet}, seed: ${c.seed}` : ''}\n\n${detail}\n`);
    }
  };

  const start = Date.now();
  const deadline = start + seconds * 1000;
  let done = 0;
  const here = fileURLToPath(import.meta.url);

  await new Promise<void>((resolveAll) => {
    let live = 0;
    const spawn = (slot: number): void => {
      live++;
      const w = new Worker(here, { workerData: slot });
      let current: { c: Case; t0: number; slowNoted: boolean } | undefined;
      let timer: NodeJS.Timeout | undefined;
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        if (timer) clearInterval(timer);
        live--;
        if (live === 0) resolveAll();
      };
      const next = (): void => {
        if (Date.now() >= deadline) {
          void w.terminate();
          finish();
          return;
        }
        const c = source();
        current = { c, t0: Date.now(), slowNoted: false };
        w.postMessage(c);
      };
      timer = setInterval(() => {
        if (!current) return;
        const age = Date.now() - current.t0;
        if (age > killMs) {
          const c = current.c;
          current = undefined;
          bump(c.kind, 'killed');
          record(c, 'killed', `no answer after ${killMs} ms`, age);
          done++;
          void w.terminate();
          finish();
          if (Date.now() < deadline) spawn(slot);
        }
      }, 250);
      w.on('message', (m: Answer | { ready: true }) => {
        if ('ready' in m) return next();
        if (!current || m.id !== current.c.id) return;
        const { c } = current;
        current = undefined;
        done++;
        times.set(c.kind, (times.get(c.kind) ?? 0) + m.ms);
        bump(c.kind, 'cases');
        bump(c.kind, m.outcome.kind);
        if (m.outcome.kind === 'crash' || m.outcome.kind === 'wrong' || (m.outcome.kind === 'rejected' && c.kind !== 'mutate')) {
          record(c, m.outcome.kind, m.outcome.detail, m.ms);
        }
        if (m.ms > slowMs) {
          bump(c.kind, 'slow');
          record(c, 'slow', `${Math.round(m.ms)} ms (${m.outcome.kind}${m.outcome.detail ? `: ${m.outcome.detail.slice(0, 300)}` : ''})`, m.ms);
        }
        next();
      });
      w.on('error', (e) => {
        if (current) {
          bump(current.c.kind, 'cases');
          bump(current.c.kind, 'crash');
          record(current.c, 'crash', `the worker died: ${e.stack ?? e.message}`, Date.now() - current.t0);
          current = undefined;
          done++;
        } else {
          console.error(`worker ${slot}: ${e.stack ?? e.message}`);
        }
        finish();
        if (Date.now() < deadline) spawn(slot);
      });
      w.on('exit', () => finish());
    };
    for (let k = 0; k < workers; k++) spawn(k);
    const progress = setInterval(() => {
      const s = (Date.now() - start) / 1000;
      console.log(`${s.toFixed(0)} s: ${done} cases (${(done / s).toFixed(1)}/s) ${line(stats)}`);
      writeSummary();
      if (Date.now() >= deadline + killMs + 5000) resolveAll();
    }, 30_000);
    progress.unref();
  });

  const summary = writeSummary();
  console.log(JSON.stringify(summary, null, 2));
  process.exit(0);

  /** The counts so far, to OUT/summary.json (also at every progress line, so a killed run leaves its numbers). */
  function writeSummary(): object {
    const elapsed = (Date.now() - start) / 1000;
    const summary = {
      command: process.argv.slice(1).join(' '),
      node: process.version,
      cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
      seconds: Math.round(elapsed),
      seed,
      workers,
      slowMs,
      killMs,
      cases: done,
      casesPerSecond: +(done / elapsed).toFixed(2),
      byKind: Object.fromEntries([...stats].map(([k, m]) => [k, { ...Object.fromEntries(m), meanMs: Math.round((times.get(k) ?? 0) / (m.get('cases') ?? 1)) }])),
      failures: Object.fromEntries([...signatures].sort((a, b) => b[1] - a[1])),
    };
    writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    return summary;
  }
}

function line(stats: Map<Kind, Map<string, number>>): string {
  return [...stats].map(([k, m]) => `${k}: ${[...m].map(([w, n]) => `${w} ${n}`).join(', ')}`).join(' | ');
}

/** A failure's message with numbers, names in brackets and positions taken out, to group repeats. */
function signature(detail: string): string {
  const lines = detail.split('\n');
  // a failed check: its first failing form says what went wrong
  const first = lines[0]!.startsWith('check failed') && lines[1] ? lines[1] : lines[0]!;
  return first
    .replace(/^[^:\s]*\.layer:\d+:\d+: /, '')
    .replace(/^\S+ (local|closed|inner|elementwise|recurrence): /, '')
    .replace(/-?\d+(\.\d+)?(e[-+]?\d+)?/g, '#')
    .replace(/\b[a-zA-Z]\w*\[/g, 'T[')
    .slice(0, 160);
}

/** An endless, deterministic stream of cases: the kinds interleaved by `mix`, each from its own seed. */
function caseSource(corpus: Corpus, seed: number, mix: readonly [number, number, number]): () => Case {
  const kinds: Kind[] = [...Array<Kind>(mix[0]).fill('mutate'), ...Array<Kind>(mix[1]).fill('derive'), ...Array<Kind>(mix[2]).fill('simplify')];
  const arb = mutatedArb(corpus);
  let batch: MutatedCase[] = [];
  let batchNo = 0;
  let inBatch = 0;
  let id = 0;
  const ruleSets = Object.keys(RULE_SETS);
  return () => {
    const kind = kinds[id % kinds.length]!;
    const caseSeed = (seed * 1_000_003 + id * 7919) >>> 0;
    id++;
    if (kind === 'mutate') {
      if (inBatch >= batch.length) {
        batch = fc.sample(arb, { seed: seed * 100_000 + batchNo, numRuns: 500 });
        batchNo++;
        inBatch = 0;
      }
      const m = batch[inBatch]!;
      const origin = `fc.sample(mutatedArb(corpus), { seed: ${seed * 100_000 + batchNo - 1}, numRuns: 500 })[${inBatch}]: ${m.base} with ${JSON.stringify(m.mutations).slice(0, 2000)}`;
      inBatch++;
      const r = seededPick(caseSeed);
      const how = r.int(0, 19);
      return { id, kind, file: m.file, text: m.text, origin, verify: how === 0, present: how === 1 || how === 2 };
    }
    if (kind === 'derive') {
      const g = genSpec(seededPick(caseSeed));
      return { id, kind, file: 'gen.layer', text: g.text, origin: `genSpec(seededPick(${caseSeed}))` };
    }
    const p = seededPick(caseSeed);
    const e = genExpression(p);
    const ruleSet = p.pick(ruleSets);
    return { id, kind, file: 'expr.layer', text: e.text, N: e.N, ruleSet, seed: caseSeed, origin: `genExpression(seededPick(${caseSeed})), rule set ${ruleSet}` };
  };
}
