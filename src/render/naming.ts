// How a file's names are shown: its `tex` lines, its loss, and which outputs other
// definitions also read (their upstream gradient is marked "direct").
import type { Graph } from '../graph/graph.js';
import { readNames } from '../ir/node.js';
import type { Naming } from '../ops/printer.js';

/** Names as displayed; outputs that definitions also read get their upstream marked. */
export function namingOf(g: Graph): Naming {
  const read = new Set<string>();
  for (const t of g.tensors.values()) if (t.body) readNames(t.body, read);
  return { tex: g.tex, loss: g.loss, consumed: new Set(g.outputs.filter((o) => read.has(o))) };
}
