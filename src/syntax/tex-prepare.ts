// The LaTeX reader's steps before the grammar (src/syntax/tex.ts): the `$…$` around an
// equation, its tokens, the `tex` strings of declared names replaced by same-length
// markers (longest first), the scan for private-use characters, unknown commands and
// unbalanced braces (with exact columns), and the messages of a failed match.
import { SpecError } from './errors.js';
import { MAX_NESTING } from './messages.js';
import { fail, here, spanAt, type Failure, type TexName, type TexNames } from './tex-context.js';
import { KNOWN_COMMANDS, KNOWN_SYMBOLS, SPACING, UPRIGHT_COMMANDS } from './tex-names.js';

/** The first marker character (a private-use one): marker k stands for tex entry k; FILL pads it to the tex's length. */
export const MARK = 0xe000;
export const FILL = '\uf8ff';
export const MAX_ENTRIES = 0xf8fe - MARK;

// ── step 1: tokens, unknown commands, braces ──────────────────────────────────────

export interface Tok {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const TOKEN = /\\[A-Za-z]+|\\[^]|\s+|[^]/gu;

/** LaTeX tokens without spaces and spacing commands. */
export function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  for (const m of s.matchAll(TOKEN)) {
    const text = m[0];
    if (/^\s+$/.test(text) || SPACING.has(text)) continue;
    out.push({ text, start: m.index, end: m.index + text.length });
  }
  return out;
}

/** `{T}` around a single token is T (`\sigma^{2}` is `\sigma^2`, `\hat{x}` is `\hat x`); T then spans the braces. */
export function normalized(tokens: readonly Tok[]): Tok[] {
  const out: Tok[] = [];
  const open: number[] = [];
  for (const t of tokens) {
    if (t.text === '{') {
      open.push(out.length);
      out.push(t);
    } else if (t.text === '}' && open.length > 0) {
      const at = open.pop()!;
      if (out.length - at === 2) {
        const inner = out.pop()!;
        const brace = out.pop()!;
        out.push({ text: inner.text, start: brace.start, end: t.end });
      } else out.push(t);
    } else out.push(t);
  }
  return out;
}

/** Private-use characters are the reader's own markers: refused in what a user wrote. */
export function checkPrivateUse(text: string): void {
  const at = text.search(/[\ue000-\uf8ff]/);
  if (at >= 0) fail(`unexpected character U+${text.charCodeAt(at).toString(16).toUpperCase()}`, spanAt(at, at + 1));
}

/** Unknown commands and unbalanced braces, after the tex names are marked (their own commands are theirs). */
export function check(text: string): void {
  const open: number[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const t = m[0];
    const at = m.index;
    if (/^\\[A-Za-z]/.test(t)) {
      if (!KNOWN_COMMANDS.has(t.slice(1))) {
        const hint = t === '\\prod' ? ': products over an index are not supported' : '';
        fail(`unknown LaTeX command "${t}"${hint}`, spanAt(at, at + t.length));
      }
    } else if (t.startsWith('\\')) {
      if (!KNOWN_SYMBOLS.has(t.slice(1))) fail(`unexpected "${t}": this reader does not know that LaTeX symbol`, spanAt(at, at + t.length));
    } else if (t === '{') {
      open.push(at);
      if (open.length > MAX_NESTING) throw new SpecError('limit', `braces nest deeper than the limit of ${MAX_NESTING} levels`, spanAt(at, at + 1));
    } else if (t === '}') {
      if (open.length === 0) fail('unexpected "}": no "{" is open before it', spanAt(at, at + 1));
      open.pop();
    }
  }
  const last = open.pop();
  if (last !== undefined) fail('this "{" is never closed: expected "}"', spanAt(last, last + 1));
}

// ── step 2: tex strings, longest first, replaced by same-length markers ─────────────

interface Entry {
  readonly index: number;
  readonly tokens: readonly string[];
}

export function texEntries(names: TexNames): TexName[] {
  const entries: TexName[] = [];
  for (const n of names.names) if (n.tex?.trim()) entries.push(n);
  if (names.lossTex?.trim() && !entries.some((e) => e.name === names.loss)) {
    entries.push({ name: names.loss, dims: 0, tex: names.lossTex });
  }
  return entries.slice(0, MAX_ENTRIES);
}

function balanced(tokens: readonly Tok[]): boolean {
  let depth = 0;
  for (const t of tokens) {
    depth += t.text === '{' ? 1 : t.text === '}' ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth === 0;
}

/** Where each `tex` string occurs (whole tokens, longest first, left to right): the text with markers. */
export function markTexNames(text: string, entries: readonly TexName[]): string {
  const patterns: Entry[] = entries
    .map((e, index) => ({ index, raw: tokenize(e.tex!) }))
    .filter(({ raw }) => raw.length > 0 && balanced(raw))
    .map(({ index, raw }) => ({ index, tokens: normalized(raw).map((t) => t.text) }))
    .sort((a, b) => b.tokens.length - a.tokens.length);
  if (patterns.length === 0) return text;
  const toks = normalized(tokenize(text));
  let out = text;
  let i = 0;
  while (i < toks.length) {
    const p = patterns.find((q) => q.tokens.every((t, k) => toks[i + k]?.text === t));
    if (p) {
      const start = toks[i]!.start;
      const end = toks[i + p.tokens.length - 1]!.end;
      out = out.slice(0, start) + String.fromCharCode(MARK + p.index) + FILL.repeat(end - start - 1) + out.slice(end);
      i += p.tokens.length;
      continue;
    }
    // An upright word is one name: no tex string is looked for inside it.
    if (UPRIGHT_COMMANDS.has(toks[i]!.text.slice(1)) && toks[i + 1]?.text === '{') {
      let depth = 0;
      let j = i + 1;
      for (; j < toks.length; j++) {
        depth += toks[j]!.text === '{' ? 1 : toks[j]!.text === '}' ? -1 : 0;
        if (depth === 0) break;
      }
      i = j + 1;
      continue;
    }
    i++;
  }
  return out;
}

// ── the messages of a failed match ────────────────────────────────────────────────

/** The token at `pos` of the original text, as shown in a message (a tex name as written). */
export function foundAt(marked: string, pos: number): { shown: string; length: number } {
  const text = here().text;
  if (text.slice(pos).trim() === '') return { shown: 'end of the equation', length: 1 };
  const code = marked.charCodeAt(pos);
  if (code >= MARK && code < MARK + MAX_ENTRIES) {
    let end = pos + 1;
    while (marked[end] === FILL) end++;
    return { shown: `"${text.slice(pos, end)}"`, length: end - pos };
  }
  const m = /^(?:\\[A-Za-z]+|\\[^]|[^])/u.exec(text.slice(pos));
  const token = m?.[0] ?? text[pos]!;
  return { shown: `"${token}"`, length: token.length };
}

/** Ohm's expected items, shortened: "an expression" for everything that can start one. */
export function expectedText(m: Failure): string {
  const detailed = m as Failure & { getRightmostFailures?: () => { isFluffy(): boolean }[] };
  let items = typeof detailed.getRightmostFailures === 'function'
    ? detailed.getRightmostFailures().filter((f) => !f.isFluffy()).map(String)
    : [m.getExpectedText()];
  items = [...new Set(items.map((e) => (e === 'end of input' ? 'end of the equation' : e)))];
  const ends = items.includes('end of the equation') || items.some((e) => CLOSERS.has(e) && e !== '","');
  if (ends) items = items.filter((e) => e !== '","'); // the trailing "," or "." of an equation
  if (items.includes('a name') || items.includes('a number')) {
    // after a complete operand, juxtaposition makes every expression start possible: "an operator"
    const kept = items.filter((e) => CLOSERS.has(e) || e === 'end of the equation' || e === 'a comparison');
    items = [ends ? 'an operator' : 'an expression', ...kept];
  }
  // `\left`, `\bigl`, … can come before any opening bracket: name the bracket only
  const sized = items.filter((e) => !/^"\\\\(left|[bB]igg?l?)"$/.test(e));
  if (sized.length > 0) items = sized;
  items = items.map((e) => e.replace(/\\\\/g, '\\'));
  items.sort((a, b) => rank(a) - rank(b));
  if (items.length <= 1) return items[0] ?? 'something else';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** What may close a group, a claim's side or a bracket (an expression start like "|" is not listed). */
const CLOSERS = new Set(['"}"', '")"', '"]"', '"\\\\right"', '"\\\\rvert"', '"\\\\}"', '"="', '","']);

function rank(item: string): number {
  if (item.startsWith('"') && item !== '"="') return 0;
  if (item === 'end of the equation') return 3;
  return 1;
}

/** Whether `s` has an "=" outside every bracket and brace (the claim's own). */
function topLevelEquals(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') i++;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === '=' && depth === 0) return true;
  }
  return false;
}

export function failureMessage(marked: string, pos: number, found: string, expected: string): string {
  if (found === '"="' && topLevelEquals(marked.slice(0, pos))) {
    return 'a second "=": a claim is one equation, lhs = rhs';
  }
  if (/\\(sum|max|min)\s*$/.test(marked.slice(0, pos)) && /^"[_^]"/.test(expected)) {
    const op = /\\(sum|max|min)\s*$/.exec(marked.slice(0, pos))![1];
    return `unexpected ${found}: \\${op} needs its index, as in \\${op}_i or \\${op}_{i=1}^{n}`;
  }
  const note = expected.includes('"="') && !/(^|[^\\<>!])=/.test(here().text) ? ' (a claim is an equation: lhs = rhs)' : '';
  return `unexpected ${found}: expected ${expected}${note}`;
}

/** Strip `$…$` / `$$…$$` around the equation (as spaces, so columns stay put). */
export function unwrapDollars(latex: string): string {
  const m = /^(\s*)(\$\$?)([^]*?)\2(\s*)$/.exec(latex);
  return m ? m[1] + ' '.repeat(m[2]!.length) + m[3] + ' '.repeat(m[2]!.length) + m[4] : latex;
}
