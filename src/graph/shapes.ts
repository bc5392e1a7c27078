// Shapes and parameter counts, exactly and symbolically: a tensor's shape is the
// extent hi − lo + 1 of each dimension, and a count is a polynomial in the size
// atoms (size symbols, and ⌊·/k⌋ terms of them). A 256×256×3 input is three numbers
// here, never 196 608 elements.
import type { Affine } from '../indices/affine.js';
import { constant, fromAffine, minus, plus, toAffine } from '../indices/affine.js';
import type { Node } from '../ir/node.js';
import { key } from '../ir/node.js';
import type { Rational } from '../ir/rational.js';
import * as Q from '../ir/rational.js';
import { printText } from '../ops/printer.js';
import type { Graph, Tensor } from './graph.js';
import type { LayerUse } from './layers.js';

/** c·a₁·a₂·…: a coefficient and a sorted list of atoms (sizes or ⌊·⌋ terms). */
interface Monomial {
  readonly atoms: readonly Node[];
  readonly c: Rational;
}

/** A polynomial over size atoms: monomial key → monomial. */
export type Poly = ReadonlyMap<string, Monomial>;

const monoKey = (atoms: readonly Node[]): string => atoms.map(key).join('*');

export const polyConstant = (c: Rational | number): Poly =>
  Q.isZero(typeof c === 'number' ? Q.rat(c) : c) ? new Map() : new Map([['', { atoms: [], c: typeof c === 'number' ? Q.rat(c) : c }]]);

export function polyOfAffine(a: Affine): Poly {
  const out = new Map<string, Monomial>(polyConstant(a.c));
  for (const [k, [atom, c]] of a.terms) out.set(k, { atoms: [atom], c });
  return out;
}

export function polyAdd(a: Poly, b: Poly): Poly {
  const out = new Map(a);
  for (const [k, m] of b) {
    const c = Q.add(out.get(k)?.c ?? Q.ZERO, m.c);
    if (Q.isZero(c)) out.delete(k);
    else out.set(k, { atoms: m.atoms, c });
  }
  return out;
}

export function polyMul(a: Poly, b: Poly): Poly {
  let out: Poly = new Map();
  for (const x of a.values()) {
    for (const y of b.values()) {
      const atoms = [...x.atoms, ...y.atoms].sort((p, q) => (key(p) < key(q) ? -1 : key(p) > key(q) ? 1 : 0));
      out = polyAdd(out, new Map([[monoKey(atoms), { atoms, c: Q.mul(x.c, y.c) }]]));
    }
  }
  return out;
}

export const polySub = (a: Poly, b: Poly): Poly => polyAdd(a, polyMul(b, polyConstant(-1)));

/** The value when every atom is a number, else undefined. */
export function polyValue(p: Poly): Rational | undefined {
  let v = Q.ZERO;
  for (const m of p.values()) {
    if (m.atoms.length) return undefined;
    v = Q.add(v, m.c);
  }
  return v;
}

/** 10·C·k² + 10, highest degree first; numbers with thin spaces never (plain digits). */
export function showPoly(p: Poly): string {
  const ms = [...p.values()].sort((a, b) => b.atoms.length - a.atoms.length || (monoKey(a.atoms) < monoKey(b.atoms) ? -1 : 1));
  if (!ms.length) return '0';
  return ms
    .map((m, i) => {
      const powers: string[] = [];
      for (let k = 0; k < m.atoms.length; ) {
        let e = 1;
        while (k + e < m.atoms.length && key(m.atoms[k + e]!) === key(m.atoms[k]!)) e++;
        const a = printText(m.atoms[k]!);
        const atom = /^[\p{L}\p{N}_.]+$/u.test(a) ? a : `(${a})`;
        powers.push(e === 1 ? atom : `${atom}^${e}`);
        k += e;
      }
      const neg = m.c.n < 0n;
      const abs = neg ? Q.neg(m.c) : m.c;
      const coef = Q.ratToString(abs);
      const body = powers.length ? (Q.isOne(abs) ? powers.join('·') : `${coef}·${powers.join('·')}`) : coef;
      return i === 0 ? (neg ? `−${body}` : body) : `${neg ? ' − ' : ' + '}${body}`;
    })
    .join('');
}

/** hi − lo + 1 of each dimension, as a size expression. */
export function extents(t: Tensor): Node[] {
  return t.dims.map((d) => fromAffine(plus(minus(toAffine(d.hi)!, toAffine(d.lo)!), constant(1))));
}

/** The number of elements of a tensor: the product of its extents. */
export function elementCount(t: Tensor): Poly {
  return extents(t).reduce<Poly>((p, e) => polyMul(p, polyOf(e)!), polyConstant(1));
}

/** The parameter count of a layer call: its params' elements, each param once (an input given as a weight is no param). */
export function layerParams(g: Graph, use: LayerUse): Poly {
  return [...new Set(use.params)].filter((name) => g.tensors.get(name)!.role === 'param').reduce<Poly>((p, name) => polyAdd(p, elementCount(g.tensors.get(name)!)), polyConstant(0));
}

/** Every param of the file, counted once. */
export function totalParams(g: Graph): Poly {
  return [...g.tensors.values()].filter((t) => t.role === 'param').reduce<Poly>((p, t) => polyAdd(p, elementCount(t)), polyConstant(0));
}

/** The polynomial of an integer size expression (a claim's right side), or undefined if it has none. */
export function polyOf(n: Node): Poly | undefined {
  const a = toAffine(n);
  if (a) {
    // a product of sizes is one opaque atom in the affine form: open it up
    let p: Poly = polyConstant(a.c);
    for (const [atom, c] of a.terms.values()) {
      const inner = atom.op === 'mul' ? atom.args.map(polyOf) : [polyOfAffine({ terms: new Map([[key(atom), [atom, Q.ONE] as const]]), c: Q.ZERO })];
      if (inner.some((x) => !x)) return undefined;
      p = polyAdd(p, polyMul(inner.reduce<Poly>((x, y) => polyMul(x, y!), polyConstant(1)), polyConstant(c)));
    }
    return p;
  }
  if (n.op === 'mul') {
    const parts = n.args.map(polyOf);
    return parts.some((x) => !x) ? undefined : parts.reduce<Poly>((x, y) => polyMul(x, y!), polyConstant(1));
  }
  if (n.op === 'add') {
    const parts = n.args.map(polyOf);
    return parts.some((x) => !x) ? undefined : parts.reduce<Poly>((x, y) => polyAdd(x, y!), polyConstant(0));
  }
  if (n.op === 'pow' && n.args[1]!.op === 'num' && Q.isInteger(n.args[1]!.attrs.value!) && n.args[1]!.attrs.value!.n >= 0n) {
    const base = polyOf(n.args[0]!);
    if (!base) return undefined;
    let p: Poly = polyConstant(1);
    for (let k = 0n; k < n.args[1]!.attrs.value!.n; k++) p = polyMul(p, base);
    return p;
  }
  return undefined;
}
