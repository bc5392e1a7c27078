// The LaTeX reader: the equation of a `claim latex:` line → the same Expr as spec
// syntax (src/syntax/ast.ts), with spans into the original .layer line.
//
// Three steps: (1) every `tex` string of a declared name found in the text, longest
// first, is replaced by a same-length marker (see grammar/tex.ohm), so a tex name with
// its own scripts (`\sigma^2`, `W^{[2]}`) is read as a whole; (2) a scan for unknown
// commands and unbalanced braces, with exact columns (both in tex-prepare.ts); (3) the
// grammar (grammar/tex.ohm, loaded by parse.ts, the one file that imports ohm-js: ohm's
// types are derived in tex-context.ts from loadGrammar's) and the actions (tex-actions.ts,
// tex-forms.ts), which resolve names (tex-names-resolve.ts) in this order:
//   1. a `tex` string of a declared name (or of the loss), as a whole, longest first;
//   2. a Greek command: `\mu` → a declared `mu` or `μ`, `\epsilon`/`\varepsilon` →
//      `eps`, `epsilon` or `ε`, … (src/syntax/tex-names.ts);
//   3. plain letters, one per name (`x`), or a word set upright (`\mathrm{xhat}`);
//      accents and styles by default: `\hat{x}` → `xhat`, `\mathbf{W}` → `W`, `\mathcal{L}` → `L`;
//   4. anything undeclared is still returned as a name (free indices `i`, `k`, …):
//      the caller decides;
//   5. a function only where no name is declared: `\sigma(z)` is the sigmoid unless
//      σ is declared, `\operatorname{relu}(z)` is relu unless `relu` is a name.
//
// This file keeps the entry point; the claim being read is tex-context.ts's (withContext).
import type { Expr } from './ast.js';
import { SpecError } from './errors.js';
import { checkNesting, MAX_NESTING } from './messages.js';
import { MAX_EXPRESSION_DEPTH, MAX_LATEX_CHARS } from '../limits.js';
import { loadGrammar, tooDeep } from './parse.js';
import { texSemantics } from './tex-actions.js';
import { spanAt, withContext, type TexClaimInput, type TexName } from './tex-context.js';
import {
  check, checkPrivateUse, expectedText, failureMessage, foundAt, markTexNames, texEntries, unwrapDollars,
} from './tex-prepare.js';

export type { TexClaimInput, TexName, TexNames } from './tex-context.js';

// ── the entry point ────────────────────────────────────────────────────────────────

/**
 * Read the equation of a `claim latex:` line. `col` is the 1-based column of the
 * LaTeX's first character in `source` (the whole line); every span points there.
 * Throws a SpecError (kind 'syntax', or 'shape' for an index on a scalar) at the
 * exact column of what is wrong.
 */
export function parseTexClaim(input: TexClaimInput): { lhs: Expr; rhs: Expr } {
  const { names } = input;
  const byName = new Map<string, TexName>();
  if (!names.names.some((n) => n.name === names.loss)) byName.set(names.loss, { name: names.loss, dims: 0, tex: names.lossTex });
  for (const n of names.names) byName.set(n.name, n);
  const text = unwrapDollars(input.latex);
  const entries = texEntries(names);
  const c = { file: input.file, line: input.line, col: input.col, source: input.source, text, names, byName, entries };
  return withContext(c, () => {
    try {
      // a run-on word reads as one factor per letter: refused before any work, not after
      if (text.length > MAX_LATEX_CHARS) throw new SpecError('limit', `the LaTeX equation has ${text.length} characters, past the limit of ${MAX_LATEX_CHARS}`, spanAt(MAX_LATEX_CHARS, MAX_LATEX_CHARS + 1));
      checkPrivateUse(text);
      const marked = markTexNames(text, entries);
      check(marked);
      checkNesting(input.file, input.line, input.source, text, input.col - 1);
      const grammar = loadGrammar('tex.ohm');
      const m = grammar.match(marked, 'Equation');
      if (m.failed()) {
        const pos = m.getRightmostFailurePosition();
        const found = foundAt(marked, pos);
        throw new SpecError('syntax', failureMessage(marked, pos, found.shown, expectedText(m)), spanAt(pos, pos + found.length));
      }
      const sides = texSemantics()(m)['tex']() as { lhs: Expr; rhs: Expr };
      // as for spec lines: a chain of 18 000 implicit factors (`vxxx…`, found by fuzzing)
      // would overflow every later recursion; refused here, at the claim
      const deep = tooDeep(sides);
      if (deep) throw new SpecError('limit', `operators nest deeper than the limit of ${MAX_EXPRESSION_DEPTH} levels`, deep.span);
      return sides;
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      throw new SpecError('limit', `the LaTeX nests too deeply to read (the limit is ${MAX_NESTING} levels)`, spanAt(0, Math.max(1, text.length)));
    }
  });
}
