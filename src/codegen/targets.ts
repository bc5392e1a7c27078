// The syntax of each code target: expressions (through the CodeWriter facets of the
// ops) and the few statement shapes the lowering produces. JavaScript and TypeScript
// share one syntax; NumPy and torch share Python's.
import type { Rational } from '../ir/rational.js';
import type { CodeWriter } from '../ops/op.js';

export type TargetName = 'js' | 'ts' | 'numpy' | 'torch';
export const TARGETS: readonly TargetName[] = ['js', 'ts', 'numpy', 'torch'];

/** A statement of generated code; expressions are already in the target's syntax. */
export type Stmt =
  | { readonly kind: 'comment'; readonly text: string }
  | { readonly kind: 'let'; readonly name: string; readonly value: string; readonly mutable?: boolean }
  | { readonly kind: 'set'; readonly name: string; readonly op: '=' | '+='; readonly value: string }
  | { readonly kind: 'store'; readonly array: string; readonly offset: string; readonly value: string }
  | { readonly kind: 'alloc'; readonly name: string; readonly length: string }
  | { readonly kind: 'loop'; readonly index: string; readonly lo: string; readonly hi: string; readonly body: readonly Stmt[] }
  | { readonly kind: 'if'; readonly cond: string; readonly body: readonly Stmt[] }
  | { readonly kind: 'raw'; readonly lines: readonly string[] };

/** The expression facets a CodeWriter passes straight to its target. */
export interface Syntax extends Pick<CodeWriter, 'num' | 'pi' | 'fn' | 'binary' | 'select' | 'compare' | 'and'> {
  readonly lang: 'js' | 'python';
  /** An element of a flat array at an integer offset. */
  at(array: string, offset: string): string;
  readonly reserved: ReadonlySet<string>;
  statements(list: readonly Stmt[], indent: string): string[];
  readonly negInfinity: string;
}

const decimal = (r: Rational): string => {
  if (r.d === 1n) return r.n.toString();
  // a terminating decimal exactly, else the quotient (computed once by the engine's reader)
  let d = r.d;
  for (const p of [2n, 5n]) while (d % p === 0n) d /= p;
  if (d === 1n) return (Number(r.n) / Number(r.d)).toString();
  return `(${r.n} / ${r.d})`;
};
const paren = (s: string): string => `(${s})`;

/**
 * Text for a line comment of either language (security review, issue 9): every control
 * character, and U+2028/U+2029 (line ends to JavaScript), as a space. A comment holds a
 * file's name and its formulas (with `tex` names); a line break in either would end the
 * comment and make the rest code: `gradproof train` runs the JavaScript it generates.
 */
export const commentText = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');

const JS_RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof ' +
    'new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public ' +
    'await arguments eval undefined NaN Infinity Math inputs upstream saved sizes out forward backward sizesOf Float64Array Number Error').split(' '),
);

export const js: Syntax = {
  lang: 'js',
  num: (r) => {
    const s = decimal(r);
    return r.n < 0n && !s.startsWith('(') ? `(${s})` : s;
  },
  pi: 'Math.PI',
  fn: (name, args) => `Math.${name}(${args.join(', ')})`,
  binary(op, a, b) {
    if (op === '//') return `Math.floor(${a} / ${b})`;
    if (op === '%') return `(((${a} % ${b}) + ${b}) % ${b})`;
    return paren(`${a} ${op} ${b}`);
  },
  select: (c, a, b) => paren(`${c} ? ${a} : ${b}`),
  compare: (a, rel, b) => paren(`${a} ${rel === '=' ? '===' : rel === '!=' ? '!==' : rel} ${b}`),
  and: (cs) => (cs.length === 1 ? cs[0]! : paren(cs.join(' && '))),
  at: (array, offset) => `${array}[${offset}]`,
  reserved: JS_RESERVED,
  negInfinity: '-Infinity',
  statements(list, indent) {
    const out: string[] = [];
    for (const s of list) {
      switch (s.kind) {
        case 'comment': out.push(`${indent}// ${commentText(s.text)}`); break;
        case 'let': out.push(`${indent}${s.mutable ? 'let' : 'const'} ${s.name} = ${s.value};`); break;
        case 'set': out.push(`${indent}${s.name} ${s.op} ${s.value};`); break;
        case 'store': out.push(`${indent}${s.array}[${s.offset}] = ${s.value};`); break;
        case 'alloc': out.push(`${indent}const ${s.name} = new Float64Array(${s.length});`); break;
        case 'loop':
          out.push(`${indent}for (let ${s.index} = ${s.lo}; ${s.index} <= ${s.hi}; ${s.index}++) {`, ...this.statements(s.body, indent + '  '), `${indent}}`);
          break;
        case 'if': out.push(`${indent}if (${s.cond}) {`, ...this.statements(s.body, indent + '  '), `${indent}}`); break;
        case 'raw': out.push(...s.lines.map((l) => indent + l)); break;
      }
    }
    return out;
  },
};

const PY_RESERVED = new Set(
  ('False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda ' +
    'nonlocal not or pass raise return try while with yield math np torch inputs upstream saved sizes out range len abs float int ' +
    'str ValueError forward backward sizes_of ctx grads scale Layer _at _exp _log _sqrt _pow _abs _sin _cos _tanh').split(' '),
);

export const python: Syntax = {
  lang: 'python',
  num: (r) => {
    const s = decimal(r);
    return r.n < 0n && !s.startsWith('(') ? `(${s})` : s;
  },
  pi: 'math.pi',
  // math's functions raise where float64 gives NaN or ±inf; the module's _f helpers do not
  fn: (name, args) => `_${name}(${args.join(', ')})`,
  binary: (op, a, b) => paren(`${a} ${op} ${b}`),
  select: (c, a, b) => paren(`${a} if ${c} else ${b}`),
  compare: (a, rel, b) => paren(`${a} ${rel === '=' ? '==' : rel} ${b}`),
  and: (cs) => (cs.length === 1 ? cs[0]! : paren(cs.join(' and '))),
  // a read outside the array is nan (never used: a strong zero or a guard discards it)
  at: (array, offset) => `_at(${array}, ${offset})`,
  reserved: PY_RESERVED,
  negInfinity: '-math.inf',
  statements(list, indent) {
    const out: string[] = [];
    for (const s of list) {
      switch (s.kind) {
        case 'comment': out.push(`${indent}# ${commentText(s.text)}`); break;
        case 'let': out.push(`${indent}${s.name} = ${s.value}`); break;
        case 'set': out.push(`${indent}${s.name} ${s.op} ${s.value}`); break;
        case 'store': out.push(`${indent}${s.array}[${s.offset}] = ${s.value}`); break;
        case 'alloc': out.push(`${indent}${s.name} = np.zeros(${s.length})`); break;
        case 'loop': {
          const body = this.statements(s.body, indent + '    ');
          out.push(`${indent}for ${s.index} in range(${s.lo}, ${s.hi} + 1):`, ...(body.length ? body : [`${indent}    pass`]));
          break;
        }
        case 'if': {
          const body = this.statements(s.body, indent + '    ');
          out.push(`${indent}if ${s.cond}:`, ...(body.length ? body : [`${indent}    pass`]));
          break;
        }
        case 'raw': out.push(...s.lines.map((l) => indent + l)); break;
      }
    }
    return out;
  },
};

export const syntaxOf = (t: TargetName): Syntax => (t === 'js' || t === 'ts' ? js : python);
