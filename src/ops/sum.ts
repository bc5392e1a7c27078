// sum: Σ_{i=lo}^{hi} body, empty (0) when hi < lo. Linear, so the derivative goes
// inside: d Σᵢ f = Σᵢ df, with the range unchanged.
import { node } from '../ir/node.js';
import type { Op } from './op.js';
import { PREC } from './op.js';
import { boundsOf } from './bounds.js';

export const sum: Op = {
  name: 'sum',
  arity: 3,
  shape: (k) => (k[0] === 'integer' && k[1] === 'integer' ? k[2]! : 'bounds of a sum must be integers'),
  evaluate(n, env, ev) {
    const [lo, hi] = boundsOf(n, env, ev);
    let s = env.F.zero;
    for (let i = lo; i <= hi; i++) s = env.F.add(s, ev(n.args[2]!, env.bind(n.attrs.index!, i)));
    return s;
  },
  derivative(n, d) {
    const db = d(n.args[2]!);
    return db && node('sum', [n.args[0]!, n.args[1]!, db], n.attrs);
  },
  precedence: PREC.mul,
  print(n, p) {
    const [lo, hi, body] = [p.arg(n.args[0]!, 0), p.arg(n.args[1]!, 0), p.arg(n.args[2]!, PREC.mul)];
    const i = p.name(n.attrs.index!);
    return p.style === 'latex' ? `\\sum_{${i}=${lo}}^{${hi}} ${body}` : `Σ_{${i}=${lo}}^{${hi}} ${body}`;
  },
  code: (n, w) => w.reduce(n, 'sum'),
};
