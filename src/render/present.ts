// Presentation: each closed and elementwise form as a person would write it, with
// common factors taken out and terms grouped (src/simplify/display.ts, through
// nerdamer), accepted only where it agrees numerically with the engine's form. The
// gradient check then checks these printed forms too.
import type { Derivation } from '../autodiff/forms.js';
import type { Node } from '../ir/node.js';
import { key } from '../ir/node.js';

const readsAny = (n: Node): boolean => n.op === 'read' || n.op === 'adj' || n.args.some(readsAny);
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
    if (!keepsGuards(n, s)) s = n;
    if (laidOut.size >= LAID_OUT_LIMIT) laidOut.clear();
    laidOut.set(k, s);
  }
  return s;
}

/**
 * Whether every read in `shown` stands under at least the Iverson brackets of one of its
 * occurrences in `n`. The layout's numeric check draws each read as an opaque number, so
 * it cannot see that taking x[m + 1] out of the term bracketed by [m + 1 ≤ n] makes the
 * printed form read outside x at m = n, or that a bracket [p[m] > p[m − 1]] taken out of
 * terms guarded by [1 ≤ m − 1] reads p[0] (both found by fuzzing); such a layout is
 * refused and the form printed as derived.
 */
function keepsGuards(n: Node, shown: Node): boolean {
  const before = guardsOf(n);
  for (const [read, occurrences] of guardsOf(shown)) {
    const original = before.get(read);
    if (!original) continue;
    for (const guards of occurrences) if (!original.some((o) => [...o].every((g) => guards.has(g)))) return false;
  }
  return true;
}

/** For each read (by key), the brackets multiplying it, one set per occurrence. */
function guardsOf(root: Node): Map<string, Set<string>[]> {
  const out = new Map<string, Set<string>[]>();
  const walk = (n: Node, guards: ReadonlySet<string>): void => {
    // a read at constant indices (an element written out) is in range wherever it stands
    if ((n.op === 'read' || n.op === 'adj') && n.args.some((a) => a.op !== 'num')) {
      const k = key(n);
      out.set(k, [...(out.get(k) ?? []), new Set(guards)]);
    }
    // the guards that keep reads in range are the brackets on indices alone ([m + 1 ≤ n])
    const inner = n.op === 'mul' ? new Set([...guards, ...n.args.filter((a) => a.op === 'iverson' && !readsAny(a)).map(key)]) : guards;
    for (const a of n.args) walk(a, inner);
  };
  walk(root, new Set());
  return out;
}
