// sin: d sin(a) = cos(a)·da.
import { call } from '../ir/node.js';
import { unary } from './families.js';

export const sin = unary({ name: 'sin', forward: (F, a) => F.sin(a), slope: (a) => call('cos', a), latex: '\\sin', code: (a, w) => w.fn('sin', [a]) });
