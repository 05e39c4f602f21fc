import { describe, expect, it } from 'vitest';
import config from './electron-builder.config.js';
import {
  externalRequires,
  fuseProblems,
  isTestOnlySource,
  leavesApp,
  packageClosure,
  runtimeReferences,
  staticImports,
} from './packaged-layout.js';

describe('packaged layout rules (npm run dist:check)', () => {
  it('reads the files a bundle loads from its path literals', () => {
    const bundle = [
      'function workerFile(...segments) { return path.join(appRoot(), ...segments); }',
      'const w = workerFile("electron", "dmp", "cache-write-worker.mjs");',
      'const x = workerFile2( "electron","platform","xml","xsd-worker.mjs" );',
      'const DIR = import_node_path.default.resolve(appRoot(), "..", "shared", "reference", "cda");',
      'const R = import_node_path15.default.join(__dirname, "..", "renderer");',
      'const P = import_node_path15.default.join(__dirname, "preload.cjs");',
      'var REFERENCE_DATA_FOLDER = "reference-data";',
      'function referenceDataDir(...segments) {\n  return workerFile(REFERENCE_DATA_FOLDER, ...segments);\n}',
      'function cdaDir(...parts) { return referenceDataDir("cda", ...parts); }',
      'const C = referenceDataDir("cda"); const V = cdaDir("jdv", "JDV_J07.xml");',
    ].join('\n');
    expect(runtimeReferences(bundle)).toEqual({
      workers: [
        'electron/dmp/cache-write-worker.mjs',
        'electron/platform/xml/xsd-worker.mjs',
        'reference-data/cda',
        'reference-data/cda/jdv/JDV_J07.xml',
      ],
      appFiles: ['../shared/reference/cda'],
      besideBundle: ['../renderer', 'preload.cjs'],
    });
    expect(leavesApp('../shared/reference/cda')).toBe(true);
    expect(leavesApp('reference-data/cda')).toBe(false);
  });

  it('lists the packages a bundle requires, not Node built-ins nor electron', () => {
    expect(
      externalRequires(
        'require("node:fs"); require("fs"); require("electron"); require("pkcs11js"); require("@napi-rs/keyring"); require("./local")',
      ),
    ).toEqual(['@napi-rs/keyring', 'pkcs11js']);
  });

  it('reads a worker’s static imports', () => {
    const source =
      "import fs from 'node:fs';\nimport { a,\n  b } from '../x.mjs';\nexport { c } from 'libxml2-wasm';\nimport 'side-effect';\n// import nothing from 'comment'\n";
    expect(staticImports(source)).toEqual(['node:fs', '../x.mjs', 'libxml2-wasm', 'side-effect']);
  });

  it('tells test and sandbox code from the app’s', () => {
    for (const file of [
      'electron/ins/sandbox/server.ts',
      'sandboxes/dmp/server.ts',
      'sandboxes/pki/test-pki.ts',
      'sandboxes/mss-operator/processes.ts',
      '../sandboxes/insi/xml.ts',
      'electron/dmp/cda/fixtures.test-support.ts',
      'test/support/cli.ts',
      'electron/x.test.ts',
    ]) {
      expect(isTestOnlySource(file), file).toBe(true);
    }
    for (const file of [
      'electron/main.ts',
      'electron/identity/psc/provider.ts',
      'node_modules/imapflow/lib/imap-flow.js',
      'shared/contract/index.ts',
    ]) {
      expect(isTestOnlySource(file), file).toBe(false);
    }
  });

  it('finds each fuse that differs from the promise of docs/security.md', () => {
    expect(fuseProblems(config.electronFuses as Record<string, unknown>)).toEqual([]);
    expect(fuseProblems({ ...(config.electronFuses as Record<string, unknown>), runAsNode: true })).toEqual([
      'fuse runAsNode : attendu false, configuré true',
    ]);
    expect(fuseProblems(undefined)).toHaveLength(1);
  });

  it('follows dependencies and the installed optional ones', () => {
    const installed: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }> = {
      a: { dependencies: { b: '1' }, optionalDependencies: { 'a-linux': '1', 'a-win32': '1' } },
      b: { dependencies: { c: '1' } },
      'a-linux': {},
    };
    expect(packageClosure(['a'], (name) => installed[name] ?? null)).toEqual({ present: ['a', 'a-linux', 'b'], missing: ['c'] });
  });
});
