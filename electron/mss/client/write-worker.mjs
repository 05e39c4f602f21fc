/**
 * The MSSanté sync's write worker (see `writer.ts`): its own connection to
 * the encrypted store, so that SQLite and SQLCipher work on another core
 * while the main thread parses the IMAP FETCH stream.
 *
 * workerData: { file, pragmas, sql: { insert, fts, refresh }, timeoutMs }
 *   - `pragmas`: the cipher settings and raw key (built by `applyKey` in the
 *     main thread: one definition of the key format), then WAL and the rest;
 *   - `sql`: `MESSAGE_WRITE_SQL` from store.ts (one definition of the rows).
 * Protocol: { id, flat, shape: [nInsert, nFts, nRefresh] } → { id, ids: [[uid, rowid]] }
 *           (`flat`: per row uid, then its insert, fts and refresh values, one plain array per batch: cheap to clone)
 *           or { id, error } ; { close: true } → closes the connection and exits.
 * Each message is one transaction, written exactly as `MssStore.writeMessages` does.
 */
import { serveStoreWorker } from '../../platform/store/sqlite-worker.mjs';

// The connection and the message loop: electron/platform/store/sqlite-worker.mjs.
serveStoreWorker((db, statements) => {
  const write = db.transaction((flat, shape) => {
    const [nInsert, nFts, nRefresh] = shape;
    const stride = 1 + nInsert + nFts + nRefresh;
    const ids = [];
    for (let at = 0; at + stride <= flat.length; at += stride) {
      const uid = flat[at];
      const result = statements.insert.run(flat.slice(at + 1, at + 1 + nInsert));
      if (result.changes === 1) {
        ids.push([uid, Number(result.lastInsertRowid)]);
        const fts = flat.slice(at + nInsert, at + 1 + nInsert + nFts);
        fts[0] = result.lastInsertRowid;
        statements.fts.run(fts);
      } else {
        statements.refresh.run(flat.slice(at + 1 + nInsert + nFts, at + stride));
      }
    }
    return ids;
  });
  return (message) => ({ ids: write(message.flat, message.shape) });
});
