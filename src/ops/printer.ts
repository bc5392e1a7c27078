// Printing expressions as plain Unicode text (the command line) or LaTeX (proofs);
// here, beside the Op contract, because every stage (errors included) prints.
// Each op prints itself (src/ops); this file supplies the Printer they call:
// parentheses by precedence, display names, elements and numbers.
import type { Node } from '../ir/node.js';
import type { Rational } from '../ir/rational.js';
import type { Printer } from './op.js';
import { opOf } from './registry.js';
import { displayLatex, displayText } from './display-names.js';

export interface Naming {
  /** `tex NAME "..."` lines of the file. */
  readonly tex: ReadonlyMap<string, string>;
  /** The loss's name, L unless `loss` names it. */
  readonly loss: string;
  /** Outputs that other definitions also read: their upstream is marked "direct". */
  readonly consumed?: ReadonlySet<string>;
}

export const defaultNaming: Naming = { tex: new Map(), loss: 'L' };

class BasePrinter implements Printer {
  constructor(
    readonly style: 'text' | 'latex',
    private readonly naming: Naming,
  ) {}

  arg(n: Node, min: number): string {
    const op = opOf(n.op);
    const prec = typeof op.precedence === 'function' ? op.precedence(n) : op.precedence;
    const s = op.print(n, this);
    if (prec >= min) return s;
    return this.style === 'latex' ? `\\left(${s}\\right)` : `(${s})`;
  }

  name(name: string): string {
    const tex = this.naming.tex.get(name);
    return this.style === 'latex' ? displayLatex(name, tex) : displayText(name, tex);
  }

  element(name: string, indices: readonly string[], adjoint: boolean, guarded: boolean, upstream = false): string {
    const base = this.name(name);
    // an output that is also read elsewhere has two adjoints: the total one and L's
    // direct dependence on it (the upstream), marked "direct"
    const direct = upstream && (this.naming.consumed?.has(name) ?? false);
    const loss = this.name(this.naming.loss);
    if (this.style === 'text') {
      const el = indices.length ? `${base}[${indices.join(', ')}]` : base;
      return (adjoint ? `∂${loss}/∂${el}` : el) + (guarded ? '?' : '') + (direct ? 'ᵈⁱʳᵉᶜᵗ' : '');
    }
    const sub = indices.length ? `_{${indices.join(',')}}` : '';
    // a name whose display already has a subscript gets braces before another one
    const el = sub && /[_^]/.test(base) ? `{${base}}${sub}` : `${base}${sub}`;
    const guard = guarded ? '^{?}' : '';
    const mark = direct ? '\\Big|_{\\text{direct}}' : '';
    return adjoint ? `\\frac{\\partial ${loss}}{\\partial ${el}}${guard}${mark}` : `${el}${guard}`;
  }

  number(r: Rational): string {
    const neg = r.n < 0n;
    const a = neg ? -r.n : r.n;
    if (this.style === 'latex') {
      const body = r.d === 1n ? `${a}` : `\\frac{${a}}{${r.d}}`;
      return neg ? `-${body}` : body;
    }
    return (neg ? '−' : '') + (r.d === 1n ? `${a}` : `${a}/${r.d}`);
  }
}

export const printText = (n: Node, naming: Naming = defaultNaming): string => new BasePrinter('text', naming).arg(n, 0);
export const printLatex = (n: Node, naming: Naming = defaultNaming): string => new BasePrinter('latex', naming).arg(n, 0);
