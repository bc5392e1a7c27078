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

/** Formulas rendered so far (a pure function of its arguments): the playground renders the
 *  same proof lines again on every keystroke. Bounded: emptied when full. */
const rendered = new Map<string, string>();
const RENDERED_LIMIT = 20_000;

/** HTML for a formula, for reports; trust: false, so no \href or \htmlClass from a user's `tex`. */
export function katexHtml(tex: string, display = true): string {
  const k = `${display ? 'D' : 'I'}${tex}`;
  let html = rendered.get(k);
  if (html === undefined) {
    html = katex.renderToString(tex, { throwOnError: true, strict: 'error', displayMode: display, trust: false, output: 'htmlAndMathml', maxExpand: MAX_EXPAND });
    if (rendered.size >= RENDERED_LIMIT) rendered.clear();
    rendered.set(k, html);
  }
  return html;
}

/** KaTeX's stylesheet, fonts inlined (src/platform/files.ts reads it where the files are). */
export { katexStylesheet } from '../platform/files.js';
