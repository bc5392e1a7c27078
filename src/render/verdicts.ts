// Verdicts in words: the diagnosis findings as sentences, a table for the command
// line, and the stable JSON schema for autograders (documented in the README).
import type { Graph } from '../graph/graph.js';
import type { Node } from '../ir/node.js';
import { read } from '../ir/node.js';
import type { Finding } from '../verify/diagnose.js';
import type { ClaimResult, Verdict } from '../verify/verdicts.js';
import { namingOf } from './naming.js';
import { printLatex, printText } from '../ops/printer.js';

/** One finding as a sentence, formulas in `show` (text or LaTeX). */
export function sentence(f: Finding, show: (n: Node) => string): string {
  const one = (n: Node): boolean => n.op === 'num' && n.attrs.value!.n === 1n && n.attrs.value!.d === 1n;
  switch (f.kind) {
    case 'path-missing':
      return `the path through ${show(read(f.through))} is missing (the correct form has the term ${show(f.term)})`;
    case 'missing':
      return `the term ${show(f.term)} is missing`;
    case 'extra':
      return `the term ${show(f.term)} is not in the correct form`;
    case 'sign':
      return `the sign of the term ${show(f.term)} is wrong`;
    case 'scale': {
      // claim = factor × correct: a factor 1/k means k is missing
      const v = f.factor.op === 'num' ? f.factor.attrs.value! : undefined;
      if (v && v.n === 1n && v.d > 1n) return `a factor ${v.d} is missing from the term ${show(f.term)}`;
      if (f.factor.op === 'pow' && f.factor.args[0]!.op === 'size') return `a factor ${show(f.factor.args[0]!)} is missing from the term ${show(f.term)}`;
      return `the term ${show(f.term)} has an extra factor ${show(f.factor)}`;
    }
    case 'factor':
      if (one(f.right)) return `the factor ${show(f.wrong)} should not be there`;
      if (one(f.wrong)) return `a factor ${show(f.right)} is missing`;
      return `the factor ${show(f.wrong)} should be ${show(f.right)}`;
    case 'shift':
      return `index shifted by one: ${show(f.read)} where ${show(f.meant)} is meant`;
    case 'transpose':
      return `indices transposed: ${show(f.read)} where ${show(f.meant)} is meant`;
    case 'whole':
      return `the right side differs from the correct form ${show(f.correct)}`;
    case 'outside':
      return `it ${f.what}`;
  }
}

export interface VerifyShow {
  /** Leave out the correct form (for grading). */
  readonly solution: boolean;
}

/** A shape or count verdict in words: what was computed, and how it was decided or where it differs. */
export function exactSentence(v: Extract<Verdict, { exact: unknown }>): string {
  return v.kind === 'holds' ? `${v.exact.actual}, decided ${v.exact.detail}` : `${v.exact.detail}: the engine computes ${v.exact.actual}, the claim says ${v.exact.claimed}`;
}

const verdictWord = (v: Verdict): string => (v.kind === 'holds' ? 'holds' : v.kind === 'fails' ? 'FAILS' : 'ERROR');

export function verdictsText(g: Graph, results: readonly ClaimResult[], opts: VerifyShow): string {
  const naming = namingOf(g);
  const show = (n: Node): string => printText(n, naming);
  const out = [g.file];
  if (!results.length) out.push('  no claims');
  for (const r of results) {
    const v = r.verdict;
    const expect = r.expect ? (r.expect === v.kind ? `  (expected ${r.expect})` : `  (EXPECTED ${r.expect.toUpperCase()})`) : '';
    out.push(`  ${String(r.claim.span.line).padStart(3)}  ${verdictWord(v).padEnd(5)}  ${r.claim.text}${expect}`);
    const pad = '              ';
    if ('exact' in v) {
      out.push(`${pad}${exactSentence(v)}`);
    } else if (v.kind === 'holds') {
      const how = v.symbolic ? 'proved symbolically, and tested' : 'tested';
      out.push(`${pad}${how} at ${v.sizes.join('; ')}: ${v.comparisons} comparisons at ${v.points} points, max rel. error ${v.maxRelError.toExponential(1)} (64 digits, tolerance ${v.tolerance.toExponential(0)})`);
    } else if (v.kind === 'error') {
      out.push(`${pad}${v.formatted.split('\n')[0]}`);
    } else {
      const c = v.counterexample;
      const at = Object.entries(c.at).map(([k, x]) => `${k} = ${x}`).join(', ');
      out.push(`${pad}counterexample at ${c.sizes}${at ? `, ${at}` : ''}: left side ${c.lhs}, right side ${c.rhs}`);
      const inputs = Object.entries(c.inputs).map(([k, xs]) => `${k} = (${xs.join(', ')})`).join('; ');
      if (inputs) out.push(`${pad}  with ${inputs}`);
      for (const f of v.diagnosis.findings) out.push(`${pad}${sentence(f, show)}`);
      const correct = v.diagnosis.correct;
      if (correct && opts.solution) out.push(`${pad}correct (${correct.form} form): ${r.lhs ? `${show(r.lhs)} = ` : ''}${show(correct.node)}`);
    }
  }
  const counts = (k: Verdict['kind']): number => results.filter((r) => r.verdict.kind === k).length;
  out.push(`  ${counts('holds')} hold, ${counts('fails')} fail, ${counts('error')} errors`);
  return out.join('\n');
}

/** The JSON of `gradproof verify --json`: one object per file (schema in the README). */
export function verdictsJson(g: Graph, results: readonly ClaimResult[], opts: VerifyShow): unknown {
  const naming = namingOf(g);
  return {
    file: g.file,
    claims: results.map((r) => {
      const v = r.verdict;
      const base = { line: r.claim.span.line, col: r.claim.span.col, text: r.claim.text, verdict: v.kind, ...(r.expect && { expect: r.expect, asExpected: r.expect === v.kind }) };
      if ('exact' in v) return { ...base, exact: v.exact };
      if (v.kind === 'holds') return { ...base, symbolic: v.symbolic, sizes: v.sizes, points: v.points, comparisons: v.comparisons, maxRelError: v.maxRelError, tolerance: v.tolerance };
      if (v.kind === 'error') return { ...base, error: { message: v.message, line: v.line, col: v.col } };
      const correct = v.diagnosis.correct;
      return {
        ...base,
        counterexample: v.counterexample,
        diagnosis: v.diagnosis.findings.map((f) => ({ kind: f.kind, text: sentence(f, (n) => printText(n, naming)), latex: sentence(f, (n) => `$${printLatex(n, naming)}$`) })),
        ...(correct && opts.solution && { correct: { form: correct.form, text: printText(correct.node, naming), latex: printLatex(correct.node, naming) } }),
      };
    }),
  };
}

