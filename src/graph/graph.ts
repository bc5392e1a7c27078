// The Graph: a .layer file with its names resolved, every index ranged and every
// expression in the one Node shape. Tensors are kept in definition order, which is
// a topological order (a definition may only read what stands before it).
import type { Affine } from '../indices/affine.js';
import type { Scope } from '../indices/prove.js';
import type { Node, Span } from '../ir/node.js';
import type { NameRef, Statement } from '../syntax/ast.js';
import type { LayerUse } from './layers.js';
import type { Solution } from '../simplify/recurrence.js';

/** One dimension of a tensor: its index variable and range lo..hi (sizes only). */
/** A claim statement, spec syntax or LaTeX. */
export type Claim = Extract<Statement, { kind: 'claim' | 'claimLatex' | 'claimError' | 'claimShape' | 'claimParams' }>;

export interface Dim {
  readonly index: string;
  readonly lo: Node;
  readonly hi: Node;
}

export interface Assumed {
  readonly rel: '>' | '>=' | '<' | '<=';
  readonly bound: Node;
}

export type Role = 'input' | 'param' | 'const' | 'def';

export interface Tensor {
  readonly name: string;
  readonly role: Role;
  /** Leaves: 1..size per dimension; definitions: their binders' ranges. Scalars: none. */
  readonly dims: readonly Dim[];
  /** A definition's body, over idx(dim.index) for its dims. */
  readonly body?: Node;
  readonly assumption?: Assumed;
  /** `const lr = 0.01`: a constant with a value. */
  readonly value?: Node;
  /**
   * `v[0] = init` and `v[t] = step` (t ≥ 1, reading v[t − 1]): a first-order recurrence.
   * Its `body` is absent until the recurrence is solved (simplify/recurrence.ts), and
   * the closed form found there is what the later stages differentiate; the rule
   * itself is what the check evaluates, step by step, against it.
   */
  readonly recurrence?: Recurrence;
  readonly span: Span;
}

export interface Recurrence {
  /** v[0], with no index. */
  readonly init: Node;
  /** v[t] for t ≥ 1 over idx(dims[0].index), reading v[t − 1] as read(v, [t − 1]). */
  readonly step: Node;
  readonly initSpan: Span;
  /** How it was solved (simplify/recurrence.ts): the proof's steps. */
  readonly solution?: Solution;
}

export interface SizeSymbol {
  readonly name: string;
  /** Lower bound: 1, or what `size n >= k` states. */
  readonly min: bigint;
  readonly span: Span;
}

export interface Graph {
  readonly file: string;
  readonly sizes: ReadonlyMap<string, SizeSymbol>;
  readonly tensors: ReadonlyMap<string, Tensor>;
  /** The nodes L depends on directly: `output` names, or the `loss` definition. */
  readonly outputs: readonly string[];
  /** The loss's name (L unless `loss` names it). */
  readonly loss: string;
  /** True when `loss L = …` gives L as a definition (its adjoint is 1). */
  readonly lossDefined: boolean;
  /** The names whose gradients are asked for, in the file's order. */
  readonly grads: readonly NameRef[];
  /** Claims, kept for the verifier. */
  readonly claims: readonly Claim[];
  readonly tex: ReadonlyMap<string, string>;
  /** The layer calls, in the file's order (graph/layers.ts). */
  readonly layers: readonly LayerUse[];
  /** Known facts over sizes (each ≥ 0): every range of the file is non-empty. */
  readonly facts: readonly Affine[];
  /** Sizes and facts, ready for the index prover. */
  readonly scope: Scope;
}

