/**
 * The installed app's smoke test (.github/workflows/installers.yml, on hosted
 * runners with internet). Not run here: the Electron binary cannot be
 * downloaded on our build machines. CABINET_APP is the packaged executable.
 */
import path from 'node:path';
import { defineConfig } from '@playwright/test';

const root = path.resolve(import.meta.dirname, '..', '..');

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: path.join(root, 'test-results', 'electron-smoke'),
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: [['list']],
});
