// Presentation: each closed and elementwise form as a person would write it, with
// common factors taken out and terms grouped (src/simplify/display.ts, through
// nerdamer), accepted only where it agrees numerically with the engine's form. The
// gradient check then checks these printed forms too.
import type { Derivation } from '../autodiff/forms.js';
import type { Node } from '../ir/node.js';
import { displayForm, numericallyEqual } from '../simplify/display.js';

export interface Shown {
  readonly closed: Node;
  /** One per element of the (possibly --size) derivation's elementwise forms. */
  readonly elements?: readonly Node[];
}

/** The same shape the check takes (src/verify/gradcheck.ts). */
export type Presented = ReadonlyMap<string, Shown>;

export function present(d: Derivation): Presented {
  const out = new Map<string, Shown>();
  const check = (a: Node, b: Node): boolean => numericallyEqual(a, b);
  for (const [name, f] of d.adjoints) {
    const elements = f.elements?.map((e) => displayForm(e.form, check));
    out.set(name, { closed: displayForm(f.closed.result, check), ...(elements && { elements }) });
  }
  return out;
}
