// The op registry: an explicit table checked by the compiler. Adding an op is one
// file in this folder and one line here; no registration by import side effect.
import type { OpName } from '../ir/node.js';
import type { Op } from './op.js';
import { abs } from './abs.js';
import { add } from './add.js';
import { adj } from './adj.js';
import { argfirst } from './argfirst.js';
import { cos } from './cos.js';
import { exp } from './exp.js';
import { floordiv } from './floordiv.js';
import { idx } from './idx.js';
import { iverson } from './iverson.js';
import { log } from './log.js';
import { max } from './max.js';
import { maxr } from './maxr.js';
import { min } from './min.js';
import { mod } from './mod.js';
import { mul } from './mul.js';
import { num } from './num.js';
import { pi } from './pi.js';
import { pow } from './pow.js';
import { read } from './read.js';
import { relu } from './relu.js';
import { sigmoid } from './sigmoid.js';
import { sign } from './sign.js';
import { sin } from './sin.js';
import { size } from './size.js';
import { sqrt } from './sqrt.js';
import { sum } from './sum.js';
import { tanh } from './tanh.js';

export const OPS = {
  num, pi, size, idx, read, adj,
  add, mul, pow,
  exp, log, sqrt, abs, sign, sin, cos, tanh, sigmoid, relu,
  max, min,
  sum, maxr, argfirst, iverson,
  floordiv, mod,
} as const satisfies Record<OpName, Op>;

export const opOf = (name: OpName): Op => OPS[name];

/** The functions a .layer file may call, with their arity (LANGUAGE.md). */
export const FUNCTIONS: ReadonlyMap<string, OpName> = new Map<string, OpName>([
  ['exp', 'exp'], ['log', 'log'], ['sqrt', 'sqrt'], ['abs', 'abs'], ['sin', 'sin'], ['cos', 'cos'],
  ['tanh', 'tanh'], ['sigmoid', 'sigmoid'], ['relu', 'relu'], ['max', 'max'], ['min', 'min'],
]);
