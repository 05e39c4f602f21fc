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
import { CabinetError } from '../../../shared/contract/outcome.js';
import { workerFile } from '../../platform/paths.js';
import { connectionPragmas } from '../../platform/store/database.js';
import { StoreWorker, type StoreWorkerConnection } from '../../platform/store/store-worker.js';
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

const failure = (reason: string) => new CabinetError('STORE_UNAVAILABLE', 'Messagerie : les messages reçus n’ont pas pu être enregistrés dans la base locale.', { reason: reason.slice(0, 300) });

export class WorkerWriter implements MessageWriter {
  private readonly worker: StoreWorker<{ ids?: [number, number][] }>;

  /** `pragmas`: a second connection's set-up (`Store.workerPragmas()`), or the main connection and the raw key. */
  constructor(connection: StoreWorkerConnection) {
    this.worker = new StoreWorker(writeWorkerFile(), connection, MESSAGE_WRITE_SQL, failure);
  }

  async write(rows: MessageWriteParams[]): Promise<Map<number, number>> {
    // One flat array of plain values per batch (uid, insert…, fts…, refresh… per row): the structured clone to
    // the worker and back costs half what an array of objects holding arrays does (10,000 rows: ~11 ms vs ~21 ms).
    const shape = rows.length > 0 ? [rows[0]!.insert.length, rows[0]!.fts.length, rows[0]!.refresh.length] : [0, 0, 0];
    const flat: unknown[] = [];
    for (const row of rows) {
      if (row.insert.length !== shape[0] || row.fts.length !== shape[1] || row.refresh.length !== shape[2]) throw failure('lignes de formes différentes');
      flat.push(row.uid);
      for (const v of row.insert) flat.push(v);
      for (const v of row.fts) flat.push(v);
      for (const v of row.refresh) flat.push(v);
    }
    const reply = await this.worker.request({ flat, shape });
    return new Map(reply.ids ?? []);
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
