// tanh: d tanh(a) = (1 − tanh²(a))·da, written as a person writes it.
import { add, neg, num, pow } from '../ir/node.js';
import { unary } from './families.js';

export const tanh = unary({
  name: 'tanh',
  forward: (F, a) => F.tanh(a),
  slope: (_a, n) => add(num(1), neg(pow(n, num(2)))),
  latex: '\\tanh',
  code: (a, w) => w.fn('tanh', [a]),
});
