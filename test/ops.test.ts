// Every pointwise op of the registry, driven by OPS itself (no op is named one by one,
// so a new op is tested the day it is added, and the coverage test at the end fails
// if it is not). For each op f(a, b, …) built over scalar reads:
//   - its derivative rule, op.derivative(n, d) with d = 1 for one argument and
//     undefined for the others, evaluated in 64 digits, equals a 64-digit central
//     difference of f's own forward value (the independent reference);
//   - its float64 forward value (JS Math) agrees with the 64-digit one (decimal.js);
//   - its LaTeX renders in KaTeX and its text form is non-empty and shows every argument.
import { describe, expect, test } from 'vitest';
import type { Attrs, Node, OpName, Rel } from '../src/ir/node.js';
import { node, num, read } from '../src/ir/node.js';
import { rat } from '../src/ir/rational.js';
import type { TensorValue } from '../src/numeric/evaluate.js';
import { evaluate } from '../src/numeric/evaluate.js';
import type { Field } from '../src/numeric/field.js';
import { floatField } from '../src/numeric/float.js';
import { bigField } from '../src/numeric/mathjs.js';
import { Rng } from '../src/numeric/random.js';
import type { Op, ValueKind } from '../src/ops/op.js';
import { OPS } from '../src/ops/registry.js';
import { katexProblem } from '../src/render/katex.js';
import { printLatex, printText } from '../src/ops/printer.js';

const B = bigField(64);

/**
 * The structural ops, exercised elsewhere (the sweep, the evaluator, the reference
 * tests): constants and names (num, pi, size, idx), element reads and adjoints
 * (read, adj) and the binders (sum, maxr, argfirst). Every other op is pointwise.
 */
const STRUCTURAL: readonly OpName[] = ['num', 'pi', 'size', 'idx', 'read', 'adj', 'sum', 'maxr', 'argfirst'];

/** Ops that carry attributes a node needs to mean anything: every variant is tested. */
const RELS: readonly Rel[] = ['=', '!=', '<', '<=', '>', '>='];
const ATTR_VARIANTS: Partial<Record<OpName, readonly Attrs[]>> = { iverson: RELS.map((rel) => ({ rel })) };

const POINTWISE: readonly Op[] = Object.values(OPS).filter((op: Op) => !STRUCTURAL.includes(op.name));

const ARG_NAMES = ['a', 'b', 'c'];
/** add and mul are n-ary: three arguments exercise the general product/sum rule. */
const arityOf = (op: Op): number => (op.arity === 'variadic' ? 3 : op.arity);
/** Integer-only ops (floordiv, mod) refuse real arguments: their shape rule gives an error message. */
const integerOnly = (op: Op, n: Node): boolean => {
  const kind = op.shape(Array<ValueKind>(arityOf(op)).fill('real'), n);
  return kind !== 'real' && kind !== 'integer';
};

interface Variant {
  readonly label: string;
  readonly op: Op;
  readonly node: Node;
  readonly args: readonly Node[];
  readonly integer: boolean;
}

const VARIANTS: readonly Variant[] = POINTWISE.flatMap((op) => {
  const args = ARG_NAMES.slice(0, arityOf(op)).map((a) => read(a));
  return (ATTR_VARIANTS[op.name] ?? [{}]).map((attrs): Variant => {
    const n = node(op.name, args, attrs);
    const label = attrs.rel ? `${op.name} [${attrs.rel}]` : op.name;
    return { label, op, node: n, args, integer: integerOnly(op, n) };
  });
});

const scalar = <T>(v: T): TensorValue<T> => ({ lo: [], hi: [], data: [v] });

/** f at the point (exact doubles), with `delta` added to argument `arg` when given. */
function valueAt<T>(F: Field<T>, n: Node, point: readonly number[], shift?: { arg: number; delta: T }): T {
  const tensors = new Map<string, TensorValue<T>>();
  point.forEach((x, i) => {
    const v = F.fromNumber(x);
    tensors.set(ARG_NAMES[i]!, scalar(shift && shift.arg === i ? F.add(v, shift.delta) : v));
  });
  return evaluate(F, n, new Map(), { tensors, adjoints: new Map() });
}

/**
 * Seeded random points away from every kink: each |argument| > 0.1 and each pair
 * more than 0.1 apart (abs, sign, relu at 0; max, min and brackets at ties). When f
 * is undefined there (log, sqrt of a negative; a negative base to a real power) the
 * point is drawn again from positive arguments in [0.2, 2.5). Integer-only ops get
 * an integer first argument in [−20, 20] and positive integer divisors in [1, 7].
 */
function pointsFor(v: Variant, count: number): number[][] {
  const rng = new Rng('ops.test').fork(v.label);
  const k = v.args.length;
  const separated = (p: number[]): boolean =>
    p.every((x) => Math.abs(x) > 0.1) && p.every((x, i) => p.every((y, j) => i === j || Math.abs(x - y) > 0.1));
  const draw = (lo: number, hi: number): number[] => {
    for (;;) {
      const p = Array.from({ length: k }, () => rng.uniform(lo, hi));
      if (separated(p)) return p;
    }
  };
  const out: number[][] = [];
  while (out.length < count) {
    if (v.integer) {
      out.push(Array.from({ length: k }, (_, i) => (i === 0 ? rng.int(-20, 20) : rng.int(1, 7))));
      continue;
    }
    let p = draw(-2, 2);
    if (!B.isFinite(valueAt(B, v.node, p))) p = draw(0.2, 2.5);
    out.push(p);
  }
  return out;
}

const POINTS = 12;
const H = B.fromRational(rat(1, 10n ** 25n)); // the central-difference step
const REL = B.fromRational(rat(1, 10n ** 30n));
// Rounding in 64 digits: each f value is off by ≤ 1e-64·|f|, so the difference
// quotient by ≤ 1e-64·|f|/1e-25 ≈ 1e-39·|f|; 1e-36·max(1, |f|) covers it (and is the
// whole allowance where the exact derivative is 0). Truncation: h²·|f'''| ≈ 1e-50.
const ABS = B.fromRational(rat(1, 10n ** 36n));

const seen = new Set<string>();
/** Kink points actually checked, per op (the others were skipped as undefined or jumps). */
const kinkChecks = new Map<string, number>();

describe.each(VARIANTS)('$label', (v) => {
  // drawn on first use, so an op that throws fails its own tests, not the file's collection
  let drawn: number[][] | undefined;
  const pointsOf = (): number[][] => (drawn ??= pointsFor(v, POINTS));

  test.each(v.args.map((a, i) => ({ arg: a.attrs.name!, i })))(
    'derivative rule in argument $arg equals a 64-digit central difference (step 1e-25, rel 1e-30)',
    ({ arg, i }) => {
      const d = (child: Node): Node | undefined => (child === v.args[i] ? num(1) : undefined);
      const rule = v.op.derivative(v.node, d);
      for (const p of pointsOf()) {
        const f = valueAt(B, v.node, p);
        expect(B.isFinite(f), `${v.label}(${p}) is finite`).toBe(true);
        // the independent reference: (f(x + h) − f(x − h)) / 2h in 64 digits
        const fd = B.div(B.sub(valueAt(B, v.node, p, { arg: i, delta: H }), valueAt(B, v.node, p, { arg: i, delta: B.neg(H) })), B.add(H, H));
        const slack = B.mul(ABS, B.cmp(B.abs(f), B.one) > 0 ? B.abs(f) : B.one);
        const at = `∂${v.label}/∂${arg} at (${p.join(', ')})`;
        if (rule === undefined) {
          // no rule: f must not move with this argument (piecewise-constant ops)
          expect(B.cmp(B.abs(fd), slack) <= 0, `${at}: no rule, but the difference is ${B.toString(fd, 10)}`).toBe(true);
          continue;
        }
        const got = evaluate(B, rule, new Map(), { tensors: new Map(p.map((x, j) => [ARG_NAMES[j]!, scalar(B.fromNumber(x))])), adjoints: new Map() });
        const err = B.abs(B.sub(got, fd));
        const big = B.cmp(B.abs(got), B.abs(fd)) >= 0 ? B.abs(got) : B.abs(fd);
        const tol = B.add(B.mul(REL, big), slack);
        expect(B.cmp(err, tol) <= 0, `${at}: rule ${B.toString(got, 40)} vs difference ${B.toString(fd, 40)}`).toBe(true);
        if (v.integer) expect(B.cmp(got, B.zero), `${at}: an integer-only op has derivative 0`).toBe(0);
      }
    },
  );

  // At a kink (an argument at 0, or two arguments tied) a correct convention is a
  // subgradient: the rule's value lies between the one-sided differences (relu'(0) = 0,
  // abs'(0) = 0 and "a tie goes to the first argument" all do, LANGUAGE.md). Points
  // where f is undefined or infinite nearby (log 0, √ of −h, 0^−b) or jumps (sign,
  // brackets at a tie) are skipped: no derivative exists there. Integer-only ops have
  // no real kinks and are left out.
  if (!v.integer) {
    test('at its kinks the rule is a subgradient (between the one-sided 64-digit differences)', () => {
      const rng = new Rng('ops.test/kinks').fork(v.label);
      const k = v.args.length;
      const base = (): number[] => {
        for (;;) {
          const p = Array.from({ length: k }, () => rng.uniform(0.3, 1.7) * (rng.next() < 0.5 ? -1 : 1));
          if (p.every((x, i) => p.every((y, j) => i === j || Math.abs(x - y) > 0.1))) return p;
        }
      };
      const kinks: number[][] = [];
      for (let i = 0; i < k; i++) kinks.push(base().map((x, j) => (j === i ? 0 : x)));
      if (k >= 2) kinks.push(base().map((x, j, p) => (j === 1 ? p[0]! : x)));
      const jump = B.fromRational(rat(1, 10n ** 15n)); // a continuous f moves ~1e-25 over h
      const slack = B.fromRational(rat(1, 10n ** 20n)); // one-sided differences are O(h) off
      for (const p of kinks) {
        const f0 = valueAt(B, v.node, p);
        v.args.forEach((a, i) => {
          const fp = valueAt(B, v.node, p, { arg: i, delta: H });
          const fm = valueAt(B, v.node, p, { arg: i, delta: B.neg(H) });
          if (![f0, fp, fm].every((x) => B.isFinite(x))) return;
          if (B.cmp(B.abs(B.sub(fp, f0)), jump) > 0 || B.cmp(B.abs(B.sub(f0, fm)), jump) > 0) return;
          const right = B.div(B.sub(fp, f0), H);
          const left = B.div(B.sub(f0, fm), H);
          const rule = v.op.derivative(v.node, (c) => (c === a ? num(1) : undefined));
          const tensors = new Map(p.map((x, j) => [ARG_NAMES[j]!, scalar(B.fromNumber(x))]));
          const r = rule ? evaluate(B, rule, new Map(), { tensors, adjoints: new Map() }) : B.zero;
          if (!B.isFinite(r)) return;
          const lo = B.sub(B.cmp(left, right) <= 0 ? left : right, slack);
          const hi = B.add(B.cmp(left, right) <= 0 ? right : left, slack);
          const at = `∂${v.label}/∂${a.attrs.name} at (${p.join(', ')})`;
          expect(B.cmp(r, lo) >= 0 && B.cmp(r, hi) <= 0, `${at}: rule ${B.toString(r, 12)}, one-sided ${B.toString(left, 12)} and ${B.toString(right, 12)}`).toBe(true);
          kinkChecks.set(v.op.name, (kinkChecks.get(v.op.name) ?? 0) + 1);
        });
      }
    });
  }

  test('no derivative when no argument depends on the variable', () => {
    expect(v.op.derivative(v.node, () => undefined)).toBeUndefined();
  });

  test('float64 forward (JS Math) agrees with the 64-digit forward (decimal.js) to 1e-12 relative', () => {
    for (const p of pointsOf()) {
      const big = valueAt(B, v.node, p);
      const fl = valueAt(floatField, v.node, p);
      const ref = B.toNumber(big);
      expect(Number.isFinite(fl), `${v.label}(${p}) float64`).toBe(true);
      expect(Math.abs(fl - ref) <= 1e-12 * Math.abs(ref), `${v.label}(${p}): float64 ${fl} vs 64-digit ${B.toString(big, 25)}`).toBe(true);
      if (v.integer) expect(Number.isInteger(fl), `${v.label}(${p}) is an integer`).toBe(true);
    }
  });

  test('LaTeX renders in KaTeX (the node and its derivatives); text is non-empty and shows every argument', () => {
    const forms = [v.node];
    v.args.forEach((a) => {
      const r = v.op.derivative(v.node, (c) => (c === a ? num(1) : undefined));
      if (r) forms.push(r);
    });
    for (const n of forms) {
      const tex = printLatex(n);
      expect(katexProblem(tex), `KaTeX on ${tex}`).toBeUndefined();
    }
    const text = printText(v.node);
    expect(text.trim().length).toBeGreaterThan(0);
    for (const a of v.args) {
      expect(text, `text of ${v.label}`).toContain(a.attrs.name!);
      expect(printLatex(v.node), `LaTeX of ${v.label}`).toContain(a.attrs.name!);
    }
    seen.add(v.op.name);
  });
});

// The exact values LANGUAGE.md fixes at non-smooth points ("Conventions for non-smooth
// points"): relu'(0) = 0, abs'(0) = 0, and in max and min a tie gives the whole gradient
// to the first argument. The subgradient test above accepts any value in between; these
// are the documented choices (expected values copied from LANGUAGE.md).
describe("LANGUAGE.md's conventions at non-smooth points", () => {
  const t = 0.75; // any tie value
  const cases: { what: string; op: OpName; point: number[]; expected: number[] }[] = [
    { what: "relu'(0) = 0", op: 'relu', point: [0], expected: [0] },
    { what: "abs'(0) = 0", op: 'abs', point: [0], expected: [0] },
    { what: 'max(a, b) at a = b: all to a', op: 'max', point: [t, t], expected: [1, 0] },
    { what: 'min(a, b) at a = b: all to a', op: 'min', point: [t, t], expected: [1, 0] },
  ];
  test.each(cases)('$what', ({ op, point, expected }) => {
    const args = point.map((_, i) => read(ARG_NAMES[i]!));
    const n = node(op, args);
    const tensors = new Map(point.map((x, j) => [ARG_NAMES[j]!, scalar(B.fromNumber(x))]));
    args.forEach((a, i) => {
      const rule = OPS[op].derivative(n, (c) => (c === a ? num(1) : undefined));
      const got = rule ? B.toNumber(evaluate(B, rule, new Map(), { tensors, adjoints: new Map() })) : 0;
      expect(got, `∂${op}/∂${a.attrs.name}`).toBe(expected[i]);
    });
  });
});

describe('coverage of the registry', () => {
  test('the structural list names real ops only', () => {
    for (const s of STRUCTURAL) expect(Object.keys(OPS), s).toContain(s);
  });

  test('every op in OPS except the structural ones was tested above (a new op cannot slip by)', () => {
    const expected = Object.keys(OPS).filter((k) => !STRUCTURAL.includes(k as OpName)).sort();
    expect([...seen].sort()).toEqual(expected);
    // the piecewise ops the brief names are among them, with their 0/indicator rules
    for (const name of ['iverson', 'floordiv', 'mod', 'sign', 'relu', 'abs', 'max', 'min']) expect(expected).toContain(name);
  });

  test('the kink conventions were checked where they matter (not all skipped)', () => {
    // relu'(0), abs'(0) and the tie rules of max and min: LANGUAGE.md's conventions
    for (const name of ['relu', 'abs', 'max', 'min']) expect(kinkChecks.get(name) ?? 0, name).toBeGreaterThan(0);
  });
});
