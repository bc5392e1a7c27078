// The LaTeX reader's compound forms (src/syntax/tex.ts), shared by the semantic actions
// (tex-actions.ts): sums and products of terms, powers (with `W^{[2]}` layer names),
// the loss's adjoints `∂L/∂x`, reductions `\sum`/`\max`/`\min`, calls of a name and
// the derivatives f'(z) of the built-in functions.
import type { Rel, Span } from '../ir/node.js';
import type { Binder, Expr } from './ast.js';
import {
  bin, bracket, call, fail, here, nameExpr, neg, num, spanOf, textOf, withSpan,
  type BinaryOp, type Lower, type Node, type Sub,
} from './tex-context.js';
import { hitOf, indexed, isLoss, layerName, nameValue } from './tex-names-resolve.js';

/** f'(z) for the built-in functions (relu'(0) = 0 and abs'(0) = 0, as LANGUAGE.md states). */
export function derivative(fn: string, args: readonly Expr[], span: Span, written: string): Expr {
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

export const expr = (n: Node): Expr => n['tex']() as Expr;
export const exprs = (list: Node): Expr[] => list.asIteration().children.map(expr);

export function fold(first: Expr, rest: readonly { op: BinaryOp; arg: Expr }[]): Expr {
  return rest.reduce<Expr>((left, { op, arg }) => bin(op, left, arg), first);
}

export const MUL_OPS: Record<string, BinaryOp> = { '\\cdot': '*', '\\times': '*', '\\ast': '*', '*': '*', '\\div': '/', '/': '/' };
export const RELS: Record<string, Rel> = {
  '\\le': '<=', '\\leq': '<=', '\\leqslant': '<=', '<=': '<=', '≤': '<=',
  '\\ge': '>=', '\\geq': '>=', '\\geqslant': '>=', '>=': '>=', '≥': '>=',
  '\\ne': '!=', '\\neq': '!=', '!=': '!=', '≠': '!=',
  '\\lt': '<', '<': '<', '\\gt': '>', '>': '>', '=': '=',
};

/** The child of `n` (through single-child wrappers) whose rule is `ctor`, if any. */
export function unwrap(n: Node, ctor: string): Node | undefined {
  let at: Node | undefined = n;
  while (at) {
    if (at.ctorName === ctor) return at;
    at = at.numChildren === 1 && !at.isTerminal() ? at.children[0] : undefined;
  }
  return undefined;
}

/** The Expr of a power `base^sup`, with the tex-less layer names (`W^{[2]}`) read first. */
export function power(base: Node, sup: Node, span: Span): Expr {
  const plain = unwrap(base, 'NameRef_plain');
  if (plain) {
    const layer = layerName(hitOf(plain.children[0]!), sup);
    if (layer) return nameExpr(layer.name, span);
  }
  if (unwrap(base, 'AdjSlash')) fail('a power of ∂L/∂x needs parentheses: write (\\partial L / \\partial x)^2', span);
  return bin('^', expr(base), expr(sup), span);
}

/** The loss's adjoint: `\frac{\partial L}{\partial x_i}`; with `d`, a fraction unless the numerator is the loss. */
export function adjoint(partial: Node, loss: Node, partial2: Node, target: Node, span: Span, slash: boolean): Expr {
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

export function reduce(fn: 'sum' | 'max' | 'min', scripts: Node, body: Node, span: Span): Expr {
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
export function applied(name: Node, args: Node, span: Span, prime?: Node): Expr {
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
