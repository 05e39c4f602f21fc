import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { applyKey, type Db } from '../../platform/store/database.js';
import { migrations } from '../../platform/store/migrations/index.js';
import { MESSAGE_ROW_WIDTH, messageRows, MssStore, type MessageInput } from './store.js';
import { connectionPragmas, inlineWriter, WorkerWriter } from './writer.js';

const ACCOUNT = 'marie.martin@cabinet.test-mssante.fr';
const dirs: string[] = [];
const open: Db[] = [];

afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** An encrypted store file like `openStore`'s (raw key, WAL, every migration), without the keychain. */
function encryptedStore(keyHex = randomBytes(32).toString('hex')) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-mss-writer-'));
  dirs.push(dir);
  const file = path.join(dir, 'cabinet.db');
  const db = new Database(file);
  open.push(db);
  applyKey(db, keyHex);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('secure_delete = ON');
  for (const m of migrations) m.up(db);
  const store = new MssStore(db, ACCOUNT);
  const inbox = store.upsertFolder('INBOX', 'INBOX', '/', '\\Inbox');
  return { file, db, keyHex, store, inbox };
}

const message = (uid: number, extra: Partial<MessageInput> = {}): MessageInput => ({
  uid,
  modseq: String(100 + uid),
  messageId: `<m${uid}@hopital.test-mssante.fr>`,
  inReplyTo: uid > 1 ? '<m1@hopital.test-mssante.fr>' : null,
  references: uid > 1 ? ['<m1@hopital.test-mssante.fr>'] : [],
  subject: `Compte rendu ${uid} Échographie`,
  from: [{ name: `Dr Correspondant ${uid}`, address: `correspondant${uid}@hopital.test-mssante.fr` }],
  to: [{ address: ACCOUNT }],
  cc: [],
  date: new Date(Date.UTC(2026, 0, 1, 0, uid)).toISOString(),
  size: 1000 + uid,
  flags: uid % 3 === 0 ? ['\\Seen'] : [],
  structure: '["multipart/mixed",[["1","text/plain",10]]]',
  hasAttachments: uid % 2 === 0,
  ...extra,
});

describe('the write worker', () => {
  it('writes batches handed over without waiting, in order, exactly as the store does inline; the caller’s connection sees them', async () => {
    const viaWorker = encryptedStore();
    const inline = encryptedStore();
    const batches = [1, 11, 21].map((from) => Array.from({ length: 10 }, (_, i) => message(from + i)));
    const writer = new WorkerWriter({ file: viaWorker.file, db: viaWorker.db, keyHex: viaWorker.keyHex });
    const reference = inlineWriter(inline.store);
    try {
      // All three in flight at once, as the sync does while the FETCH streams.
      const written = await Promise.all(batches.map((b) => writer.write([messageRows(viaWorker.inbox.id, b)])));
      const expected = await Promise.all(batches.map((b) => reference.write([messageRows(inline.inbox.id, b)])));
      expect(written.map((ids) => [...ids.keys()])).toEqual(batches.map((b) => b.map((m) => m.uid)));
      expect(written.map((ids) => [...ids.entries()])).toEqual(expected.map((ids) => [...ids.entries()]));
      // A UID already stored: its flags are refreshed, no new row.
      const again = await writer.write([messageRows(viaWorker.inbox.id, [message(4, { flags: ['\\Seen', '$MDNSent'] })])]);
      expect(again.size).toBe(0);
    } finally {
      await writer.close();
    }
    const page = viaWorker.store.list(viaWorker.inbox.id, 0, 100);
    expect(page.total).toBe(30);
    expect(page.messages.find((m) => m.uid === 4)).toMatchObject({ flags: ['\\Seen', '$MDNSent'], seen: true });
    inline.store.updateFlags(inline.inbox.id, [{ uid: 4, flags: ['\\Seen', '$MDNSent'], modseq: '104' }]);
    expect(page).toEqual(inline.store.list(inline.inbox.id, 0, 100));
    // Searchable: subject (accents folded), sender's name and address.
    expect(viaWorker.store.search('echographie 17', 10).map((m) => m.uid)).toEqual([17]);
    expect(viaWorker.store.search('correspondant23', 10).map((m) => m.uid)).toEqual([23]);
    expect(viaWorker.store.search('Dr Correspondant 5', 10).map((m) => m.uid)).toEqual([5]);
    expect(viaWorker.store.thread('<m1@hopital.test-mssante.fr>')).toHaveLength(30);
  });

  it('a key that does not open the database: the write fails with a French error, and so does every later one', async () => {
    const target = encryptedStore();
    const writer = new WorkerWriter({ file: target.file, db: target.db, keyHex: randomBytes(32).toString('hex') });
    try {
      const failure = await writer.write([messageRows(target.inbox.id, [message(1)])]).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(CabinetError);
      expect(failure).toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining('n’ont pas pu être enregistrés') });
      await expect(writer.write([messageRows(target.inbox.id, [message(2)])])).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      await writer.close();
    }
    expect(target.store.count(target.inbox.id)).toBe(0);
  });

  it('after close, a write is refused; close waits for the pending batches', async () => {
    const target = encryptedStore();
    const writer = new WorkerWriter({ file: target.file, db: target.db, keyHex: target.keyHex });
    const pending = writer.write([
      messageRows(
        target.inbox.id,
        Array.from({ length: 50 }, (_, i) => message(i + 1)),
      ),
    ]);
    await writer.close();
    expect((await pending).size).toBe(50);
    expect(target.store.count(target.inbox.id)).toBe(50);
    await expect(writer.write([messageRows(target.inbox.id, [message(99)])])).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('moves sealed parts to the worker rather than copying them (they are empty here afterwards)', async () => {
    const target = encryptedStore();
    const writer = new WorkerWriter({ file: target.file, db: target.db, keyHex: target.keyHex });
    try {
      const parts = [
        writer.pack(messageRows(target.inbox.id, [message(1), message(2)])),
        writer.pack(messageRows(target.inbox.id, [message(3)])),
      ];
      expect(parts.every((p) => p.byteLength > 0)).toBe(true);
      expect([...(await writer.write(parts)).keys()]).toEqual([1, 2, 3]);
      expect(parts.map((p) => p.byteLength)).toEqual([0, 0]);
    } finally {
      await writer.close();
    }
    expect(target.store.count(target.inbox.id)).toBe(3);
  });

  it('a batch that is not whole rows is refused before anything is written', async () => {
    const target = encryptedStore();
    const writer = new WorkerWriter({ file: target.file, db: target.db, keyHex: target.keyHex });
    try {
      const rows = messageRows(target.inbox.id, [message(1), message(2)]);
      expect(rows).toHaveLength(2 * MESSAGE_ROW_WIDTH);
      await expect(writer.write([rows.slice(0, -1)])).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      await writer.close();
    }
    expect(target.store.count(target.inbox.id)).toBe(0);
  });

  it.runIf(process.platform === 'linux')(
    'runs its thread in the background (Linux): nice 10, and SCHED_IDLE when util-linux chrt is there',
    async () => {
      const target = encryptedStore();
      const threads = () => new Set(fs.readdirSync('/proc/self/task'));
      const before = threads();
      const writer = new WorkerWriter({ file: target.file, db: target.db, keyHex: target.keyHex });
      try {
        await writer.ready();
        const sched = [...threads()]
          .filter((tid) => !before.has(tid))
          .map((tid) => {
            const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
            const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
            return { nice: Number(fields[16]), policy: Number(fields[38]) };
          });
        const background = sched.filter((t) => t.nice === 10);
        expect(background).toHaveLength(1);
        if (fs.existsSync('/usr/bin/chrt') || fs.existsSync('/bin/chrt')) expect(background[0]!.policy).toBe(5); // SCHED_IDLE
        // The main thread is untouched.
        const main = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
        expect(Number(main.slice(main.lastIndexOf(')') + 2).split(' ')[16])).toBe(0);
      } finally {
        await writer.close();
      }
    },
  );

  it('opens its connection like the caller’s: the cipher and raw key (refusing a malformed one), then the same settings', () => {
    const target = encryptedStore();
    const pragmas = connectionPragmas(target.db, target.keyHex);
    expect(pragmas).toEqual([
      "cipher='sqlcipher'",
      'legacy=4',
      `key="x'${target.keyHex}'"`,
      'synchronous = 1',
      'foreign_keys = 1',
      'secure_delete = 1',
    ]);
    expect(() => connectionPragmas(target.db, 'pas-une-clé')).toThrow(CabinetError);
  });
});
