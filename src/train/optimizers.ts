// The optimizers of `gradproof train`, each the update its source documents, written
// coordinate by coordinate as the source writes it. t counts steps from 1; lr is the
// step's learning rate η_t (the schedule's, see schedules.ts). A step is pure: it
// returns new parameters and a new state and leaves its arguments alone, so a run can
// be replayed and a test can hold every intermediate.
//
// Sources (the equations below are copied from them, names kept):
//   PyTorch 2.x documentation, torch.optim.SGD / Adagrad / RMSprop / Adam / AdamW
//   (pytorch.org/docs/stable/generated/torch.optim.<Name>.html, the "Algorithm" box);
//   Duchi, Hazan & Singer, JMLR 12 (2011) for AdaGrad; Hinton, Coursera "Neural Networks
//   for Machine Learning", lecture 6e, for RMSProp; Kingma & Ba, ICLR 2015, Algorithm 1,
//   for Adam; Loshchilov & Hutter, ICLR 2019, Algorithm 2, for AdamW; Sutskever et al.,
//   ICML 2013, for Nesterov momentum in PyTorch's form.

export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'momentum-ema', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'adamw'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** The optimizer's per-coordinate buffers (b, v, G, m …), by their names in the source. */
export type State = Readonly<Record<string, Float64Array>>;
export type Hyper = Readonly<Record<string, number>>;

export interface Optimizer {
  readonly name: OptimizerName;
  /** Every hyper-parameter, defaults filled in. */
  readonly hyper: Hyper;
  init(n: number): State;
  step(state: State, params: Float64Array, grads: Float64Array, t: number, lr: number): { readonly params: Float64Array; readonly state: State };
}

interface Kind {
  readonly title: string;
  readonly defaults: Hyper;
  /** The hyper-parameter that `--momentum` (and `--momenta` of a comparison) sets. */
  readonly momentum?: string;
  readonly buffers: readonly string[];
  /** One step, in place on copies: p and the buffers are the step's own. */
  readonly update: (p: Float64Array, g: Float64Array, s: State, t: number, lr: number, h: Hyper) => void;
}

const KINDS: Record<OptimizerName, Kind> = {
  // SGD (PyTorch, momentum 0): p ← p − η·g
  sgd: {
    title: 'SGD',
    defaults: {},
    buffers: [],
    update: (p, g, _s, _t, lr) => {
      for (let i = 0; i < p.length; i++) p[i] = p[i]! - lr * g[i]!;
    },
  },
  // heavy ball as PyTorch's SGD(momentum=μ, dampening=0) documents it:
  // b₁ = g₁, b_t = μ·b_{t−1} + g_t; p ← p − η·b_t
  momentum: {
    title: 'SGD with momentum',
    defaults: { mu: 0.9 },
    momentum: 'mu',
    buffers: ['b'],
    update: (p, g, s, t, lr, h) => {
      const b = s['b']!;
      for (let i = 0; i < p.length; i++) {
        b[i] = t === 1 ? g[i]! : h['mu']! * b[i]! + g[i]!;
        p[i] = p[i]! - lr * b[i]!;
      }
    },
  },
  // momentum as a moving average of the gradients (Ng, deeplearning.ai, "Gradient
  // descent with momentum"): v₀ = 0, v_t = β·v_{t−1} + (1 − β)·g_t; p ← p − η·v_t.
  // It is the heavy ball with η scaled by (1 − β), and starts slow (v₁ = (1 − β)·g₁).
  'momentum-ema': {
    title: 'momentum (moving average)',
    defaults: { beta: 0.9 },
    momentum: 'beta',
    buffers: ['v'],
    update: (p, g, s, _t, lr, h) => {
      const v = s['v']!;
      const beta = h['beta']!;
      for (let i = 0; i < p.length; i++) {
        v[i] = beta * v[i]! + (1 - beta) * g[i]!;
        p[i] = p[i]! - lr * v[i]!;
      }
    },
  },
  // PyTorch's SGD(momentum=μ, nesterov=True): b_t as above, then g ← g + μ·b_t; p ← p − η·g
  nesterov: {
    title: 'Nesterov momentum',
    defaults: { mu: 0.9 },
    momentum: 'mu',
    buffers: ['b'],
    update: (p, g, s, t, lr, h) => {
      const b = s['b']!;
      const mu = h['mu']!;
      for (let i = 0; i < p.length; i++) {
        b[i] = t === 1 ? g[i]! : mu * b[i]! + g[i]!;
        p[i] = p[i]! - lr * (g[i]! + mu * b[i]!);
      }
    },
  },
  // AdaGrad (PyTorch, lr_decay 0, initial accumulator 0; Duchi et al. 2011):
  // G_t = G_{t−1} + g²; p ← p − η·g/(√G_t + ε)
  adagrad: {
    title: 'AdaGrad',
    defaults: { eps: 1e-10 },
    buffers: ['G'],
    update: (p, g, s, _t, lr, h) => {
      const G = s['G']!;
      for (let i = 0; i < p.length; i++) {
        G[i] = G[i]! + g[i]! * g[i]!;
        p[i] = p[i]! - (lr * g[i]!) / (Math.sqrt(G[i]!) + h['eps']!);
      }
    },
  },
  // RMSProp (PyTorch defaults: α = 0.99, ε = 1e-8, no momentum, not centred; Hinton 6e):
  // v_t = α·v_{t−1} + (1 − α)·g²; p ← p − η·g/(√v_t + ε)
  rmsprop: {
    title: 'RMSProp',
    defaults: { alpha: 0.99, eps: 1e-8 },
    buffers: ['v'],
    update: (p, g, s, _t, lr, h) => {
      const v = s['v']!;
      const alpha = h['alpha']!;
      for (let i = 0; i < p.length; i++) {
        v[i] = alpha * v[i]! + (1 - alpha) * g[i]! * g[i]!;
        p[i] = p[i]! - (lr * g[i]!) / (Math.sqrt(v[i]!) + h['eps']!);
      }
    },
  },
  // Adam (Kingma & Ba, Algorithm 1; PyTorch, amsgrad off):
  // m_t = β₁m + (1 − β₁)g, v_t = β₂v + (1 − β₂)g², m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ);
  // p ← p − η·m̂/(√v̂ + ε)
  adam: {
    title: 'Adam',
    defaults: { beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    momentum: 'beta1',
    buffers: ['m', 'v'],
    update: (p, g, s, t, lr, h) => adamStep(p, g, s, t, lr, h),
  },
  // AdamW (Loshchilov & Hutter, Algorithm 2; PyTorch, weight_decay 0.01): the decay is
  // applied to the parameters first, p ← p·(1 − η·λ), then the Adam step
  adamw: {
    title: 'AdamW',
    defaults: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01 },
    momentum: 'beta1',
    buffers: ['m', 'v'],
    update: (p, g, s, t, lr, h) => {
      for (let i = 0; i < p.length; i++) p[i] = p[i]! * (1 - lr * h['weight_decay']!);
      adamStep(p, g, s, t, lr, h);
    },
  },
};

function adamStep(p: Float64Array, g: Float64Array, s: State, t: number, lr: number, h: Hyper): void {
  const [m, v] = [s['m']!, s['v']!];
  const [b1, b2] = [h['beta1']!, h['beta2']!];
  for (let i = 0; i < p.length; i++) {
    m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
    v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
    const mhat = m[i]! / (1 - b1 ** t);
    const vhat = v[i]! / (1 - b2 ** t);
    p[i] = p[i]! - (lr * mhat) / (Math.sqrt(vhat) + h['eps']!);
  }
}

/** The optimizer's display title ("SGD with momentum"). */
export const titleOf = (name: OptimizerName): string => KINDS[name].title;

/** The hyper-parameter `--momentum` sets for this optimizer (μ, β or β₁), if it has one. */
export const momentumOf = (name: OptimizerName): string | undefined => KINDS[name].momentum;

/** The hyper-parameters and their defaults. */
export const defaultsOf = (name: OptimizerName): Hyper => KINDS[name].defaults;

/** An optimizer with its hyper-parameters: the defaults, overridden by `given` (unknown names are an error). */
export function optimizer(name: OptimizerName, given: Hyper = {}): Optimizer {
  const kind = KINDS[name];
  for (const k of Object.keys(given)) if (!(k in kind.defaults)) throw new RangeError(`${name} has no hyper-parameter ${k} (it has ${Object.keys(kind.defaults).join(', ') || 'none'})`);
  const hyper: Hyper = { ...kind.defaults, ...given };
  return {
    name,
    hyper,
    init: (n) => Object.fromEntries(kind.buffers.map((b) => [b, new Float64Array(n)])),
    step: (state, params, grads, t, lr) => {
      if (!Number.isInteger(t) || t < 1) throw new RangeError(`step: t counts from 1, got ${t}`);
      const p = Float64Array.from(params);
      const s: State = Object.fromEntries(Object.entries(state).map(([k, v]) => [k, Float64Array.from(v)]));
      kind.update(p, grads, s, t, lr, hyper);
      return { params: p, state: s };
    },
  };
}
