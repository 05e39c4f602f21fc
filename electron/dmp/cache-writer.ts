/**
 * Where a refresh stores the ITI-18 answer it streams (issue 5: read and
 * stored in ≤ 1.5 × a bare saxes parse).
 *
 *  - `inlineCacheWriter(cache)`: on the service's connection and thread (the
 *    fallback: a store without a file, a worker that cannot start);
 *  - `WorkerCacheWriter`: on a worker thread with its own connection to the
 *    same encrypted database (`cache-write-worker.mjs`), so that SQLCipher
 *    writes chunk N while the reader parses chunk N+1.
 *
 * Same pattern as `electron/mss/client/writer.ts` (a separate worker: its
 * own SQL and replies; the connection set-up, `connectionPragmas` /
 * `Store.workerPragmas()`, is shared).
 *
 * Chunks are written in order, one transaction each; `finish` (sweep,
 * deprecations, cursor) is one last transaction, sent by {@link StreamedStore}
 * only once every chunk is committed: a refresh that fails midway leaves its
 * chunks' rows (upserts of what the DMP answered) but never a cursor past them.
 */
import fs from 'node:fs';
import { CabinetError } from '../../shared/contract/outcome.js';
import { workerFile } from '../platform/paths.js';
import { StoreWorker, type StoreWorkerConnection } from '../platform/store/store-worker.js';
import type { DmpDocumentEntry } from './client/api.js';
import { DMP_WRITE_SQL, entryRow, finishOf, type DmpCache, type DmpChunkWrite, type DmpFinishWrite } from './cache.js';

export interface DmpCacheWriter {
  /** One chunk, one transaction; resolves once committed. */
  chunk(write: DmpChunkWrite): Promise<void>;
  /** The last transaction of a streamed store; resolves once committed. */
  finish(write: DmpFinishWrite): Promise<void>;
  /** Waits for every pending write, then releases the writer. */
  close(): Promise<void>;
}

const failure = (reason: string) =>
  new CabinetError('STORE_UNAVAILABLE', 'DMP : la liste des documents n’a pas pu être enregistrée dans la base locale.', {
    reason: reason.slice(0, 300),
  });

export function inlineCacheWriter(cache: DmpCache): DmpCacheWriter {
  const guard = (body: () => void) => {
    try {
      body();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof CabinetError ? error : failure(String((error as Error).message ?? error)));
    }
  };
  return {
    chunk: (write) => guard(() => cache.writeChunk(write)),
    finish: (write) => guard(() => cache.finishWrite(write)),
    close: () => Promise.resolve(),
  };
}

/**
 * The write worker for a store file, or null when it cannot be used (a store
 * without a file, the worker file missing): the caller then writes in-thread.
 */
export function workerCacheWriter(store: { file: string; workerPragmas(): string[] }): DmpCacheWriter | null {
  if (!store.file || store.file === ':memory:' || !fs.existsSync(store.file) || !fs.existsSync(cacheWriteWorkerFile())) return null;
  try {
    return new WorkerCacheWriter({ file: store.file, pragmas: store.workerPragmas() });
  } catch {
    return null;
  }
}

export function cacheWriteWorkerFile(): string {
  // From the application root; in a packaged app, from app.asar.unpacked (a worker cannot start inside the archive).
  return workerFile('electron', 'dmp', 'cache-write-worker.mjs');
}

export class WorkerCacheWriter implements DmpCacheWriter {
  private readonly worker: StoreWorker<object>;

  constructor(connection: StoreWorkerConnection) {
    // The worker does not keep the process alive between refreshes.
    this.worker = new StoreWorker(cacheWriteWorkerFile(), connection, DMP_WRITE_SQL, failure, { idle: true });
  }

  async chunk(write: DmpChunkWrite): Promise<void> {
    await this.worker.request({ chunk: write });
  }

  async finish(write: DmpFinishWrite): Promise<void> {
    await this.worker.request({ finish: write });
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}

/**
 * One streamed store: `onDocuments` (given to the reader) hands each chunk
 * to the writer at once; `done(entries)` writes what was not streamed (a
 * client that does not stream), waits for every chunk, then finishes. The
 * first failure is kept and thrown by `done`; later chunks are not sent.
 */
export class StreamedStore {
  private readonly writes: Promise<void>[] = [];
  private readonly streamed = new Set<string>();
  private error: unknown = null;
  readonly fetchedAt: string;

  constructor(
    private readonly writer: DmpCacheWriter,
    private readonly uid: string,
    fetchedAt: string,
  ) {
    this.fetchedAt = fetchedAt;
  }

  readonly onDocuments = (chunk: DmpDocumentEntry[]): void => {
    if (this.error) return;
    for (const entry of chunk) this.streamed.add(entry.entryUuid);
    this.send(chunk);
  };

  private send(entries: readonly DmpDocumentEntry[]): void {
    const write = this.writer.chunk({ uid: this.uid, rows: entries.map((e) => entryRow(this.uid, e, this.fetchedAt)) });
    // Caught at once (no unhandled rejection while the reader goes on); `done` rethrows the first.
    this.writes.push(write.catch((error: unknown) => void (this.error ??= error)));
  }

  /** After the reader returned `entries` (the confirmed answer): stores the rest, waits, finishes. */
  async done(
    entries: readonly DmpDocumentEntry[],
    options: { replaceAll?: boolean; cursor?: string; initialFrom?: string },
  ): Promise<void> {
    const rest = entries.filter((e) => !this.streamed.has(e.entryUuid));
    if (rest.length && !this.error) this.send(rest);
    await Promise.all(this.writes);
    if (this.error) throw this.error instanceof CabinetError ? this.error : failure(String(this.error));
    await this.writer.finish(finishOf(this.uid, entries, options, this.fetchedAt));
  }

  /** The reader failed: waits for the chunks already sent (their rows stay; the cursor has not moved). */
  async abandon(): Promise<void> {
    await Promise.all(this.writes);
  }
}
