// Shared by read and adj: evaluating an element's indices to integers.
import type { Node } from '../ir/node.js';
import type { Env, Evaluate } from './op.js';
import { MAX_INDEX_BOUND } from '../limits.js';

/** An index beyond the index-bound limit, so beyond every index set. */
const OUTSIDE = 10n ** 16n;

export function indexValues<T>(n: Node, env: Env<T>, ev: Evaluate): bigint[] {
  return n.args.map((a) => {
    const x = env.F.toNumber(ev(a, env));
    // past the index-bound limit no index set reaches (extentOf refuses it): an index
    // there is outside every tensor, whatever its exact value (x[i − 1e309]? is 0; found
    // by the fuzz campaign, where float64 made it −∞ and the read crashed)
    if (Math.abs(x) > MAX_INDEX_BOUND) return x > 0 ? OUTSIDE : -OUTSIDE;
    const r = Math.round(x);
    if (!Number.isFinite(x) || Math.abs(x - r) > 1e-9) throw new RangeError(`index ${x} is not an integer`);
    return BigInt(r);
  });
}

export class OutOfRange extends Error {
  constructor(readonly tensor: string, readonly at: readonly bigint[], readonly node: Node) {
    super(`${tensor}[${at.join(', ')}] is outside its index set`);
  }
}
