/**
 * The built dist/electron/main.cjs sets every security option docs/security.md
 * promises (read from the bundle: Electron cannot run here). Builds the
 * bundle first when it is missing or older than electron/main.ts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtCsp, checkMainBundle } from './main-bundle-check.js';

const root = path.resolve(import.meta.dirname, '..');
const MAIN = path.join(root, 'dist/electron/main.cjs');
let bundle: string;

beforeAll(() => {
  const stale = !fs.existsSync(MAIN) || fs.statSync(MAIN).mtimeMs < fs.statSync(path.join(root, 'electron/main.ts')).mtimeMs;
  if (stale) {
    const build = spawnSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), path.join(root, 'build/bundle.ts')], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(build.status, build.stderr).toBe(0);
  }
  bundle = fs.readFileSync(MAIN, 'utf8');
}, 180_000);

describe('dist/electron/main.cjs', () => {
  it('keeps every security promise of docs/security.md', () => {
    expect(checkMainBundle(bundle)).toEqual([]);
    expect(builtCsp(bundle)).toMatch(/^default-src 'none'; script-src 'self'; style-src 'self';/);
  });

  it.each([
    ['sandbox: true,', 'sandbox: false,', 'webPreferences.sandbox n’est pas true'],
    ['contextIsolation: true,', 'contextIsolation: false,', 'webPreferences.contextIsolation n’est pas true'],
    ['nodeIntegration: false,', 'nodeIntegration: true,', '« nodeIntegration: true » présent dans le bundle'],
    ['webviewTag: false,', 'webviewTag: true,', 'webPreferences.webviewTag n’est pas false'],
    ['.app.enableSandbox();', '.app.getName();', 'app.enableSandbox() n’est pas appelé'],
    ['"script-src \'self\'",', "\"script-src 'self' 'unsafe-inline'\",", "la CSP autorise 'unsafe-inline'"],
    [
      'contents.on("will-navigate", (event) => event.preventDefault())',
      'contents.on("will-navigate", () => undefined)',
      'la navigation (will-navigate) n’est pas empêchée',
    ],
    ['return { action: "deny" }', 'return { action: "allow" }', 'setWindowOpenHandler ne refuse pas les nouvelles fenêtres'],
    [
      'setPermissionCheckHandler(() => false)',
      'setPermissionCheckHandler(() => true)',
      'les vérifications de permission ne sont pas refusées (setPermissionCheckHandler)',
    ],
    ['"Content-Security-Policy": CSP', '"X-Nothing": CSP', 'les réponses du protocole app:// n’ont pas d’en-tête Content-Security-Policy'],
  ])('notices when « %s » becomes « %s »', (from, to, problem) => {
    expect(bundle.includes(from)).toBe(true);
    expect(checkMainBundle(bundle.replace(from, to))).toContain(problem);
  });
});
