/**
 * Build of the renderer (the French UI shell). Run from the repository root:
 *   npx vite build -c renderer/vite.config.ts
 * The output in dist/renderer must stay compatible with the strict CSP of
 * index.html: no inline script, no inline style, no remote resource.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  plugins: [react()],
  // pdf.js's worker (PdfViewer) is an ES module: bundled as one, served from 'self' like any script.
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    // The preload polyfill is an inline script: forbidden by the CSP.
    modulePreload: { polyfill: false },
    // Never turn small assets into data: URLs inside CSS/JS (keep files on 'self').
    assetsInlineLimit: 0,
    target: 'es2022',
  },
});
