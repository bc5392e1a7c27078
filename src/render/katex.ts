// The KaTeX adapter: the only file that imports katex. Every LaTeX string the engine
// shows a person goes through here at least once, so a `tex` line that KaTeX cannot
// render is reported at its line instead of breaking a page later.
import katex from 'katex';

// KaTeX stops after 1000 macro expansions by default, a guard against \def loops;
// a long proof line (every \left…\right and \frac counts) needs more, and no user
// macro can be defined here (trust is off and `tex` strings are single names).
const MAX_EXPAND = 100_000;

// Control sequences KaTeX accepts but a `tex` string (how a name is written) must not
// hold, because the LaTeX and Markdown documents paste the string verbatim into a real
// TeX run or a MathJax page (security review, issue 9). KaTeX renders `\gdef\partial
// {\input{/etc/passwd}}x` as "x", but pdflatex runs the \gdef, and every later \partial
// of the .tex report reads the file into the PDF; \verb hides an unbalanced brace that
// ends a \subsection*{…} argument early; \href, \url, \includegraphics and \html…
// keep their argument unparsed (LaTeX, where they are undefined, then runs it);
// \TextOrMath, \message, \errmessage and \show drop or log an argument unparsed too,
// and KaTeX's own @-macros are internals. The TeX primitives that read or write files,
// run commands or change catcodes are listed as well, although KaTeX does not know them,
// so that no KaTeX upgrade can let one through.
const FORBIDDEN = new Set(
  ('def gdef edef xdef let futurelet global long outer protected newcommand renewcommand providecommand ' +
    'DeclareRobustCommand DeclareMathOperator newenvironment renewenvironment expandafter noexpand csname endcsname ' +
    'string scantokens detokenize unexpanded uppercase lowercase romannumeral the number ' +
    'verb href url includegraphics htmlClass htmlId htmlStyle htmlData TextOrMath message errmessage show ' +
    'input include InputIfFileExists endinput openin openout read readline write immediate special shipout ' +
    'catcode lccode uccode mathcode sfcode makeatletter makeatother jobname iffalse iftrue ifx if fi else').split(' '),
);

// Control sequences that would let a name hide, colour, overlap or move ink that is not
// its own, or swallow the expression around it: a name shown white (\color{white}), a
// \phantom that leaves a gap where a term seems missing, an \llap over the next symbol,
// \over reading the whole group as a fraction. Nothing runs, but a verdict page must
// show the mathematics as written (security review, issue 9, left open then).
const DISGUISING = new Set(
  ('color textcolor colorbox fcolorbox boxed phantom hphantom vphantom smash llap rlap clap mathllap mathrlap mathclap ' +
    'over atop choose above brace brack kern mkern hskip mskip hspace raisebox rule moveleft moveright lower raise').split(' '),
);

/** Characters that change what the text around them means: controls, line and paragraph
 *  separators (line ends in JavaScript), bidirectional overrides and invisible marks. (A
 *  `tex` string holds no \n or \r: the parser splits lines there; the engine's own
 *  displays, which katexProblem also checks, break their rows with \n.) */
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;

/** Why a `tex` string is refused before KaTeX sees it, or undefined. */
function forbidden(tex: string, name: boolean): string | undefined {
  const bad = FORBIDDEN_CHARS.exec(tex);
  if (bad) return `the character U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} is not allowed in a tex string`;
  // anywhere, not only as a token: TeX reads \^^69nput as \input
  if (tex.includes('^^')) return "^^ is not allowed in a tex string: it is TeX's notation for a character by its code";
  // TeX's tokens: a control word (letters and @, as KaTeX reads them), a control symbol, a character
  // (a bare # is KaTeX's own error outside a \def; \textcolor{#666} is a colour)
  for (const m of tex.matchAll(/\\([A-Za-z@]+|[^])|%/g)) {
    const word = m[1];
    if (word === undefined) return 'an unescaped % is not allowed in a tex string: LaTeX would ignore the rest of the line (write \\% for a percent sign)';
    if (FORBIDDEN.has(word) || word.includes('@')) return `\\${word} is not allowed in a tex string: a name is written with symbols, accents, fonts and scripts, not with macros, verbatim text, links or files`;
    if (name && DISGUISING.has(word)) return `\\${word} is not allowed in a tex string: a name may not colour, hide, overlap or move what is around it`;
  }
  return undefined;
}

/** undefined when a `tex` string (how a name is written) renders and may stand for a
 *  name; otherwise why not. */
export function texNameProblem(tex: string): string | undefined {
  return katexProblem(tex, true);
}

/** undefined when `tex` renders; otherwise KaTeX's reason (or why the string is refused). */
export function katexProblem(tex: string, name = false): string | undefined {
  const refused = forbidden(tex, name);
  if (refused) return refused;
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
