// relu: max(a, 0), d relu(a) = [a > 0]·da, with relu'(0) = 0 (LANGUAGE.md);
// sampling keeps away from a = 0.
import { iverson, num } from '../ir/node.js';
import { unary } from './families.js';

export const relu = unary({
  name: 'relu',
  forward: (F, a, env) => (env.kink(F.abs(a)), F.cmp(a, F.zero) > 0 ? a : F.zero),
  slope: (a) => iverson(a, '>', num(0)),
  latex: '\\operatorname{relu}',
  // relu′(0) = 0 is the derivative's business; the value at 0 is 0 either way
  code: (a, w) => w.select(w.compare(a, '>', '0'), a, '0'),
});
