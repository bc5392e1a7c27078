// size: a size symbol such as n or K, a positive integer fixed per instance of the
// layer. It is a constant for differentiation: d(n) = 0.
import type { Op } from './op.js';
import { PREC } from './op.js';
import { noDerivative } from './families.js';

export const size: Op = {
  name: 'size',
  arity: 0,
  shape: () => 'integer',
  evaluate: (n, env) => env.F.fromBigInt(env.size(n.attrs.name!)),
  derivative: noDerivative,
  precedence: PREC.atom,
  print: (n, p) => p.name(n.attrs.name!),
  code: (n, w) => w.size(n.attrs.name!),
};
