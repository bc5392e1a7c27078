// SpecError: every complaint about a user's file, located as file:line:col with the
// source line and a caret under the offending text. The CLI prints these and exits 2;
// nothing that a user wrote should ever surface as a stack trace.
import type { Span } from '../ir/node.js';

export type ErrorKind =
  | 'syntax'
  | 'unknown-name'
  | 'range'
  | 'bounds'
  | 'shape'
  | 'grad-of-const'
  | 'duplicate'
  | 'limit'
  | 'usage';

export class SpecError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly detail: string,
    readonly span?: Span,
  ) {
    super(formatError(detail, span));
    this.name = 'SpecError';
  }
}

/** `file:line:col: message`, then the source line and a caret line. */
export function formatError(message: string, span?: Span): string {
  if (!span) return message;
  const head = `${span.file}:${span.line}:${span.col}: ${message}`;
  // a very long line is shown as a window around the column (a 20 000-character line
  // of brackets would bury the message)
  let { source } = span;
  let col = span.col;
  let endCol = span.endCol;
  if (source.length > SHOWN) {
    const from = Math.max(0, Math.min(col - 1 - SHOWN / 2, source.length - SHOWN));
    const before = from > 0 ? '…' : '';
    const after = from + SHOWN < source.length ? '…' : '';
    source = `${before}${source.slice(from, from + SHOWN)}${after}`;
    col = col - from + before.length;
    endCol = Math.min(endCol - from + before.length, before.length + SHOWN + 1);
  }
  const width = Math.max(1, endCol - col);
  const caret = ' '.repeat(col - 1) + '^' + '~'.repeat(width - 1);
  return `${head}\n  ${source}\n  ${caret}`;
}

/** Characters of a source line shown under an error message. */
const SHOWN = 120;

/**
 * f, with a limit it reaches reported at `span` (the simplifier counts steps and nodes
 * but knows no lines), naming what was being worked out. Other errors go on as they are.
 */
export function located<T>(span: Span, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SpecError && e.kind === 'limit' && !e.span) throw new SpecError('limit', `${e.detail} (working out ${what})`, span);
    throw e;
  }
}
