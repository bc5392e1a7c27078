// Shared by the binder ops (sum, maxr, argfirst): evaluating lo..hi to integers.
import type { Node } from '../ir/node.js';
import type { Env, Evaluate } from './op.js';
import { indexValues } from './elements.js';

export function boundsOf<T>(n: Node, env: Env<T>, ev: Evaluate): [bigint, bigint] {
  const [lo, hi] = indexValues({ ...n, args: n.args.slice(0, 2) }, env, ev);
  return [lo!, hi!];
}
