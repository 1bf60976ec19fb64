import { svelte } from '@sveltejs/vite-plugin-svelte';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// The renderer: Svelte 5 (runes), built to dist/renderer with relative asset paths so the same
// build loads from Electron's reverie:// protocol and from browser mode's HTTP server.
export default defineConfig({
  root: here,
  base: './',
  plugins: [svelte({ compilerOptions: { runes: true } })],
  logLevel: 'warn',
  build: {
    outDir: path.resolve(here, '..', 'dist', 'renderer'),
    emptyOutDir: true,
    target: 'chrome130',
    // no inline polyfill script: the CSP allows scripts from our own origin only
    modulePreload: { polyfill: false },
    sourcemap: true,
    reportCompressedSize: false,
  },
  server: {
    fs: { allow: [path.resolve(here, '..')] },
  },
});
