// num: an exact rational constant. d(c) = 0.
import type { Op } from './op.js';
import { PREC } from './op.js';
import { noDerivative } from './families.js';
import { isInteger } from '../ir/rational.js';

export const num: Op = {
  name: 'num',
  arity: 0,
  shape: (_k, n) => (isInteger(n.attrs.value!) ? 'integer' : 'real'),
  evaluate: (n, env) => env.F.fromRational(n.attrs.value!),
  derivative: noDerivative,
  // a fraction or a negative number needs parentheses under a power or a product
  precedence: (n) => numberPrecedence(n.attrs.value!),
  print: (n, p) => p.number(n.attrs.value!),
  code: (n, w) => w.num(n.attrs.value!),
};

/** How tightly a printed number binds: 2 is an atom, −2 and 1/2 are not. */
export const numberPrecedence = (v: { n: bigint; d: bigint }): number =>
  v.n < 0n ? PREC.neg : isInteger(v) ? PREC.atom : PREC.mul;
