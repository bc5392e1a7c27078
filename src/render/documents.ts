// Proofs laid out as documents: a standalone LaTeX file (amsmath, align*), Markdown
// with $$ blocks (GitHub, Jupyter), and one self-contained HTML page (formulas
// rendered by KaTeX ahead of time, its CSS and fonts inlined). Everything a user
// wrote (file names, comments, source) is escaped for the format it lands in.
import type { Result } from '../pipeline.js';
import { checkPassed } from '../pipeline.js';
import type { LayerCheck } from '../verify/layercheck.js';
import { katexHtml, katexStylesheet } from './katex.js';
import { latexText, pdflatexSafe } from './latex-text.js';
import { namingOf } from './naming.js';
import { printLatex, printText } from '../ops/printer.js';
import { exactSentence, sentence } from './verdicts.js';
import type { Node } from '../ir/node.js';
import type { Line, Proof, RecurrenceProof } from './proof.js';
import { proofs, recurrenceProofs } from './proof.js';

export interface Report {
  readonly file: string;
  /** The comment lines at the top of the file: what the layer is. */
  readonly description: readonly string[];
  readonly source: string;
  readonly proofs: readonly Proof[];
  /** Recurrences solved to closed forms, shown before the gradients that use them. */
  readonly recurrences: readonly RecurrenceProof[];
  readonly pass?: boolean;
  readonly sizesTried?: readonly string[];
  /** A network checked layer by layer (too large as a whole): what was checked, in words. */
  readonly layerNote?: string;
  readonly claims: readonly ShownClaim[];
}

/** A claim with its verdict, as the reports show it (beside the proof it is about). */
export interface ShownClaim {
  readonly line: number;
  readonly text: string;
  readonly verdict: 'holds' | 'fails' | 'error';
  /** The gradient whose proof it sits beside, if it is about one. */
  readonly about?: string;
  /** How it holds, or the counterexample and the diagnosis: each in plain text, and
   *  `marked`: the same with its formulas in LaTeX between \u0001 and \u0002. */
  readonly details: readonly { readonly text: string; readonly marked: string }[];
}

const OPEN = '\u0001';
const CLOSE = '\u0002';

/** A marked line for one format: text escaped by `text`, formulas laid out by `math`. */
function unmark(marked: string, text: (s: string) => string, math: (latex: string) => string): string {
  return marked.split(OPEN).map((part, i) => {
    if (i === 0) return text(part);
    const [m, rest] = part.split(CLOSE) as [string, string];
    return math(m) + text(rest ?? '');
  }).join('');
}

export function reportOf(r: Result, source: string): Report {
  const description: string[] = [];
  for (const line of source.split(/\r?\n/)) {
    const m = /^\s*#\s?(.*)$/.exec(line);
    if (!m) break;
    description.push(m[1]!);
  }
  return {
    file: r.graph.file, description, source, proofs: proofs(r), recurrences: recurrenceProofs(r), claims: shownClaims(r),
    ...(r.check && { pass: checkPassed(r), sizesTried: r.check.tried }),
    ...(r.layerChecks && { layerNote: layerNote(r.layerChecks) }),
  };
}

/** One paragraph: the network was not evaluated whole; each layer was, through its def, small. */
function layerNote(checks: readonly LayerCheck[]): string {
  const each = checks.map((l) => {
    const head = `${l.layer}(${l.attrs})`;
    if (!l.report) return `${head}: not checked (${l.skipped})`;
    const reduced = l.reduced.length ? `, ${l.reduced.join(', ')}` : '';
    return `${head} at ${l.inputs.join(' and ')}${reduced}: ${l.report.pass ? 'every form agrees' : 'SOME FORMS DISAGREE'}`;
  });
  const ok = checks.every((l) => l.report?.pass);
  return `Too large to evaluate as a whole at 64 digits, so not checked as a whole. Each layer was checked instead, through the same definition, on the smallest input its attributes allow (against finite differences along random directions, and element by element where they disagree, up to 64 elements): ${each.join('; ')}. ${ok ? 'Every layer passed' : 'NOT EVERY LAYER PASSED'}; the composition at the file's sizes follows from them by the chain rule and was not evaluated.`;
}

function shownClaims(r: Result): ShownClaim[] {
  const naming = namingOf(r.graph);
  return (r.claims ?? []).map((c) => {
    const v = c.verdict;
    const about = c.lhs?.op === 'adj' ? c.lhs.attrs.name : undefined;
    const details: { text: string; marked: string }[] = [];
    const plain = (t: string): { text: string; marked: string } => ({ text: t, marked: t });
    const mark = (n: Node): string => `${OPEN}${printLatex(n, naming)}${CLOSE}`;
    if ('exact' in v) {
      details.push(plain(`${exactSentence(v)}.`));
    } else if (v.kind === 'holds') {
      details.push(plain(`${v.symbolic ? 'Proved symbolically, and tested' : 'Tested'} at ${v.sizes.join('; ')}: ${v.comparisons} comparisons, largest relative error ${v.maxRelError.toExponential(1)}.`));
    } else if (v.kind === 'error') {
      details.push(plain(v.formatted.split('\n')[0]!));
    } else {
      const ce = v.counterexample;
      const at = Object.entries(ce.at).map(([k, x]) => `${k} = ${x}`).join(', ');
      details.push(plain(`Counterexample at ${ce.sizes}${at ? `, ${at}` : ''}: left side ${ce.lhs}, right side ${ce.rhs}.`));
      for (const f of v.diagnosis.findings) {
        details.push({ text: sentence(f, (n) => printText(n, naming)), marked: sentence(f, mark) });
      }
      const correct = v.diagnosis.correct;
      if (correct && c.lhs) {
        details.push({
          text: `Correct (${correct.form} form): ${printText(c.lhs, naming)} = ${printText(correct.node, naming)}`,
          marked: `Correct (${correct.form} form): ${OPEN}${printLatex(c.lhs, naming)} = ${printLatex(correct.node, naming)}${CLOSE}`,
        });
      }
    }
    return { line: c.claim.span.line, text: c.claim.text, verdict: v.kind, ...(about && { about }), details };
  });
}

/** A line inside verbatim: `\end{verbatim}` would end it early; pdflatex's verbatim is ASCII only. */
const verbatimSafe = (l: string): string => l.replace(/\\end\{verbatim\}/g, '\\end {verbatim}').replace(/[^\x09\x0a\x20-\x7e]/g, '?');

/** A block of a proof, shared by every format. */
type Block =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'heading'; readonly latex: string }
  /** Source text shown verbatim (a layer's def). */
  | { readonly kind: 'code'; readonly lines: readonly string[] }
  /** One display: `lhs = …`, or aligned `&= …` lines each with its reason. */
  | { readonly kind: 'math'; readonly lhs?: string; readonly lines: readonly Line[] }
  | { readonly kind: 'boxed'; readonly latex: string }
  | { readonly kind: 'claims'; readonly claims: readonly ShownClaim[] };

const rhs = (latex: string): string => latex.slice(latex.indexOf(' = ') + 3);
const lhsOf = (latex: string): string => latex.slice(0, latex.indexOf(' = '));

/** Equations `a = b` as aligned rows, each its own left-hand side. */
const equations = (ls: readonly { latex: string }[]): Block[] =>
  ls.map((l) => ({ kind: 'math', lhs: lhsOf(l.latex), lines: [{ latex: rhs(l.latex) }] }) as Block);

/** Each proof, with the claims about its gradient beside it; then the other claims. */
function sections(r: Report): Block[][] {
  const used = new Set<ShownClaim>();
  const out = r.proofs.map((p) => {
    const mine = r.claims.filter((c) => c.about === p.name);
    mine.forEach((c) => used.add(c));
    const bs = blocks(p);
    return mine.length ? [...bs, { kind: 'text', text: `Claims about it in ${r.file}:` } as Block, { kind: 'claims', claims: mine } as Block] : bs;
  });
  out.unshift(...r.recurrences.map(recurrenceBlocks));
  const rest = r.claims.filter((c) => !used.has(c));
  if (rest.length) out.push([{ kind: 'text', text: 'Other claims:' }, { kind: 'claims', claims: rest }]);
  return out;
}

function recurrenceBlocks(p: RecurrenceProof): Block[] {
  const text = (t: string): Block => ({ kind: 'text', text: t });
  const out: Block[] = [{ kind: 'heading', latex: p.lhs }, text('The rule, a first-order linear recurrence:'), ...equations(p.rule)];
  out.push(text('Unrolled and simplified:'), { kind: 'math', lhs: p.lhs, lines: p.steps });
  out.push(text('Hence, in closed form (the form every gradient below is derived from)'), { kind: 'boxed', latex: p.result });
  if (p.evidence) out.push(text(p.evidence));
  return out;
}

function blocks(p: Proof): Block[] {
  const text = (t: string): Block => ({ kind: 'text', text: t });
  const out: Block[] = [{ kind: 'heading', latex: p.range ? `${p.adjoint}, \\quad ${p.range}` : p.adjoint }];
  out.push(text('The forward definitions it goes through:'), ...equations(p.definitions.map((d) => ({ latex: d }))));
  for (const l of p.layers) out.push(text(`${l.call} instantiates the layer defined at ${l.where}:`), { kind: 'code', lines: l.source });
  if (p.conventions.length) out.push(text(`Conventions at non-smooth points (this project's own): ${p.conventions.join('; ')}.`));
  out.push(text('By the chain rule, through each node that reads it directly:'));
  out.push({ kind: 'math', lhs: p.adjoint, lines: [{ latex: rhs(p.chain.latex) }, ...p.localSteps] });
  if (p.locals.length) out.push(text('with the local derivatives'), ...equations(p.locals));
  if (p.substitutions.length) out.push(text('The adjoints on the right are themselves derived (each in its own section):'), ...equations(p.substitutions));
  if (p.substitutions.length || p.closedSteps.length > 1) out.push(text('Substituting them and simplifying:'), { kind: 'math', lhs: p.adjoint, lines: p.closedSteps });
  out.push(text('Hence'), { kind: 'boxed', latex: p.result });
  if (p.elements.length) out.push(text('Element by element:'), ...equations(p.elements));
  if (p.evidence) out.push(text(p.evidence));
  return out;
}

/** KaTeX and Markdown: an aligned environment, reasons in a second column. */
function alignedMath(b: Extract<Block, { kind: 'math' }>): string {
  const rows = b.lines.map((l, i) => `${i === 0 ? (b.lhs ?? '') : ''} &= ${l.latex}${l.reason ? ` && \\textcolor{#666}{\\small\\text{${l.reasonTex ?? latexText(l.reason)}}}` : ''}`);
  return `\\begin{aligned} ${rows.join(' \\\\\n')} \\end{aligned}`;
}

// ---- LaTeX ----------------------------------------------------------------

export function toTex(reports: readonly Report[]): string {
  const body = reports.map((r) => {
    const parts = [`\\section*{${latexText(r.file)}}`, ...r.description.map((d) => `${latexText(d)}\\\\`)];
    if (r.layerNote) parts.push(`\n${latexText(r.layerNote)}\n`);
    parts.push('\\begin{verbatim}', verbatimSafe(r.source).trimEnd(), '\\end{verbatim}');
    for (const section of sections(r)) {
      for (const b of section) {
        if (b.kind === 'claims') {
          for (const c of b.claims) {
            parts.push(`\\paragraph{Claim, line ${c.line}: ${c.verdict}.} \\texttt{${latexText(c.text)}}`);
            parts.push('\\begin{itemize}', ...c.details.map((d) => `\\item ${unmark(d.marked, latexText, (m) => `$${m}$`)}`), '\\end{itemize}');
          }
        } else if (b.kind === 'heading') parts.push(`\\subsection*{$\\displaystyle ${b.latex}$}`);
        else if (b.kind === 'text') parts.push(`${latexText(b.text)}\n`);
        else if (b.kind === 'code') parts.push(`\\begin{verbatim}\n${b.lines.map(verbatimSafe).join('\n')}\n\\end{verbatim}\n`);
        else if (b.kind === 'boxed') parts.push(`\\[ \\boxed{${b.latex}} \\]`);
        else {
          // LaTeX sets a reason as a tag at the right margin, on its own line when the row is long
          const rows = b.lines.map((l, i) => `${i === 0 ? (b.lhs ?? '') : ''} &= ${l.latex}${l.reason ? ` \\tag*{\\footnotesize ${l.reasonTex ?? latexText(l.reason)}}` : ''}`);
          parts.push(`\\begin{align*}\n${rows.join(' \\\\\n')}\n\\end{align*}`);
        }
      }
    }
    return parts.join('\n');
  });
  return pdflatexSafe([
    '\\documentclass[11pt]{article}',
    '\\usepackage[a4paper,margin=2cm]{geometry}',
    '\\usepackage{amsmath,amssymb}',
    '\\allowdisplaybreaks',
    '\\title{Gradient derivations}',
    '\\author{gradproof}',
    '\\date{}',
    '\\begin{document}',
    '\\maketitle',
    ...body,
    '\\end{document}',
    '',
  ].join('\n'));
}

// ---- Markdown -------------------------------------------------------------

export function toMarkdown(reports: readonly Report[]): string {
  const out: string[] = [];
  for (const r of reports) {
    out.push(`# ${markdownText(r.file)}`, '');
    if (r.description.length) out.push(...r.description.map(markdownText), '');
    if (r.layerNote) out.push(markdownText(r.layerNote), '');
    out.push('```', fenced(r.source).trimEnd(), '```', '');
    for (const section of sections(r)) {
      for (const b of section) {
        if (b.kind === 'claims') {
          for (const c of b.claims) {
            out.push(`**Claim, line ${c.line}: ${c.verdict}.** \`${printable(c.text).replace(/`/g, "'")}\``, '');
            out.push(...c.details.map((d) => `- ${unmark(d.marked, markdownText, (m) => `$${markdownMath(m)}$`)}`), '');
          }
        } else if (b.kind === 'heading') out.push(`## $${markdownMath(b.latex)}$`, '');
        else if (b.kind === 'text') out.push(markdownText(b.text), '');
        else if (b.kind === 'code') out.push('```', ...b.lines.map(fenced), '```', '');
        else out.push('$$', markdownMath(b.kind === 'boxed' ? `\\boxed{${b.latex}}` : alignedMath(b)), '$$', '');
      }
    }
  }
  return out.join('\n');
}

/** Control characters as '?' (security review, issue 9): a line break in a file name would
 *  end the heading it stands in and start a block of its own; ESC would reach a terminal. */
const printable = (s: string): string => s.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g, '?');

/** Text inside a ``` fence: no run of three backticks can close it early (anywhere on a
 *  line, not only at its start: a fence may be indented), and no control characters. */
const fenced = (s: string): string => s.split(/\r\n|\n|\r/).map((l) => printable(l).replace(/```/g, '` ` `')).join('\n');

const markdownText = (s: string): string => printable(s).replace(/([\\`*_{}[\]<>#|$])/g, '\\$1');

/** Math for a Markdown page: < and > as TeX commands, so no HTML can start inside it
 *  (an & cannot come from a user: a `tex` string with one does not render alone); and a
 *  space after each ] that a ( : or [ follows, so that `tex x "[a](javascript:…)"` is no link
 *  in a renderer that does not know $…$ (TeX ignores spaces in math). */
const markdownMath = (latex: string): string => latex.replace(/</g, '\\lt ').replace(/>/g, '\\gt ').replace(/\](?=[(:[])/g, '] ');

// ---- HTML -----------------------------------------------------------------

export const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const PAGE_CSS = `body{font:16px/1.5 Georgia,serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.5rem;border-top:1px solid #ddd;padding-top:1rem}
pre{background:#f6f6f6;padding:.75rem;overflow-x:auto}.math{overflow-x:auto;overflow-y:hidden}
.pass{color:#176b2c}.fail{color:#a11}table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left}
.evidence{font-size:.9rem;color:#555}.claim{border-left:3px solid #ccc;padding-left:.8rem;margin:1rem 0}.claim code{white-space:pre-wrap}`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n<style>${katexStylesheet()}</style>\n<style>${PAGE_CSS}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`;
}

const inline = (latex: string): string => katexHtml(latex, false);

export function toHtml(r: Report): string {
  return page(`gradproof: ${r.file}`, toHtmlBody(r));
}

/**
 * The page's content without the page around it (no stylesheet): what the playground
 * shows beside its editor. `source: false` leaves out the file's text (the editor has it).
 */
export function toHtmlBody(r: Report, opts: { readonly source?: boolean } = {}): string {
  return toHtmlParts(r, opts).join('\n');
}

/**
 * The content in pieces: the head (title, description, check, the table of results), then
 * one `<section class="proof">` per proof, so that a page showing them live replaces
 * only the pieces a keystroke changed.
 */
export function toHtmlParts(r: Report, opts: { readonly source?: boolean } = {}): string[] {
  const parts = [`<h1>${escapeHtml(r.file)}</h1>`];
  if (r.description.length) parts.push(`<p>${r.description.map(escapeHtml).join('<br>')}</p>`);
  if (r.layerNote) parts.push(`<p class="${r.pass ? 'pass' : 'fail'}">${escapeHtml(r.layerNote)}</p>`);
  else if (r.pass !== undefined) {
    parts.push(`<p class="${r.pass ? 'pass' : 'fail'}">${r.pass ? 'Every derived form agrees with finite differences' : 'Some derived forms disagree with finite differences'} (sizes tried: ${escapeHtml(r.sizesTried?.join('; ') ?? '')}).</p>`);
  }
  parts.push('<table><tr><th>gradient</th><th>result</th></tr>');
  for (const p of r.proofs) parts.push(`<tr><td><a href="#${escapeHtml(p.name)}">${inline(p.adjoint)}</a></td><td>${inline(p.result)}</td></tr>`);
  parts.push('</table>');
  if (opts.source !== false) parts.push(`<pre>${escapeHtml(r.source)}</pre>`);
  const evidence = new Set(r.proofs.map((p) => p.evidence));
  const pieces = [parts.join('\n')];
  for (const section of sections(r)) {
    parts.length = 0;
    for (const b of section) {
      if (b.kind === 'claims') {
        for (const c of b.claims) {
          const cls = c.verdict === 'holds' ? 'pass' : 'fail';
          parts.push(`<div class="claim"><p><strong>Claim, line ${c.line}: <span class="${cls}">${c.verdict}</span></strong> <code>${escapeHtml(c.text)}</code></p>`);
          parts.push(`<ul>${c.details.map((d) => `<li>${unmark(d.marked, escapeHtml, (m) => inline(m))}</li>`).join('')}</ul></div>`);
        }
      } else if (b.kind === 'heading') parts.push(`<h2 id="${escapeHtml(headingId(r, b.latex))}">${inline(`\\displaystyle ${b.latex}`)}</h2>`);
      else if (b.kind === 'code') parts.push(`<pre><code>${escapeHtml(b.lines.join('\n'))}</code></pre>`);
      else if (b.kind === 'text') parts.push(`<p${evidence.has(b.text) ? ' class="evidence"' : ''}>${escapeHtml(b.text)}</p>`);
      else parts.push(`<div class="math">${katexHtml(b.kind === 'boxed' ? `\\boxed{${b.latex}}` : alignedMath(b), true)}</div>`);
    }
    pieces.push(`<section class="proof">\n${parts.join('\n')}\n</section>`);
  }
  return pieces;
}

/** The anchor of a proof's heading: its gradient's name. */
function headingId(r: Report, latex: string): string {
  return r.proofs.find((p) => latex.startsWith(p.adjoint))?.name ?? 'proof';
}

/** An index page over many reports, linking to each one's page. */
export function toHtmlIndex(entries: readonly { readonly report: Report; readonly href: string }[]): string {
  const rows = entries.map(({ report: r, href }) => {
    const status = r.pass === undefined ? '' : r.pass ? '<span class="pass">checked</span>' : '<span class="fail">FAILED</span>';
    const grads = r.proofs.map((p) => inline(p.adjoint)).join(', ');
    return `<tr><td><a href="${escapeHtml(encodeURI(href))}">${escapeHtml(r.file)}</a></td><td>${grads}</td><td>${status}</td></tr>`;
  });
  const body = `<h1>Gradient derivations</h1>\n<table><tr><th>file</th><th>gradients</th><th>check</th></tr>\n${rows.join('\n')}\n</table>`;
  return page('gradproof: derivations', body);
}
