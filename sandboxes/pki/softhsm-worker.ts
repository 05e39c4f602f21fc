/**
 * Child process of `loadCardIntoSoftHsm` (softhsm.ts): initialises a
 * SoftHSM2 token and creates the card's objects with C_CreateObject.
 *
 * It runs apart because a PKCS#11 module is process-wide: a second
 * C_Initialize in a process that already uses the module (the login engine,
 * polling the "reader") fails with CKR_CRYPTOKI_ALREADY_INITIALIZED, and a
 * C_Finalize here would close that user's sessions. SOFTHSM2_CONF is read
 * at C_Initialize, so the parent passes it in this process's environment.
 *
 * Run by Node directly (type stripping): no imports of project files, only
 * erasable TypeScript. Input: one JSON document on stdin (keys included, so
 * nothing secret touches the disk). Output: one JSON line on stdout.
 */
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type * as Pkcs11Types from 'pkcs11js';

type Pkcs11Module = typeof Pkcs11Types;

export interface WorkerObject {
  kind: 'private' | 'public' | 'certificate';
  /** CKA_ID, hex. */
  id: string;
  label: string;
  /** private: PKCS#8 DER; public: SPKI DER; certificate: certificate DER (base64). */
  der: string;
  /** Raw DER subject name (base64). */
  subject: string;
  /** certificate only: raw DER issuer name and serial INTEGER (base64). */
  issuer?: string;
  serial?: string;
}

export interface WorkerListInput {
  action: 'list';
  modulePath: string;
}

export interface WorkerInput {
  action: 'load';
  modulePath: string;
  tokenLabel: string;
  soPin: string;
  pin: string;
  objects: WorkerObject[];
}

export type WorkerOutput =
  | { ok: true; slotId: string; tokenSerial: string }
  | { ok: true; tokens: { label: string; serial: string }[] }
  | { ok: false; reason: 'label-exists' | 'no-free-slot' | 'pkcs11'; message: string };

const require = createRequire(import.meta.url);

function jwkBuffer(value: string | undefined): Buffer {
  if (!value) throw new Error('composante RSA manquante');
  return Buffer.from(value, 'base64url');
}

function list(input: WorkerListInput): WorkerOutput {
  const p: Pkcs11Module = require('pkcs11js');
  const pkcs11 = new p.PKCS11();
  pkcs11.load(input.modulePath);
  pkcs11.C_Initialize();
  try {
    const tokens = pkcs11
      .C_GetSlotList(true)
      .map((slot) => pkcs11.C_GetTokenInfo(slot))
      .filter((info) => (info.flags & p.CKF_TOKEN_INITIALIZED) !== 0)
      .map((info) => ({ label: info.label.replace(/\0/g, '').trim(), serial: info.serialNumber.trim() }));
    return { ok: true, tokens };
  } finally {
    pkcs11.C_Finalize();
  }
}

function run(input: WorkerInput): WorkerOutput {
  const p: Pkcs11Module = require('pkcs11js');
  const pkcs11 = new p.PKCS11();
  pkcs11.load(input.modulePath);
  pkcs11.C_Initialize();
  try {
    const label = (slot: Buffer) => pkcs11.C_GetTokenInfo(slot).label.replace(/\0/g, '').trim();
    const slots = pkcs11.C_GetSlotList(true);
    if (slots.some((slot) => (pkcs11.C_GetTokenInfo(slot).flags & p.CKF_TOKEN_INITIALIZED) !== 0 && label(slot) === input.tokenLabel)) {
      return { ok: false, reason: 'label-exists', message: input.tokenLabel };
    }
    const free = slots.find((slot) => (pkcs11.C_GetTokenInfo(slot).flags & p.CKF_TOKEN_INITIALIZED) === 0);
    if (!free) return { ok: false, reason: 'no-free-slot', message: 'aucun emplacement libre' };
    pkcs11.C_InitToken(free, input.soPin, input.tokenLabel);
    // SoftHSM gives the initialised token a new slot id (derived from its serial).
    const slot = pkcs11
      .C_GetSlotList(true)
      .find((s) => (pkcs11.C_GetTokenInfo(s).flags & p.CKF_TOKEN_INITIALIZED) !== 0 && label(s) === input.tokenLabel);
    if (!slot) throw new Error('jeton initialisé introuvable');
    const tokenSerial = pkcs11.C_GetTokenInfo(slot).serialNumber.trim();

    const session = pkcs11.C_OpenSession(slot, p.CKF_SERIAL_SESSION | p.CKF_RW_SESSION);
    pkcs11.C_Login(session, p.CKU_SO, input.soPin);
    pkcs11.C_InitPIN(session, input.pin);
    pkcs11.C_Logout(session);
    pkcs11.C_Login(session, p.CKU_USER, input.pin);

    for (const object of input.objects) {
      const common = [
        { type: p.CKA_TOKEN, value: true },
        { type: p.CKA_ID, value: Buffer.from(object.id, 'hex') },
        { type: p.CKA_LABEL, value: object.label },
        { type: p.CKA_SUBJECT, value: Buffer.from(object.subject, 'base64') },
      ];
      const der = Buffer.from(object.der, 'base64');
      if (object.kind === 'certificate') {
        pkcs11.C_CreateObject(session, [
          { type: p.CKA_CLASS, value: p.CKO_CERTIFICATE },
          { type: p.CKA_CERTIFICATE_TYPE, value: p.CKC_X_509 },
          { type: p.CKA_PRIVATE, value: false },
          { type: p.CKA_MODIFIABLE, value: false },
          { type: p.CKA_VALUE, value: der },
          { type: p.CKA_ISSUER, value: Buffer.from(object.issuer ?? '', 'base64') },
          { type: p.CKA_SERIAL_NUMBER, value: Buffer.from(object.serial ?? '', 'base64') },
          ...common,
        ]);
      } else if (object.kind === 'public') {
        const jwk = crypto.createPublicKey({ key: der, format: 'der', type: 'spki' }).export({ format: 'jwk' });
        pkcs11.C_CreateObject(session, [
          { type: p.CKA_CLASS, value: p.CKO_PUBLIC_KEY },
          { type: p.CKA_KEY_TYPE, value: p.CKK_RSA },
          { type: p.CKA_PRIVATE, value: false },
          { type: p.CKA_VERIFY, value: true },
          { type: p.CKA_ENCRYPT, value: false },
          { type: p.CKA_WRAP, value: false },
          { type: p.CKA_MODULUS, value: jwkBuffer(jwk.n) },
          { type: p.CKA_PUBLIC_EXPONENT, value: jwkBuffer(jwk.e) },
          ...common,
        ]);
      } else {
        const jwk = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
        pkcs11.C_CreateObject(session, [
          { type: p.CKA_CLASS, value: p.CKO_PRIVATE_KEY },
          { type: p.CKA_KEY_TYPE, value: p.CKK_RSA },
          { type: p.CKA_PRIVATE, value: true },
          { type: p.CKA_SENSITIVE, value: true },
          { type: p.CKA_EXTRACTABLE, value: false },
          { type: p.CKA_SIGN, value: true },
          { type: p.CKA_SIGN_RECOVER, value: false },
          { type: p.CKA_DECRYPT, value: false },
          { type: p.CKA_UNWRAP, value: false },
          { type: p.CKA_DERIVE, value: false },
          { type: p.CKA_MODULUS, value: jwkBuffer(jwk.n) },
          { type: p.CKA_PUBLIC_EXPONENT, value: jwkBuffer(jwk.e) },
          { type: p.CKA_PRIVATE_EXPONENT, value: jwkBuffer(jwk.d) },
          { type: p.CKA_PRIME_1, value: jwkBuffer(jwk.p) },
          { type: p.CKA_PRIME_2, value: jwkBuffer(jwk.q) },
          { type: p.CKA_EXPONENT_1, value: jwkBuffer(jwk.dp) },
          { type: p.CKA_EXPONENT_2, value: jwkBuffer(jwk.dq) },
          { type: p.CKA_COEFFICIENT, value: jwkBuffer(jwk.qi) },
          ...common,
        ]);
      }
    }
    pkcs11.C_Logout(session);
    pkcs11.C_CloseSession(session);
    // The slot id other processes will see is only given at the next C_Initialize.
    pkcs11.C_Finalize();
    pkcs11.C_Initialize();
    const final = pkcs11.C_GetSlotList(true).find((s) => pkcs11.C_GetTokenInfo(s).serialNumber.trim() === tokenSerial);
    if (!final) throw new Error('jeton introuvable après réinitialisation');
    return { ok: true, slotId: (final.length >= 8 ? final.readBigUInt64LE(0) : BigInt(final.readUInt32LE(0))).toString(), tokenSerial };
  } finally {
    pkcs11.C_Finalize();
  }
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  let output: WorkerOutput;
  try {
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WorkerInput | WorkerListInput;
    output = input.action === 'list' ? list(input) : run(input);
  } catch (error) {
    output = { ok: false, reason: 'pkcs11', message: error instanceof Error ? error.message : String(error) };
  }
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
