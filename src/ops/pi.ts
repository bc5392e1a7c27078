// pi: the constant π. d(π) = 0.
import type { Op } from './op.js';
import { PREC } from './op.js';
import { noDerivative } from './families.js';

export const pi: Op = {
  name: 'pi',
  arity: 0,
  shape: () => 'real',
  evaluate: (_n, env) => env.F.pi,
  derivative: noDerivative,
  precedence: PREC.atom,
  print: (_n, p) => (p.style === 'latex' ? '\\pi' : 'π'),
  code: (_n, w) => w.pi,
};
