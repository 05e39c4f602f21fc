/**
 * `cabinet patient piece` takes « today » from the practice's clock (the
 * `practice.timeZone` setting), whatever the process's TZ.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createServices } from '../app/services.js';
import { KEYCHAIN_SERVICE, OsKeychain } from '../platform/keychain/keychain.js';
import { STORE_ID_FILE } from '../platform/store/database.js';
import { envFor, tempDir } from '../../test/support/fixtures.js';
import { runCli } from '../../test/support/cli.js';
import { registerPatient } from './patient.js';

// 23:30 UTC on 7 December: 00:30 on the 8th in Paris, 12:30 on the 7th in Pago Pago (UTC-11), 13:30 on the 8th in Kiritimati (UTC+14).
const lateUtc = new Date('2026-12-07T23:30:00Z');
const INS = { matricule: '297022A020778', cle: '78', oid: '1.2.250.1.213.1.4.8' };
const saved = { env: { ...process.env }, tz: process.env.TZ };

async function patientWithIns(zone?: string) {
  const services = await createServices({ host: 'cli', env: process.env });
  try {
    if (zone) services.settings.set('practice.timeZone', zone);
    const created = services.patients.create({ birthName: 'Adrtrois', firstNames: 'Dominique', sex: 'F', birthDate: '1997-02-26' }, 'test');
    const row = services.patients.repo.search('', 10).find((r) => r.uid === created.uid)!;
    services.patients.repo.update(
      row,
      { ins_matricule: INS.matricule, ins_cle: INS.cle, ins_oid: INS.oid },
      { actor: 'test', reason: 'test' },
    );
  } finally {
    await services.close();
  }
}

/** A fresh data folder for each case (the CLI reads it from CABINET_DATA_DIR). */
const dataDirs: string[] = [];
function freshDataDir() {
  const dir = tempDir();
  dataDirs.push(dir);
  Object.assign(process.env, envFor(dir));
}

const piece = (date: string) =>
  runCli([registerPatient], ['patient', 'piece', '--ins', `${INS.matricule}${INS.cle}`, '--type', 'CNI', '--date', date, '--json']);

afterEach(async () => {
  vi.useRealTimers();
  if (saved.tz === undefined) delete process.env.TZ;
  else process.env.TZ = saved.tz;
});

afterAll(() => {
  for (const dataDir of dataDirs) {
    const idFile = path.join(dataDir, STORE_ID_FILE);
    if (fs.existsSync(idFile)) new OsKeychain(KEYCHAIN_SERVICE).delete(`base-locale:${fs.readFileSync(idFile, 'utf8').trim()}`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  for (const key of Object.keys(process.env)) if (!(key in saved.env)) delete process.env[key];
  Object.assign(process.env, saved.env);
});

describe('cabinet patient piece: the practice’s today, whatever TZ', () => {
  for (const tz of ['Pacific/Pago_Pago', 'UTC', 'Pacific/Kiritimati']) {
    it(`TZ=${tz} at 23:30 UTC: 8 December is today in Paris, the 9th is refused`, async () => {
      freshDataDir();
      await patientWithIns();
      process.env.TZ = tz;
      vi.useFakeTimers({ now: lateUtc, toFake: ['Date'] });
      const tomorrow = await piece('2026-12-09');
      expect(tomorrow.exitCode).not.toBe(0);
      expect(tomorrow.stdout + tomorrow.stderr).toMatch(/ne peut pas être dans le futur/);
      const today = await piece('2026-12-08');
      expect(today.stderr).toBe('');
      expect(today.exitCode).toBe(0);
      expect(JSON.parse(today.stdout)).toMatchObject({ ok: true, value: { status: 'VALI', document: { date: '2026-12-08' } } });
    });
  }

  it('follows the practice.timeZone setting: in Martinique the 8th is still tomorrow', async () => {
    freshDataDir();
    await patientWithIns('America/Martinique');
    process.env.TZ = 'Pacific/Kiritimati';
    vi.useFakeTimers({ now: lateUtc, toFake: ['Date'] });
    expect((await piece('2026-12-08')).exitCode).not.toBe(0);
    expect(JSON.parse((await piece('2026-12-07')).stdout)).toMatchObject({ ok: true, value: { status: 'VALI' } });
  });
});
