/** Issue 15's CLI: `cabinet envois a-remettre`, `cabinet envois marquer`, `cabinet outbox drain`, `cabinet patient fiche` — exit codes and JSON. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OsKeychain, KEYCHAIN_SERVICE } from '../../electron/platform/keychain/keychain.js';
import { STORE_ID_FILE } from '../../electron/platform/store/database.js';
import { tempDir } from '../support/fixtures.js';

const bin = path.resolve('electron', 'cli', 'cabinet.mjs');
const dataDir = tempDir('cabinet-degrade-cli-');

function cabinet(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, CABINET_DATA_DIR: dataDir, CABINET_ENV: 'sandbox', CABINET_PIN: '' },
  });
  return {
    ...result,
    json: () => JSON.parse(result.stdout) as { ok: boolean; value?: Record<string, unknown>; code?: string; message?: string },
  };
}

afterAll(() => {
  const idFile = path.join(dataDir, STORE_ID_FILE);
  if (fs.existsSync(idFile)) new OsKeychain(KEYCHAIN_SERVICE).delete(`base-locale:${fs.readFileSync(idFile, 'utf8').trim()}`);
});

describe('degraded-mode CLI', () => {
  it('envois a-remettre: an empty list, exit 0, JSON with the delay', () => {
    const run = cabinet(['envois', 'a-remettre', '--json']);
    expect(run.status).toBe(0);
    expect(run.json()).toEqual({ ok: true, value: { items: [], delayHours: 72 } });
  }, 60_000);

  it('envois marquer and outbox drain need a practitioner; a bad --remis or --timeout is refused in French', () => {
    const mark = cabinet(['envois', 'marquer', 'mss:<x@y>', '--remis', 'main-propre', '--json']);
    expect(mark.status).toBe(1);
    expect(mark.json()).toMatchObject({ ok: false, code: 'INVALID_REQUEST', message: 'Indiquez --p12 <fichier> ou --pkcs11 <module>.' });
    const how = cabinet(['envois', 'marquer', 'mss:<x@y>', '--remis', 'pigeon']);
    expect(how.status).not.toBe(0);
    const drain = cabinet(['outbox', 'drain', '--timeout', 'abc', '--json']);
    expect(drain.status).toBe(1);
    expect(drain.json()).toMatchObject({ ok: false, code: 'INVALID_REQUEST', message: expect.stringContaining('--timeout') });
  }, 120_000);

  it('patient fiche: an unknown INS is said plainly', () => {
    const run = cabinet(['patient', 'fiche', '--ins', '279035121518989', '--out', path.join(dataDir, 'fiche.pdf'), '--json']);
    expect(run.status).toBe(1);
    expect(run.json()).toMatchObject({ ok: false, code: 'NOT_FOUND', message: expect.stringContaining('Aucun patient de ce poste') });
  }, 60_000);
});
