/**
 * `npm run dist:check` (after `npm run build`): packs the app for Linux with
 * electron-builder (`--linux dir`) and a stand-in Electron distribution made
 * here (no download; its `electron` is a stub never run, so the fuses cannot
 * be flipped — their configuration is checked instead), then checks the
 * unpacked tree against what the code loads at run time (build/packaged-layout.ts):
 * the bundles and the renderer, every worker and what it imports (unpacked),
 * every file read from the application root, the packages the bundles leave
 * external with their native binaries (unpacked), no test or sandbox code.
 * Prints the sizes. Exit 1 with the list of problems, in French.
 */
import asar from '@electron/asar';
import { build, Platform, type Configuration } from 'electron-builder';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  externalRequires,
  fuseProblems,
  isBuildOnly,
  isBuiltin,
  isTestOnlySource,
  leavesApp,
  packageClosure,
  packageName,
  runtimeReferences,
  staticImports,
  type PackageInfo,
} from './packaged-layout.js';

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const problems: string[] = [];
const problem = (text: string) => problems.push(text);

const configFile = path.join(root, 'dist', 'build', 'electron-builder.config.cjs');
const inputsFile = path.join(root, 'dist', 'build', 'electron-inputs.json');
if (!fs.existsSync(configFile) || !fs.existsSync(inputsFile)) {
  console.error('dist:check : lancez d’abord « npm run build ».');
  process.exit(1);
}
const config = (require(configFile) as { default: Configuration }).default;

// 1. The fuses as configured (they are applied to the real binary by `npm run dist`).
for (const text of fuseProblems(config.electronFuses as Record<string, unknown> | undefined)) problem(text);

// 2. Pack with a stand-in Electron: what electron-builder copies from a distribution folder.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-dist-check-'));
const standIn = path.join(work, 'electron-dist');
fs.mkdirSync(path.join(standIn, 'resources'), { recursive: true });
fs.mkdirSync(path.join(standIn, 'locales'), { recursive: true });
fs.writeFileSync(
  path.join(standIn, 'electron'),
  '#!/bin/sh\necho "Electron de substitution (npm run dist:check) : ne se lance pas." >&2\nexit 1\n',
  { mode: 0o755 },
);
fs.writeFileSync(path.join(standIn, 'LICENSE'), 'Stand-in for the Electron distribution (npm run dist:check).\n');
fs.writeFileSync(path.join(standIn, 'version'), String((require('electron/package.json') as { version: string }).version));
fs.writeFileSync(path.join(standIn, 'locales', 'fr.pak'), '');

const started = Date.now();
await build({
  projectDir: root,
  targets: Platform.LINUX.createTarget('dir'),
  publish: 'never',
  config: {
    ...config,
    electronDist: standIn,
    electronFuses: undefined,
    npmRebuild: false,
    directories: { ...config.directories, output: path.join(work, 'out') },
  },
});
const packMs = Date.now() - started;
const appOut = path.join(work, 'out', 'linux-unpacked');
const resources = path.join(appOut, 'resources');
const asarFile = path.join(resources, 'app.asar');
const unpacked = path.join(resources, 'app.asar.unpacked');

// The archive's entries (files and folders), relative, with forward slashes.
// The archive's header also lists the unpacked files (flagged `unpacked`): those are counted with the unpacked folder.
const isUnpackedInHeader = (entry: string) => (asar.statFile(asarFile, entry, false) as { unpacked?: boolean }).unpacked === true;
const packedEntries = new Set(
  asar
    .listPackage(asarFile, { isPack: false })
    .map((entry) => entry.replaceAll('\\', '/').replace(/^\//, ''))
    .filter((entry) => !isUnpackedInHeader(entry)),
);
const unpackedEntries = new Set<string>();
const walk = (dir: string, prefix = ''): void => {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    unpackedEntries.add(relative);
    if (entry.isDirectory()) walk(path.join(dir, entry.name), relative);
  }
};
walk(unpacked);
const inApp = (relative: string) => packedEntries.has(relative) || unpackedEntries.has(relative);
const shipped = [...new Set([...packedEntries, ...unpackedEntries])];

// 3. The bundles and the renderer as built.
const builtFiles = (dir: string): string[] =>
  fs
    .readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith('.map'))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).replaceAll('\\', '/'));
for (const file of [...builtFiles('dist/electron'), ...builtFiles('dist/renderer'), 'package.json']) {
  if (!inApp(file)) problem(`${file} (construit) absent de l’application empaquetée`);
}
for (const map of shipped.filter((f) => f.endsWith('.map') && !f.startsWith('node_modules/')))
  problem(`carte de source empaquetée : ${map}`);

// 4. What the bundles load at run time, read from their code.
const readPackage = (name: string, base: string): PackageInfo | null => {
  const file = path.join(base, 'node_modules', name, 'package.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as PackageInfo) : null;
};
const needPackages = new Set<string>();
for (const bundleName of ['dist/electron/main.cjs', 'dist/electron/preload.cjs']) {
  const code = fs.readFileSync(path.join(root, bundleName), 'utf8');
  const refs = runtimeReferences(code);
  for (const relative of refs.besideBundle) {
    const target = path.posix.join(path.posix.dirname(bundleName), relative);
    if (target === '.') continue; // the application root itself (appRoot())
    if (leavesApp(target)) problem(`${bundleName} lit ${relative} hors de l’application`);
    else if (!inApp(target)) problem(`${bundleName} lit ${target}, absent de l’application empaquetée`);
  }
  for (const relative of refs.appFiles) {
    if (leavesApp(relative)) problem(`${bundleName} lit ${relative} (appRoot) : hors de l’application, introuvable une fois installée`);
    else if (!inApp(relative)) problem(`${bundleName} lit ${relative} (appRoot), absent de l’application empaquetée`);
  }
  // Workers start from real files: each, and what it imports, must be unpacked (so must what workerFile() locates).
  const seen = new Set<string>();
  const queue = [...refs.workers];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!unpackedEntries.has(file)) {
      problem(`${file} (chemin de workerFile(), ou module importé par un worker) absent de app.asar.unpacked`);
      continue;
    }
    if (!/\.[cm]?js$/.test(file)) continue; // data read through workerFile() (e.g. reference data): present is enough
    for (const specifier of staticImports(fs.readFileSync(path.join(unpacked, file), 'utf8'))) {
      if (isBuiltin(specifier)) continue;
      if (specifier.startsWith('.')) queue.push(path.posix.join(path.posix.dirname(file), specifier));
      else {
        const name = packageName(specifier);
        const { present, missing } = packageClosure([name], (n) => readPackage(n, unpacked), isBuildOnly);
        for (const m of missing) problem(`le paquet ${m} (importé par ${file}) est absent de app.asar.unpacked/node_modules`);
        for (const p of present) needPackages.add(p);
      }
    }
  }
  // Packages left external by the bundler (native modules): from the asar or unpacked, with their dependencies.
  for (const name of externalRequires(code)) {
    if (!readPackage(name, root)) continue; // optional (ws's bufferutil, utf-8-validate): required in a try/catch, not installed
    const { present, missing } = packageClosure([name], (n) => readPackage(n, root), isBuildOnly);
    for (const m of missing) problem(`le paquet ${m} (requis par ${name}) n’est pas installé`);
    for (const p of present) {
      needPackages.add(p);
      if (!inApp(`node_modules/${p}/package.json`))
        problem(`le paquet ${p} (requis par ${bundleName}) est absent de l’application empaquetée`);
    }
  }
}

// 5. Native binaries: every .node file of a needed package is shipped, unpacked (a .node cannot load from the asar).
for (const name of needPackages) {
  const dir = path.join(root, 'node_modules', name);
  // obj.target/: node-gyp's intermediate copy, not loaded.
  const natives = fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.node') && !e.parentPath.includes('obj.target'));
  for (const native of natives) {
    const relative = path.relative(root, path.join(native.parentPath, native.name)).replaceAll('\\', '/');
    if (!unpackedEntries.has(relative)) problem(`binaire natif ${relative} absent de app.asar.unpacked`);
  }
}
for (const entry of packedEntries)
  if (entry.endsWith('.node')) problem(`binaire natif ${entry} dans l’archive (doit être hors de app.asar)`);

// 6. Nothing of the tests or the sandboxes: not in the bundles' sources, not as files.
const inputs = JSON.parse(fs.readFileSync(inputsFile, 'utf8')) as string[];
for (const input of inputs.filter((f) => !f.includes('node_modules/') && isTestOnlySource(f)))
  problem(`code de test ou de bac à sable dans les bundles : ${input}`);
for (const entry of shipped.filter((f) => !f.startsWith('node_modules/') && isTestOnlySource(f)))
  problem(`fichier de test ou de bac à sable empaqueté : ${entry}`);
const shippedPackages = new Set(
  shipped
    .filter((f) => /^node_modules\/(@[^/]+\/)?[^/@]+\/package\.json$/.test(f))
    .map((f) => f.slice('node_modules/'.length, -'/package.json'.length)),
);
const extra = [...shippedPackages].filter((p) => !needPackages.has(p)).sort();
if (extra.length > 0) problem(`paquets empaquetés que rien ne charge : ${extra.join(', ')}`);

// 7. Sizes.
const size = (file: string): number => {
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.size;
  return fs.readdirSync(file).reduce((sum, name) => sum + size(path.join(file, name)), 0);
};
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} Mo`;
console.log(
  `dist:check : empaquetage ${packMs} ms — app.asar ${mb(size(asarFile))} (${packedEntries.size} entrées), app.asar.unpacked ${mb(size(unpacked))} (${unpackedEntries.size} entrées), sans le binaire Electron`,
);
console.log(`dist:check : paquets livrés : ${[...shippedPackages].sort().join(', ')}`);
fs.rmSync(work, { recursive: true, force: true });

if (problems.length > 0) {
  console.error(`dist:check : ${problems.length} problème(s) :\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('dist:check : OK');
