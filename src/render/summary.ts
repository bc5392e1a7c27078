// `gradproof summary FILE`: a network's table, as torchinfo prints one: each layer
// (a layer call, a hand-written definition, an input) with its output shape and
// parameter count, the params under the layer that owns them, and the totals.
// Shapes and counts are exact, and symbolic where the sizes are symbols
// (graph/shapes.ts), so a 256×256×3 input costs three numbers.
import type { Graph, Tensor } from '../graph/graph.js';
import type { Poly } from '../graph/shapes.js';
import { elementCount, extents, polyAdd, polyConstant, polyValue, showPoly, totalParams } from '../graph/shapes.js';
import { readNames } from '../ir/node.js';
import { printText } from '../ops/printer.js';

export interface ParamRow {
  readonly name: string;
  readonly shape: readonly string[];
  readonly count: string;
}

export interface SummaryRow {
  readonly name: string;
  /** `input`, `definition`, or the call as written: `conv2d(img, filters = 10, kernel = 9)`. */
  readonly what: string;
  readonly line: number;
  readonly shape: readonly string[];
  /** The params this row owns: a call's own (or given) params; for a definition, the declared params it reads first. */
  readonly params: readonly ParamRow[];
  readonly count: string;
}

export interface Summary {
  readonly file: string;
  readonly rows: readonly SummaryRow[];
  readonly totalParams: string;
  /** The size symbols the counts are written in, if any. */
  readonly sizes: readonly string[];
}

const shapeOf = (t: Tensor): string[] => extents(t).map((e) => printText(e));

/** A count as a person reads it: 402,860 when concrete, the polynomial when not. */
function countText(p: Poly): string {
  const v = polyValue(p);
  if (!v || v.d !== 1n) return showPoly(p);
  return v.n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function summarize(g: Graph): Summary {
  const rows: SummaryRow[] = [];
  const owned = new Set<string>();
  const byOutput = new Map(g.layers.map((u) => [u.name, u]));
  const created = new Set(g.layers.flatMap((u) => u.created));
  const paramRow = (name: string): ParamRow => {
    const t = g.tensors.get(name)!;
    return { name, shape: shapeOf(t), count: countText(elementCount(t)) };
  };
  const row = (t: Tensor, what: string, params: readonly string[]): SummaryRow => {
    const fresh = params.filter((p) => !owned.has(p));
    fresh.forEach((p) => owned.add(p));
    const count = fresh.reduce<Poly>((acc, p) => polyAdd(acc, elementCount(g.tensors.get(p)!)), polyConstant(0));
    return { name: t.name, what, line: t.span.line, shape: shapeOf(t), params: fresh.map(paramRow), count: countText(count) };
  };
  for (const t of g.tensors.values()) {
    const use = byOutput.get(t.name);
    if (use) {
      const call = use.span.source.slice(use.span.col - 1, use.span.endCol - 1);
      const what = call.slice(call.indexOf('=') + 1).trim();
      rows.push({ ...row(t, what, use.params), line: use.span.line });
    } else if (created.has(t.name)) continue;
    else if (t.role === 'input') rows.push(row(t, 'input', []));
    else if (t.role === 'def') {
      const reads = [...readNames(t.body!)].filter((n) => g.tensors.get(n)?.role === 'param' && !created.has(n));
      rows.push(row(t, 'definition', reads));
    }
  }
  // params no definition reads (declared, unused) still count
  const loose = [...g.tensors.values()].filter((t) => t.role === 'param' && !owned.has(t.name));
  for (const t of loose) rows.push(row(t, 'param', [t.name]));
  return { file: g.file, rows, totalParams: countText(totalParams(g)), sizes: [...g.sizes.keys()] };
}

/** The table as text, columns aligned. */
export function summaryText(s: Summary): string {
  const lines: string[][] = [['layer', '', 'output shape', 'params']];
  for (const r of s.rows) {
    lines.push([r.name, r.what, `[${r.shape.join(', ')}]`, r.count]);
    for (const p of r.params) lines.push([`  ${p.name}`, '', `[${p.shape.join(', ')}]`, p.count]);
  }
  const width = [0, 1, 2, 3].map((c) => Math.max(...lines.map((l) => [...l[c]!].length)));
  const pad = (x: string, w: number): string => x + ' '.repeat(w - [...x].length);
  const body = lines.map((l, i) => {
    const count = i === 0 ? pad(l[3]!, width[3]!) : ' '.repeat(width[3]! - [...l[3]!].length) + l[3]!;
    return `  ${pad(l[0]!, width[0]!)}  ${pad(l[1]!, width[1]!)}  ${pad(l[2]!, width[2]!)}  ${count}`.trimEnd();
  });
  const rule = `  ${'─'.repeat(Math.max(...body.map((b) => [...b].length)) - 2)}`;
  const sizes = s.sizes.length ? `  (symbolic in ${s.sizes.join(', ')})` : '';
  return [s.file, body[0]!, rule, ...body.slice(1), rule, `  total params: ${s.totalParams}${sizes}`].join('\n');
}
