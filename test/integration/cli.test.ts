/** The `cabinet` command as administrators and scripts use it: exit codes and JSON. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OsKeychain, KEYCHAIN_SERVICE } from '../../electron/platform/keychain/keychain.js';
import { openStore, DB_FILE, STORE_ID_FILE } from '../../electron/platform/store/database.js';
import { tempDir } from '../support/fixtures.js';

const bin = path.resolve('electron', 'cli', 'cabinet.mjs');
const dirs: string[] = [];

function cabinet(args: string[], env: Record<string, string> = {}, dataDir = tempDir()) {
  dirs.push(dataDir);
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, CABINET_DATA_DIR: dataDir, CABINET_ENV: 'sandbox', ...env },
  });
  return { ...result, dataDir, json: () => JSON.parse(result.stdout) as Record<string, unknown> };
}

// The CLI uses the real "Cabinet" keychain service: remove the keys these runs created.
afterAll(() => {
  const keychain = new OsKeychain(KEYCHAIN_SERVICE);
  for (const dir of dirs) {
    const idFile = path.join(dir, STORE_ID_FILE);
    if (fs.existsSync(idFile)) keychain.delete(`base-locale:${fs.readFileSync(idFile, 'utf8').trim()}`);
  }
});

describe('cabinet CLI', () => {
  it('doctor --json reports every check and exits 0 on a healthy post', () => {
    const run = cabinet(['doctor', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const out = run.json() as { ok: boolean; value: { ok: boolean; checks: { id: string; status: string }[] } };
    expect(out.ok).toBe(true);
    const ids = out.value.checks.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['node', 'config', 'keychain', 'dataDir', 'database', 'audit', 'endpoint.insi', 'endpoint.dmp', 'endpoint.psc']));
    expect(out.value.checks.find((c) => c.id === 'database')?.status).toBe('ok');
    // No sandbox runs here: services are warnings, not failures.
    expect(out.value.checks.find((c) => c.id === 'endpoint.insi')?.status).toBe('avertissement');
  });

  it('audit verify exits 1 when the journal was tampered with', () => {
    const first = cabinet(['audit', 'verify', '--json']);
    expect(first.status).toBe(0);
    expect(first.json()).toMatchObject({ ok: true, value: { valid: true, count: 0 } });
    cabinet(['audit', 'verify'], {}, first.dataDir);

    const store = openStore({ dataDir: first.dataDir, keychain: new OsKeychain(KEYCHAIN_SERVICE) });
    store.db.exec("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'intrus' WHERE id = 1;");
    store.close();

    const tampered = cabinet(['audit', 'verify', '--json'], {}, first.dataDir);
    expect(tampered.status).toBe(1);
    expect(tampered.json()).toMatchObject({ ok: false, code: 'CHECK_FAILED', message: expect.stringContaining('altéré à l’entrée #1') });
  });

  it('exits 2 with a French message on a usage error', () => {
    const run = cabinet(['inconnue']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/commande inconnue/i);
  });

  it('refuses to run with an invalid configuration, in French', () => {
    const run = cabinet(['audit', 'verify', '--json'], { CABINET_ENV: 'prod' });
    expect(run.status).toBe(1);
    expect(run.json()).toMatchObject({ ok: false, code: 'CONFIG_INVALID', message: expect.stringContaining('CABINET_ENV') });
  });

  it.runIf(process.platform === 'linux')('refuses to start without a keychain and writes no database', () => {
    const run = cabinet(['audit', 'verify', '--json'], { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
    expect(run.status).toBe(1);
    expect(run.json()).toMatchObject({ ok: false, code: 'KEYCHAIN_UNAVAILABLE', message: expect.stringContaining('trousseau') });
    expect(fs.existsSync(path.join(run.dataDir, DB_FILE))).toBe(false);
  });
});
