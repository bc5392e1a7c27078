// Claims on shapes and parameter counts (`claim shape c2 = [20, 121, 121]`,
// `claim params c1 = 2440`): decided by exact arithmetic on the sizes, symbolic
// where the sizes are symbols. Nothing is sampled, so the verdict says so.
import type { Claim, Graph } from '../graph/graph.js';
import type { Poly } from '../graph/shapes.js';
import { extents, layerParams, elementCount, polyOf, polySub, showPoly, totalParams } from '../graph/shapes.js';
import { Resolver } from '../graph/resolve.js';
import { decide } from '../indices/prove.js';
import { toAffine } from '../indices/affine.js';
import type { Node } from '../ir/node.js';
import { mapNodes, num } from '../ir/node.js';
import type { Sizes } from '../numeric/sample.js';
import { outsideFacts, showSizes, sizeCombinations } from '../numeric/sample.js';
import { printText } from '../ops/printer.js';
import { SpecError } from '../syntax/errors.js';

/** Every choice of the size symbols from the check's candidates that keeps every range non-empty. */
const sizeChoices = (g: Graph): Sizes[] => sizeCombinations(g).filter((c) => !outsideFacts(g, c));

/** An integer size expression at given sizes, exactly. */
function valueAt(n: Node, sizes: Sizes): bigint | undefined {
  const a = toAffine(mapNodes(n, (m) => (m.op === 'size' && sizes.has(m.attrs.name!) ? num(sizes.get(m.attrs.name!)!) : m)));
  return a && a.terms.size === 0 && a.c.d === 1n ? a.c.n : undefined;
}

function polyAt(p: Poly, sizes: Sizes): bigint {
  let v = 0n;
  for (const m of p.values()) {
    let t = m.c.n;
    for (const atom of m.atoms) t *= valueAt(atom, sizes) ?? 0n;
    v += t / m.c.d;
  }
  return v;
}

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
    let tested: string[] | undefined;
    for (let k = 0; k < have.length; k++) {
      const differ = (why: string) => ({ holds: false, exact: { actual, claimed, detail: `dimension ${k + 1} of ${t.name} is ${printText(have[k]!)}, not ${printText(want[k]!)}${why}` } });
      const same = decide(have[k]!, '=', want[k]!, g.scope);
      if (same === false) return differ('');
      if (same === undefined) {
        // the prover cannot tell: compare at every choice of small sizes
        const at = sizeChoices(g);
        const bad = at.find((sizes) => valueAt(have[k]!, sizes) !== valueAt(want[k]!, sizes));
        if (bad) return differ(` (at ${showSizes(bad)}: ${valueAt(have[k]!, bad)} against ${valueAt(want[k]!, bad)})`);
        tested = at.map(showSizes);
      }
    }
    return { holds: true, exact: { actual, claimed, detail: tested ? `by exact arithmetic at every choice of sizes from {1, 2, 3, 5, 8} (${tested.length})` : how } };
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
  const diff = polySub(count, want);
  if (diff.size === 0) return { holds: true, exact: { actual, claimed, detail: how } };
  // ⌊·⌋ atoms may hide an identity (⌊N/2⌋·2 + N mod 2 = N): compare at small sizes before saying no
  const at = sizeChoices(g);
  const bad = at.find((sizes) => polyAt(diff, sizes) !== 0n);
  if (bad || !at.length) {
    const where = bad && diff.size && [...diff.values()].some((m) => m.atoms.length) ? ` (at ${showSizes(bad)}: ${polyAt(count, bad)} against ${polyAt(want, bad)})` : '';
    return { holds: false, exact: { actual, claimed, detail: `${what} ${actual} parameters, not ${claimed}${where}` } };
  }
  return { holds: true, exact: { actual, claimed, detail: `by exact arithmetic at every choice of sizes from {1, 2, 3, 5, 8} (${at.length})` } };
}
