// add: a + b + …, n-ary. d(a + b) = da + db.
import type { Node } from '../ir/node.js';
import { add as addNode } from '../ir/node.js';
import type { Op } from './op.js';
import { PREC } from './op.js';
import { evalArgs, sameKind } from './families.js';
import { splitSign } from './layout.js';

export const add: Op = {
  name: 'add',
  arity: 'variadic',
  shape: sameKind,
  evaluate: (n, env, ev) => evalArgs(n, env, ev).reduce((s, x) => env.F.add(s, x), env.F.zero),
  derivative(n, d) {
    const terms = n.args.map(d).filter((t): t is Node => t !== undefined);
    return terms.length === 0 ? undefined : terms.length === 1 ? terms[0] : addNode(...terms);
  },
  precedence: PREC.add,
  print(n, p) {
    const minus = p.style === 'latex' ? ' - ' : ' − ';
    return n.args
      .map((t, i) => {
        const { negative, abs } = splitSign(t);
        // a subtracted sum needs parentheses: a − (b + c)
        if (negative) return (i === 0 ? minus.trim() : minus) + p.arg(abs, PREC.add + 1);
        return (i === 0 ? '' : ' + ') + p.arg(t, PREC.add);
      })
      .join('');
  },
  // a − b rather than a + (−1)·b
  code: (n, w) =>
    n.args.slice(1).reduce((s, t) => {
      const { negative, abs } = splitSign(t);
      return w.binary(negative ? '-' : '+', s, w.arg(abs));
    }, w.arg(n.args[0]!)),
};
