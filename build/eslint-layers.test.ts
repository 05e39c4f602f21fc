/** The layers' lint rule (build/eslint-layers.ts): pure rules, then through `npm run lint`'s own configuration. */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { layerOf, layerViolation } from './eslint-layers.js';

const root = path.resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root, overrideConfigFile: path.join(root, 'build/eslint.config.ts') });

async function importErrors(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'cabinet/layers' || m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

describe('layers', () => {
  it('places every folder in its layer', () => {
    expect(layerOf('electron/platform/tls/client.ts')).toBe('platform');
    expect(layerOf('electron/dmp/wire/access.ts')).toBe('services');
    expect(layerOf('electron/app/services.ts')).toBe('app');
    expect(layerOf('electron/host/main.ts')).toBe('hosts');
    expect(layerOf('electron/cli/ins.ts')).toBe('hosts');
    expect(layerOf('electron/main.ts')).toBe('hosts');
    expect(layerOf('sandboxes/pki/test-pki.ts')).toBe('sandboxes');
    expect(layerOf('electron/app/access.test.ts')).toBe('tests');
    expect(layerOf('sandboxes/dmp/client.test-support.ts')).toBe('tests');
    expect(layerOf('renderer/data/useChannel.ts')).toBe('renderer');
  });

  it('lets each layer use the ones below it, never above', () => {
    expect(layerViolation('electron/dmp/service.ts', 'electron/platform/version.ts')).toBeNull();
    expect(layerViolation('electron/app/services.ts', 'electron/mss/service.ts')).toBeNull();
    expect(layerViolation('electron/host/main.ts', 'electron/app/services.ts')).toBeNull();
    expect(layerViolation('electron/platform/tls/client.ts', 'electron/identity/types.ts')).toMatch(/Couche platform/);
    expect(layerViolation('electron/ins/lookup.ts', 'electron/app/version.ts')).toMatch(/Couche services/);
    expect(layerViolation('electron/app/handlers.ts', 'electron/host/server.ts')).toMatch(/Couche app/);
    expect(layerViolation('shared/domain/x.ts', 'electron/platform/paths.ts')).toMatch(/Couche shared/);
    expect(layerViolation('electron/dmp/x.ts', 'renderer/data/useChannel.ts')).toMatch(/Couche services/);
  });

  it('keeps sandboxes/ out of the app, tests and the three launchers aside', () => {
    expect(layerViolation('electron/app/services.ts', 'sandboxes/mss-operator/local-servers.ts')).toMatch(/sandboxes\//);
    expect(layerViolation('electron/platform/x.ts', 'sandboxes/pki/test-pki.ts')).toMatch(/sandboxes\//);
    expect(layerViolation('electron/cli/ins.ts', 'sandboxes/insi/server.ts')).toMatch(/sandboxes\//);
    expect(layerViolation('electron/cli/sandbox.ts', 'sandboxes/insi/server.ts')).toBeNull();
    expect(layerViolation('electron/cli/pki.ts', 'sandboxes/pki/test-pki.ts')).toBeNull();
    expect(layerViolation('electron/host/sandbox-mode.ts', 'sandboxes/mss-operator/local-servers.ts')).toBeNull();
    expect(layerViolation('test/integration/ins.test.ts', 'sandboxes/insi/server.ts')).toBeNull();
    expect(layerViolation('sandboxes/dmp/server.ts', 'electron/dmp/wire/access.ts')).toBeNull();
    expect(layerViolation('sandboxes/dmp/server.ts', 'electron/app/services.ts')).toMatch(/Couche sandboxes/);
  });

  it('gives the renderer shared/contract and shared/domain only', () => {
    expect(layerViolation('renderer/screens/x/Y.tsx', 'shared/contract/index.ts')).toBeNull();
    expect(layerViolation('renderer/screens/x/Y.tsx', 'shared/domain/limits.ts')).toBeNull();
    expect(layerViolation('renderer/screens/x/Y.tsx', 'shared/other/z.ts')).toMatch(/contract\/ et domain\//);
    expect(layerViolation('renderer/screens/x/Y.tsx', 'electron/app/services.ts')).toMatch(/Couche renderer/);
    expect(layerViolation('renderer/screens/x/Y.tsx', 'sandboxes/pki/test-pki.ts')).toMatch(/sandboxes\//);
  });
});

describe('lint: the layers in npm run lint', () => {
  it('refuses an arrow up, at any depth', async () => {
    expect(
      await importErrors(
        "import { startHost } from '../../host/server.js';\nexport const s = startHost;\n",
        'electron/dmp/wire/nouveau.ts',
      ),
    ).toEqual([expect.stringMatching(/Couche services/)]);
    expect(
      await importErrors(
        "import { APP_NAME } from '../../../app/version.js';\nexport const n = APP_NAME;\n",
        'electron/platform/tls/deep/nouveau.ts',
      ),
    ).toEqual([expect.stringMatching(/Couche platform/)]);
    expect(
      await importErrors(
        "export { mailServersAvailable } from '../../sandboxes/mss-operator/local-servers.js';\n",
        'electron/app/nouveau.ts',
      ),
    ).toEqual([expect.stringMatching(/sandboxes\//)]);
    expect(await importErrors("export const load = () => import('../../sandboxes/insi/server.js');\n", 'electron/cli/nouveau.ts')).toEqual([
      expect.stringMatching(/sandboxes\//),
    ]);
  });

  it('refuses the renderer any way around the contract, three folders deep too', async () => {
    expect(
      await importErrors(
        "import { createServices } from '../../../electron/app/services.js';\nexport const c = createServices;\n",
        'renderer/screens/patient/Nouveau.tsx',
      ).then((e) => e.length),
    ).toBeGreaterThan(0);
    expect(
      await importErrors(
        "import { createTestPki } from '../../../../sandboxes/pki/test-pki.js';\nexport const c = createTestPki;\n",
        'renderer/screens/patient/deep/Nouveau.tsx',
      ).then((e) => e.length),
    ).toBeGreaterThan(0);
    expect(await importErrors("import fs from 'node:fs';\nexport const f = fs;\n", 'renderer/screens/patient/Nouveau.tsx')).toHaveLength(1);
  });

  it('keeps Node out of shared/', async () => {
    expect(await importErrors("import fs from 'node:fs';\nexport const f = fs;\n", 'shared/domain/nouveau.ts')).toHaveLength(1);
    expect(await importErrors("import path from 'path';\nexport const p = path;\n", 'shared/contract/nouveau.ts')).toHaveLength(1);
    expect(
      await importErrors(
        "import { z } from 'zod';\nimport { LIMITS } from '../limits.js';\nexport const s = [z, LIMITS];\n",
        'shared/domain/x/nouveau.ts',
      ),
    ).toEqual([]);
  });
});
