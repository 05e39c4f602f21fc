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
  it('doctor --json runs the Diagnostic’s checks and exits 0 on a healthy post', () => {
    const dataDir = tempDir();
    expect(cabinet(['pki', 'init', path.join(dataDir, 'pki-test')], {}, dataDir).status).toBe(0);
    const run = cabinet(['doctor', '--json'], {}, dataDir);
    expect(run.status, run.stderr).toBe(0);
    const out = run.json() as {
      ok: boolean;
      value: { overall: string; personal: boolean; text: string; checks: { id: string; area: string; verdict: string; action: string }[] };
    };
    expect(out.ok).toBe(true);
    const ids = out.value.checks.map((c) => c.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'poste.config',
        'poste.node',
        'carte.module',
        'certificats.crl',
        'certificats.praticien',
        'poste.trousseau',
        'poste.base',
        'poste.journal',
        'poste.disque',
        'poste.envois',
        'service.insi',
        'service.dmp',
        'service.psc',
        'horloge.insi',
      ]),
    );
    expect(out.value.checks.find((c) => c.id === 'poste.base')?.verdict).toBe('ok');
    expect(out.value.checks.find((c) => c.id === 'certificats.crl')?.verdict).toBe('ok');
    // No session in the CLI: nothing personal.
    expect(out.value.personal).toBe(false);
    expect(out.value.checks.find((c) => c.id === 'certificats.praticien')?.verdict).toBe('non-applicable');
    expect(out.value.checks.every((c) => c.verdict !== 'echec')).toBe(true);
    expect(out.value.text).toMatch(/^Rapport de diagnostic Cabinet/);
  });

  it('doctor exits 1, in French, when a check fails (no trust folder: no card login possible)', () => {
    const run = cabinet(['doctor', '--json']);
    expect(run.status).toBe(1);
    const out = run.json() as { ok: boolean; code: string; details: { checks: { id: string; verdict: string; action: string }[] } };
    expect(out).toMatchObject({ ok: false, code: 'CHECK_FAILED' });
    expect(out.details.checks.find((c) => c.id === 'certificats.crl')).toMatchObject({
      verdict: 'echec',
      action: expect.stringContaining('dossier de confiance'),
    });
    const human = cabinet(['doctor'], {}, run.dataDir);
    expect(human.status).toBe(1);
    expect(human.stdout).toContain('[Échec] Listes de révocation (CRL) de l’IGC-Santé');
    expect(human.stdout).toContain('À faire :');
  });

  it('config show --json gives each value and its source, secrets masked', () => {
    const run = cabinet(['config', 'show', '--json'], {
      CABINET_DMP_URL: 'https://dmp.exemple.fr/si-dmp',
      CABINET_ANNUAIRE_API_KEY: 'cle-tres-secrete',
    });
    expect(run.status, run.stderr).toBe(0);
    const out = run.json() as { ok: boolean; value: { entries: { key: string; value: unknown; source: string; variable?: string }[] } };
    const by = (key: string) => out.value.entries.find((e) => e.key === key);
    expect(by('env')).toMatchObject({ value: 'sandbox', source: 'variable', variable: 'CABINET_ENV' });
    expect(by('endpoints.dmp')).toMatchObject({ value: 'https://dmp.exemple.fr/si-dmp', source: 'variable', variable: 'CABINET_DMP_URL' });
    expect(by('endpoints.insi')).toMatchObject({ source: 'defaut' });
    expect(by('session.inactivityMinutes')).toMatchObject({ value: 15, source: 'defaut' });
    expect(by('CABINET_ANNUAIRE_API_KEY')).toMatchObject({ value: '[masqué]', source: 'variable' });
    expect(run.stdout).not.toContain('cle-tres-secrete');
    const human = cabinet(['config', 'show'], {}, run.dataDir);
    expect(human.stdout).toMatch(/env\s+sandbox {2}\[environnement : CABINET_ENV\]/);
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
