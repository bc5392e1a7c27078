// sigmoid: σ(a) = 1/(1 + e^(−a)), d σ(a) = σ(a)·(1 − σ(a))·da.
import { add, mul, neg, num } from '../ir/node.js';
import { unary } from './families.js';

export const sigmoid = unary({
  name: 'sigmoid',
  // 1/(1 + e^(−a)) overflows to 1/∞ = 0 for very negative a, which is the right limit
  forward: (F, a) => F.div(F.one, F.add(F.one, F.exp(F.neg(a)))),
  slope: (_a, n) => mul(n, add(num(1), neg(n))),
  text: 'σ',
  latex: '\\sigma',
  code: (a, w) => w.binary('/', '1', `(${w.binary('+', '1', w.fn('exp', [`(-${a})`]))})`),
});
