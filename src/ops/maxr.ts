// maxr: max over r in lo..hi of body (max pooling). Its derivative routes everything
// to the first maximum (ties to the lowest index, LANGUAGE.md):
//   d maxᵣ f(r) = Σᵣ [r is the first argmax]·df(r).
// A window of concrete size is written out as comparisons, as INDEX-CALCULUS.md does:
//   ∂y[p]/∂o[2p − 1] = [o[2p − 1] ≥ o[2p]],  ∂y[p]/∂o[2p] = [o[2p] > o[2p − 1]].
import type { Node } from '../ir/node.js';
import { add, idx, isNum, iverson, mul, node, num, substIndices } from '../ir/node.js';
import type { Op } from './op.js';
import { PREC } from './op.js';
import { boundsOf } from './bounds.js';

const WRITE_OUT = 8; // windows up to this many elements are written out

export const maxr: Op = {
  name: 'maxr',
  arity: 3,
  shape: (k) => (k[0] === 'integer' && k[1] === 'integer' ? k[2]! : 'bounds of a max must be integers'),
  evaluate(n, env, ev) {
    const [lo, hi] = boundsOf(n, env, ev);
    const vals = [];
    for (let r = lo; r <= hi; r++) vals.push(ev(n.args[2]!, env.bind(n.attrs.index!, r)));
    if (!vals.length) throw new RangeError('max over an empty range');
    const F = env.F;
    const best = vals.reduce((m, v) => (F.cmp(v, m) > 0 ? v : m));
    // distance to the runner-up: a tie (or near-tie) is a kink
    for (const v of vals) if (v !== best) env.kink(F.abs(F.sub(best, v)));
    return best;
  },
  derivative(n, d) {
    const [lo, hi, body] = n.args as [Node, Node, Node];
    const r = n.attrs.index!;
    const db = d(body);
    if (!db) return undefined;
    if (isNum(lo) && isNum(hi) && lo.attrs.value!.d === 1n && hi.attrs.value!.d === 1n) {
      const a = lo.attrs.value!.n;
      const b = hi.attrs.value!.n;
      if (b - a < WRITE_OUT) {
        const at = (c: bigint, e: Node): Node => substIndices(e, new Map([[r, num(c)]]));
        const terms: Node[] = [];
        for (let c = a; c <= b; c++) {
          const cmp: Node[] = [];
          for (let o = a; o <= b; o++) if (o !== c) cmp.push(iverson(at(c, body), o < c ? '>' : '>=', at(o, body)));
          terms.push(mul(...cmp, at(c, db)));
        }
        return terms.length === 1 ? terms[0] : add(...terms);
      }
    }
    return node('sum', [lo, hi, mul(node('argfirst', [lo, hi, body, idx(r)], { index: r }), db)], { index: r });
  },
  precedence: PREC.mul,
  print(n, p) {
    const [lo, hi, body] = [p.arg(n.args[0]!, 0), p.arg(n.args[1]!, 0), p.arg(n.args[2]!, PREC.mul)];
    const i = p.name(n.attrs.index!);
    return p.style === 'latex' ? `\\max_{${lo} \\le ${i} \\le ${hi}} ${body}` : `max_{${i}=${lo}..${hi}} ${body}`;
  },
  code: (n, w) => w.reduce(n, 'max'),
};
