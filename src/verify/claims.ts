// Claims, resolved: both sides of `claim lhs = rhs where …` as Nodes over the file's
// names, with their free indices ranged (LANGUAGE.md: a free index ranges over the
// index set of the tensor it indexes on the left; sums inside a claim range as in a
// definition). A read outside its tensor is not an error here: it makes the claim
// fail at that index, and the verdict names the read.
import type { Claim, Graph } from '../graph/graph.js';
import { inferRanges } from '../graph/ranges.js';
import type { Pending } from '../graph/ranges.js';
import { fillBounds, keyName, rename, Resolver } from '../graph/resolve.js';
import type { IndexRange } from '../indices/prove.js';
import type { Node, Span } from '../ir/node.js';
import { hasIndex } from '../ir/node.js';
import type { Comparison } from './cases.js';

export type { Comparison };
import type { Condition, Expr } from '../syntax/ast.js';
import { SpecError } from '../syntax/errors.js';

export interface FreeIndex {
  readonly name: string;
  readonly lo: Node;
  readonly hi: Node;
}

export interface ResolvedClaim {
  readonly claim: Claim;
  readonly lhs: Node;
  readonly rhs: Node;
  readonly where: readonly Comparison[];
  /** Free indices, outermost first, each over its range. */
  readonly free: readonly FreeIndex[];
  /** `# expect: holds|fails|error` on the claim's line, for golden files. */
  readonly expect?: 'holds' | 'fails' | 'error';
}

/** Reads a `claim latex:` line into the same two sides as spec syntax (src/syntax/tex.ts). */
export type LatexReader = (claim: Extract<Claim, { kind: 'claimLatex' }>, g: Graph) => { lhs: Expr; rhs: Expr };

export function expectationOf(claim: Claim): ResolvedClaim['expect'] {
  const m = /#\s*expect:\s*(holds|fails|error)\b/.exec(claim.span.source);
  return m ? (m[1] as 'holds' | 'fails' | 'error') : undefined;
}

/** The claims about values (spec syntax or LaTeX); shapes and counts are verify/shapes.ts's. */
export type ValueClaim = Extract<Claim, { kind: 'claim' | 'claimLatex' | 'claimError' }>;

export function resolveClaim(g: Graph, claim: ValueClaim, readLatex: LatexReader): ResolvedClaim {
  if (claim.kind === 'claimError') throw claim.error;
  const sides = claim.kind === 'claim' ? { lhs: claim.lhs, rhs: claim.rhs } : readLatex(claim, g);
  const r = new Resolver({ tensors: g.tensors, sizes: new Set(g.sizes.keys()) }, undefined, { loss: g.loss });
  const lhs0 = r.expr(sides.lhs);
  const lhsPending = r.pending.length;
  const lhsAccesses = r.accesses.length;
  const rhs0 = r.expr(sides.rhs);
  const where0 = claim.where.map((c: Condition) => condition(r, c));
  // free indices range over what the left side reads; then the rest as in a definition
  const first = inferRanges(r.pending.slice(0, lhsPending).filter(isFree(r)), r.accesses.slice(0, lhsAccesses), g.scope, 'lenient');
  const pending: Pending[] = r.pending.map((p) => {
    const known = first.get(p.key);
    return known ? { ...p, explicit: known } : p;
  });
  const ranges = inferRanges(pending, r.accesses, g.scope);
  const free = [...r.free.values()].map((k) => {
    const range = ranges.get(k)!;
    if (hasIndex(range.lo) || hasIndex(range.hi)) throw new SpecError('range', `the range of ${keyName(k)} may not depend on another index`, spanOf(pending, k));
    return { name: keyName(k), lo: rename(range.lo), hi: rename(range.hi) };
  });
  const done = (n: Node): Node => rename(fillBounds(n, ranges as ReadonlyMap<string, IndexRange>));
  const where = where0.map((c) => ({ left: done(c.left), rel: c.rel, right: done(c.right) }));
  const expect = expectationOf(claim);
  return { claim, lhs: done(lhs0), rhs: done(rhs0), where, free, ...(expect && { expect }) };
}

function condition(r: Resolver, c: Condition): Comparison {
  return { left: r.expr(c.left), rel: c.rel, right: r.expr(c.right) };
}

const isFree = (r: Resolver) => (p: Pending): boolean => [...r.free.values()].includes(p.key);
const spanOf = (pending: readonly Pending[], key: string): Span | undefined => pending.find((p) => p.key === key)?.span;
