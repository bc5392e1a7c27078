// Concrete sizes for a symbolic file (--size n=4): every size symbol named is
// replaced by its value, in dimensions, bodies and facts. The result is the same
// layer at one size, so its elementwise forms can be written out.
import { constant, fromAffine, isConstant, toAffine } from '../indices/affine.js';
import type { Node } from '../ir/node.js';
import { mapNodes, num } from '../ir/node.js';
import { SpecError } from '../syntax/errors.js';
import type { Graph, Tensor } from './graph.js';

export function instantiate(g: Graph, sizes: ReadonlyMap<string, bigint>): Graph {
  for (const [name, v] of sizes) {
    const s = g.sizes.get(name);
    if (!s) throw new SpecError('usage', `--size ${name}=${v}: ${g.file} has no size ${name} (its sizes: ${[...g.sizes.keys()].join(', ') || 'none'})`);
    if (v < s.min) throw new SpecError('usage', `--size ${name}=${v}: ${name} must be at least ${s.min}`);
  }
  const put = (n: Node): Node => mapNodes(n, (m) => (m.op === 'size' && sizes.has(m.attrs.name!) ? num(sizes.get(m.attrs.name!)!) : m));
  const tensors = new Map<string, Tensor>();
  for (const [name, t] of g.tensors) {
    tensors.set(name, {
      ...t,
      dims: t.dims.map((d) => ({ index: d.index, lo: fold(put(d.lo)), hi: fold(put(d.hi)) })),
      ...(t.body && { body: put(t.body) }),
      ...(t.value && { value: put(t.value) }),
    });
  }
  const facts = g.facts.map((f) => toAffine(put(fromAffine(f))) ?? constant(0));
  for (const f of facts) {
    if (isConstant(f) && f.c.n < 0n) throw new SpecError('usage', `these sizes leave a range of ${g.file} empty`);
  }
  const remaining = new Map([...g.sizes].filter(([k]) => !sizes.has(k)));
  const live = facts.filter((f) => !isConstant(f));
  return { ...g, tensors, sizes: remaining, facts: live, scope: { ...g.scope, facts: live, sizeMin: new Map([...g.scope.sizeMin].filter(([k]) => !sizes.has(k))) } };
}

const fold = (n: Node): Node => {
  const a = toAffine(n);
  return a ? fromAffine(a) : n;
};
