// Presentation: each closed and elementwise form as a person would write it, with
// common factors taken out and terms grouped (src/simplify/display.ts, through
// nerdamer), accepted only where it agrees numerically with the engine's form. The
// gradient check then checks these printed forms too.
import type { Derivation } from '../autodiff/forms.js';
import type { Node } from '../ir/node.js';
import { key } from '../ir/node.js';
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
  for (const [name, f] of d.adjoints) {
    const elements = f.elements?.map((e) => shown(e.form));
    out.set(name, { closed: shown(f.closed.result), ...(elements && { elements }) });
  }
  return out;
}

// displayForm is a pure function of its node (its numeric check draws from a fixed
// seed), so a form laid out once is remembered by its key: the playground lays out the
// same closed forms again on every keystroke. Bounded: emptied when full.
const laidOut = new Map<string, Node>();
const LAID_OUT_LIMIT = 5_000;
const check = (a: Node, b: Node): boolean => numericallyEqual(a, b);

function shown(n: Node): Node {
  const k = key(n);
  let s = laidOut.get(k);
  if (s === undefined) {
    s = displayForm(n, check);
    if (laidOut.size >= LAID_OUT_LIMIT) laidOut.clear();
    laidOut.set(k, s);
  }
  return s;
}
