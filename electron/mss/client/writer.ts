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
import { serialize } from 'node:v8';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { workerFile } from '../../platform/paths.js';
import { connectionPragmas } from '../../platform/store/database.js';
import { StoreWorker, type StoreWorkerConnection } from '../../platform/store/store-worker.js';
import { MESSAGE_ROW_WIDTH, MESSAGE_WRITE_SQL, type MessageRows, type MssStore } from './store.js';

/** A part of a batch as the writer keeps it until the batch is written (`MessageWriter.pack`). */
export type PackedRows = MessageRows | Uint8Array;

export interface MessageWriter {
  /**
   * Seals a part of a batch (a few dozen messages) as soon as it is full. The worker writer serializes it at
   * once, into memory outside the JavaScript heap: the strings of the IMAP parser it referenced then die young,
   * instead of surviving while the batch fills and being promoted (costly collections during a large sync).
   */
  pack(rows: MessageRows): PackedRows;
  /** Writes one batch (its packed parts, in order) in one transaction; resolves with the new rows' ids by UID once committed. */
  write(parts: PackedRows[]): Promise<Map<number, number>>;
  /** Waits for every pending batch, then releases the writer (the worker's connection). */
  close(): Promise<void>;
}

export function inlineWriter(store: MssStore): MessageWriter {
  return {
    pack: (rows) => rows,
    write: (parts) =>
      Promise.resolve(store.writeMessages(parts.length === 1 ? (parts[0] as MessageRows) : (parts as MessageRows[]).flat())),
    close: () => Promise.resolve(),
  };
}

export function writeWorkerFile(): string {
  return workerFile('electron', 'mss', 'client', 'write-worker.mjs');
}

export { connectionPragmas };

const failure = (reason: string) =>
  new CabinetError('STORE_UNAVAILABLE', 'Messagerie : les messages reçus n’ont pas pu être enregistrés dans la base locale.', {
    reason: reason.slice(0, 300),
  });

export class WorkerWriter implements MessageWriter {
  private readonly worker: StoreWorker<{ ids?: number[] }>;

  /**
   * `pragmas`: a second connection's set-up (`Store.workerPragmas()`), or the main connection and the raw key.
   * With `idle`, the worker does not keep the process alive between batches (a writer kept for later syncs).
   * Its thread runs at a lower priority (Linux): the main thread parses the FETCH stream, and that is what the
   * sync's duration comes down to; the writes fill the time the main thread leaves.
   */
  constructor(connection: StoreWorkerConnection, options: { idle?: boolean } = {}) {
    this.worker = new StoreWorker(writeWorkerFile(), connection, MESSAGE_WRITE_SQL, failure, { ...options, background: true });
  }

  /** Resolves once the worker is up and its connection open (a writer started ahead of a sync). */
  async ready(): Promise<void> {
    await this.worker.request({ parts: [], width: MESSAGE_ROW_WIDTH });
  }

  pack(rows: MessageRows): Uint8Array {
    if (rows.length % MESSAGE_ROW_WIDTH !== 0) throw failure('lignes incomplètes');
    return serialize(rows);
  }

  /** `parts` are handed over: the sealed ones are moved to the worker (empty afterwards here). */
  async write(parts: PackedRows[]): Promise<Map<number, number>> {
    const packed = parts.map((part) => (part instanceof Uint8Array ? part : this.pack(part)));
    // Each part's memory moves to the worker instead of being copied (it is the part's own: `v8.serialize` gives a
    // buffer of its own; anything else is copied): the main thread's external memory stays flat, and so do its
    // garbage collections (paired bench runs: 1.20–1.28× instead of 1.31–1.32×).
    const transfer = packed
      .filter((p) => p.byteOffset === 0 && p.byteLength === p.buffer.byteLength && p.buffer instanceof ArrayBuffer)
      .map((p) => p.buffer as ArrayBuffer);
    const reply = await this.worker.request({ parts: packed, width: MESSAGE_ROW_WIDTH }, transfer);
    const ids = new Map<number, number>();
    const pairs = reply.ids ?? [];
    for (let i = 0; i + 1 < pairs.length; i += 2) ids.set(pairs[i]!, pairs[i + 1]!);
    return ids;
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
