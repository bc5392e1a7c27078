// iverson: [a rel b], worth 1 when the relation holds and 0 otherwise: the Kronecker
// delta [i = j] of index matches, and the indicators of max, relu and boundaries.
// Piecewise constant, so its derivative is 0; a comparison of real values is a kink.
import { isIndexExpr } from '../ir/node.js';
import type { Node, Rel } from '../ir/node.js';
import type { Op } from './op.js';
import { PREC } from './op.js';

const TEXT: Record<Rel, string> = { '=': '=', '!=': '≠', '<': '<', '<=': '≤', '>': '>', '>=': '≥' };
const LATEX: Record<Rel, string> = { '=': '=', '!=': '\\neq', '<': '<', '<=': '\\le', '>': '>', '>=': '\\ge' };

export function holds(c: -1 | 0 | 1, rel: Rel): boolean {
  switch (rel) {
    case '=': return c === 0;
    case '!=': return c !== 0;
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    case '>=': return c >= 0;
  }
}

export const iverson: Op = {
  name: 'iverson',
  arity: 2,
  shape: () => 'integer',
  evaluate(n, env, ev) {
    const F = env.F;
    const a = ev(n.args[0]!, env);
    const b = ev(n.args[1]!, env);
    if (!isIndexExpr(n.args[0]!) || !isIndexExpr(n.args[1]!)) env.kink(F.abs(F.sub(a, b)));
    return holds(F.cmp(a, b), n.attrs.rel!) ? F.one : F.zero;
  },
  derivative: () => undefined,
  precedence: PREC.atom,
  print(n, p) {
    const [a, b] = n.args as [Node, Node];
    // [a mod k = 0] is divisibility, written [k ∣ a] as Knuth and Graham do
    if (n.attrs.rel === '=' && a.op === 'mod' && b.op === 'num' && b.attrs.value!.n === 0n) {
      const k = p.arg(a.args[1]!, 0);
      const e = p.arg(a.args[0]!, 0);
      return p.style === 'latex' ? `\\left[${k} \\mid ${e}\\right]` : `[${k} ∣ ${e}]`;
    }
    const rel = (p.style === 'latex' ? LATEX : TEXT)[n.attrs.rel!];
    const body = `${p.arg(n.args[0]!, 0)} ${rel} ${p.arg(n.args[1]!, 0)}`;
    return p.style === 'latex' ? `\\left[${body}\\right]` : `[${body}]`;
  },
  code: (n, w) => w.select(w.condition(n), '1', '0'),
};
