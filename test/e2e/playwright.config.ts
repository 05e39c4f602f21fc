import path from 'node:path';
import { defineConfig } from '@playwright/test';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Debian's Chromium (Playwright cannot download its own browser here); flags from ../shared/feasibility.md. */
export const chromiumPath = process.env.CABINET_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The suite runs with the browser in the practice's zone and in UTC: what the
 * screens call « today » must not depend on the browser's zone (README,
 * Configuration). Each project needs its own host and sandboxes (the specs
 * change their state): run one project per invocation, `--project=paris` or
 * `--project=utc` — `npm test` (test/run.ts) runs both, one after the other.
 */
export const e2eProjects = [
  { name: 'paris', timezoneId: 'Europe/Paris' },
  { name: 'utc', timezoneId: 'UTC' },
] as const;

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: path.join(root, 'test-results', 'e2e-artifacts'),
  globalSetup: './global-setup.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 30_000,
  reporter: [['list'], ['json']],
  use: {
    viewport: { width: 1280, height: 800 },
    // No `locale` here: Playwright's locale override leaves Chromium's date fields in mm/dd/yyyy.
    // The browser's own language (LANG below, with Debian's chromium-l10n) gives jj/mm/aaaa and fr-FR.
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromiumPath,
      env: { ...process.env, LANG: 'fr_FR.UTF-8', LANGUAGE: 'fr_FR:fr' },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  projects: e2eProjects.map(({ name, timezoneId }) => ({ name, use: { timezoneId } })),
});
