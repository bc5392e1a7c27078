// A `where` case fixes comparisons of values: under o[2] > o[1], the bracket
// [o[2] > o[1]] is 1 and its complement [o[1] ≥ o[2]] is 0. This is how the seed's
// max-pooling formulas, written for one argmax pattern, are compared with forms
// that carry the argmax as indicator factors.
import type { Node, Rel } from '../ir/node.js';
import { key, mapNodes, num } from '../ir/node.js';

export interface Comparison {
  readonly left: Node;
  readonly rel: Rel;
  readonly right: Node;
}

const FLIP: Record<Rel, Rel> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '!=': '!=' };

// What a known relation a R b says of a bracket [a S b]: true, false, or nothing.
// (a > b makes [a ≥ b] true and [a ≤ b] false; a ≥ b decides only [a ≥ b] and [a < b].)
const IMPLIES: Record<Rel, Partial<Record<Rel, boolean>>> = {
  '>': { '>': true, '>=': true, '!=': true, '<': false, '<=': false, '=': false },
  '>=': { '>=': true, '<': false },
  '<': { '<': true, '<=': true, '!=': true, '>': false, '>=': false, '=': false },
  '<=': { '<=': true, '>': false },
  '=': { '=': true, '<=': true, '>=': true, '!=': false, '<': false, '>': false },
  '!=': { '!=': true, '=': false },
};

/** Replaces each bracket that a condition decides by 1 (it holds) or 0 (it cannot). */
export function applyCase(n: Node, conditions: readonly Comparison[]): Node {
  return mapNodes(n, (m) => {
    if (m.op !== 'iverson') return m;
    const [a, b] = [key(m.args[0]!), key(m.args[1]!)];
    for (const c of conditions) {
      const [l, r] = [key(c.left), key(c.right)];
      // the bracket in the condition's orientation
      const rel = a === l && b === r ? m.attrs.rel! : a === r && b === l ? FLIP[m.attrs.rel!] : undefined;
      const verdict = rel && IMPLIES[c.rel][rel];
      if (verdict !== undefined) return num(verdict ? 1 : 0);
    }
    return m;
  });
}
