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

/**
 * Factors side by side: a centred dot in text (γ·x̂[m]); in LaTeX juxtaposition with a
 * thin space, and \cdot only before a number (2 \cdot 3). A sum or max that is not
 * the last factor gets parentheses; the last one too unless the product is
 * `delimited` (a \frac's numerator, or nothing follows it).
 */
export function product(factors: readonly Node[], p: Printer, delimited = true): string {
  const latex = p.style === 'latex';
  const parts = factors.map((f, i) => {
    const last = i === factors.length - 1;
    const reaching = f.op === 'sum' || f.op === 'maxr';
    if (reaching) return p.arg(f, last && delimited ? PREC.mul : PREC.atom + 1);
    // a negative factor after the first is bracketed: 2·(−1), never 2·−1
    if (i > 0 && splitSign(f).negative) return p.arg(f, PREC.neg + 1);
    return p.arg(f, latex && factors.length === 1 && delimited ? 0 : PREC.mul + 1);
  });
  if (!latex) return parts.join('·');
  return parts.reduce((acc, s) => (acc ? `${acc}${/^[0-9.\-]/.test(s) && !s.startsWith('\\') ? ' \\cdot ' : '\\,'}${s}` : s), '');
}

export function printProduct(factors: readonly Node[], p: Printer): string {
  const { top, bottom } = fraction(factors);
  const latex = p.style === 'latex';
  // in text the numerator is followed by "/…", so a sum at its end needs parentheses
  const upper = top.length ? product(top, p, latex || !bottom.length) : '1';
  if (!bottom.length) return upper;
  const lower = product(bottom, p, latex);
  if (latex) return `\\frac{${upper}}{${lower}}`;
  return `${upper}/${bottom.length > 1 ? `(${lower})` : lower}`;
}
