// sqrt: √a, d √a = da / (2√a). Printed as a radical: √(a), \sqrt{a}.
import { call, mul, num, pow } from '../ir/node.js';
import { rat } from '../ir/rational.js';
import type { Op } from './op.js';
import { unary } from './families.js';

const base = unary({
  name: 'sqrt',
  forward: (F, a) => F.sqrt(a),
  slope: (a) => mul(num(rat(1, 2)), pow(call('sqrt', a), num(-1))),
  latex: '\\sqrt',
  code: (a, w) => w.fn('sqrt', [a]),
});

export const sqrt: Op = {
  ...base,
  print: (n, p) => (p.style === 'latex' ? `\\sqrt{${p.arg(n.args[0]!, 0)}}` : `√(${p.arg(n.args[0]!, 0)})`),
};
