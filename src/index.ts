// gradproof as a library: run the pipeline on a .layer text, get the derivation,
// the check and the proofs as data, and lay them out as LaTeX, Markdown or HTML.
export { run } from './pipeline.js';
export type { Result, RunOptions } from './pipeline.js';
export type { AdjointForms, Derivation } from './autodiff/forms.js';
export type { CheckReport, FormCheck } from './verify/gradcheck.js';
export { proofs } from './render/proof.js';
export type { Line, Proof } from './render/proof.js';
export { reportOf, toHtml, toHtmlIndex, toMarkdown, toTex } from './render/documents.js';
export type { Report } from './render/documents.js';
export { printLatex, printText } from './ops/printer.js';
export { SpecError } from './syntax/errors.js';
