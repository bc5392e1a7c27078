// The Python targets of `gradproof compile`, run by a real Python: the NumPy module of
// every bundled derivation, at up to two size choices each, must give the forward
// tensors and the gradients that the engine's own 64-digit evaluation of the same
// definitions and closed forms gives; batch norm and conv1d must reproduce PyTorch's
// reference numbers (../shared/reference, the README's tolerance); and, where torch
// can be imported, the torch target's autograd.Function must give through
// `.backward()` what the NumPy backward and torch's own autograd give.
//
// Python: `python3` from PATH if it imports numpy, else /usr/bin/python3 (Debian's
// python3-numpy, which .ci/run installs when neither has numpy). No numpy is a
// failure, not a skip. No torch is a skip (Debian's python3-torch is optional).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compile } from '../src/codegen/compile.js';
import type { Graph } from '../src/graph/graph.js';
import type { TensorValue } from '../src/numeric/evaluate.js';
import { elementsOf, evaluate, extentOf, forward } from '../src/numeric/evaluate.js';
import { floatField } from '../src/numeric/float.js';
import { bigField } from '../src/numeric/mathjs.js';
import { Rng } from '../src/numeric/random.js';
import type { Sizes } from '../src/numeric/sample.js';
import { invalidSizes, sampleLeaves, sampleUpstream, showSizes, sizeInstances } from '../src/numeric/sample.js';
import type { Result } from '../src/pipeline.js';
import { run } from '../src/pipeline.js';
import { exactValues, loadReference } from '../test/helpers/reference.js';

const REF = loadReference(new URL('../../shared/reference/torch_reference.json', import.meta.url));
const B = bigField(64);
const dir = mkdtempSync(join(tmpdir(), 'gradproof-python-'));

// ── the interpreter ─────────────────────────────────────────────────────────────────

// GRADPROOF_PYTHON first: .ci/run points it at a venv with torch where a torch wheel is on the machine
const CANDIDATES = [...(process.env['GRADPROOF_PYTHON'] ? [process.env['GRADPROOF_PYTHON']] : []), 'python3', '/usr/bin/python3'];

/** The first candidate that runs `code` (which prints a line), as its real executable (past pyenv's shims). */
function findPython(code: string): { exe: string; line: string } | undefined {
  for (const c of CANDIDATES) {
    const r = spawnSync(c, ['-c', `import sys\n${code}\nprint(sys.executable)`], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) continue;
    const lines = r.stdout.trim().split('\n');
    return { exe: lines.at(-1)!.trim() || c, line: lines.slice(0, -1).join(' ') };
  }
  return undefined;
}

const NUMPY = findPython('import numpy\nprint(numpy.__version__)');
const TORCH = findPython('import numpy, torch\nprint(torch.__version__)');
const NO_NUMPY =
  `no Python with numpy: neither \`python3\` (PATH) nor /usr/bin/python3 can \`import numpy\`. ` +
  `The generated NumPy modules cannot be run without it; install Debian's python3-numpy (.ci/run does).`;
const NO_TORCH = 'torch is not installed: neither `python3` (PATH) nor /usr/bin/python3 can `import torch` (with numpy); the torch target is not run (Debian python3-torch is optional)';

const python = (): string => {
  if (!NUMPY) throw new Error(NO_NUMPY);
  return NUMPY.exe;
};

let count = 0;
const write = (name: string, text: string): string => {
  const file = join(dir, `${count++}-${name}`);
  writeFileSync(file, text);
  return file;
};

/** Runs a script with the module and a JSON job; its stdout is JSON. */
function runPython<T>(exe: string, script: string, module: string, job: unknown, what: string): T {
  const jobFile = write('job.json', JSON.stringify(job));
  const r = spawnSync(exe, [script, module, jobFile], { encoding: 'utf8', timeout: 200_000, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new Error(`${what}: ${exe} did not run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what}: ${exe} ${script} ${module} ${jobFile} exited ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

// ── the drivers ─────────────────────────────────────────────────────────────────────

// Floats cross as JSON: JavaScript prints the shortest string that reads back as the
// same double, and so does Python's repr, so nothing is rounded on the way. Non-finite
// values cross as the strings "nan", "inf" and "-inf".
const PY_COMMON = String.raw`
import importlib.util, json, math, sys
import numpy as np

def load(path):
    spec = importlib.util.spec_from_file_location('generated', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod

def value(v):
    return np.array(v, dtype=np.float64) if isinstance(v, list) else float(v)

def number(x):
    x = float(x)
    return x if math.isfinite(x) else repr(x)

def enc(v):
    if isinstance(v, np.ndarray):
        return {'kind': 'ndarray', 'dtype': str(v.dtype), 'shape': list(v.shape), 'data': [number(x) for x in v.ravel().tolist()]}
    return {'kind': type(v).__name__, 'dtype': '', 'shape': [], 'data': [number(v)]}

module = load(sys.argv[1])
with open(sys.argv[2]) as f:
    job = json.load(f)
`;

/** Each case: forward and backward, with the sizes given (and saved passed on), or with neither. */
const NUMPY_DRIVER = write(
  'numpy_driver.py',
  `${PY_COMMON}
out = []
for case in job:
    inputs = {k: value(v) for k, v in case['inputs'].items()}
    upstream = {k: value(v) for k, v in case['upstream'].items()}
    sizes = case['sizes']
    try:
        inferred = {k: int(v) for k, v in module.sizes_of(inputs).items()}
    except ValueError:
        inferred = None
    if sizes is None:
        saved = module.forward(inputs)
        grads = module.backward(inputs, upstream)
    else:
        saved = module.forward(inputs, sizes)
        grads = module.backward(inputs, upstream, saved, sizes)
    out.append({'sizes_of': inferred, 'forward': {k: enc(v) for k, v in saved.items()}, 'grads': {k: enc(v) for k, v in grads.items()}})
json.dump(out, sys.stdout)
`,
);

/**
 * The torch target: Layer.apply on leaves with requires_grad, .backward(upstream),
 * the .grads; the NumPy backward of the same module; and torch autograd's gradients of
 * the same forward written in torch ops (the job names which).
 */
const TORCH_DRIVER = write(
  'torch_driver.py',
  `${PY_COMMON}
import torch
import torch.nn.functional as F

def reference(kind, t):
    if kind == 'batchnorm':
        x, gamma, beta, eps = t['x'], t['gamma'], t['beta'], t['eps']
        return gamma * (x - x.mean()) / torch.sqrt(x.var(unbiased=False) + eps) + beta
    if kind == 'conv1d':
        x, w, b = t['x'], t['w'], t['b']
        return F.conv1d(x.reshape(1, 1, -1), w.reshape(1, 1, -1), b.reshape(1)).reshape(-1)
    raise ValueError(kind)

def leaves(case):
    return {k: torch.tensor(v, dtype=torch.float64, requires_grad=k in case['grads']) for k, v in case['inputs'].items()}

out = []
for case in job:
    order, output = case['order'], case['output']
    dy = torch.tensor(case['upstream'][output], dtype=torch.float64)
    # the generated Function: its backward is the derived closed form
    mine = leaves(case)
    y = module.Layer.apply(*[mine[k] for k in order])
    y.backward(dy)
    # torch's own autograd through the same forward in torch ops
    theirs = leaves(case)
    y_ref = reference(case['kind'], theirs)
    y_ref.backward(dy)
    # the NumPy backward of the same module
    inputs = {k: value(v) for k, v in case['inputs'].items()}
    grads = module.backward(inputs, {output: value(case['upstream'][output])})
    out.append({
        'y': enc(y.detach().numpy()), 'y_ref': enc(y_ref.detach().numpy()), 'requires_grad': bool(y.requires_grad),
        'layer': {k: enc(mine[k].grad.numpy()) for k in case['grads']},
        'autograd': {k: enc(theirs[k].grad.numpy()) for k in case['grads']},
        'numpy': {k: enc(grads[k]) for k in case['grads']},
    })
json.dump(out, sys.stdout)
`,
);

// ── shared ──────────────────────────────────────────────────────────────────────────

type Json = number | number[];
interface PyValue {
  readonly kind: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: readonly (number | string)[];
}
interface NumpyOut {
  readonly sizes_of: Record<string, number> | null;
  readonly forward: Record<string, PyValue>;
  readonly grads: Record<string, PyValue>;
}
interface TorchOut {
  readonly y: PyValue;
  readonly y_ref: PyValue;
  readonly requires_grad: boolean;
  readonly layer: Record<string, PyValue>;
  readonly autograd: Record<string, PyValue>;
  readonly numpy: Record<string, PyValue>;
}

const numbers = (v: PyValue): number[] => v.data.map((x) => (typeof x === 'number' ? x : Number(x.replace('inf', 'Infinity'))));

/** A Python value the module promises: a flat float64 array for a tensor, a float for a scalar. */
function expectShape(v: PyValue | undefined, scalar: boolean, what: string): asserts v is PyValue {
  expect(v, `${what}: missing from the Python dict`).toBeDefined();
  if (scalar) expect(['float', 'float64'], `${what}: a scalar comes back as ${v!.kind}, not a float`).toContain(v!.kind);
  else expect([v!.kind, v!.dtype, v!.shape.length], `${what}: a flat float64 array`).toEqual(['ndarray', 'float64', 1]);
}

/** |got − want| ≤ 1e-10·max(1, max |want|) element by element (test/codegen.test.ts's rule). */
function expectClose(got: readonly number[], want: readonly number[], what: string): void {
  expect(got.length, `${what}: number of elements`).toBe(want.length);
  const scale = Math.max(1, ...want.filter(Number.isFinite).map(Math.abs));
  got.forEach((x, i) => {
    const w = want[i]!;
    if (!Number.isFinite(w) || !Number.isFinite(x)) expect(x, `${what}[${i}]: Python ${x}, engine ${w}`).toBe(w);
    else expect(Math.abs(x - w), `${what}[${i}]: Python ${x}, engine ${w}`).toBeLessThanOrEqual(1e-10 * scale);
  });
}

function layerFiles(d: string): string[] {
  return readdirSync(d).sort().flatMap((e) => {
    const p = join(d, e);
    return statSync(p).isDirectory() ? layerFiles(p) : p.endsWith('.layer') ? [p] : [];
  });
}

const json = (v: TensorValue<number>, scalar: boolean): Json => (scalar ? v.data[0]! : [...v.data]);
const jsonMap = (g: Graph, m: Map<string, TensorValue<number>>): Record<string, Json> =>
  Object.fromEntries([...m].map(([k, v]) => [k, json(v, !g.tensors.get(k)!.dims.length)]));
const sizesJson = (s: Sizes): Record<string, number> => Object.fromEntries([...s].map(([k, v]) => [k, Number(v)]));

/** The engine's 64-digit forward pass and every gradient's closed form at these leaves and upstream. */
function engine(r: Result, sizes: Sizes, leaves: Map<string, TensorValue<number>>, upstream: Map<string, TensorValue<number>>): { forward: Map<string, number[]>; grads: Map<string, number[]> } {
  const g = r.graph;
  const big = (m: Map<string, TensorValue<number>>) => new Map([...m].map(([k, v]) => [k, { lo: v.lo, hi: v.hi, data: v.data.map((x) => B.fromNumber(x)) }]));
  const tensors = forward(B, g, sizes, big(leaves));
  const fw = new Map<string, number[]>();
  for (const t of g.tensors.values()) if (t.role === 'def') fw.set(t.name, tensors.get(t.name)!.data.map((x) => B.toNumber(x)));
  const grads = new Map<string, number[]>();
  for (const gr of g.grads) {
    const f = r.derivation.adjoints.get(gr.name);
    const { lo, hi } = extentOf(g.tensors.get(gr.name)!, sizes);
    grads.set(gr.name, elementsOf(lo, hi).map((at) => {
      if (!f) return 0;
      const bound = new Map(f.free.map((m, k) => [m, at[k]!]));
      return B.toNumber(evaluate(B, f.closed.result, sizes, { tensors, adjoints: new Map(), upstream: big(upstream) }, bound));
    }));
  }
  return { forward: fw, grads };
}

/** Up to two of the engine's size choices: past the all-ones corner where there are four or more. */
const choose = (tried: readonly Sizes[]): Sizes[] => (tried.length <= 2 ? [...tried] : tried.length === 3 ? [tried[0]!, tried[2]!] : [tried[1]!, tried[tried.length - 2]!]);

// ── the tests ───────────────────────────────────────────────────────────────────────

test(`finds a Python with numpy (${NUMPY ? `${NUMPY.exe}, numpy ${NUMPY.line}` : 'none'})`, () => {
  if (!NUMPY) throw new Error(NO_NUMPY);
  expect(NUMPY.line).toMatch(/^\d+\.\d+/);
});

describe('generated NumPy modules against the engine’s 64-digit evaluation of the same forms', () => {
  for (const file of layerFiles('derivations')) {
    test(file, () => {
      const r = run(file, readFileSync(file, 'utf8'), { present: false });
      const g = r.graph;
      const instances = choose(sizeInstances(g).tried);
      if (!instances.length) {
        // the seed CNN at 256×256×3: too large for the engine to evaluate (as in
        // test/codegen.test.ts, which checks its generated JavaScript by directional
        // differences instead); here its NumPy module must at least compile
        expect(invalidSizes(g, new Map()), `${file}: why the engine cannot evaluate it`).toMatch(/elements/);
        const module = write('cnn.py', compile(r.derivation, 'numpy'));
        const c = spawnSync(python(), ['-m', 'py_compile', module], { encoding: 'utf8' });
        expect(c.status, c.stderr).toBe(0);
        return;
      }
      const module = write(`${file.replace(/\W+/g, '_')}.py`, compile(r.derivation, 'numpy'));
      const cases = instances.map((sizes) => {
        const rng = new Rng(`python ${file} ${[...sizes].join()}`);
        const leaves = sampleLeaves(floatField, g, sizes, rng);
        const upstream = sampleUpstream(floatField, g, sizes, rng);
        return { sizes, leaves, upstream };
      });
      const job = cases.map((c) => ({ inputs: jsonMap(g, c.leaves), upstream: jsonMap(g, c.upstream), sizes: sizesJson(c.sizes) }));
      const outs = runPython<NumpyOut[]>(python(), NUMPY_DRIVER, module, job, file);
      expect(outs.length).toBe(cases.length);
      cases.forEach((c, k) => {
        const at = `${file} at ${showSizes(c.sizes)}`;
        const py = outs[k]!;
        const want = engine(r, c.sizes, c.leaves, c.upstream);
        if (py.sizes_of) expect(py.sizes_of, `${at}: sizes_of(inputs)`).toEqual(sizesJson(c.sizes));
        for (const [name, values] of want.forward) {
          const v = py.forward[name];
          expectShape(v, !g.tensors.get(name)!.dims.length, `${at}: forward ${name}`);
          expectClose(numbers(v), values, `${at}: ${name}`);
        }
        expect(Object.keys(py.grads).sort(), `${at}: the gradients returned`).toEqual([...want.grads.keys()].sort());
        for (const [name, values] of want.grads) {
          const v = py.grads[name];
          expectShape(v, !g.tensors.get(name)!.dims.length, `${at}: dL/d${name}`);
          expectClose(numbers(v), values, `${at}: dL/d${name}`);
        }
      });
    });
  }
});

describe('generated NumPy modules against PyTorch (torch_reference.json, the README’s tolerance)', () => {
  /** |a − b| ≤ 1e-11·max(|a|, |b|) + 1e-13·S, S = max |reference| (as in test/codegen.test.ts). */
  const close = (got: readonly number[], want: readonly number[], what: string): void => {
    expect(got.length, what).toBe(want.length);
    const S = Math.max(...want.map(Math.abs));
    for (let i = 0; i < want.length; i++) {
      const [a, b] = [got[i]!, want[i]!];
      expect(Math.abs(a - b), `${what}[${i}]: NumPy ${a}, PyTorch ${b}`).toBeLessThanOrEqual(1e-11 * Math.max(Math.abs(a), Math.abs(b)) + 1e-13 * S + 1e-15);
    }
  };
  const ref = (ex: string, group: 'inputs' | 'grads', name: string): number[] => exactValues(REF.examples[ex]![group][name]!);

  test('batch norm, n = 2, 4, 8 (backward(inputs, upstream): sizes and the forward pass from the module)', () => {
    const r = run('bn.layer', readFileSync('derivations/seed/batchnorm.layer', 'utf8'), { present: false });
    const module = write('bn_ref.py', compile(r.derivation, 'numpy'));
    const ns = [2, 4, 8];
    const job = ns.map((n) => {
      const ex = `batchnorm_n${n}`;
      return {
        inputs: { x: ref(ex, 'inputs', 'x'), gamma: ref(ex, 'inputs', 'gamma')[0]!, beta: ref(ex, 'inputs', 'beta')[0]!, eps: ref(ex, 'inputs', 'eps')[0]! },
        upstream: { y: ref(ex, 'inputs', 'dy') },
        sizes: null,
      };
    });
    const outs = runPython<NumpyOut[]>(python(), NUMPY_DRIVER, module, job, 'batch norm against PyTorch');
    ns.forEach((n, k) => {
      const ex = `batchnorm_n${n}`;
      const g = outs[k]!.grads;
      expect(outs[k]!.sizes_of).toEqual({ n });
      close(numbers(g['x']!), ref(ex, 'grads', 'dL/dx'), `n = ${n}: dL/dx`);
      close(numbers(g['gamma']!), ref(ex, 'grads', 'dL/dgamma'), `n = ${n}: dL/dgamma`);
      close(numbers(g['beta']!), ref(ex, 'grads', 'dL/dbeta'), `n = ${n}: dL/dbeta`);
      // and a gradient off by 1e-8 relative in one element does not pass (the control)
      const wrong = numbers(g['x']!).map((v, i) => (i === 0 ? v * (1 + 1e-8) : v));
      expect(() => close(wrong, ref(ex, 'grads', 'dL/dx'), 'dL/dx')).toThrow();
    });
  });

  test('conv1d with bias (the reference’s n = 5, K = 2)', () => {
    const r = run('conv1d.layer', readFileSync('derivations/seed/conv1d.layer', 'utf8'), { present: false });
    const module = write('conv1d_ref.py', compile(r.derivation, 'numpy'));
    const job = [{ inputs: { x: ref('conv1d', 'inputs', 'x'), w: ref('conv1d', 'inputs', 'w'), b: ref('conv1d', 'inputs', 'b')[0]! }, upstream: { o: ref('conv1d', 'inputs', 'dy') }, sizes: null }];
    const [out] = runPython<NumpyOut[]>(python(), NUMPY_DRIVER, module, job, 'conv1d against PyTorch');
    expect(out!.sizes_of).toEqual({ n: 5, K: 2 });
    close(numbers(out!.grads['x']!), ref('conv1d', 'grads', 'dL/dx'), 'dL/dx');
    close(numbers(out!.grads['w']!), ref('conv1d', 'grads', 'dL/dw'), 'dL/dw');
    close(numbers(out!.grads['b']!), ref('conv1d', 'grads', 'dL/db'), 'dL/db');
  });
});

describe(`the torch target (${TORCH ? `${TORCH.exe}, torch ${TORCH.line}` : 'torch not installed'})`, () => {
  const torchCases = (file: string, kind: 'batchnorm' | 'conv1d', output: string, sizes: Sizes[]) => {
    const r = run(file, readFileSync(file, 'utf8'), { present: false });
    const g = r.graph;
    const order = [...g.tensors.values()].filter((t) => t.role === 'input' || t.role === 'param' || (t.role === 'const' && !t.value)).map((t) => t.name);
    const grads = g.grads.map((x) => x.name).filter((x) => order.includes(x));
    const job = sizes.map((s) => {
      const rng = new Rng(`python torch ${file} ${[...s].join()}`);
      return { kind, order, output, grads, inputs: jsonMap(g, sampleLeaves(floatField, g, s, rng)), upstream: jsonMap(g, sampleUpstream(floatField, g, s, rng)) };
    });
    return { r, job, grads };
  };

  test('every torch module is valid Python (compiled, not imported: runs without torch)', () => {
    for (const file of layerFiles('derivations')) {
      const module = write(`${file.replace(/\W+/g, '_')}_torch.py`, compile(run(file, readFileSync(file, 'utf8'), { present: false }).derivation, 'torch'));
      const c = spawnSync(python(), ['-m', 'py_compile', module], { encoding: 'utf8' });
      expect(c.status, `${file}: ${c.stderr}`).toBe(0);
      expect(readFileSync(module, 'utf8'), file).toMatch(/^class Layer\(torch\.autograd\.Function\):/m);
    }
    const c = spawnSync(python(), ['-m', 'py_compile', TORCH_DRIVER], { encoding: 'utf8' });
    expect(c.status, c.stderr).toBe(0);
  });

  const cases: [string, 'batchnorm' | 'conv1d', string, Sizes[]][] = [
    ['derivations/seed/batchnorm.layer', 'batchnorm', 'y', [new Map([['n', 2n]]), new Map([['n', 5n]]), new Map([['n', 8n]])]],
    ['derivations/seed/conv1d.layer', 'conv1d', 'o', [new Map([['n', 5n], ['K', 2n]]), new Map([['n', 8n], ['K', 3n]]), new Map([['n', 4n], ['K', 4n]])]],
  ];
  for (const [file, kind, output, sizes] of cases) {
    test.skipIf(!TORCH)(`${file}: Layer.apply(…).backward(upstream) gives the NumPy backward and torch autograd’s gradients (${TORCH ? 'torch found' : NO_TORCH})`, () => {
      const { r, job, grads } = torchCases(file, kind, output, sizes);
      const module = write(`${kind}_torch.py`, compile(r.derivation, 'torch'));
      const outs = runPython<TorchOut[]>(TORCH!.exe, TORCH_DRIVER, module, job, `${file} through torch`);
      outs.forEach((o, k) => {
        const at = `${file} at ${showSizes(sizes[k]!)}`;
        expect(o.requires_grad, `${at}: Layer.apply's output requires grad`).toBe(true);
        expectClose(numbers(o.y), numbers(o.y_ref), `${at}: Layer forward vs torch ops`);
        for (const name of grads) {
          expectClose(numbers(o.layer[name]!), numbers(o.numpy[name]!), `${at}: .grad of ${name} vs the NumPy backward`);
          expectClose(numbers(o.layer[name]!), numbers(o.autograd[name]!), `${at}: .grad of ${name} vs torch autograd`);
        }
      });
    });
  }
});

describe('the torch target with a loss defined in the file', () => {
  // L = Σᵢ (yᵢ − tᵢ)²/2 with y = W·x + b: Layer.apply gives L itself, and (3·L).backward()
  // must scale the derived gradients by autograd's 3, as torch's own graph does
  test.skipIf(!TORCH)(`mse-loss: (3·L).backward() through Layer equals torch autograd (${TORCH ? 'torch found' : NO_TORCH})`, () => {
    const r = run('derivations/language/mse-loss.layer', readFileSync('derivations/language/mse-loss.layer', 'utf8'), { present: false });
    const module = write('mse_torch.py', compile(r.derivation, 'torch'));
    const script = write('mse_driver.py', [
      'import importlib.util, sys',
      'import torch',
      'spec = importlib.util.spec_from_file_location("m", sys.argv[1]); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
      'torch.manual_seed(1)',
      'x = torch.randn(3, dtype=torch.float64, requires_grad=True); t = torch.randn(2, dtype=torch.float64)',
      'W = torch.randn(2, 3, dtype=torch.float64, requires_grad=True); b = torch.randn(2, dtype=torch.float64, requires_grad=True)',
      'L = m.Layer.apply(x, t, W, b); (3 * L).backward()',
      'mine = [x.grad.clone(), W.grad.clone(), b.grad.clone()]',
      'x2, W2, b2 = [v.detach().clone().requires_grad_(True) for v in (x, W, b)]',
      'L2 = ((W2 @ x2 + b2 - t) ** 2).sum() / 2; (3 * L2).backward()',
      'print(max((a - c).abs().max().item() for a, c in zip(mine, [x2.grad, W2.grad, b2.grad])), abs((L - L2).item()))',
    ].join('\n'));
    const out = spawnSync(TORCH!.exe, [script, module], { encoding: 'utf8', timeout: 120_000 });
    expect(out.status, out.stderr).toBe(0);
    const [grads, value] = out.stdout.trim().split(/\s+/).map(Number);
    expect(grads).toBeLessThan(1e-12);
    expect(value).toBeLessThan(1e-12);
  });
});
