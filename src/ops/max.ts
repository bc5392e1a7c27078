// max: the larger of a and b. d max(a, b) = [a ≥ b]·da + [b > a]·db: a tie gives the
// whole gradient to the first argument (LANGUAGE.md's convention, as PyTorch's max
// pooling does); sampling keeps away from ties.
import type { Node } from '../ir/node.js';
import { add, isIndexExpr, iverson, mul } from '../ir/node.js';
import type { Op } from './op.js';
import { PREC } from './op.js';
import { sameKind } from './families.js';

export const max: Op = {
  name: 'max',
  arity: 2,
  shape: sameKind,
  evaluate(n, env, ev) {
    const a = ev(n.args[0]!, env);
    const b = ev(n.args[1]!, env);
    if (!isIndexExpr(n)) env.kink(env.F.abs(env.F.sub(a, b)));
    return env.F.cmp(a, b) >= 0 ? a : b;
  },
  derivative(n, d) {
    const [a, b] = n.args as [Node, Node];
    const da = d(a);
    const db = d(b);
    const terms: Node[] = [];
    if (da) terms.push(mul(iverson(a, '>=', b), da));
    if (db) terms.push(mul(iverson(b, '>', a), db));
    return terms.length === 0 ? undefined : terms.length === 1 ? terms[0] : add(...terms);
  },
  precedence: PREC.atom,
  print: (n, p) =>
    p.style === 'latex'
      ? `\\max\\left(${p.arg(n.args[0]!, 0)}, ${p.arg(n.args[1]!, 0)}\\right)`
      : `max(${p.arg(n.args[0]!, 0)}, ${p.arg(n.args[1]!, 0)})`,
  // a tie goes to the first argument (LANGUAGE.md), as in evaluate
  code: (n, w) => w.select(w.compare(w.arg(n.args[0]!), '>=', w.arg(n.args[1]!)), w.arg(n.args[0]!), w.arg(n.args[1]!)),
};
