/**
 * Launches the packaged app (CABINET_APP: the executable electron-builder
 * produced, e.g. dist/installers/linux-unpacked/cabinet), checks the login
 * screen is in French, quits. Runs in .github/workflows/installers.yml only,
 * on a `--dir` build whose only relaxed fuse is enableNodeCliInspectArguments:
 * Playwright's _electron attaches through the Node inspector.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';

test('the installed app opens on the French login screen, then quits', async () => {
  const executable = process.env.CABINET_APP;
  test.skip(!executable, 'CABINET_APP (the packaged executable) is not set: run from the installers workflow.');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-smoke-'));
  const app = await electron.launch({
    executablePath: executable as string,
    env: { ...process.env, CABINET_DATA_DIR: dataDir, LANG: 'fr_FR.UTF-8' },
  });
  try {
    const window = await app.firstWindow();
    await expect(window).toHaveTitle(/Cabinet/);
    await expect(window.getByRole('heading', { level: 1, name: 'Connexion' })).toBeVisible();
    await expect(window.locator('html')).toHaveAttribute('lang', 'fr');
    // The packaged layout (app.asar), not a development launch.
    expect(await app.evaluate(({ app: electronApp }) => electronApp.isPackaged)).toBe(true);
  } finally {
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
