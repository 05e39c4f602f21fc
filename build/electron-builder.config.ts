/**
 * Packaging (`npm run dist`, needs internet to fetch the Electron binary;
 * `npm run dist:check` packs offline with a stand-in and checks the tree).
 * Fuses harden the shipped binary: no ELECTRON_RUN_AS_NODE, no NODE_OPTIONS,
 * no --inspect, app code only from the integrity-checked asar, cookies
 * encrypted.
 */
import type { Configuration } from 'electron-builder';

export const fuses = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  loadBrowserProcessSpecificV8Snapshot: false,
  grantFileProtocolExtraPrivileges: false,
} as const;

const config: Configuration = {
  appId: 'fr.cabinet.desktop',
  productName: 'Cabinet',
  copyright: 'Cabinet',
  directories: { output: 'dist/installers', buildResources: 'build/resources' },
  // Worker threads are plain .mjs files started from the application root (electron/platform/paths.ts workerFile()).
  // reference-data/: the schemas and value sets read at run time (electron/platform/reference-data.ts).
  // The main and preload are bundles: node_modules holds only what they leave external (build/bundle.ts) and what
  // the workers import. sandboxes/ (the stand-ins, the test PKI, the mail test operator) is not listed: it never ships (`npm run dist:check` checks all this).
  files: [
    'dist/electron/**',
    'dist/renderer/**',
    'electron/**/*-worker.mjs',
    'reference-data/**',
    'package.json',
    '!**/*.map',
    '!node_modules/**',
    'node_modules/{better-sqlite3-multiple-ciphers,libxml2-wasm,pkcs11js,@napi-rs/keyring,@napi-rs/keyring-*}/**',
  ],
  extraMetadata: { main: 'dist/electron/main.cjs' },
  asar: true,
  // Native modules ship N-API prebuilds that load in Electron without a rebuild.
  // A worker cannot start from inside the asar: the workers and what they import are unpacked.
  // reference-data/ too: libxml2 reads the schemas and their includes from the file system, in a worker.
  asarUnpack: [
    '**/node_modules/better-sqlite3-multiple-ciphers/**',
    '**/node_modules/@napi-rs/keyring*/**',
    'electron/**/*-worker.mjs',
    '**/node_modules/libxml2-wasm/**',
    'reference-data/**',
  ],
  npmRebuild: false,
  electronFuses: fuses,
  win: { target: ['nsis', 'msi'] },
  // Per-machine installs (Program Files, admin rights): what a practice's IT or a GPO deploys.
  nsis: { oneClick: false, perMachine: true, allowToChangeInstallationDirectory: true, language: '1036' },
  msi: { perMachine: true },
  mac: { target: ['dmg'], category: 'public.app-category.medical', hardenedRuntime: true },
  linux: { target: ['AppImage', 'deb'], category: 'Office', maintainer: 'Cabinet' },
};

export default config;
