// The LaTeX reader's per-claim context (src/syntax/tex.ts): the public input types, the
// claim being read (set and restored by withContext, read by here()), spans into the
// original .layer line, errors, ohm's types (derived from parse.ts's loadGrammar: no
// import of ohm-js here) and the small Expr constructors the other tex-*.ts files share.
import type { Rel, Span } from '../ir/node.js';
import type { Expr } from './ast.js';
import { SpecError } from './errors.js';
import type { loadGrammar } from './parse.js';

/** A declared tensor, scalar or size of the file (sizes and scalars: dims 0) and its `tex` string. */
export interface TexName {
  readonly name: string;
  readonly dims: number;
  readonly tex?: string;
}

export interface TexNames {
  readonly names: readonly TexName[];
  /** The loss's name (`L` unless `loss` names it) and its `tex` string, if any. */
  readonly loss: string;
  readonly lossTex?: string;
  /** The built-in functions: exp log sqrt abs sin cos tanh sigmoid relu max min. */
  readonly functions: readonly string[];
}

export interface TexClaimInput {
  readonly file: string;
  /** The line of the .layer file, its whole text, and the 1-based column where the LaTeX starts. */
  readonly line: number;
  readonly col: number;
  readonly source: string;
  readonly latex: string;
  readonly names: TexNames;
}

// ohm's types, through parse.ts's loadGrammar (no import of ohm-js here)
export type Grammar = ReturnType<typeof loadGrammar>;
export type Semantics = ReturnType<Grammar['createSemantics']>;
export type ActionDict = Parameters<Semantics['addOperation']>[1];
export type Node = ThisParameterType<NonNullable<ActionDict['Equation']>>;
/** What a failed match tells (ohm's FailedMatchResult, as far as it is used here). */
export interface Failure {
  getRightmostFailurePosition(): number;
  getExpectedText(): string;
}

export type BinaryOp = Extract<Expr, { kind: 'binary' }>['op'];
export type Relation = { readonly left: Expr; readonly rel: Rel; readonly right: Expr };

/** A resolved name: what it is called, its declaration (if any), the function it may be. */
export interface Hit {
  readonly name: string;
  readonly decl?: TexName;
  /** The function this spelling is, where no name of it is declared (`\sigma`, `\operatorname{relu}`). */
  readonly fn?: string;
  /** `\hat{x_i}`: the subscript written inside the accent. */
  readonly sub?: Sub;
  readonly span: Span;
}

/** A subscript: its indices, and (for `{12}`) its raw text and offset, to split per character. */
export interface Sub {
  readonly indices: readonly Expr[];
  readonly raw?: { readonly text: string; readonly start: number };
  readonly span: Span;
}

export interface Lower {
  readonly index: string;
  readonly from?: Expr;
  readonly span: Span;
}

/** One claim being read: where it sits, its original text, and the names of its file. */
export interface Ctx {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly source: string;
  readonly text: string;
  readonly names: TexNames;
  readonly byName: ReadonlyMap<string, TexName>;
  readonly entries: readonly TexName[];
}

let ctx: Ctx | undefined;

/** The claim being read (set by withContext). */
export const here = (): Ctx => {
  if (!ctx) throw new Error('tex.ts: no claim is being read');
  return ctx;
};

/** Run `fn` with `c` as the claim being read; the previous one (if any) is restored after. */
export function withContext<T>(c: Ctx, fn: () => T): T {
  const saved = ctx;
  ctx = c;
  try {
    return fn();
  } finally {
    ctx = saved;
  }
}

// ── spans and errors ───────────────────────────────────────────────────────────────

export function spanAt(start: number, end: number): Span {
  const c = here();
  return { file: c.file, line: c.line, col: c.col + start, endCol: c.col + Math.max(end, start + 1), source: c.source };
}

export const spanOf = (n: Node): Span => spanAt(n.source.startIdx, n.source.endIdx);
export const from = (a: Span, b: Span): Span => ({ ...a, endCol: b.endCol });
export const fail = (message: string, span: Span, kind: 'syntax' | 'shape' = 'syntax'): never => {
  throw new SpecError(kind, message, span);
};
/** The original text under a node (markers shown as the tex they replaced). */
export const textOf = (n: Node): string => here().text.slice(n.source.startIdx, n.source.endIdx);

// ── Expr constructors ──────────────────────────────────────────────────────────────

export const num = (text: string, span: Span): Expr => ({ kind: 'num', text, span });
export const nameExpr = (name: string, span: Span): Expr => ({ kind: 'name', name, span });
export const bin = (op: BinaryOp, left: Expr, right: Expr, span = from(left.span, right.span)): Expr =>
  ({ kind: 'binary', op, left, right, span });
export const neg = (arg: Expr, span: Span): Expr => ({ kind: 'neg', arg, span });
export const call = (fn: string, args: readonly Expr[], span: Span): Expr => ({ kind: 'call', fn, args, keywords: [], span });
export const bracket = (r: Relation, span: Span): Expr => ({ kind: 'bracket', left: r.left, rel: r.rel, right: r.right, span });
export const withSpan = (e: Expr, span: Span): Expr => ({ ...e, span });
