// The playground's build: a static page (web/index.html) with the engine bundled into
// two Web Workers. The engine's one Node-only module, src/platform/files.ts (file reads),
// is swapped for web/files.ts, which has the same exports over texts Vite bundles.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const nodeFiles = resolve(here, '../src/platform/files.ts');

function browserFiles(): Plugin {
  return {
    name: 'gradproof-browser-files',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!source.endsWith('platform/files.js')) return null;
      const found = await this.resolve(source.replace(/\.js$/, '.ts'), importer, { ...options, skipSelf: true });
      return found && resolve(found.id) === nodeFiles ? resolve(here, 'files.ts') : null;
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [browserFiles()],
  worker: { format: 'es', plugins: () => [browserFiles()] },
  server: { host: '127.0.0.1', fs: { allow: [resolve(here, '..')] } },
  preview: { host: '127.0.0.1', port: 5173 },
  build: { outDir: resolve(here, '../web-dist'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8000 },
});
