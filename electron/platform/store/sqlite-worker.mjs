/**
 * The worker side shared by the store's write workers
 * (`electron/dmp/cache-write-worker.mjs`, `electron/mss/client/write-worker.mjs`;
 * main-thread side: `store-worker.ts`). Opens a second connection to the
 * encrypted store on the first message — `workerData: { file, pragmas, sql,
 * timeoutMs }`, the pragmas being `Store.workerPragmas()` (cipher, raw key,
 * per-connection settings) — prepares every statement of `sql`, then answers
 * each message `{ id, … }` with `{ id, ...handle(message) }` or `{ id, error }`;
 * `{ close: true }` closes the connection and ends the worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3-multiple-ciphers';

/** `setup(db, statements)` returns the handler of one message (it runs its own transactions). */
export function serveStoreWorker(setup) {
  const { file, pragmas, sql, timeoutMs } = workerData;
  let db = null;
  let handle = null;
  parentPort.on('message', (message) => {
    if (message?.close) {
      if (db?.open) db.close();
      parentPort.close();
      return;
    }
    try {
      if (!db) {
        db = new Database(file, { timeout: timeoutMs, fileMustExist: true });
        for (const pragma of pragmas) db.pragma(pragma);
        const statements = {};
        for (const [name, text] of Object.entries(sql)) statements[name] = db.prepare(text);
        handle = setup(db, statements);
      }
      parentPort.postMessage({ ...handle(message), id: message.id });
    } catch (error) {
      parentPort.postMessage({ id: message.id, error: String(error?.code ?? '') + ' ' + String(error?.message ?? error) });
    }
  });
}
