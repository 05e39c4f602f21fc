/**
 * Real SoftHSM2 (libsofthsm2.so) in a private configuration under a temp
 * folder; real OpenSSL pkcs11 engine for the key URIs. The removal tests pin
 * down what a process using the module sees when a "card" is pulled out,
 * which the login engine's polling relies on.
 */
import { spawnSync } from 'node:child_process';
import crypto, { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CabinetError } from '../../shared/contract/outcome.js';
import { SOFTHSM_MODULE, loadCardIntoSoftHsm, removeSoftHsmToken, type SoftHsmCard } from './softhsm.js';
import { createTestPki, identity, pkiPath, type PkiManifest } from './test-pki.js';

let tmp: string;
let pki: PkiManifest;
let conf: string;
let card: SoftHsmCard;
let loadMs: number;
const p11 = new pkcs11js.PKCS11();
// Slot flags (PKCS#11 2.40 §3.2; not in pkcs11js's typings).
const CKF_TOKEN_PRESENT = 0x1;
const CKF_REMOVABLE_DEVICE = 0x2;

const label = (slot: Buffer) => p11.C_GetTokenInfo(slot).label.replace(/\0/g, '').trim();
const slotLabels = () =>
  p11.C_GetSlotList(true).map((slot) => {
    try {
      return label(slot);
    } catch (error) {
      return (error as Error).message;
    }
  });
function find(session: Buffer, template: pkcs11js.Template): Buffer[] {
  p11.C_FindObjectsInit(session, template);
  const found = p11.C_FindObjects(session, 10);
  p11.C_FindObjectsFinal(session);
  return found;
}
const bool = (session: Buffer, handle: Buffer, type: number) => p11.C_GetAttributeValue(session, handle, [{ type }])[0]!.value[0] === 1;
function sign(session: Buffer, key: Buffer, data: Buffer): Buffer {
  p11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key);
  return p11.C_Sign(session, data, Buffer.alloc(512));
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-softhsm-test-'));
  pki = await createTestPki(path.join(tmp, 'pki'));
  conf = path.join(tmp, 'hsm', 'softhsm2.conf');
  const gp = identity(pki, 'medecin-martin');
  const started = performance.now();
  card = await loadCardIntoSoftHsm({
    p12Path: pkiPath(pki, gp.p12!),
    password: gp.password!,
    pin: gp.pin!,
    label: 'CPS MARTIN',
    softhsmConf: conf,
  });
  loadMs = performance.now() - started;
  console.info(`loadCardIntoSoftHsm : ${Math.round(loadMs)} ms`);
  // This process is the card's user: its module reads our private configuration.
  process.env.SOFTHSM2_CONF = conf;
  p11.load(SOFTHSM_MODULE);
  p11.C_Initialize();
}, 60_000);

afterAll(() => {
  try {
    p11.C_Finalize();
  } catch {
    // already finalised
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('loadCardIntoSoftHsm', () => {
  it('creates a private configuration and a token for the card', () => {
    console.info(`carte chargée dans SoftHSM en ${Math.round(loadMs)} ms`);
    expect(card.conf).toBe(conf);
    expect(card.tokenDir).toBe(path.join(tmp, 'hsm', 'tokens'));
    expect(fs.readFileSync(conf, 'utf8')).toContain(`directories.tokendir = ${card.tokenDir}`);
    expect(fs.readdirSync(card.tokenDir)).toHaveLength(1);
    expect(card.keys.authentification.uri).toBe('pkcs11:token=CPS%20MARTIN;id=%01;type=private');
    const slot = p11.C_GetSlotList(true).find((s) => label(s) === 'CPS MARTIN')!;
    expect(slot.readBigUInt64LE(0)).toBe(BigInt(card.slotId));
    expect(p11.C_GetTokenInfo(slot).serialNumber.trim()).toBe(card.tokenSerial);
    expect(p11.C_GetSlotInfo(slot).flags & CKF_REMOVABLE_DEVICE).toBeTruthy();
  });

  it('holds both key pairs and certificates with the card’s attributes, PIN-protected', () => {
    const slot = p11.C_GetSlotList(true).find((s) => label(s) === 'CPS MARTIN')!;
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    // Before login, private keys are invisible; certificates are public.
    expect(find(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }])).toHaveLength(0);
    expect(find(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }])).toHaveLength(2);
    expect(() => p11.C_Login(session, pkcs11js.CKU_USER, '0000')).toThrow(/CKR_PIN_INCORRECT/);
    p11.C_Login(session, pkcs11js.CKU_USER, '1234');
    try {
      const gp = identity(pki, 'medecin-martin');
      const certs = {
        '01': new X509Certificate(fs.readFileSync(pkiPath(pki, gp.certPem!))),
        '02': new X509Certificate(fs.readFileSync(pkiPath(pki, gp.signatureCertPem!))),
      };
      const keys: Record<string, Buffer> = {};
      for (const [id, name] of [
        ['01', 'authentification'],
        ['02', 'signature'],
      ] as const) {
        const byId = (cls: number) =>
          find(session, [
            { type: pkcs11js.CKA_CLASS, value: cls },
            { type: pkcs11js.CKA_ID, value: Buffer.from(id, 'hex') },
          ]);
        const [key] = byId(pkcs11js.CKO_PRIVATE_KEY);
        const [pub] = byId(pkcs11js.CKO_PUBLIC_KEY);
        const [cert] = byId(pkcs11js.CKO_CERTIFICATE);
        expect(key && pub && cert, id).toBeTruthy();
        keys[id] = key!;
        for (const handle of [key!, pub!, cert!])
          expect(p11.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_LABEL }])[0]!.value.toString()).toBe(name);
        expect(bool(session, key!, pkcs11js.CKA_SIGN)).toBe(true);
        expect(bool(session, key!, pkcs11js.CKA_PRIVATE)).toBe(true);
        expect(bool(session, key!, pkcs11js.CKA_SENSITIVE)).toBe(true);
        expect(bool(session, key!, pkcs11js.CKA_EXTRACTABLE)).toBe(false);
        expect(bool(session, key!, pkcs11js.CKA_DECRYPT)).toBe(false);
        expect(bool(session, key!, pkcs11js.CKA_UNWRAP)).toBe(false);
        expect(() => p11.C_GetAttributeValue(session, key!, [{ type: pkcs11js.CKA_PRIVATE_EXPONENT }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
        const value = p11.C_GetAttributeValue(session, cert!, [{ type: pkcs11js.CKA_VALUE }])[0]!.value;
        expect(value.equals(certs[id].raw)).toBe(true);
      }
      // Each key signs for its own certificate, and only for it.
      const data = Buffer.from('assertion VIHF');
      const authSig = sign(session, keys['01']!, data);
      const signSig = sign(session, keys['02']!, data);
      expect(crypto.verify('sha256', data, certs['01'].publicKey, authSig)).toBe(true);
      expect(crypto.verify('sha256', data, certs['02'].publicKey, signSig)).toBe(true);
      expect(crypto.verify('sha256', data, certs['02'].publicKey, authSig)).toBe(false);
    } finally {
      p11.C_Logout(session);
      p11.C_CloseSession(session);
    }
  });

  it('gives key URIs that OpenSSL’s pkcs11 engine signs with', () => {
    const gp = identity(pki, 'medecin-martin');
    const message = path.join(tmp, 'message.txt');
    fs.writeFileSync(message, 'bonjour');
    for (const [key, certFile] of [
      [card.keys.authentification, gp.certPem!],
      [card.keys.signature, gp.signatureCertPem!],
    ] as const) {
      const out = path.join(tmp, `sig-${key.id}`);
      const result = spawnSync(
        'openssl',
        ['dgst', '-sha256', '-engine', 'pkcs11', '-keyform', 'engine', '-sign', `${key.uri};pin-value=1234`, '-out', out, message],
        {
          env: { ...process.env, SOFTHSM2_CONF: conf, PKCS11_MODULE_PATH: SOFTHSM_MODULE },
          encoding: 'utf8',
        },
      );
      expect(result.status, result.stderr).toBe(0);
      const cert = new X509Certificate(fs.readFileSync(pkiPath(pki, certFile)));
      expect(crypto.verify('sha256', Buffer.from('bonjour'), cert.publicKey, fs.readFileSync(out))).toBe(true);
    }
  });

  it('refuses a second token with the same label, a wrong password and the system token folder, in French', async () => {
    const gp = identity(pki, 'medecin-martin');
    const base = { p12Path: pkiPath(pki, gp.p12!), password: gp.password!, pin: '1234' };
    await expect(loadCardIntoSoftHsm({ ...base, label: 'CPS MARTIN', softhsmConf: conf })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('existe déjà'),
    });
    await expect(loadCardIntoSoftHsm({ ...base, password: 'mauvais', label: 'AUTRE', softhsmConf: conf })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'Mot de passe du fichier .p12 incorrect.',
    });
    const systemTokens = '/var/lib/softhsm/tokens';
    const before = fs.existsSync(systemTokens) ? fs.readdirSync(systemTokens) : null;
    const systemConf = path.join(tmp, 'systeme.conf');
    fs.writeFileSync(systemConf, `directories.tokendir = ${systemTokens}/\n`);
    const refused = await loadCardIntoSoftHsm({ ...base, label: 'INTERDIT', softhsmConf: systemConf }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CabinetError);
    expect(refused).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('dossier de jetons du système') });
    expect(fs.existsSync(systemTokens) ? fs.readdirSync(systemTokens) : null).toEqual(before);
    await expect(removeSoftHsmToken({ conf, tokenLabel: 'ABSENTE' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('Aucun jeton SoftHSM nommé « ABSENTE »'),
    });
  });

  it('makes its own private configuration when none is given', async () => {
    const nurse = identity(pki, 'infirmier-petit');
    const own = await loadCardIntoSoftHsm({
      p12Path: pkiPath(pki, nurse.p12!),
      password: nurse.password!,
      pin: nurse.pin!,
      label: 'CPS PETIT',
    });
    try {
      expect(own.conf.startsWith(os.tmpdir())).toBe(true);
      expect(own.conf).not.toBe(conf);
      const listed = spawnSync('softhsm2-util', ['--show-slots'], {
        env: { ...process.env, SOFTHSM2_CONF: own.conf },
        encoding: 'utf8',
      }).stdout;
      expect(listed).toContain('CPS PETIT');
    } finally {
      fs.rmSync(path.dirname(own.conf), { recursive: true, force: true });
    }
  });
});

describe('card removal and insertion, as a running PKCS#11 user sees them (SoftHSM 2.6)', () => {
  it('removal: the slot stays listed, C_GetTokenInfo fails, the keys are gone; re-initialising drops the slot', async () => {
    const slot = p11.C_GetSlotList(true).find((s) => label(s) === 'CPS MARTIN')!;
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    p11.C_Login(session, pkcs11js.CKU_USER, '1234');
    const [key] = find(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_ID, value: Buffer.from('01', 'hex') },
    ]);
    expect(sign(session, key!, Buffer.from('avant'))).toHaveLength(256);
    const countBefore = p11.C_GetSlotList(true).length;

    await removeSoftHsmToken({ conf, tokenLabel: 'CPS MARTIN' });

    expect(fs.readdirSync(card.tokenDir)).toHaveLength(0);
    expect(p11.C_GetSlotList(true).length).toBe(countBefore);
    expect(p11.C_GetSlotInfo(slot).flags & CKF_TOKEN_PRESENT).toBeTruthy();
    expect(() => p11.C_GetTokenInfo(slot)).toThrow(/CKR_GENERAL_ERROR/);
    expect(() => sign(session, key!, Buffer.from('après'))).toThrow(/CKR_OBJECT_HANDLE_INVALID|CKR_KEY_HANDLE_INVALID/);
    expect(find(session, [])).toHaveLength(0);
    expect(p11.C_WaitForSlotEvent(pkcs11js.CKF_DONT_BLOCK)).toBeNull();

    // Insertion of another card while the module is initialised: not seen yet.
    const nurse = identity(pki, 'infirmier-petit');
    await loadCardIntoSoftHsm({
      p12Path: pkiPath(pki, nurse.p12!),
      password: nurse.password!,
      pin: nurse.pin!,
      label: 'CPS PETIT',
      softhsmConf: conf,
    });
    expect(slotLabels()).not.toContain('CPS PETIT');

    p11.C_Finalize();
    p11.C_Initialize();
    const labels = slotLabels();
    expect(labels).toContain('CPS PETIT');
    expect(labels).not.toContain('CPS MARTIN');
  });
});
