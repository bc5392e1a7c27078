// exp: eˣ, its own derivative: d exp(a) = exp(a)·da.
import { unary } from './families.js';

export const exp = unary({
  name: 'exp',
  forward: (F, a) => F.exp(a),
  slope: (_a, n) => n,
  latex: '\\exp',
  code: (a, w) => w.fn('exp', [a]),
});
