// Shared by read and adj: evaluating an element's indices to integers.
import type { Node } from '../ir/node.js';
import type { Env, Evaluate } from './op.js';

export function indexValues<T>(n: Node, env: Env<T>, ev: Evaluate): bigint[] {
  return n.args.map((a) => {
    const x = env.F.toNumber(ev(a, env));
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
