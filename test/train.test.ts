// gradproof train: the optimizers against plain re-implementations of PyTorch's documented
// updates, every optimizer reaching the least-squares solution of a linear regression
// (from the normal equations, solved here) with the engine's compiled gradients, the
// schedules' values by hand, the data readers' errors, and the command line.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, test } from 'vitest';
import { cli } from './helpers/cli.js';
import { compile } from '../src/codegen/compile.js';
import { Rng } from '../src/numeric/random.js';
import { run } from '../src/pipeline.js';
import { fromCsv, fromJson, readData, teacher } from '../src/train/data.js';
import type { Arrays } from '../src/train/model.js';
import { loadModel, TrainError } from '../src/train/model.js';
import type { Hyper, OptimizerName } from '../src/train/optimizers.js';
import { OPTIMIZER_NAMES, optimizer } from '../src/train/optimizers.js';
import { cosine, exponential, linear, scheduleOf, stepDecay, warmupCosine } from '../src/train/schedules.js';
import type { RunSpec } from '../src/train/train.js';
import { finalLoss, fit, initialParams, problemOf } from '../src/train/train.js';

const LINREG = 'derivations/train/linreg.layer';
const dir = mkdtempSync(join(tmpdir(), 'gradproof-train-test-'));


const close = (got: number, want: number, rel: number, what: string): void => {
  expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(rel * Math.max(Math.abs(got), Math.abs(want)));
};

// ── (a) each optimizer's trajectory against its documented equations ───────────────

// f(p) = ½ Σᵢ aᵢ(pᵢ − cᵢ)², so gᵢ = aᵢ(pᵢ − cᵢ): curvatures 0.3 to 2.5, a varying rate
const A = [1, 0.3, 2.5];
const C = [1, -2, 0.5];
const P0 = [0.5, 1, -1];
const gradAt = (p: ArrayLike<number>): number[] => A.map((a, i) => a * (p[i]! - C[i]!));
const lrAt = (t: number): number => 0.1 * 0.95 ** (t - 1);
const STEPS = 20;

/**
 * The reference: one coordinate at a time, each with its own scalar state, written from
 * the "Algorithm" boxes of PyTorch's torch.optim pages (SGD, Adagrad, RMSprop, Adam,
 * AdamW) and, for the moving-average form, v ← βv + (1 − β)g; p ← p − ηv.
 */
type Coordinate = (p: number, g: number, t: number, lr: number) => number;
const REFERENCE: Record<OptimizerName, (h: Hyper) => () => Coordinate> = {
  sgd: () => () => (p, g, _t, lr) => p - lr * g,
  momentum: (h) => () => {
    let b = 0;
    return (p, g, t, lr) => {
      b = t > 1 ? h['mu']! * b + g : g; // dampening 0
      return p - lr * b;
    };
  },
  'momentum-ema': (h) => () => {
    let v = 0;
    return (p, g, _t, lr) => {
      v = h['beta']! * v + (1 - h['beta']!) * g;
      return p - lr * v;
    };
  },
  nesterov: (h) => () => {
    let b = 0;
    return (p, g, t, lr) => {
      b = t > 1 ? h['mu']! * b + g : g;
      const gn = g + h['mu']! * b;
      return p - lr * gn;
    };
  },
  adagrad: (h) => () => {
    let sum = 0;
    return (p, g, t, lr) => {
      const clr = lr / (1 + (t - 1) * 0); // lr_decay 0
      sum += g * g;
      return p - (clr * g) / (Math.sqrt(sum) + h['eps']!);
    };
  },
  rmsprop: (h) => () => {
    let v = 0;
    return (p, g, _t, lr) => {
      v = h['alpha']! * v + (1 - h['alpha']!) * g ** 2;
      return p - (lr * g) / (Math.sqrt(v) + h['eps']!);
    };
  },
  adam: (h) => () => adamCoordinate(h, 0),
  adamw: (h) => () => adamCoordinate(h, h['weight_decay']!),
};

function adamCoordinate(h: Hyper, lambda: number): Coordinate {
  let m = 0;
  let v = 0;
  return (p, g, t, lr) => {
    const theta = p - lr * lambda * p; // AdamW: θ_t ← θ_{t−1} − γλθ_{t−1}
    m = h['beta1']! * m + (1 - h['beta1']!) * g;
    v = h['beta2']! * v + (1 - h['beta2']!) * g * g;
    const mhat = m / (1 - h['beta1']! ** t);
    const vhat = v / (1 - h['beta2']! ** t);
    return theta - (lr * mhat) / (Math.sqrt(vhat) + h['eps']!);
  };
}

/** Hyper-parameters off the defaults where it matters, so a default could not hide a wrong one. */
const HYPER: Record<OptimizerName, Hyper> = {
  sgd: {},
  momentum: { mu: 0.8 },
  'momentum-ema': { beta: 0.7 },
  nesterov: { mu: 0.85 },
  adagrad: { eps: 1e-10 },
  rmsprop: { alpha: 0.9, eps: 1e-8 },
  adam: { beta1: 0.8, beta2: 0.99, eps: 1e-8 },
  adamw: { beta1: 0.85, beta2: 0.995, eps: 1e-8, weight_decay: 0.05 },
};

function trajectory(name: OptimizerName, h: Hyper): number[][] {
  const opt = optimizer(name, h);
  let p: Float64Array = Float64Array.from(P0);
  let s = opt.init(p.length);
  const out: number[][] = [];
  for (let t = 1; t <= STEPS; t++) {
    ({ params: p, state: s } = opt.step(s, p, Float64Array.from(gradAt(p)), t, lrAt(t)));
    out.push([...p]);
  }
  return out;
}

function referenceTrajectory(name: OptimizerName, h: Hyper): number[][] {
  const full = { ...optimizer(name).hyper, ...h };
  const coords = P0.map(() => REFERENCE[name](full)());
  let p = [...P0];
  const out: number[][] = [];
  for (let t = 1; t <= STEPS; t++) {
    const g = gradAt(p);
    p = p.map((pi, i) => coords[i]!(pi, g[i]!, t, lrAt(t)));
    out.push(p);
  }
  return out;
}

describe('(a) each optimizer follows its documented update, step by step', () => {
  for (const name of OPTIMIZER_NAMES) {
    it(`${name}: ${STEPS} steps on a quadratic equal the reference to 1e-12 relative`, () => {
      const got = trajectory(name, HYPER[name]);
      const want = referenceTrajectory(name, HYPER[name]);
      got.forEach((p, t) => p.forEach((x, i) => close(x, want[t]![i]!, 1e-12, `${name} step ${t + 1} p[${i}]`)));
    });
  }

  it('the comparison tells close variants apart (heavy ball vs its moving average, Adam vs AdamW)', () => {
    const far = (a: number[][], b: number[][]): boolean => a.some((p, t) => p.some((x, i) => Math.abs(x - b[t]![i]!) > 1e-6 * Math.abs(x)));
    expect(far(trajectory('momentum', { mu: 0.7 }), trajectory('momentum-ema', { beta: 0.7 }))).toBe(true);
    expect(far(trajectory('momentum', { mu: 0.7 }), trajectory('nesterov', { mu: 0.7 }))).toBe(true);
    expect(far(trajectory('adam', HYPER.adam), trajectory('adamw', { ...HYPER.adam, weight_decay: 0.05 }))).toBe(true);
    // and AdamW without decay is Adam exactly
    expect(trajectory('adamw', { ...HYPER.adam, weight_decay: 0 })).toEqual(trajectory('adam', HYPER.adam));
  });

  it('first steps by hand on f = p²/2 from p = 1, η = 0.1', () => {
    const steps = (name: OptimizerName, h: Hyper, n: number): number[] => {
      const opt = optimizer(name, h);
      let p: Float64Array = Float64Array.of(1);
      let s = opt.init(1);
      const out: number[] = [];
      for (let t = 1; t <= n; t++) {
        ({ params: p, state: s } = opt.step(s, p, Float64Array.of(p[0]!), t, 0.1));
        out.push(p[0]!);
      }
      return out;
    };
    // heavy ball μ = 0.9: b₁ = 1, p = 0.9; b₂ = 0.9·1 + 0.9 = 1.8, p = 0.9 − 0.18 = 0.72
    steps('momentum', { mu: 0.9 }, 2).forEach((x, i) => close(x, [0.9, 0.72][i]!, 1e-15, 'momentum'));
    // Nesterov: b₁ = 1, g = 1 + 0.9 = 1.9, p = 0.81; b₂ = 0.9 + 0.81 = 1.71, g = 0.81 + 1.539 = 2.349, p = 0.5751
    steps('nesterov', { mu: 0.9 }, 2).forEach((x, i) => close(x, [0.81, 0.5751][i]!, 1e-15, 'nesterov'));
    // moving average β = 0.9: v₁ = 0.1, p = 0.99; v₂ = 0.09 + 0.099 = 0.189, p = 0.99 − 0.0189 = 0.9711
    steps('momentum-ema', { beta: 0.9 }, 2).forEach((x, i) => close(x, [0.99, 0.9711][i]!, 1e-15, 'ema'));
    // Adam's first step is η·g/(|g| + ε) ≈ η whatever g: p = 1 − 0.1/(1 + 1e-8)
    close(steps('adam', {}, 1)[0]!, 1 - 0.1 / (1 + 1e-8), 1e-15, 'adam');
    // AdaGrad's first step too: G = 1, p = 1 − 0.1·1/(1 + 1e-10)
    close(steps('adagrad', {}, 1)[0]!, 1 - 0.1 / (1 + 1e-10), 1e-15, 'adagrad');
  });

  it('a step is pure: its arguments are left as they were', () => {
    const opt = optimizer('adam');
    const p = Float64Array.of(1, 2);
    const s = opt.init(2);
    opt.step(s, p, Float64Array.of(0.5, -0.5), 1, 0.1);
    expect([...p]).toEqual([1, 2]);
    expect([...s['m']!, ...s['v']!]).toEqual([0, 0, 0, 0]);
    expect(() => optimizer('sgd', { mu: 0.9 })).toThrow(/sgd has no hyper-parameter mu/);
  });
});

// ── (b) every optimizer reaches the least-squares solution ────────────────────────

/** Solve M·z = r by Gaussian elimination with partial pivoting. */
function solve(M: number[][], r: number[]): number[] {
  const n = r.length;
  const a = M.map((row, i) => [...row, r[i]!]);
  for (let k = 0; k < n; k++) {
    const piv = a.reduce((best, _, i) => (i >= k && Math.abs(a[i]![k]!) > Math.abs(a[best]![k]!) ? i : best), k);
    [a[k], a[piv]] = [a[piv]!, a[k]!];
    for (let i = k + 1; i < n; i++) {
      const f = a[i]![k]! / a[k]![k]!;
      for (let j = k; j <= n; j++) a[i]![j] = a[i]![j]! - f * a[k]![j]!;
    }
  }
  const z = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) z[i] = (a[i]![n]! - a[i]!.slice(i + 1, n).reduce((s, v, j) => s + v * z[i + 1 + j]!, 0)) / a[i]![i]!;
  return z;
}

describe('(b) on a linear regression with the compiled gradient, every optimizer reaches the normal equations’ solution', () => {
  // 40 examples, d = 3, t = 0.7x₁ − 1.2x₂ + 0.4x₃ + 0.3 + noise: the residual is not 0
  const rng = new Rng('least squares');
  const X = Array.from({ length: 40 }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)]);
  const T = X.map((x) => 0.7 * x[0]! - 1.2 * x[1]! + 0.4 * x[2]! + 0.3 + 0.1 * rng.uniform(-1, 1));
  const file = join(dir, 'ls.json');
  writeFileSync(file, JSON.stringify({ x: X, t: T }));
  // θ* = (X̃ᵀX̃)⁻¹X̃ᵀt with X̃ = [x, 1]: the minimiser of Σ(w·x + b − t)², so of the mean of ½(…)² too
  const Xt = X.map((x) => [...x, 1]);
  const normal = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => Xt.reduce((s, row) => s + row[i]! * row[j]!, 0)));
  const star = solve(normal, [0, 1, 2, 3].map((i) => Xt.reduce((s, row, n) => s + row[i]! * T[n]!, 0)));

  const model = loadModel(LINREG, readFileSync(LINREG, 'utf8'));
  const problem = problemOf(model, readData(model, file, new Map()), '7');
  const theta0 = initialParams(problem);
  const TOL = 1e-6; // on every coordinate of θ = (w₁, w₂, w₃, b)
  const runs: Record<OptimizerName, Omit<RunSpec, 'scheduleParams'> & { lr: number; steps: number }> = {
    sgd: { optimizer: 'sgd', hyper: {}, schedule: 'constant', lr: 0.5, steps: 800 },
    momentum: { optimizer: 'momentum', hyper: { mu: 0.9 }, schedule: 'constant', lr: 0.1, steps: 800 },
    'momentum-ema': { optimizer: 'momentum-ema', hyper: { beta: 0.9 }, schedule: 'constant', lr: 0.5, steps: 800 },
    nesterov: { optimizer: 'nesterov', hyper: { mu: 0.9 }, schedule: 'constant', lr: 0.1, steps: 800 },
    adagrad: { optimizer: 'adagrad', hyper: {}, schedule: 'constant', lr: 0.5, steps: 3000 },
    // the adaptive methods hover at a distance ~η from θ*: they need a rate that decays
    rmsprop: { optimizer: 'rmsprop', hyper: {}, schedule: 'cosine', lr: 0.01, steps: 5000 },
    adam: { optimizer: 'adam', hyper: {}, schedule: 'cosine', lr: 0.05, steps: 3000 },
    // AdamW's fixed point is not θ* when λ > 0 (the decay pulls θ to 0): λ = 0 here
    adamw: { optimizer: 'adamw', hyper: { weight_decay: 0 }, schedule: 'cosine', lr: 0.05, steps: 3000 },
  };
  for (const [name, r] of Object.entries(runs)) {
    it(`${name} (η₀ = ${r.lr}, ${r.schedule}, ${r.steps} steps) within ${TOL}`, () => {
      const { lr, steps, ...spec } = r;
      const res = fit(problem, { ...spec, scheduleParams: { lr, steps } }, theta0);
      expect(res.diverged).toBeUndefined();
      [...res.theta].forEach((v, i) => expect(Math.abs(v - star[i]!), `${name} θ[${i}] = ${v}, θ*[${i}] = ${star[i]}`).toBeLessThanOrEqual(TOL));
      // and the loss there is the least-squares one: J(θ*) = Σ(residual²)/(2N)
      const J = T.reduce((s, t, n) => s + (Xt[n]!.reduce((y, v, i) => y + v * star[i]!, 0) - t) ** 2, 0) / (2 * T.length);
      close(finalLoss(res)!, J, 1e-6, `${name} final loss`);
    });
  }

  it('θ₀ is far from θ* (the runs above had somewhere to go), and 5 SGD steps do not get there', () => {
    expect(Math.max(...[...theta0].map((v, i) => Math.abs(v - star[i]!)))).toBeGreaterThan(0.3);
    const res = fit(problem, { optimizer: 'sgd', hyper: {}, schedule: 'constant', scheduleParams: { lr: 0.5, steps: 5 } }, theta0);
    expect(Math.max(...[...res.theta].map((v, i) => Math.abs(v - star[i]!)))).toBeGreaterThan(TOL);
  });

  it('a rate far too high diverges and is reported as such, without throwing', () => {
    const res = fit(problem, { optimizer: 'sgd', hyper: {}, schedule: 'constant', scheduleParams: { lr: 50, steps: 200 } }, theta0);
    expect(res.diverged).toBeGreaterThan(0);
    expect(finalLoss(res)).toBeUndefined();
  });

  it('mini-batches: same seed, same run; the loss still falls', () => {
    const spec: RunSpec = { optimizer: 'sgd', hyper: {}, schedule: 'constant', scheduleParams: { lr: 0.2, steps: 200 }, batch: 7 };
    const a = fit(problem, spec, theta0);
    expect([...fit(problem, spec, theta0).losses]).toEqual([...a.losses]);
    expect(finalLoss(a)!).toBeLessThan(a.losses[0]! / 10);
  });
});

test('the module loaded for training computes what the ESM module gradproof compile writes computes', async () => {
  const text = readFileSync(LINREG, 'utf8');
  const file = join(dir, 'linreg.mjs');
  writeFileSync(file, compile(run(LINREG, text, { present: false }).derivation, 'js'));
  const esm = (await import(pathToFileURL(file).href)) as { backward(i: Arrays, u: Arrays): Arrays };
  const model = loadModel(LINREG, text);
  const inputs: Arrays = { x: Float64Array.of(0.5, -1, 2), t: 0.25, w: Float64Array.of(1, 2, 3), b: -0.5 };
  const sizes = { d: 3 };
  const got = model.module.backward(inputs, {}, model.module.forward(inputs, sizes), sizes);
  const want = esm.backward(inputs, {});
  expect([...(got['w'] as Float64Array)]).toEqual([...(want['w'] as Float64Array)]);
  expect(got['b']).toBe(want['b']);
  // y = 0.5 − 2 + 6 − 0.5 = 4, dL/db = y − t = 3.75, dL/dw = 3.75·x
  expect(got['b']).toBe(3.75);
  expect([...(got['w'] as Float64Array)]).toEqual([1.875, -3.75, 7.5]);
});

// ── (c) schedules ─────────────────────────────────────────────────────────────────

describe('(c) learning-rate schedules', () => {
  it('cosine annealing starts at η_max and ends at η_min', () => {
    const s = cosine(1, 0.1, 100);
    expect(s(0)).toBe(1);
    close(s(100), 0.1, 1e-15, 'η_T');
    close(s(50), 0.55, 1e-15, 'η_{T/2} = 0.1 + ½·0.9·(1 + cos π/2) = 0.55');
    // η_min + ½(η_max − η_min)(1 + cos(π/4)) at t = T/4: 0.1 + 0.45·(1 + 0.70710678…)
    close(s(25), 0.1 + 0.45 * (1 + Math.SQRT1_2), 1e-15, 'η_{T/4}');
  });

  it('step decay, exponential, linear and warm-up by hand', () => {
    const step = stepDecay(0.1, 0.5, 10);
    // ⌊9/10⌋ = 0: 0.1; ⌊10/10⌋ = 1: 0.05; ⌊25/10⌋ = 2: 0.025
    expect([step(0), step(9), step(10), step(25)]).toEqual([0.1, 0.1, 0.05, 0.025]);
    // 0.1·0.9² = 0.081
    close(exponential(0.1, 0.9)(2), 0.081, 1e-15, 'exp');
    const lin = linear(0.1, 0.02, 8);
    // 0.1 + (0.02 − 0.1)·4/8 = 0.06; at T and after: 0.02
    close(lin(4), 0.06, 1e-15, 'linear t = 4');
    expect([lin(0), lin(8), lin(20)]).toEqual([0.1, 0.02, 0.02]);
    const warm = warmupCosine(1, 0, 10, 110);
    // 1·0/10, 1·5/10, then the cosine over 100 steps: 1 at 10, ½ at 60, 0 at 110
    expect([warm(0), warm(5), warm(10)]).toEqual([0, 0.5, 1]);
    close(warm(60), 0.5, 1e-15, 'warm-up cosine midpoint');
    expect(Math.abs(warm(110))).toBeLessThan(1e-16);
  });

  it('the defaults of scheduleOf: exp falls to η₀/100 over T, step decays by 10 every ⌈T/3⌉', () => {
    close(scheduleOf('exp', { lr: 1, steps: 50 })(50), 0.01, 1e-12, 'exp default');
    const s = scheduleOf('step', { lr: 1, steps: 30 });
    expect([s(9), s(10), s(20)]).toEqual([1, 0.1, 0.1 ** 2]);
    expect(scheduleOf('constant', { lr: 0.3, steps: 5 })(4)).toBe(0.3);
  });
});

// ── data ──────────────────────────────────────────────────────────────────────────

describe('reading examples', () => {
  const model = loadModel(LINREG, readFileSync(LINREG, 'utf8'));
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(TrainError);
      return (e as Error).message;
    }
    throw new Error('no error');
  };

  it('reads the bundled CSV: d from the columns, x as an array and t as a number', () => {
    const d = readData(model, 'derivations/train/linreg.csv', new Map());
    expect(d.sizes.get('d')).toBe(2n);
    expect(d.examples).toHaveLength(8);
    expect([...(d.examples[1]!['x'] as Float64Array)]).toEqual([-0.5, 1.5]);
    expect(d.examples[1]!['t']).toBe(0.75);
  });

  it('CSV errors name the file and line', () => {
    expect(message(() => fromCsv(model, 'd.csv', 'x[1],x[2]\n1,2\n', new Map()))).toBe('d.csv:1: no column t (the input t needs a column: t)');
    expect(message(() => fromCsv(model, 'd.csv', 'x[1],x[2],t\n1,2,3\n1,abc,3\n', new Map()))).toBe('d.csv:3: x[2] is "abc", not a number');
    expect(message(() => fromCsv(model, 'd.csv', 'x[1],x[2],t\n1,2,3\n1,2\n', new Map()))).toBe('d.csv:3: 2 fields, the header has 3');
    expect(message(() => fromCsv(model, 'd.csv', 'x[1],x[3],t\n1,2,3\n', new Map()))).toMatch(/^d\.csv:1: column x\[3\] is not an element of x \(x\[1\] … x\[2\]\)/);
    // with d fixed at 3, a CSV with two x columns is too narrow
    expect(message(() => fromCsv(model, 'd.csv', 'x[1],x[2],t\n1,2,3\n', new Map([['d', 3n]])))).toMatch(/^d\.csv:1: no column x\[3\]/);
    expect(message(() => fromCsv(model, 'd.csv', 'x[1],t\n1,\n', new Map()))).toBe('d.csv:2: t is "", not a number');
  });

  it('JSON: records per input, nested arrays, width and number errors', () => {
    const d = fromJson(model, 'd.json', '{"x": [[1, 2], [3, 4]], "t": [5, 6]}', new Map());
    expect(d.examples[1]!['t']).toBe(6);
    expect(message(() => fromJson(model, 'd.json', '{"x": [[1, 2], [3, 4, 5]], "t": [5, 6]}', new Map()))).toBe('d.json: "x" example 2 has 3 numbers; x has 2');
    expect(message(() => fromJson(model, 'd.json', '{"x": [[1, 2]], "t": ["a"]}', new Map()))).toBe('d.json: "t" example 1 holds "a", not a number');
    expect(message(() => fromJson(model, 'd.json', '{"x": [[1, 2]]}', new Map()))).toBe('d.json: no array "t" (every input needs one: x, t)');
    expect(message(() => fromJson(model, 'd.json', '{"x": [[1, 2]], "t": [1, 2]}', new Map()))).toBe('d.json: "t" has 2 examples, "x" has 1');
  });

  it('a teacher: targets are the prediction at the true params, and its names are checked', () => {
    const d = teacher(model, { prediction: 'y', target: 't' }, new Map([['d', 2n]]), 5, 's');
    const [w, b] = [d.truth!.get('w')!, d.truth!.get('b')![0]!];
    for (const ex of d.examples) {
      const x = ex['x'] as Float64Array;
      close(ex['t'] as number, w[0]! * x[0]! + w[1]! * x[1]! + b, 1e-15, 'y at θ*');
    }
    expect(message(() => teacher(model, { prediction: 'y', target: 'q' }, new Map([['d', 2n]]), 5, 's'))).toMatch(/q is not an input/);
    expect(message(() => teacher(model, { prediction: 'L', target: 't' }, new Map([['d', 2n]]), 5, 's'))).toMatch(/L is not a tensor the spec computes \(y\)/);
    expect(message(() => teacher(model, { prediction: 'y', target: 'x' }, new Map([['d', 2n]]), 5, 's'))).toMatch(/y is computed from x/);
    expect(message(() => teacher(model, { prediction: 'y', target: 't' }, new Map(), 5, 's'))).toMatch(/does not fix the size d: give it with --size d=N/);
  });
});

// ── (d) the command line ──────────────────────────────────────────────────────────

describe('(d) gradproof train', () => {
  const base = ['train', LINREG, '--teacher', 'y=t', '--size', 'd=3', '--steps', '200'];

  it('prints the final loss and the fitted params, the same bytes for the same seed', () => {
    const a = cli(...base, '--optimizer', 'momentum', '--lr', '0.1', '--momentum', '0.9');
    expect(a.code).toBe(0);
    expect(a.err).toBe('');
    const f = /^final loss (\S+)$/m.exec(a.out);
    expect(Number(f![1])).toBeLessThan(1e-10); // the teacher's data is fitted exactly
    expect(a.out).toMatch(/^ {2}w\[3\] = \S+ {3}\(teacher's \S+\)$/m);
    expect(cli(...base, '--optimizer', 'momentum', '--lr', '0.1', '--momentum', '0.9').out).toBe(a.out);
    // another seed: other data, another start
    expect(cli(...base, '--optimizer', 'momentum', '--lr', '0.1', '--momentum', '0.9', '--seed', '2').out).not.toBe(a.out);
  });

  it('writes the curve as CSV: step, lr, loss, from J(θ₀) to J after the last step', () => {
    const out = join(dir, 'curve', 'c.csv');
    const r = cli(...base, '--schedule', 'linear', '--curve', out);
    expect(r.code).toBe(0);
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('step,lr,loss');
    expect(rows).toHaveLength(202);
    expect(rows[1]!.startsWith('0,0.01,')).toBe(true);
    expect(rows[201]!.startsWith('200,,')).toBe(true);
  });

  it('trains from the bundled CSV', () => {
    const r = cli('train', LINREG, '--data', 'derivations/train/linreg.csv', '--optimizer', 'adam', '--lr', '0.05');
    expect(r.code).toBe(0);
    expect(r.out).toContain('derivations/train/linreg.csv, 8 examples at d = 2');
  });

  const bad: [string[], string][] = [
    [['--lr', 'fast'], '--lr takes a positive number, got "fast"'],
    [['--optimizer', 'lbfgs'], '--optimizer takes sgd, momentum, momentum-ema, nesterov, adagrad, rmsprop, adam, adamw, got "lbfgs"'],
    [['--every', '0', '--schedule', 'step'], '--every takes a whole number from 1 to 100000, got "0"'],
    [['--steps', '300'], '--steps is given twice'],
    [['--momentum', '0.9'], '--momentum: sgd has no momentum'],
    [['--momentum', '1.5', '--optimizer', 'momentum'], '--momentum takes a number in [0, 1), got "1.5"'],
    [['--frobnicate'], 'unknown option --frobnicate'],
    [['--lrs', '0.1'], '--lrs is for --compare'],
    [['--schedule', 'cyclic'], '--schedule takes constant, step, exp, cosine, linear, warmup-cosine, got "cyclic"'],
    [['--data', 'x.csv'], 'give --data or --teacher, not both'],
  ];
  for (const [flags, msg] of bad) {
    it(`${flags.join(' ')}: exit 2 with one line`, () => {
      const r = cli(...base, ...flags);
      expect(r.code).toBe(2);
      expect(r.err).toContain(msg);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.out).toBe('');
    });
  }

  it('a spec without a concrete loss, a missing file, too many examples: exit 2', () => {
    expect(cli('train', 'derivations/seed/batchnorm.layer', '--teacher', 'y=x').err).toMatch(/has no concrete loss/);
    expect(cli('train', 'nowhere.layer', '--teacher', 'y=t').err).toMatch(/cannot read nowhere\.layer/);
    const r = cli(...base, '--examples', '100001');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--examples takes a whole number from 1 to 100000/);
    expect(cli('train', LINREG, '--teacher', 'y=t', '--steps', '1000000').err).toMatch(/--steps takes a whole number from 1 to 100000, got "1000000"/);
    // the passes limit: steps × examples per step
    expect(cli('train', LINREG, '--teacher', 'y=t', '--size', 'd=1', '--steps', '100000', '--examples', '100000').err).toMatch(/1 run of 100000 steps over 100000 examples make 10000000000 example passes \(the limit is 20000000/);
    // and a comparison shares the budget: 27 runs × 10000 steps × 100 examples = 27·10⁶
    expect(cli('train', LINREG, '--teacher', 'y=t', '--size', 'd=1', '--steps', '10000', '--examples', '100', '--compare', '--optimizers', 'sgd,momentum,adam', '--lrs', '0.1,0.2,0.3').err).toMatch(/21 runs of 10000 steps over 100 examples make 21000000 example passes/);
  });

  it('a diverging run says so and exits 1', () => {
    const r = cli(...base, '--lr', '50');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^diverged at step \d+/m);
  });
});

describe('(d) gradproof train --compare', () => {
  // a hostile name: every character HTML gives a meaning to
  const hostile = join(dir, 'evil', `<img src=x onerror="alert('1')">&.layer`);
  mkdirSync(join(dir, 'evil'), { recursive: true });
  writeFileSync(hostile, readFileSync(LINREG, 'utf8'));
  const flags = ['--teacher', 'y=t', '--size', 'd=3', '--steps', '120', '--compare', '--optimizers', 'sgd,momentum,adam', '--lrs', '0.01,0.3,3', '--momenta', '0.5,0.99'];

  it('writes one page, byte-identical across runs, with every user string escaped', () => {
    const [p1, p2] = [join(dir, 'a', 'page.html'), join(dir, 'b', 'page.html')];
    const r1 = cli('train', hostile, ...flags, '-o', p1);
    expect(r1.code, r1.err).toBe(0);
    expect(cli('train', hostile, ...flags, '-o', p2).code).toBe(0);
    const html = readFileSync(p1, 'utf8');
    expect(readFileSync(p2, 'utf8')).toBe(html);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;.layer');
    // 3 SGD + 2·3 momentum + 2·3 Adam runs: one loss curve each; and one rate curve per η₀
    expect(html.match(/<path class="curve"/g)).toHaveLength(15 + 3);
    expect(html).toContain('The homework’s Q2 (a)');
    // the table on stdout names each run
    expect(r1.out.trim().split('\n')).toHaveLength(16);
  });

  it('a run that diverges is drawn as such and does not stop the others', () => {
    const html = cli('train', LINREG, ...flags).out;
    expect(html).toMatch(/class="diverged">diverged at step \d+/);
    expect(html).toContain('<path class="cross"');
  });

  it('flags of a single run are refused with --compare', () => {
    const r = cli('train', LINREG, ...flags, '--lr', '0.1');
    expect(r.code).toBe(2);
    expect(r.err).toContain('with --compare, give --lrs (a list) instead of --lr');
  });
});
