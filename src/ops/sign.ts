// sign: −1, 0 or 1; the derivative of abs. Piecewise constant, so d sign(a) = 0.
import { num } from '../ir/node.js';
import type { Op } from './op.js';
import { unary } from './families.js';

const base = unary({
  name: 'sign',
  forward: (F, a, env) => (env.kink(F.abs(a)), F.fromNumber(F.cmp(a, F.zero))),
  slope: () => num(0),
  latex: '\\operatorname{sign}',
});

export const sign: Op = { ...base, derivative: () => undefined };
