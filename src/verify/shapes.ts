// Claims on shapes and parameter counts (`claim shape c2 = [20, 121, 121]`,
// `claim params c1 = 2440`): decided by exact arithmetic on the sizes, symbolic
// where the sizes are symbols. Nothing is sampled, so the verdict says so.
import type { Claim, Graph } from '../graph/graph.js';
import type { Poly } from '../graph/shapes.js';
import { extents, layerParams, elementCount, polyOf, polySub, showPoly, totalParams } from '../graph/shapes.js';
import { Resolver } from '../graph/resolve.js';
import { decide } from '../indices/prove.js';
import { printText } from '../ops/printer.js';
import { SpecError } from '../syntax/errors.js';

/** What an exact verdict compared: the engine's value, the claim's, and where they differ. */
export interface Exact {
  readonly actual: string;
  readonly claimed: string;
  /** Holds: how it was decided; fails: the first difference, in words. */
  readonly detail: string;
}

type SizeClaim = Extract<Claim, { kind: 'claimShape' | 'claimParams' }>;

export const isSizeClaim = (c: Claim): c is SizeClaim => c.kind === 'claimShape' || c.kind === 'claimParams';

/** { holds, exact } or { fails, exact }; a SpecError for a claim about an unknown name. */
export function judgeSize(g: Graph, claim: SizeClaim): { readonly holds: boolean; readonly exact: Exact } {
  const r = new Resolver({ tensors: g.tensors, sizes: new Set(g.sizes.keys()) });
  const how = g.sizes.size ? 'symbolically, by exact arithmetic on the sizes' : 'by exact arithmetic on the declared sizes';
  if (claim.kind === 'claimShape') {
    const t = g.tensors.get(claim.of.name);
    if (!t) throw new SpecError('unknown-name', `unknown tensor ${claim.of.name}`, claim.of.span);
    const have = extents(t);
    const want = claim.dims.map((d) => r.index(d));
    const actual = `[${have.map((n) => printText(n)).join(', ')}]`;
    const claimed = `[${want.map((n) => printText(n)).join(', ')}]`;
    if (have.length !== want.length) {
      return { holds: false, exact: { actual, claimed, detail: `${t.name} has ${have.length} dimension${have.length === 1 ? '' : 's'}, the claim lists ${want.length}` } };
    }
    for (let k = 0; k < have.length; k++) {
      if (decide(have[k]!, '=', want[k]!, g.scope) !== true) {
        return { holds: false, exact: { actual, claimed, detail: `dimension ${k + 1} of ${t.name} is ${printText(have[k]!)}, not ${printText(want[k]!)}` } };
      }
    }
    return { holds: true, exact: { actual, claimed, detail: how } };
  }
  let count: Poly;
  let what: string;
  if (!claim.of) {
    count = totalParams(g);
    what = 'the file has';
  } else {
    const use = g.layers.find((u) => u.name === claim.of!.name);
    const t = g.tensors.get(claim.of.name);
    if (use) count = layerParams(g, use);
    else if (t?.role === 'param') count = elementCount(t);
    else throw new SpecError('unknown-name', `${claim.of.name} is neither a layer call nor a param, so it has no parameter count`, claim.of.span);
    what = `${claim.of.name} has`;
  }
  const want = polyOf(r.index(claim.count));
  if (!want) throw new SpecError('shape', 'a parameter count is a polynomial in the sizes', claim.count.span);
  const [actual, claimed] = [showPoly(count), showPoly(want)];
  const same = polySub(count, want).size === 0;
  return { holds: same, exact: { actual, claimed, detail: same ? how : `${what} ${actual} parameters, not ${claimed}` } };
}
