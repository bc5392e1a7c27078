// `claim latex:` lines, read with the file's names: the bridge between the graph
// (declared names, `tex` lines, the loss) and the LaTeX reader in src/syntax/tex.ts.
import { FUNCTIONS } from '../ops/registry.js';
import { parseTexClaim } from '../syntax/tex.js';
import type { TexName } from '../syntax/tex.js';
import type { LatexReader } from './claims.js';

export const readLatex: LatexReader = (claim, g) => {
  const names: TexName[] = [
    ...[...g.tensors.values()].map((t) => ({ name: t.name, dims: t.dims.length, ...(g.tex.has(t.name) && { tex: g.tex.get(t.name)! }) })),
    ...[...g.sizes.keys()].map((name) => ({ name, dims: 0, ...(g.tex.has(name) && { tex: g.tex.get(name)! }) })),
  ];
  const lossTex = g.tex.get(g.loss);
  return parseTexClaim({
    file: claim.latexSpan.file,
    line: claim.latexSpan.line,
    col: claim.latexSpan.col,
    source: claim.latexSpan.source,
    latex: claim.latex,
    names: { names, loss: g.loss, ...(lossTex && { lossTex }), functions: [...FUNCTIONS.keys()] },
  });
};
