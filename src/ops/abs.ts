// abs: |a|, d|a| = sign(a)·da, with abs'(0) = 0 by this project's convention
// (LANGUAGE.md); sampling keeps away from a = 0.
import { call } from '../ir/node.js';
import type { Op } from './op.js';
import { unary } from './families.js';

const base = unary({
  name: 'abs',
  forward: (F, a, env) => (env.kink(F.abs(a)), F.abs(a)),
  slope: (a) => call('sign', a),
  latex: '',
  code: (a, w) => w.fn('abs', [a]),
});

export const abs: Op = {
  ...base,
  print: (n, p) => (p.style === 'latex' ? `\\left|${p.arg(n.args[0]!, 0)}\\right|` : `|${p.arg(n.args[0]!, 0)}|`),
};
