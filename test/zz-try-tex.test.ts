import { test } from 'vitest';
import { parseTexClaim, type TexNames } from '../src/syntax/tex.js';
const names: TexNames = {
  names: [
    { name: 'x', dims: 1 }, { name: 'mu', dims: 0 }, { name: 'var', dims: 0, tex: '\\sigma^2' },
    { name: 'xhat', dims: 1, tex: '\\hat{x}' }, { name: 'sigma', dims: 0, tex: '\\sigma' }, { name: 'eps', dims: 0 },
    { name: 'gamma', dims: 0 }, { name: 'beta', dims: 0 }, { name: 'y', dims: 1 }, { name: 'o', dims: 1 }, { name: 'w', dims: 1 }, { name: 'n', dims: 0 },
  ],
  loss: 'L', functions: ['exp', 'log', 'sqrt', 'abs', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'max', 'min'],
};
function show(e: any): string {
  switch (e.kind) {
    case 'num': return e.text;
    case 'name': return e.name;
    case 'index': return `${e.name}[${e.indices.map(show).join(', ')}]`;
    case 'adjoint': return `d${e.loss}/d${e.of}${e.indices.length ? '[' + e.indices.map(show).join(', ') + ']' : ''}`;
    case 'neg': return `-(${show(e.arg)})`;
    case 'binary': return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'call': return `${e.fn}(${e.args.map(show).join(', ')})`;
    case 'reduce': return `${e.fn}(${e.binders.map((b: any) => b.index + (b.range ? ` in ${show(b.range.lo)}..${show(b.range.hi)}` : '')).join(', ')}, ${show(e.body)})`;
    case 'bracket': return `[${show(e.left)} ${e.rel} ${show(e.right)}]`;
  }
  return '?';
}
const lines = process.env.TEX!.split('\n').filter(Boolean);
test('try', () => {
  for (const latex of lines) {
    try {
      const r = parseTexClaim({ file: 'f.layer', line: 1, col: 14, source: 'claim latex: ' + latex, latex, names });
      console.log(latex, '\n   ', show(r.lhs), '=', show(r.rhs));
    } catch (e: any) { console.log(latex, '\n   ERR', e.message); }
  }
});
