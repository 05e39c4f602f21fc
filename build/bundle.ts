/**
 * `npm run build`: bundles the Electron main and preload, the browser host
 * (esbuild, CommonJS, native modules left external) and the renderer (Vite).
 * Output in dist/: electron/{main,preload}.cjs, node/host.cjs, renderer/,
 * build/electron-builder.config.cjs, and build/electron-inputs.json (the
 * source files inside the Electron bundles, read by `npm run dist:check`).
 */
import { build as esbuild, type BuildOptions } from 'esbuild';
import { build as vite } from 'vite';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const external = ['electron', 'better-sqlite3-multiple-ciphers', '@napi-rs/keyring', 'pkcs11js', 'bufferutil', 'utf-8-validate'];

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  sourcemap: 'linked',
  external,
  logLevel: 'warning',
  absWorkingDir: root,
  // CommonJS has no import.meta: modules locate files from the application root (electron/platform/paths.ts appRoot()).
  define: { 'import.meta.dirname': '__dirname' },
};

const started = Date.now();
const [electronBundle] = await Promise.all([
  esbuild({
    ...common,
    metafile: true,
    entryPoints: { main: 'electron/main.ts', preload: 'electron/preload.ts' },
    outdir: 'dist/electron',
    outExtension: { '.js': '.cjs' },
  }),
  esbuild({ ...common, entryPoints: { host: 'electron/host/main.ts' }, outdir: 'dist/node', outExtension: { '.js': '.cjs' } }),
  esbuild({
    ...common,
    sourcemap: false,
    entryPoints: { 'electron-builder.config': 'build/electron-builder.config.ts' },
    outdir: 'dist/build',
    outExtension: { '.js': '.cjs' },
  }),
  vite({ configFile: path.join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' }),
]);
// What went into the packaged app's bundles (not shipped: dist/build is outside electron-builder's `files`).
fs.writeFileSync(
  path.join(root, 'dist', 'build', 'electron-inputs.json'),
  `${JSON.stringify(Object.keys(electronBundle.metafile.inputs).sort(), null, 1)}\n`,
);
console.log(`build: ${Date.now() - started} ms`);
