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
const NOT: Record<Rel, Rel> = { '<': '>=', '<=': '>', '>': '<=', '>=': '<', '=': '!=', '!=': '=' };

/** Every way of writing the same comparison: a < b is also b > a. */
function spellings(c: Comparison): string[] {
  return [`${key(c.left)}${c.rel}${key(c.right)}`, `${key(c.right)}${FLIP[c.rel]}${key(c.left)}`];
}

/** Replaces each bracket that a condition decides by 1 (it holds) or 0 (its negation holds). */
export function applyCase(n: Node, conditions: readonly Comparison[]): Node {
  const holds = new Set(conditions.flatMap(spellings));
  const fails = new Set(conditions.flatMap((c) => spellings({ ...c, rel: NOT[c.rel] })));
  return mapNodes(n, (m) => {
    if (m.op !== 'iverson') return m;
    const [s] = spellings({ left: m.args[0]!, rel: m.attrs.rel!, right: m.args[1]! });
    return holds.has(s!) ? num(1) : fails.has(s!) ? num(0) : m;
  });
}
