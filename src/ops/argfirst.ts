// argfirst: [at is the first r in lo..hi where body(r) is largest]: the indicator a
// max reduction's derivative carries for a window of symbolic size. Piecewise
// constant: its derivative is 0.
import type { Op } from './op.js';
import { PREC } from './op.js';
import { boundsOf } from './bounds.js';
import { indexValues } from './elements.js';

export const argfirst: Op = {
  name: 'argfirst',
  arity: 4,
  shape: () => 'real',
  evaluate(n, env, ev) {
    const [lo, hi] = boundsOf(n, env, ev);
    const [at] = indexValues({ ...n, args: [n.args[3]!] }, env, ev);
    const F = env.F;
    let best = lo;
    let bestVal = ev(n.args[2]!, env.bind(n.attrs.index!, lo));
    for (let r = lo + 1n; r <= hi; r++) {
      const v = ev(n.args[2]!, env.bind(n.attrs.index!, r));
      env.kink(F.abs(F.sub(v, bestVal)));
      if (F.cmp(v, bestVal) > 0) [best, bestVal] = [r, v];
    }
    return best === at ? F.one : F.zero;
  },
  derivative: () => undefined,
  precedence: PREC.atom,
  print(n, p) {
    const [lo, hi, body, at] = [p.arg(n.args[0]!, 0), p.arg(n.args[1]!, 0), p.arg(n.args[2]!, 0), p.arg(n.args[3]!, 0)];
    const i = p.name(n.attrs.index!);
    return p.style === 'latex'
      ? `\\left[${at} = \\operatorname{arg\\,max}_{${lo} \\le ${i} \\le ${hi}} ${body}\\right]`
      : `[${at} = argmax_{${i}=${lo}..${hi}} ${body}]`;
  },
  code: (n, w) => w.reduce(n, 'argfirst'),
};
