/**
 * A real PKCS#11 token for tests: SoftHSM2 with a private configuration in a
 * temporary folder (the user's tokens are never touched), a key and its
 * certificate imported with `pkcs11-tool`, and a minimal `Signer` over it with
 * pkcs11js (C_Login, C_SignInit/C_Sign with CKM_SHA256_RSA_PKCS) — the same
 * calls a CPS card signer makes; the real card signer lives in
 * sandboxes/pki and is not this one.
 *
 * Needs the Debian packages softhsm2 and opensc (pkcs11-tool).
 * SOFTHSM2_CONF is set in process.env: SoftHSM reads it at C_Initialize, in
 * this process (pkcs11js, OpenSSL's pkcs11 engine) and in child processes.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pkcs11js from 'pkcs11js';
import type { Signer } from '../../electron/identity/types.js';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
export const PKCS11_ENGINE = '/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so';

export interface SoftHsmToken {
  dir: string;
  label: string;
  pin: string;
  modulePath: string;
  /** Imports a PEM key and certificate under CKA_ID `idHex`. */
  importKey(idHex: string, keyPem: string, certPem: string): void;
  /** RFC 7512 URI of the private key, PIN included (as the engine route takes it). */
  keyUri(idHex: string): string;
  /** Another token in the same SoftHSM configuration (a module reads its configuration once per process). */
  addToken(label: string, pin: string): SoftHsmToken;
  remove(): void;
}

export function createSoftHsmToken(label = 'CABINET-TEST', pin = '1234'): SoftHsmToken {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-softhsm-'));
  fs.mkdirSync(path.join(dir, 'tokens'));
  const conf = path.join(dir, 'softhsm2.conf');
  fs.writeFileSync(conf, `directories.tokendir = ${path.join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env.SOFTHSM2_CONF = conf;
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  const run = (file: string, args: string[]) => execFileSync(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return initToken(dir, run, label, pin);
}

function initToken(dir: string, run: (file: string, args: string[]) => Buffer, label: string, pin: string): SoftHsmToken {
  run('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', '87654321', '--pin', pin]);
  return {
    dir,
    label,
    pin,
    modulePath: SOFTHSM_MODULE,
    importKey(idHex, keyPem, certPem) {
      const keyDer = path.join(dir, `${idHex}.key.der`);
      const certDer = path.join(dir, `${idHex}.crt.der`);
      fs.writeFileSync(keyDer, crypto.createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' }), { mode: 0o600 });
      fs.writeFileSync(certDer, new crypto.X509Certificate(certPem).raw);
      const base = ['--module', SOFTHSM_MODULE, '--token-label', label, '--login', '--pin', pin];
      try {
        run('pkcs11-tool', [
          ...base,
          '--write-object',
          keyDer,
          '--type',
          'privkey',
          '--id',
          idHex,
          '--label',
          `cle-${idHex}`,
          '--usage-sign',
        ]);
        run('pkcs11-tool', [...base, '--write-object', certDer, '--type', 'cert', '--id', idHex, '--label', `cert-${idHex}`]);
      } finally {
        fs.rmSync(keyDer, { force: true });
        fs.rmSync(certDer, { force: true });
      }
    },
    keyUri(idHex) {
      const id = idHex.replace(/(..)/g, '%$1');
      return `pkcs11:token=${encodeURIComponent(label)};id=${id};type=private;pin-value=${pin}`;
    },
    addToken(otherLabel, otherPin) {
      return initToken(dir, run, otherLabel, otherPin);
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Test-only PKCS#11 signer: finds the token by label, logs in, finds the
 * private key and its certificate by CKA_ID, signs with CKM_SHA256_RSA_PKCS.
 * The certificate is read from the token, as a card signer would.
 */
export function openPkcs11Signer(token: SoftHsmToken, idHex: string): Signer & { signatures: number } {
  const p11 = new pkcs11js.PKCS11();
  p11.load(token.modulePath);
  // One module per process: a second signer on the same module finds it initialised, and must not finalise it.
  let initializedHere = true;
  try {
    p11.C_Initialize();
  } catch (error) {
    if (!String((error as Error).message).includes('CKR_CRYPTOKI_ALREADY_INITIALIZED')) throw error;
    initializedHere = false;
  }
  const finalize = () => {
    if (initializedHere) p11.C_Finalize();
  };
  let session: Buffer | null = null;
  try {
    const slot = p11.C_GetSlotList(true).find((candidate) => p11.C_GetTokenInfo(candidate).label.trim() === token.label);
    if (!slot) throw new Error(`token ${token.label} not found`);
    const opened = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    session = opened;
    p11.C_Login(opened, pkcs11js.CKU_USER, token.pin);
    const find = (objectClass: number): Buffer => {
      p11.C_FindObjectsInit(opened, [
        { type: pkcs11js.CKA_CLASS, value: objectClass },
        { type: pkcs11js.CKA_ID, value: Buffer.from(idHex, 'hex') },
      ]);
      const handle = p11.C_FindObjects(opened);
      p11.C_FindObjectsFinal(opened);
      if (!handle) throw new Error(`object ${idHex} not found`);
      return handle;
    };
    const key = find(pkcs11js.CKO_PRIVATE_KEY);
    const [value] = p11.C_GetAttributeValue(opened, find(pkcs11js.CKO_CERTIFICATE), [{ type: pkcs11js.CKA_VALUE }]);
    const certificatePem = new crypto.X509Certificate(value?.value as Buffer).toString();

    const signer = {
      certificatePem,
      chainPem: [] as string[],
      signatures: 0,
      sign(data: Buffer, algorithm: 'RSA-SHA256'): Buffer {
        if (!session) throw new Error('signer disposed');
        if (algorithm !== 'RSA-SHA256') throw new Error(`unsupported ${String(algorithm)}`);
        p11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key);
        signer.signatures += 1;
        return p11.C_Sign(session, data, Buffer.alloc(1024));
      },
      dispose(): void {
        if (!session) return;
        const closing = session;
        session = null;
        try {
          p11.C_Logout(closing);
          p11.C_CloseSession(closing);
        } finally {
          finalize();
        }
      },
    };
    return signer;
  } catch (error) {
    if (session) p11.C_CloseSession(session);
    finalize();
    throw error;
  }
}
