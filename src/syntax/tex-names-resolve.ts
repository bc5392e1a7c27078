// The LaTeX reader's names (src/syntax/tex.ts): what a written name resolves to (a
// declared name, a Greek command, an accent or style over a letter, a layer superscript),
// the declaration it has, the function it may be, and its indices.
import type { Span } from '../ir/node.js';
import type { Expr } from './ast.js';
import {
  fail, from, here, nameExpr, num, spanAt, spanOf, textOf, type Hit, type Node, type Sub, type TexName,
} from './tex-context.js';
import { ACCENT_SUFFIX } from './tex-names.js';
import { normalized, tokenize } from './tex-prepare.js';

export function declared(name: string): TexName | undefined {
  return here().byName.get(name);
}

/** The first declared candidate, else the first one. */
export function pick(candidates: readonly string[], span: Span, fn?: string): Hit {
  for (const c of candidates) {
    const decl = declared(c);
    if (decl) return { name: c, decl, span };
  }
  return { name: candidates[0]!, fn, span };
}

export function hitOf(n: Node): Hit {
  return n['tex']() as Hit;
}

/** A name's indices: `x_i`, `X_{k,i}`, `A_{12}` (a 2-D A: one character per dimension). */
export function indexed(hit: Hit, sub: Sub, span: Span): Expr {
  if (hit.decl && hit.decl.dims === 0) fail(`${hit.name} is a scalar: it takes no index`, sub.span, 'shape');
  let indices = sub.indices;
  const dims = hit.decl?.dims ?? 0;
  if (dims >= 2 && indices.length === 1 && sub.raw) {
    const chars = [...sub.raw.text].map((ch, k) => ({ ch, at: sub.raw!.start + k })).filter((c) => !/\s/.test(c.ch));
    if (chars.length === dims && chars.every((c) => /^[A-Za-z0-9]$/.test(c.ch))) {
      indices = chars.map(({ ch, at }) => {
        const s = spanAt(at, at + 1);
        return /\d/.test(ch) ? num(ch, s) : nameExpr(declared(ch)?.name ?? ch, s);
      });
    }
  }
  return { kind: 'index', name: hit.name, indices, guarded: false, span };
}

/** A name read as a value (a tensor with an index written inside an accent: `\hat{x_i}`). */
export function nameValue(hit: Hit): Expr {
  return hit.sub ? indexed(hit, hit.sub, hit.span) : nameExpr(hit.name, hit.span);
}

/** `W^{[2]}` or `a^{(1)}` without a tex line: the declared `W2` / `a1`, where there is one. */
export function layerName(hit: Hit, sup: Node): Hit | undefined {
  const m = /^\^\s*\{\s*[([]\s*(\d+)\s*[)\]]\s*\}$/.exec(textOf(sup));
  if (!m || hit.sub) return undefined;
  const decl = declared(hit.name + m[1]);
  return decl ? { name: decl.name, decl, span: from(hit.span, spanOf(sup)) } : undefined;
}

export function isLoss(hit: Hit): boolean {
  return hit.name === here().names.loss;
}

/**
 * `\hat{x}` with no tex line matching it: the `tex` string `\hat{x}` spelled another
 * way (`\hat x`, `\hat{x_i}`), else the name `xhat` (declared or not).
 */
export function accent(word: string, inner: Hit, span: Span, sub?: Sub): Hit {
  if (inner.sub) fail('an accent over a subscripted name: write the subscript outside, \\hat{x}_i', span);
  const c = here();
  const written = normalized(tokenize(`\\${word}{${c.text.slice(inner.span.col - c.col, inner.span.endCol - c.col)}}`)).map((t) => t.text).join(' ');
  const viaTex = c.entries.find((e) => normalized(tokenize(e.tex!)).map((t) => t.text).join(' ') === written);
  const name = viaTex?.name ?? inner.name + ACCENT_SUFFIX[word]!;
  return { name, decl: declared(name), sub, span };
}
