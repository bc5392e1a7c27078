// `claim latex:` lines, read with the file's names: the bridge between the graph
// (declared names, `tex` lines, the loss) and the LaTeX reader in src/syntax/tex.ts.
import type { Graph } from '../graph/graph.js';
import { SpecError } from '../syntax/errors.js';
import type { LatexReader } from './claims.js';

export const readLatex: LatexReader = (claim) => {
  throw new SpecError('syntax', 'claim latex: lines are not read yet', claim.latexSpan);
};

export type { Graph };
