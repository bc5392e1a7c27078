// The LaTeX reader's ohm semantic actions (src/syntax/tex.ts): the operation `tex` over
// grammar/tex.ohm, one action per rule, building the Expr (or a Hit, Sub, Lower,
// Relation along the way) with spans into the original text.
import type { Expr } from './ast.js';
import { loadGrammar } from './parse.js';
import {
  bin, bracket, call, fail, from, here, neg, num, spanOf, textOf, withSpan,
  type ActionDict, type BinaryOp, type Hit, type Lower, type Relation, type Semantics, type Sub,
} from './tex-context.js';
import {
  adjoint, applied, derivative, expr, exprs, fold, MUL_OPS, power, reduce, RELS,
} from './tex-forms.js';
import { accent, declared, hitOf, indexed, layerName, nameValue, pick } from './tex-names-resolve.js';
import { FUNCTION_COMMANDS, FUNCTION_SPELLINGS, GREEK_FUNCTIONS, GREEK_NAMES } from './tex-names.js';
import { MARK } from './tex-prepare.js';

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

let semantics: Semantics | undefined;

export function texSemantics(): Semantics {
  semantics ??= loadGrammar('tex.ohm').createSemantics().addOperation<unknown>('tex', actions);
  return semantics;
}
