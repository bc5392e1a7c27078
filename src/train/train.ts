// Fitting a spec's params to examples: gradient steps on the mean loss
//   J(θ) = (1/B)·Σ_{examples n in the batch} L(θ; example n),
// its gradient the per-example gradients (the compiled closed forms) summed and divided
// by B. The mean, not the sum, so that a learning rate means the same for 8 examples
// as for 8000. The batch is every example (full batch, the default: the curve is then
// the exact J), or --batch B examples at a time from a seeded shuffle, reshuffled
// each epoch. Everything is seeded: the same flags give the same numbers.
import { Rng } from '../numeric/random.js';
import type { Arrays, Model, Slot } from './model.js';
import { lossAndGradient, meanLoss, slotsOf, TrainError } from './model.js';
import type { Hyper, OptimizerName } from './optimizers.js';
import { optimizer } from './optimizers.js';
import type { ScheduleName, ScheduleParams } from './schedules.js';
import { scheduleOf } from './schedules.js';
import type { Dataset } from './data.js';
import { drawLeaf } from './data.js';

export const MAX_STEPS = 100_000;
/** Forward and backward passes of one run (steps × batch), so a run ends in seconds, not hours. */
export const MAX_PASSES = 20_000_000;
/** A run has diverged when its loss is not finite or exceeds this many times max(J(θ₀), 1). */
export const DIVERGENCE = 1e8;

/** What every run of a comparison shares: the model, the examples, θ₀. */
export interface Problem {
  readonly model: Model;
  readonly slots: readonly Slot[];
  readonly sizes: Readonly<Record<string, number>>;
  readonly examples: readonly Arrays[];
  readonly seed: string;
}

export interface RunSpec {
  readonly optimizer: OptimizerName;
  /** Hyper-parameters other than the defaults (momentum, β₂, ε …). */
  readonly hyper: Hyper;
  readonly schedule: ScheduleName;
  /** η₀ (η_max), T and the schedule's own parameters. */
  readonly scheduleParams: ScheduleParams;
  /** Examples per step; all of them when absent. */
  readonly batch?: number;
}

export interface RunResult {
  readonly spec: RunSpec;
  /** J(θ_t) for t = 0 … (the last step taken): the batch's mean loss before each step, then the whole data's after the last. */
  readonly losses: Float64Array;
  /** η of the step from θ_t to θ_{t+1}, t = 0 … steps taken − 1. */
  readonly lrs: Float64Array;
  readonly theta: Float64Array;
  /** The step at which the loss left every bound (not finite, or DIVERGENCE × the start), if it did. */
  readonly diverged?: number;
}

/** The problem of a model and its examples (θ₀ and the batches from `seed`). */
export function problemOf(model: Model, data: Dataset, seed: string): Problem {
  return { model, slots: slotsOf(model, data.sizes), sizes: Object.fromEntries([...data.sizes].map(([k, v]) => [k, Number(v)])), examples: data.examples, seed };
}

/** θ₀: every param uniform in [−0.5, 0.5] (above or below its bound where it states one), seeded. */
export function initialParams(p: Problem): Float64Array {
  const rng = new Rng(`init ${p.seed}`);
  const sizes = new Map(Object.entries(p.sizes).map(([k, v]) => [k, BigInt(v)]));
  const theta = new Float64Array(p.slots.reduce((n, s) => n + s.length, 0));
  for (const s of p.slots) theta.set(drawLeaf(s.tensor, sizes, rng.fork(s.tensor.name), 0.5), s.offset);
  return theta;
}

/** The batch of step t (from 1): a window of a seeded permutation of the examples, new each epoch. */
function batcher(p: Problem, B: number): (t: number) => readonly Arrays[] {
  const N = p.examples.length;
  if (B >= N) return () => p.examples;
  const perBatch = Math.ceil(N / B);
  let epoch = -1;
  let order: number[] = [];
  return (t) => {
    const e = Math.floor((t - 1) / perBatch);
    if (e !== epoch) {
      epoch = e;
      const rng = new Rng(`batches ${p.seed}`).fork(`epoch ${e}`);
      order = [...Array(N).keys()];
      for (let i = N - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
    }
    const k = (t - 1) % perBatch;
    return order.slice(k * B, (k + 1) * B).map((i) => p.examples[i]!);
  };
}

/** One run from θ₀; `progress(t)` is told of each step (the command line's bar). */
export function fit(p: Problem, spec: RunSpec, theta0: Float64Array, progress?: (t: number, loss: number) => void): RunResult {
  const T = spec.scheduleParams.steps;
  const B = Math.min(spec.batch ?? p.examples.length, p.examples.length);
  if (!Number.isInteger(T) || T < 1 || T > MAX_STEPS) throw new TrainError(`--steps takes a whole number from 1 to ${MAX_STEPS}, got ${T}`);
  if (T * B > MAX_PASSES) throw new TrainError(`${T} steps × ${B} examples per step is ${T * B} passes (the limit is ${MAX_PASSES}: fewer steps, or --batch)`);
  const opt = optimizer(spec.optimizer, spec.hyper);
  const eta = scheduleOf(spec.schedule, spec.scheduleParams);
  const batchOf = batcher(p, B);
  const losses: number[] = [];
  const lrs: number[] = [];
  let theta = theta0;
  let state = opt.init(theta.length);
  let bound = Infinity;
  for (let t = 1; t <= T; t++) {
    const { loss, grad } = lossAndGradient(p.model, p.slots, p.sizes, theta, batchOf(t));
    losses.push(loss);
    if (t === 1) bound = DIVERGENCE * Math.max(loss, 1);
    if (!(loss <= bound) || !grad.every(Number.isFinite)) return { spec, losses: Float64Array.from(losses), lrs: Float64Array.from(lrs), theta, diverged: t - 1 };
    const lr = eta(t - 1);
    lrs.push(lr);
    ({ params: theta, state } = opt.step(state, theta, grad, t, lr));
    progress?.(t, loss);
  }
  const final = meanLoss(p.model, p.slots, p.sizes, theta, p.examples);
  losses.push(final);
  const diverged = final <= bound && theta.every(Number.isFinite) ? undefined : T;
  return { spec, losses: Float64Array.from(losses), lrs: Float64Array.from(lrs), theta, ...(diverged !== undefined && { diverged }) };
}

/** The final loss J(θ_T), or undefined for a run that diverged. */
export const finalLoss = (r: RunResult): number | undefined => (r.diverged === undefined ? r.losses[r.losses.length - 1] : undefined);
