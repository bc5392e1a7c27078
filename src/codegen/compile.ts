// `gradproof compile`: a standalone module with forward(inputs) and backward(inputs,
// upstream) generated from the derivation's simplified closed forms, for JavaScript,
// TypeScript, NumPy or torch. Sizes come from the arrays at run time; arrays are flat
// and row-major with indices from 1 as in the spec. Nothing a user wrote reaches the
// code except names, and names only as sanitised identifiers or as JSON string
// literals (valid in both JavaScript and Python).
import type { Derivation } from '../autodiff/forms.js';
import type { Graph, Tensor } from '../graph/graph.js';
import { adj, idx, num, read } from '../ir/node.js';
import type { Node } from '../ir/node.js';
import { printText } from '../ops/printer.js';
import { scopeOf } from '../autodiff/forms.js';
import { namingOf } from '../render/naming.js';
import { simplify } from '../simplify/pass.js';
import { CLOSED_RULES } from '../simplify/rules.js';
import type { Storage } from './lower.js';
import { Lowering } from './lower.js';
import type { Stmt, Syntax, TargetName } from './targets.js';
import { commentText, syntaxOf } from './targets.js';

const TRANSLIT: Record<string, string> = {
  α: 'alpha', β: 'beta', γ: 'gamma', δ: 'delta', ε: 'eps', η: 'eta', θ: 'theta', λ: 'lambda', μ: 'mu',
  σ: 'sigma', τ: 'tau', φ: 'phi', ψ: 'psi', ω: 'omega', π: 'pi', ν: 'nu', ρ: 'rho', κ: 'kappa', ξ: 'xi', ζ: 'zeta', χ: 'chi',
};

/** A name of the spec as an identifier of every target: ASCII letters, digits and _. */
export function identifier(name: string): string {
  const ascii = [...name].map((c) => (/[A-Za-z0-9_]/.test(c) ? c : TRANSLIT[c] ?? (c === '.' ? '_' : `u${c.codePointAt(0)!.toString(16)}`))).join('');
  return /^[A-Za-z_]/.test(ascii) ? ascii : `_${ascii}`;
}

/** A string literal valid in JavaScript and Python alike (JSON's escapes are both's). */
const literal = (s: string): string => JSON.stringify(s);

interface Names {
  readonly of: Map<string, string>;
  readonly used: Set<string>;
}

function nameTable(g: Graph, syntax: Syntax): Names {
  const used = new Set<string>();
  const of = new Map<string, string>();
  const claim = (key: string, base: string): void => {
    let name = identifier(base);
    for (let k = 1; used.has(name) || syntax.reserved.has(name); k++) name = `${identifier(base)}_${k}`;
    used.add(name);
    of.set(key, name);
  };
  for (const s of g.sizes.keys()) claim(`size:${s}`, s);
  for (const t of g.tensors.values()) claim(`tensor:${t.name}`, t.name);
  for (const o of g.outputs) claim(`upstream:${o}`, `dL_d${o}`);
  for (const t of g.tensors.values()) claim(`adjoint:${t.name}`, `dL_d${t.name}`);
  // torch's Layer.backward(ctx, grad_y): its arguments shared a scope with the size
  // variables unchecked, so a size named grad_y overwrote the upstream (issue 9)
  for (const o of g.lossDefined ? [g.loss] : g.outputs) claim(`grad:${o}`, `grad_${o}`);
  return { of, used };
}

const isLeaf = (t: Tensor): boolean => t.role === 'input' || t.role === 'param' || (t.role === 'const' && !t.value);

interface Parts {
  readonly syntax: Syntax;
  readonly forward: Stmt[];
  readonly backward: Stmt[];
  readonly leaves: readonly Tensor[];
  readonly defs: readonly Tensor[];
  readonly names: Names;
  readonly g: Graph;
  readonly grads: readonly string[];
}

export function compile(d: Derivation, target: TargetName, version = ''): string {
  const g = d.graph;
  const syntax = syntaxOf(target);
  const names = nameTable(g, syntax);
  const naming = namingOf(g);
  const nm = (k: string): string => names.of.get(k)!;
  const sizeNames = new Map([...g.sizes.keys()].map((s) => [s, nm(`size:${s}`)]));
  const storage = (name: string, kind: 'tensor' | 'upstream' | 'adjoint'): Storage => {
    const t = g.tensors.get(name)!;
    return { ident: nm(`${kind}:${name}`), dims: t.dims };
  };
  const leaves = [...g.tensors.values()].filter(isLeaf);
  const defs = [...g.tensors.values()].filter((t) => t.role === 'def');

  const fw = new Lowering(syntax, storage, sizeNames, names.used);
  const forward: Stmt[] = [];
  for (const t of defs) {
    const lhs = printText(read(t.name, t.dims.map((x) => idx(x.index))), naming);
    forward.push(...fw.tensor(storage(t.name, 'tensor'), t.dims.map((x) => x.index), t.body!, `${lhs} = ${printText(t.body!, naming)}`));
  }

  // reverse mode: each adjoint from its closed form, or from its local form through its
  // consumers' adjoints (computed first, once each) where the closed form nests deeper
  const plan = planBackward(d);
  const bw = new Lowering(syntax, storage, sizeNames, names.used);
  const backward: Stmt[] = [];
  const grads = g.grads.map((gr) => gr.name);
  for (const name of plan.order) {
    const f = d.adjoints.get(name);
    const t = g.tensors.get(name)!;
    const free = f?.free ?? t.dims.map((x) => x.index);
    const dims = t.dims.map((x, k) => ({ lo: x.lo, hi: x.hi, index: free[k]! }));
    const form = plan.form.get(name);
    const body: Node = f ? (form === 'local' ? plan.local.get(name)! : f.closed.result) : num(0);
    const lhs = printText(adj(name, free.map(idx)), naming);
    const comment = f ? `${lhs} = ${printText(body, naming)}${form === 'local' ? '  (local form: through its consumers’ adjoints)' : ''}` : `${lhs} = 0: L does not depend on ${name}`;
    backward.push(...bw.tensor({ ident: nm(`adjoint:${name}`), dims }, dims.map((x) => x.index), body, comment));
  }
  const parts: Parts = { syntax, forward, backward, leaves, defs, names, g, grads };
  return syntax.lang === 'js' ? jsModule(parts, target === 'ts', version) : pythonModule(parts, target === 'torch', version);
}

// ── which form each adjoint is computed from ────────────────────────────────────────

/** How deeply reductions nest in a form (Σᵢ Σⱼ … is 2): each level multiplies the work. */
function nesting(n: Node): number {
  const inner = Math.max(0, ...n.args.map(nesting));
  return n.op === 'sum' || n.op === 'maxr' || n.op === 'argfirst' ? inner + 1 : inner;
}

const adjointsIn = (n: Node, out: Set<string> = new Set()): Set<string> => {
  if (n.op === 'adj' && !n.attrs.upstream) out.add(n.attrs.name!);
  n.args.forEach((a) => adjointsIn(a, out));
  return out;
};

/**
 * For each adjoint: its closed form where its reductions nest no deeper than those
 * of its local form and of the consumers' adjoints that form reads (the chain), else
 * the local form, with those adjoints computed first, once each. A one-layer file
 * keeps its closed forms (batch norm's compact dL/dx, the transposed convolution);
 * through a deep network a closed form nests every later layer's sums inside its own,
 * and the local forms are reverse mode: each adjoint once, each layer's loops once.
 */
function planBackward(d: Derivation): { order: string[]; form: Map<string, 'closed' | 'local'>; local: Map<string, Node> } {
  const g = d.graph;
  const form = new Map<string, 'closed' | 'local'>();
  const cost = new Map<string, number>();
  // the local form as the proofs show it keeps its boundary brackets; loops want them in
  // the ranges, so it goes through the closed form's rules (adjoints left as they are)
  const local = new Map<string, Node>();
  const localOf = (name: string): Node => {
    let n = local.get(name);
    if (!n) {
      const f = d.adjoints.get(name)!;
      n = simplify(f.local.result, { scope: scopeOf(g, f.tensor, f.free), rules: CLOSED_RULES }).result;
      local.set(name, n);
    }
    return n;
  };
  const choose = (name: string): number => {
    const known = cost.get(name);
    if (known !== undefined) return known;
    const f = d.adjoints.get(name);
    if (!f) return 0;
    const closed = nesting(f.closed.result);
    const needs = [...adjointsIn(f.local.result)];
    const viaLocal = needs.length ? Math.max(nesting(localOf(name)), ...needs.map(choose)) : Infinity;
    const pick = closed <= viaLocal ? 'closed' : 'local';
    form.set(name, pick);
    cost.set(name, Math.min(closed, viaLocal));
    return Math.min(closed, viaLocal);
  };
  g.grads.forEach((gr) => choose(gr.name));
  // what is computed: the gradients, and the adjoints local forms read, consumers first
  const needed = new Set<string>();
  const need = (name: string): void => {
    if (needed.has(name)) return;
    needed.add(name);
    const f = d.adjoints.get(name);
    if (f && form.get(name) === 'local') adjointsIn(localOf(name)).forEach(need);
  };
  g.grads.forEach((gr) => need(gr.name));
  const order = [...g.tensors.keys()].reverse().filter((n) => needed.has(n));
  return { order, form, local };
}

// ── sizes from the arrays ─────────────────────────────────────────────────────────

/** For each size symbol, a leaf whose one non-numeric dimension is exactly it: n = length / the rest. */
function sizeSources(g: Graph): Map<string, { leaf: Tensor; others: bigint }> {
  const out = new Map<string, { leaf: Tensor; others: bigint }>();
  for (const t of g.tensors.values()) {
    if (!isLeaf(t)) continue;
    const symbolic = t.dims.filter((x) => x.hi.op !== 'num');
    if (symbolic.length !== 1 || symbolic[0]!.hi.op !== 'size') continue;
    const s = symbolic[0]!.hi.attrs.name!;
    const others = t.dims.filter((x) => x.hi.op === 'num').reduce((p, x) => p * x.hi.attrs.value!.n, 1n);
    if (!out.has(s)) out.set(s, { leaf: t, others });
  }
  return out;
}

/** The module's opening comment; the file's name is the user's, so each line goes through commentText. */
function header(p: Parts, comment: string, version: string): string[] {
  const g = p.g;
  const shape = (t: Tensor): string => (t.dims.length ? `[${t.dims.map((x) => printText(x.hi)).join(', ')}]` : '');
  return [
    `Generated by gradproof${version ? ` ${version}` : ''} from ${g.file}: the forward pass and the derived closed-form`,
    `gradients, as loops. Arrays are flat and row-major, indexed from 1 as in the spec (element`,
    `x[i, j] of x[C, N] is at (i - 1)*N + (j - 1)); scalars are numbers. Do not edit: compile again.`,
    `Leaves (inputs): ${p.leaves.map((t) => `${t.name}${shape(t)}`).join(', ') || 'none'}`,
    `Outputs: ${g.lossDefined ? `${g.loss} (the loss: backward needs no upstream)` : g.outputs.map((o) => `${o}${shape(g.tensors.get(o)!)}`).join(', ')}`,
    `Gradients: ${p.grads.map((x) => `dL/d${x}`).join(', ')}`,
    `Sizes: ${[...g.sizes.keys()].join(', ') || 'none (all concrete)'}`,
  ].map((l) => `${comment} ${commentText(l)}`);
}

// ── JavaScript and TypeScript ───────────────────────────────────────────────────────

function jsModule(p: Parts, ts: boolean, version: string): string {
  const { syntax: S, g } = p;
  const nm = (k: string): string => p.names.of.get(k)!;
  const sizeKeys = [...g.sizes.keys()];
  const T = (t: string): string => (ts ? `: ${t}` : '');
  const arr = (t: Tensor): string => (t.dims.length ? 'Float64Array' : 'number');
  const out: string[] = [...header(p, '//', version), ''];
  if (ts) {
    out.push(`export interface Sizes { ${sizeKeys.map((s) => `${literal(s)}: number;`).join(' ')} }`);
    out.push(`export interface Inputs { ${p.leaves.map((t) => `${literal(t.name)}: ${arr(t)};`).join(' ')} }`);
    out.push(`export interface Forward { ${p.defs.map((t) => `${literal(t.name)}: ${arr(t)};`).join(' ')} }`);
    out.push(`export interface Upstream { ${g.lossDefined ? '' : g.outputs.map((o) => `${literal(o)}: ${arr(g.tensors.get(o)!)};`).join(' ')} }`);
    out.push(`export interface Gradients { ${p.grads.map((x) => `${literal(x)}: ${arr(g.tensors.get(x)!)};`).join(' ')} }`, '');
  }
  const sources = sizeSources(g);
  out.push(`/** The size symbols, from the input arrays' lengths. */`);
  out.push(`export function sizesOf(inputs${T('Inputs')})${T('Sizes')} {`);
  out.push(`  const sizes${ts ? ': Partial<Sizes>' : ''} = {};`);
  for (const s of sizeKeys) {
    const src = sources.get(s);
    if (src) out.push(`  sizes[${literal(s)}] = inputs[${literal(src.leaf.name)}].length / ${src.others};`);
    out.push(`  if (!Number.isInteger(sizes[${literal(s)}]) || sizes[${literal(s)}]${ts ? '!' : ''} < 1) throw new Error(${literal(`cannot tell the size ${s} from the inputs: pass sizes explicitly`)});`);
  }
  out.push(`  return sizes${ts ? ' as Sizes' : ''};`, `}`, '');
  const prologue = (indent: string): string[] => {
    const lines = sizeKeys.map((s) => `${indent}const ${nm(`size:${s}`)} = sizes[${literal(s)}];`);
    for (const t of p.leaves) {
      lines.push(`${indent}const ${nm(`tensor:${t.name}`)} = inputs[${literal(t.name)}];`);
    }
    // each array's length against the sizes: a mismatch is an error, not a silent misread
    const L = new Lowering(S, () => ({ ident: '', dims: [] }), new Map(sizeKeys.map((s) => [s, nm(`size:${s}`)])), new Set());
    for (const t of p.leaves.filter((x) => x.dims.length)) {
      const want = L.length({ ident: '', dims: t.dims });
      lines.push(`${indent}if (${nm(`tensor:${t.name}`)}.length !== ${want}) throw new Error(${literal(`${t.name} must have `)} + ${want} + ${literal(' elements')});`);
    }
    return lines;
  };
  out.push(`/** Every tensor of the forward pass, from the leaves. */`);
  out.push(`export function forward(inputs${T('Inputs')}, sizes${T('Sizes')} = sizesOf(inputs))${T('Forward')} {`);
  out.push(...prologue('  '), ...S.statements(p.forward, '  '));
  out.push(`  return { ${p.defs.map((t) => `${literal(t.name)}: ${nm(`tensor:${t.name}`)}`).join(', ')} };`, `}`, '');
  out.push(`/** The gradients asked for, from the closed forms: upstream holds dL/d(output) for each output. */`);
  out.push(`export function backward(inputs${T('Inputs')}, upstream${T('Upstream')}, saved${T('Forward')} = forward(inputs), sizes${T('Sizes')} = sizesOf(inputs))${T('Gradients')} {`);
  out.push(...prologue('  '));
  for (const t of p.defs) out.push(`  const ${nm(`tensor:${t.name}`)} = saved[${literal(t.name)}];`);
  if (!g.lossDefined) for (const o of g.outputs) out.push(`  const ${nm(`upstream:${o}`)} = upstream[${literal(o)}];`);
  out.push(...S.statements(p.backward, '  '));
  out.push(`  return { ${p.grads.map((x) => `${literal(x)}: ${nm(`adjoint:${x}`)}`).join(', ')} };`, `}`, '');
  return out.join('\n');
}

// ── NumPy and torch ─────────────────────────────────────────────────────────────────

const PY_HELPERS = [
  'def _at(a, i):',
  '    return a[i] if 0 <= i < a.shape[0] else math.nan',
  '',
  'def _exp(a):',
  '    try:',
  '        return math.exp(a)',
  '    except OverflowError:',
  '        return math.inf',
  '',
  'def _log(a):',
  '    return math.log(a) if a > 0 else (-math.inf if a == 0 else math.nan)',
  '',
  'def _sqrt(a):',
  '    return math.sqrt(a) if a >= 0 else math.nan',
  '',
  'def _pow(a, b):',
  '    try:',
  '        return math.pow(a, b)',
  '    except OverflowError:',
  '        return math.inf',
  '    except (ValueError, ZeroDivisionError):',
  '        return math.inf if a == 0 else math.nan',
  '',
  '_abs, _sin, _cos, _tanh = abs, math.sin, math.cos, math.tanh',
  '',
];

function pythonModule(p: Parts, torch: boolean, version: string): string {
  const { syntax: S, g } = p;
  const nm = (k: string): string => p.names.of.get(k)!;
  const sizeKeys = [...g.sizes.keys()];
  // the encoding stated on the first line, where Python looks for it (lines 1 and 2): a file
  // name holding `coding: raw_unicode_escape` would otherwise make \u000a in a later comment
  // a line break, and the rest of that comment code (security review, issue 9)
  const out: string[] = ['# -*- coding: utf-8 -*-', ...header(p, '#', version), '', 'import math', '', 'import numpy as np'];
  if (torch) out.push('import torch');
  out.push('', '', ...PY_HELPERS, '');
  const sources = sizeSources(g);
  out.push('def sizes_of(inputs):', '    """The size symbols, from the input arrays\' lengths."""', '    sizes = {}');
  for (const s of sizeKeys) {
    const src = sources.get(s);
    if (src) out.push(`    sizes[${literal(s)}] = np.size(inputs[${literal(src.leaf.name)}]) // ${src.others}`);
    out.push(`    if sizes.get(${literal(s)}, 0) < 1:`, `        raise ValueError(${literal(`cannot tell the size ${s} from the inputs: pass sizes explicitly`)})`);
  }
  out.push('    return sizes', '', '');
  const L = new Lowering(S, () => ({ ident: '', dims: [] }), new Map(sizeKeys.map((s) => [s, nm(`size:${s}`)])), new Set());
  const prologue = (): string[] => {
    const lines = sizeKeys.map((s) => `    ${nm(`size:${s}`)} = int(sizes[${literal(s)}])`);
    for (const t of p.leaves) {
      const v = nm(`tensor:${t.name}`);
      // a scalar as a 0-d float64 (NumPy 2 refuses float() of a 1-element array; and x/0 is inf, not an exception)
      if (!t.dims.length) lines.push(`    ${v} = np.float64(np.asarray(inputs[${literal(t.name)}], dtype=np.float64).reshape(()))`);
      else {
        const want = L.length({ ident: '', dims: t.dims });
        lines.push(`    ${v} = np.ascontiguousarray(inputs[${literal(t.name)}], dtype=np.float64).ravel()`);
        lines.push(`    if ${v}.shape[0] != ${want}:`, `        raise ValueError(${literal(`${t.name} must have `)} + str(${want}) + ${literal(' elements')})`);
      }
    }
    return lines;
  };
  out.push('def forward(inputs, sizes=None):', '    """Every tensor of the forward pass, from the leaves."""', '    sizes = sizes or sizes_of(inputs)');
  out.push(...prologue(), ...S.statements(p.forward, '    '));
  out.push(`    return {${p.defs.map((t) => `${literal(t.name)}: ${nm(`tensor:${t.name}`)}`).join(', ')}}`, '', '');
  out.push('def backward(inputs, upstream, saved=None, sizes=None):', '    """The gradients asked for, from the closed forms: upstream holds dL/d(output) for each output."""');
  out.push('    sizes = sizes or sizes_of(inputs)', '    saved = saved if saved is not None else forward(inputs, sizes)');
  out.push(...prologue());
  for (const t of p.defs) out.push(`    ${nm(`tensor:${t.name}`)} = saved[${literal(t.name)}]`);
  if (!g.lossDefined) {
    for (const o of g.outputs) {
      const t = g.tensors.get(o)!;
      out.push(`    ${nm(`upstream:${o}`)} = ${t.dims.length ? `np.ascontiguousarray(upstream[${literal(o)}], dtype=np.float64).ravel()` : `np.float64(np.asarray(upstream[${literal(o)}], dtype=np.float64).reshape(()))`}`);
    }
  }
  out.push(...S.statements(p.backward, '    '));
  out.push(`    return {${p.grads.map((x) => `${literal(x)}: ${nm(`adjoint:${x}`)}`).join(', ')}}`, '');
  if (torch) out.push('', ...torchFunction(p, L));
  return out.join('\n');
}

/** A torch.autograd.Function whose backward is the derived closed form. */
function torchFunction(p: Parts, L: Lowering): string[] {
  const g = p.g;
  const nm = (k: string): string => p.names.of.get(k)!;
  const args = p.leaves.map((t) => nm(`tensor:${t.name}`));
  const shapeOf = (t: Tensor): string => (t.dims.length ? `(${t.dims.map((x) => `int(${L.length({ ident: '', dims: [x] })})`).join(', ')},)` : '()');
  const sizeLines = [...g.sizes.keys()].map((s) => `        ${nm(`size:${s}`)} = int(sizes[${literal(s)}])`);
  const outs = g.lossDefined ? [g.loss] : [...g.outputs];
  const lines = [
    'class Layer(torch.autograd.Function):',
    `    """${p.leaves.map((t) => t.name).join(', ')} -> ${outs.join(', ')}; its backward is the derived closed form, not autograd's."""`,
    '',
    '    @staticmethod',
    `    def forward(ctx, ${args.join(', ')}):`,
    `        inputs = {${p.leaves.map((t) => `${literal(t.name)}: ${nm(`tensor:${t.name}`)}.detach().cpu().double().numpy().ravel()`).join(', ')}}`,
    '        sizes = sizes_of(inputs)',
    ...sizeLines,
    '        saved = forward(inputs, sizes)',
    '        ctx.gradproof = (inputs, saved, sizes)',
    `        return ${outs.map((o) => `torch.as_tensor(np.asarray(saved[${literal(o)}], dtype=np.float64)).reshape(${shapeOf(g.tensors.get(o)!)})`).join(', ')}`,
    '',
    '    @staticmethod',
    `    def backward(ctx, ${outs.map((o) => nm(`grad:${o}`)).join(', ')}):`,
    '        inputs, saved, sizes = ctx.gradproof',
    ...sizeLines,
    `        upstream = {${g.lossDefined ? '' : outs.map((o) => `${literal(o)}: ${nm(`grad:${o}`)}.detach().cpu().double().numpy().ravel()`).join(', ')}}`,
    '        grads = backward(inputs, upstream, saved, sizes)',
    // a loss's own gradient from autograd (1 for L.backward()) scales every result
    ...(g.lossDefined ? [`        grads = {k: v * float(${nm(`grad:${g.loss}`)}) for k, v in grads.items()}`] : []),
    `        return ${p.leaves.map((t) => (p.grads.includes(t.name) ? `torch.as_tensor(np.asarray(grads[${literal(t.name)}], dtype=np.float64)).reshape(${shapeOf(t)})` : 'None')).join(', ')}${p.leaves.length === 1 ? ',' : ''}`,
    '',
  ];
  if (g.lossDefined) lines.push(`# the loss is a scalar: Layer.apply(...).backward() gives every leaf its .grad`);
  return lines;
}
