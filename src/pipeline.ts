// The whole engine in one function that reads top to bottom (jlox's Lox.run()):
// parse → build → differentiate and simplify → check. Each stage is a pure function
// of the one before; errors in the user's file are SpecErrors with a location.
import type { Derivation } from './autodiff/forms.js';
import { derive } from './autodiff/forms.js';
import type { Graph } from './graph/graph.js';
import { buildGraph } from './graph/build.js';
import { instantiate } from './graph/instantiate.js';
import { texNameProblem } from './render/katex.js';
import type { Presented } from './render/present.js';
import { present } from './render/present.js';
import type { Summary } from './render/summary.js';
import { summarize } from './render/summary.js';
import type { Spec } from './syntax/ast.js';
import { SpecError } from './syntax/errors.js';
import { parseSpec } from './syntax/parse.js';
import type { CheckReport } from './verify/gradcheck.js';
import { checkDerivation } from './verify/gradcheck.js';
import type { LayerCheck } from './verify/layercheck.js';
import { checkLayers } from './verify/layercheck.js';
import { stepCheck } from './verify/stepcheck.js';
import { readLatex } from './verify/latex.js';
import type { ClaimResult } from './verify/verdicts.js';
import { verifyClaims } from './verify/verdicts.js';

export interface RunOptions {
  /** --size n=4: concrete sizes for the elementwise forms of a symbolic file. */
  readonly sizes?: ReadonlyMap<string, bigint>;
  /** Run the numeric gradient check. */
  readonly check?: boolean;
  /** Give every claim a verdict. */
  readonly verify?: boolean;
  /** Lay out the printed forms (through nerdamer); off when only verdicts are wanted. */
  readonly present?: boolean;
  readonly seed?: number | string;
  /**
   * Vet every simplification step numerically before accepting it (default true). The
   * playground's first pass on each keystroke leaves it to its second, which vets and
   * replaces what the first showed.
   */
  readonly vet?: boolean;
}

export interface Result {
  readonly spec: Spec;
  readonly graph: Graph;
  readonly derivation: Derivation;
  /** The derivation at the --size sizes, for elementwise forms. */
  readonly concrete?: { readonly sizes: ReadonlyMap<string, bigint>; readonly derivation: Derivation };
  /** The closed and elementwise forms as printed (common factors out, terms grouped). */
  readonly shown: Presented;
  /** The same for the --size derivation. */
  readonly shownConcrete?: Presented;
  readonly check?: CheckReport;
  /** A network too large to evaluate, checked layer by layer at small sizes (verify/layercheck.ts). */
  readonly layerChecks?: readonly LayerCheck[];
  readonly claims?: readonly ClaimResult[];
}

export function run(file: string, text: string, opts: RunOptions = {}): Result {
  const spec = parseSpec(file, text);
  const graph = buildGraph(spec);
  checkTex(spec);
  const vet = opts.vet === false ? undefined : stepCheck(graph, opts.seed);
  const derivation = derive(graph, vet ? { check: vet } : {});
  const concrete = opts.sizes?.size ? atSizes(graph, opts.sizes) : undefined;
  const shown = opts.present === false ? new Map() : present(derivation);
  const shownConcrete = concrete && (opts.present === false ? new Map() : present(concrete.derivation));
  const check = opts.check
    ? checkDerivation(derivation, {
        shown,
        ...(opts.seed !== undefined && { seed: opts.seed }),
        ...(concrete && shownConcrete && { elementwise: { ...concrete, shown: shownConcrete } }),
      })
    : undefined;
  // too large to evaluate as a whole (nothing could be tried): each layer on its own, small
  const layerChecks = check && !check.tried.length && graph.layers.length ? checkLayers(graph, opts.seed) : undefined;
  const claims = opts.verify ? verifyClaims(derivation, { readLatex, ...(opts.seed !== undefined && { seed: opts.seed }) }) : undefined;
  return { spec, graph, derivation, ...(concrete && { concrete }), shown, ...(shownConcrete && { shownConcrete }), ...(check && { check }), ...(layerChecks && { layerChecks }), ...(claims && { claims }) };
}

/** Whether the check passed: the whole file's, or every layer's when it was checked layer by layer. */
export function checkPassed(r: Result): boolean {
  if (r.layerChecks) return r.layerChecks.every((l) => l.report?.pass === true);
  return r.check?.pass ?? true;
}

/** The network's table (`gradproof summary`): shapes and counts only, nothing derived. */
export function summary(file: string, text: string): Summary {
  return summarize(buildGraph(parseSpec(file, text)));
}

function atSizes(graph: Graph, sizes: ReadonlyMap<string, bigint>): Result['concrete'] {
  const g = instantiate(graph, sizes);
  const vet = stepCheck(g);
  return { sizes, derivation: derive(g, vet ? { check: vet } : {}) };
}

/** A `tex` string must render in KaTeX (LANGUAGE.md), or it is an error at its line. */
function checkTex(spec: Spec): void {
  for (const s of spec.statements) {
    if (s.kind !== 'tex') continue;
    const problem = texNameProblem(s.tex);
    if (problem) throw new SpecError('syntax', `tex "${s.tex}" does not render in KaTeX: ${problem}`, s.span);
  }
}
