// The simplify stage: rewrites an expression bottom-up with a rule table until no
// rule applies, inside the index ranges of the sums around each subexpression, and
// records every step (rule, before, after): the steps are the proof. A step may be
// vetted by a numeric check before it is accepted; the work is bounded by a count
// of rule applications, never by time, so output stays deterministic.
import type { Scope } from '../indices/prove.js';
import { withRange } from '../indices/prove.js';
import type { Node } from '../ir/node.js';
import { BINDERS, countNodes, key, node } from '../ir/node.js';
import { SpecError } from '../syntax/errors.js';
import type { ElementFold, Fold, Reason, Rule, RuleContext } from './rules.js';

export interface Step {
  readonly rule: Rule;
  readonly before: Node;
  readonly after: Node;
  /** The whole expression right after this step: what a proof's next line shows. */
  readonly root: Node;
  /** Which argument of the root the step rewrote inside (−1: the root itself), so a
   *  proof can show the steps within one term of a sum as one line. */
  readonly branch: number;
  /** Why it holds, naming what it acted on. */
  readonly reason: Reason;
}

export interface Simplified {
  readonly result: Node;
  readonly steps: readonly Step[];
  /** Steps a numeric check refused (a rule that would have changed the value). */
  readonly rejected: readonly Step[];
  /** Steps accepted without a numeric check of their own (see StepCheck). */
  readonly unvetted: number;
}

/**
 * Checks a step numerically inside the given scope. 'untestable': no point could be
 * evaluated (a read that only a bracket around the subexpression keeps in range); such
 * a step is accepted and counted, and the check of the whole form covers it.
 */
export type StepCheck = (before: Node, after: Node, scope: Scope) => 'agree' | 'differ' | 'untestable';

export interface SimplifyOptions {
  readonly rules: readonly Rule[];
  readonly scope: Scope;
  readonly folds?: ReadonlyMap<string, Fold>;
  readonly elementFolds?: readonly ElementFold[];
  readonly unrollLimit?: number;
  /** Rule applications allowed in one call (the expression-growth limit). */
  readonly maxSteps?: number;
  /** Nodes an expression may grow to. */
  readonly maxNodes?: number;
  readonly check?: StepCheck;
  /** Declared constants, ordered last among terms. */
  readonly constants?: ReadonlySet<string>;
  /** Concrete index sets of tensors (RuleContext.extents). */
  readonly extents?: RuleContext['extents'];
}

export { MAX_SIMPLIFY_STEPS as DEFAULT_MAX_STEPS, MAX_EXPRESSION_NODES as DEFAULT_MAX_NODES } from '../limits.js';
import { MAX_EXPRESSION_NODES as DEFAULT_MAX_NODES, MAX_SIMPLIFY_STEPS as DEFAULT_MAX_STEPS } from '../limits.js';

interface Ctx extends RuleContext {
  readonly id: string;
}

export function simplify(root: Node, opts: SimplifyOptions): Simplified {
  const steps: Step[] = [];
  let unvetted = 0;
  const rejected: Step[] = [];
  const maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
  const maxNodes = opts.maxNodes ?? DEFAULT_MAX_NODES;
  const byOp = new Map<string, Rule[]>();
  for (const r of opts.rules) for (const op of r.ops) byOp.set(op, [...(byOp.get(op) ?? []), r]);
  const done = new WeakMap<Node, string>(); // node → id of the context it is normal in
  const refused = new Set<string>(); // rule@before pairs a check refused, never retried

  const rewrite = (n: Node, ctx: Ctx): Node => {
    if (done.get(n) === ctx.id) return n;
    let cur = withChildren(n, ctx);
    for (;;) {
      const next = applyOne(cur, ctx);
      if (!next) break;
      cur = withChildren(next, ctx);
    }
    done.set(cur, ctx.id);
    return cur;
  };

  // The path from the root to the node being rewritten, with the siblings as they are
  // so far: enough to rebuild the whole expression after any step (Step.root).
  const frames: { readonly n: Node; readonly args: Node[]; i: number }[] = [];
  const snapshot = (sub: Node): Node => {
    let cur = sub;
    for (let k = frames.length - 1; k >= 0; k--) {
      const f = frames[k]!;
      const args = f.args.slice();
      args[f.i] = cur;
      cur = node(f.n.op, args, f.n.attrs);
    }
    return cur;
  };

  const withChildren = (n: Node, ctx: Ctx): Node => {
    if (!n.args.length) return n;
    const frame = { n, args: [...n.args], i: 0 };
    frames.push(frame);
    // a binder's body is rewritten inside its range; its bounds and `at` outside it
    const inner = BINDERS.has(n.op) ? (): Ctx => enter(ctx, n.attrs.index!, frame.args[0]!, frame.args[1]!) : undefined;
    for (let i = 0; i < n.args.length; i++) {
      frame.i = i;
      frame.args[i] = rewrite(n.args[i]!, inner && i === 2 ? inner() : ctx);
    }
    frames.pop();
    const args = frame.args;
    return args.every((a, i) => a === n.args[i]) ? n : node(n.op, args, n.attrs, n.span);
  };

  const applyOne = (n: Node, ctx: Ctx): Node | undefined => {
    for (const rule of byOp.get(n.op) ?? []) {
      const out = rule.apply(n, ctx);
      if (!out || out === n || key(out) === key(n)) continue;
      const tag = `${rule.name}@${key(n)}`;
      if (refused.has(tag)) continue;
      const reason = rule.explain?.(n, out) ?? [rule.reason];
      const step = { rule, before: n, after: out, root: snapshot(out), branch: frames[0]?.i ?? -1, reason };
      const verdict = opts.check?.(n, out, ctx.scope);
      if (verdict === 'differ') {
        refused.add(tag);
        rejected.push(step);
        continue;
      }
      if (verdict === 'untestable') unvetted++;
      steps.push(step);
      if (steps.length > maxSteps) {
        throw new SpecError('limit', `simplification stopped after ${maxSteps} steps (the step limit); the expression keeps growing`);
      }
      if (countNodes(out) > maxNodes) {
        throw new SpecError('limit', `an expression grew past ${maxNodes} nodes (the expression-size limit) while simplifying`);
      }
      return out;
    }
    return undefined;
  };

  const top: Ctx = { scope: opts.scope, folds: opts.folds ?? new Map(), elementFolds: opts.elementFolds ?? [], unrollLimit: opts.unrollLimit ?? 0, constants: opts.constants ?? new Set(), ...(opts.extents && { extents: opts.extents }), id: 'top' };
  const result = rewrite(root, top);
  return { result, steps, rejected, unvetted };
}

function enter(ctx: Ctx, index: string, lo: Node, hi: Node): Ctx {
  return { ...ctx, scope: withRange(ctx.scope, index, { lo, hi }), id: `${ctx.id}|${index}:${key(lo)}..${key(hi)}` };
}
