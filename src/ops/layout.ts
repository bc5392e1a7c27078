// Layout shared by add, mul and pow: signs, fractions and roots laid out as a person
// writes them (a − b rather than a + (−1)·b; γ/(n·√(σ² + ε)) rather than powers of −1).
import type { Node } from '../ir/node.js';
import { mul, num, pow } from '../ir/node.js';
import * as Q from '../ir/rational.js';
import type { Printer } from './op.js';
import { PREC } from './op.js';

/** A term's sign and its absolute value, as far as the leading coefficient shows it. */
export function splitSign(n: Node): { negative: boolean; abs: Node } {
  if (n.op === 'num' && n.attrs.value!.n < 0n) return { negative: true, abs: num(Q.neg(n.attrs.value!)) };
  if (n.op === 'mul' && n.args[0]?.op === 'num' && n.args[0].attrs.value!.n < 0n) {
    const c = Q.neg(n.args[0].attrs.value!);
    const rest = n.args.slice(1);
    const abs = Q.isOne(c) ? (rest.length === 1 ? rest[0]! : mul(...rest)) : mul(num(c), ...rest);
    return { negative: true, abs };
  }
  return { negative: false, abs: n };
}

/** Splits a product into numerator and denominator factors (negative powers go down). */
export function fraction(factors: readonly Node[]): { top: Node[]; bottom: Node[] } {
  const top: Node[] = [];
  const bottom: Node[] = [];
  for (const f of factors) {
    if (f.op === 'num' && f.attrs.value!.d !== 1n) {
      if (f.attrs.value!.n !== 1n) top.push(num(f.attrs.value!.n));
      bottom.push(num(f.attrs.value!.d));
    } else if (f.op === 'pow' && f.args[1]!.op === 'num' && f.args[1]!.attrs.value!.n < 0n) {
      const e = Q.neg(f.args[1]!.attrs.value!);
      bottom.push(Q.isOne(e) ? f.args[0]! : pow(f.args[0]!, num(e)));
    } else top.push(f);
  }
  return { top, bottom };
}

/** Factors joined by a centred dot; a sum or max that is not last gets parentheses. */
export function product(factors: readonly Node[], p: Printer): string {
  const dot = p.style === 'latex' ? ' \\cdot ' : '·';
  return factors
    .map((f, i) => {
      const open = i < factors.length - 1 && (f.op === 'sum' || f.op === 'maxr');
      return p.arg(f, open ? PREC.atom + 1 : PREC.mul + 1);
    })
    .join(dot);
}

export function printProduct(factors: readonly Node[], p: Printer): string {
  const { top, bottom } = fraction(factors);
  const upper = top.length ? product(top, p) : '1';
  if (!bottom.length) return upper;
  const lower = product(bottom, p);
  if (p.style === 'latex') return `\\frac{${upper}}{${lower}}`;
  return `${upper}/${bottom.length > 1 ? `(${lower})` : lower}`;
}
