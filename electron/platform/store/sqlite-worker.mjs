/**
 * The worker side shared by the store's write workers
 * (`electron/dmp/cache-write-worker.mjs`, `electron/mss/client/write-worker.mjs`;
 * main-thread side: `store-worker.ts`). Opens a second connection to the
 * encrypted store on the first message — `workerData: { file, pragmas, sql,
 * timeoutMs }`, the pragmas being `Store.workerPragmas()` (cipher, raw key,
 * per-connection settings) — prepares every statement of `sql`, then answers
 * each message `{ id, … }` with `{ id, ...handle(message) }` or `{ id, error }`;
 * `{ close: true }` closes the connection and ends the worker.
 *
 * With `workerData.background`, the thread first lowers its own scheduling
 * priority (nice 10): its writes then yield the processor to the main thread
 * (the IMAP parse, the interface) whenever both want it. Linux only, where the
 * nice value belongs to each thread (setpriority(2) with the thread's id, read
 * from /proc/thread-self); elsewhere the thread keeps the normal priority.
 */
import fs from 'node:fs';
import os from 'node:os';
import process from 'node:process';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3-multiple-ciphers';

const BACKGROUND_NICE = 10;

function lowerThreadPriority() {
  if (process.platform !== 'linux') return;
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0 && tid !== process.pid) os.setPriority(tid, BACKGROUND_NICE);
  } catch {
    // no /proc or not permitted: the normal priority
  }
}

/** `setup(db, statements)` returns the handler of one message (it runs its own transactions). */
export function serveStoreWorker(setup) {
  const { file, pragmas, sql, timeoutMs, background } = workerData;
  if (background) lowerThreadPriority();
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
