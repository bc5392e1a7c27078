// read: x[i₁, …] (a scalar read has no indices), the forward value of a leaf or a
// definition. A guarded read x[e]? is 0 outside the index set (zero padding).
// Its derivative is the job of the reverse sweep (a read scatters, INDEX-CALCULUS.md),
// which is why derivative() here leaves reads to the differentiate callback.
import type { Op } from './op.js';
import { PREC } from './op.js';
import { indexValues, OutOfRange } from './elements.js';

export const read: Op = {
  name: 'read',
  arity: 'variadic',
  shape: () => 'real',
  evaluate(n, env, ev) {
    const at = indexValues(n, env, ev);
    const v = env.tensor(n.attrs.name!, at);
    if (v !== undefined) return v;
    if (n.attrs.guarded) return env.F.zero;
    throw new OutOfRange(n.attrs.name!, at, n);
  },
  derivative: () => undefined,
  precedence: PREC.atom,
  print: (n, p) => p.element(n.attrs.name!, n.args.map((a) => p.arg(a, 0)), false, !!n.attrs.guarded),
  code: (n, w) => w.element(n),
};
