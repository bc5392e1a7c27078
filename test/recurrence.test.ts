// Recurrences over a step index (issue 7): the language's `v[0] = …` / `v[t] = … v[t-1] …`,
// their closed forms (unrolled sums, geometric sums), the check of a closed form against
// the rule run step by step, the errors, and the optimizers written in the language
// against an independent implementation of PyTorch's documented update equations.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Graph } from '../src/graph/graph.js';
import { add, mul, num } from '../src/ir/node.js';
import { rat } from '../src/ir/rational.js';
import type { TensorValue } from '../src/numeric/evaluate.js';
import { forward } from '../src/numeric/evaluate.js';
import { floatField } from '../src/numeric/float.js';
import { printText } from '../src/ops/printer.js';
import { run } from '../src/pipeline.js';
import { reportOf, toMarkdown } from '../src/render/documents.js';
import { SpecError } from '../src/syntax/errors.js';
import { checkDerivation } from '../src/verify/gradcheck.js';
import type { OptimizerName, State } from '../src/train/optimizers.js';
import { optimizer } from '../src/train/optimizers.js';

const graphOf = (text: string): Graph => run('t.layer', text, { present: false }).graph;
const bodyText = (g: Graph, name: string): string => printText(g.tensors.get(name)!.body!);

function errorOf(text: string): SpecError {
  try {
    run('t.layer', text, { present: false });
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('closed forms of first-order linear recurrences', () => {
  it('the moving average v_t = β·v_{t−1} + (1 − β)·g_t unrolls to (1 − β)·Σ_{k≤t} β^{t−k}·g_k', () => {
    const g = graphOf('input g[T]\nconst beta < 1\nv[0] = 0\nv[t] = beta * v[t-1] + (1 - beta) * g[t]\noutput v\n');
    const v = g.tensors.get('v')!;
    // the index set is 0..T: v[0] and one value per step
    expect(printText(v.dims[0]!.lo)).toBe('0');
    expect(printText(v.dims[0]!.hi)).toBe('T');
    expect(bodyText(g, 'v')).toBe('(−β + 1)·Σ_{k=1}^{t} β^(t − k)·g[k]');
  });

  it('a constant forcing term gives a geometric sum: m_t = (1 − β)·g·Σ β^{t−k} = g·(1 − βᵗ)', () => {
    // by hand: Σ_{k=1}^{t} β^{t−k} = 1 + β + … + β^{t−1} = (1 − βᵗ)/(1 − β)
    const g = graphOf('input g\nconst beta < 1\nsize T\nm[0] = 0\nm[t in 1..T] = beta * m[t-1] + (1 - beta) * g\noutput m\n');
    expect(bodyText(g, 'm')).toBe('g·(−β^(t) + 1)');
    const steps = g.tensors.get('m')!.recurrence!.solution!.steps.map((s) => s.rule.name);
    expect(steps).toContain('geometric-sum');
  });

  it('a geometric sum needs a base that is not 1: β without an assumption keeps the sum', () => {
    const g = graphOf('input g\nconst beta\nsize T\nm[0] = 0\nm[t in 1..T] = beta * m[t-1] + g\noutput m\n');
    expect(bodyText(g, 'm')).toContain('Σ');
  });

  it('coefficient 1 (SGD, AdaGrad’s sum of squares) is a plain sum, with the start added', () => {
    const g = graphOf('input g[T]\nparam p0\nconst eta > 0\np[0] = p0\np[t] = p[t-1] - eta * g[t]\noutput p\n');
    expect(bodyText(g, 'p')).toBe('p0 − η·Σ_{k=1}^{t} g[k]');
  });

  it('the closed form is what gets differentiated: dL/dg_m = (1 − β)·Σ_{t=m}^{T} β^{t−m}·dL/dv_t', () => {
    const r = run('t.layer', 'input g[T]\nconst beta < 1\nv[0] = 0\nv[t] = beta * v[t-1] + (1 - beta) * g[t]\noutput v\n', { present: false, check: true });
    expect(printText(r.derivation.adjoints.get('g')!.closed.result)).toBe('(−β + 1)·Σ_{t=m}^{T} β^(t − m)·∂L/∂v[t]');
    expect(r.check!.pass).toBe(true);
    const rec = r.check!.forms.find((f) => f.form === 'recurrence' && f.gradient === 'v')!;
    expect(rec.pass).toBe(true);
    expect(rec.maxRelError).toBeLessThan(1e-50);
  });
});

describe('the proof of a recurrence reads as a textbook writes it', () => {
  it('shows the rule, the unrolled sum, the geometric sum and the boxed closed form, with the check', () => {
    const file = 'derivations/optim/adam-bias-correction.layer';
    const r = run(file, readFileSync(file, 'utf8'), { check: true });
    const md = toMarkdown([reportOf(r, readFileSync(file, 'utf8'))]);
    expect(md).toContain('The rule, a first-order linear recurrence:');
    expect(md).toContain('m_{0} &= 0');
    expect(md).toContain('the rule unrolled: by induction on t');
    expect(md).toContain('a geometric sum over $k$');
    // the closed form the bias correction divides by: m_t = g·(1 − β₁ᵗ)
    expect(md).toMatch(/\\boxed\{m_\{t\} = g\\,\\left\(-\\beta_1\^\{t\} \+ 1\\right\), \\quad t = 0, \\dots, T\}/);
    expect(md).toMatch(/Checked against the rule evaluated step by step from m\\\[0\\\].*they agree/);
  });
});

describe('the check runs the rule step by step against the closed form', () => {
  it('catches a closed form off by one part in 10¹⁵', () => {
    const r = run('t.layer', 'input g[T]\nconst beta < 1\nv[0] = 0\nv[t] = beta * v[t-1] + (1 - beta) * g[t]\noutput v\n', { present: false });
    const v = r.graph.tensors.get('v')!;
    // the body times (1 + 10⁻¹⁵)
    const off = mul(v.body!, add(num(1), num(rat(1n, 10n ** 15n))));
    const bad = new Map(r.graph.tensors).set('v', { ...v, body: off });
    const c = checkDerivation({ ...r.derivation, graph: { ...r.graph, tensors: bad } });
    const rec = c.forms.find((f) => f.form === 'recurrence')!;
    expect(rec.pass).toBe(false);
    expect(rec.problem).toMatch(/closed form .* the rule step by step/);
  });
});

describe('errors in recurrences are located and say what is expected', () => {
  const cases: readonly [string, string, RegExp][] = [
    ['starts at 0', 'input g[T]\nv[1] = 0\nv[t] = v[t-1] + g[t]\n', /recurrence starts at index 0/],
    ['never defined', 'input g[T]\nv[0] = 0\noutput g\n', /never defined/],
    ['second order', 'input g[T]\nv[0] = 0\nv[t] = v[t-2] + g[t]\n', /only the previous value/],
    ['not linear', 'input g[T]\nv[0] = 1\nv[t] = v[t-1]^2 + g[t]\n', /not linear in v\[t-1\]/],
    ['coefficient depends on t', 'input g[T]\nv[0] = 1\nv[t] = t * v[t-1] + g[t]\n', /depends on t/],
    ['bare name', 'input g[T]\nv[0] = 0\nv[t] = v + g[t]\n', /v is a sequence here/],
    ['never reads itself', 'input g[T]\nv[0] = 0\nv[t] = g[t]\n', /never reads v\[t-1\]/],
  ];
  it.each(cases)('%s', (_label, text, message) => {
    const e = errorOf(text);
    expect(e.message).toMatch(message);
    expect(e.span?.line).toBeGreaterThan(0);
  });
});

// ── the optimizers as written in derivations/optim against PyTorch's equations ──
// Independent reference: each update written out plainly below from PyTorch's
// documentation (torch.optim.SGD, Adagrad, RMSprop, Adam, AdamW), run in float64.

const T = 12;
const grads = Array.from({ length: T }, (_, k) => Math.sin(1.7 * (k + 1)) * 0.8 + 0.1 * (k % 3)); // g_1 … g_T

function trajectory(file: string, consts: Record<string, number>, name = 'p'): number[] {
  const r = run(file, readFileSync(file, 'utf8'), { present: false });
  const leaves = new Map<string, TensorValue<number>>();
  for (const [k, v] of Object.entries(consts)) leaves.set(k, { lo: [], hi: [], data: [v] });
  leaves.set('g', { lo: [1n], hi: [BigInt(T)], data: [...grads] });
  const values = forward(floatField, r.graph, new Map([['T', BigInt(T)]]), leaves);
  return values.get(name)!.data.slice(1); // p_1 … p_T
}

function expectSame(got: readonly number[], want: readonly number[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((x, i) => expect(Math.abs(x - want[i]!), `step ${i + 1}: ${x} vs ${want[i]}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]!))));
}

describe('each optimizer in the language takes PyTorch’s steps (to 1e-12)', () => {
  const p0 = 0.75;
  const eta = 0.05;

  it('SGD', () => {
    let p = p0;
    const want = grads.map((g) => (p -= eta * g));
    expectSame(trajectory('derivations/optim/sgd.layer', { p0, eta }), want);
  });

  it('heavy-ball momentum (buffer b = μb + g, b₁ = g₁)', () => {
    const mu = 0.9;
    let [p, b] = [p0, 0];
    const want = grads.map((g, k) => {
      b = k === 0 ? g : mu * b + g;
      return (p -= eta * b);
    });
    expectSame(trajectory('derivations/optim/momentum.layer', { p0, eta, mu }), want);
  });

  it('Nesterov (g + μb)', () => {
    const mu = 0.8;
    let [p, b] = [p0, 0];
    const want = grads.map((g, k) => {
      b = k === 0 ? g : mu * b + g;
      return (p -= eta * (g + mu * b));
    });
    expectSame(trajectory('derivations/optim/nesterov.layer', { p0, eta, mu }), want);
  });

  it('AdaGrad', () => {
    const eps = 1e-10;
    let [p, G] = [p0, 0];
    const want = grads.map((g) => {
      G += g * g;
      return (p -= (eta * g) / (Math.sqrt(G) + eps));
    });
    expectSame(trajectory('derivations/optim/adagrad.layer', { p0, eta, eps }), want);
  });

  it('RMSProp', () => {
    const [alpha, eps] = [0.99, 1e-8];
    let [p, v] = [p0, 0];
    const want = grads.map((g) => {
      v = alpha * v + (1 - alpha) * g * g;
      return (p -= (eta * g) / (Math.sqrt(v) + eps));
    });
    expectSame(trajectory('derivations/optim/rmsprop.layer', { p0, eta, eps, alpha }), want);
  });

  it('Adam with bias correction', () => {
    const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
    let [p, m, v] = [p0, 0, 0];
    const want = grads.map((g, k) => {
      const t = k + 1;
      m = beta1 * m + (1 - beta1) * g;
      v = beta2 * v + (1 - beta2) * g * g;
      const mhat = m / (1 - beta1 ** t);
      const vhat = v / (1 - beta2 ** t);
      return (p -= (eta * mhat) / (Math.sqrt(vhat) + eps));
    });
    expectSame(trajectory('derivations/optim/adam.layer', { p0, eta, eps, beta1, beta2 }), want);
  });

  it('AdamW (decay first, then the Adam step)', () => {
    const [beta1, beta2, eps, lambda] = [0.9, 0.999, 1e-8, 0.01];
    let [p, m, v] = [p0, 0, 0];
    const want = grads.map((g, k) => {
      const t = k + 1;
      p *= 1 - eta * lambda;
      m = beta1 * m + (1 - beta1) * g;
      v = beta2 * v + (1 - beta2) * g * g;
      return (p -= (eta * (m / (1 - beta1 ** t))) / (Math.sqrt(v / (1 - beta2 ** t)) + eps));
    });
    expectSame(trajectory('derivations/optim/adamw.layer', { p0, eta, eps, beta1, beta2, lambda }), want);
  });
});

// ── gradproof train's TypeScript optimizers against the same files ──
// The brief for `train`: its optimizers are the language's, or TypeScript that a test
// proves equal to them step by step. Same gradient sequence, same start, every step.

describe('gradproof train’s optimizers take the steps the language’s files define', () => {
  const p0 = -0.4;
  const eta = 0.03;
  const run1 = (name: OptimizerName, hyper: Record<string, number>): { p: number[]; state: State[] } => {
    const opt = optimizer(name, hyper);
    let params: Float64Array = Float64Array.of(p0);
    let state = opt.init(1);
    const p: number[] = [];
    const states: State[] = [];
    grads.forEach((g, k) => {
      const next = opt.step(state, params, Float64Array.of(g), k + 1, eta);
      params = next.params;
      state = next.state;
      p.push(params[0]!);
      states.push(state);
    });
    return { p, state: states };
  };
  const cases: readonly [OptimizerName, string, Record<string, number>, Record<string, number>][] = [
    ['sgd', 'sgd', {}, {}],
    ['momentum', 'momentum', { mu: 0.9 }, { mu: 0.9 }],
    ['nesterov', 'nesterov', { mu: 0.8 }, { mu: 0.8 }],
    ['adagrad', 'adagrad', { eps: 1e-10 }, { eps: 1e-10 }],
    ['rmsprop', 'rmsprop', { alpha: 0.99, eps: 1e-8 }, { eps: 1e-8 }],
    ['adam', 'adam', { beta1: 0.9, beta2: 0.999, eps: 1e-8 }, { eps: 1e-8 }],
    ['adamw', 'adamw', { beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01 }, { eps: 1e-8, lambda: 0.01 }],
  ];
  it.each(cases)('%s', (name, file, hyper, consts) => {
    const ts = run1(name, hyper).p;
    expectSame(ts, trajectory(`derivations/optim/${file}.layer`, { p0, eta, ...consts }));
  });

  it('momentum-ema: its buffer is the moving average v of momentum.layer', () => {
    const { state } = run1('momentum-ema', { beta: 0.9 });
    const buffer = Object.keys(state[0]!)[0]!;
    expectSame(state.map((s) => s[buffer]![0]!), trajectory('derivations/optim/momentum.layer', { p0, eta, mu: 0.9 }, 'v'));
  });
});
