// floordiv: a // b, integer division rounding toward −∞ (pooling and reshape
// indices, LANGUAGE.md). Piecewise constant: derivative 0.
import { floorDiv } from '../ir/rational.js';
import type { Op } from './op.js';
import { PREC } from './op.js';
import { indexValues } from './elements.js';

export const floordiv: Op = {
  name: 'floordiv',
  arity: 2,
  shape: (k) => (k.every((x) => x === 'integer') ? 'integer' : '// takes integer arguments'),
  evaluate(n, env, ev) {
    const [a, b] = indexValues(n, env, ev);
    return env.F.fromBigInt(floorDiv(a!, b!));
  },
  derivative: () => undefined,
  precedence: PREC.atom,
  print: (n, p) =>
    p.style === 'latex'
      ? `\\left\\lfloor \\frac{${p.arg(n.args[0]!, 0)}}{${p.arg(n.args[1]!, 0)}} \\right\\rfloor`
      : `⌊${p.arg(n.args[0]!, PREC.mul + 1)}/${p.arg(n.args[1]!, PREC.atom)}⌋`,
  code: (n, w) => w.binary('//', w.arg(n.args[0]!), w.arg(n.args[1]!)),
};
