// mod: a % b, the remainder of floor division (0 ≤ a % b < b for b > 0).
// Piecewise constant: derivative 0.
import { floorMod } from '../ir/rational.js';
import type { Op } from './op.js';
import { PREC } from './op.js';
import { indexValues } from './elements.js';

export const mod: Op = {
  name: 'mod',
  arity: 2,
  shape: (k) => (k.every((x) => x === 'integer') ? 'integer' : '% takes integer arguments'),
  evaluate(n, env, ev) {
    const [a, b] = indexValues(n, env, ev);
    return env.F.fromBigInt(floorMod(a!, b!));
  },
  derivative: () => undefined,
  precedence: PREC.mul,
  print: (n, p) =>
    p.style === 'latex'
      ? `${p.arg(n.args[0]!, PREC.mul + 1)} \\bmod ${p.arg(n.args[1]!, PREC.mul + 1)}`
      : `${p.arg(n.args[0]!, PREC.mul + 1)} mod ${p.arg(n.args[1]!, PREC.mul + 1)}`,
  code: (n, w) => w.binary('%', w.arg(n.args[0]!), w.arg(n.args[1]!)),
};
