// sign: −1, 0 or 1; the derivative of abs. Piecewise constant, so d sign(a) = 0.
import { num } from '../ir/node.js';
import type { Op } from './op.js';
import { unary } from './families.js';

const base = unary({
  name: 'sign',
  forward: (F, a, env) => (env.kink(F.abs(a)), F.fromNumber(F.cmp(a, F.zero))),
  slope: () => num(0),
  latex: '\\operatorname{sign}',
  code: (a, w) => w.select(w.compare(a, '>', '0'), '1', w.select(w.compare(a, '<', '0'), '-1', '0')),
});

export const sign: Op = { ...base, derivative: () => undefined };
