// `gradproof train FILE …` and `gradproof train FILE --compare …`: the flags, the run(s),
// and what is printed. A bad flag or value, or bad data, is one line on stderr and exit
// 2, never a stack trace. stdout is the same bytes for the same flags (the progress
// bar goes to stderr, and only when stderr is a terminal).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { compareHtml } from '../render/compare.js';
import { terminalText } from '../render/terminal.js';
import { SpecError } from '../syntax/errors.js';
import type { Dataset, TeacherSpec } from './data.js';
import { MAX_EXAMPLES, readData, teacher } from './data.js';
import { loadModel, TrainError } from './model.js';
import type { OptimizerName } from './optimizers.js';
import { momentumOf, OPTIMIZER_NAMES } from './optimizers.js';
import { compareTable, curveCsv, describeData, describeSchedule, num, report } from './report.js';
import type { ScheduleName, ScheduleParams } from './schedules.js';
import { SCHEDULE_NAMES } from './schedules.js';
import type { RunSpec } from './train.js';
import { fit, initialParams, MAX_PASSES, MAX_STEPS, problemOf } from './train.js';

export const MAX_RUNS = 64;

export const TRAIN_USAGE = `usage:
  gradproof train FILE (--data FILE.csv|FILE.json | --teacher PRED=TARGET [--examples 64])
      [--optimizer ${OPTIMIZER_NAMES.join('|')}]
      [--lr 0.01] [--momentum M] [--weight-decay 0.01]
      [--schedule ${SCHEDULE_NAMES.join('|')}] [--gamma G] [--every K] [--lr-min 0] [--warmup W]
      [--steps 500] [--batch B] [--size n=4] [--seed S] [--curve out.csv]
  gradproof train FILE (--data … | --teacher …) --compare [--optimizers momentum,adam]
      [--lrs 0.001,0.01,0.1] [--momenta 0.5,0.9,0.99] [the schedule's flags] [-o page.html]

Fits the params of FILE (a spec with a concrete \`loss\`) with its compiled gradients.
The step's gradient is that of the mean loss over the batch (every example unless
--batch B). --teacher y=t: random true params make the input t from the prediction y
(--size fixes sizes the spec leaves symbolic). CSV: a header row, columns named t,
x[1], x[2], … ("W[1,2]" quoted). JSON: {"x": [[…], …], "t": […]}. --momentum sets μ
(momentum, nesterov), β (momentum-ema) or β₁ (adam, adamw). --compare runs every
optimizer × η₀ × momentum from the same start and writes one HTML page.
Limits: ${MAX_STEPS} steps, ${MAX_EXAMPLES} examples, ${MAX_PASSES} example passes (steps × batch,
summed over the runs), ${MAX_RUNS} runs.`;

export interface TrainArgs {
  file?: string;
  data?: string;
  teacher?: TeacherSpec;
  examples?: number;
  sizes: Map<string, bigint>;
  seed: string;
  optimizer: OptimizerName;
  lr: number;
  momentum?: number;
  weightDecay?: number;
  schedule: ScheduleName;
  gamma?: number;
  every?: number;
  lrMin?: number;
  warmup?: number;
  steps: number;
  batch?: number;
  curve?: string;
  compare: boolean;
  optimizers?: OptimizerName[];
  lrs?: number[];
  momenta?: number[];
  output?: string;
}

const positive = (flag: string, v: string): number => {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x <= 0) throw new TrainError(`${flag} takes a positive number, got "${v}"`);
  return x;
};
const nonNegative = (flag: string, v: string): number => {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x < 0) throw new TrainError(`${flag} takes a number ≥ 0, got "${v}"`);
  return x;
};
const fraction = (flag: string, v: string): number => {
  const x = Number(v);
  if (v.trim() === '' || !(x >= 0 && x < 1)) throw new TrainError(`${flag} takes a number in [0, 1), got "${v}"`);
  return x;
};
const whole = (flag: string, v: string, lo: number, hi: number): number => {
  if (!/^\d+$/.test(v) || Number(v) < lo || Number(v) > hi) throw new TrainError(`${flag} takes a whole number from ${lo} to ${hi}, got "${v}"`);
  return Number(v);
};
const oneOf = <T extends string>(flag: string, v: string, names: readonly T[]): T => {
  const n = names.find((x) => x === v);
  if (!n) throw new TrainError(`${flag} takes ${names.join(', ')}, got "${v}"`);
  return n;
};
const list = <T>(flag: string, v: string, item: (s: string) => T): T[] => {
  const items = v.split(',').map((s) => item(s.trim()));
  if (new Set(items).size !== items.length) throw new TrainError(`${flag} lists a value twice: "${v}"`);
  return items;
};

const VALUED = ['--data', '--teacher', '--examples', '--size', '--seed', '--optimizer', '--lr', '--momentum', '--weight-decay', '--schedule', '--gamma', '--every', '--lr-min', '--warmup', '--steps', '--batch', '--curve', '--optimizers', '--lrs', '--momenta', '-o', '--output'];

export function parseTrainArgs(argv: readonly string[]): TrainArgs {
  const a: TrainArgs = { sizes: new Map(), seed: '1', optimizer: 'sgd', lr: 0.01, schedule: 'constant', steps: 500, compare: false };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i]!;
    let v: string | undefined;
    const eq = flag.indexOf('=');
    if (flag.startsWith('--') && eq > 0) [flag, v] = [flag.slice(0, eq), flag.slice(eq + 1)];
    if (flag === '--compare') {
      a.compare = true;
      continue;
    }
    if (!flag.startsWith('-')) {
      if (a.file) throw new TrainError(`train takes one FILE, got ${a.file} and ${flag}`);
      a.file = flag;
      continue;
    }
    if (!VALUED.includes(flag)) throw new TrainError(`unknown option ${flag}`);
    if (v === undefined) v = argv[++i];
    if (v === undefined) throw new TrainError(`${flag} needs a value`);
    if (seen.has(flag) && flag !== '--size') throw new TrainError(`${flag} is given twice`);
    seen.add(flag);
    switch (flag) {
      case '--data': a.data = v; break;
      case '--teacher': {
        const m = /^\s*([\p{L}_][\p{L}\p{N}_.]*)\s*=\s*([\p{L}_][\p{L}\p{N}_.]*)\s*$/u.exec(v);
        if (!m) throw new TrainError(`--teacher takes PRED=TARGET (a tensor the spec computes = an input), got "${v}"`);
        a.teacher = { prediction: m[1]!, target: m[2]! };
        break;
      }
      case '--examples': a.examples = whole(flag, v, 1, MAX_EXAMPLES); break;
      case '--size':
        for (const part of v.split(',')) {
          const m = /^\s*([\p{L}_][\p{L}\p{N}_]*)\s*=\s*(\d{1,6})\s*$/u.exec(part);
          if (!m || BigInt(m[2]!) < 1n) throw new TrainError(`--size takes NAME=N with N a positive integer, got "${part}"`);
          a.sizes.set(m[1]!, BigInt(m[2]!));
        }
        break;
      case '--seed': a.seed = v; break;
      case '--optimizer': a.optimizer = oneOf(flag, v, OPTIMIZER_NAMES); break;
      case '--lr': a.lr = positive(flag, v); break;
      case '--momentum': a.momentum = fraction(flag, v); break;
      case '--weight-decay': a.weightDecay = nonNegative(flag, v); break;
      case '--schedule': a.schedule = oneOf(flag, v, SCHEDULE_NAMES); break;
      case '--gamma': a.gamma = positive(flag, v); break;
      case '--every': a.every = whole(flag, v, 1, MAX_STEPS); break;
      case '--lr-min': a.lrMin = nonNegative(flag, v); break;
      case '--warmup': a.warmup = whole(flag, v, 1, MAX_STEPS); break;
      case '--steps': a.steps = whole(flag, v, 1, MAX_STEPS); break;
      case '--batch': a.batch = whole(flag, v, 1, MAX_EXAMPLES); break;
      case '--curve': a.curve = v; break;
      case '--optimizers': a.optimizers = list(flag, v, (s) => oneOf(flag, s, OPTIMIZER_NAMES)); break;
      case '--lrs': a.lrs = list(flag, v, (s) => positive(flag, s)); break;
      case '--momenta': a.momenta = list(flag, v, (s) => fraction(flag, s)); break;
      default: a.output = v;
    }
  }
  if (!a.file) throw new TrainError('train needs a FILE (a .layer spec with a concrete loss)');
  if (!a.data === !a.teacher) throw new TrainError(a.data ? 'give --data or --teacher, not both' : 'train needs examples: --data FILE or --teacher PRED=TARGET');
  if (a.examples !== undefined && !a.teacher) throw new TrainError('--examples is for --teacher (a data file has its own examples)');
  if (a.warmup !== undefined && a.warmup >= a.steps) throw new TrainError(`--warmup must be below --steps (${a.steps}), got ${a.warmup}`);
  const grid = ['--optimizers', '--lrs', '--momenta', '-o', '--output'].find((f) => seen.has(f));
  const single = ['--optimizer', '--lr', '--momentum', '--curve'].find((f) => seen.has(f));
  if (!a.compare && grid) throw new TrainError(`${grid} is for --compare`);
  if (a.compare && single) throw new TrainError(`with --compare, give ${single === '--curve' ? 'no --curve (the page has the curves)' : `${single}s (a list)`} instead of ${single}`);
  if (!a.compare && a.momentum !== undefined && !momentumOf(a.optimizer)) throw new TrainError(`--momentum: ${a.optimizer} has no momentum (it is for ${OPTIMIZER_NAMES.filter(momentumOf).join(', ')})`);
  if (a.weightDecay !== undefined && !(a.compare ? a.optimizers ?? [] : [a.optimizer]).includes('adamw')) throw new TrainError('--weight-decay is for adamw');
  return a;
}

/** The runs asked for: one, or every optimizer × momentum × η₀ of --compare (momentum only where the optimizer has one). */
function runSpecs(a: TrainArgs): RunSpec[] {
  const schedule = (lr: number): ScheduleParams => ({ lr, steps: a.steps, ...(a.gamma !== undefined && { gamma: a.gamma }), ...(a.every !== undefined && { every: a.every }), ...(a.lrMin !== undefined && { lrMin: a.lrMin }), ...(a.warmup !== undefined && { warmup: a.warmup }) });
  const spec = (optimizer: OptimizerName, lr: number, m: number | undefined): RunSpec => {
    const key = momentumOf(optimizer);
    const hyper: Record<string, number> = {};
    if (key && m !== undefined) hyper[key] = m;
    if (optimizer === 'adamw' && a.weightDecay !== undefined) hyper['weight_decay'] = a.weightDecay;
    return { optimizer, hyper, schedule: a.schedule, scheduleParams: schedule(lr), ...(a.batch !== undefined && { batch: a.batch }) };
  };
  if (!a.compare) return [spec(a.optimizer, a.lr, a.momentum)];
  const optimizers = a.optimizers ?? ['momentum'];
  const lrs = a.lrs ?? [0.001, 0.01, 0.1];
  const momenta = a.momenta ?? [0.5, 0.9, 0.99];
  const runs = optimizers.flatMap((o) => (momentumOf(o) ? momenta : [undefined]).flatMap((m) => lrs.map((lr) => spec(o, lr, m))));
  if (runs.length > MAX_RUNS) throw new TrainError(`--compare would make ${runs.length} runs (the limit is ${MAX_RUNS})`);
  return runs;
}

/** The passes budget is for the whole command: a comparison shares it among its runs. */
function checkBudget(specs: readonly RunSpec[], examples: number): void {
  const passes = specs.reduce((n, s) => n + s.scheduleParams.steps * Math.min(s.batch ?? examples, examples), 0);
  if (passes > MAX_PASSES) throw new TrainError(`${specs.length} run${specs.length === 1 ? '' : 's'} of ${specs[0]!.scheduleParams.steps} steps over ${examples} examples make ${passes} example passes (the limit is ${MAX_PASSES}: fewer steps, runs or examples, or --batch)`);
}

export interface TrainIo {
  out(s: string): void;
  err(s: string): void;
  /** Draw a progress bar on stderr (only when it is a terminal). */
  readonly progress: boolean;
}

export function trainCommand(argv: readonly string[], given: TrainIo): number {
  if (argv.includes('--help') || argv.includes('-h')) return given.out(`${TRAIN_USAGE}\n`), 0;
  // file names, column names and lines of the files reach the terminal (the report, the
  // compare page, errors): no control character as such (render/terminal.ts); the
  // progress bar writes its own \r and ESC
  const io: TrainIo = { ...given, out: (s) => given.out(terminalText(s)), err: (s) => given.err(terminalText(s)) };
  try {
    const a = parseTrainArgs(argv);
    const specs = runSpecs(a);
    let text: string;
    try {
      text = readFileSync(a.file!, 'utf8');
    } catch {
      throw new TrainError(`cannot read ${a.file}`);
    }
    const model = loadModel(a.file!, text);
    const data: Dataset = a.data ? readData(model, a.data, a.sizes) : teacher(model, a.teacher!, a.sizes, a.examples ?? 64, a.seed);
    checkBudget(specs, data.examples.length);
    const problem = problemOf(model, data, a.seed);
    const theta0 = initialParams(problem);
    const bar = a.compare || !io.progress ? undefined : progressBar(given, a.steps);
    const results = specs.map((s) => fit(problem, s, theta0, bar));
    if (bar) given.err('\r\x1b[K');
    if (a.compare) {
      const page = compareHtml({ file: a.file!, data: describeData(data, a), schedule: describeSchedule(a), steps: a.steps, runs: results });
      if (!a.output) return io.out(page), 0;
      write(a.output, page);
      io.out(`${compareTable(results)}\n`);
      io.err(`wrote ${a.output}\n`);
      return 0;
    }
    const r = results[0]!;
    io.out(`${report(a, problem, data, r)}\n`);
    if (a.curve) {
      write(a.curve, curveCsv(r));
      io.err(`wrote ${a.curve}\n`);
    }
    return r.diverged === undefined ? 0 : 1;
  } catch (e) {
    if (e instanceof TrainError) io.err(`gradproof train: ${e.message} (gradproof train --help)\n`);
    else if (e instanceof SpecError) io.err(`${e.message}\n`);
    else io.err(`gradproof train: internal error: ${(e as Error).message}\n`);
    return 2;
  }
}

function write(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (e) {
    throw new TrainError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

function progressBar(io: TrainIo, T: number): (t: number, loss: number) => void {
  const every = Math.max(1, Math.floor(T / 100));
  return (t, loss) => {
    if (t % every !== 0 && t !== T) return;
    const done = Math.round((30 * t) / T);
    io.err(`\r[${'#'.repeat(done)}${' '.repeat(30 - done)}] step ${t}/${T}  loss ${num(loss)}`);
  };
}
