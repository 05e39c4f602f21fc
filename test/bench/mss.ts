/**
 * MSSanté bench (issue 6 « Performance »), against the real test operator:
 * 10,000 messages written straight into the GP's Maildir (then indexed by
 * Dovecot once, before anything is timed), then
 *  - first sync (headers + structure, stored in the encrypted store and
 *    searchable) vs a raw imapflow FETCH of the same items — budget ≤ 1.3×;
 *  - a resync with nothing changed vs the raw CONDSTORE resync (SELECT +
 *    UID FETCH 1:* (FLAGS) (CHANGEDSINCE n)) — budget ≤ 3×;
 *  - the process's resident memory after the syncs — budget < 250 MB.
 * Both sides of each comparison use the same, already open, IMAP connection.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ImapFlow } from 'imapflow';
import { createTestPki } from '../../electron/identity/pki/test-pki.js';
import { connectImap } from '../../electron/mss/client/imap.js';
import { MssStore } from '../../electron/mss/client/store.js';
import { SYNC_FETCH_QUERY, syncMailbox } from '../../electron/mss/client/sync.js';
import { paths } from '../../electron/mss/operator/config.js';
import { mailboxTls } from '../../electron/mss/operator/credentials.js';
import { mailServersAvailable, startMssOperator } from '../../electron/mss/operator/operator.js';
import { openStore } from '../../electron/platform/store/database.js';
import type { Keychain } from '../../electron/platform/keychain/keychain.js';
import { tempDir } from '../support/fixtures.js';
import { compare, measure, type Measure, type Row } from './harness.js';

const COUNT = 10_000;
const PORTS = { imaps: 42993, imap: 42143, submission: 42587, smtp: 42025, lmtp: 42024, patient: 42026 };
const MAIL_UID = 8;

function message(i: number, to: string): Buffer {
  const from = `correspondant${i % 97}@hopital.test-mssante.fr`;
  const id = `<bench-${i}-${randomUUID()}@hopital.test-mssante.fr>`;
  const thread = i % 5 === 0 ? '' : `In-Reply-To: <bench-${i - (i % 5)}@hopital.test-mssante.fr>\r\nReferences: <bench-${i - (i % 5)}@hopital.test-mssante.fr>\r\n`;
  const date = new Date(Date.UTC(2025, 0, 1) + i * 60_000).toUTCString().replace('GMT', '+0000');
  const boundary = `b${i}`;
  return Buffer.from(
    `Return-Path: <${from}>\r\nFrom: Dr Correspondant ${i % 97} <${from}>\r\nTo: ${to}\r\nSubject: Compte rendu ${i} patient ${i % 311}\r\nDate: ${date}\r\nMessage-ID: ${id}\r\n${thread}X-MSS-NIL: BENCH\r\nMIME-Version: 1.0\r\n` +
      `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour, veuillez trouver le compte rendu ${i}.\r\n${'Texte du courrier. '.repeat(40)}\r\n` +
      `--${boundary}\r\nContent-Type: application/pdf; name="cr-${i}.pdf"\r\nContent-Disposition: attachment; filename="cr-${i}.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.alloc(600, i % 251).toString('base64')}\r\n--${boundary}--\r\n`,
  );
}

/** Writes the messages into the mailbox's Maildir (owned by the mail user), as a delivery agent would. */
function fillMaildir(home: string, to: string): void {
  const maildir = path.join(home, 'Maildir');
  for (const sub of ['', 'new', 'cur', 'tmp']) {
    fs.mkdirSync(path.join(maildir, sub), { recursive: true });
    fs.chownSync(path.join(maildir, sub), MAIL_UID, MAIL_UID);
  }
  for (const d of [home, path.dirname(home)]) fs.chownSync(d, MAIL_UID, MAIL_UID);
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < COUNT; i++) {
    const file = path.join(maildir, 'new', `${now}.M${i}P${process.pid}.bench`);
    fs.writeFileSync(file, message(i, to));
    fs.chownSync(file, MAIL_UID, MAIL_UID);
  }
}

async function rawFetch(client: ImapFlow): Promise<number> {
  await client.mailboxOpen('INBOX', { readOnly: true });
  let n = 0;
  for await (const msg of client.fetch('1:*', SYNC_FETCH_QUERY, { uid: true })) if (msg.uid) n++;
  return n;
}

export async function benchMss(keychain: Keychain): Promise<Row[]> {
  const available = mailServersAvailable();
  if (!available.ok) throw new Error(available.message);
  const root = tempDir('cabinet-bench-mss-');
  fs.chmodSync(root, 0o711);
  const pki = await createTestPki(path.join(root, 'pki'));
  const op = await startMssOperator({ dir: path.join(root, 'operateur'), pkiDir: pki.dir, ports: PORTS });
  try {
    const martin = op.mailboxes.find((m) => m.opens && m.address.endsWith('@cabinet.test-mssante.fr'))!;
    const [local, domain] = martin.address.split('@') as [string, string];
    const seedStart = performance.now();
    fillMaildir(path.join(paths(op.dir).mailRoot, domain, local), martin.address);
    const seedMs = performance.now() - seedStart;
    const tls = mailboxTls(martin);
    const client = await connectImap({
      endpoint: { host: '127.0.0.1', port: op.imap.port, secure: true },
      auth: { user: martin.address, tls: { kind: 'pem', keyPem: tls.key, certPem: tls.cert, chainPem: [] } },
      trust: { extraCa: [op.ca] },
      socketTimeoutMs: 300_000,
    });
    try {
      // Dovecot indexes the new Maildir files once, here, before anything is timed.
      const indexStart = performance.now();
      const fetched = await rawFetch(client);
      const indexMs = performance.now() - indexStart;
      const rssAfterRaw = process.memoryUsage().rss;
      if (fetched !== COUNT) throw new Error(`${fetched} messages lus au lieu de ${COUNT}`);

      // 1. First sync vs raw FETCH, alternately, each sync into a fresh encrypted store.
      const firstSync: number[] = [];
      const raw: number[] = [];
      let rssMax = process.memoryUsage().rss;
      let last: { store: MssStore; close(): void } | null = null;
      for (let run = 0; run < 6; run++) {
        let start = performance.now();
        await rawFetch(client);
        raw.push(performance.now() - start);
        last?.close();
        const store = openStore({ dataDir: tempDir(), keychain });
        const mss = new MssStore(store.db, martin.address);
        start = performance.now();
        const result = await syncMailbox(client, mss);
        firstSync.push(performance.now() - start);
        if (result.added !== COUNT) throw new Error(`première synchronisation : ${result.added} messages au lieu de ${COUNT}`);
        if (mss.search('compte rendu 4242', 5).length === 0) throw new Error('recherche plein texte vide après synchronisation');
        rssMax = Math.max(rssMax, process.memoryUsage().rss);
        last = { store: mss, close: () => store.close() };
      }
      // The first of each is a warm-up (JIT, page cache).
      const subject: Measure = measure(firstSync.slice(1));
      const reference: Measure = measure(raw.slice(1));

      // 2. No-change resync vs the raw CONDSTORE resync.
      const state = last!.store.folder('INBOX')!;
      const resync = await compare(
        40,
        () => syncMailbox(client, last!.store),
        async () => {
          await client.mailboxOpen('INBOX', { readOnly: true });
          for await (const msg of client.fetch('1:*', { uid: true, flags: true }, { uid: true, changedSince: BigInt(state.highestModseq!) })) void msg;
        },
        5,
      );
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
      last?.close();

      const mb = (n: number) => `${Math.round(n / 1024 / 1024)} Mo`;
      return [
        {
          name: `MSSanté : première synchronisation de ${COUNT.toLocaleString('fr-FR')} messages (en-têtes + structure, base chiffrée, recherche plein texte) depuis Dovecot`,
          baseline: 'FETCH imapflow brut des mêmes éléments (UID, FLAGS, ENVELOPE, BODYSTRUCTURE, taille, date, en-têtes de fil)',
          subject,
          reference,
          budget: 1.3,
          notes: [`données    ${COUNT} messages écrits dans le Maildir en ${Math.round(seedMs)} ms, indexés par Dovecot en ${Math.round(indexMs)} ms (avant mesure)`, `mémoire    RSS maximal du processus ${mb(rssMax)} (budget < 250 Mo) ${rssMax < 250 * 1024 * 1024 ? '✔' : '✘'} ; après le seul FETCH brut : ${mb(rssAfterRaw)}`],
        },
        {
          name: 'MSSanté : resynchronisation sans changement (10 000 messages)',
          baseline: 'resynchronisation CONDSTORE brute (SELECT + UID FETCH 1:* (FLAGS) (CHANGEDSINCE n))',
          subject: resync.subject,
          reference: resync.reference,
          budget: 3,
        },
      ];
    } finally {
      await client.logout().catch(() => client.close());
    }
  } finally {
    await op.stop();
  }
}
