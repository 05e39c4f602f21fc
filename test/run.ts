/**
 * `npm test`: every suite — unit and integration (Vitest), end-to-end
 * (Playwright + Chromium) — then one line `N passed, N failed` over all.
 *
 * On Linux the suites run in a private D-Bus session with a fresh, unlocked
 * GNOME Keyring, so the keychain tests use a real Secret Service and never
 * touch the developer's own keyring.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateKeyring } from './support/keyring-session.js';
import { e2eProjects } from './e2e/playwright.config.js';

const root = path.resolve(import.meta.dirname, '..');
const results = path.join(root, 'test-results');
await ensurePrivateKeyring(root);

interface SuiteResult {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  ran: boolean;
}

fs.mkdirSync(results, { recursive: true });
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
const run = (command: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(command, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

const suites: SuiteResult[] = [];

// Unit + integration.
const unitJson = path.join(results, 'vitest.json');
fs.rmSync(unitJson, { force: true });
const unit = run(bin('vitest'), [
  'run',
  '-c',
  'test/vitest.config.ts',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${unitJson}`,
]);
const vitest = readJson<{ numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number }>(unitJson);
suites.push({
  name: 'unitaires et intégration',
  passed: vitest?.numPassedTests ?? 0,
  failed: vitest ? vitest.numFailedTests + (unit.status !== 0 && vitest.numFailedTests === 0 ? 1 : 0) : 1,
  skipped: (vitest?.numPendingTests ?? 0) + (vitest?.numTodoTests ?? 0),
  ran: vitest !== null,
});

// End-to-end: build once, then Playwright drives Chromium against the browser host.
const build = run('npm', ['run', '--silent', 'build']);
if (build.status !== 0) {
  suites.push({ name: 'bout en bout', passed: 0, failed: 1, skipped: 0, ran: false });
} else {
  // Once per browser time zone (Europe/Paris, UTC), each with its own host and sandboxes (playwright.config.ts).
  for (const { name: project, timezoneId } of e2eProjects) {
    const e2eJson = path.join(results, `playwright-${project}.json`);
    fs.rmSync(e2eJson, { force: true });
    const e2e = run(bin('playwright'), ['test', '-c', 'test/e2e/playwright.config.ts', `--project=${project}`], {
      PLAYWRIGHT_JSON_OUTPUT_NAME: e2eJson,
    });
    const pw = readJson<{ stats: { expected: number; unexpected: number; flaky: number; skipped: number } }>(e2eJson);
    suites.push({
      name: `bout en bout (navigateur en ${timezoneId})`,
      passed: pw ? pw.stats.expected + pw.stats.flaky : 0,
      failed: pw ? pw.stats.unexpected + (e2e.status !== 0 && pw.stats.unexpected === 0 ? 1 : 0) : 1,
      skipped: pw?.stats.skipped ?? 0,
      ran: pw !== null,
    });
  }
}

const total = suites.reduce(
  (sum, s) => ({ passed: sum.passed + s.passed, failed: sum.failed + s.failed, skipped: sum.skipped + s.skipped }),
  { passed: 0, failed: 0, skipped: 0 },
);
console.log('');
for (const s of suites)
  console.log(
    `  ${s.name} : ${s.passed} réussi(s), ${s.failed} en échec${s.skipped ? `, ${s.skipped} ignoré(s)` : ''}${s.ran ? '' : ' (la suite n’a pas pu s’exécuter)'}`,
  );
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(total.failed === 0 && total.passed > 0 ? 0 : 1);
