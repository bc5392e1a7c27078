// The KaTeX adapter: the only file that imports katex. Every LaTeX string the engine
// shows a person goes through here at least once, so a `tex` line that KaTeX cannot
// render is reported at its line instead of breaking a page later.
import katex from 'katex';

// KaTeX stops after 1000 macro expansions by default, a guard against \def loops;
// a long proof line (every \left…\right and \frac counts) needs more, and no user
// macro can be defined here (trust is off and `tex` strings are single names).
const MAX_EXPAND = 100_000;

/** undefined when `tex` renders; otherwise KaTeX's reason. */
export function katexProblem(tex: string): string | undefined {
  try {
    katex.renderToString(tex, { throwOnError: true, strict: 'error', displayMode: false, trust: false, maxExpand: MAX_EXPAND });
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message.replace(/^KaTeX parse error: /, '') : String(e);
  }
}

/** HTML for a formula, for reports; trust: false, so no \href or \htmlClass from a user's `tex`. */
export function katexHtml(tex: string, display = true): string {
  return katex.renderToString(tex, { throwOnError: true, strict: 'error', displayMode: display, trust: false, output: 'htmlAndMathml', maxExpand: MAX_EXPAND });
}

/** KaTeX's stylesheet, fonts inlined (src/platform/files.ts reads it where the files are). */
export { katexStylesheet } from '../platform/files.js';
