// pow: a^b. Power rule d(a^b) = b·a^(b − 1)·da + a^b·log(a)·db; a constant
// exponent (the usual case: (σ² + ε)^(−1/2)) drops the second term.
import type { Node } from '../ir/node.js';
import { add, call, mul, num, pow as powNode } from '../ir/node.js';
import * as Q from '../ir/rational.js';
import type { Op } from './op.js';
import { PREC } from './op.js';
import { sameKind } from './families.js';
import { printProduct } from './layout.js';

const SUPERSCRIPT: Record<string, string> = { '2': '²', '3': '³' };

export const pow: Op = {
  name: 'pow',
  arity: 2,
  shape: (k) => (k[0] === 'integer' && k[1] === 'integer' ? 'real' : sameKind(k)),
  evaluate: (n, env, ev) => env.F.pow(ev(n.args[0]!, env), ev(n.args[1]!, env)),
  derivative(n, d) {
    const [a, b] = n.args as [Node, Node];
    const da = d(a);
    const db = d(b);
    const terms: Node[] = [];
    if (da) terms.push(mul(b, powNode(a, add(b, num(-1))), da));
    if (db) terms.push(mul(n, call('log', a), db));
    return terms.length === 0 ? undefined : terms.length === 1 ? terms[0] : add(...terms);
  },
  precedence: (n) => (isNegativeExponent(n) ? PREC.mul : PREC.pow),
  print(n, p) {
    const [a, b] = n.args as [Node, Node];
    if (isNegativeExponent(n)) return printProduct([n], p);
    if (b.op === 'num' && Q.eq(b.attrs.value!, Q.rat(1, 2))) {
      return p.style === 'latex' ? `\\sqrt{${p.arg(a, 0)}}` : `√(${p.arg(a, 0)})`;
    }
    let base = p.arg(a, PREC.pow + 1);
    // a name that is itself written with a power (σ² for var) is bracketed under another
    if ((a.op === 'read' || a.op === 'adj') && /[\^²³]/.test(base)) base = p.style === 'latex' ? `\\left(${base}\\right)` : `(${base})`;
    if (p.style === 'latex') return `${base}^{${p.arg(b, 0)}}`;
    const e = b.op === 'num' ? Q.ratToString(b.attrs.value!) : undefined;
    if (e && SUPERSCRIPT[e]) return base + SUPERSCRIPT[e];
    return `${base}^${b.op === 'num' && e!.startsWith('-') === false && !e!.includes('/') ? e : `(${p.arg(b, 0)})`}`;
  },
  // the common exponents without a call: a⁻¹, a², √a, 1/√a
  code(n, w) {
    const [a, b] = n.args as [Node, Node];
    const e = b.op === 'num' ? Q.ratToString(b.attrs.value!) : undefined;
    const base = w.arg(a);
    if (e === '-1') return w.binary('/', '1', base);
    if (e === '2') return w.binary('*', base, base);
    if (e === '1/2') return w.fn('sqrt', [base]);
    if (e === '-1/2') return w.binary('/', '1', w.fn('sqrt', [base]));
    return w.fn('pow', [base, w.arg(b)]);
  },
};

function isNegativeExponent(n: Node): boolean {
  const b = n.args[1]!;
  return b.op === 'num' && b.attrs.value!.n < 0n;
}
