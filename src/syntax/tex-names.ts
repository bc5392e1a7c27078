// What the LaTeX reader (src/syntax/tex.ts, grammar/tex.ohm) knows by name: the Greek
// letters and the names they stand for, the commands it reads, the functions written
// as commands. Plain data, so the reader stays about structure.

/**
 * A Greek command → the names it may stand for, in order of preference: the first
 * that the file declares wins; where none is declared, the first is used (so an
 * undeclared `\mu` reads as the name `mu`, and `\pi` as the built-in `pi`).
 */
export const GREEK_NAMES: Readonly<Record<string, readonly string[]>> = {
  alpha: ['alpha', 'α'], beta: ['beta', 'β'], gamma: ['gamma', 'γ'], delta: ['delta', 'δ'],
  epsilon: ['eps', 'epsilon', 'ε', 'ϵ'], varepsilon: ['eps', 'epsilon', 'ε', 'ϵ'],
  zeta: ['zeta', 'ζ'], eta: ['eta', 'η'], theta: ['theta', 'θ', 'ϑ'], vartheta: ['theta', 'θ', 'ϑ'],
  iota: ['iota', 'ι'], kappa: ['kappa', 'κ'], lambda: ['lambda', 'λ'], mu: ['mu', 'μ'], nu: ['nu', 'ν'],
  xi: ['xi', 'ξ'], pi: ['pi', 'π'], varpi: ['pi', 'π', 'ϖ'], rho: ['rho', 'ρ'], varrho: ['rho', 'ρ', 'ϱ'],
  sigma: ['sigma', 'σ'], varsigma: ['sigma', 'σ', 'ς'], tau: ['tau', 'τ'], upsilon: ['upsilon', 'υ'],
  phi: ['phi', 'φ', 'ϕ'], varphi: ['phi', 'φ', 'ϕ'], chi: ['chi', 'χ'], psi: ['psi', 'ψ'], omega: ['omega', 'ω'],
  Gamma: ['Gamma', 'Γ'], Delta: ['Delta', 'Δ'], Theta: ['Theta', 'Θ'], Lambda: ['Lambda', 'Λ'], Xi: ['Xi', 'Ξ'],
  Pi: ['Pi', 'Π'], Sigma: ['Sigma', 'Σ'], Upsilon: ['Upsilon', 'Υ'], Phi: ['Phi', 'Φ'], Psi: ['Psi', 'Ψ'],
  Omega: ['Omega', 'Ω'],
};

/** Greek commands that read as a function where no name of theirs is declared. */
export const GREEK_FUNCTIONS: Readonly<Record<string, string>> = { sigma: 'sigmoid', varsigma: 'sigmoid' };

/** Functions written as LaTeX commands, and the function each one is. */
export const FUNCTION_COMMANDS: Readonly<Record<string, string>> = {
  exp: 'exp', log: 'log', ln: 'log', sin: 'sin', cos: 'cos', tanh: 'tanh', max: 'max', min: 'min', sqrt: 'sqrt',
};

/** Upright spellings of functions (`\operatorname{ReLU}`) → the function. */
export const FUNCTION_SPELLINGS: Readonly<Record<string, string>> = {
  relu: 'relu', sigmoid: 'sigmoid', sigm: 'sigmoid', exp: 'exp', log: 'log', ln: 'log', sqrt: 'sqrt', abs: 'abs',
  sin: 'sin', cos: 'cos', tanh: 'tanh', max: 'max', min: 'min',
};

/** Accents and the suffix of the name they make by default (`\hat{x}` → `xhat`). */
export const ACCENT_SUFFIX: Readonly<Record<string, string>> = {
  hat: 'hat', widehat: 'hat', bar: 'bar', overline: 'bar', tilde: 'tilde', widetilde: 'tilde', dot: 'dot',
};

/** Commands that set a word upright: the word inside is one name (`\mathrm{xhat}`). */
export const UPRIGHT_COMMANDS: ReadonlySet<string> = new Set([
  'mathrm', 'text', 'operatorname', 'textrm', 'mathit', 'textit', 'mathsf',
]);

/** Every control word the grammar reads (grammar/tex.ohm); anything else is an error. */
export const KNOWN_COMMANDS: ReadonlySet<string> = new Set([
  ...Object.keys(GREEK_NAMES),
  ...Object.keys(FUNCTION_COMMANDS),
  ...Object.keys(ACCENT_SUFFIX),
  ...UPRIGHT_COMMANDS,
  // structure
  'frac', 'dfrac', 'tfrac', 'cfrac', 'partial', 'sum', 'prime',
  'left', 'right', 'bigl', 'Bigl', 'biggl', 'Biggl', 'bigr', 'Bigr', 'biggr', 'Biggr', 'big', 'Big', 'bigg', 'Bigg',
  'lvert', 'rvert', 'vert',
  // styles and indicators
  'mathbf', 'boldsymbol', 'bm', 'mathcal', 'mathscr', 'mathbb', 'mathds', 'vec',
  // operators and relations
  'cdot', 'times', 'div', 'ast', 'le', 'leq', 'leqslant', 'ge', 'geq', 'geqslant', 'ne', 'neq', 'lt', 'gt',
  // spacing
  'quad', 'qquad', 'enspace', 'thinspace', 'medspace', 'thickspace', 'negthinspace',
  'displaystyle', 'textstyle', 'limits', 'nolimits',
]);

/** Control symbols (a backslash and one non-letter) the grammar reads. */
export const KNOWN_SYMBOLS: ReadonlySet<string> = new Set([',', ';', ':', '!', ' ', '{', '}', '_']);

/** Spacing, skipped when `tex` strings are compared with the text. */
export const SPACING: ReadonlySet<string> = new Set([
  '\\,', '\\;', '\\:', '\\!', '\\ ', '~', '\\quad', '\\qquad', '\\enspace', '\\thinspace', '\\medspace',
  '\\thickspace', '\\negthinspace', '\\displaystyle', '\\textstyle', '\\limits', '\\nolimits',
]);
