// log: the natural logarithm, d log(a) = da / a.
import { num, pow } from '../ir/node.js';
import { unary } from './families.js';

export const log = unary({
  name: 'log',
  forward: (F, a) => F.log(a),
  slope: (a) => pow(a, num(-1)),
  latex: '\\log',
  code: (a, w) => w.fn('log', [a]),
});
