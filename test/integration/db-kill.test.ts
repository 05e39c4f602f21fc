/**
 * The database killed during a write (SIGKILL of the writing process, at
 * seeded random moments): during the migrations of a new store, and during
 * DMP list refreshes, and during MSSanté syncs (real Dovecot, the write
 * worker). Reopened afterwards it passes `integrity_check`, the schema is
 * either migrated or not (never half), the DMP list is one whole refresh —
 * never a mix of two, never a cursor without its rows — and the mailbox holds
 * whole batches in UID order, its full-text index intact, its sync state
 * written only with every message.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../sandboxes/pki/test-pki.js';
import { MssStore } from '../../electron/mss/client/store.js';
import { freePorts, mailboxTls, mailServersAvailable, startMssOperator } from '../../sandboxes/mss-operator/index.js';
import { latestVersion } from '../../electron/platform/store/migrations/index.js';
import { openStore } from '../../electron/platform/store/database.js';
import { tempDir, TestKeychain } from '../support/fixtures.js';

const keychain = new TestKeychain();
afterAll(() => keychain.cleanup());
const seed = Number(process.env.CABINET_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** mulberry32: the kill moments, reproducible from the printed seed. */
function random(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const child = path.join(import.meta.dirname, 'children', 'db-write-child.ts');

/** Starts the child; once `ready` appears on its stdout, waits `delayMs` and kills it. */
function runAndKill(
  args: string[],
  ready: string,
  delayMs: number | null,
  env: Record<string, string> = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  const guard = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  proc.stdout.on('data', (c: Buffer) => {
    const before = stdout.includes(ready);
    stdout += c.toString();
    if (delayMs !== null && !before && stdout.includes(ready)) setTimeout(() => proc.kill('SIGKILL'), delayMs);
  });
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  // Killing before `ready` too (during the migrations): the delay runs from the start.
  if (delayMs !== null && ready === '') setTimeout(() => proc.kill('SIGKILL'), delayMs);
  return new Promise((resolve) => proc.once('exit', (code, signal) => (clearTimeout(guard), resolve({ code, signal, stdout, stderr }))));
}

describe(`base de données tuée pendant une écriture (graine ${seed})`, () => {
  it('tuée pendant les migrations : elle se rouvre, intègre, migrée entièrement', async () => {
    const rand = random(seed);
    for (let n = 0; n < 5; n++) {
      const dataDir = tempDir('cabinet-db-kill-');
      // tsx start-up takes ~0.5–2 s: spread the kills over the window where the store is created and migrated.
      const killed = await runAndKill(['migrate', dataDir, keychain.service], '', 300 + Math.floor(rand() * 2500));
      const store = openStore({ dataDir, keychain });
      try {
        expect(store.db.pragma('integrity_check', { simple: true }), killed.stderr).toBe('ok');
        expect(store.db.pragma('user_version', { simple: true })).toBe(latestVersion);
        expect(store.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'dmp_documents'").get()).toEqual({ n: 1 });
      } finally {
        store.close();
      }
    }
  }, 120_000);

  it('tuée pendant des rafraîchissements de la liste DMP : une seule génération entière, avec son curseur', async () => {
    const rand = random(seed ^ 0x5eed);
    const dataDir = tempDir('cabinet-db-kill-');
    openStore({ dataDir, keychain }).close();
    const seen: number[] = [];
    for (let n = 0; n < 5; n++) {
      const killed = await runAndKill(['refresh', dataDir, keychain.service], 'READY', Math.floor(rand() * 400));
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const store = openStore({ dataDir, keychain });
      try {
        expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
        const titles = (
          store.db.prepare("SELECT json_extract(entry, '$.title') AS title FROM dmp_documents WHERE patient_uid = 'patient-1'").all() as {
            title: string;
          }[]
        ).map((r) => r.title);
        const cursor =
          (
            store.db.prepare("SELECT cursor FROM dmp_patients WHERE patient_uid = 'patient-1'").get() as
              { cursor: string | null } | undefined
          )?.cursor ?? null;
        const generations = new Set(titles.map((t) => /^G(\d+) /.exec(t)?.[1]));
        if (titles.length === 0) expect(cursor).toBeNull();
        else {
          expect(titles).toHaveLength(300);
          expect(generations.size).toBe(1);
          expect(cursor).toBe(`g${[...generations][0]}`);
        }
        seen.push(generations.size ? Number([...generations][0]) : 0);
      } finally {
        store.close();
      }
    }
    console.log(`graine ${seed} : générations retrouvées après chaque arrêt brutal ${seen.join(', ')}`);
  }, 180_000);

  const mail = mailServersAvailable();
  it.skipIf(!mail.ok)(
    `tuée pendant des synchronisations MSSanté (Dovecot réel, écriture par le worker) : des lots entiers dans l’ordre, l’index intact, l’état écrit seulement avec tous les messages${mail.ok ? '' : ` — IGNORÉ : ${mail.message}`}`,
    async () => {
      const rand = random(seed ^ 0x3a11);
      const total = 1200;
      const batchSize = 100;
      const root = tempDir('cabinet-db-kill-mss-');
      fs.chmodSync(root, 0o711); // Postfix and Dovecot run as their own users: they must traverse it
      await createTestPki(path.join(root, 'pki'));
      const ports = await freePorts(6);
      const op = await startMssOperator({
        dir: path.join(root, 'operateur'),
        pkiDir: path.join(root, 'pki'),
        ports: { imaps: ports[0]!, imap: ports[1]!, submission: ports[2]!, smtp: ports[3]!, lmtp: ports[4]!, patient: ports[5]! },
      });
      try {
        const box = op.mailboxes.find((m) => m.identity === 'infirmier-petit')!;
        const tls = mailboxTls(box);
        // The mailbox filled over IMAP (APPEND): UIDs 1..total.
        const filler = new ImapFlow({
          host: op.imap.host,
          port: op.imap.port,
          secure: true,
          logger: false,
          tls: { ...tls, ca: op.ca, servername: op.servername },
          auth: { user: box.address, pass: 'certificat' },
        });
        await filler.connect();
        try {
          for (let i = 1; i <= total; i++) {
            const raw = `From: expediteur@hopital.test-mssante.fr\r\nTo: ${box.address}\r\nSubject: Compte rendu ${i}\r\nMessage-ID: <kill-${i}@cabinet.test>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0100\r\n\r\nCorps du message ${i}.\r\n`;
            await filler.append('INBOX', raw);
          }
        } finally {
          await filler.logout().catch(() => filler.close());
        }
        const env = {
          CABINET_TEST_IMAP: JSON.stringify({
            port: op.imap.port,
            address: box.address,
            keyPem: tls.key,
            certPem: tls.cert,
            ca: op.ca,
            batchSize,
          }),
        };
        // One whole sync first (another database) gives the window the kills are spread over.
        const scratch = tempDir('cabinet-db-kill-');
        openStore({ dataDir: scratch, keychain }).close();
        const timed = await runAndKill(['mss-sync-once', scratch, keychain.service], 'READY', null, env);
        expect(timed.code, timed.stderr).toBe(0);
        const syncMs = Number(/SYNC_MS=(\d+)/.exec(timed.stdout)?.[1]);
        const dataDir = tempDir('cabinet-db-kill-');
        openStore({ dataDir, keychain }).close();
        const check = () => {
          const store = openStore({ dataDir, keychain });
          try {
            expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
            store.db.prepare("INSERT INTO mss_fts(mss_fts) VALUES('integrity-check')").run(); // throws if the index and the rows differ
            const mss = new MssStore(store.db, box.address);
            const folder = mss.folder('INBOX');
            const uids = folder ? mss.uids(folder.id).sort((a, b) => a - b) : [];
            expect(uids).toEqual(Array.from({ length: uids.length }, (_, i) => i + 1));
            if (uids.length < total) expect(uids.length % batchSize).toBe(0);
            if ((folder?.uidNext ?? null) !== null) expect(uids).toHaveLength(total);
            return { count: uids.length, state: folder?.uidNext ?? null };
          } finally {
            store.close();
          }
        };
        const seen: string[] = [];
        for (let n = 0; n < 5; n++) {
          const delay = Math.floor(rand() * syncMs);
          const killed = await runAndKill(['mss-sync', dataDir, keychain.service], 'SYNCING', delay, env);
          expect(killed.signal, killed.stderr).toBe('SIGKILL');
          const found = check();
          seen.push(`${delay} ms → ${found.count}${found.state === null ? '' : ' (état écrit)'}`);
        }
        // Then a sync to the end resumes from what is there: every message, once.
        const resumed = await runAndKill(['mss-sync-once', dataDir, keychain.service], 'READY', null, env);
        expect(resumed.code, resumed.stderr).toBe(0);
        expect(check()).toEqual({ count: total, state: total + 1 });
        console.log(
          `graine ${seed} : synchronisation entière ${syncMs} ms ; messages retrouvés après chaque arrêt brutal pendant la synchronisation : ${seen.join(' ; ')}`,
        );
      } finally {
        await op.stop();
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
    300_000,
  );
});
