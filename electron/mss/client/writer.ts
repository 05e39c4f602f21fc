/**
 * Where the sync writes the messages it fetches.
 *
 *  - `inlineWriter(store)`: on the caller's connection and thread (the default).
 *  - `WorkerWriter`: on a worker thread with its own connection to the same
 *    encrypted database (`write-worker.mjs`), so that SQLite/SQLCipher run on
 *    another core while the main thread keeps parsing the FETCH stream
 *    (imapflow parses on the main thread, one message at a time).
 *
 * The worker needs the database's raw key: the caller passes it (from the
 * keychain, as `openStore` reads it); it crosses to the worker once, inside
 * this process, in `workerData`, and is used only to open the connection.
 * Nothing leaves the process; the key is never written anywhere.
 *
 * Rows are written in the order they are handed over; each `insert` resolves
 * once its transaction is committed (the caller's connection then sees the
 * rows: WAL), with the new rows' ids by UID.
 */
import { Worker } from 'node:worker_threads';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { workerFile } from '../../platform/paths.js';
import { connectionPragmas, type Db } from '../../platform/store/database.js';
import { MESSAGE_WRITE_SQL, type MessageWriteParams, type MssStore } from './store.js';

export interface MessageWriter {
  /** Writes one batch in one transaction; resolves with the new rows' ids by UID once committed. */
  write(rows: MessageWriteParams[]): Promise<Map<number, number>>;
  /** Waits for every pending batch, then releases the writer (the worker's connection). */
  close(): Promise<void>;
}

export function inlineWriter(store: MssStore): MessageWriter {
  return {
    write: (rows) => Promise.resolve(store.writeMessages(rows)),
    close: () => Promise.resolve(),
  };
}

export function writeWorkerFile(): string {
  return workerFile('electron', 'mss', 'client', 'write-worker.mjs');
}

export { connectionPragmas };

interface Reply {
  id: number;
  ids?: [number, number][];
  error?: string;
}

const failure = (reason: string) => new CabinetError('STORE_UNAVAILABLE', 'Messagerie : les messages reçus n’ont pas pu être enregistrés dans la base locale.', { reason: reason.slice(0, 300) });

export class WorkerWriter implements MessageWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(ids: Map<number, number>): void; reject(error: Error): void }>();
  private next = 0;
  private failed: Error | null = null;
  private closed: Promise<void> | null = null;
  private readonly exited: Promise<void>;

  /** `db` is the caller's open connection to `file` (its settings are copied); `keyHex` the database's raw key. */
  /** `pragmas`: a second connection's set-up (`Store.workerPragmas()`), or the main connection and the raw key. */
  constructor(options: { file: string; timeoutMs?: number } & ({ pragmas: string[] } | { db: Db; keyHex: string })) {
    const pragmas = 'pragmas' in options ? options.pragmas : connectionPragmas(options.db, options.keyHex);
    this.worker = new Worker(writeWorkerFile(), {
      workerData: { file: options.file, pragmas, sql: MESSAGE_WRITE_SQL, timeoutMs: options.timeoutMs ?? 5000 },
    });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.error !== undefined) waiting.reject(failure(reply.error));
      else waiting.resolve(new Map(reply.ids ?? []));
    });
    const fail = (error: Error) => {
      this.failed ??= failure(error.message);
      for (const waiting of this.pending.values()) waiting.reject(this.failed);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`le fil d’écriture s’est arrêté (code ${code})`)));
  }

  write(rows: MessageWriteParams[]): Promise<Map<number, number>> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(failure('écriture après fermeture'));
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, rows });
    });
  }

  close(): Promise<void> {
    if (!this.closed) {
      // Messages are handled in order: the close comes after every pending batch.
      this.worker.postMessage({ close: true });
      this.closed = this.exited;
    }
    return this.closed;
  }
}
