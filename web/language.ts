// Highlighting for the .layer language in CodeMirror: a stream tokenizer that follows
// grammar/layer.ohm's lexical rules (comments, reserved words, numbers, the one-token
// adjoint dL/dx, strings of `tex` lines). Colours only: the engine does the parsing.
import { StreamLanguage } from '@codemirror/language';
import type { StringStream } from '@codemirror/language';

const RESERVED = new Set(['input', 'param', 'const', 'size', 'output', 'loss', 'grad', 'claim', 'tex', 'where', 'in', 'def', 'end', 'use', 'include', 'latex', 'shape', 'params']);
const FUNCTIONS = new Set(['sum', 'mean', 'max', 'min', 'exp', 'log', 'sqrt', 'abs', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'pi']);

export const layerLanguage = StreamLanguage.define<{ claimLatex: boolean }>({
  name: 'layer',
  startState: () => ({ claimLatex: false }),
  token(stream: StringStream, state): string | null {
    if (stream.sol()) state.claimLatex = false;
    if (stream.eatSpace()) return null;
    if (stream.peek() === '#') {
      stream.skipToEnd();
      return 'comment';
    }
    if (state.claimLatex) {
      // a LaTeX claim runs to the end of the line (or a comment)
      stream.eatWhile((c) => c !== '#');
      return 'string';
    }
    if (stream.match(/^"(?:\\.|[^"\\])*"?/)) return 'string';
    if (stream.match(/^\d+(\.\d+)?([eE][-+]?\d+)?/)) return 'number';
    if (stream.match(/^d[A-Za-z_]\w*\/d[A-Za-z_μσγβεη][\w.]*/u)) return 'variableName.special';
    const word = stream.match(/^[\p{L}_][\p{L}\p{N}_]*(\.[\p{L}_][\p{L}\p{N}_]*)*/u);
    if (word && Array.isArray(word)) {
      const w = word[0];
      if (w === 'latex' && stream.peek() === ':') {
        stream.next();
        state.claimLatex = true;
        return 'keyword';
      }
      if (RESERVED.has(w)) return 'keyword';
      if (FUNCTIONS.has(w)) return 'builtin';
      return 'variableName';
    }
    if (stream.match(/^(\.\.|\/\/|[-+*/^%=<>!?,()[\]])/)) return 'operator';
    stream.next();
    return null;
  },
});
