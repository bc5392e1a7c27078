// The LaTeX reader: the equation of a `claim latex:` line → the same Expr as spec
// syntax (src/syntax/ast.ts), with spans into the original .layer line.
//
// Three steps: (1) every `tex` string of a declared name found in the text, longest
// first, is replaced by a same-length marker (see grammar/tex.ohm), so a tex name with
// its own scripts (`\sigma^2`, `W^{[2]}`) is read as a whole; (2) a scan for unknown
// commands and unbalanced braces, with exact columns; (3) the grammar (grammar/tex.ohm,
// loaded by parse.ts, the one file that imports ohm-js: ohm's types are derived here
// from loadGrammar's) and the actions below, which resolve names in this order:
//   1. a `tex` string of a declared name (or of the loss), as a whole, longest first;
//   2. a Greek command: `\mu` → a declared `mu` or `μ`, `\epsilon`/`\varepsilon` →
//      `eps`, `epsilon` or `ε`, … (src/syntax/tex-names.ts);
//   3. plain letters, one per name (`x`), or a word set upright (`\mathrm{xhat}`);
//      accents and styles by default: `\hat{x}` → `xhat`, `\mathbf{W}` → `W`, `\mathcal{L}` → `L`;
//   4. anything undeclared is still returned as a name (free indices `i`, `k`, …):
//      the caller decides;
//   5. a function only where no name is declared: `\sigma(z)` is the sigmoid unless
//      σ is declared, `\operatorname{relu}(z)` is relu unless `relu` is a name.
import type { Rel, Span } from '../ir/node.js';
import type { Binder, Expr } from './ast.js';
import { SpecError } from './errors.js';
import { checkNesting, MAX_NESTING } from './messages.js';
import { loadGrammar } from './parse.js';
import {
  ACCENT_SUFFIX, FUNCTION_COMMANDS, FUNCTION_SPELLINGS, GREEK_FUNCTIONS, GREEK_NAMES, KNOWN_COMMANDS,
  KNOWN_SYMBOLS, SPACING, UPRIGHT_COMMANDS,
} from './tex-names.js';

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
type Grammar = ReturnType<typeof loadGrammar>;
type Semantics = ReturnType<Grammar['createSemantics']>;
type ActionDict = Parameters<Semantics['addOperation']>[1];
type Node = ThisParameterType<NonNullable<ActionDict['Equation']>>;
/** What a failed match tells (ohm's FailedMatchResult, as far as it is used here). */
interface Failure {
  getRightmostFailurePosition(): number;
  getExpectedText(): string;
}

type BinaryOp = Extract<Expr, { kind: 'binary' }>['op'];
type Relation = { readonly left: Expr; readonly rel: Rel; readonly right: Expr };

/** A resolved name: what it is called, its declaration (if any), the function it may be. */
interface Hit {
  readonly name: string;
  readonly decl?: TexName;
  /** The function this spelling is, where no name of it is declared (`\sigma`, `\operatorname{relu}`). */
  readonly fn?: string;
  /** `\hat{x_i}`: the subscript written inside the accent. */
  readonly sub?: Sub;
  readonly span: Span;
}

/** A subscript: its indices, and (for `{12}`) its raw text and offset, to split per character. */
interface Sub {
  readonly indices: readonly Expr[];
  readonly raw?: { readonly text: string; readonly start: number };
  readonly span: Span;
}

interface Lower {
  readonly index: string;
  readonly from?: Expr;
  readonly span: Span;
}

/** One claim being read: where it sits, its original text, and the names of its file. */
interface Ctx {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly source: string;
  readonly text: string;
  readonly names: TexNames;
  readonly byName: ReadonlyMap<string, TexName>;
  readonly entries: readonly TexName[];
}

const MARK = 0xe000;
const FILL = '\uf8ff';
const MAX_ENTRIES = 0xf8fe - MARK;

let ctx: Ctx | undefined;
const here = (): Ctx => {
  if (!ctx) throw new Error('tex.ts: no claim is being read');
  return ctx;
};

// ── spans and errors ───────────────────────────────────────────────────────────────

function spanAt(start: number, end: number): Span {
  const c = here();
  return { file: c.file, line: c.line, col: c.col + start, endCol: c.col + Math.max(end, start + 1), source: c.source };
}

const spanOf = (n: Node): Span => spanAt(n.source.startIdx, n.source.endIdx);
const from = (a: Span, b: Span): Span => ({ ...a, endCol: b.endCol });
const fail = (message: string, span: Span, kind: 'syntax' | 'shape' = 'syntax'): never => {
  throw new SpecError(kind, message, span);
};
/** The original text under a node (markers shown as the tex they replaced). */
const textOf = (n: Node): string => here().text.slice(n.source.startIdx, n.source.endIdx);

// ── Expr constructors ──────────────────────────────────────────────────────────────

const num = (text: string, span: Span): Expr => ({ kind: 'num', text, span });
const nameExpr = (name: string, span: Span): Expr => ({ kind: 'name', name, span });
const bin = (op: BinaryOp, left: Expr, right: Expr, span = from(left.span, right.span)): Expr =>
  ({ kind: 'binary', op, left, right, span });
const neg = (arg: Expr, span: Span): Expr => ({ kind: 'neg', arg, span });
const call = (fn: string, args: readonly Expr[], span: Span): Expr => ({ kind: 'call', fn, args, span });
const bracket = (r: Relation, span: Span): Expr => ({ kind: 'bracket', left: r.left, rel: r.rel, right: r.right, span });
const withSpan = (e: Expr, span: Span): Expr => ({ ...e, span });

/** f'(z) for the built-in functions (relu'(0) = 0 and abs'(0) = 0, as LANGUAGE.md states). */
function derivative(fn: string, args: readonly Expr[], span: Span, written: string): Expr {
  if (args.length !== 1) fail(`${written} takes one argument, not ${args.length}`, span);
  const z = args[0]!;
  const one = num('1', span);
  const zero = num('0', span);
  switch (fn) {
    case 'sigmoid': {
      const s = call('sigmoid', [z], span);
      return bin('*', s, bin('-', one, s, span), span);
    }
    case 'tanh':
      return bin('-', one, bin('^', call('tanh', [z], span), num('2', span), span), span);
    case 'exp':
      return call('exp', [z], span);
    case 'log':
      return bin('/', one, z, span);
    case 'sqrt':
      return bin('/', one, bin('*', num('2', span), call('sqrt', [z], span), span), span);
    case 'sin':
      return call('cos', [z], span);
    case 'cos':
      return neg(call('sin', [z], span), span);
    case 'relu':
      return bracket({ left: z, rel: '>', right: zero }, span);
    case 'abs':
      return bin('-', bracket({ left: z, rel: '>', right: zero }, span), bracket({ left: z, rel: '<', right: zero }, span), span);
    default:
      return fail(`${written}: no derivative is known for ${fn} (one of sigmoid, tanh, exp, log, sqrt, sin, cos, relu, abs)`, span);
  }
}

// ── names ──────────────────────────────────────────────────────────────────────────

function declared(name: string): TexName | undefined {
  return here().byName.get(name);
}

/** The first declared candidate, else the first one. */
function pick(candidates: readonly string[], span: Span, fn?: string): Hit {
  for (const c of candidates) {
    const decl = declared(c);
    if (decl) return { name: c, decl, span };
  }
  return { name: candidates[0]!, fn, span };
}

function hitOf(n: Node): Hit {
  return n['tex']() as Hit;
}

/** A name's indices: `x_i`, `X_{k,i}`, `A_{12}` (a 2-D A: one character per dimension). */
function indexed(hit: Hit, sub: Sub, span: Span): Expr {
  if (hit.decl && hit.decl.dims === 0) fail(`${hit.name} is a scalar: it takes no index`, sub.span, 'shape');
  let indices = sub.indices;
  const dims = hit.decl?.dims ?? 0;
  if (dims >= 2 && indices.length === 1 && sub.raw) {
    const chars = [...sub.raw.text].map((ch, k) => ({ ch, at: sub.raw!.start + k })).filter((c) => !/\s/.test(c.ch));
    if (chars.length === dims && chars.every((c) => /^[A-Za-z0-9]$/.test(c.ch))) {
      indices = chars.map(({ ch, at }) => {
        const s = spanAt(at, at + 1);
        return /\d/.test(ch) ? num(ch, s) : nameExpr(declared(ch)?.name ?? ch, s);
      });
    }
  }
  return { kind: 'index', name: hit.name, indices, guarded: false, span };
}

/** A name read as a value (a tensor with an index written inside an accent: `\hat{x_i}`). */
function nameValue(hit: Hit): Expr {
  return hit.sub ? indexed(hit, hit.sub, hit.span) : nameExpr(hit.name, hit.span);
}

/** `W^{[2]}` or `a^{(1)}` without a tex line: the declared `W2` / `a1`, where there is one. */
function layerName(hit: Hit, sup: Node): Hit | undefined {
  const m = /^\^\s*\{\s*[([]\s*(\d+)\s*[)\]]\s*\}$/.exec(textOf(sup));
  if (!m || hit.sub) return undefined;
  const decl = declared(hit.name + m[1]);
  return decl ? { name: decl.name, decl, span: from(hit.span, spanOf(sup)) } : undefined;
}

function isLoss(hit: Hit): boolean {
  return hit.name === here().names.loss;
}

// ── the semantic actions ───────────────────────────────────────────────────────────

const expr = (n: Node): Expr => n['tex']() as Expr;
const exprs = (list: Node): Expr[] => list.asIteration().children.map(expr);

function fold(first: Expr, rest: readonly { op: BinaryOp; arg: Expr }[]): Expr {
  return rest.reduce<Expr>((left, { op, arg }) => bin(op, left, arg), first);
}

const MUL_OPS: Record<string, BinaryOp> = { '\\cdot': '*', '\\times': '*', '\\ast': '*', '*': '*', '\\div': '/', '/': '/' };
const RELS: Record<string, Rel> = {
  '\\le': '<=', '\\leq': '<=', '\\leqslant': '<=', '<=': '<=', '≤': '<=',
  '\\ge': '>=', '\\geq': '>=', '\\geqslant': '>=', '>=': '>=', '≥': '>=',
  '\\ne': '!=', '\\neq': '!=', '!=': '!=', '≠': '!=',
  '\\lt': '<', '<': '<', '\\gt': '>', '>': '>', '=': '=',
};

/** The child of `n` (through single-child wrappers) whose rule is `ctor`, if any. */
function unwrap(n: Node, ctor: string): Node | undefined {
  let at: Node | undefined = n;
  while (at) {
    if (at.ctorName === ctor) return at;
    at = at.numChildren === 1 && !at.isTerminal() ? at.children[0] : undefined;
  }
  return undefined;
}

/** The Expr of a power `base^sup`, with the tex-less layer names (`W^{[2]}`) read first. */
function power(base: Node, sup: Node, span: Span): Expr {
  const plain = unwrap(base, 'NameRef_plain');
  if (plain) {
    const layer = layerName(hitOf(plain.children[0]!), sup);
    if (layer) return nameExpr(layer.name, span);
  }
  if (unwrap(base, 'AdjSlash')) fail('a power of ∂L/∂x needs parentheses: write (\\partial L / \\partial x)^2', span);
  return bin('^', expr(base), expr(sup), span);
}

/** The loss's adjoint: `\frac{\partial L}{\partial x_i}`; with `d`, a fraction unless the numerator is the loss. */
function adjoint(partial: Node, loss: Node, partial2: Node, target: Node, span: Span, slash: boolean): Expr {
  const lossHit = hitOf(loss);
  if (!isLoss(lossHit)) {
    const dForm = !unwrap(partial, 'Partial_partial') && !unwrap(partial, 'Partial_unicode');
    if (!dForm) fail(`∂${lossHit.name}: only the loss ${here().names.loss} is differentiated in a claim`, lossHit.span);
    // d·y / (d·x) (or d·y / d · x): a fraction, since y is not the loss
    const top = bin('*', nameExpr('d', spanOf(partial)), nameValue(lossHit));
    const d2 = nameExpr('d', spanOf(partial2));
    const t = expr(target);
    return slash ? bin('*', bin('/', top, d2), t, span) : bin('/', top, bin('*', d2, t), span);
  }
  const ref = unwrap(target, 'NameRef_sub') ?? unwrap(target, 'NameRef_plain');
  if (!ref || unwrap(target, 'AdjTarget_pow')) {
    return fail(`∂${lossHit.name}/∂${textOf(target)}: only a name (with its indices) can follow ∂ in the denominator`
      + ' (a name written with a superscript needs a tex line: tex NAME "…")', spanOf(target));
  }
  const hit = hitOf(ref.children[0]!);
  const sub = ref.ctorName === 'NameRef_sub' ? (ref.children[1]!['tex']() as Sub) : hit.sub;
  const indices = sub ? (indexed(hit, sub, hit.span) as Extract<Expr, { kind: 'index' }>).indices : [];
  return { kind: 'adjoint', loss: here().names.loss, of: hit.name, indices, guarded: false, span };
}

function reduce(fn: 'sum' | 'max' | 'min', scripts: Node, body: Node, span: Span): Expr {
  const { lowers, upper } = scripts['tex']() as { lowers: Lower[]; upper?: Expr };
  const written = fn === 'sum' ? '\\sum' : `\\${fn}`;
  if (upper && lowers.length > 1) fail(`${written} over several indices cannot share an upper bound: write one ${written} per index`, upper.span);
  const binders: Binder[] = lowers.map((l) => {
    if (l.from && !upper) fail(`${written} over ${l.index} starts at a bound but has none above: write ${written}_{${l.index}=…}^{…}`, l.span);
    if (!upper) return { index: l.index, span: l.span };
    return { index: l.index, range: { lo: l.from ?? num('1', l.span), hi: upper }, span: l.span };
  });
  return { kind: 'reduce', fn, binders, body: expr(body), span };
}

/** `name(args)`: a call where the name is a function and nothing declared; otherwise a product. */
function applied(name: Node, args: Node, span: Span, prime?: Node): Expr {
  const hit = hitOf(name);
  const list = args['tex']() as Expr[];
  if (hit.fn && !hit.decl && !hit.sub) {
    return prime ? derivative(hit.fn, list, span, textOf(name) + "'") : call(hit.fn, list, span);
  }
  if (prime) {
    return fail(hit.decl
      ? `${textOf(name)}′: ${textOf(name)} is the declared name ${hit.name} here, not a function, so it has no derivative to take`
      : `${textOf(name)}′: ${hit.name} is not a function (the functions are ${here().names.functions.join(', ')})`, spanOf(prime));
  }
  if (list.length !== 1) fail(`${hit.name} is not a function: ${textOf(name)}(…) with ${list.length} arguments cannot be read`, spanOf(args));
  return bin('*', nameValue(hit), withSpan(list[0]!, spanOf(args)), span);
}

const actions: ActionDict = {
  Equation: (lhs, _eq, rhs, _trailer, _end) => ({ lhs: expr(lhs), rhs: expr(rhs) }),

  Expr(first, ops, rests) {
    const r = rests.children;
    return fold(expr(first), ops.children.map((op, k) => ({ op: op.sourceString as BinaryOp, arg: expr(r[k]!) })));
  },
  Lead_signed(op, term) {
    return op.sourceString === '-' ? neg(expr(term), spanOf(this)) : withSpan(expr(term), spanOf(this));
  },
  Term(first, rests) {
    return fold(expr(first), rests.children.map((r) => r['tex']() as { op: BinaryOp; arg: Expr }));
  },
  TermRest_opSigned(op, sign, factor) {
    const arg = expr(factor);
    return { op: MUL_OPS[op.sourceString.trim()]!, arg: sign.sourceString === '-' ? neg(arg, from(spanOf(sign), arg.span)) : arg };
  },
  TermRest_op: (op, factor) => ({ op: MUL_OPS[op.sourceString.trim()]!, arg: expr(factor) }),
  TermRest_juxt: (factor) => ({ op: '*', arg: expr(factor) }),

  Factor_pow(base, sup) {
    return power(base, sup, spanOf(this));
  },

  Group(_o, e, _c) {
    return withSpan(expr(e), spanOf(this));
  },
  Paren: (d) => d['tex'](),
  Delim_left(_l, _o, e, _r, _c) {
    return withSpan(expr(e), spanOf(this));
  },
  Delim_big(_l, _o, e, _r, _c) {
    return withSpan(expr(e), spanOf(this));
  },
  Delim_plain(_o, e, _c) {
    return withSpan(expr(e), spanOf(this));
  },
  Abs(d) {
    return call('abs', [d['tex']() as Expr], spanOf(this));
  },

  AdjFrac(_frac, _o1, p1, loss, _c1, _o2, p2, target, _c2) {
    return adjoint(p1, loss, p2, target, spanOf(this), false);
  },
  AdjSlash(p1, loss, _slash, p2, target) {
    return adjoint(p1, loss, p2, target, spanOf(this), true);
  },
  Frac(_frac, a, b) {
    return bin('/', expr(a), expr(b), spanOf(this));
  },
  Sqrt(_sqrt, _o, root, _c, arg) {
    const span = spanOf(this);
    const r = root.children[0];
    if (!r) return call('sqrt', [expr(arg)], span);
    return bin('^', expr(arg), bin('/', num('1', span), expr(r), spanOf(r)), span);
  },
  Arg_group(_o, e, _c) {
    return withSpan(expr(e), spanOf(this));
  },
  Arg_digit(d) {
    return num(d.sourceString, spanOf(d));
  },
  Arg_name(n) {
    return nameValue(hitOf(n));
  },

  SumOp(_cs, scripts, body) {
    return reduce('sum', scripts, body, spanOf(this));
  },
  ReduceOp(cs, scripts, body) {
    return reduce(cs.sourceString === '\\max' ? 'max' : 'min', scripts, body, spanOf(this));
  },
  SumScripts_lowerUpper: (_u, lower, _c, upper) => ({ lowers: lower['tex'](), upper: expr(upper) }),
  SumScripts_upperLower: (_c, upper, _u, lower) => ({ lowers: lower['tex'](), upper: expr(upper) }),
  SumScripts_lower: (_u, lower) => ({ lowers: lower['tex']() }),
  Lower_group: (_o, list, _c) => list.asIteration().children.map((b) => b['tex']()),
  Lower_one(n): Lower[] {
    return [{ index: hitOf(n).name, span: spanOf(n) }];
  },
  SumBinder_from(n, _eq, e): Lower {
    return { index: hitOf(n).name, from: expr(e), span: spanOf(this) };
  },
  SumBinder_bare(n): Lower {
    return { index: hitOf(n).name, span: spanOf(n) };
  },

  Indicator(_one, arg) {
    return bracket(arg['tex']() as Relation, spanOf(this));
  },
  IndicatorArg_subSet: (_u, _o, _lb, r, _rb, _c) => r['tex'](),
  IndicatorArg_sub: (_u, _o, r, _c) => r['tex'](),
  Iverson(d) {
    return bracket(d['tex']() as Relation, spanOf(this));
  },
  DelimRel_left: (_l, _o, r, _r, _c) => r['tex'](),
  DelimRel_big: (_l, _o, r, _r, _c) => r['tex'](),
  DelimRel_plain: (_o, r, _c) => r['tex'](),
  Relation: (left, rel, right): Relation => ({ left: expr(left), rel: RELS[rel.sourceString.trim()]!, right: expr(right) }),

  Call_deriv(fn, _prime, arg) {
    const f = FUNCTION_COMMANDS[fn.sourceString.slice(1)]!;
    return derivative(f, arg['tex']() as Expr[], spanOf(this), fn.sourceString + "'");
  },
  Call_pow(fn, sup, arg) {
    const span = spanOf(this);
    const f = call(FUNCTION_COMMANDS[fn.sourceString.slice(1)]!, arg['tex']() as Expr[], span);
    return bin('^', f, expr(sup), span);
  },
  Call_plain(fn, arg) {
    return call(FUNCTION_COMMANDS[fn.sourceString.slice(1)]!, arg['tex']() as Expr[], spanOf(this));
  },
  FnArg(a) {
    return a.ctorName === 'Args' ? a['tex']() : [expr(a)];
  },
  ListDelim_left: (_l, _o, list, _r, _c) => exprs(list),
  ListDelim_big: (_l, _o, list, _r, _c) => exprs(list),
  ListDelim_plain: (_o, list, _c) => exprs(list),
  Applied_deriv(name, prime, args) {
    return applied(name, args, spanOf(this), prime);
  },
  Applied_call(name, args) {
    return applied(name, args, spanOf(this));
  },

  NameRef_supSub(name, sup, sub) {
    const span = spanOf(this);
    const hit = hitOf(name);
    const layer = layerName(hit, sup);
    if (layer) return indexed(layer, sub['tex']() as Sub, span);
    return bin('^', indexed(hit, sub['tex']() as Sub, from(hit.span, spanOf(sub))), expr(sup), span);
  },
  NameRef_sub(name, sub) {
    const hit = hitOf(name);
    if (hit.sub) fail(`${textOf(name)} already has its subscript inside`, spanOf(sub));
    return indexed(hit, sub['tex']() as Sub, spanOf(this));
  },
  NameRef_plain(name) {
    return nameValue(hitOf(name));
  },
  Sub(_u, s): Sub {
    const node = s.children[0]!;
    if (node.ctorName === 'SubScript_group') {
      const inner = node.children[1]!;
      return { indices: exprs(inner), raw: { text: textOf(inner), start: inner.source.startIdx }, span: spanOf(this) };
    }
    return { indices: [expr(node)], span: spanOf(this) };
  },
  SubScript_digit(d) {
    return num(d.sourceString, spanOf(d));
  },
  SubScript_name(n) {
    return nameValue(hitOf(n));
  },
  Sup: (_c, s) => expr(s),
  Script_group(_o, e, _c) {
    return withSpan(expr(e), spanOf(this));
  },
  Script_digit(d) {
    return num(d.sourceString, spanOf(d));
  },
  Script_name(n) {
    return nameValue(hitOf(n));
  },

  // Names → Hit
  Name_tex(t): Hit {
    const entry = here().entries[t.sourceString.charCodeAt(0) - MARK]!;
    return { name: entry.name, decl: declared(entry.name), span: spanOf(t) };
  },
  Name_greek(g): Hit {
    const word = g.sourceString.slice(1);
    return pick(GREEK_NAMES[word]!, spanOf(g), GREEK_FUNCTIONS[word]);
  },
  Name_upright(_cs, _o, t, _c): Hit {
    const word = t.sourceString.replace(/\\_/g, '_');
    const span = spanOf(this);
    const decl = declared(word);
    if (decl) return { name: word, decl, span };
    return { name: word, fn: FUNCTION_SPELLINGS[word.toLowerCase()] ?? word, span };
  },
  Name_styled(_cs, _o, n, _c): Hit {
    return { ...hitOf(n), span: spanOf(this) };
  },
  Name_accent(cs, _o, n, sub, _c): Hit {
    const s = sub.children[0];
    const inner = hitOf(n);
    return accent(cs.sourceString.slice(1), inner, spanOf(this), s ? (s['tex']() as Sub) : undefined);
  },
  Name_accentBare(cs, n): Hit {
    return accent(cs.sourceString.slice(1), hitOf(n), spanOf(this));
  },
  Name_letter(l): Hit {
    const decl = declared(l.sourceString);
    return { name: l.sourceString, decl, span: spanOf(l) };
  },

  number(_n) {
    return num(this.sourceString, spanOf(this));
  },
};

/**
 * `\hat{x}` with no tex line matching it: the `tex` string `\hat{x}` spelled another
 * way (`\hat x`, `\hat{x_i}`), else the name `xhat` (declared or not).
 */
function accent(word: string, inner: Hit, span: Span, sub?: Sub): Hit {
  if (inner.sub) fail('an accent over a subscripted name: write the subscript outside, \\hat{x}_i', span);
  const c = here();
  const written = normalized(tokenize(`\\${word}{${c.text.slice(inner.span.col - c.col, inner.span.endCol - c.col)}}`)).map((t) => t.text).join(' ');
  const viaTex = c.entries.find((e) => normalized(tokenize(e.tex!)).map((t) => t.text).join(' ') === written);
  const name = viaTex?.name ?? inner.name + ACCENT_SUFFIX[word]!;
  return { name, decl: declared(name), sub, span };
}

// ── step 1: tokens, unknown commands, braces ──────────────────────────────────────

interface Tok {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const TOKEN = /\\[A-Za-z]+|\\[^]|\s+|[^]/gu;

/** LaTeX tokens without spaces and spacing commands. */
function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  for (const m of s.matchAll(TOKEN)) {
    const text = m[0];
    if (/^\s+$/.test(text) || SPACING.has(text)) continue;
    out.push({ text, start: m.index, end: m.index + text.length });
  }
  return out;
}

/** `{T}` around a single token is T (`\sigma^{2}` is `\sigma^2`, `\hat{x}` is `\hat x`); T then spans the braces. */
function normalized(tokens: readonly Tok[]): Tok[] {
  const out: Tok[] = [];
  const open: number[] = [];
  for (const t of tokens) {
    if (t.text === '{') {
      open.push(out.length);
      out.push(t);
    } else if (t.text === '}' && open.length > 0) {
      const at = open.pop()!;
      if (out.length - at === 2) {
        const inner = out.pop()!;
        const brace = out.pop()!;
        out.push({ text: inner.text, start: brace.start, end: t.end });
      } else out.push(t);
    } else out.push(t);
  }
  return out;
}

/** Private-use characters are the reader's own markers: refused in what a user wrote. */
function checkPrivateUse(text: string): void {
  const at = text.search(/[\ue000-\uf8ff]/);
  if (at >= 0) fail(`unexpected character U+${text.charCodeAt(at).toString(16).toUpperCase()}`, spanAt(at, at + 1));
}

/** Unknown commands and unbalanced braces, after the tex names are marked (their own commands are theirs). */
function check(text: string): void {
  const open: number[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const t = m[0];
    const at = m.index;
    if (/^\\[A-Za-z]/.test(t)) {
      if (!KNOWN_COMMANDS.has(t.slice(1))) {
        const hint = t === '\\prod' ? ': products over an index are not supported' : '';
        fail(`unknown LaTeX command "${t}"${hint}`, spanAt(at, at + t.length));
      }
    } else if (t.startsWith('\\')) {
      if (!KNOWN_SYMBOLS.has(t.slice(1))) fail(`unexpected "${t}": this reader does not know that LaTeX symbol`, spanAt(at, at + t.length));
    } else if (t === '{') {
      open.push(at);
      if (open.length > MAX_NESTING) throw new SpecError('limit', `braces nest deeper than the limit of ${MAX_NESTING} levels`, spanAt(at, at + 1));
    } else if (t === '}') {
      if (open.length === 0) fail('unexpected "}": no "{" is open before it', spanAt(at, at + 1));
      open.pop();
    }
  }
  const last = open.pop();
  if (last !== undefined) fail('this "{" is never closed: expected "}"', spanAt(last, last + 1));
}

// ── step 2: tex strings, longest first, replaced by same-length markers ─────────────

interface Entry {
  readonly index: number;
  readonly tokens: readonly string[];
}

function texEntries(names: TexNames): TexName[] {
  const entries: TexName[] = [];
  for (const n of names.names) if (n.tex?.trim()) entries.push(n);
  if (names.lossTex?.trim() && !entries.some((e) => e.name === names.loss)) {
    entries.push({ name: names.loss, dims: 0, tex: names.lossTex });
  }
  return entries.slice(0, MAX_ENTRIES);
}

function balanced(tokens: readonly Tok[]): boolean {
  let depth = 0;
  for (const t of tokens) {
    depth += t.text === '{' ? 1 : t.text === '}' ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth === 0;
}

/** Where each `tex` string occurs (whole tokens, longest first, left to right): the text with markers. */
function markTexNames(text: string, entries: readonly TexName[]): string {
  const patterns: Entry[] = entries
    .map((e, index) => ({ index, raw: tokenize(e.tex!) }))
    .filter(({ raw }) => raw.length > 0 && balanced(raw))
    .map(({ index, raw }) => ({ index, tokens: normalized(raw).map((t) => t.text) }))
    .sort((a, b) => b.tokens.length - a.tokens.length);
  if (patterns.length === 0) return text;
  const toks = normalized(tokenize(text));
  let out = text;
  let i = 0;
  while (i < toks.length) {
    const p = patterns.find((q) => q.tokens.every((t, k) => toks[i + k]?.text === t));
    if (p) {
      const start = toks[i]!.start;
      const end = toks[i + p.tokens.length - 1]!.end;
      out = out.slice(0, start) + String.fromCharCode(MARK + p.index) + FILL.repeat(end - start - 1) + out.slice(end);
      i += p.tokens.length;
      continue;
    }
    // An upright word is one name: no tex string is looked for inside it.
    if (UPRIGHT_COMMANDS.has(toks[i]!.text.slice(1)) && toks[i + 1]?.text === '{') {
      let depth = 0;
      let j = i + 1;
      for (; j < toks.length; j++) {
        depth += toks[j]!.text === '{' ? 1 : toks[j]!.text === '}' ? -1 : 0;
        if (depth === 0) break;
      }
      i = j + 1;
      continue;
    }
    i++;
  }
  return out;
}

// ── step 3: the grammar, and the messages of a failed match ───────────────────────

let semantics: Semantics | undefined;

function texSemantics(): Semantics {
  semantics ??= loadGrammar('tex.ohm').createSemantics().addOperation<unknown>('tex', actions);
  return semantics;
}

/** The token at `pos` of the original text, as shown in a message (a tex name as written). */
function foundAt(marked: string, pos: number): { shown: string; length: number } {
  const text = here().text;
  if (text.slice(pos).trim() === '') return { shown: 'end of the equation', length: 1 };
  const code = marked.charCodeAt(pos);
  if (code >= MARK && code < MARK + MAX_ENTRIES) {
    let end = pos + 1;
    while (marked[end] === FILL) end++;
    return { shown: `"${text.slice(pos, end)}"`, length: end - pos };
  }
  const m = /^(?:\\[A-Za-z]+|\\[^]|[^])/u.exec(text.slice(pos));
  const token = m?.[0] ?? text[pos]!;
  return { shown: `"${token}"`, length: token.length };
}

/** Ohm's expected items, shortened: "an expression" for everything that can start one. */
function expectedText(m: Failure): string {
  const detailed = m as Failure & { getRightmostFailures?: () => { isFluffy(): boolean }[] };
  let items = typeof detailed.getRightmostFailures === 'function'
    ? detailed.getRightmostFailures().filter((f) => !f.isFluffy()).map(String)
    : [m.getExpectedText()];
  items = [...new Set(items.map((e) => (e === 'end of input' ? 'end of the equation' : e)))];
  const ends = items.includes('end of the equation') || items.some((e) => CLOSERS.has(e) && e !== '","');
  if (ends) items = items.filter((e) => e !== '","'); // the trailing "," or "." of an equation
  if (items.includes('a name') || items.includes('a number')) {
    // after a complete operand, juxtaposition makes every expression start possible: "an operator"
    const kept = items.filter((e) => CLOSERS.has(e) || e === 'end of the equation' || e === 'a comparison');
    items = [ends ? 'an operator' : 'an expression', ...kept];
  }
  // `\left`, `\bigl`, … can come before any opening bracket: name the bracket only
  const sized = items.filter((e) => !/^"\\\\(left|[bB]igg?l?)"$/.test(e));
  if (sized.length > 0) items = sized;
  items = items.map((e) => e.replace(/\\\\/g, '\\'));
  items.sort((a, b) => rank(a) - rank(b));
  if (items.length <= 1) return items[0] ?? 'something else';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** What may close a group, a claim's side or a bracket (an expression start like "|" is not listed). */
const CLOSERS = new Set(['"}"', '")"', '"]"', '"\\\\right"', '"\\\\rvert"', '"\\\\}"', '"="', '","']);

function rank(item: string): number {
  if (item.startsWith('"') && item !== '"="') return 0;
  if (item === 'end of the equation') return 3;
  return 1;
}

/** Whether `s` has an "=" outside every bracket and brace (the claim's own). */
function topLevelEquals(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') i++;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === '=' && depth === 0) return true;
  }
  return false;
}

function failureMessage(marked: string, pos: number, found: string, expected: string): string {
  if (found === '"="' && topLevelEquals(marked.slice(0, pos))) {
    return 'a second "=": a claim is one equation, lhs = rhs';
  }
  if (/\\(sum|max|min)\s*$/.test(marked.slice(0, pos)) && /^"[_^]"/.test(expected)) {
    const op = /\\(sum|max|min)\s*$/.exec(marked.slice(0, pos))![1];
    return `unexpected ${found}: \\${op} needs its index, as in \\${op}_i or \\${op}_{i=1}^{n}`;
  }
  const note = expected.includes('"="') && !/(^|[^\\<>!])=/.test(here().text) ? ' (a claim is an equation: lhs = rhs)' : '';
  return `unexpected ${found}: expected ${expected}${note}`;
}

// ── the entry point ────────────────────────────────────────────────────────────────

/** Strip `$…$` / `$$…$$` around the equation (as spaces, so columns stay put). */
function unwrapDollars(latex: string): string {
  const m = /^(\s*)(\$\$?)([^]*?)\2(\s*)$/.exec(latex);
  return m ? m[1] + ' '.repeat(m[2]!.length) + m[3] + ' '.repeat(m[2]!.length) + m[4] : latex;
}

/**
 * Read the equation of a `claim latex:` line. `col` is the 1-based column of the
 * LaTeX's first character in `source` (the whole line); every span points there.
 * Throws a SpecError (kind 'syntax', or 'shape' for an index on a scalar) at the
 * exact column of what is wrong.
 */
export function parseTexClaim(input: TexClaimInput): { lhs: Expr; rhs: Expr } {
  const { names } = input;
  const byName = new Map<string, TexName>();
  if (!names.names.some((n) => n.name === names.loss)) byName.set(names.loss, { name: names.loss, dims: 0, tex: names.lossTex });
  for (const n of names.names) byName.set(n.name, n);
  const text = unwrapDollars(input.latex);
  const entries = texEntries(names);
  const saved = ctx;
  ctx = { file: input.file, line: input.line, col: input.col, source: input.source, text, names, byName, entries };
  try {
    checkPrivateUse(text);
    const marked = markTexNames(text, entries);
    check(marked);
    checkNesting(input.file, input.line, input.source, text, input.col - 1);
    const grammar = loadGrammar('tex.ohm');
    const m = grammar.match(marked, 'Equation');
    if (m.failed()) {
      const pos = m.getRightmostFailurePosition();
      const found = foundAt(marked, pos);
      throw new SpecError('syntax', failureMessage(marked, pos, found.shown, expectedText(m)), spanAt(pos, pos + found.length));
    }
    return texSemantics()(m)['tex']() as { lhs: Expr; rhs: Expr };
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new SpecError('limit', `the LaTeX nests too deeply to read (the limit is ${MAX_NESTING} levels)`, spanAt(0, Math.max(1, text.length)));
  } finally {
    ctx = saved;
  }
}
