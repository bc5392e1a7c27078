// What `gradproof train` prints: the settings, a sparkline and a sampled table of the
// loss, the final loss and the fitted params; the --curve CSV; the table of a
// comparison. Numbers are printed to fixed digits, so the same run prints the same bytes.
import type { Tensor } from '../graph/graph.js';
import { extentOf } from '../numeric/evaluate.js';
import type { TrainArgs } from './command.js';
import type { Dataset } from './data.js';
import { labelsOf } from './data.js';
import type { Hyper } from './optimizers.js';
import { defaultsOf, momentumOf } from './optimizers.js';
import type { Problem, RunResult } from './train.js';
import { finalLoss } from './train.js';

/** Every number the same way on every machine: 6 significant digits. */
export const num = (x: number): string => (Number.isFinite(x) ? x.toExponential(5) : String(x));

export const describeData = (d: Dataset, a: TrainArgs): string =>
  `${d.source}${d.sizes.size ? ` at ${[...d.sizes].map(([k, v]) => `${k} = ${v}`).join(', ')}` : ''}${a.teacher ? ` (seed ${a.seed})` : ''}`;

export function describeSchedule(a: TrainArgs): string {
  const p = [a.gamma !== undefined && `γ = ${a.gamma}`, a.every !== undefined && `every ${a.every}`, a.lrMin !== undefined && `η_min = ${a.lrMin}`, a.warmup !== undefined && `warm-up ${a.warmup}`].filter(Boolean);
  return `${a.schedule}${p.length ? ` (${p.join(', ')})` : ''}${a.batch ? `, batches of ${a.batch}` : ', full batch'}`;
}

/** `[3]`, `[2, 4]`: a tensor's extents at these sizes; nothing for a scalar. */
function shapeOf(t: Tensor, sizes: ReadonlyMap<string, bigint>): string {
  if (!t.dims.length) return '';
  const { lo, hi } = extentOf(t, sizes);
  return `[${lo.map((l, k) => String(hi[k]! - l + 1n)).join(', ')}]`;
}

const SPARK = '▁▂▃▄▅▆▇█';

/** log10 of the loss at up to 48 evenly spaced steps, as block characters. */
export function sparkline(losses: ArrayLike<number>): string {
  const n = losses.length;
  const picks = Array.from({ length: Math.min(48, n) }, (_, k) => losses[Math.round((k * (n - 1)) / Math.max(1, Math.min(48, n) - 1))]!);
  const logs = picks.map((l) => (l > 0 && Number.isFinite(l) ? Math.log10(l) : l === 0 ? -Infinity : Infinity));
  const finite = logs.filter(Number.isFinite);
  const [lo, hi] = [Math.min(...finite), Math.max(...finite)];
  return logs.map((v) => (v === Infinity ? '█' : v === -Infinity ? '▁' : SPARK[hi > lo ? Math.round(((v - lo) / (hi - lo)) * 7) : 0])).join('');
}

export function report(a: TrainArgs, p: Problem, d: Dataset, r: RunResult): string {
  const T = r.losses.length - 1;
  const h: Hyper = { ...defaultsOf(r.spec.optimizer), ...r.spec.hyper };
  const hyper = Object.entries(h).map(([k, v]) => `${k} ${v}`).join(', ');
  const sizes = new Map(Object.entries(p.sizes).map(([k, v]) => [k, BigInt(v)]));
  const lines = [
    `gradproof train ${a.file}`,
    `  data       ${describeData(d, a)}`,
    `  params     ${p.slots.map((s) => s.tensor.name + shapeOf(s.tensor, sizes)).join(', ')}: ${p.slots.reduce((n, s) => n + s.length, 0)} numbers from uniform [−0.5, 0.5] (seed ${a.seed})`,
    `  optimizer  ${r.spec.optimizer} (lr ${a.lr}${hyper ? `, ${hyper}` : ''}), schedule ${describeSchedule(a)}, ${a.steps} steps, gradient of the mean loss`,
    `loss  ${sparkline(r.losses)}  (log scale)`,
    `  step  lr            loss`,
  ];
  const rows = [...new Set(Array.from({ length: 11 }, (_, k) => Math.round((k * T) / 10)))];
  for (const t of rows) lines.push(`  ${String(t).padStart(4)}  ${(t < r.lrs.length ? num(r.lrs[t]!) : '').padEnd(12)}  ${num(r.losses[t]!)}`);
  const f = finalLoss(r);
  lines.push(f === undefined ? `diverged at step ${r.diverged}: the loss reached ${num(r.losses[r.losses.length - 1]!)} (try a lower --lr)` : `final loss ${num(f)}`);
  lines.push('params:');
  for (const s of p.slots) {
    const labels = labelsOf(s.tensor, sizes);
    const truth = d.truth?.get(s.tensor.name);
    labels.forEach((label, i) => lines.push(`  ${label} = ${num(r.theta[s.offset + i]!)}${truth ? `   (teacher's ${num(truth[i]!)})` : ''}`));
  }
  return lines.join('\n');
}

/** --curve: step, its learning rate and J(θ_step); the last row is J after the last step. */
export function curveCsv(r: RunResult): string {
  const rows = ['step,lr,loss'];
  for (let t = 0; t < r.losses.length; t++) rows.push(`${t},${t < r.lrs.length ? r.lrs[t] : ''},${r.losses[t]}`);
  return `${rows.join('\n')}\n`;
}

export function compareTable(results: readonly RunResult[]): string {
  const lines = ['optimizer      momentum  lr        final loss'];
  for (const r of results) {
    const key = momentumOf(r.spec.optimizer);
    const m = key ? String(r.spec.hyper[key] ?? defaultsOf(r.spec.optimizer)[key]) : '';
    const f = finalLoss(r);
    lines.push(`${r.spec.optimizer.padEnd(15)}${m.padEnd(10)}${String(r.spec.scheduleParams.lr).padEnd(10)}${f === undefined ? `diverged at step ${r.diverged}` : num(f)}`);
  }
  return lines.join('\n');
}
