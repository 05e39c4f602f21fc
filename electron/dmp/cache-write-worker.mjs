/**
 * The DMP cache's write worker (see `cache-writer.ts`): its own connection to
 * the encrypted store, so that SQLite and SQLCipher work on another core while
 * the services' thread keeps reading the ITI-18 answer.
 *
 * workerData: { file, pragmas, sql, timeoutMs }
 *   - `pragmas`: the cipher settings and raw key (built by `applyKey` in the
 *     calling thread: one definition of the key format), then the connection's settings;
 *   - `sql`: `DMP_WRITE_SQL` from cache.ts (one definition of the rows).
 * Protocol: { id, chunk: { uid, rows } } → { id } (one transaction, as `DmpCache.writeChunk`)
 *           { id, finish: { uid, keep, replaced, logical, fetchedAt, cursor, initialFrom } } → { id }
 *             (one transaction, as `DmpCache.finishWrite`)
 *           or { id, error } ; { close: true } → closes the connection and exits.
 * The connection and the message loop: electron/platform/store/sqlite-worker.mjs.
 */
import { serveStoreWorker } from '../platform/store/sqlite-worker.mjs';

serveStoreWorker((db, s) => {
  const chunk = db.transaction((write) => {
    s.touch.run(write.uid);
    for (const row of write.rows) s.upsert.run(row);
  });
  const finish = db.transaction((write) => {
    s.touch.run(write.uid);
    if (write.keep) s.sweep.run(write.uid, JSON.stringify(write.keep));
    for (const uuid of write.replaced) s.deprecateEntry.run(write.uid, uuid);
    for (const [lid, uuid] of write.logical) s.deprecateLogical.run(write.uid, lid, uuid);
    if (write.cursor !== null || write.initialFrom !== null) s.cursor.run(write.fetchedAt, write.cursor, write.initialFrom, write.uid);
  });
  return (message) => {
    if (message.chunk) chunk.immediate(message.chunk);
    else finish.immediate(message.finish);
    return {};
  };
});
