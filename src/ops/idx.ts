// idx: an index variable used as a value (beta^t, [i = j]). Indices are integers,
// so d(i) = 0.
import type { Op } from './op.js';
import { PREC } from './op.js';
import { noDerivative } from './families.js';

export const idx: Op = {
  name: 'idx',
  arity: 0,
  shape: () => 'integer',
  evaluate: (n, env) => env.F.fromBigInt(env.index(n.attrs.name!)),
  derivative: noDerivative,
  precedence: PREC.atom,
  print: (n, p) => p.name(n.attrs.name!),
  code: (n, w) => w.index(n.attrs.name!),
};
