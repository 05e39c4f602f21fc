/**
 * A worker thread holding its own connection to the encrypted store, for
 * writes that run while the main thread parses (the DMP list, the MSSanté
 * sync). This is the main-thread side: one request at a time per id, answers
 * matched by id, the first failure kept and given to every later call, close
 * after the pending writes. Each user has its own worker file (its own SQL);
 * they all take `workerData: { file, pragmas, sql, timeoutMs }` (worker side: `sqlite-worker.mjs`) and answer
 * `{ id, error? , ...result }`.
 */
import { Worker } from 'node:worker_threads';
import type { CabinetError } from '../../../shared/contract/outcome.js';
import { connectionPragmas, type Db } from './database.js';

/** Where the second connection comes from: `Store.workerPragmas()`, or the main connection and the raw key. */
export type StoreWorkerConnection = { file: string; timeoutMs?: number } & ({ pragmas: string[] } | { db: Db; keyHex: string });

interface Reply {
  id: number;
  error?: string;
}

export class StoreWorker<Res extends object> {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(reply: Res): void; reject(error: Error): void }>();
  private next = 0;
  private failed: Error | null = null;
  private closed: Promise<void> | null = null;
  private readonly exited: Promise<void>;

  /**
   * `failure` turns a reason into the caller's French error. With `idle`, the
   * worker does not keep the process alive between requests; with `background`,
   * its thread runs at a lower priority (Linux; `sqlite-worker.mjs`).
   */
  constructor(
    file: string,
    connection: StoreWorkerConnection,
    sql: Record<string, string>,
    private readonly failure: (reason: string) => CabinetError,
    private readonly options: { idle?: boolean; background?: boolean } = {},
  ) {
    const pragmas = 'pragmas' in connection ? connection.pragmas : connectionPragmas(connection.db, connection.keyHex);
    this.worker = new Worker(file, {
      workerData: { file: connection.file, pragmas, sql, timeoutMs: connection.timeoutMs ?? 5000, background: options.background === true },
    });
    if (options.idle) this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('message', (reply: Reply & Res) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.error !== undefined) waiting.reject(failure(reply.error));
      else waiting.resolve(reply);
    });
    const fail = (error: Error) => {
      this.failed ??= failure(error.message);
      for (const waiting of this.pending.values()) waiting.reject(this.failed);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`le fil d’écriture s’est arrêté (code ${code})`)));
  }

  /** Posts one request (its `transfer` buffers move to the worker); its answer (or the worker's first failure). */
  request(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Res> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(this.failure('écriture après fermeture'));
    const id = ++this.next;
    const answer = new Promise<Res>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.options.idle) this.worker.ref();
      this.worker.postMessage({ ...message, id }, transfer);
    });
    return this.options.idle
      ? answer.finally(() => {
          if (this.pending.size === 0 && !this.closed) this.worker.unref();
        })
      : answer;
  }

  /** Closes the connection once every pending request is done (messages are handled in order). */
  close(): Promise<void> {
    if (!this.closed) {
      this.worker.ref();
      this.worker.postMessage({ close: true });
      this.closed = this.exited;
    }
    return this.closed;
  }
}
