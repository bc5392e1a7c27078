// Bad input: every kind of error the engine reports, with the line and column it
// points at (counted by hand in each case's source) and never a stack trace.
import { describe, expect, it } from 'vitest';
import { run } from '../src/pipeline.js';
import { SpecError } from '../src/syntax/errors.js';

function error(text: string): SpecError {
  try {
    run('bad.layer', text);
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('no error was reported');
}

const cases: { name: string; text: string; kind: SpecError['kind']; line: number; col: number; says: RegExp }[] = [
  // `y[i] = x[i] * ` : the expression is missing after the `*` (column 13), at column 14
  { name: 'syntax: missing operand', text: 'input x[n]\ny[i] = x[i] * \n', kind: 'syntax', line: 2, col: 14, says: /expected an expression/ },
  { name: 'syntax: missing bracket', text: 'input x[n\n', kind: 'syntax', line: 1, col: 10, says: /expected "\]"/ },
  // `z` is column 15 of `y[i] = x[i] + z`
  { name: 'unknown name', text: 'input x[n]\ny[i] = x[i] + z\n', kind: 'unknown-name', line: 2, col: 15, says: /unknown name z/ },
  { name: 'unknown tensor', text: 'input x[n]\ny[i] = q[i]\n', kind: 'unknown-name', line: 2, col: 8, says: /unknown tensor q/ },
  { name: 'unknown function', text: 'input x[n]\ny[i] = erf(x[i])\n', kind: 'unknown-name', line: 2, col: 8, says: /unknown function erf/ },
  { name: 'a definition in terms of itself', text: 'input x[n]\ny[i] = y[i] + x[i]\n', kind: 'unknown-name', line: 2, col: 8, says: /in terms of itself/ },
  // no read fixes i in `y[i] = 2`: the binder i is column 3
  { name: 'undeterminable range', text: 'input x[n]\ny[i] = 2\n', kind: 'range', line: 2, col: 3, says: /cannot determine the range of index i/ },
  { name: 'empty range', text: 'input x[3]\ns[j in 1..0] = x[1]\n', kind: 'range', line: 2, col: 3, says: /range of index j is empty: 1\.\.0/ },
  // x[j + 1] with j = n reads x[n + 1]: the read starts at column 16
  { name: 'out-of-bounds read', text: 'input x[n]\ns[j in 1..n] = x[j + 1]\n', kind: 'bounds', line: 2, col: 16, says: /may read above its index set/ },
  { name: 'out-of-bounds read below', text: 'input x[n]\ns[j in 1..n] = x[j - 1]\n', kind: 'bounds', line: 2, col: 16, says: /below/ },
  { name: 'shape: wrong number of indices', text: 'input x[n]\ny[i] = x[i, i] + 1\n', kind: 'shape', line: 2, col: 8, says: /x has 1 index, but 2 are given/ },
  { name: 'shape: a tensor used as a scalar', text: 'input x[n]\ny = x + 1\n', kind: 'shape', line: 2, col: 5, says: /write x\[…\]/ },
  { name: 'shape: wrong arity', text: 'input x[n]\ny[i] = exp(x[i], 2)\n', kind: 'shape', line: 2, col: 8, says: /exp takes 1 argument/ },
  { name: 'shape: a real number as an index', text: 'input x[n]\ny[i] = x[i / 2]\n', kind: 'shape', line: 2, col: 10, says: /index must be an integer/ },
  { name: 'grad of a const', text: 'input x[n]\nconst c > 0\ny[i] = c * x[i]\ngrad c\n', kind: 'grad-of-const', line: 4, col: 6, says: /c is a const/ },
  { name: 'grad of an unknown name', text: 'input x[n]\ny[i] = x[i]\ngrad z\n', kind: 'unknown-name', line: 3, col: 6, says: /unknown name z in grad/ },
  { name: 'duplicate declaration', text: 'input x[n]\nparam x\n', kind: 'duplicate', line: 2, col: 7, says: /already declared/ },
  { name: 'tex that KaTeX cannot render', text: 'input x[n]\ny[i] = x[i]\ntex x "\\frac{"\n', kind: 'syntax', line: 3, col: 1, says: /does not render in KaTeX/ },
];

describe('bad input is reported at file:line:col', () => {
  for (const c of cases) {
    it(c.name, () => {
      const e = error(c.text);
      expect(e.kind).toBe(c.kind);
      expect(e.detail).toMatch(c.says);
      expect(e.span?.line).toBe(c.line);
      expect(e.span?.col).toBe(c.col);
      // the message starts with the location and shows the line with a caret
      expect(e.message.split('\n')[0]).toBe(`bad.layer:${c.line}:${c.col}: ${e.detail}`);
      expect(e.message.split('\n')[2]).toMatch(/^ *\^/);
    });
  }
});
