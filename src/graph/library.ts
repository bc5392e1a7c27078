// Where layers come from besides the file itself: `use std` (lib/std.layer, the
// standard library written in the language) and `include "file.layer"` (a path
// relative to the including file). An included file holds layers only; each file is
// parsed once per process, and an include cycle is an error at the include line.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LayerDef, Statement } from '../syntax/ast.js';
import { SpecError } from '../syntax/errors.js';
import { parseSpec } from '../syntax/parse.js';

/** The libraries `use` knows, by name: files under lib/. */
export const LIBRARIES: ReadonlyMap<string, string> = new Map([['std', 'std.layer']]);

/** lib/ beside grammar/, found by walking up from this module (src/ or dist/src/). */
export function libraryDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'lib');
    if (existsSync(join(candidate, 'std.layer'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('lib/std.layer not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

const parsed = new Map<string, LayerDef[]>();

/** The layers a `use` or `include` statement brings, in the order they are defined. */
export function layersOf(s: Extract<Statement, { kind: 'use' | 'include' }>, chain: readonly string[] = []): LayerDef[] {
  let path: string;
  let shown: string;
  if (s.kind === 'use') {
    const file = LIBRARIES.get(s.name);
    if (!file) throw new SpecError('unknown-name', `unknown library ${s.name} (known: ${[...LIBRARIES.keys()].join(', ')}); include "file.layer" reads a file`, s.span);
    path = join(libraryDir(), file);
    shown = `lib/${file}`;
  } else {
    path = resolve(dirname(s.span.file), s.path);
    shown = s.path;
    if (!existsSync(path)) throw new SpecError('unknown-name', `include: no file ${s.path} (looked for ${path})`, s.span);
  }
  if (chain.includes(path)) throw new SpecError('duplicate', `include cycle: ${shown} includes itself`, s.span);
  const known = parsed.get(path);
  if (known) return known;
  const file = s.kind === 'use' ? shown : relativeName(s.span.file, s.path);
  const spec = parseSpec(file, readFileSync(path, 'utf8'));
  const layers: LayerDef[] = [];
  for (const t of spec.statements) {
    if (t.kind === 'layer') layers.push(t.def);
    else if (t.kind === 'use' || t.kind === 'include') layers.push(...layersOf(t, [...chain, path]));
    else throw new SpecError('syntax', `${shown} is included for its layers, so it may only hold def … end, use and include lines`, t.span);
  }
  parsed.set(path, layers);
  return layers;
}

/** An included file's name as errors show it: relative to the including file's folder. */
const relativeName = (from: string, path: string): string => join(dirname(from), path);
