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
 * With `workerData.background` (Linux), the thread first steps aside for the
 * rest of the machine: nice 10 (setpriority(2) with the thread's own id, read
 * from /proc/thread-self: on Linux the nice value belongs to each thread), then
 * the SCHED_IDLE policy through util-linux `chrt` (Node has no
 * sched_setscheduler). SCHED_IDLE matters more than the nice value: when a
 * thread wakes up (the mail server, the interface, any program), the kernel
 * counts a processor running only SCHED_IDLE work as free and puts it there,
 * instead of behind the main thread, which is parsing the IMAP stream (bench:
 * the main thread's wait for a processor during a first sync, 50–67 → 25–45
 * ms). Without `chrt`, the nice value alone; elsewhere, the normal priority.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import process from 'node:process';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3-multiple-ciphers';

const BACKGROUND_NICE = 10;

function stepAside() {
  if (process.platform !== 'linux') return;
  let tid;
  try {
    tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0 || tid === process.pid) return;
    os.setPriority(tid, BACKGROUND_NICE);
  } catch {
    return; // no /proc or not permitted: the normal priority
  }
  const chrt = ['/usr/bin/chrt', '/bin/chrt'].find((file) => fs.existsSync(file));
  if (!chrt) return;
  try {
    execFileSync(chrt, ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore', timeout: 2000 });
  } catch {
    // the nice value stays
  }
}

/** `setup(db, statements)` returns the handler of one message (it runs its own transactions). */
export function serveStoreWorker(setup) {
  const { file, pragmas, sql, timeoutMs, background } = workerData;
  if (background) stepAside();
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
