// The Op contract: everything the engine knows of one primitive, in one place
// (ARCHITECTURE.md, "organise by op, not by pass"). Passes call these facets and
// never switch on op names.
import type { Node, OpName, Rel } from '../ir/node.js';
import type { Rational } from '../ir/rational.js';
import type { Field } from '../numeric/field.js';

/** Whether a node's value is an integer (index arithmetic) or a real number. */
export type ValueKind = 'integer' | 'real';

/** The numeric environment an expression is evaluated in. */
export interface Env<T> {
  readonly F: Field<T>;
  /** Values of size symbols and bound indices. */
  size(name: string): bigint;
  index(name: string): bigint;
  bind(index: string, value: bigint): Env<T>;
  /** A forward value; undefined when the element lies outside the tensor's index set. */
  tensor(name: string, at: readonly bigint[]): T | undefined;
  /** An adjoint value dL/dname[at] (or the upstream gradient); undefined outside the index set. */
  adjoint(name: string, at: readonly bigint[], upstream: boolean): T | undefined;
  /** Reports how far a non-smooth op is from its kink or tie (sampling avoids small ones). */
  kink(margin: T): void;
}

export type Evaluate = <T>(n: Node, env: Env<T>) => T;

/** Prints children with the right parentheses and names; implemented in src/render. */
export interface Printer {
  readonly style: 'text' | 'latex';
  /** A child, in parentheses when its precedence is below `min`. */
  arg(n: Node, min: number): string;
  /** A tensor, scalar or index name as displayed (μ for mu, tex mappings in LaTeX). */
  name(name: string): string;
  /** A read or adjoint with printed indices. */
  element(name: string, indices: readonly string[], adjoint: boolean, guarded: boolean, upstream?: boolean): string;
  number(r: Rational): string;
}

/** The math functions every code target provides (src/codegen/targets.ts). */
export type MathFn = 'exp' | 'log' | 'sqrt' | 'abs' | 'sin' | 'cos' | 'tanh' | 'pow';

/**
 * Writes generated code for one target (src/codegen): each op says how its value is
 * computed from its children's code; the writer knows the target's syntax, where
 * tensors live in memory, and the loops that reductions need.
 */
export interface CodeWriter {
  /** A child's code, parenthesised. */
  arg(n: Node): string;
  num(r: Rational): string;
  readonly pi: string;
  fn(name: MathFn, args: readonly string[]): string;
  binary(op: '+' | '-' | '*' | '/' | '//' | '%', a: string, b: string): string;
  /** cond ? a : b, evaluating only the branch taken (strong zeros rely on it). */
  select(cond: string, a: string, b: string): string;
  compare(a: string, rel: Rel, b: string): string;
  and(conds: readonly string[]): string;
  /** An Iverson bracket's condition, as a boolean. */
  condition(n: Node): string;
  index(name: string): string;
  size(name: string): string;
  /** A tensor's element (a read or an upstream gradient), 0 outside a guarded read's range. */
  element(n: Node): string;
  /** A reduction computed by a loop into a temporary, hoisted as far out as its indices allow. */
  reduce(n: Node, kind: 'sum' | 'max' | 'argfirst'): string;
}

/** Precedence levels for printing. */
export const PREC = { add: 1, mul: 2, neg: 3, pow: 4, atom: 5 } as const;

/** Differentiates a child: undefined when it cannot depend on the variable. */
export type Differentiate = (child: Node) => Node | undefined;

export interface Op {
  readonly name: OpName;
  /** Number of args, or 'variadic' for n-ary add and mul. */
  readonly arity: number | 'variadic';
  /** Shape rule: the kind of the result, or an error message for bad arg kinds. */
  shape(args: readonly ValueKind[], n: Node): ValueKind | string;
  evaluate: <T>(n: Node, env: Env<T>, ev: Evaluate) => T;
  /**
   * The derivative rule: d(n) from the derivatives of its children (the chain
   * rule, written as expressions a person would write: σ(1 − σ), 1 − tanh²).
   */
  derivative(n: Node, d: Differentiate): Node | undefined;
  /** How tightly the printed form binds (PREC); a function where it depends on the node. */
  readonly precedence: number | ((n: Node) => number);
  print(n: Node, p: Printer): string;
  /** How generated code computes it (src/codegen), in float64. */
  code(n: Node, w: CodeWriter): string;
}
