/**
 * Identifying a patient through the services, as the screen does: INSi
 * sandbox over mutual TLS with the test PKI's INSI-MANU certificate, the
 * encrypted store, the RNIV status machine, the audit log, the CLI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../electron/app/services.js';
import { createTestPki, type PkiManifest } from '../../sandboxes/pki/test-pki.js';
import { SANDBOX_IDAM } from '../../electron/ins/lookup.js';
import { SANDBOX_IDAM as SANDBOX_ACCEPTED_IDAM, startInsiSandbox, type InsiSandbox } from '../../sandboxes/insi/server.js';
import { KEYCHAIN_SERVICE, OsKeychain } from '../../electron/platform/keychain/keychain.js';
import { STORE_ID_FILE } from '../../electron/platform/store/database.js';
import { envFor, tempDir, TestKeychain } from '../support/fixtures.js';
import { spawnCli } from '../support/cli.js';

let pki: PkiManifest;
let insi: InsiSandbox;
let services: Services;
let dataDir: string;
const keychain = new TestKeychain();

beforeAll(async () => {
  dataDir = tempDir();
  pki = await createTestPki(path.join(dataDir, 'pki-test'));
  insi = await startInsiSandbox({ pki, port: 0, population: 1000 });
  services = await createServices({ host: 'navigateur', keychain, env: envFor(dataDir, { CABINET_INSI_URL: insi.url }) });
}, 60_000);

afterAll(async () => {
  await services?.close();
  await insi?.close();
  keychain.cleanup();
});

const actor = '899701000012';
const adrtrois = { birthName: 'Adrtrois', firstNames: 'Dominique', sex: 'F' as const, birthDate: '1997-02-26' };

describe('identifying a patient with INSi (sandbox, INSI-MANU certificate)', () => {
  it('uses the authorisation number the sandbox accepts', () => {
    expect(SANDBOX_IDAM).toBe(SANDBOX_ACCEPTED_IDAM);
  });

  it('PROV → RECUP → QUAL, with the INS shared only once qualified', async () => {
    const created = services.patients.create(adrtrois, actor);
    expect(created).toMatchObject({ status: 'PROV', birthName: 'ADRTROIS', ins: null });

    const lookup = await services.patients.lookupTraits(adrtrois, created.uid, actor);
    expect(lookup).toMatchObject({
      cr: '00',
      individu: { ins: { matricule: '297022A020778', cle: '78', oid: '1.2.250.1.213.1.4.8' }, traits: { birthplace: '2A020' } },
    });
    expect(lookup.attempts).toEqual([{ prenom: 'DOMINIQUE', cr: '00' }]);

    const recup = services.patients.acceptInsi(lookup.lookupId, created.uid, actor);
    expect(recup).toMatchObject({
      status: 'RECUP',
      statusLabel: expect.stringMatching(/récupérée/i),
      ins: null,
      insLocal: { matricule: '297022A020778' },
    });
    expect(() => services.patients.shareableIns(created.uid)).toThrow(/qualifiée/);

    expect(() => services.patients.recordDocument(created.uid, 'VITALE', '2026-11-23', actor)).toThrow(/carte Vitale/);
    const qual = services.patients.recordDocument(created.uid, 'CNI', '2026-11-23', actor);
    expect(qual).toMatchObject({ status: 'QUAL', ins: { matricule: '297022A020778', cle: '78' }, document: { type: 'CN' } });
    expect(services.patients.shareableIns(created.uid)).toEqual({ matricule: '297022A020778', cle: '78', oid: '1.2.250.1.213.1.4.8' });
    expect(qual.history.map((h) => h.to)).toEqual(['PROV', 'RECUP', 'QUAL']);

    // The accepted result cannot be replayed, and the same INS cannot be attached to another patient.
    expect(() => services.patients.acceptInsi(lookup.lookupId, undefined, actor)).toThrow(/plus disponible/);
    const again = await services.patients.lookupTraits(adrtrois, undefined, actor);
    expect(() => services.patients.acceptInsi(again.lookupId, undefined, actor)).toThrow(/déjà cet INS/);

    const found = services.patients.search('adrtrois dom', 10, actor);
    expect(found.map((p) => p.uid)).toEqual([created.uid]);
    expect(services.patients.search('26/02/1997', 10, actor).map((p) => p.uid)).toContain(created.uid);
    const actions = services.audit.list(100).entries.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['patient.create', 'ins.lookup', 'patient.insi_accept', 'patient.document', 'patient.search']),
    );
  });

  it('tries each first name, then the whole list (TCHITCHI: OLA → 01, CATARINA → 00)', async () => {
    const lookup = await services.patients.lookupTraits(
      { birthName: 'TCHITCHI', firstNames: 'OLA CATARINA BELLA', sex: 'F', birthDate: '1936-06-21' },
      undefined,
      actor,
    );
    expect(lookup.cr).toBe('00');
    expect(lookup.attempts).toEqual([
      { prenom: 'OLA', cr: '01' },
      { prenom: 'CATARINA', cr: '00' },
    ]);
    expect(lookup.differences).toContain('firstNames');
  });

  it('reports CR 01 and CR 02 in French', async () => {
    expect(
      await services.patients.lookupTraits(
        { birthName: 'HOUILLES', firstNames: 'PIERRE PAUL JACQUES', sex: 'M', birthDate: '1993-01-27' },
        undefined,
        actor,
      ),
    ).toMatchObject({ cr: '01', individu: null });
    expect(
      await services.patients.lookupTraits(
        { birthName: 'DE VINCI', firstNames: 'LEONARDO', sex: 'M', birthDate: '2014-02-01' },
        undefined,
        actor,
      ),
    ).toMatchObject({ cr: '02', label: expect.stringMatching(/lieu de naissance/) });
  });

  it('refuses bad traits field by field, before calling INSi', async () => {
    await expect(
      services.patients.lookupTraits({ birthName: 'DUP0NT', firstNames: 'JEAN', sex: 'M', birthDate: '2090-01-01' }, undefined, actor),
    ).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      details: {
        errors: expect.arrayContaining([expect.objectContaining({ field: 'birthName' }), expect.objectContaining({ field: 'birthDate' })]),
      },
    });
  });

  it('re-verifies a stored INS and looks up a Vitale card', async () => {
    const lookup = await services.patients.lookupTraits(
      { birthName: 'NESSI', firstNames: 'MICHELANGELO', sex: 'M', birthDate: '2010-08-07' },
      undefined,
      actor,
    );
    const patient = services.patients.acceptInsi(lookup.lookupId, undefined, actor);
    const check = await services.patients.reverify(patient.uid, actor);
    expect(check).toMatchObject({ same: true, message: expect.stringContaining('confirmé') });

    const card = fs.readFileSync(path.resolve('sandboxes/insi/vitale/famille-martineau.json'));
    const vitale = await services.patients.lookupVitale(card, 0, actor);
    expect(vitale).toMatchObject({ cr: '00', individu: { ins: { matricule: '1840544109123', cle: '63' } } });
    await expect(services.patients.lookupVitale(Buffer.from('{"pas":"une carte"}'), 0, actor)).rejects.toMatchObject({
      message: expect.stringContaining('carte Vitale'),
    });
  });
});

describe('cabinet ins / patient CLI', () => {
  const cliData = tempDir();
  afterAll(() => {
    const idFile = path.join(cliData, STORE_ID_FILE);
    if (fs.existsSync(idFile)) new OsKeychain(KEYCHAIN_SERVICE).delete(`base-locale:${fs.readFileSync(idFile, 'utf8').trim()}`);
  });
  // Asynchronous: the INSi sandbox runs in this process and must keep answering while the CLI waits.
  const cli = (args: string[]) =>
    spawnCli(args, { CABINET_DATA_DIR: cliData, CABINET_ENV: 'sandbox', CABINET_TRUST_DIR: pki.dir, CABINET_INSI_URL: insi.url });

  it('check-key exits 0 only for a valid key (Corsica included)', async () => {
    expect((await cli(['ins', 'check-key', '297022A02077878'])).status).toBe(0);
    expect((await cli(['ins', 'check-key', '2 97 02 2A 020 778 78'])).status).toBe(0);
    const bad = await cli(['ins', 'check-key', '297022A02077877', '--json']);
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, message: expect.stringContaining('78') });
  });

  it('lookup --save stores the patient (RECUP), piece qualifies it, list shows it', async () => {
    const lookup = await cli([
      'ins',
      'lookup',
      '--nom',
      'ADRTROIS',
      '--prenoms',
      'DOMINIQUE',
      '--sexe',
      'F',
      '--naissance',
      '1997-02-26',
      '--save',
      '--json',
    ]);
    expect(lookup.status, lookup.stderr + lookup.stdout).toBe(0);
    expect(JSON.parse(lookup.stdout)).toMatchObject({ ok: true, value: { cr: '00', patient: { status: 'RECUP' } } });
    const piece = await cli(['patient', 'piece', '--ins', '297022A02077878', '--type', 'PASSEPORT', '--date', '2026-11-20', '--json']);
    expect(piece.status, piece.stderr).toBe(0);
    expect(JSON.parse(piece.stdout)).toMatchObject({ ok: true, value: { status: 'QUAL' } });
    const list = await cli(['patient', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toMatchObject({
      ok: true,
      value: { patients: [expect.objectContaining({ birthName: 'ADRTROIS', status: 'QUAL' })] },
    });
    const none = await cli([
      'ins',
      'lookup',
      '--nom',
      'TCHITCHI',
      '--prenoms',
      'OLA',
      '--sexe',
      'F',
      '--naissance',
      '1936-06-21',
      '--json',
    ]);
    expect(JSON.parse(none.stdout)).toMatchObject({ ok: true, value: { cr: '01' } });
    const vitale = await cli([
      'ins',
      'lookup',
      '--vitale',
      path.resolve('sandboxes/insi/vitale/famille-martineau.json'),
      '--beneficiaire',
      '1',
      '--json',
    ]);
    expect(JSON.parse(vitale.stdout)).toMatchObject({ ok: true, value: { cr: '00', individu: { ins: { matricule: '2860935238045' } } } });
  });
});
