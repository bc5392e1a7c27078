// Helpers that keep an op file short: the elementwise family (JAX's standard_unop)
// and shared pieces of the contract.
import type { Node, OpName } from '../ir/node.js';
import { mul } from '../ir/node.js';
import type { Field } from '../numeric/field.js';
import type { CodeWriter, Differentiate, Env, Evaluate, Op, Printer, ValueKind } from './op.js';
import { PREC } from './op.js';

export const realResult = (): ValueKind => 'real';

/** The result is an integer when every argument is. */
export const sameKind = (args: readonly ValueKind[]): ValueKind =>
  args.every((k) => k === 'integer') ? 'integer' : 'real';

export const evalArgs = <T>(n: Node, env: Env<T>, ev: Evaluate): T[] => n.args.map((a) => ev(a, env));

/** Ops that never change with their arguments' small changes (brackets, signs). */
export const noDerivative = (): undefined => undefined;

/** A function of one argument f(a), printed `f(a)` (or `\f(a)` in LaTeX). */
export function unary(spec: {
  name: OpName;
  forward: <T>(F: Field<T>, a: T, env: Env<T>) => T;
  /** f′(a) as an expression in a (and n = f(a) itself, for exp, tanh, σ). */
  slope: (a: Node, n: Node) => Node;
  text?: string;
  latex: string;
  /** The forward in generated code, from the argument's code (src/codegen). */
  code: (a: string, w: CodeWriter) => string;
}): Op {
  return {
    name: spec.name,
    arity: 1,
    shape: realResult,
    evaluate: (n, env, ev) => spec.forward(env.F, ev(n.args[0]!, env), env),
    derivative(n: Node, d: Differentiate) {
      const da = d(n.args[0]!);
      return da && mul(spec.slope(n.args[0]!, n), da);
    },
    precedence: PREC.atom,
    print: (n: Node, p: Printer) =>
      p.style === 'latex'
        ? `${spec.latex}\\left(${p.arg(n.args[0]!, 0)}\\right)`
        : `${spec.text ?? spec.name}(${p.arg(n.args[0]!, 0)})`,
    code: (n: Node, w: CodeWriter) => spec.code(w.arg(n.args[0]!), w),
  };
}
