// The syntax stage: .layer text → Spec (src/syntax/ast.ts), one line at a time.
// The only file that imports ohm-js: the grammar (grammar/layer.ohm) is pure, the
// semantic actions below turn ohm's nodes into the AST, and no ohm node leaves here.
import * as ohm from 'ohm-js';
import type { Rel, Span } from '../ir/node.js';
import type { Binder, Condition, DeclItem, Expr, Keyword, LayerParam, NameRef, Spec, Statement } from './ast.js';
import { grammarText } from '../platform/files.js';
import { SpecError } from './errors.js';
import { checkNesting, contentEnd, MAX_NESTING, syntaxMessage, tokenSpan } from './messages.js';
import { MAX_EXPRESSION_DEPTH, MAX_LINES } from '../limits.js';

type OhmNode = ohm.Node;
type BinaryOp = Extract<Expr, { kind: 'binary' }>['op'];
type Role = Extract<Statement, { kind: 'decl' }>['role'];
type ReduceFn = Extract<Expr, { kind: 'reduce' }>['fn'];
type BoundRel = NonNullable<DeclItem['assumption']>['rel'];
type StartRule = 'Line' | 'ExprLine' | 'ConditionsLine';

/** A `def` head or an `end`: lines that parseSpec groups into one `layer` statement. */
type LayerLine =
  | { readonly kind: 'layerHead'; readonly name: string; readonly nameSpan: Span; readonly params: readonly LayerParam[]; readonly span: Span }
  | { readonly kind: 'layerEnd'; readonly span: Span };
type Line = Statement | LayerLine;

/** Where the text being parsed sits: its file, line, the whole line, and its column offset. */
interface LineCtx {
  readonly file: string;
  readonly line: number;
  readonly source: string;
  readonly offset: number;
}

// ── the grammar (grammar/layer.ohm, read through src/platform/files.ts) ──────────────

let cached: { grammar: ohm.Grammar; semantics: ohm.Semantics } | undefined;

function layer(): { grammar: ohm.Grammar; semantics: ohm.Semantics } {
  if (!cached) {
    const grammar = ohm.grammar(grammarText('layer.ohm'));
    cached = { grammar, semantics: grammar.createSemantics().addOperation<unknown>('ast', actions) };
  }
  return cached;
}

// ── spans: the context of the line being converted (set by `run`, restored after) ──

let ctx: LineCtx = { file: '', line: 0, source: '', offset: 0 };

function spanOf(n: OhmNode): Span {
  const { startIdx, endIdx } = n.source;
  return { file: ctx.file, line: ctx.line, col: startIdx + ctx.offset + 1, endCol: endIdx + ctx.offset + 1, source: ctx.source };
}

const from = (a: Span, b: Span): Span => ({ ...a, endCol: b.endCol });
const ast = <T>(n: OhmNode): T => n['ast']() as T;
const expr = (n: OhmNode): Expr => ast<Expr>(n);
const list = <T>(n: OhmNode): T[] => n.asIteration().children.map((c) => ast<T>(c));
const optional = <T>(n: OhmNode): T | undefined => (n.children[0] ? ast<T>(n.children[0]) : undefined);
const nameRef = (n: OhmNode): NameRef => ({ name: n.sourceString, span: spanOf(n) });

/** `a + b - c` and `a * b / c` come as a first operand and (operator, operand) pairs. */
function foldLeft(first: OhmNode, ops: OhmNode, operands: OhmNode): Expr {
  const rights = operands.children; // a fresh array of wrappers on every access
  const signs = ops.children.map((op) => op.sourceString as BinaryOp);
  const terms = [expr(first), ...rights.map((r) => expr(r))];
  // A long sum or product is regrouped as a balanced tree (same value, depth log n, not
  // n), so that a line of 10⁵ terms cannot overflow the stack of any later recursion;
  // short ones keep the left-to-right tree a reader expects.
  if (signs.length > REGROUP && signs.every((o) => o === '+' || o === '-')) {
    return balanced(terms.map((t, k) => (k > 0 && signs[k - 1] === '-' ? { kind: 'neg', arg: t, span: t.span } : t)), '+');
  }
  if (signs.length > REGROUP && signs.every((o) => o === '*')) return balanced(terms, '*');
  return signs.reduce<Expr>((left, op, k) => {
    const right = terms[k + 1]!;
    return { kind: 'binary', op, left, right, span: from(left.span, right.span) };
  }, terms[0]!);
}

const REGROUP = 16;

function balanced(ts: readonly Expr[], op: '+' | '*'): Expr {
  if (ts.length === 1) return ts[0]!;
  const mid = ts.length >> 1;
  const [left, right] = [balanced(ts.slice(0, mid), op), balanced(ts.slice(mid), op)];
  return { kind: 'binary', op, left, right, span: from(left.span, right.span) };
}

/**
 * The deepest chain of operators in what a line parsed to, counted without recursion
 * (the point is to refuse what recursion could not handle): the first node past the
 * limit, or undefined.
 */
export function tooDeep(root: unknown): Expr | undefined {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    const isExpr = 'kind' in v && 'span' in v && EXPR_KINDS.has((v as { kind: string }).kind);
    const d = isExpr ? depth + 1 : depth;
    if (d > MAX_EXPRESSION_DEPTH) return v as Expr;
    for (const [k, child] of Object.entries(v)) if (k !== 'span' && typeof child === 'object') stack.push([child, d]);
  }
  return undefined;
}

const EXPR_KINDS: ReadonlySet<string> = new Set(['neg', 'binary', 'call', 'reduce', 'index', 'adjoint', 'bracket']);

const actions: ohm.ActionDict<unknown> = {
  Line: (statement, _end) => optional<Statement>(statement) ?? null,
  ExprLine: (e, _end) => expr(e),
  ConditionsLine: (conditions, _end) => ast<Condition[]>(conditions),

  Decl(role, items): Statement {
    return { kind: 'decl', role: role.sourceString as Role, items: list<DeclItem>(items), span: spanOf(this) };
  },
  DeclItem(name, dims, tail): DeclItem {
    const extra = optional<Pick<DeclItem, 'assumption' | 'value'>>(tail) ?? {};
    return { name: name.sourceString, dims: optional<Expr[]>(dims) ?? [], ...extra, span: spanOf(this) };
  },
  Subscripts: (_open, items, _close) => list<Expr>(items),
  DeclTail_bound(rel, bound): Pick<DeclItem, 'assumption'> {
    return { assumption: { rel: rel.sourceString as BoundRel, bound: expr(bound), span: spanOf(this) } };
  },
  DeclTail_value: (_eq, value): Pick<DeclItem, 'value'> => ({ value: expr(value) }),

  Initial(name, _open, at, _close, _eq, body): Statement {
    return { kind: 'initial', name: name.sourceString, nameSpan: spanOf(name), at: expr(at), body: expr(body), span: spanOf(this) };
  },
  Def(name, binders, _eq, body): Statement {
    const bound = optional<Binder[]>(binders) ?? [];
    return { kind: 'def', name: name.sourceString, nameSpan: spanOf(name), binders: bound, body: expr(body), span: spanOf(this) };
  },
  DefBinders: (_open, binders, _close) => list<Binder>(binders),
  Binder: (b): Binder => (b.ctorName === 'RangedBinder' ? ast<Binder>(b) : { index: b.sourceString, span: spanOf(b) }),
  RangedBinder(index, _in, lo, _dots, hi): Binder {
    return { index: index.sourceString, range: { lo: expr(lo), hi: expr(hi) }, span: spanOf(this) };
  },

  Output(_kw, names): Statement {
    return { kind: 'output', names: names.asIteration().children.map(nameRef), span: spanOf(this) };
  },
  Grad(_kw, names): Statement {
    return { kind: 'grad', names: names.asIteration().children.map(nameRef), span: spanOf(this) };
  },
  Loss(_kw, name, _eq, body): Statement {
    return { kind: 'loss', name: name.sourceString, nameSpan: spanOf(name), body: expr(body), span: spanOf(this) };
  },
  Claim(_kw, lhs, _eq, rhs, where): Statement {
    const conditions = optional<Condition[]>(where) ?? [];
    return { kind: 'claim', lhs: expr(lhs), rhs: expr(rhs), where: conditions, text: this.sourceString, span: spanOf(this) };
  },
  Where: (_kw, conditions) => ast<Condition[]>(conditions),
  Conditions: (conditions) => list<Condition>(conditions),
  Condition(left, rel, right): Condition {
    return { left: expr(left), rel: rel.sourceString as Rel, right: expr(right), span: spanOf(this) };
  },
  ClaimLatex(_kw, _latex, _colon, text): Statement {
    const raw = text.sourceString; // runs to the comment, so it may end in spaces
    const { latex, where } = splitLatexWhere(raw, text.source.startIdx);
    const [at, whole] = [spanOf(text), spanOf(this)];
    const span = { ...whole, endCol: whole.endCol - (raw.length - raw.trimEnd().length) };
    return { kind: 'claimLatex', latex, latexSpan: { ...at, endCol: at.col + latex.length }, where, text: this.sourceString.trimEnd(), span };
  },
  ClaimShape(_kw, _shape, name, _eq, _open, dims, _close): Statement {
    return { kind: 'claimShape', of: nameRef(name), dims: list<Expr>(dims), text: this.sourceString, span: spanOf(this) };
  },
  ClaimParams(_kw, _params, name, _eq, count): Statement {
    const of = name.children[0] ? nameRef(name.children[0]) : undefined;
    return { kind: 'claimParams', ...(of && { of }), count: expr(count), text: this.sourceString, span: spanOf(this) };
  },
  LayerHead(_kw, name, _open, params, _close): LayerLine {
    return { kind: 'layerHead', name: name.sourceString, nameSpan: spanOf(name), params: list<LayerParam>(params), span: spanOf(this) };
  },
  LayerParam_tensor(name, _open, dims, _close): LayerParam {
    return { kind: 'tensor', name: name.sourceString, pattern: list<Expr>(dims), span: spanOf(this) };
  },
  LayerParam_default(name, _eq, value): LayerParam {
    return { kind: 'attr', name: name.sourceString, default: expr(value), span: spanOf(this) };
  },
  LayerParam_required(name): LayerParam {
    return { kind: 'attr', name: name.sourceString, span: spanOf(this) };
  },
  LayerEnd(_kw): LayerLine {
    return { kind: 'layerEnd', span: spanOf(this) };
  },
  Use(_kw, name): Statement {
    return { kind: 'use', name: name.sourceString, span: spanOf(this) };
  },
  Include(_kw, path): Statement {
    return { kind: 'include', path: ast<string>(path), span: spanOf(this) };
  },
  Tex(_kw, name, text): Statement {
    return { kind: 'tex', name: name.sourceString, tex: ast<string>(text), span: spanOf(this) };
  },
  // Only \" and \\ are escapes; `\sigma` keeps its backslash.
  string(_open, _chars, _close): string {
    return this.sourceString.slice(1, -1).replace(/\\(["\\])/g, '$1');
  },

  Expr: (first, ops, operands) => foldLeft(first, ops, operands),
  MulExpr: (first, ops, operands) => foldLeft(first, ops, operands),
  Unary_neg(_minus, arg): Expr {
    return { kind: 'neg', arg: expr(arg), span: spanOf(this) };
  },
  Exponent_neg(_minus, arg): Expr {
    return { kind: 'neg', arg: expr(arg), span: spanOf(this) };
  },
  Power_pow(base, _op, exponent): Expr {
    return { kind: 'binary', op: '^', left: expr(base), right: expr(exponent), span: spanOf(this) };
  },
  Primary_paren(_open, e, _close): Expr {
    return { ...expr(e), span: spanOf(this) };
  },
  Adjoint(token, subscript): Expr {
    const [, loss, , , of] = token.children;
    const { indices, guarded } = optional<Subscript>(subscript) ?? { indices: [], guarded: false };
    return { kind: 'adjoint', loss: loss!.sourceString, of: of!.sourceString, indices, guarded, span: spanOf(this) };
  },
  Read(name, subscript): Expr {
    return { kind: 'index', name: name.sourceString, ...ast<Subscript>(subscript), span: spanOf(this) };
  },
  Subscript: (_open, indices, _close, guard): Subscript => ({ indices: list<Expr>(indices), guarded: guard.children.length > 0 }),
  Call(fn, _open, args, _close): Expr {
    const all = list<Expr | Keyword>(args);
    const keywords = all.filter((a): a is Keyword => !('kind' in a));
    const positional = all.filter((a): a is Expr => 'kind' in a);
    return { kind: 'call', fn: fn.sourceString, args: positional, keywords, span: spanOf(this) };
  },
  Arg_keyword(name, _eq, value): Keyword {
    return { name: name.sourceString, value: expr(value), span: spanOf(this) };
  },
  rest(_dots): Expr {
    return { kind: 'rest', span: spanOf(this) };
  },
  Reduce_sum(fn, _open, binders, _commas, body, _close): Expr {
    const bound = binders.children.map((b) => ast<Binder>(b));
    return { kind: 'reduce', fn: fn.sourceString as ReduceFn, binders: bound, body: expr(body), span: spanOf(this) };
  },
  Reduce_max(fn, _open, first, _comma, binders, _commas, body, _close): Expr {
    const bound = [ast<Binder>(first), ...binders.children.map((b) => ast<Binder>(b))];
    return { kind: 'reduce', fn: fn.sourceString as ReduceFn, binders: bound, body: expr(body), span: spanOf(this) };
  },
  Bracket(_open, left, rel, right, _close): Expr {
    return { kind: 'bracket', left: expr(left), rel: rel.sourceString as Rel, right: expr(right), span: spanOf(this) };
  },
  number(_n): Expr {
    return { kind: 'num', text: this.sourceString, span: spanOf(this) };
  },
  name(_n): Expr {
    return { kind: 'name', name: this.sourceString, span: spanOf(this) };
  },
};

interface Subscript {
  readonly indices: readonly Expr[];
  readonly guarded: boolean;
}

// ── running a start rule on one line (or part of one) ─────────────────────────────

/** Items ohm expected at the rightmost failure (its documented text if the list is unavailable). */
function expectedItems(m: ohm.FailedMatchResult): string[] {
  const detailed = m as ohm.FailedMatchResult & { getRightmostFailures?: () => { isFluffy(): boolean }[] };
  if (typeof detailed.getRightmostFailures !== 'function') return [m.getExpectedText()];
  return detailed.getRightmostFailures().filter((f) => !f.isFluffy()).map(String);
}

function run<T>(rule: StartRule, text: string, c: LineCtx): T {
  checkNesting(c.file, c.line, c.source, text, c.offset);
  const saved = ctx;
  ctx = c;
  try {
    const { grammar, semantics } = layer();
    const m = grammar.match(text, rule);
    if (m.failed()) {
      // ohm fails after skipping a trailing comment; point where the content ends instead.
      const pos = Math.min(m.getRightmostFailurePosition(), contentEnd(text));
      const atStart = rule === 'Line' && pos === text.length - text.trimStart().length;
      const message = syntaxMessage(text, pos, expectedItems(m), atStart);
      throw new SpecError('syntax', message, tokenSpan(c.file, c.line, c.source, text, pos, c.offset));
    }
    const tree = semantics(m)['ast']() as T;
    const deep = tooDeep(tree);
    if (deep) throw new SpecError('limit', `operators nest deeper than the limit of ${MAX_EXPRESSION_DEPTH} levels`, deep.span);
    return tree;
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const span = { file: c.file, line: c.line, col: c.offset + 1, endCol: c.offset + 1 + Math.max(1, text.length), source: c.source };
    throw new SpecError('limit', `the line nests too deeply to parse: its operators nest deeper than the limit of ${MAX_EXPRESSION_DEPTH} levels (or its brackets deeper than ${MAX_NESTING})`, span);
  } finally {
    ctx = saved;
  }
}

/** Braces open before `end` in a LaTeX string (`\{` and `\}` are literal braces). */
function braceDepth(latex: string, end: number): number {
  let depth = 0;
  for (let i = 0; i < end; i++) {
    if (latex[i] === '\\') i++;
    else if (latex[i] === '{') depth++;
    else if (latex[i] === '}') depth--;
  }
  return depth;
}

/**
 * `claim latex: <tex> where <conditions>`: the clause starts at the last ` where `
 * followed by a condition list that parses. If none parses, a ` where ` outside
 * every brace is a malformed clause and its error is reported; a ` where ` inside
 * braces (`\text{ where }`) is LaTeX.
 */
function splitLatexWhere(raw: string, start: number): { latex: string; where: Condition[] } {
  const words = [...raw.matchAll(/(?<=\s)where(?=\s|$)/g)].map((m) => m.index).reverse();
  let error: SpecError | undefined;
  for (const at of words) {
    try {
      const where = run<Condition[]>('ConditionsLine', raw.slice(at + 5), { ...ctx, offset: ctx.offset + start + at + 5 });
      return { latex: raw.slice(0, at).trimEnd(), where };
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      if (!error && braceDepth(raw, at) === 0) error = e;
    }
  }
  if (error) throw error;
  return { latex: raw.trimEnd(), where: [] };
}

// ── the public entry points ────────────────────────────────────────────────────────

/** Parse a whole .layer file; blank and comment-only lines give no statement. */
export function parseSpec(file: string, text: string): Spec {
  const statements: Statement[] = [];
  let open: { head: Extract<LayerLine, { kind: 'layerHead' }>; body: Statement[] } | undefined;
  const all = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  // refused before any line is parsed: a file past the limit fails at once
  if (all.length > MAX_LINES) {
    const source = all[MAX_LINES]!;
    throw new SpecError('limit', `the file is longer than the limit of ${MAX_LINES} lines`, { file, line: MAX_LINES + 1, col: 1, endCol: Math.max(2, source.length + 1), source });
  }
  all.forEach((source, i) => {
    let line: Line | null;
    try {
      line = parsedLine(file, i + 1, source);
    } catch (e) {
      // one bad claim never hides the others: it is kept, to be reported as an error verdict
      const claim = /^(\s*)claim\b/.exec(source);
      if (!(e instanceof SpecError) || !claim || open) throw e;
      const col = claim[1]!.length + 1;
      const span = { file, line: i + 1, col, endCol: source.trimEnd().length + 1, source };
      line = { kind: 'claimError', error: e, text: source.trim().replace(/\s+#.*$/, ''), span };
    }
    if (!line) return;
    if (line.kind === 'layerHead') {
      if (open) throw new SpecError('syntax', `a def may not stand inside another: close ${open.head.name} with end first`, line.span);
      open = { head: line, body: [] };
    } else if (line.kind === 'layerEnd') {
      if (!open) throw new SpecError('syntax', 'end without a def to close', line.span);
      const { head, body } = open;
      open = undefined;
      statements.push({ kind: 'layer', def: { name: head.name, nameSpan: head.nameSpan, params: head.params, body, span: head.span }, span: head.span });
    } else if (open) {
      open.body.push(layerBodyLine(line, open.head.name));
    } else statements.push(line);
  });
  if (open) throw new SpecError('syntax', `def ${open.head.name} is not closed: end it with a line that says end`, open.head.span);
  return { file, statements };
}

// Lines parsed so far, by file, line number and text (a line's statement carries its
// spans, so all three are the key): the playground parses the whole text again on every
// keystroke, and all but one line are unchanged. A line's outcome is the same either
// way, statement or error; bounded, emptied when full.
const lines = new Map<string, { readonly line: Line | null } | { readonly error: unknown }>();
const LINES_LIMIT = 50_000;

function parsedLine(file: string, n: number, source: string): Line | null {
  // blank and comment-only lines say nothing: no need to ask the parser
  if (/^\s*(#.*)?$/.test(source)) return null;
  const k = `${file}\u0000${n}\u0000${source}`;
  let got = lines.get(k);
  if (!got) {
    try {
      got = { line: run<Line | null>('Line', source, { file, line: n, source, offset: 0 }) };
    } catch (error) {
      got = { error };
    }
    if (lines.size >= LINES_LIMIT) lines.clear();
    lines.set(k, got);
  }
  if ('error' in got) throw got.error;
  return got.line;
}

/** A layer's body holds its params and definitions (LANGUAGE.md's statements for one layer). */
function layerBodyLine(s: Statement, layer: string): Statement {
  if (s.kind === 'def' || (s.kind === 'decl' && s.role === 'param')) return s;
  const what = s.kind === 'decl' ? `${s.role} declaration` : s.kind.replace(/[A-Z].*/, '');
  const article = /^[aeiou]/.test(what) ? 'an' : 'a';
  throw new SpecError('syntax', `${article} ${what} may not stand inside def ${layer}: a layer body holds param declarations and definitions`, s.span);
}

/**
 * Parse one expression that sits at `colOffset` (0-based) on line `line` of `file`.
 * `source` is the whole line for error excerpts; by default the text, indented to its column.
 */
export function parseExpr(file: string, text: string, line = 1, colOffset = 0, source?: string): Expr {
  return run<Expr>('ExprLine', text, { file, line, source: source ?? ' '.repeat(colOffset) + text, offset: colOffset });
}

/** Parse a comma-separated list of conditions (`a < b, c = d`), as after `where`. */
export function parseConditions(file: string, text: string, line = 1, colOffset = 0, source?: string): Condition[] {
  return run<Condition[]>('ConditionsLine', text, { file, line, source: source ?? ' '.repeat(colOffset) + text, offset: colOffset });
}

// ── other grammars, for readers that build their own semantics (importing ohm's types only) ──

const others = new Map<string, ohm.Grammar>();

/** grammar/<file> (beside layer.ohm), compiled once: e.g. `tex.ohm` for src/syntax/tex.ts. */
export function loadGrammar(file: 'tex.ohm'): ohm.Grammar {
  let grammar = others.get(file);
  if (!grammar) {
    grammar = ohm.grammar(grammarText(file));
    others.set(file, grammar);
  }
  return grammar;
}
