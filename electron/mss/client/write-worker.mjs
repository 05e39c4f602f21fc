/**
 * The MSSanté sync's write worker (see `writer.ts`): its own connection to
 * the encrypted store, so that SQLite and SQLCipher work on another core
 * while the main thread parses the IMAP FETCH stream.
 *
 * workerData: { file, pragmas, sql: { insert, fts, refresh }, timeoutMs }
 *   - `pragmas`: the cipher settings and raw key (built by `applyKey` in the
 *     main thread: one definition of the key format), then WAL and the rest;
 *   - `sql`: `MESSAGE_WRITE_SQL` from store.ts (one definition of the rows).
 * Protocol: { id, parts, width } → { id, ids: [uid, rowid, uid, rowid, …] } or { id, error };
 *           { close: true } → closes the connection and exits.
 * `parts`: the batch, each part `MessageRows` (store.ts) serialized with
 * `v8.serialize` (`WorkerWriter.pack`): per message the 16 insert values,
 * then the address text; the positions below are store.ts's `ROW`. Each
 * message is one transaction, written exactly as `MssStore.writeMessages` does.
 */
import { deserialize } from 'node:v8';
import { serveStoreWorker } from '../../platform/store/sqlite-worker.mjs';

// store.ts `ROW`
const FOLDER_ID = 0;
const UID = 1;
const MODSEQ = 2;
const SUBJECT = 6;
const FLAGS = 12;
const SEEN = 13;
const ADDRESSES = 16;
const INSERT_VALUES = 16;
const WIDTH = 17; // store.ts MESSAGE_ROW_WIDTH: a batch of any other width is refused, never written misaligned

// The connection and the message loop: electron/platform/store/sqlite-worker.mjs.
serveStoreWorker((db, statements) => {
  const write = db.transaction((parts) => {
    const ids = [];
    for (const part of parts) writeRows(part, ids);
    return ids;
  });
  const writeRows = (rows, ids) => {
    for (let at = 0; at + WIDTH <= rows.length; at += WIDTH) {
      const result = statements.insert.run(rows.slice(at, at + INSERT_VALUES));
      if (result.changes === 1) {
        ids.push(rows[at + UID], Number(result.lastInsertRowid));
        statements.fts.run(result.lastInsertRowid, rows[at + SUBJECT], rows[at + ADDRESSES]);
      } else {
        statements.refresh.run(rows[at + FLAGS], rows[at + SEEN], rows[at + MODSEQ], rows[at + FOLDER_ID], rows[at + UID]);
      }
    }
  };
  return (message) => {
    if (message.width !== WIDTH || !Array.isArray(message.parts)) throw new Error(`lignes de ${message.width} valeurs au lieu de ${WIDTH}`);
    const parts = message.parts.map((part) => {
      const rows = deserialize(part);
      if (!Array.isArray(rows) || rows.length % WIDTH !== 0) throw new Error('lignes incomplètes');
      return rows;
    });
    return { ids: parts.length === 0 ? [] : write(parts) };
  };
});
