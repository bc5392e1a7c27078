// relu: max(a, 0), d relu(a) = [a > 0]·da, with relu'(0) = 0 (LANGUAGE.md);
// sampling keeps away from a = 0.
import { iverson, num } from '../ir/node.js';
import { unary } from './families.js';

export const relu = unary({
  name: 'relu',
  forward: (F, a, env) => (env.kink(F.abs(a)), F.cmp(a, F.zero) > 0 ? a : F.zero),
  slope: (a) => iverson(a, '>', num(0)),
  latex: '\\operatorname{relu}',
});
