// The Spec: what a .layer file says, statement by statement, with source spans.
// This is the syntax stage's output; ohm's own nodes never leave src/syntax.
import type { Rel, Span } from '../ir/node.js';
import type { SpecError } from './errors.js';

export type Expr =
  | { readonly kind: 'num'; readonly text: string; readonly span: Span }
  /** A bare identifier: a scalar, a size, an index, `pi`/`π`; resolved by the graph stage. */
  | { readonly kind: 'name'; readonly name: string; readonly span: Span }
  /** `x[i, j + 1]` or, guarded, `x[i - 1]?` (0 outside the bounds). */
  | { readonly kind: 'index'; readonly name: string; readonly indices: readonly Expr[]; readonly guarded: boolean; readonly span: Span }
  /** `dL/dmu`, `dL/dx[i]`, `dL/do[m - k + 1]?`: the adjoint of `of` for the loss `loss`. */
  | { readonly kind: 'adjoint'; readonly loss: string; readonly of: string; readonly indices: readonly Expr[]; readonly guarded: boolean; readonly span: Span }
  | { readonly kind: 'neg'; readonly arg: Expr; readonly span: Span }
  | { readonly kind: 'binary'; readonly op: '+' | '-' | '*' | '/' | '^' | '//' | '%'; readonly left: Expr; readonly right: Expr; readonly span: Span }
  /**
   * `exp(x)`, `max(a, b)`, `min(a, b)`: any name applied to arguments; checked later.
   * A layer call (`conv2d(img, filters = 10)`) may also take keyword arguments.
   */
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly Expr[]; readonly keywords: readonly Keyword[]; readonly span: Span }
  /** `...`: the remaining indices of a layer's tensor pattern (layer bodies only). */
  | { readonly kind: 'rest'; readonly span: Span }
  /** `sum(i, e)`, `sum(i in 1..n, j, e)`, `max(r in 1..2, e)`, `mean(i, e)`. */
  | { readonly kind: 'reduce'; readonly fn: 'sum' | 'max' | 'min' | 'mean'; readonly binders: readonly Binder[]; readonly body: Expr; readonly span: Span }
  /** `[i = j]`, `[i <= j]`: an Iverson bracket, 1 if the relation holds, else 0. */
  | { readonly kind: 'bracket'; readonly left: Expr; readonly rel: Rel; readonly right: Expr; readonly span: Span };

/** `filters = 10` in a call. */
export interface Keyword {
  readonly name: string;
  readonly value: Expr;
  readonly span: Span;
}

/** A parameter of a `def`: a tensor with a size pattern, or an attribute with an optional default. */
export type LayerParam =
  | { readonly kind: 'tensor'; readonly name: string; readonly pattern: readonly Expr[]; readonly span: Span }
  | { readonly kind: 'attr'; readonly name: string; readonly default?: Expr; readonly span: Span };

/** `def NAME(params) … end`: a layer written in the language, instantiated per call. */
export interface LayerDef {
  readonly name: string;
  readonly nameSpan: Span;
  readonly params: readonly LayerParam[];
  /** Its params and definitions, in order; the last definition is the layer's value. */
  readonly body: readonly Statement[];
  readonly span: Span;
}

export interface Range {
  readonly lo: Expr;
  readonly hi: Expr;
}

/** An index binder: `i` (range inferred), `i in lo..hi` (explicit), or `...` (in a layer). */
export interface Binder {
  readonly index: string;
  readonly range?: Range;
  readonly span: Span;
}

export interface Assumption {
  readonly rel: '>' | '>=' | '<' | '<=';
  readonly bound: Expr;
  readonly span: Span;
}

export interface DeclItem {
  readonly name: string;
  /** Sizes of each dimension (size expressions); empty for a scalar. */
  readonly dims: readonly Expr[];
  readonly assumption?: Assumption;
  /** `const lr = 0.01` */
  readonly value?: Expr;
  readonly span: Span;
}

export interface Condition {
  readonly left: Expr;
  readonly rel: Rel;
  readonly right: Expr;
  readonly span: Span;
}

export interface NameRef {
  readonly name: string;
  readonly span: Span;
}

export type Statement =
  | { readonly kind: 'decl'; readonly role: 'input' | 'param' | 'const' | 'size'; readonly items: readonly DeclItem[]; readonly span: Span }
  | { readonly kind: 'def'; readonly name: string; readonly nameSpan: Span; readonly binders: readonly Binder[]; readonly body: Expr; readonly span: Span }
  /** `v[0] = 0`: the value at index `at` of a recurrence defined by a later `v[t] = …`. */
  | { readonly kind: 'initial'; readonly name: string; readonly nameSpan: Span; readonly at: Expr; readonly body: Expr; readonly span: Span }
  | { readonly kind: 'output'; readonly names: readonly NameRef[]; readonly span: Span }
  | { readonly kind: 'loss'; readonly name: string; readonly nameSpan: Span; readonly body: Expr; readonly span: Span }
  | { readonly kind: 'grad'; readonly names: readonly NameRef[]; readonly span: Span }
  /** A claim in spec syntax: `claim lhs = rhs where c₁, c₂`. Verified in a later stage. */
  | { readonly kind: 'claim'; readonly lhs: Expr; readonly rhs: Expr; readonly where: readonly Condition[]; readonly text: string; readonly span: Span }
  /** `claim latex: …`: kept as text (with its column) for the LaTeX reader. */
  | { readonly kind: 'claimLatex'; readonly latex: string; readonly latexSpan: Span; readonly where: readonly Condition[]; readonly text: string; readonly span: Span }
  | { readonly kind: 'tex'; readonly name: string; readonly tex: string; readonly span: Span }
  /** `claim shape c2 = [20, 121, 121]`: the extents of a tensor's dimensions. */
  | { readonly kind: 'claimShape'; readonly of: NameRef; readonly dims: readonly Expr[]; readonly text: string; readonly span: Span }
  /** `claim params c1 = 2440` (a layer call's or a param's), `claim params = n` (the file's). */
  | { readonly kind: 'claimParams'; readonly of?: NameRef; readonly count: Expr; readonly text: string; readonly span: Span }
  | { readonly kind: 'layer'; readonly def: LayerDef; readonly span: Span }
  /** `use std`: the bundled standard library's layers. */
  | { readonly kind: 'use'; readonly name: string; readonly span: Span }
  /** `include "file.layer"`: the layers another file defines, relative to this one. */
  | { readonly kind: 'include'; readonly path: string; readonly span: Span }
  /** A claim line that does not parse: its own verdict is an error; the other claims go on. */
  | { readonly kind: 'claimError'; readonly error: SpecError; readonly text: string; readonly span: Span };

export interface Spec {
  readonly file: string;
  readonly statements: readonly Statement[];
}
