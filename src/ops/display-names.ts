// How names are displayed: the ASCII Greek names of LANGUAGE.md as Greek letters,
// and `tex` mappings (in LaTeX as given; in text through a small LaTeX-to-Unicode
// reading of the common forms: \sigma^2 → σ², \hat{x} → x̂).
const GREEK: Record<string, [string, string]> = {
  alpha: ['α', '\\alpha'], beta: ['β', '\\beta'], gamma: ['γ', '\\gamma'], delta: ['δ', '\\delta'],
  epsilon: ['ε', '\\epsilon'], eps: ['ε', '\\epsilon'], eta: ['η', '\\eta'], theta: ['θ', '\\theta'],
  lambda: ['λ', '\\lambda'], mu: ['μ', '\\mu'], sigma: ['σ', '\\sigma'], tau: ['τ', '\\tau'],
  phi: ['φ', '\\phi'], psi: ['ψ', '\\psi'], omega: ['ω', '\\omega'],
};

const UNICODE_GREEK: Record<string, string> = {
  α: '\\alpha', β: '\\beta', γ: '\\gamma', δ: '\\delta', ε: '\\epsilon', η: '\\eta', θ: '\\theta',
  λ: '\\lambda', μ: '\\mu', σ: '\\sigma', τ: '\\tau', φ: '\\phi', ψ: '\\psi', ω: '\\omega', π: '\\pi',
  ν: '\\nu', ρ: '\\rho', κ: '\\kappa', ξ: '\\xi', ζ: '\\zeta', χ: '\\chi', ι: '\\iota', ο: 'o',
};

const LATEX_TO_TEXT: ReadonlyArray<[RegExp, string | ((...m: string[]) => string)]> = [
  [/\\hat\{(\w)\}/g, (_m, c) => `${c}\u0302`],
  [/\\bar\{(\w)\}/g, (_m, c) => `${c}\u0304`],
  [/\\tilde\{(\w)\}/g, (_m, c) => `${c}\u0303`],
  [/\\(var)?epsilon/g, 'ε'],
  ...Object.entries(GREEK).filter(([k]) => k !== 'eps' && k !== 'epsilon').map(([k, [u]]) => [new RegExp(`\\\\${k}(?![a-zA-Z])`, 'g'), u] as [RegExp, string]),
  [/\^\{?2\}?/g, '²'],
  [/\^\{?3\}?/g, '³'],
  [/\\mathcal\{(\w)\}/g, (_m, c) => c],
  [/[{}]/g, ''],
];

/** `c1.w`, a layer call's own tensor: the call's name and the name in the layer. */
function qualified(name: string): [string, string] | undefined {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? [name.slice(0, dot), name.slice(dot + 1)] : undefined;
}

export function displayText(name: string, tex?: string): string {
  const q = tex === undefined ? qualified(name) : undefined;
  if (q) return `${q[0]}.${displayText(q[1])}`;
  if (tex !== undefined) {
    let s = tex;
    for (const [re, to] of LATEX_TO_TEXT) s = s.replace(re, to as string);
    return s;
  }
  return GREEK[name]?.[0] ?? name;
}

export function displayLatex(name: string, tex?: string): string {
  if (tex !== undefined) return tex;
  // c1.w as w^{[c1]}: the layer superscript of Ng's notes (W^{[l]}), braced so a power still reads
  const q = qualified(name);
  if (q) return `${displayLatex(q[1])}^{[${displayLatex(q[0])}]}`;
  const g = GREEK[name];
  if (g) return g[1];
  if (UNICODE_GREEK[name]) return UNICODE_GREEK[name];
  // multi-letter names are upright text in LaTeX: \mathrm{xhat}
  // other letters beyond ASCII (é, ß) as text: math mode has no accented letters, and
  // KaTeX's strict mode refuses them there (\text{é} renders in KaTeX and in pdflatex)
  const escaped = [...name].map((c) => UNICODE_GREEK[c] ? `${UNICODE_GREEK[c]} ` : c > '\u007f' ? `\\text{${c}}` : c.replace(/_/g, '\\_')).join('').trim();
  return [...name].length > 1 ? `\\mathrm{${escaped}}` : escaped;
}
