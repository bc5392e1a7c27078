// Human wording for syntax errors: what was found at the failure position and what
// the grammar expected there, from the list of ohm's expected items. Pure string
// work, so the ohm adapter (parse.ts) stays short.
import type { Span } from '../ir/node.js';
import { SpecError } from './errors.js';

/** Brackets deeper than this are refused before parsing (the parser recurses per level). */
export { MAX_NESTING } from '../limits.js';
import { MAX_NESTING } from '../limits.js';

/** Words that are never names (see grammar/layer.ohm). */
export const RESERVED = new Set([
  'input', 'param', 'const', 'size', 'output', 'loss', 'grad', 'claim', 'tex', 'where', 'in', 'def', 'end', 'use', 'include',
]);

/** Whatever can start an expression; listed together they read "an expression". */
const EXPRESSION_START = new Set([
  'a name', 'a number', 'an adjoint', 'the remaining indices', '"("', '"["', '"-"', '"sum"', '"mean"', '"max"', '"min"',
]);

/** Where each kind of expectation goes in the list: closers first, end of line last. */
function rank(item: string): number {
  if (item === '")"' || item === '"]"') return 0;
  if (item === 'end of line') return 3;
  if (item === 'an operator') return 2;
  return 1;
}

const TOKEN = /^(?:[\p{L}][\p{L}\p{N}_]*|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\.|\/\/|<=|>=|!=|[^])/u;

/** The text at `pos`: the rest of the token there, or "end of line". */
export function foundAt(text: string, pos: number): { shown: string; token: string } {
  const rest = text.slice(pos);
  if (rest.trim() === '' || rest.trimStart().startsWith('#')) return { shown: 'end of line', token: '' };
  const token = TOKEN.exec(rest)?.[0] ?? rest[0] ?? '';
  return { shown: JSON.stringify(token), token };
}

/**
 * Where a line's content ends: before its trailing `#` comment and spaces. A `#`
 * inside a "string" or written `\#` (LaTeX) does not start a comment.
 */
export function contentEnd(text: string): number {
  let inString = false;
  let end = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '"') inString = !inString;
    else if (c === '#' && !inString) {
      end = i;
      break;
    }
  }
  return text.slice(0, end).trimEnd().length;
}

/** `a`, `a or b`, `a, b or c`. */
function joinOr(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? 'something else';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** The message for a failed match: `unexpected "]": expected an expression`. */
export function syntaxMessage(text: string, pos: number, expected: readonly string[], atStatementStart: boolean): string {
  const { shown, token } = foundAt(text, pos);
  let items = [...new Set(expected.map((e) => (e === 'end of input' ? 'end of line' : e)))];
  if (items.some((e) => e === 'a number' || e === 'a name')) {
    const hadExpr = items.includes('a number');
    items = items.filter((e) => !EXPRESSION_START.has(e) || (!hadExpr && e === 'a name'));
    if (hadExpr) items.unshift('an expression');
  }
  // After a name, "(" and "[" are possible but rarely what the writer missed.
  if (items.includes('an operator')) items = items.filter((e) => e !== '"("' && e !== '"["');
  if (atStatementStart && items.every((e) => e === 'end of line')) items = ['a statement'];
  items.sort((a, b) => rank(a) - rank(b));
  const reserved = RESERVED.has(token) && items.some((e) => e === 'a name' || e === 'an expression');
  const note = reserved ? ` ("${token}" is a reserved word, not a name)` : '';
  return `unexpected ${shown}: expected ${joinOr(items)}${note}`;
}

/** The span of the token at `pos` in a line; `offset` shifts columns for sub-line parses. */
export function tokenSpan(file: string, line: number, source: string, text: string, pos: number, offset: number): Span {
  const length = Math.max(1, foundAt(text, pos).token.length);
  const col = pos + offset + 1;
  return { file, line, col, endCol: col + length, source };
}

/** Refuse lines whose brackets nest deeper than MAX_NESTING, before the parser recurses. */
export function checkNesting(file: string, line: number, source: string, text: string, offset: number): void {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth = Math.max(0, depth - 1);
    if (depth > MAX_NESTING) {
      const col = i + offset + 1;
      throw new SpecError('limit', `brackets nest deeper than the limit of ${MAX_NESTING} levels`, {
        file, line, col, endCol: col + 1, source,
      });
    }
  }
}
