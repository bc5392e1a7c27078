import { test } from 'vitest';
import { add, adj, call, div, mul, num, pow, read, size, sub, sum, idx } from '../src/ir/node.js';
import { rat } from '../src/ir/rational.js';
import { printText } from '../src/render/print.js';
import { displayForm, numericallyEqual } from '../src/simplify/display.js';
import { encode, expandNode } from '../src/simplify/nerdamer.js';

test('scratch', () => {
  const x = (i: number) => read('x', [num(i)]);
  const dy = (i: number) => adj('y', [num(i)]);
  const e1 = add(div(mul(x(1), dy(1)), num(2)), div(mul(x(2), dy(1)), num(2)), div(mul(x(3), dy(2)), num(2)), div(mul(x(4), dy(2)), num(2)));
  console.log(printText(e1)); console.log(encode(e1)?.text);
  const t0 = Date.now();
  const d1 = displayForm(e1, numericallyEqual); console.log(printText(d1), Date.now() - t0);
  const g = read('gamma'), mu = read('mu'), n = size('n'), m = idx('m'), i = idx('i');
  const s = add(pow(read('sigma'), num(2)), read('eps'));
  const S1 = sum('i', num(1), n, mul(adj('y', [i]), sub(read('x', [i]), mu)));
  const S2 = sum('i', num(1), n, adj('y', [i]));
  const bn = sub(sub(div(mul(g, adj('y', [m])), call('sqrt', s)), div(mul(g, sub(read('x', [m]), mu), S1), mul(n, pow(s, num(rat(3, 2)))))), div(mul(g, S2), mul(n, call('sqrt', s))));
  console.log(printText(bn)); console.log(encode(bn)?.text);
  console.log(printText(expandNode(bn)!));
  const t1 = Date.now();
  const d2 = displayForm(bn, numericallyEqual); console.log(printText(d2), Date.now() - t1);
});
