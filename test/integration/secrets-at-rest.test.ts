/**
 * Secrets and data at rest, after a full session through the services:
 * login with a .p12 and with the card (SoftHSM2), INSi lookups against the
 * sandbox and a qualified identity, a DMP feed through the outbox, an
 * MSSanté mail through the real test operator (when Dovecot/Postfix are
 * installed), lock, logout. Then the data folder, the logs, the traces and
 * the temporary files made during the run are scanned byte by byte:
 * no PIN, password, private key (PEM, DER or its private exponent), database
 * key, VIHF assertion, and no patient name or INS outside the encrypted
 * database, whose file cannot be opened without the keychain's key.
 *
 * Traces (CABINET_TRACE_DIR) are a support tool, off by default and
 * documented to hold the exchanged messages — patient identities included —
 * in clear: they are scanned for secrets, not for patient identity.
 */
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../electron/app/services.js';
import { startDmpSandbox, type DmpSandbox } from '../../sandboxes/dmp/server.js';
import { pdf as smallPdf } from '../../electron/dmp/cda/fixtures.test-support.js';
import { loadCardIntoSoftHsm, SOFTHSM_MODULE, type SoftHsmCard } from '../../sandboxes/pki/softhsm.js';
import { createTestPki, identity, pkiPath, type PkiManifest } from '../../sandboxes/pki/test-pki.js';
import { startInsiSandbox, type InsiSandbox } from '../../sandboxes/insi/server.js';
import { mailServersAvailable, startMssOperator, type MssOperator } from '../../sandboxes/mss-operator/operator.js';
import { DB_FILE, STORE_ID_FILE } from '../../electron/platform/store/database.js';
import { REDACTED } from '../../electron/platform/trace/trace.js';
import { envFor, tempDir, TestKeychain } from '../support/fixtures.js';

const PIN = '97531864';
const actor = '899701000012';
/** ADRTROIS DOMINIQUE: a CNAM test identity known to the INSi sandbox, with a valid DMP authorisation in the DMP sandbox. */
const patient = { birthName: 'Adrtrois', firstNames: 'Dominique', sex: 'F' as const, birthDate: '1997-02-26' };
const INS = '297022A020778';
const mail = mailServersAvailable();
const MAIL_PORTS = { imaps: 42993, imap: 42143, submission: 42587, smtp: 42025, lmtp: 42024, patient: 42026 };

const keychain = new TestKeychain();
let pki: PkiManifest;
let card: SoftHsmCard;
let insi: InsiSandbox;
let dmp: DmpSandbox;
let op: MssOperator | null = null;
let services: Services | null = null;
let dataDir: string;
let traceDir: string;
let runTmp: string;
let savedTmp: string | undefined;
let p12Password: string;
let dbKeyHex: string;
const privateKeys: Buffer[] = [];

/** Every regular file under `dir`. */
function files(dir: string): string[] {
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.join(e.parentPath, e.name))
    : [];
}

/** What must never be written: each needle as bytes, with its name for the report. */
function secretNeedles(): { what: string; bytes: Buffer }[] {
  const needles: { what: string; bytes: Buffer }[] = [
    { what: 'code PIN', bytes: Buffer.from(PIN) },
    { what: 'mot de passe du .p12', bytes: Buffer.from(p12Password) },
    { what: 'clé privée PEM', bytes: Buffer.from('PRIVATE KEY-----') },
    { what: 'clé de la base (hex)', bytes: Buffer.from(dbKeyHex) },
    { what: 'clé de la base (octets)', bytes: Buffer.from(dbKeyHex, 'hex') },
  ];
  for (const der of privateKeys) {
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    const d = Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url');
    needles.push({ what: 'clé privée DER', bytes: der.subarray(0, 64) });
    needles.push({ what: 'exposant privé (octets)', bytes: d.subarray(0, 32) });
    needles.push({ what: 'exposant privé (base64)', bytes: Buffer.from(d.subarray(0, 30).toString('base64')) });
    needles.push({ what: 'exposant privé (hex)', bytes: Buffer.from(d.subarray(0, 32).toString('hex')) });
  }
  return needles;
}

function patientNeedles(): { what: string; bytes: Buffer }[] {
  return ['ADRTROIS', 'Adrtrois', 'adrtrois', INS, `${INS}78`].map((text) => ({
    what: `identité du patient (${text})`,
    bytes: Buffer.from(text),
  }));
}

function findings(fileList: string[], needles: { what: string; bytes: Buffer }[]): string[] {
  const found: string[] = [];
  for (const file of fileList) {
    const content = fs.readFileSync(file);
    for (const needle of needles) if (content.includes(needle.bytes)) found.push(`${file} : ${needle.what}`);
  }
  return found;
}

beforeAll(async () => {
  // Test infrastructure first, outside the scanned folders: the test PKI (its private keys), the SoftHSM token (the card), the sandboxes.
  const infra = tempDir('cabinet-secrets-infra-');
  fs.chmodSync(infra, 0o711); // the mail servers' system users must reach the operator folder
  pki = await createTestPki(path.join(infra, 'pki'));
  const martin = identity(pki, 'medecin-martin');
  p12Password = martin.password!;
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(fs.readFileSync(pkiPath(pki, martin.p12!)).toString('binary')), p12Password);
  const bagType = forge.pki.oids.pkcs8ShroudedKeyBag!;
  for (const bag of p12.getBags({ bagType })[bagType] ?? []) {
    privateKeys.push(Buffer.from(forge.asn1.toDer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key!))).getBytes(), 'binary'));
  }
  card = await loadCardIntoSoftHsm({
    p12Path: pkiPath(pki, martin.p12!),
    password: p12Password,
    pin: PIN,
    label: 'CPS MARTIN',
    softhsmConf: path.join(tempDir('cabinet-secrets-hsm-'), 'softhsm2.conf'),
  });
  process.env.SOFTHSM2_CONF = card.conf;
  insi = await startInsiSandbox({ pki, port: 0, population: 200 });
  dmp = await startDmpSandbox({ pki, port: 0 });
  const mailEnv: Record<string, string> = {};
  if (mail.ok) {
    op = await startMssOperator({ dir: path.join(infra, 'operateur'), pkiDir: pki.dir, ports: MAIL_PORTS, patients: [] });
    const extraCa = path.join(infra, 'operateur-ca.pem');
    fs.writeFileSync(extraCa, op.ca);
    const mailbox = op.mailboxes.find((m) => m.opens && m.address.endsWith('@cabinet.test-mssante.fr'))!;
    Object.assign(mailEnv, {
      CABINET_EXTRA_CA: extraCa,
      CABINET_MSS_IMAP_URL: `imaps://127.0.0.1:${op.imap.port}`,
      CABINET_MSS_SMTP_URL: `smtp://127.0.0.1:${op.smtp.port}`,
      CABINET_MSS_ADRESSE: mailbox.address,
    });
  }

  // From here on, every temporary file the services make lands in runTmp (scanned).
  dataDir = path.join(tempDir('cabinet-secrets-data-'), 'donnees');
  runTmp = tempDir('cabinet-secrets-tmp-');
  savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = runTmp;
  traceDir = path.join(runTmp, 'traces');
  services = await createServices({
    host: 'navigateur',
    keychain,
    env: envFor(dataDir, {
      CABINET_TRUST_DIR: pki.dir,
      CABINET_INSI_URL: insi.url,
      CABINET_DMP_URL: dmp.url,
      CABINET_TRACE_DIR: traceDir,
      ...mailEnv,
    }),
  });
  services.settings.set('identity.pkcs11Module', SOFTHSM_MODULE);
  services.settings.set('identity.specialite', 'SM26');
  services.settings.set('identity.structure', 'R99701');
  dbKeyHex = keychain.get(`base-locale:${fs.readFileSync(path.join(dataDir, STORE_ID_FILE), 'utf8').trim()}`)!;

  // 1. The .p12: INSi lookups, the identity accepted and qualified, a lock and an unlock.
  await services.identity.loginP12(path.basename(martin.p12!), fs.readFileSync(pkiPath(pki, martin.p12!)), p12Password);
  const created = services.patients.create(patient, actor);
  const lookup = await services.patients.lookupTraits(patient, created.uid, actor);
  expect(lookup.cr).toBe('00');
  services.patients.acceptInsi(lookup.lookupId, created.uid, actor);
  services.patients.recordDocument(created.uid, 'CNI', '2026-11-23', actor);
  expect(
    await services.patients.lookupTraits(
      { birthName: 'HOUILLES', firstNames: 'PIERRE PAUL JACQUES', sex: 'M', birthDate: '1993-01-27' },
      undefined,
      actor,
    ),
  ).toMatchObject({ cr: '01' });
  services.patients.search('adrtrois', 10, actor);
  services.identity.lock();
  await services.identity.unlock(p12Password);

  // 2. MSSanté (the .p12 is the mailbox's card): a message about the patient to the GP's own address, then a sync.
  if (op) {
    const address = services.mss.status().address!;
    const queued = await services.mss.send({
      to: [address],
      subject: 'Compte rendu ADRTROIS Dominique',
      body: `Patiente ADRTROIS Dominique, INS ${INS}.`,
    });
    await services.worker.drain();
    expect(services.outbox.get(queued.outboxId)?.state, services.outbox.get(queued.outboxId)?.lastError ?? '').toBe('envoye');
    await op.flush(15_000);
    await services.mss.sync();
  }
  await services.identity.logout();

  // 3. The card: a DMP feed through the outbox (VIHF and submission set signed on the card).
  await services.identity.loginCard(0, PIN);
  const preview = await services.dmp.previewFeed(created.uid, { pdf: smallPdf(4096), type: '11488-4', title: 'Consultation ADRTROIS' });
  const queued = await services.dmp.feed(created.uid, { previewId: preview.previewId });
  await services.worker.drain();
  expect(services.outbox.get(queued.outboxId)?.state).toBe('envoye');
  await services.dmp.list(created.uid);
  await services.identity.logout();
  await services.close();
  services = null;
}, 180_000);

afterAll(async () => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  await services?.close();
  await op?.stop();
  await insi?.close();
  await dmp?.close();
  keychain.cleanup();
});

describe('secrets and data at rest after a full session', () => {
  it('the session left files to scan (database, logs, traces, anchors)', () => {
    const names = files(dataDir).map((f) => path.relative(dataDir, f));
    expect(names).toEqual(expect.arrayContaining([DB_FILE, STORE_ID_FILE, 'audit-anchors.jsonl']));
    expect(files(traceDir).length).toBeGreaterThan(0);
    const others = files(runTmp)
      .filter((f) => !f.startsWith(traceDir + path.sep))
      .map((f) => path.relative(runTmp, f));
    console.info(
      `secrets-at-rest: data folder ${names.join(', ')}; ${files(traceDir).length} traces; other temporary files: ${others.join(', ') || 'none'}${op ? '' : ` (MSSanté skipped: ${mail.ok ? '' : mail.message})`}`,
    );
  });

  it('no PIN, password, private key, database key or VIHF assertion in the data folder, logs, traces or temporary files', () => {
    expect(privateKeys).toHaveLength(2); // the card's authentication and signature keys
    expect(findings([...files(dataDir), ...files(runTmp)], secretNeedles())).toEqual([]);
    // No VIHF (SAML assertion) is kept on disk; the traces show the exchanged ones with every signature value redacted (not replayable).
    const traces = files(traceDir);
    const notTraces = [...files(dataDir), ...files(runTmp).filter((f) => !traces.includes(f))];
    expect(findings(notTraces, [{ what: 'assertion VIHF', bytes: Buffer.from('urn:oasis:names:tc:SAML:2.0:assertion') }])).toEqual([]);
    const withAssertion = traces.filter((f) => fs.readFileSync(f, 'utf8').includes('urn:oasis:names:tc:SAML:2.0:assertion'));
    expect(withAssertion.length).toBeGreaterThan(0);
    for (const file of withAssertion) {
      const values = [...fs.readFileSync(file, 'utf8').matchAll(/<(?:[\w-]+:)?SignatureValue\b[^>]*>([^<]*)</g)].map((m) => m[1]);
      expect(values.length, file).toBeGreaterThan(0);
      expect(
        values.every((v) => v === REDACTED),
        file,
      ).toBe(true);
    }
  });

  it('no patient name or INS outside the encrypted database (traces excepted: documented to hold the messages in clear)', () => {
    const scanned = [...files(dataDir), ...files(runTmp).filter((f) => !f.startsWith(traceDir + path.sep))];
    expect(findings(scanned, patientNeedles())).toEqual([]);
    // The needles do find what is there: the traces hold the INSi exchange with the patient's name.
    expect(findings(files(traceDir), patientNeedles()).length).toBeGreaterThan(0);
  });

  it('the database cannot be opened without the keychain’s key; folder 0700, database 0600', () => {
    const file = path.join(dataDir, DB_FILE);
    const bare = new Database(file, { readonly: true, fileMustExist: true });
    try {
      expect(() => bare.prepare('SELECT count(*) FROM sqlite_master').get()).toThrow(/not a database|encrypted/i);
    } finally {
      bare.close();
    }
    const wrong = new Database(file, { readonly: true, fileMustExist: true });
    try {
      wrong.pragma("cipher = 'sqlcipher'");
      wrong.pragma('legacy = 4');
      wrong.pragma(`key = "x'${'00'.repeat(32)}'"`);
      expect(() => wrong.prepare('SELECT count(*) FROM sqlite_master').get()).toThrow(/not a database|encrypted/i);
    } finally {
      wrong.close();
    }
    expect(fs.readFileSync(file).subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });
});
