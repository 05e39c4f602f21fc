/**
 * The MSSanté client against the REAL test operator (Dovecot + Postfix with
 * client-certificate authentication, the Mon espace santé stand-in): two
 * practitioners' Cabinet services (GP Marie Martin, nurse Julien Petit), each
 * with its encrypted store, logged in with its test card (.p12), talking
 * IMAP (SASL EXTERNAL over TLS) and SMTP submission (STARTTLS + certificate).
 */
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServices, type Services } from '../../electron/app/services.js';
import { createTestPki, identity, pkiPath, type PkiManifest } from '../../sandboxes/pki/test-pki.js';
import {
  carteMarieMartin,
  sandboxPractitioners,
  startPscSandbox,
  testPkiPractitioners,
  type PscSandbox,
} from '../../sandboxes/psc/server.js';
import { connectImap } from '../../electron/mss/client/imap.js';
import { MssStore } from '../../electron/mss/client/store.js';
import { syncMailbox, type NewMessage, type SyncProgress } from '../../electron/mss/client/sync.js';
import { WorkerWriter } from '../../electron/mss/client/writer.js';
import { mailboxTls } from '../../sandboxes/mss-operator/credentials.js';
import { mailServersAvailable, startMssOperator, type MssOperator } from '../../sandboxes/mss-operator/operator.js';
import type { OperatorMailbox } from '../../sandboxes/mss-operator/mailboxes.js';
import { insKey } from '../../shared/domain/ins/matricule.js';
import { registerMss } from '../../electron/cli/mss.js';
import { KEYCHAIN_SERVICE, OsKeychain } from '../../electron/platform/keychain/keychain.js';
import { openStore, STORE_ID_FILE } from '../../electron/platform/store/database.js';
import { runCli } from '../support/cli.js';
import { envFor, tempDir, TestKeychain } from '../support/fixtures.js';

const available = mailServersAvailable();
const PORTS = { imaps: 41993, imap: 41143, submission: 41587, smtp: 41025, lmtp: 41024, patient: 41026 };
const TESTDATA = path.join(import.meta.dirname, '..', '..', 'electron', 'mss', 'testdata');
/** INS of the CDA in testdata (GARCIA Zoé, test OID): her Mon espace santé is active. */
const INS_ACTIF = '279035121518989';
const INS_INCONNU = `2850599123456${insKey('2850599123456')}`;
const TEST_OID = '1.2.250.1.213.1.4.10';

interface Practice {
  services: Services;
  mailbox: OperatorMailbox;
  keychain: TestKeychain;
  dataDir: string;
}

let root: string;
let pki: PkiManifest;
let op: MssOperator;
let martin: Practice;
let petit: Practice;
let extraCa: string;
let psc: PscSandbox;

function env(mailbox: OperatorMailbox, dataDir: string): Record<string, string> {
  return {
    CABINET_TRUST_DIR: pki.dir,
    CABINET_EXTRA_CA: extraCa,
    CABINET_MSS_IMAP_URL: `imaps://127.0.0.1:${op.imap.port}`,
    CABINET_MSS_SMTP_URL: `smtp://127.0.0.1:${op.smtp.port}`,
    CABINET_MSS_ADRESSE: mailbox.address,
    CABINET_DATA_DIR: dataDir,
  };
}

async function practice(match: (m: OperatorMailbox) => boolean): Promise<Practice> {
  const mailbox = op.mailboxes.find((m) => m.opens && match(m))!;
  const keychain = new TestKeychain();
  const dataDir = tempDir();
  const services = await createServices({ host: 'navigateur', keychain, env: envFor(dataDir, env(mailbox, dataDir)) });
  await services.identity.loginP12(path.basename(mailbox.p12), fs.readFileSync(mailbox.p12), mailbox.password);
  return { services, mailbox, keychain, dataDir };
}

/** A qualified patient in a practice's store (test fixture: the INSi + document-check flow is tested elsewhere). */
function qualifiedPatient(p: Practice, ins: string, traits: { nom: string; prenom: string; naissance: string; sexe: 'F' | 'M' }): string {
  const uid = randomUUID();
  const now = new Date().toISOString();
  p.services.store.db
    .prepare(
      `INSERT INTO patients (uid, birth_name, first_name, first_names, sex, birth_date, ins_matricule, ins_cle, ins_oid, status, document_type, document_date, document_checked_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'QUAL', 'CNI', ?, 'test', ?, ?)`,
    )
    .run(
      uid,
      traits.nom,
      traits.prenom,
      traits.prenom,
      traits.sexe,
      traits.naissance,
      ins.slice(0, 13),
      ins.slice(13),
      TEST_OID,
      now.slice(0, 10),
      now,
      now,
    );
  return uid;
}

async function sendAndDeliver(p: Practice, request: Parameters<Services['mss']['send']>[0]) {
  const queued = await p.services.mss.send(request);
  await p.services.worker.drain();
  const item = p.services.outbox.get(queued.outboxId)!;
  expect(item.state, item.lastError ?? '').toBe('envoye');
  await op.flush(15_000);
  return queued;
}

async function inboxMessage(p: Practice, messageId: string) {
  await p.services.mss.sync();
  const inbox = p.services.mss.folders().find((f) => f.path === 'INBOX')!;
  const list = p.services.mss.list(inbox.id, 0, 500);
  const found = list.messages.find((m) => m.messageId === messageId);
  expect(found, `message ${messageId} absent de ${p.mailbox.address}`).toBeDefined();
  return found!;
}

beforeAll(async () => {
  if (!available.ok) return;
  root = tempDir('cabinet-mss-client-');
  fs.chmodSync(root, 0o711); // the mail servers' system users must reach the operator folder
  pki = await createTestPki(path.join(root, 'pki'));
  // Pro Santé Connect sandbox (e-CPS), knowing the test cards' practitioners; the operator checks tokens there.
  const pscServer = identity(pki, 'serveur-psc');
  const readPki = (relative: string) => fs.readFileSync(pkiPath(pki, relative), 'utf8');
  psc = await startPscSandbox({
    certPem: readPki(pscServer.certPem!) + readPki(pscServer.chainPem!),
    keyPem: readPki(pscServer.keyPem!),
    port: 0,
    practitioners: [...sandboxPractitioners, ...testPkiPractitioners],
    autoApproveAfterMs: 50,
  });
  op = await startMssOperator({
    dir: path.join(root, 'operateur'),
    pkiDir: pki.dir,
    ports: PORTS,
    patients: [{ ins: INS_ACTIF, readReceipts: false }],
    psc: { url: psc.url, submissionPort: 41588 },
  });
  extraCa = path.join(root, 'operateur-ca.pem');
  fs.writeFileSync(extraCa, op.ca);
  martin = await practice((m) => m.address.endsWith('@cabinet.test-mssante.fr'));
  petit = await practice((m) => m.address.endsWith('@hopital.test-mssante.fr'));
}, 90_000);

afterAll(async () => {
  for (const p of [martin, petit]) {
    if (!p) continue;
    await p.services.identity.logout().catch(() => undefined);
    await p.services.close();
    p.keychain.cleanup();
  }
  await op?.stop();
  await psc?.close();
});

describe.skipIf(!available.ok)(
  `MSSanté client against Dovecot + Postfix${available.ok ? '' : ` (ignoré : ${available.ok ? '' : available.message})`}`,
  () => {
    it('good certificate: syncs the mailbox (SPECIAL-USE folders, CONDSTORE/QRESYNC); a resync without change does nothing', async () => {
      const first = await martin.services.mss.sync();
      expect(first.condstore).toBe(true);
      expect(first.qresync).toBe(true);
      const again = await martin.services.mss.sync();
      expect(again.folders.every((f) => f.unchanged)).toBe(true);
      expect(martin.services.mss.status()).toMatchObject({ configured: true, serversAvailable: true, address: martin.mailbox.address });
    });

    it('incremental: new mail, flag changes (CONDSTORE), expunges (QRESYNC VANISHED), UIDVALIDITY change (resync)', async () => {
      const tls = mailboxTls(petit.mailbox);
      const raw = await connectImap({
        endpoint: { host: '127.0.0.1', port: op.imap.port, secure: true },
        trust: { extraCa: [op.ca] },
        auth: { user: petit.mailbox.address, tls: { kind: 'pem', keyPem: tls.key, certPem: tls.cert, chainPem: [] } },
      });
      const mail = (n: number) =>
        Buffer.from(
          `From: a@hopital.test-mssante.fr\r\nTo: ${petit.mailbox.address}\r\nSubject: Archive ${n}\r\nMessage-ID: <archive-${n}-${randomUUID()}@x>\r\n\r\nTexte ${n}\r\n`,
        );
      try {
        await raw.mailboxCreate('Archives');
        for (const n of [1, 2, 3]) await raw.append('Archives', mail(n));
        const first = await petit.services.mss.sync();
        expect(first.folders.find((f) => f.path === 'Archives')).toMatchObject({ added: 3 });
        const archives = () => petit.services.mss.folders().find((f) => f.path === 'Archives')!;
        expect(archives()).toMatchObject({ total: 3, unread: 3 });

        await raw.mailboxOpen('Archives');
        await raw.messageFlagsAdd('1', ['\\Seen']);
        await raw.messageDelete('2');
        await raw.append('Archives', mail(4));
        const second = await petit.services.mss.sync();
        expect(second.folders.find((f) => f.path === 'Archives')).toMatchObject({ added: 1, updated: 1, removed: 1, resynced: false });
        expect(archives()).toMatchObject({ total: 3, unread: 2 });

        // Same name, new folder: a new UIDVALIDITY, every local UID dropped and fetched again.
        await raw.mailboxOpen('INBOX');
        await raw.mailboxDelete('Archives');
        await raw.mailboxCreate('Archives');
        await raw.append('Archives', mail(5));
        const third = await petit.services.mss.sync();
        expect(third.folders.find((f) => f.path === 'Archives')).toMatchObject({ added: 1, resynced: true });
        expect(petit.services.mss.list(archives().id, 0, 10).messages.map((m) => m.subject)).toEqual(['Archive 5']);
      } finally {
        await raw.logout();
      }
    });

    it.runIf(process.platform === 'linux')(
      'app hosts: the sync’s write worker starts when the practitioner logs in (not at launch), in the background, and stops with the services',
      async () => {
        const mailbox = op.mailboxes.find((m) => m.opens && m.address.endsWith('@cabinet.test-mssante.fr'))!;
        const keychain = new TestKeychain();
        const dataDir = tempDir();
        // Threads of this process at nice 10: the sync's write workers (sqlite-worker.mjs `background`).
        const backgroundThreads = () =>
          fs.readdirSync('/proc/self/task').filter((tid) => {
            try {
              const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
              return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) === 10;
            } catch {
              return false; // the thread ended meanwhile
            }
          }).length;
        const before = backgroundThreads();
        const services = await createServices({
          host: 'navigateur',
          keychain,
          env: envFor(dataDir, env(mailbox, dataDir)),
          background: true,
        });
        try {
          await new Promise((resolve) => setTimeout(resolve, 300));
          expect(backgroundThreads()).toBe(before);
          await services.identity.loginP12(path.basename(mailbox.p12), fs.readFileSync(mailbox.p12), mailbox.password);
          await vi.waitFor(() => expect(backgroundThreads()).toBe(before + 1), { timeout: 5000 });
          expect((await services.mss.sync()).added).toBeGreaterThanOrEqual(0);
          expect(backgroundThreads()).toBe(before + 1); // the same writer, kept
        } finally {
          await services.close();
          keychain.cleanup();
        }
        expect(backgroundThreads()).toBe(before);
      },
    );

    it('IMAP with STARTTLS (imap://) authenticates the same way', async () => {
      const tls = mailboxTls(martin.mailbox);
      const client = await connectImap({
        endpoint: { host: '127.0.0.1', port: op.imapStarttls.port, secure: false },
        trust: { extraCa: [op.ca] },
        auth: { user: martin.mailbox.address, tls: { kind: 'pem', keyPem: tls.key, certPem: tls.cert, chainPem: [] } },
      });
      try {
        expect((client as unknown as { secureConnection: boolean }).secureConnection).toBe(true);
        expect((await client.list()).map((f) => f.path)).toContain('INBOX');
      } finally {
        await client.logout();
      }
    });

    it('foreign certificate and no certificate are refused by the server, in French', async () => {
      const trust = { extraCa: [op.ca] };
      const endpoint = { host: '127.0.0.1', port: op.imap.port, secure: true };
      const foreign = op.mailboxes.find((m) => /autorit|étrang|etrang/i.test(m.refusal ?? ''))!;
      expect(foreign).toBeDefined();
      const tls = mailboxTls(foreign);
      const refused = await connectImap({
        endpoint,
        trust,
        auth: { user: foreign.address, tls: { kind: 'pem', keyPem: tls.key, certPem: tls.cert, chainPem: [] } },
      }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: expect.stringMatching(/UNAUTHORIZED|UNAVAILABLE/) });
      expect((refused as Error).message).toMatch(/Certificat refusé|fermé la connexion|Authentification refusée/);
      // No certificate: the client itself refuses to try…
      await expect(connectImap({ endpoint, trust, auth: { user: martin.mailbox.address, tls: null } })).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
      // …and the server refuses a login without one (a token alone is not enough here).
      const bare = await connectImap({
        endpoint,
        trust,
        auth: { user: martin.mailbox.address, tls: null, accessToken: 'jeton-invalide' },
      }).catch((e: unknown) => e);
      expect(bare).toMatchObject({ code: expect.stringMatching(/UNAUTHORIZED|UNAVAILABLE/) });
    });

    it('e-CPS (Pro Santé Connect): the GP logs in with her phone; sync over IMAP and send over SMTP with the access token (XOAUTH2), no card', async () => {
      const keychain = new TestKeychain();
      const dataDir = tempDir();
      const services = await createServices({
        host: 'navigateur',
        keychain,
        env: envFor(dataDir, {
          ...env(martin.mailbox, dataDir),
          CABINET_PSC_URL: psc.url,
          CABINET_MSS_SMTP_TOKEN_URL: `smtp://127.0.0.1:${op.smtpToken!.port}`,
        }),
      });
      try {
        const started = await services.identity.ecpsStart(carteMarieMartin.idNatPs);
        let result = await services.identity.ecpsPoll(started.authReqId);
        for (let i = 0; i < 50 && result.status === 'en_attente'; i++) {
          await new Promise((r) => setTimeout(r, started.interval * 1000));
          result = await services.identity.ecpsPoll(started.authReqId);
        }
        expect(result).toMatchObject({
          status: 'connecte',
          session: { source: 'e_cps', practitioner: { idNatPs: martin.mailbox.idNatPs } },
        });
        // Same mailbox as with the card: the folders the card's sessions made are there.
        const synced = await services.mss.sync();
        expect(synced.folders.map((f) => f.path)).toContain('INBOX');
        const queued = await services.mss.send({
          to: [petit.mailbox.address],
          subject: 'Envoyé avec e-CPS',
          body: 'Bonjour, connexion Pro Santé Connect.',
        });
        await services.worker.drain();
        const item = services.outbox.get(queued.outboxId)!;
        expect(item.state, item.lastError ?? '').toBe('envoye');
        await op.flush(15_000);
        // Delivered to the nurse, from the GP's own mailbox (the token submission port checks the sender).
        const received = await inboxMessage(petit, queued.messageId);
        expect(received.messageId).toBe(queued.messageId);
      } finally {
        await services.identity.logout().catch(() => undefined);
        await services.close();
        keychain.cleanup();
      }
    });

    it('pro → pro with a CDA in IHE_XDM: MSSanté headers, delivered, linked to the QUAL patient by INS, imported; timeline envoyé → remis', async () => {
      const garcia = qualifiedPatient(martin, INS_ACTIF, { nom: 'GARCIA', prenom: 'Zoé', naissance: '1979-03-12', sexe: 'F' });
      const cda = fs.readFileSync(path.join(TESTDATA, 'cda-cr-consultation.xml'));
      const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2048, 0x20), Buffer.from('\n%%EOF\n')]);
      const queued = await sendAndDeliver(martin, {
        to: [petit.mailbox.address],
        subject: 'ignoré',
        body: 'Compte rendu ci-joint.',
        patientUid: garcia,
        cda: { xml: cda, pdf },
      });

      // The nurse's Cabinet: the patient is known there as QUAL → « rapproché », then imported.
      const herUid = qualifiedPatient(petit, INS_ACTIF, { nom: 'GARCIA', prenom: 'Zoé', naissance: '1979-03-12', sexe: 'F' });
      const summary = await inboxMessage(petit, queued.messageId);
      expect(summary.xdm).toBe(true);
      expect(summary.subject).not.toContain('XDM/1.0/DDM+');
      const message = await petit.services.mss.get(summary.id);
      const mail = message.mail;
      if (!mail) throw new Error('courriel non lu');
      expect(Object.fromEntries(mail.mss.map((l) => [l.header, l.value]))).toMatchObject({
        'X-MSS-NIL': expect.any(String),
        'X-MSS-CODECDA': expect.any(String),
        'X-MSS-INS': 'O',
      });
      expect(mail.pieces.map((p) => p.nom)).toEqual(expect.arrayContaining(['IHE_XDM.ZIP', 'document.pdf']));
      expect(message.documents).toEqual([
        expect.objectContaining({ ins: INS_ACTIF, patientUid: herUid, state: 'rapproche', hasPdf: true }),
      ]);
      const imported = petit.services.mss.importDocument(message.documents[0]!.id);
      expect(imported).toEqual({ id: message.documents[0]!.id, patientUid: herUid, state: 'importe' });
      // Reading the cached body again does not go to the server.
      expect((await petit.services.mss.get(summary.id)).text).toContain('Compte rendu');
      // Search finds it by body text once fetched, and by sender.
      expect(petit.services.mss.search('compte rendu', 10).map((m) => m.id)).toContain(summary.id);
      expect(petit.services.mss.search('martin', 10).map((m) => m.id)).toContain(summary.id);

      // The GP's Cabinet: the DSN « delivered » from Postfix lands in her inbox and updates the timeline.
      await martin.services.mss.sync();
      const timeline = martin.services.mss.timeline(queued.messageId);
      expect(timeline.recipients).toEqual([expect.objectContaining({ recipient: petit.mailbox.address, state: 'remis' })]);
      expect(timeline.recipients[0]!.events.map((e) => e.state)).toEqual(['envoye', 'remis']);
      const audit = martin.services.store.db.prepare("SELECT action FROM audit_log WHERE action LIKE 'mss.%'").pluck().all() as string[];
      expect(audit).toEqual(expect.arrayContaining(['mss.sync', 'mss.send']));
    });

    it('unknown recipient → DSN failure → « échec » with the reason on the timeline', async () => {
      const queued = await sendAndDeliver(martin, { to: ['personne@hopital.test-mssante.fr'], subject: 'Adresse inconnue', body: 'Test' });
      await martin.services.mss.sync();
      const timeline = martin.services.mss.timeline(queued.messageId);
      expect(timeline.recipients[0]).toMatchObject({ state: 'echec', label: expect.stringMatching(/échec/) });
      // Issue 15: Envois says « Échec » (not « Envoyé »), and the report is not unread mail.
      expect(martin.services.mss.delivery(queued.messageId)).toMatchObject({ state: 'echec' });
      const reports = martin.services.store.db
        .prepare(
          "SELECT seen FROM mss_messages m JOIN mss_folders f ON f.id = m.folder_id WHERE f.path = 'INBOX' AND m.subject LIKE 'Undelivered Mail%'",
        )
        .pluck()
        .all() as number[];
      expect(reports.length).toBeGreaterThan(0);
      expect(reports.every((seen) => seen === 1)).toBe(true);
    });

    it('read receipt: asked by the GP, sent automatically by the nurse’s Cabinet when shown ($MDNSent), « lu » on the GP’s timeline', async () => {
      const queued = await sendAndDeliver(martin, {
        to: [petit.mailbox.address],
        subject: 'Merci de confirmer',
        body: 'Lu ?',
        readReceipt: true,
      });
      const summary = await inboxMessage(petit, queued.messageId);
      const shown = await petit.services.mss.get(summary.id);
      expect(shown.mdn).toBe('envoye');
      await petit.services.mss.sync();
      expect(petit.services.mss.list(summary.folderId, 0, 500).messages.find((m) => m.id === summary.id)!.flags).toContain('$MDNSent');
      // Shown again: no second receipt.
      expect((await petit.services.mss.get(summary.id)).mdn).toBe('envoye');
      await op.flush(15_000);
      await martin.services.mss.sync();
      const timeline = martin.services.mss.timeline(queued.messageId);
      expect(timeline.recipients[0]).toMatchObject({ state: 'lu' });
    });

    it('read receipt asked to another address than the Return-Path: the user is asked (RFC 8098)', async () => {
      const messageId = `<${randomUUID()}@cabinet.test-mssante.fr>`;
      const raw = Buffer.from(
        [
          `From: ${martin.mailbox.address}`,
          `To: ${petit.mailbox.address}`,
          'Subject: Accusé vers une autre adresse',
          `Message-ID: ${messageId}`,
          'Disposition-Notification-To: secretariat@cabinet.test-mssante.fr',
          'Date: Mon, 23 Nov 2026 08:00:00 +0000',
          'Content-Type: text/plain; charset=utf-8',
          '',
          'Bonjour',
          '',
        ].join('\r\n'),
      );
      await op.deliverRaw(petit.mailbox.address, raw, martin.mailbox.address);
      const summary = await inboxMessage(petit, messageId);
      expect((await petit.services.mss.get(summary.id)).mdn).toBe('a_demander');
      expect(petit.services.mss.refuseMdn(summary.id)).toEqual({ id: summary.id, mdn: 'refuse' });
    });

    it('patient: address from the qualified INS only; X-MSS-MES: FIN blocks the reply; an inactive space → DSN failure', async () => {
      const garcia = martin.services.store.db
        .prepare('SELECT uid FROM patients WHERE ins_matricule = ?')
        .pluck()
        .get(INS_ACTIF.slice(0, 13)) as string;
      // A patient address typed by hand is refused.
      await expect(martin.services.mss.send({ to: [`${INS_ACTIF}@patient.mssante.fr`], subject: 'x', body: 'x' })).rejects.toMatchObject({
        code: 'INVALID_REQUEST',
      });
      const queued = await sendAndDeliver(martin, {
        to: [],
        subject: 'Résultats',
        body: 'Vos résultats sont normaux.',
        patientUid: garcia,
        toPatient: true,
        fin: true,
      });
      const inbox = await op.patient.inbox(INS_ACTIF);
      const received = inbox.find((raw) => raw.includes(queued.messageId))!;
      expect(received).toMatch(/^X-MSS-MES: FIN/m);
      expect(received).toMatch(/^X-MSS-NIL: /m);
      await expect(
        op.patient.send(INS_ACTIF, { to: martin.mailbox.address, inReplyTo: queued.messageId, text: 'Merci docteur' }),
      ).rejects.toThrow();

      const closed = qualifiedPatient(martin, INS_INCONNU, { nom: 'DURAND', prenom: 'Léa', naissance: '1985-05-01', sexe: 'F' });
      const lost = await sendAndDeliver(martin, { to: [], subject: 'Bonjour', body: 'x', patientUid: closed, toPatient: true });
      await martin.services.mss.sync();
      expect(martin.services.mss.timeline(lost.messageId).recipients[0]).toMatchObject({ state: 'echec' });
    });

    it('malformed MIME and hostile zips from the corpus: synced, read with a clear French error or remark, nothing written to disk', async () => {
      const files = fs.readdirSync(TESTDATA).filter((f) => f.endsWith('.eml'));
      expect(files.length).toBeGreaterThanOrEqual(8);
      await petit.services.mss.sync();
      const inbox = petit.services.mss.folders().find((f) => f.path === 'INBOX')!;
      const before = new Set(petit.services.mss.list(inbox.id, 0, 1000).messages.map((m) => m.id));
      for (const f of files)
        await op.deliverRaw(petit.mailbox.address, fs.readFileSync(path.join(TESTDATA, f)), 'expediteur@hopital.test-mssante.fr');
      await petit.services.mss.sync();
      const all = petit.services.mss.list(inbox.id, 0, 1000).messages.filter((m) => !before.has(m.id));
      const spies = [
        vi.spyOn(fs, 'writeFileSync'),
        vi.spyOn(fs, 'writeFile'),
        vi.spyOn(fs, 'createWriteStream'),
        vi.spyOn(fs.promises, 'writeFile'),
        vi.spyOn(fs, 'mkdirSync'),
      ];
      try {
        const outcomes: { subject: string; error: string | null; remarks: number }[] = [];
        for (const m of all) {
          const view = await petit.services.mss.get(m.id);
          const mail = view.mail as { remarques: string[]; xdm: { erreur: string | null }[] } | null;
          outcomes.push({
            subject: m.subject,
            error: view.error,
            remarks: (mail?.remarques.length ?? 0) + (mail?.xdm.filter((x) => x.erreur).length ?? 0),
          });
        }
        expect(outcomes.length).toBe(files.length);
        // Every hostile message says why, in French, and none crashed the service.
        const flagged = outcomes.filter((o) => o.error !== null || o.remarks > 0);
        expect(flagged.length).toBeGreaterThanOrEqual(3);
        for (const o of outcomes) if (o.error) expect(o.error).toMatch(/Courriel illisible|trop volumineux|Archive/);
        for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
    });

    it.each([
      ['after the Sent copy', 'crash'],
      ['between the server’s acceptance and the Sent copy (the SMTP journal)', 'crash-accepted'],
    ])(
      'kill -9 during a send (%s), restart: the outbox resends and the recipient holds the mail exactly once',
      async (_when, crashMode) => {
        const child = path.join(import.meta.dirname, 'children', 'mss-send-child.ts');
        const dataDir = tempDir();
        const keychain = new TestKeychain();
        // The store (and its key) is created here, then the child processes open it.
        const setup = await createServices({ host: 'cli', keychain, env: envFor(dataDir, env(martin.mailbox, dataDir)) });
        await setup.close();
        const args = [
          martin.mailbox.p12,
          martin.mailbox.password,
          dataDir,
          keychain.service,
          JSON.stringify(env(martin.mailbox, dataDir)),
          petit.mailbox.address,
        ];
        const node = (mode: string) =>
          spawnSync(process.execPath, ['--import', 'tsx', child, mode, ...args], { encoding: 'utf8', timeout: 60_000 });
        try {
          const crashed = node(crashMode);
          expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
          const messageId = /MESSAGE-ID (<[^>]+>)/.exec(crashed.stdout)?.[1];
          expect(messageId).toBeDefined();
          const resumed = node('resume');
          expect(resumed.status, resumed.stderr).toBe(0);
          expect(JSON.parse(resumed.stdout.trim().split('\n').pop()!)).toMatchObject([
            { idempotencyKey: messageId, state: 'envoye', attempts: 2 },
          ]);
          await op.flush(15_000);
          await petit.services.mss.sync();
          const inbox = petit.services.mss.folders().find((f) => f.path === 'INBOX')!;
          const copies = petit.services.mss.list(inbox.id, 0, 1000).messages.filter((m) => m.messageId === messageId);
          expect(copies).toHaveLength(1);
          // And the sender's Sent folder holds it once.
          await martin.services.mss.sync();
          const sent = martin.services.mss.folders().find((f) => f.specialUse === '\\Sent')!;
          expect(martin.services.mss.list(sent.id, 0, 1000).messages.filter((m) => m.messageId === messageId)).toHaveLength(1);
        } finally {
          keychain.cleanup();
        }
      },
      120_000,
    );

    it('CLI: `cabinet mss send` then `cabinet mss sync --json` (non-zero exit on failure)', async () => {
      const saved = { ...process.env };
      const dirs: string[] = [];
      const cli = async (who: Practice, args: string[]) => {
        const dataDir = tempDir();
        dirs.push(dataDir);
        Object.assign(process.env, envFor(dataDir, env(who.mailbox, dataDir)), { CABINET_PIN: who.mailbox.password });
        try {
          return await runCli([registerMss], args);
        } finally {
          for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
          Object.assign(process.env, saved);
        }
      };
      try {
        const sent = await cli(martin, [
          'mss',
          'send',
          '--p12',
          martin.mailbox.p12,
          '--to',
          petit.mailbox.address,
          '--subject',
          'Par la ligne de commande',
          '--body',
          'Bonjour',
          '--accuse-lecture',
          '--json',
        ]);
        expect(sent.exitCode, sent.stdout + sent.stderr).toBe(0);
        const value = (JSON.parse(sent.stdout) as { ok: boolean; value: { messageId: string; etat: string } }).value;
        expect(value.etat).toBe('envoye');
        await op.flush(15_000);
        const synced = await cli(petit, ['mss', 'sync', '--p12', petit.mailbox.p12, '--json']);
        expect(synced.exitCode, synced.stdout + synced.stderr).toBe(0);
        const result = JSON.parse(synced.stdout) as { ok: boolean; value: { added: number; dossiers: { path: string; total: number }[] } };
        expect(result.ok).toBe(true);
        expect(result.value.added).toBeGreaterThan(0);
        expect(result.value.dossiers.find((d) => d.path === 'INBOX')!.total).toBeGreaterThan(0);
        // A refused recipient: exit 1 and a French message.
        const refused = await cli(martin, [
          'mss',
          'send',
          '--p12',
          martin.mailbox.p12,
          '--to',
          'pas-une-adresse',
          '--subject',
          'x',
          '--json',
        ]);
        expect(refused.exitCode).toBe(1);
        expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, message: expect.stringMatching(/invalide/) });
      } finally {
        for (const dir of dirs) {
          const idFile = path.join(dir, STORE_ID_FILE);
          if (fs.existsSync(idFile)) new OsKeychain(KEYCHAIN_SERVICE).delete(`base-locale:${fs.readFileSync(idFile, 'utf8').trim()}`);
        }
      }
    }, 60_000);

    it('first sync written by the write worker (own connection to the encrypted store, several batches in flight): the same rows, ids, search and progress as inline', async () => {
      const tls = mailboxTls(petit.mailbox);
      const client = await connectImap({
        endpoint: { host: '127.0.0.1', port: op.imap.port, secure: true },
        auth: { user: petit.mailbox.address, tls: { kind: 'pem', keyPem: tls.key, certPem: tls.cert, chainPem: [] } },
        trust: { extraCa: [op.ca] },
      });
      const stores = [
        openStore({ dataDir: tempDir(), keychain: petit.keychain }),
        openStore({ dataDir: tempDir(), keychain: petit.keychain }),
      ];
      try {
        const run = async (store: (typeof stores)[number], withWorker: boolean) => {
          const mss = new MssStore(store.db, petit.mailbox.address);
          const fresh: NewMessage[] = [];
          const progress: SyncProgress[] = [];
          const writer = withWorker
            ? new WorkerWriter({ file: store.file, db: store.db, keyHex: petit.keychain.get(`base-locale:${store.storeId}`)! })
            : undefined;
          try {
            const result = await syncMailbox(client, mss, {
              folders: ['INBOX'],
              batchSize: 3,
              maxPending: 2,
              onNew: (m) => void fresh.push(...m),
              onProgress: (p) => void progress.push(p),
              ...(writer ? { writer } : {}),
            });
            return { mss, result, fresh, progress };
          } finally {
            await writer?.close();
          }
        };
        const inline = await run(stores[0]!, false);
        const worker = await run(stores[1]!, true);
        expect(inline.result.added).toBeGreaterThan(6); // several batches of 3
        expect(worker.result.added).toBe(inline.result.added);
        const inbox = (s: MssStore) => s.folder('INBOX')!;
        expect(worker.mss.list(inbox(worker.mss).id, 0, 1000)).toEqual(inline.mss.list(inbox(inline.mss).id, 0, 1000));
        expect(inbox(worker.mss)).toMatchObject({
          uidValidity: inbox(inline.mss).uidValidity,
          uidNext: inbox(inline.mss).uidNext,
          highestModseq: inbox(inline.mss).highestModseq,
        });
        // onNew: every new row once, in UID order, with the id the caller's connection reads.
        expect(worker.fresh.map((m) => [m.uid, m.rowId, m.type])).toEqual(inline.fresh.map((m) => [m.uid, m.rowId, m.type]));
        for (const m of worker.fresh) expect(worker.mss.message(m.rowId)?.uid).toBe(m.uid);
        expect(worker.progress.map((p) => p.done)).toEqual(inline.progress.map((p) => p.done));
        expect(worker.progress.at(-1)).toMatchObject({ done: worker.result.added });
        const subject = inline.mss.list(inbox(inline.mss).id, 0, 1).messages[0]!.subject;
        expect(worker.mss.search(subject, 5).map((m) => m.uid)).toEqual(inline.mss.search(subject, 5).map((m) => m.uid));
      } finally {
        for (const store of stores) {
          store.close();
          petit.keychain.delete(`base-locale:${store.storeId}`);
        }
        await client.logout().catch(() => client.close());
      }
    }, 60_000);
  },
);
