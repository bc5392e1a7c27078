// Text for LaTeX's text mode (and KaTeX's \text{}): specials escaped, and the
// Unicode signs and Greek letters our own words use written as math.
const LATEX_TEXT: Record<string, string> = {
  '\\': '\\textbackslash{}', '{': '\\{', '}': '\\}', '$': '\\$', '&': '\\&', '#': '\\#', '%': '\\%', '_': '\\_',
  '^': '\\^{}', '~': '\\~{}', '−': '-', '’': "'", '∞': '$\\infty$', '·': '$\\cdot$', '≤': '$\\le$', '≥': '$\\ge$', '≠': '$\\ne$', '∣': '$\\mid$', '√': '$\\surd$',
  // the signs people write in descriptions (the CNN's 256×256×3, ⌊(H + 2p − k)/s⌋), which
  // became '?' (noticed in the golden .tex outputs)
  '×': '$\\times$', '⌊': '$\\lfloor$', '⌋': '$\\rfloor$', '⌈': '$\\lceil$', '⌉': '$\\rceil$', '→': '$\\to$', '∂': '$\\partial$',
  '²': '$^2$', '³': '$^3$', '≈': '$\\approx$', '…': '\\dots{}', '–': '--', '—': '---', '‘': '`', '“': '``', '”': "''",
};

const GREEK = 'αβγδεζηθικλμνξπρστυφχψωΣΔΓΛΠΦΨΩ';
const GREEK_NAMES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu', 'nu', 'xi', 'pi', 'rho', 'sigma', 'tau', 'upsilon', 'phi', 'chi', 'psi', 'omega', 'Sigma', 'Delta', 'Gamma', 'Lambda', 'Pi', 'Phi', 'Psi', 'Omega'];
[...GREEK].forEach((c, i) => (LATEX_TEXT[c] = `$\\${GREEK_NAMES[i]}$`));

/**
 * The letters beyond ASCII that pdflatex sets with its default font encoding (OT1) and
 * UTF-8 input: Latin-1 and Latin Extended-A, less those OT1 has no glyph or accent for
 * (measured: each letter alone in \text{} through pdflatex; these 25 failed).
 */
const OT1_MISSING = new Set('ÐÞðþĄąĐđĘęĦħĮįĸĿŀŉŊŋŦŧŲųſ');
const pdflatexLetter = (c: string): boolean => c >= '\u00c0' && c <= '\u017f' && c !== '×' && c !== '÷' && !OT1_MISSING.has(c);

/**
 * A whole .tex document made safe for pdflatex: a Greek letter left in math (a `tex`
 * string may hold one; KaTeX accepts it) as its control word, a letter pdflatex sets
 * kept, any other non-ASCII character '?' (pdflatex stops at a character it has no
 * definition for).
 */
export function pdflatexSafe(doc: string): string {
  return doc.replace(/[^\u0000-\u007f]/gu, (c) => {
    const g = GREEK.indexOf(c);
    return g >= 0 ? `{\\${GREEK_NAMES[g]}}` : pdflatexLetter(c) ? c : '?';
  });
}

/** Text for LaTeX's text mode; a letter pdflatex sets (é, ß) is kept, any other non-ASCII character becomes '?'. Control
 *  characters too (security review, issue 9): a file name's line breaks would end a
 *  \section*{…} argument with a paragraph, and ^^[ (ESC) is an invalid character to pdflatex. */
export function latexText(s: string): string {
  return [...s].map((c) => LATEX_TEXT[c] ?? (c === '\t' ? ' ' : (c.charCodeAt(0) >= 32 && c.charCodeAt(0) < 127) || pdflatexLetter(c) ? c : '?')).join('');
}

