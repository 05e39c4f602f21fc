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
 * Same pattern as electron/mss/client/write-worker.mjs (kept apart: different SQL and protocol).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3-multiple-ciphers';

const { file, pragmas, sql, timeoutMs } = workerData;
let db = null;
let run = null;

function open() {
  db = new Database(file, { timeout: timeoutMs, fileMustExist: true });
  for (const pragma of pragmas) db.pragma(pragma);
  const s = {};
  for (const [name, text] of Object.entries(sql)) s[name] = db.prepare(text);
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
  run = { chunk: (w) => chunk.immediate(w), finish: (w) => finish.immediate(w) };
}

parentPort.on('message', (message) => {
  if (message?.close) {
    if (db?.open) db.close();
    parentPort.close();
    return;
  }
  try {
    if (!db) open();
    if (message.chunk) run.chunk(message.chunk);
    else run.finish(message.finish);
    parentPort.postMessage({ id: message.id });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String(error?.code ?? '') + ' ' + String(error?.message ?? error) });
  }
});
