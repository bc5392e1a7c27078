// cos: d cos(a) = −sin(a)·da.
import { call, neg } from '../ir/node.js';
import { unary } from './families.js';

export const cos = unary({ name: 'cos', forward: (F, a) => F.cos(a), slope: (a) => neg(call('sin', a)), latex: '\\cos', code: (a, w) => w.fn('cos', [a]) });
