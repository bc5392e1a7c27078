// What the engine reads besides the user's text: its grammars, its standard library,
// KaTeX's stylesheet, and (here, in Node) the files a spec includes. This is the Node
// version, over the file system. The browser build swaps in web/files.ts, which has
// the same exports with the texts bundled by Vite and no file system (web/vite.config.ts
// names this file); keep the two in step.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root: the folder above this module (src/ or dist/src/) that holds grammar/. */
function root(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'grammar', 'layer.ohm'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('grammar/layer.ohm not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** grammar/<name>. */
export function grammarText(name: 'layer.ohm' | 'tex.ohm'): string {
  return readFileSync(join(root(), 'grammar', name), 'utf8');
}

/** lib/<file> (the libraries `use` knows). */
export function libraryText(file: string): string {
  return readFileSync(join(root(), 'lib', file), 'utf8');
}

/** Where `include "path"` in `fromFile` points: a key (the resolved path), and whether it exists. */
export function resolveInclude(fromFile: string, path: string): { readonly key: string; readonly exists: boolean } {
  const key = resolve(dirname(fromFile), path);
  // only .layer files, regular and small: `include "/etc/passwd"` would print the file in
  // the parse error, and /dev/zero or a FIFO would never end (found by the security review)
  let ok = false;
  try {
    const st = statSync(key);
    ok = key.endsWith('.layer') && st.isFile() && st.size <= MAX_INCLUDE_BYTES;
  } catch {
    ok = false;
  }
  return { key, exists: ok };
}

/** Bytes an included file may have. */
export const MAX_INCLUDE_BYTES = 1_000_000;

export function includedText(key: string): string {
  return readFileSync(key, 'utf8');
}

/** An included file's name as errors show it: relative to the including file's folder. */
export const includeName = (fromFile: string, path: string): string => (isAbsolute(path) ? path : join(dirname(fromFile), path));

/**
 * KaTeX's stylesheet with its fonts inlined as woff2 data URIs (about 400 kB), so a
 * report is one file that renders offline, from file:// as well.
 */
export function katexStylesheet(): string {
  const require = createRequire(import.meta.url);
  const cssPath = require.resolve('katex/dist/katex.min.css');
  const css = readFileSync(cssPath, 'utf8');
  const fonts = join(dirname(cssPath), 'fonts');
  return css.replace(/src:([^;}]*)/g, (_m, list: string) => {
    const woff2 = /url\(fonts\/([^)]+\.woff2)\)/.exec(list)?.[1];
    if (!woff2) return `src:${list}`;
    const data = readFileSync(join(fonts, woff2)).toString('base64');
    return `src:url(data:font/woff2;base64,${data}) format("woff2")`;
  });
}
