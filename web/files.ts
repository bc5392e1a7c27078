// The browser's src/platform/files.ts (web/vite.config.ts swaps it in): the same
// exports, with the grammars, lib/ and the bundled derivations put into the bundle by
// Vite, and no file system. `include "x.layer"` finds the bundled derivations only.
import layerOhm from '../grammar/layer.ohm?raw';
import texOhm from '../grammar/tex.ohm?raw';
import std from '../lib/std.layer?raw';
import katexCss from 'katex/dist/katex.min.css?raw';

const LIBRARY: Readonly<Record<string, string>> = { 'std.layer': std };

/** The bundled derivations by their path from the project root (derivations/seed/…). */
const BUNDLED: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(import.meta.glob<string>('../derivations/**/*.layer', { query: '?raw', import: 'default', eager: true })).map(([k, v]) => [k.replace(/^\.\.\//, ''), v]),
);

export const bundledDerivations = (): Readonly<Record<string, string>> => BUNDLED;

export function grammarText(name: 'layer.ohm' | 'tex.ohm'): string {
  return name === 'layer.ohm' ? layerOhm : texOhm;
}

export function libraryText(file: string): string {
  const text = LIBRARY[file];
  if (text === undefined) throw new Error(`no library file ${file} in this build`);
  return text;
}

/** a/b/../c → a/c, without a file system. */
function normalise(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') out.pop();
    else if (part !== '.' && part !== '') out.push(part);
  }
  return out.join('/');
}

const folderOf = (file: string): string => (file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '');

export function resolveInclude(fromFile: string, path: string): { readonly key: string; readonly exists: boolean } {
  const key = normalise(`${folderOf(fromFile)}/${path}`);
  return { key, exists: key in BUNDLED };
}

export function includedText(key: string): string {
  const text = BUNDLED[key];
  if (text === undefined) throw new Error(`no bundled file ${key}`);
  return text;
}

export const includeName = (fromFile: string, path: string): string => normalise(`${folderOf(fromFile)}/${path}`);

// KaTeX's fonts as data URIs, loaded once (prepareStylesheet) before an HTML report is
// written, as the Node version inlines them from node_modules.
const FONTS = import.meta.glob<string>('../node_modules/katex/dist/fonts/*.woff2', { query: '?inline', import: 'default' });
let stylesheet: string | undefined;

export async function prepareStylesheet(): Promise<void> {
  if (stylesheet !== undefined) return;
  const data = new Map<string, string>();
  for (const [path, load] of Object.entries(FONTS)) data.set(path.slice(path.lastIndexOf('/') + 1), await load());
  stylesheet = katexCss.replace(/src:([^;}]*)/g, (_m, list: string) => {
    const woff2 = /url\(fonts\/([^)]+\.woff2)\)/.exec(list)?.[1];
    const uri = woff2 && data.get(woff2);
    return uri ? `src:url(${uri}) format("woff2")` : `src:${list}`;
  });
}

export function katexStylesheet(): string {
  if (stylesheet === undefined) throw new Error('prepareStylesheet() first');
  return stylesheet;
}
