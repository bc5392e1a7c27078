// `gradproof train --compare`: one self-contained HTML page for a grid of runs
// (optimizers × learning rates × momenta): the loss curves on a log scale, the learning
// rates, a table per optimizer, and what they say about the homework's Q2 (a). The plots
// are inline SVG written here (no library, nothing fetched). Colour is the optimizer
// and its momentum, the dash pattern the learning rate, in both plots. Every string
// from the user (the file's name, the data's) is escaped; nothing varies between runs
// of the same command (no dates, numbers printed to fixed digits).
import type { RunResult } from '../train/train.js';
import { finalLoss } from '../train/train.js';
import type { OptimizerName } from '../train/optimizers.js';
import { defaultsOf, momentumOf, titleOf } from '../train/optimizers.js';
import { scheduleOf } from '../train/schedules.js';
import { escapeHtml } from './documents.js';

export interface Comparison {
  readonly file: string;
  /** Where the examples came from ("teacher y=t, 64 examples"). */
  readonly data: string;
  /** The schedule in words ("cosine to 0 over 300 steps"). */
  readonly schedule: string;
  readonly steps: number;
  readonly runs: readonly RunResult[];
}

const PALETTE = ['#4e79a7', '#e15759', '#59a14f', '#f28e2b', '#b07aa1', '#76b7b2', '#9c755f', '#d4a900', '#ff6f91', '#555555'];
const DASHES = ['', '8 4', '2 3', '12 3 2 3', '1 6', '6 2 6 6'];

const fmt = (x: number): string => (x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? String(Number(x.toPrecision(4))) : x.toExponential(2));
const momentum = (r: RunResult): number | undefined => {
  const key = momentumOf(r.spec.optimizer);
  return key === undefined ? undefined : r.spec.hyper[key] ?? defaultsOf(r.spec.optimizer)[key];
};
const MOMENTUM_SYMBOL: Record<string, string> = { mu: 'μ', beta: 'β', beta1: 'β₁' };
const groupOf = (r: RunResult): string => {
  const m = momentum(r);
  return m === undefined ? titleOf(r.spec.optimizer) : `${titleOf(r.spec.optimizer)}, ${MOMENTUM_SYMBOL[momentumOf(r.spec.optimizer)!]} = ${fmt(m)}`;
};
const labelOf = (r: RunResult): string => `${groupOf(r)}, η₀ = ${fmt(r.spec.scheduleParams.lr)}`;

/** The first t with J(θ_t) ≤ J(θ₀)/100, if any. */
function hundredth(r: RunResult): number | undefined {
  const goal = r.losses[0]! / 100;
  const t = r.losses.findIndex((l) => l <= goal);
  return t < 0 ? undefined : t;
}

/** Steps after which the loss went up: oscillation, or the start of a divergence. */
const rises = (r: RunResult): number => r.losses.reduce((n, l, t) => n + (t > 0 && l > r.losses[t - 1]! ? 1 : 0), 0);

// ── plots ─────────────────────────────────────────────────────────────────────────

interface Series {
  readonly ys: ArrayLike<number>;
  readonly color: string;
  readonly dash: string;
  readonly title: string;
  readonly diverged: boolean;
}

const W = 900;
const H = 300;
const M = { left: 70, right: 20, top: 14, bottom: 42 };
const SUPER: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };
const decade = (k: number): string => `10${[...String(k)].map((c) => SUPER[c]).join('')}`;
const px = (v: number): string => v.toFixed(1);

function niceStep(span: number, ticks: number): number {
  const raw = span / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
}

/** At most ~2 points per pixel column: each bucket's first, min, max and last in order, so oscillations stay visible. */
function thin(ys: ArrayLike<number>, buckets: number): [number, number][] {
  const n = ys.length;
  if (n <= buckets * 2) return Array.from({ length: n }, (_, t) => [t, ys[t]!]);
  const out: [number, number][] = [];
  for (let b = 0; b < buckets; b++) {
    const [a, z] = [Math.floor((b * n) / buckets), Math.floor(((b + 1) * n) / buckets)];
    let [lo, hi] = [a, a];
    for (let t = a; t < z; t++) {
      if (ys[t]! < ys[lo]!) lo = t;
      if (ys[t]! > ys[hi]!) hi = t;
    }
    for (const t of [...new Set([a, lo, hi, z - 1])].sort((x, y) => x - y)) out.push([t, ys[t]!]);
  }
  return out;
}

/** A line plot over t = 0..T; log y clamps values to [lo, hi] (the clip shows where a curve leaves). */
function plot(id: string, series: readonly Series[], T: number, y: { log: boolean; lo: number; hi: number; label: string }): string {
  const [x0, x1, y0, y1] = [M.left, W - M.right, H - M.bottom, M.top];
  const sx = (t: number): number => x0 + ((x1 - x0) * t) / Math.max(T, 1);
  const f = (v: number): number => (y.log ? Math.log10(v) : v);
  const [flo, fhi] = [f(y.lo), f(y.hi)];
  const sy = (v: number): number => {
    const c = Number.isFinite(v) ? Math.min(Math.max(f(Math.max(v, y.log ? y.lo : -Infinity)), flo), fhi) : fhi;
    return y0 - ((y0 - y1) * (c - flo)) / (fhi - flo);
  };
  const out = [`<svg id="${id}" class="plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" xmlns="http://www.w3.org/2000/svg">`];
  out.push(`<defs><clipPath id="${id}-clip"><rect x="${x0}" y="${y1 - 4}" width="${x1 - x0 + 4}" height="${y0 - y1 + 8}"/></clipPath></defs>`);
  // grid and axes
  const xs = niceStep(T, 8);
  for (let t = 0; t <= T; t += xs) out.push(`<line class="grid" x1="${px(sx(t))}" y1="${y0}" x2="${px(sx(t))}" y2="${y1}"/><text class="tick" x="${px(sx(t))}" y="${y0 + 16}" text-anchor="middle">${t}</text>`);
  if (y.log) {
    const step = Math.max(1, Math.ceil((fhi - flo) / 10));
    for (let k = Math.ceil(flo); k <= fhi; k += step) out.push(`<line class="grid" x1="${x0}" y1="${px(sy(10 ** k))}" x2="${x1}" y2="${px(sy(10 ** k))}"/><text class="tick" x="${x0 - 6}" y="${px(sy(10 ** k) + 4)}" text-anchor="end">${decade(k)}</text>`);
  } else {
    const ys = niceStep(y.hi - y.lo, 5);
    for (let v = 0; v <= y.hi + ys / 1e6; v += ys) out.push(`<line class="grid" x1="${x0}" y1="${px(sy(v))}" x2="${x1}" y2="${px(sy(v))}"/><text class="tick" x="${x0 - 6}" y="${px(sy(v) + 4)}" text-anchor="end">${fmt(Number(v.toPrecision(6)))}</text>`);
  }
  out.push(`<line class="axis" x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}"/><line class="axis" x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}"/>`);
  out.push(`<text class="label" x="${(x0 + x1) / 2}" y="${H - 6}" text-anchor="middle">step t</text>`);
  out.push(`<text class="label" transform="translate(16 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(y.label)}</text>`);
  out.push(`<g clip-path="url(#${id}-clip)">`);
  const crosses: string[] = [];
  for (const s of series) {
    // a curve that leaves the plot at the top (a divergence) is cut where it leaves
    const all = thin(s.ys, x1 - x0);
    const exit = all.findIndex(([, v]) => !(v <= y.hi));
    const pts = exit < 0 ? all : [...all.slice(0, exit), [all[exit]![0], y.hi] as [number, number]];
    if (!pts.length) continue;
    const d = pts.map(([t, v], i) => `${i ? 'L' : 'M'}${px(sx(t))} ${px(sy(v))}`).join('');
    out.push(`<path class="curve" d="${d}" stroke="${s.color}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}><title>${escapeHtml(s.title)}</title></path>`);
    if (s.diverged) {
      const [t, v] = pts[pts.length - 1]!;
      const [cx, cy] = [sx(t), sy(v)];
      crosses.push(`<path class="cross" d="M${px(cx - 5)} ${px(cy - 5)}L${px(cx + 5)} ${px(cy + 5)}M${px(cx - 5)} ${px(cy + 5)}L${px(cx + 5)} ${px(cy - 5)}" stroke="${s.color}"><title>${escapeHtml(s.title)}</title></path>`);
    }
  }
  out.push('</g>', ...crosses, '</svg>');
  return out.join('\n');
}

// ── the page ─────────────────────────────────────────────────────────────────────

const CSS = `body{font:15px/1.5 Georgia,serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-top:1px solid #ddd;padding-top:.8rem}
.plot{display:block;max-width:100%;height:auto;font:12px sans-serif}.plot .grid{stroke:#e6e6e6}.plot .axis{stroke:#444}
.plot .tick{fill:#555}.plot .label{fill:#222;font-size:13px}.plot .curve{fill:none;stroke-width:1.8;stroke-linejoin:round}.plot .cross{stroke-width:2.5}
.legend{padding:0;list-style:none;font-size:.9rem}.legend li{margin:.15rem 0}.legend .group{font-weight:bold;margin-right:.6rem}
.legend .entry{white-space:nowrap;margin-right:1.1rem}.legend svg{vertical-align:middle;margin-right:.3rem}h3{font-size:1.05rem;margin:1.2rem 0 .3rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{padding:.2rem .7rem;border-bottom:1px solid #eee;text-align:right}th:first-child,td:first-child{text-align:left}
.diverged{color:#a11;font-weight:bold}.note{color:#555;font-size:.9rem}`;

const swatch = (color: string, dash: string): string =>
  `<svg width="34" height="10" aria-hidden="true"><line x1="1" y1="5" x2="33" y2="5" stroke="${color}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/></svg>`;

function outcome(r: RunResult): string {
  const f = finalLoss(r);
  return f === undefined ? `<span class="diverged">diverged at step ${r.diverged}</span>` : fmt(f);
}

export function compareHtml(c: Comparison): string {
  const groups = [...new Set(c.runs.map(groupOf))];
  const lrs = [...new Set(c.runs.map((r) => r.spec.scheduleParams.lr))].sort((a, b) => a - b);
  const colorOf = (r: RunResult): string => PALETTE[groups.indexOf(groupOf(r)) % PALETTE.length]!;
  const dashOf = (lr: number): string => DASHES[lrs.indexOf(lr) % DASHES.length]!;
  const title = (r: RunResult): string => `${labelOf(r)}: ${finalLoss(r) === undefined ? `diverged at step ${r.diverged}` : `final loss ${fmt(finalLoss(r)!)}`}`;

  // the loss axis: from the smallest loss reached to 10× the largest of the runs that did not diverge
  const finite = c.runs.flatMap((r) => [...r.losses].filter((l) => Number.isFinite(l) && l > 0));
  const kept = c.runs.filter((r) => r.diverged === undefined).flatMap((r) => [...r.losses]);
  const top = Math.max(...(kept.length ? kept : [c.runs[0]?.losses[0] ?? 1]).filter(Number.isFinite), 1e-300);
  const lo = Math.max(finite.length ? Math.min(...finite) : 1e-12, top * 1e-16);
  const yLoss = { log: true, lo: 10 ** Math.floor(Math.log10(lo)), hi: 10 ** Math.ceil(Math.log10(top * 10)), label: 'mean loss J(θ_t), log scale' };
  const series = (r: RunResult): Series => ({ ys: r.losses, color: colorOf(r), dash: dashOf(r.spec.scheduleParams.lr), title: title(r), diverged: r.diverged !== undefined });
  // one plot per optimizer, all on the same axes; under each, a legend line per colour
  const lossPlots = [...new Set(c.runs.map((r) => r.spec.optimizer))].map((name) => {
    const mine = c.runs.filter((r) => r.spec.optimizer === name);
    const legend = [...new Set(mine.map(groupOf))].map((grp) => {
      const runs = mine.filter((r) => groupOf(r) === grp);
      const entries = runs.map((r) => `<span class="entry">${swatch(colorOf(r), dashOf(r.spec.scheduleParams.lr))}η₀ = ${fmt(r.spec.scheduleParams.lr)}: ${outcome(r)}</span>`);
      return `<li><span class="group" style="color:${colorOf(runs[0]!)}">${escapeHtml(grp)}</span> ${entries.join(' ')}</li>`;
    });
    return `<h3>${escapeHtml(titleOf(name))}</h3>\n${plot(`loss-${name}`, mine.map(series), c.steps, yLoss)}\n<ul class="legend">\n${legend.join('\n')}\n</ul>`;
  });
  // one learning-rate curve per η₀ (the schedule is the same for every run)
  const lrRuns = lrs.map((lr) => c.runs.find((r) => r.spec.scheduleParams.lr === lr)!);
  const lrCurves = lrRuns.map((r) => ({ ys: scheduleCurve(r, c.steps), color: '#333', dash: dashOf(r.spec.scheduleParams.lr), title: `η₀ = ${fmt(r.spec.scheduleParams.lr)}`, diverged: false }));
  const wide = lrs.length > 1 && lrs[lrs.length - 1]! / lrs[0]! >= 10;
  const lrHi = Math.max(...lrCurves.flatMap((s) => [...s.ys]));
  const lrPlot = plot('lr', lrCurves, c.steps, wide
    ? { log: true, lo: 10 ** Math.floor(Math.log10(lrs[0]! / 100)), hi: 10 ** Math.ceil(Math.log10(lrHi)), label: 'learning rate η_t, log scale' }
    : { log: false, lo: 0, hi: lrHi * 1.05, label: 'learning rate η_t' });

  const lrLegend = lrRuns.map((r) => `<span class="entry">${swatch('#333', dashOf(r.spec.scheduleParams.lr))}η₀ = ${fmt(r.spec.scheduleParams.lr)}</span>`).join(' ');

  const body = [
    `<h1>Optimizers compared on ${escapeHtml(c.file)}</h1>`,
    `<p>Data: ${escapeHtml(c.data)}. Every run starts from the same θ₀ and takes ${c.steps} steps; schedule: ${escapeHtml(c.schedule)}. J is the mean loss over the examples; a run has diverged when J is not finite or exceeds 10⁸·max(J(θ₀), 1); its curve is cut where it leaves the plot, with ✕. Colour: the optimizer and its momentum; dashes: the learning rate.</p>`,
    '<h2>Loss</h2>', ...lossPlots,
    '<h2>Learning rate</h2>', lrPlot, `<ul class="legend"><li>${lrLegend}</li></ul>`,
    wide ? '<p class="note">Log scale: a rate below the axis (a warm-up’s or an annealing’s 0) is drawn on it.</p>' : '',
    '<h2>Final loss</h2>', tables(c.runs),
    '<h2>The homework’s Q2 (a)</h2>', q2a(c.runs),
  ];
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(`gradproof train --compare: ${c.file}`)}</title>\n<style>${CSS}</style>\n</head>\n<body>\n${body.filter(Boolean).join('\n')}\n</body>\n</html>\n`;
}

/** η_t for t = 0..T − 1 from the run's schedule (a diverged run stopped early), the last held at T so the curve spans the axis. */
function scheduleCurve(r: RunResult, T: number): Float64Array {
  const eta = scheduleOf(r.spec.schedule, r.spec.scheduleParams);
  return Float64Array.from({ length: T + 1 }, (_, t) => eta(Math.min(t, T - 1)));
}

/** Per optimizer: momentum down, η₀ across; each cell the final loss, the step J fell to J₀/100, and the rises. */
function tables(runs: readonly RunResult[]): string {
  const out: string[] = [];
  for (const name of [...new Set(runs.map((r) => r.spec.optimizer))] as OptimizerName[]) {
    const mine = runs.filter((r) => r.spec.optimizer === name);
    const lrs = [...new Set(mine.map((r) => r.spec.scheduleParams.lr))].sort((a, b) => a - b);
    const ms = [...new Set(mine.map(momentum))];
    const key = momentumOf(name);
    out.push(`<table><caption>${escapeHtml(titleOf(name))}: final J (step where J ≤ J₀/100; steps where J rose)</caption>`);
    out.push(`<tr><th>${key ? MOMENTUM_SYMBOL[key] : ''}</th>${lrs.map((lr) => `<th>η₀ = ${fmt(lr)}</th>`).join('')}</tr>`);
    for (const m of ms) {
      const cells = lrs.map((lr) => {
        const r = mine.find((x) => momentum(x) === m && x.spec.scheduleParams.lr === lr);
        if (!r) return '<td></td>';
        const h = hundredth(r);
        return `<td>${outcome(r)} <span class="note">(${h === undefined ? '—' : h}; ${rises(r)})</span></td>`;
      });
      out.push(`<tr><td>${m === undefined ? '' : fmt(m)}</td>${cells.join('')}</tr>`);
    }
    out.push('</table>');
  }
  return out.join('\n');
}

/** The homework's sentence, and what the runs on this page say about it. */
function q2a(runs: readonly RunResult[]): string {
  const claim = '<p>The homework: momentum keeps a moving average of past gradients and the learning rate is the step size; <em>high momentum with a low learning rate converges slowly; low momentum with a high learning rate converges fast but can overshoot, oscillate or diverge</em>. In the heavy-ball form (b_t = μ·b_{t−1} + g_t) a steady gradient moves θ by η/(1 − μ) per step once b has built up, which takes about 1/(1 − μ) steps; the larger that effective step is against the loss’s curvature, the more the iterates overshoot.</p>';
  const heavy = runs.filter((r) => momentum(r) !== undefined);
  const family = heavy.filter((r) => r.spec.optimizer === (heavy.find((x) => x.spec.optimizer === 'momentum') ?? heavy[0])?.spec.optimizer);
  if (family.length < 2) return `${claim}\n<p class="note">Give --optimizers momentum with several --momenta and --lrs to see it on this problem.</p>`;
  const by = (f: (r: RunResult) => number): RunResult => family.reduce((a, b) => (f(b) > f(a) ? b : a));
  const slow = by((r) => momentum(r)! * 1e6 - r.spec.scheduleParams.lr);
  const fast = by((r) => -momentum(r)! * 1e6 + r.spec.scheduleParams.lr);
  const tell = (r: RunResult): string => {
    const h = hundredth(r);
    const f = finalLoss(r);
    const end = f === undefined ? `<span class="diverged">diverged at step ${r.diverged}</span>` : `ended at J = ${fmt(f)}`;
    return `${escapeHtml(labelOf(r))}: ${h === undefined ? 'J never fell to J₀/100' : `J fell to J₀/100 at step ${h}`}, the loss rose at ${rises(r)} of ${r.losses.length - 1} steps, and it ${end}.`;
  };
  return `${claim}\n<p>On this page: the highest momentum with the lowest rate, ${tell(slow)} The lowest momentum with the highest rate, ${tell(fast)}</p>`;
}
