// adj: dL/dx[i₁, …], the adjoint of x: the total derivative of the loss through
// every path from x. For an output it is the upstream gradient, a free symbol; for
// anything else it stands for a form the engine derives. Guarded: 0 outside the range.
import type { Op } from './op.js';
import { PREC } from './op.js';
import { indexValues, OutOfRange } from './elements.js';

export const adj: Op = {
  name: 'adj',
  arity: 'variadic',
  shape: () => 'real',
  evaluate(n, env, ev) {
    const at = indexValues(n, env, ev);
    const v = env.adjoint(n.attrs.name!, at, !!n.attrs.upstream);
    if (v !== undefined) return v;
    if (n.attrs.guarded) return env.F.zero;
    throw new OutOfRange(`dL/d${n.attrs.name!}`, at, n);
  },
  // adjoints are treated as independent of the variable being differentiated
  derivative: () => undefined,
  precedence: PREC.atom,
  print: (n, p) => p.element(n.attrs.name!, n.args.map((a) => p.arg(a, 0)), true, !!n.attrs.guarded, !!n.attrs.upstream),
  code: (n, w) => w.element(n),
};
