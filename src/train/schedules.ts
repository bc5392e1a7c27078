// Learning-rate schedules (the homework's Q2 b and c): each a pure function of the step
// index t = 0, 1, …, T − 1 (t steps already taken, as PyTorch's schedulers count), so
// the optimizer's step t (from 1) runs at η(t − 1). T is the run's number of steps.
//
// Sources: PyTorch's torch.optim.lr_scheduler StepLR, ExponentialLR, CosineAnnealingLR
// (the closed form on its page, SGDR: Loshchilov & Hutter, ICLR 2017), LinearLR; the
// warm-up then cosine of Hugging Face's get_cosine_schedule_with_warmup.

export const SCHEDULE_NAMES = ['constant', 'step', 'exp', 'cosine', 'linear', 'warmup-cosine'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

export type Schedule = (t: number) => number;

export interface ScheduleParams {
  /** η₀, or η_max for the cosine schedules. */
  readonly lr: number;
  /** T: the run's length in steps. */
  readonly steps: number;
  /** γ of step and exponential decay. */
  readonly gamma?: number;
  /** k of step decay: γ is applied every k steps. */
  readonly every?: number;
  /** η_min of the cosine schedules, η_end of linear decay. */
  readonly lrMin?: number;
  /** W: warm-up steps of warmup-cosine. */
  readonly warmup?: number;
}

/** η_t = η₀ */
export const constant = (lr: number): Schedule => () => lr;

/** η_t = η₀·γ^⌊t/k⌋ (StepLR) */
export const stepDecay = (lr: number, gamma: number, every: number): Schedule => (t) => lr * gamma ** Math.floor(t / every);

/** η_t = η₀·γᵗ (ExponentialLR) */
export const exponential = (lr: number, gamma: number): Schedule => (t) => lr * gamma ** t;

/** η_t = η_min + ½(η_max − η_min)(1 + cos(π·t/T)), t = 0..T: η_max at 0, η_min at T */
export const cosine = (max: number, min: number, T: number): Schedule => (t) => min + 0.5 * (max - min) * (1 + Math.cos((Math.PI * Math.min(t, T)) / T));

/** η_t = η₀ + (η_end − η₀)·t/T, held at η_end after T (as η₀·(1 − s) + η_end·s, exact at both ends) */
export const linear = (lr: number, end: number, T: number): Schedule => (t) => {
  const s = Math.min(t, T) / T;
  return lr * (1 - s) + end * s;
};

/** η_max·t/W for t < W (from 0), then cosine from η_max at W to η_min at T */
export const warmupCosine = (max: number, min: number, W: number, T: number): Schedule => {
  const after = cosine(max, min, Math.max(1, T - W));
  return (t) => (t < W ? (max * t) / W : after(t - W));
};

/** The defaults of a run of `steps` steps: γ 0.1 every ⌈T/3⌉ steps (step), γ = 0.01^(1/T) (exp: η_T = η₀/100), η_min 0, W = ⌈T/10⌉. */
export function scheduleOf(name: ScheduleName, p: ScheduleParams): Schedule {
  const T = p.steps;
  const min = p.lrMin ?? 0;
  switch (name) {
    case 'constant':
      return constant(p.lr);
    case 'step':
      return stepDecay(p.lr, p.gamma ?? 0.1, p.every ?? Math.max(1, Math.ceil(T / 3)));
    case 'exp':
      return exponential(p.lr, p.gamma ?? 0.01 ** (1 / T));
    case 'cosine':
      return cosine(p.lr, min, T);
    case 'linear':
      return linear(p.lr, min, T);
    case 'warmup-cosine':
      return warmupCosine(p.lr, min, p.warmup ?? Math.max(1, Math.ceil(T / 10)), T);
  }
}
