// Where layers come from besides the file itself: `use std` (lib/std.layer, the
// standard library written in the language) and `include "file.layer"` (a path
// relative to the including file). An included file holds layers only; each file is
// parsed once per process, and an include cycle is an error at the include line.
import type { LayerDef, Statement } from '../syntax/ast.js';
import { SpecError } from '../syntax/errors.js';
import { parseSpec } from '../syntax/parse.js';
import { includedText, includeName, libraryText, resolveInclude } from '../platform/files.js';

/** The libraries `use` knows, by name: files under lib/. */
export const LIBRARIES: ReadonlyMap<string, string> = new Map([['std', 'std.layer']]);

const parsed = new Map<string, LayerDef[]>();

/** The layers a `use` or `include` statement brings, in the order they are defined. */
export function layersOf(s: Extract<Statement, { kind: 'use' | 'include' }>, chain: readonly string[] = []): LayerDef[] {
  let path: string;
  let shown: string;
  if (s.kind === 'use') {
    const file = LIBRARIES.get(s.name);
    if (!file) throw new SpecError('unknown-name', `unknown library ${s.name} (known: ${[...LIBRARIES.keys()].join(', ')}); include "file.layer" reads a file`, s.span);
    path = `lib/${file}`;
    shown = path;
  } else {
    const found = resolveInclude(s.span.file, s.path);
    path = found.key;
    shown = s.path;
    if (!found.exists) throw new SpecError('unknown-name', `include: no .layer file of at most 1 MB at ${path} (an include names a .layer file, relative to the including file)`, s.span);
  }
  if (chain.includes(path)) throw new SpecError('duplicate', `include cycle: ${shown} includes itself`, s.span);
  const known = parsed.get(path);
  if (known) return known;
  const file = s.kind === 'use' ? shown : includeName(s.span.file, s.path);
  const spec = parseSpec(file, s.kind === 'use' ? libraryText(LIBRARIES.get(s.name)!) : includedText(path));
  const layers: LayerDef[] = [];
  for (const t of spec.statements) {
    if (t.kind === 'layer') layers.push(t.def);
    else if (t.kind === 'use' || t.kind === 'include') layers.push(...layersOf(t, [...chain, path]));
    else throw new SpecError('syntax', `${shown} is included for its layers, so it may only hold def … end, use and include lines`, t.span);
  }
  parsed.set(path, layers);
  return layers;
}
