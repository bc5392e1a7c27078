// The command line's output: derivations and checks as plain Unicode text, and the
// same as JSON (text and LaTeX of every form) for tools.
import type { AdjointForms } from '../autodiff/forms.js';
import type { Graph } from '../graph/graph.js';
import type { Node } from '../ir/node.js';
import { adj, idx, num, read } from '../ir/node.js';
import type { Result } from '../pipeline.js';
import type { LayerCheck } from '../verify/layercheck.js';
import type { CheckReport } from '../verify/gradcheck.js';
import { methodText } from './proof.js';
import { TOLERANCE } from '../verify/gradcheck.js';
import { namingOf } from './naming.js';
import type { Naming } from '../ops/printer.js';
import { printLatex, printText } from '../ops/printer.js';

/** The left-hand side dL/dx[m] of a form. */
const lhs = (f: AdjointForms): Node => adj(f.tensor.name, f.free.map(idx));
const elementLhs = (f: AdjointForms, at: readonly bigint[]): Node => adj(f.tensor.name, at.map((v) => num(v)));

function rangeText(g: Graph, f: AdjointForms): string {
  if (!f.free.length) return '';
  const n = namingOf(g);
  return ', ' + f.tensor.dims.map((d, i) => `${f.free[i]} = ${printText(d.lo, n)}..${printText(d.hi, n)}`).join(', ');
}

export function deriveText(r: Result): string {
  const g = r.graph;
  const n = namingOf(g);
  const out: string[] = [g.file];
  const sizes = [...g.sizes.values()].map((s) => (s.min > 1n ? `${s.name} ≥ ${s.min}` : s.name));
  out.push(`  sizes: ${sizes.length ? `${sizes.join(', ')} (symbolic)` : 'concrete'}`);
  for (const t of g.tensors.values()) {
    const rec = t.recurrence;
    if (!rec || !t.body) continue;
    const ti = idx(t.dims[0]!.index);
    out.push('', `  ${printText(read(t.name, [ti]), n)}, a recurrence (${printText(ti, n)} = 1..${printText(t.dims[0]!.hi, n)})`);
    out.push(`    rule     ${printText(read(t.name, [num(0)]), n)} = ${printText(rec.init, n)};  ${printText(read(t.name, [ti]), n)} = ${printText(rec.step, n)}`);
    if (rec.solution) out.push(`    unrolled ${printText(read(t.name, [ti]), n)} = ${printText(rec.solution.unrolled, n)}`);
    out.push(`    closed   ${printText(read(t.name, [ti]), n)} = ${printText(t.body, n)}  (${printText(ti, n)} = 0..${printText(t.dims[0]!.hi, n)})`);
  }
  for (const gr of g.grads) {
    const f = r.derivation.adjoints.get(gr.name);
    if (!f) {
      out.push(`  ${printText(adj(gr.name), n)} = 0 (L does not depend on ${gr.name})`);
      continue;
    }
    out.push('', `  ${printText(lhs(f), n)}${rangeText(g, f)}`);
    out.push(`    local    ${printText(lhs(f), n)} = ${printText(f.local.result, n)}`);
    out.push(`    closed   ${printText(lhs(f), n)} = ${printText(r.shown.get(gr.name)?.closed ?? f.closed.result, n)}`);
    if (f.closedLimit) out.push(`             (substituted, not simplified: ${f.closedLimit})`);
    const refused = f.local.rejected.length + f.closed.rejected.length;
    if (refused) out.push(`    note     the numeric check refused ${refused} simplification step${refused > 1 ? 's' : ''} (${[...new Set([...f.local.rejected, ...f.closed.rejected].map((s) => s.rule.name))].join(', ')}): please report it`);
    const concrete = r.concrete?.derivation.adjoints.get(gr.name) ?? f;
    const shown = (r.concrete ? r.shownConcrete : r.shown)?.get(gr.name)?.elements;
    if (concrete.elements) {
      const at = r.concrete ? ` (${[...r.concrete.sizes].map(([k, v]) => `${k} = ${v}`).join(', ')})` : '';
      out.push(`    elementwise${at}`);
      concrete.elements.forEach((e, i) => out.push(`      ${printText(elementLhs(concrete, e.at), n)} = ${printText(shown?.[i] ?? e.form, n)}`));
    } else if (concrete.elementsLeftOut) {
      out.push(`    elementwise  not written out: ${concrete.elementsLeftOut}`);
    }
  }
  if (g.claims.length) {
    out.push('', '  claims (gradproof verify gives their verdicts):');
    for (const c of g.claims) out.push(`    ${c.span.line}: ${c.text}`);
  }
  return out.join('\n');
}

export function checkText(c: CheckReport, layers?: readonly LayerCheck[]): string {
  const out = [`${c.file}`, `  sizes tried: ${c.tried.join('; ') || 'none'}`];
  if (c.skipped.length) out.push(`  sizes skipped: ${c.skipped.join('; ')}`);
  if (!c.tried.length && layers) return [...out, ...layerChecksText(layers)].join('\n');
  if (!c.tried.length) {
    out.push('  NOT CHECKED: no choice of sizes could be sampled (see the reasons above)');
    return out.join('\n');
  }
  for (const f of c.forms) {
    const err = Number.isFinite(f.maxRelError) ? f.maxRelError.toExponential(1) : '∞';
    const what = f.form === 'recurrence' ? `${f.gradient.padEnd(12)} ${'closed form against its rule, step by step'}` : `dL/d${f.gradient.padEnd(8)} ${f.form.padEnd(11)}`;
    out.push(`  ${f.pass ? 'PASS' : 'FAIL'}  ${what} ${String(f.points).padStart(3)} points  max rel. error ${err}${f.problem ? `  (${f.problem})` : ''}`);
  }
  out.push(c.pass ? `  all forms agree with finite differences (64-digit arithmetic, tolerance ${c.tolerance.toExponential(0)}; ${methodText(c.forms)})` : '  SOME FORMS FAILED THE CHECK (see the FAIL lines)');
  return out.join('\n');
}

/** What a layer-by-layer check did and did not do, in words. */
function layerChecksText(layers: readonly LayerCheck[]): string[] {
  const out = ['  NOT CHECKED as a whole: the network is too large to evaluate at 64 digits (see the sizes skipped).'];
  out.push(`  Checked instead: each layer's gradients, through the same definition, on the smallest input its attributes allow`);
  out.push(`  (against finite differences along random directions, ⟨X̄, v⟩, and element by element where they disagree, up to 64 elements):`);
  for (const l of layers) {
    const head = `  ${l.layer}(${l.attrs})${l.calls.length ? ` for ${l.calls.join(', ')}` : ''}`;
    if (!l.report) {
      out.push(`${head}: NOT CHECKED (${l.skipped})`);
      continue;
    }
    const worst = Math.max(...l.report.forms.map((f) => f.maxRelError));
    const verdict = l.report.pass ? 'all forms agree' : 'SOME FORMS FAILED';
    out.push(`${head}: ${verdict} at ${l.inputs.join('; ')}${l.reduced.length ? `, with ${l.reduced.join(', ')}` : ''}; ${l.report.forms.length} forms, max rel. error ${Number.isFinite(worst) ? worst.toExponential(1) : '∞'}`);
    for (const f of l.report.forms.filter((x) => !x.pass)) out.push(`    FAIL  dL/d${f.gradient} ${f.form}${f.problem ? `  (${f.problem})` : ''}`);
  }
  const ok = layers.every((l) => l.report?.pass);
  out.push(ok
    ? `  Every layer passed (64-digit arithmetic, tolerance ${TOLERANCE.toExponential(0)}). Not checked: the composition at the file's sizes, which the chain rule gives from these; shapes and counts are the claims' (gradproof verify).`
    : '  NOT ALL LAYERS PASSED (see above).');
  return out;
}

const formJson = (node: Node, naming: Naming) => ({ text: printText(node, naming), latex: printLatex(node, naming) });

export function resultJson(r: Result): unknown {
  const g = r.graph;
  const n = namingOf(g);
  const grads = g.grads.map((gr) => {
    const f = r.derivation.adjoints.get(gr.name);
    if (!f) return { name: gr.name, zero: true };
    const concrete = r.concrete?.derivation.adjoints.get(gr.name) ?? f;
    return {
      name: gr.name,
      adjoint: formJson(lhs(f), n),
      indices: f.free.map((m, i) => ({ index: m, lo: formJson(f.tensor.dims[i]!.lo, n), hi: formJson(f.tensor.dims[i]!.hi, n) })),
      local: formJson(f.local.result, n),
      closed: formJson(f.closed.result, n),
      shown: formJson(r.shown.get(gr.name)?.closed ?? f.closed.result, n),
      steps: f.closed.steps.filter((s) => s.rule.visible).length,
      // rule applications the float64 check refused (a rule bug, caught) or could not test alone
      refusedSteps: f.local.rejected.length + f.closed.rejected.length,
      unvettedSteps: f.local.unvetted + f.closed.unvetted,
      ...(concrete.elements && {
        elementwise: concrete.elements.map((e, i) => ({
          at: e.at.map(String),
          adjoint: formJson(elementLhs(concrete, e.at), n),
          form: formJson(e.form, n),
          shown: formJson((r.concrete ? r.shownConcrete : r.shown)?.get(gr.name)?.elements?.[i] ?? e.form, n),
        })),
      }),
      ...(concrete.elementsLeftOut && { elementwiseLeftOut: concrete.elementsLeftOut }),
    };
  });
  return {
    file: g.file,
    sizes: [...g.sizes.values()].map((s) => ({ name: s.name, min: String(s.min) })),
    gradients: grads,
    claims: g.claims.map((c) => ({ line: c.span.line, text: c.text })),
    ...(r.check && { check: r.check }),
  };
}

