// mul: a·b·…, n-ary. Product rule: d(a·b) = da·b + a·db.
import type { Node } from '../ir/node.js';
import { add, mul as mulNode } from '../ir/node.js';
import type { Op } from './op.js';
import { PREC } from './op.js';
import { sameKind } from './families.js';
import { fraction, printProduct, splitSign } from './layout.js';

export const mul: Op = {
  name: 'mul',
  arity: 'variadic',
  shape: sameKind,
  // Brackets first, and a zero bracket ends the product (Knuth's strong zero:
  // [P]·x = 0 even where x is undefined, as with ō[m − k + 1]·[1 ≤ m − k + 1 ≤ M]).
  evaluate(n, env, ev) {
    const F = env.F;
    let p = F.one;
    for (const f of [...n.args].sort((a, b) => guardOrder(a) - guardOrder(b))) {
      const v = ev(f, env);
      if (f.op === 'iverson' && F.cmp(v, F.zero) === 0) return F.zero;
      p = F.mul(p, v);
    }
    return p;
  },
  derivative(n, d) {
    const terms: Node[] = [];
    n.args.forEach((f, i) => {
      const df = d(f);
      if (df) terms.push(mulNode(...n.args.slice(0, i), df, ...n.args.slice(i + 1)));
    });
    return terms.length === 0 ? undefined : terms.length === 1 ? terms[0] : add(...terms);
  },
  precedence: (n) => (splitSign(n).negative ? PREC.neg : PREC.mul),
  print(n, p) {
    const { negative, abs } = splitSign(n);
    const minus = p.style === 'latex' ? '-' : '−';
    if (negative) return minus + printProduct(abs.op === 'mul' ? abs.args : [abs], p);
    return printProduct(n.args, p);
  },
  // Iverson brackets first, and the rest only where they all hold: a strong zero (Knuth)
  // never reads outside a tensor, as in evaluate. Negative powers divide, as written.
  code(n, w) {
    const brackets = n.args.filter((a) => a.op === 'iverson').sort((a, b) => guardOrder(a) - guardOrder(b));
    const { negative, abs } = splitSign(mulNode(...n.args.filter((a) => a.op !== 'iverson')));
    const { top, bottom } = fraction(abs.op === 'mul' ? abs.args : [abs]);
    const product = (fs: readonly Node[]): string => (fs.length ? fs.map((f) => w.arg(f)).reduce((p, f) => w.binary('*', p, f)) : '1');
    let value = bottom.length ? w.binary('/', product(top), product(bottom)) : product(top);
    if (negative) value = `(-${value})`;
    return brackets.length ? w.select(w.and(brackets.map((b) => w.condition(b))), value, '0') : value;
  },
};

/**
 * The order a product evaluates its factors in: brackets on indices alone first, then
 * brackets that read tensors, then the rest. A bracket such as [w[m] < x[m − 1]] may read
 * outside x's index set exactly where an index bracket beside it, [2 ≤ m], is 0 (found by
 * fuzzing); the sort is stable, so the order within each kind is the written one.
 */
function guardOrder(f: Node): number {
  if (f.op !== 'iverson') return 2;
  return readsSomething(f) ? 1 : 0;
}

const readsSomething = (n: Node): boolean => n.op === 'read' || n.op === 'adj' || n.args.some(readsSomething);
