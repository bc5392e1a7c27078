// Proofs as data: for each gradient, the derivation a lecturer would write on the
// board, in LaTeX lines with their reasons. Every line comes from the engine's own
// record: the sweep's contributions (the chain rule), the local derivatives, and the
// simplifier's steps with the whole expression after each (Step.root). The renderers
// (documents.ts) only lay these lines out.
import type { AdjointForms } from '../autodiff/forms.js';
import type { Graph, Tensor } from '../graph/graph.js';
import type { Node } from '../ir/node.js';
import { adj, idx, num, read, readsAny, upstream } from '../ir/node.js';
import type { Result } from '../pipeline.js';
import type { Step } from '../simplify/pass.js';
import type { Reason } from '../simplify/rules.js';
import { latexText } from './latex-text.js';
import type { FormCheck } from '../verify/gradcheck.js';
import type { Naming } from '../ops/printer.js';
import { namingOf } from './naming.js';
import { splitSign } from '../ops/layout.js';
import { printLatex, printText } from '../ops/printer.js';

/** One line of a derivation: `= expression`, and why it follows from the line before. */
export interface Line {
  readonly latex: string;
  /** The reason in words (formulas in Unicode text). */
  readonly reason?: string;
  /** The same for LaTeX's text mode, formulas between $…$. */
  readonly reasonTex?: string;
}

export interface Proof {
  readonly name: string;
  /** The adjoint being derived, e.g. \frac{\partial L}{\partial x_{m}}. */
  readonly adjoint: string;
  /** Where its free indices range, e.g. m = 1, \dots, n. */
  readonly range?: string;
  /** The forward definitions the gradient goes through. */
  readonly definitions: readonly string[];
  /** The layer calls among them, each with its def's text as written (lib/std.layer or the file). */
  readonly layers: readonly LayerNote[];
  /** The conventions for non-smooth points that this derivation relies on. */
  readonly conventions: readonly string[];
  /** The chain rule through the direct consumers (the seed's first line). */
  readonly chain: Line;
  /** Each local derivative, worked out. */
  readonly locals: readonly Line[];
  /** From the chain rule to the local form. */
  readonly localSteps: readonly Line[];
  /** The consumers' own adjoints in closed form, substituted next. */
  readonly substitutions: readonly Line[];
  /** From the substituted form to the closed form, every rule named. */
  readonly closedSteps: readonly Line[];
  /** The result, as printed (common factors out). */
  readonly result: string;
  /** Each element, for concrete small sizes. */
  readonly elements: readonly Line[];
  /** The numeric evidence, in words. */
  readonly evidence?: string;
}

const CONVENTIONS: Readonly<Record<string, string>> = {
  max: 'a tie in max gives the whole gradient to the first (lowest-index) argument',
  maxr: 'a tie in a max over a window gives the whole gradient to the first maximum, as PyTorch’s max pooling does',
  min: 'a tie in min gives the whole gradient to the first argument',
  relu: "relu'(0) = 0",
  abs: "abs'(0) = 0",
};

export function proofs(r: Result): Proof[] {
  const g = r.graph;
  const naming = namingOf(g);
  return g.grads.flatMap((gr) => {
    const f = r.derivation.adjoints.get(gr.name);
    return f ? [proofOf(r, f, naming)] : [];
  });
}

function proofOf(r: Result, f: AdjointForms, naming: Naming): Proof {
  const g = r.graph;
  const t = f.tensor;
  const lhsNode = adj(t.name, f.free.map(idx));
  const adjoint = printLatex(lhsNode, naming);
  const range = f.free.length
    ? f.free.map((m, i) => `${printLatex(idx(m), naming)} = ${printLatex(t.dims[i]!.lo, naming)}, \\dots, ${printLatex(t.dims[i]!.hi, naming)}`).join(',\\; ')
    : undefined;
  const involved = downstream(g, t);
  const locals = f.sweep.contributions.map((c) => ({
    latex: `${partial(c.consumer, c.binders, t, f.free, naming)} = ${printLatex(c.worked, naming)}`,
  }));
  const shown = r.shown.get(t.name)?.closed ?? f.closed.result;
  const substitutions = adjointsIn(f.local.result).flatMap((a) => {
    const c = r.derivation.adjoints.get(a.attrs.name!);
    if (!c) return [];
    const lhs = adj(c.tensor.name, c.free.map(idx));
    const [left, right] = [printLatex(lhs, naming), printLatex(r.shown.get(c.tensor.name)?.closed ?? c.closed.result, naming)];
    // an output's adjoint is its upstream gradient: nothing to substitute
    return left === right ? [] : [{ latex: `${left} = ${right}` }];
  });
  const checks = r.check?.forms.filter((x) => x.gradient === t.name && x.form !== 'recurrence') ?? [];
  const concrete = r.concrete?.derivation.adjoints.get(t.name) ?? f;
  const shownEls = (r.concrete ? r.shownConcrete : r.shown)?.get(t.name)?.elements;
  return {
    name: t.name,
    adjoint,
    ...(range && { range }),
    definitions: involved.map((d) => definition(d, naming)),
    layers: layerNotes(g, involved),
    conventions: conventionsOf(involved),
    chain: { latex: `${adjoint} = ${chainRule(g, f, naming)}`, reason: 'the chain rule, through every direct consumer' },
    locals,
    localSteps: ending(
      [{ latex: broken(f.sweep.raw, naming), reason: 'the local derivatives substituted' }, ...lines(f.local.steps, naming)],
      broken(f.local.result, naming),
      'factors of 1 dropped, terms in order',
    ),
    substitutions,
    closedSteps: ending(
      ending([{ latex: broken(f.substituted, naming), reason: 'the closed forms substituted' }, ...lines(f.closed.steps, naming)], broken(f.closed.result, naming), 'terms collected'),
      broken(shown, naming),
      'common factors taken out',
    ),
    result: `${adjoint} = ${printLatex(shown, naming)}`,
    elements: (concrete.elements ?? []).map((e, i) => ({
      latex: `${printLatex(adj(t.name, e.at.map((v) => num(v))), naming)} = ${printLatex(shownEls?.[i] ?? e.form, naming)}`,
    })),
    ...(checks.length && { evidence: evidence(r, checks) }),
  };
}

/** A recurrence solved: its rule, the unrolled sum and the simplifier's steps to the closed form. */
export interface RecurrenceProof {
  readonly name: string;
  /** v_t */
  readonly lhs: string;
  /** v_0 = …, and v_t = … for t = 1, …, T. */
  readonly rule: readonly Line[];
  /** From the unrolled sum to the closed form. */
  readonly steps: readonly Line[];
  /** v_t = closed form, t = 0, …, T */
  readonly result: string;
  /** How the closed form was checked against the rule. */
  readonly evidence?: string;
}

export function recurrenceProofs(r: Result): RecurrenceProof[] {
  const naming = namingOf(r.graph);
  return [...r.graph.tensors.values()].flatMap((t) => {
    const rec = t.recurrence;
    if (!rec?.solution || !t.body) return [];
    const d = t.dims[0]!;
    const ti = idx(d.index);
    const lhs = printLatex(read(t.name, [ti]), naming);
    const at0 = printLatex(read(t.name, [num(0)]), naming);
    const rule: Line[] = [
      { latex: `${at0} = ${printLatex(rec.init, naming)}` },
      { latex: `${lhs} = ${printLatex(rec.step, naming)}, \\quad ${printLatex(ti, naming)} = 1, \\dots, ${printLatex(d.hi, naming)}` },
    ];
    const steps = ending(
      [{ latex: broken(rec.solution.unrolled, naming), reason: 'the rule unrolled: by induction on t, the rule applied t times' }, ...lines(rec.solution.steps, naming)],
      broken(t.body, naming),
      'terms collected',
    );
    const check = r.check?.forms.find((f) => f.gradient === t.name && f.form === 'recurrence');
    const evidence = check && `Checked against the rule evaluated step by step from ${printText(read(t.name, [num(0)]), naming)}, in 64-digit arithmetic at ${check.sizes.join('; ')} (${check.points} points): ${check.pass ? 'they agree' : 'THEY DISAGREE'}; largest relative error ${Number.isFinite(check.maxRelError) ? check.maxRelError.toExponential(1) : '∞'} (tolerance ${r.check!.tolerance.toExponential(0)}).`;
    return [{ name: t.name, lhs, rule, steps, result: `${lhs} = ${printLatex(t.body, naming)}, \\quad ${printLatex(ti, naming)} = 0, \\dots, ${printLatex(d.hi, naming)}`, ...(evidence && { evidence }) }];
  });
}

/** ∂C_b/∂X_m as a symbol. */
function partial(c: Tensor, binders: readonly string[], x: Tensor, free: readonly string[], naming: Naming): string {
  const top = printLatex(read(c.name, binders.map(idx)), naming);
  const bottom = printLatex(read(x.name, free.map(idx)), naming);
  return `\\frac{\\partial ${top}}{\\partial ${bottom}}`;
}

/** Σ_b ∂L/∂C_b · ∂C_b/∂X_m over the consumers (and ∂L/∂X_m directly for an output). */
function chainRule(g: Graph, f: AdjointForms, naming: Naming): string {
  const terms: string[] = [];
  if (f.sweep.upstream) terms.push(printLatex(upstream(f.tensor.name, f.free.map(idx)), naming));
  for (const c of f.sweep.contributions) {
    const sums = c.consumer.dims.map((d, i) => `\\sum_{${printLatex(idx(c.binders[i]!), naming)}=${printLatex(d.lo, naming)}}^{${printLatex(d.hi, naming)}} `).join('');
    const through = g.lossDefined && c.consumer.name === g.loss ? '' : `${printLatex(adj(c.consumer.name, c.binders.map(idx)), naming)}\\,`;
    terms.push(`${sums}${through}${partial(c.consumer, c.binders, f.tensor, f.free, naming)}`);
  }
  return terms.join(' + ') || '0';
}

/**
 * Visible steps as lines. The steps inside one term of the root (one branch) make one
 * line, with their reasons in order, and so does a run of one rule at the root: a
 * lecturer simplifies term by term, not rewrite by rewrite.
 */
function lines(steps: readonly Step[], naming: Naming): Line[] {
  const visible = steps.filter((s) => s.rule.visible);
  const groups: Step[][] = [];
  for (const s of visible) {
    const g = groups[groups.length - 1];
    const same =
      g && !MILESTONES.has(g[g.length - 1]!.rule.name) && !MILESTONES.has(s.rule.name) &&
      (s.branch >= 0 ? g[0]!.branch === s.branch : g[0]!.branch < 0 && g[0]!.rule.name === s.rule.name);
    if (same) g.push(s);
    else groups.push([s]);
  }
  const out: Line[] = [];
  let last = '';
  for (const g of groups) {
    const latex = broken(g[g.length - 1]!.root, naming);
    if (latex === last) continue;
    const text = [...new Set(g.map((s) => reasonText(s.reason, naming)))];
    const tex = [...new Set(g.map((s) => reasonTex(s.reason, naming)))];
    out.push({ latex, reason: text.join('; '), reasonTex: tex.join('; ') });
    last = latex;
  }
  return out;
}

const reasonText = (r: Reason, naming: Naming): string => r.map((p) => (typeof p === 'string' ? p : printText(p, naming))).join('');
const reasonTex = (r: Reason, naming: Naming): string =>
  r.map((p) => (typeof p === 'string' ? latexText(p) : `$${printLatex(p, naming)}$`)).join('');

/** Steps that carry the idea of a derivation: always a line of their own. */
const MILESTONES: ReadonlySet<string> = new Set(['delta-collapse', 'sum-split', 'fold-definition', 'fold-element', 'narrow-range', 'floor-bracket']);

const LINE = 90; // characters of plain text before a long sum is broken across lines

/** A long sum of terms broken after whole terms, continuing on aligned lines. */
function broken(n: Node, naming: Naming): string {
  if (n.op !== 'add' || printText(n, naming).length <= LINE) return printLatex(n, naming);
  const rows: string[][] = [[]];
  let width = 0;
  n.args.forEach((t, i) => {
    const w = printText(t, naming).length;
    if (width > 0 && width + w > LINE) {
      rows.push([]);
      width = 0;
    }
    const { negative, abs } = splitSign(t);
    const body = abs.op === 'add' ? `\\left(${printLatex(abs, naming)}\\right)` : printLatex(abs, naming);
    rows[rows.length - 1]!.push(i === 0 ? printLatex(t, naming) : `${negative ? '-' : '+'} ${body}`);
    width += w;
  });
  return rows.map((r) => r.join(' ')).join(' \\\\ &\\quad ');
}

/** Lines that end with `last`: appended (with its reason) where the last line differs. */
function ending(ls: Line[], last: string, reason: string): Line[] {
  const prev = ls[ls.length - 1]?.latex;
  // the same symbols in another order is no new line: [b]·[a] after [a]·[b]
  const reordered = prev !== undefined && [...prev].sort().join('') === [...last].sort().join('');
  return prev === last || reordered ? ls : [...ls, { latex: last, reason }];
}

function definition(t: Tensor, naming: Naming): string {
  const lhs = printLatex(read(t.name, t.dims.map((d) => idx(d.index))), naming);
  const ranges = t.dims.map((d) => `${printLatex(idx(d.index), naming)} = ${printLatex(d.lo, naming)}, \\dots, ${printLatex(d.hi, naming)}`);
  return `${lhs} = ${printLatex(t.body!, naming)}${ranges.length ? `, \\quad ${ranges.join(',\\; ')}` : ''}`;
}

export interface LayerNote {
  /** `c1 = conv1d(x, out = 2, kernel = 3)`, as the file writes it. */
  readonly call: string;
  /** `lib/std.layer:27` */
  readonly where: string;
  /** The def's lines, from `def` to `end`. */
  readonly source: readonly string[];
}

function layerNotes(g: Graph, involved: readonly Tensor[]): LayerNote[] {
  const names = new Set(involved.map((t) => t.name));
  return g.layers
    .filter((u) => u.created.some((c) => names.has(c)))
    .map((u) => {
      const d = u.def;
      const body = d.body.map((s) => s.span.source.trim());
      return { call: u.span.source.slice(u.span.col - 1, u.span.endCol - 1).trim(), where: `${d.span.file}:${d.span.line}`, source: [d.span.source.trim(), ...body.map((l) => `  ${l}`), 'end'] };
    });
}

/** X itself (if defined) and every definition that reads X, directly or not, in file order. */
function downstream(g: Graph, x: Tensor): Tensor[] {
  const hit = new Set<string>([x.name]);
  const out: Tensor[] = [];
  for (const t of g.tensors.values()) {
    if (!t.body) continue;
    if (t.name === x.name || readsAny(t.body, hit)) {
      hit.add(t.name);
      out.push(t);
    }
  }
  return out;
}

function conventionsOf(defs: readonly Tensor[]): string[] {
  const ops = new Set<string>();
  const walk = (n: Node): void => {
    ops.add(n.op);
    n.args.forEach(walk);
  };
  defs.forEach((d) => walk(d.body!));
  return Object.entries(CONVENTIONS).filter(([op]) => ops.has(op)).map(([, text]) => text);
}

/** The adjoints (not upstream gradients) a form refers to, one per name. */
function adjointsIn(n: Node): Node[] {
  const out = new Map<string, Node>();
  const walk = (m: Node): void => {
    if (m.op === 'adj' && !m.attrs.upstream) out.set(m.attrs.name!, m);
    m.args.forEach(walk);
  };
  walk(n);
  return [...out.values()];
}

/** How the points were compared: along random directions, element by element, or both. */
export function methodText(forms: readonly FormCheck[]): string {
  const points = Math.max(0, ...forms.map((f) => f.points));
  const byElement = Math.max(0, ...forms.map((f) => f.byElement));
  if (byElement === 0) return 'each form along a random direction per tensor and point';
  if (byElement === points) return 'element by element';
  return `along a random direction per tensor and point, and element by element at ${byElement} of ${points} points`;
}

function evidence(r: Result, checks: readonly FormCheck[]): string {
  const sizes = r.check!.tried.join('; ');
  const points = Math.max(...checks.map((c) => c.points));
  const parts = checks.map((c) => `${c.form} ${Number.isFinite(c.maxRelError) ? c.maxRelError.toExponential(1) : '∞'}`);
  const verdict = checks.every((c) => c.pass) ? 'every form agrees' : 'SOME FORMS DISAGREE';
  return `Checked against central finite differences of the forward pass in 64-digit arithmetic at ${sizes} (${points} points, ${methodText(checks)}): ${verdict}; largest relative errors: ${parts.join(', ')} (tolerance ${r.check!.tolerance.toExponential(0)}).`;
}

