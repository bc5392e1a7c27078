// The KaTeX adapter: the only file that imports katex. Every LaTeX string the engine
// shows a person goes through here at least once, so a `tex` line that KaTeX cannot
// render is reported at its line instead of breaking a page later.
import katex from 'katex';

/** undefined when `tex` renders; otherwise KaTeX's reason. */
export function katexProblem(tex: string): string | undefined {
  try {
    katex.renderToString(tex, { throwOnError: true, strict: 'error', displayMode: false, trust: false });
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message.replace(/^KaTeX parse error: /, '') : String(e);
  }
}

/** HTML for a formula (display style), for reports. */
export function katexHtml(tex: string): string {
  return katex.renderToString(tex, { throwOnError: true, strict: 'error', displayMode: true, trust: false, output: 'htmlAndMathml' });
}
