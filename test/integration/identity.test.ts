/**
 * Practitioner login end to end on real parts: the test IGC-Santé PKI,
 * .p12 files, a SoftHSM2 token standing for the CPS card, the real OS
 * keychain and encrypted store, mutual TLS, xmlsec1, and the Pro Santé
 * Connect sandbox for e-CPS.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../electron/app/services.js';
import { createTestPki, identity, pkiPath, type PkiManifest } from '../../sandboxes/pki/test-pki.js';
import { loadCardIntoSoftHsm, removeSoftHsmToken, type SoftHsmCard } from '../../sandboxes/pki/softhsm.js';
import { startPscSandbox } from '../../sandboxes/psc/server.js';
import { drMarieMartin } from '../../sandboxes/psc/practitioners.js';
import { tlsClientOptions } from '../../electron/platform/tls/client.js';
import { KEYCHAIN_SERVICE, OsKeychain } from '../../electron/platform/keychain/keychain.js';
import { STORE_ID_FILE } from '../../electron/platform/store/database.js';
import { envFor, tempDir, TestKeychain } from '../support/fixtures.js';
import { xmllintValidate, xmlsecVerify, writeVihfSchema } from '../support/xml-tools.js';

const SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so';
let pki: PkiManifest;
let card: SoftHsmCard;
let services: Services;
let psc: Awaited<ReturnType<typeof startPscSandbox>>;
const keychain = new TestKeychain();
const read = (relative: string) => fs.readFileSync(pkiPath(pki, relative));
const p12 = (id: string) => {
  const who = identity(pki, id);
  return { name: path.basename(who.p12!), content: read(who.p12!), password: who.password! };
};

beforeAll(async () => {
  const dataDir = tempDir();
  pki = await createTestPki(path.join(dataDir, 'pki-test'));
  // SoftHSM reads SOFTHSM2_CONF at C_Initialize: set it before any PKCS#11 use in this process.
  const softhsmDir = tempDir('cabinet-softhsm-');
  const martin = identity(pki, 'medecin-martin');
  card = await loadCardIntoSoftHsm({
    p12Path: pkiPath(pki, martin.p12!),
    password: martin.password!,
    pin: '1234',
    label: 'CPS MARTIN',
    softhsmConf: path.join(softhsmDir, 'softhsm2.conf'),
  });
  process.env.SOFTHSM2_CONF = card.conf;

  const server = identity(pki, 'serveur-psc');
  psc = await startPscSandbox({
    certPem: `${read(server.certPem!).toString()}${read(server.chainPem!).toString()}`,
    keyPem: read(server.keyPem!).toString(),
    port: 0,
    autoApproveAfterMs: 50,
  });

  services = await createServices({ host: 'navigateur', keychain, env: envFor(dataDir, { CABINET_PSC_URL: psc.url }) });
  services.settings.set('identity.pkcs11Module', SOFTHSM);
  services.settings.set('identity.specialite', 'SM26');
  services.settings.set('identity.structure', 'R99701');
});

afterAll(async () => {
  await services?.close();
  await psc?.close();
  keychain.cleanup();
});

const actions = () =>
  services.audit
    .list(50)
    .entries.map((e) => e.action)
    .reverse();

describe('login with a software certificate (.p12)', () => {
  it('logs the GP in and reads the identity from the certificate', async () => {
    const { name, content, password } = p12('medecin-martin');
    const view = await services.identity.loginP12(name, content, password);
    expect(view).toMatchObject({
      state: 'connecte',
      source: 'certificat_logiciel',
      practitioner: {
        idNatPs: '899701000012',
        rpps: '99701000012',
        displayName: 'Dr Marie MARTIN',
        surname: 'MARTIN',
        professionCode: '10',
        professionLabel: 'Médecin',
        specialtyCode: 'SM26',
        structureId: 'R99701',
      },
    });
    await services.identity.logout();
    // Each followed by the checkpoint signed with the certificate's signature key (audit anchoring).
    expect(actions().slice(-4)).toEqual(['session.login', 'audit.ancrage', 'session.logout', 'audit.ancrage']);
  });

  it.each([
    ['a wrong password', 'medecin-martin', 'faux', 'CREDENTIALS_REFUSED', /Mot de passe du certificat incorrect/],
    ['a revoked card', 'revoque-durand', null, 'CERTIFICATE_REFUSED', /révoqué/],
    ['an expired card', 'expire-leroy', null, 'CERTIFICATE_REFUSED', /expiré/],
    ['a card from an unknown authority', 'etranger-moreau', null, 'CERTIFICATE_REFUSED', /autorité de certification inconnue/],
  ])('refuses %s with a French reason', async (_what, id, password, code, message) => {
    const file = p12(id);
    await expect(services.identity.loginP12(file.name, file.content, password ?? file.password)).rejects.toMatchObject({
      code,
      message: expect.stringMatching(message),
    });
    expect(services.identity.view().state).toBe('deconnecte');
    expect(actions().at(-1)).toBe('session.login_failed');
  });

  it('refuses garbage instead of a .p12', async () => {
    await expect(services.identity.loginP12('x.p12', Buffer.from('pas un certificat'), 'x')).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringContaining('.p12'),
    });
  });
});

describe('login with the CPS card (SoftHSM2 through PKCS#11)', () => {
  it('lists the card, refuses a wrong PIN, logs in with the right one', async () => {
    const cards = services.identity.cards();
    expect(cards).toMatchObject({ moduleFound: true, cards: [expect.objectContaining({ index: 0, tokenLabel: 'CPS MARTIN' })] });
    await expect(services.identity.loginCard(0, '0000')).rejects.toMatchObject({
      code: 'CREDENTIALS_REFUSED',
      message: expect.stringContaining('Code PIN incorrect'),
    });
    const view = await services.identity.loginCard(0, '1234');
    expect(view).toMatchObject({ state: 'connecte', source: 'carte_cps', practitioner: { idNatPs: '899701000012' } });
  });

  it('authenticates over mutual TLS with the card key, and a foreign certificate is refused', async () => {
    const server = identity(pki, 'serveur-insi');
    const ca = [read('ac/racine.pem').toString(), read('ac/fort-personnes.pem').toString()];
    const tlsServer = tls.createServer(
      {
        cert: `${read(server.certPem!).toString()}${read(server.chainPem!).toString()}`,
        key: read(server.keyPem!),
        requestCert: true,
        rejectUnauthorized: true,
        ca,
      },
      (socket) => {
        socket.end(`bonjour ${(socket.getPeerCertificate().subject as { CN?: string }).CN}`);
      },
    );
    let refusedByServer = 0;
    tlsServer.on('tlsClientError', () => (refusedByServer += 1));
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const port = (tlsServer.address() as AddressInfo).port;
    const connect = (options: tls.ConnectionOptions) =>
      new Promise<string>((resolve) => {
        const socket = tls.connect({ ...options, host: '127.0.0.1', port, servername: 'localhost' });
        let data = '';
        socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', () => resolve('refusé'));
      });
    const trust = { extraCa: [read('ac/racine.pem').toString()] };
    const credentials = services.identity.session.require();
    expect(await connect(tlsClientOptions(credentials.tls, trust))).toBe('bonjour 899701000012');

    const foreign = p12('etranger-moreau');
    const { readP12 } = await import('../../electron/identity/login/p12.js');
    const pair = readP12(foreign.content, foreign.password).pairs[0]!;
    // Node's server closes without an alert on an untrusted client certificate: check both sides.
    expect(await connect(tlsClientOptions({ kind: 'pem', keyPem: pair.keyPem, certPem: pair.certPem, chainPem: [] }, trust))).not.toMatch(
      /bonjour/,
    );
    expect(refusedByServer).toBe(1);
    tlsServer.close();
  });

  it('signs a VIHF on the card that xmlsec1 verifies against the test root, valid against the SAML schema', () => {
    const assertion = services.identity.vihf({
      purposeOfUse: 'bris_de_glace',
      patientIns: { value: '279035121518989', oid: '1.2.250.1.213.1.4.10' },
    });
    const dir = tempDir();
    const file = path.join(dir, 'vihf.xml');
    fs.writeFileSync(file, assertion);
    const verified = xmlsecVerify(file, pkiPath(pki, 'ac/racine.pem'), [pkiPath(pki, 'ac/fort-personnes.pem')]);
    expect(verified.ok, verified.output).toBe(true);
    const valid = xmllintValidate(writeVihfSchema(dir), file);
    expect(valid.ok, valid.output).toBe(true);
    expect(assertion).toContain('code="bris_de_glace"');
    expect(assertion).toContain('>DIRECTE<');
    // Reused within 20 minutes.
    expect(
      services.identity.vihf({ purposeOfUse: 'bris_de_glace', patientIns: { value: '279035121518989', oid: '1.2.250.1.213.1.4.10' } }),
    ).toBe(assertion);
  });

  it('locks at once when the card is removed, and unlocking needs the card and its PIN', async () => {
    await removeSoftHsmToken({ conf: card.conf, tokenLabel: card.tokenLabel, tokenSerial: card.tokenSerial });
    services.identity.session.check();
    expect(services.identity.view()).toMatchObject({
      state: 'verrouille',
      lockReason: 'carte_retiree',
      lockMessage: expect.stringContaining('retirée'),
    });
    expect(() => services.identity.vihf({ purposeOfUse: 'normal' })).toThrow(/verrouillée/);
    await expect(services.identity.unlock('1234')).rejects.toMatchObject({ message: expect.stringMatching(/Aucune carte/) });
    await services.identity.logout();
    expect(
      actions()
        .filter((a) => a.startsWith('session.'))
        .slice(-3),
    ).toEqual(['session.lock', 'session.unlock_failed', 'session.logout']);
  });
});

describe('e-CPS through Pro Santé Connect (sandbox)', () => {
  it('logs in after approval on the phone, with a short binding code', async () => {
    const started = await services.identity.ecpsStart(drMarieMartin.idNatPs);
    expect(started.bindingMessage).toMatch(/^[A-Z2-9]{4}$/);
    let result = await services.identity.ecpsPoll(started.authReqId);
    for (let i = 0; i < 50 && result.status === 'en_attente'; i++) {
      await new Promise((r) => setTimeout(r, started.interval * 1000));
      result = await services.identity.ecpsPoll(started.authReqId);
    }
    expect(result).toMatchObject({
      status: 'connecte',
      session: { state: 'connecte', source: 'e_cps', practitioner: { idNatPs: drMarieMartin.idNatPs } },
    });
    expect(() => services.identity.vihf({ purposeOfUse: 'normal' })).toThrow(/e-CPS/);
    await services.identity.logout();
  });

  it('refuses an unknown national identifier', async () => {
    await expect(services.identity.ecpsStart('899999999999')).rejects.toMatchObject({ message: expect.stringContaining('inconnu') });
  });
});

describe('cabinet CLI as a practitioner', () => {
  // The CLI uses the OS keychain's "Cabinet" service: its own data folder, its key removed afterwards.
  const cliData = tempDir();
  afterAll(() => {
    const idFile = path.join(cliData, STORE_ID_FILE);
    if (fs.existsSync(idFile)) new OsKeychain(KEYCHAIN_SERVICE).delete(`base-locale:${fs.readFileSync(idFile, 'utf8').trim()}`);
  });
  const cli = (args: string[], pin: string, env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [path.resolve('electron/cli/cabinet.mjs'), ...args], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, CABINET_DATA_DIR: cliData, CABINET_ENV: 'sandbox', CABINET_TRUST_DIR: pki.dir, CABINET_PIN: pin, ...env },
    });

  it('whoami --pkcs11 reads the nurse’s card; a wrong PIN exits 1', async () => {
    const nurse = identity(pki, 'infirmier-petit');
    const own = await loadCardIntoSoftHsm({
      p12Path: pkiPath(pki, nurse.p12!),
      password: nurse.password!,
      pin: '4321',
      label: 'CPS PETIT',
      softhsmConf: path.join(tempDir('cabinet-softhsm-'), 'softhsm2.conf'),
    });
    const ok = cli(['whoami', '--pkcs11', SOFTHSM, '--slot', '0', '--json'], '4321', { SOFTHSM2_CONF: own.conf });
    expect(ok.status, ok.stderr + ok.stdout).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, value: { idNatPs: '0756012345', source: 'carte_cps' } });
    const bad = cli(['login', '--pkcs11', SOFTHSM, '--json'], '9999', { SOFTHSM2_CONF: own.conf });
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      ok: false,
      code: 'CREDENTIALS_REFUSED',
      message: expect.stringContaining('Code PIN incorrect'),
    });
    const usage = cli(['login'], '1234');
    expect(usage.status).toBe(1);
    expect(usage.stderr).toContain('Indiquez --p12');
  });

  it('whoami --json reads the certificate; a wrong password exits 1 in French', () => {
    const file = pkiPath(pki, identity(pki, 'infirmier-petit').p12!);
    const ok = cli(['whoami', '--p12', file, '--json'], 'cabinet-test');
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      ok: true,
      value: { idNatPs: '0756012345', adeli: '756012345', professionLabel: 'Infirmier' },
    });
    const bad = cli(['login', '--p12', file, '--json'], 'mauvais');
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      ok: false,
      code: 'CREDENTIALS_REFUSED',
      message: 'Mot de passe du certificat incorrect.',
    });
  });

  it('vihf prints a signed assertion', () => {
    const file = pkiPath(pki, identity(pki, 'medecin-martin').p12!);
    const run = cli(
      ['vihf', '--p12', file, '--patient', '279035121518989', '--mode', 'centre_15', '--structure', 'R99701', '--specialite', 'SM26'],
      'cabinet-test',
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^<saml2:Assertion /);
    expect(run.stdout).toContain('code="centre_15"');
    const missing = cli(['vihf', '--p12', file, '--structure', 'R99701'], 'cabinet-test');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('Renseignez votre spécialité');
  });
});
