/**
 * A test card in a SoftHSM2 token: what the Cryptolib CPS shows of a real
 * card, for the login engine's tests and the sandbox.
 *
 * - Each card gets its own token (label chosen by the caller), in a private
 *   SoftHSM2 configuration (`softhsm2.conf` + `tokens/` in a folder of ours);
 *   the system token folder is never used.
 * - Objects, as a CPS card holds them: for each of the authentication and
 *   signature keys, a private key (CKA_SIGN, CKA_PRIVATE, CKA_SENSITIVE,
 *   not CKA_EXTRACTABLE, no decrypt/unwrap), its public key and its X.509
 *   certificate, sharing one CKA_ID (01 authentication, 02 signature) and
 *   one CKA_LABEL (`authentification`, `signature`).
 * - Import through pkcs11js C_CreateObject, in a child process
 *   (softhsm-worker.ts): the attributes are set exactly (pkcs11-tool
 *   --write-object leaves SoftHSM's defaults, e.g. CKA_DECRYPT and
 *   CKA_UNWRAP true), keys go through a pipe rather than a file, and the
 *   process that uses the "card" (which keeps the module initialised) is
 *   not disturbed. The worker runs under `process.execPath` with Node's
 *   type stripping: a test and development tool (Node ≥ 22.12), not for the
 *   packaged Electron app.
 *
 * Card removal (`removeSoftHsmToken`) deletes the token with
 * `softhsm2-util --delete-token --serial`. What a process that already has the
 * module initialised then sees, with SoftHSM 2.6.1 (checked in
 * softhsm.test.ts):
 * - C_GetSlotList(true) still lists the slot (same count; SoftHSM only
 *   rescans its token folder at C_Initialize), and C_GetSlotInfo still says
 *   CKF_TOKEN_PRESENT;
 * - C_GetTokenInfo(slot) fails with CKR_GENERAL_ERROR;
 * - C_SignInit with a key handle of the removed token fails with
 *   CKR_OBJECT_HANDLE_INVALID (or CKR_KEY_HANDLE_INVALID); C_FindObjects finds nothing;
 *   C_GetSessionInfo still answers;
 * - C_WaitForSlotEvent(CKF_DONT_BLOCK) reports no event;
 * - after C_Finalize + C_Initialize the slot is gone. A token created by
 *   another process (card inserted) only appears after that re-initialise.
 * A real reader with the Cryptolib is expected to drop the slot from
 * C_GetSlotList(true) and answer CKR_TOKEN_NOT_PRESENT / CKR_DEVICE_REMOVED
 * / CKR_SESSION_HANDLE_INVALID (not checked here: no reader).
 */
import { execFile, spawn } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CabinetError } from '../../shared/contract/outcome.js';
import { parseCertificate } from '../../electron/identity/certificates/der.js';
import { readPkcs12 } from './pkcs12.js';
import type { WorkerInput, WorkerListInput, WorkerObject, WorkerOutput } from './softhsm-worker.js';
import { TEST_CARD_SO_PIN } from './test-pki.js';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
export const CARD_KEY_IDS = { authentification: '01', signature: '02' } as const;
const SYSTEM_TOKEN_DIRS = ['/var/lib/softhsm/tokens', '/var/lib/softhsm'];
const WORKER = fileURLToPath(new URL('./softhsm-worker.ts', import.meta.url));

export interface SoftHsmCard {
  modulePath: string;
  tokenLabel: string;
  /** As SoftHSM numbers it (derived from the token serial); valid in any process that initialised the module after the load. */
  slotId: number;
  tokenSerial: string;
  /** The SOFTHSM2_CONF to set before C_Initialize. */
  conf: string;
  tokenDir: string;
  /** RFC 7512 URIs for OpenSSL's pkcs11 engine (libp11), without the PIN. */
  keys: Record<keyof typeof CARD_KEY_IDS, { id: string; label: string; uri: string }>;
}

export interface LoadCardOptions {
  p12Path: string;
  password: string;
  /** User PIN of the token (the card's PIN). */
  pin: string;
  soPin?: string;
  /** Token label (at most 32 bytes). */
  label: string;
  /**
   * Path of the SoftHSM2 configuration file to use. Created, with a `tokens`
   * folder beside it, if it does not exist. Default: a new private folder
   * under the system temp folder.
   */
  softhsmConf?: string;
  modulePath?: string;
}

/** Writes `<dir>/softhsm2.conf` with its token folder `<dir>/tokens`; returns the conf path. */
export function createSoftHsmConf(dir: string): string {
  return writeSoftHsmConf(path.join(path.resolve(dir), 'softhsm2.conf'));
}

/** Writes a SoftHSM2 configuration at `conf`, its token folder `tokens` beside it. */
export function writeSoftHsmConf(conf: string): string {
  const tokenDir = path.join(path.dirname(conf), 'tokens');
  fs.mkdirSync(tokenDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(
    conf,
    [
      '# SoftHSM2 privé de Cabinet (cartes CPS de test)',
      `directories.tokendir = ${tokenDir}`,
      'objectstore.backend = file',
      'log.level = ERROR',
      // Like a card reader: the token is removable.
      'slots.removable = true',
      'slots.mechanisms = ALL',
      'library.reset_on_fork = false',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return conf;
}

/** The token folder a configuration points at; refuses the system's. */
export function softHsmTokenDir(conf: string): string {
  let text: string;
  try {
    text = fs.readFileSync(conf, 'utf8');
  } catch {
    throw new CabinetError('NOT_FOUND', `Configuration SoftHSM introuvable : ${conf}.`);
  }
  const dir = /^\s*directories\.tokendir\s*=\s*(.+?)\s*$/m.exec(text)?.[1];
  if (!dir)
    throw new CabinetError('CONFIG_INVALID', `La configuration SoftHSM ${conf} n’indique pas de dossier de jetons (directories.tokendir).`);
  const resolved = path.resolve(path.dirname(conf), dir);
  if (SYSTEM_TOKEN_DIRS.includes(resolved.replace(/\/+$/, ''))) {
    throw new CabinetError(
      'CONFIG_INVALID',
      'Refusé : cette configuration SoftHSM utilise le dossier de jetons du système. Utilisez une configuration privée.',
    );
  }
  return resolved;
}

export function softHsmEnv(conf: string): NodeJS.ProcessEnv {
  return { ...process.env, SOFTHSM2_CONF: conf };
}

function pkcs11Uri(tokenLabel: string, id: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `pkcs11:token=${enc(tokenLabel)};id=%${id};type=private`;
}

function runWorker(input: WorkerInput | WorkerListInput, conf: string): Promise<WorkerOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--experimental-strip-types', '--disable-warning=ExperimentalWarning', WORKER], {
      env: softHsmEnv(conf),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as WorkerOutput);
      } catch {
        reject(new Error(`softhsm-worker (code ${code}) : ${stderr.trim() || stdout.trim()}`));
      }
    });
    child.stdin.end(JSON.stringify(input));
  });
}

/**
 * Loads a card .p12 of the test PKI (two keys, friendlyName
 * `authentification` and `signature`) into a new SoftHSM2 token.
 */
export async function loadCardIntoSoftHsm(options: LoadCardOptions): Promise<SoftHsmCard> {
  const modulePath = options.modulePath ?? SOFTHSM_MODULE;
  if (!fs.existsSync(modulePath))
    throw new CabinetError('UNAVAILABLE', `SoftHSM2 n’est pas installé (module ${modulePath} introuvable) : apt-get install softhsm2.`);
  if (!options.label || Buffer.byteLength(options.label) > 32)
    throw new CabinetError('INVALID_REQUEST', 'Le nom du jeton doit faire de 1 à 32 octets.');
  if (!/^\d{4,}$/.test(options.pin)) throw new CabinetError('INVALID_REQUEST', 'Le code PIN doit comporter au moins 4 chiffres.');

  let confPath: string;
  if (options.softhsmConf) {
    confPath = path.resolve(options.softhsmConf);
    if (!fs.existsSync(confPath)) writeSoftHsmConf(confPath);
  } else {
    confPath = createSoftHsmConf(fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-softhsm-')));
  }
  const tokenDir = softHsmTokenDir(confPath);

  let content;
  try {
    content = readPkcs12(fs.readFileSync(options.p12Path), options.password);
  } catch (error) {
    if (error instanceof Error && /mac could not be verified|invalid password|wrong password/i.test(error.message)) {
      throw new CabinetError('UNAUTHORIZED', 'Mot de passe du fichier .p12 incorrect.');
    }
    throw new CabinetError('INVALID_REQUEST', `Le fichier ${path.basename(options.p12Path)} n’est pas un .p12 de carte lisible.`);
  }

  const objects: WorkerObject[] = [];
  for (const [name, id] of Object.entries(CARD_KEY_IDS)) {
    const key = content.keys.find((k) => k.friendlyName === name);
    const cert = content.certificates.find((c) => c.friendlyName === name && c.localKeyId === key?.localKeyId);
    if (!key || !cert) {
      throw new CabinetError(
        'INVALID_REQUEST',
        `Le fichier .p12 ne contient pas la paire « ${name} » (clé et certificat de même localKeyId) attendue d’une carte.`,
      );
    }
    const parsed = parseCertificate(cert.der);
    const privateKey = createPrivateKey(key.keyPem);
    const subject = parsed.subjectDer.toString('base64');
    objects.push(
      { kind: 'private', id, label: name, der: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'), subject },
      {
        kind: 'public',
        id,
        label: name,
        der: createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64'),
        subject,
      },
      {
        kind: 'certificate',
        id,
        label: name,
        der: cert.der.toString('base64'),
        subject,
        issuer: parsed.issuerDer.toString('base64'),
        serial: parsed.serialDer.toString('base64'),
      },
    );
  }

  const result = await runWorker(
    { action: 'load', modulePath, tokenLabel: options.label, soPin: options.soPin ?? TEST_CARD_SO_PIN, pin: options.pin, objects },
    confPath,
  );
  if (!result.ok || !('slotId' in result)) {
    if (!result.ok && result.reason === 'label-exists')
      throw new CabinetError('CONFLICT', `Un jeton SoftHSM nommé « ${options.label} » existe déjà dans cette configuration.`);
    throw new CabinetError(
      'UNAVAILABLE',
      `Le chargement de la carte de test dans SoftHSM a échoué : ${result.ok ? 'réponse inattendue' : result.message}.`,
    );
  }
  const keys = Object.fromEntries(
    Object.entries(CARD_KEY_IDS).map(([name, id]) => [name, { id, label: name, uri: pkcs11Uri(options.label, id) }]),
  ) as SoftHsmCard['keys'];
  return {
    modulePath,
    tokenLabel: options.label,
    slotId: Number(result.slotId),
    tokenSerial: result.tokenSerial,
    conf: confPath,
    tokenDir,
    keys,
  };
}

/** The initialised tokens of a configuration (label and serial). */
export async function listSoftHsmTokens(conf: string, modulePath = SOFTHSM_MODULE): Promise<{ label: string; serial: string }[]> {
  softHsmTokenDir(conf);
  const result = await runWorker({ action: 'list', modulePath }, conf);
  if (!result.ok || !('tokens' in result))
    throw new CabinetError('UNAVAILABLE', `Lecture des jetons SoftHSM impossible : ${result.ok ? 'réponse inattendue' : result.message}.`);
  return result.tokens;
}

/**
 * Simulates pulling the card out: deletes the token (see the file comment
 * for what PKCS#11 users then see). Deleted by serial: softhsm2-util 2.6.1
 * does not find a label with a space (`--token "CPS MARTIN"`).
 */
export async function removeSoftHsmToken(options: {
  conf: string;
  tokenLabel: string;
  tokenSerial?: string;
  modulePath?: string;
}): Promise<void> {
  softHsmTokenDir(options.conf);
  const serial =
    options.tokenSerial ?? (await listSoftHsmTokens(options.conf, options.modulePath)).find((t) => t.label === options.tokenLabel)?.serial;
  const notFound = () => new CabinetError('NOT_FOUND', `Aucun jeton SoftHSM nommé « ${options.tokenLabel} » dans cette configuration.`);
  if (!serial) throw notFound();
  try {
    await promisify(execFile)('softhsm2-util', ['--delete-token', '--serial', serial], { env: softHsmEnv(options.conf) });
  } catch (error) {
    const text = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CabinetError('UNAVAILABLE', 'softhsm2-util est introuvable : apt-get install softhsm2.');
    if (/could not find/i.test(text)) throw notFound();
    throw new CabinetError('UNAVAILABLE', `La suppression du jeton SoftHSM a échoué : ${text.trim()}`);
  }
}
