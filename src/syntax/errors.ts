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
  const width = Math.max(1, span.endCol - span.col);
  const caret = ' '.repeat(span.col - 1) + '^' + '~'.repeat(width - 1);
  return `${head}\n  ${span.source}\n  ${caret}`;
}
