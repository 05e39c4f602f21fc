/**
 * A level-1 CDA for a patient identified through INSi, as the services do it:
 * the test PKI's GP logged in with her .p12, the INSi sandbox over mutual
 * TLS, the encrypted store and the RNIV status machine (the INS goes into a
 * CDA only once the identity is qualified), the builder and the self-check
 * against the official XSD and the structuration-minimale value sets; then
 * `cabinet cda build` in its own process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../electron/app/services.js';
import { createCheckedCda } from '../../electron/dmp/cda/document.js';
import { CdaSelfCheck } from '../../electron/dmp/cda/self-check.js';
import { createTestPki, identity, pkiPath, type PkiManifest } from '../../sandboxes/pki/test-pki.js';
import { startInsiSandbox, type InsiSandbox } from '../../sandboxes/insi/server.js';
import { KEYCHAIN_SERVICE, OsKeychain } from '../../electron/platform/keychain/keychain.js';
import { STORE_ID_FILE } from '../../electron/platform/store/database.js';
import type { Practitioner } from '../../shared/domain/practitioner.js';
import { envFor, tempDir, TestKeychain } from '../support/fixtures.js';
import { spawnCli } from '../support/cli.js';

let pki: PkiManifest;
let insi: InsiSandbox;
let services: Services;
let checker: CdaSelfCheck;
let practitioner: Practitioner;
let dataDir: string;
const keychain = new TestKeychain();
const pdf = Buffer.concat([
  Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n'),
  Buffer.alloc(64 * 1024, 0x20),
  Buffer.from('\n%%EOF\n'),
]);

beforeAll(async () => {
  dataDir = tempDir();
  pki = await createTestPki(path.join(dataDir, 'pki-test'));
  insi = await startInsiSandbox({ pki, port: 0, population: 1000 });
  services = await createServices({ host: 'navigateur', keychain, env: envFor(dataDir, { CABINET_INSI_URL: insi.url }) });
  services.settings.set('identity.specialite', 'SM26');
  services.settings.set('identity.structure', 'R99701');
  const martin = identity(pki, 'medecin-martin');
  const view = await services.identity.loginP12(path.basename(martin.p12!), fs.readFileSync(pkiPath(pki, martin.p12!)), martin.password!);
  practitioner = view.practitioner!;
  checker = new CdaSelfCheck();
}, 60_000);

afterAll(async () => {
  checker?.close();
  await services?.identity.logout();
  await services?.close();
  await insi?.close();
  keychain.cleanup();
});

const actor = '899701000012';

describe('a CDA for a patient identified with INSi', () => {
  it('is refused while the identity is only « récupérée », and built and conformant once qualified', async () => {
    expect(practitioner).toMatchObject({ idNatPs: '899701000012', professionCode: '10', specialtyCode: 'SM26', structureId: 'R99701' });
    const traits = { birthName: 'Adrtrois', firstNames: 'Dominique', sex: 'F' as const, birthDate: '1997-02-26' };
    const created = services.patients.create(traits, actor);
    const lookup = await services.patients.lookupTraits(traits, created.uid, actor);
    services.patients.acceptInsi(lookup.lookupId, created.uid, actor);
    const request = { uid: created.uid, actor, author: practitioner, pdf, type: '11488-4' as const, title: 'Consultation du 2 mars' };

    await expect(createCheckedCda(services.patients, checker, request)).rejects.toMatchObject({
      message: expect.stringMatching(/qualifiée/),
    });

    services.patients.recordDocument(created.uid, 'CNI', '2026-11-23', actor);
    const built = await createCheckedCda(services.patients, checker, request);
    expect(built.xml).toContain('<id root="1.2.250.1.213.1.4.8" extension="297022A02077878"/>');
    expect(built.xml).toContain('<family qualifier="BR">ADRTROIS</family><given>DOMINIQUE</given><given qualifier="BR">DOMINIQUE</given>');
    expect(built.xml).toContain('<county>2A020</county>');
    expect(built.xml).toContain('<id root="1.2.250.1.71.4.2.1" extension="899701000012"/>');
    expect(built.xml).toContain('<title>Consultation du 2 mars</title>');
    const body = new DOMParser().parseFromString(built.xml, 'text/xml').getElementsByTagNameNS('urn:hl7-org:v3', 'text')[0]!;
    expect(Buffer.from(body.textContent ?? '', 'base64').equals(pdf)).toBe(true);
    expect(await checker.check(built.xml)).toEqual({ ok: true });
  });

  it('is refused for a patient without an INS, and a non-conformant document is blocked with the reasons', async () => {
    const prov = services.patients.create({ birthName: 'Sansins', firstNames: 'Paul', sex: 'M', birthDate: '1980-01-01' }, actor);
    await expect(createCheckedCda(services.patients, checker, { uid: prov.uid, actor, author: practitioner, pdf })).rejects.toMatchObject({
      code: 'CONFLICT',
    });

    // A checker whose value sets lack J07 stands for a document the ANS rules refuse.
    const refusing = Object.create(checker) as CdaSelfCheck;
    refusing.check = async () => ({
      ok: false,
      problems: [
        {
          rule: 'd152e75-false-d2268e0',
          message: 'La valeur de @code doit appartenir au jeu de valeurs JDV_J07_XdsTypeCode_CISIS.',
          location: '/ClinicalDocument/code',
        },
      ],
    });
    const qual = services.patients.search('adrtrois', 5, actor)[0]!;
    await expect(createCheckedCda(services.patients, refusing, { uid: qual.uid, actor, author: practitioner, pdf })).rejects.toMatchObject({
      code: 'CHECK_FAILED',
      message: expect.stringMatching(/n’est pas conforme[\s\S]*JDV_J07[\s\S]*d152e75-false-d2268e0/),
      details: { problems: [expect.objectContaining({ rule: 'd152e75-false-d2268e0' })] },
    });
  });
});

describe('cabinet cda build', () => {
  const cliData = tempDir();
  afterAll(() => {
    const idFile = path.join(cliData, STORE_ID_FILE);
    if (fs.existsSync(idFile)) new OsKeychain(KEYCHAIN_SERVICE).delete(`base-locale:${fs.readFileSync(idFile, 'utf8').trim()}`);
  });
  const run = (script: string, args: string[]) =>
    spawnCli(
      args,
      {
        CABINET_DATA_DIR: cliData,
        CABINET_ENV: 'sandbox',
        CABINET_TRUST_DIR: pki.dir,
        CABINET_INSI_URL: insi.url,
        CABINET_PIN: identity(pki, 'medecin-martin').password!,
      },
      { script, tsx: true },
    );
  const cabinet = (args: string[]) => run('electron/cli/cabinet.mjs', args);
  const cda = (args: string[]) =>
    run('test/integration/children/cda-cli.ts', ['cda', 'build', '--p12', pkiPath(pki, identity(pki, 'medecin-martin').p12!), ...args]);

  it('refuses a « récupérée » identity, then writes a conformant CDA once qualified, and never overwrites', async () => {
    const pdfFile = path.join(cliData, 'cr.pdf');
    fs.writeFileSync(pdfFile, pdf);
    const out = path.join(cliData, 'cr.xml');
    expect(
      (
        await cabinet([
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
        ])
      ).status,
    ).toBe(0);

    const refused = await cda(['--ins', '297022A02077878', '--pdf', pdfFile, '--out', out, '--structure', 'R99701', '--json']);
    expect(refused.status, refused.stderr).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, message: expect.stringMatching(/qualifiée/) });
    expect(fs.existsSync(out)).toBe(false);

    expect(
      (await cabinet(['patient', 'piece', '--ins', '297022A02077878', '--type', 'CNI', '--date', '2026-11-20', '--json'])).status,
    ).toBe(0);
    const ok = await cda([
      '--ins',
      '297022A02077878',
      '--pdf',
      pdfFile,
      '--out',
      out,
      '--structure',
      'R99701',
      '--titre',
      'Consultation',
      '--json',
    ]);
    expect(ok.status, ok.stderr + ok.stdout).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      ok: true,
      value: { out, versionNumber: 1, type: { code: '11488-4' }, title: 'Consultation' },
    });
    expect(await checker.check(fs.readFileSync(out, 'utf8'))).toEqual({ ok: true });

    const again = await cda(['--ins', '297022A02077878', '--pdf', pdfFile, '--out', out, '--structure', 'R99701', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: false, code: 'CONFLICT', message: expect.stringContaining('existe déjà') });
    const notPdf = await cda([
      '--ins',
      '297022A02077878',
      '--pdf',
      path.join(cliData, STORE_ID_FILE),
      '--out',
      path.join(cliData, 'x.xml'),
      '--structure',
      'R99701',
      '--json',
    ]);
    expect(JSON.parse(notPdf.stdout)).toMatchObject({ ok: false, message: expect.stringContaining('n’est pas un PDF') });
  }, 90_000);
});
