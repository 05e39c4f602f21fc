/**
 * IMAP → encrypted store. Per folder (LIST + SPECIAL-USE):
 *  - UIDVALIDITY changed → the folder's local copy is dropped and re-fetched;
 *  - HIGHESTMODSEQ and UIDNEXT unchanged → nothing to do (one SELECT);
 *  - otherwise new messages (UID ≥ the known UIDNEXT) are fetched with their
 *    envelope, BODYSTRUCTURE, flags, size and threading headers (never the
 *    body), and older ones' flag changes with CHANGEDSINCE (CONDSTORE);
 *    with QRESYNC, expunged UIDs come as VANISHED (EARLIER); without it, a
 *    UID SEARCH ALL reconciles when the counts differ.
 * Rows are written in batches, one transaction each, handed to a writer
 * without stopping the FETCH stream (`writer.ts`: inline by default, or a
 * worker thread with its own connection); at most `maxPending` batches wait
 * uncommitted, so memory stays bounded. onNew and the progress callback run
 * in order, once each batch is committed.
 */
import type { FetchMessageObject, ImapFlow, MessageAddressObject, MessageStructureObject } from 'imapflow';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { appendMessageRow, type FolderState, type MailAddress, type MessageInput, type MessageRows, type MssStore } from './store.js';
import { inlineWriter, type MessageWriter, type PackedRows } from './writer.js';

export interface SyncProgress {
  folder: string;
  done: number;
  total: number;
}

export interface NewMessage {
  rowId: number;
  uid: number;
  folder: FolderState;
  /** Root content type (`multipart/report` for a DSN/MDN). */
  type: string;
}

/**
 * What is kept of a BODYSTRUCTURE, as it is stored (`CompactStructure` in store.ts): built as JSON in one walk,
 * without intermediate objects — `[rootType, [[part, type, size, name?, disposition?], …]]`, leaf parts only (at
 * most 200), a trailing empty name or disposition left out — with whether the message carries an attachment (a
 * part with a file name or an `attachment` disposition, or a zip or PDF).
 */
export function storedStructure(node: MessageStructureObject | undefined): { json: string; hasAttachment: boolean } | null {
  if (!node) return null;
  const leaves: (string | number)[][] = [];
  let attachment = false;
  const walk = (n: MessageStructureObject) => {
    if (n.childNodes?.length) {
      for (const c of n.childNodes) if (leaves.length < 200) walk(c);
      return;
    }
    const name = n.dispositionParameters?.filename ?? n.parameters?.name;
    const type = n.type ?? '';
    if (n.disposition === 'attachment' || name || type.includes('zip') || type.includes('pdf')) attachment = true;
    if (n.disposition) leaves.push([n.part ?? '1', type, Number(n.size) || 0, name ? name.slice(0, 200) : '', n.disposition]);
    else if (name) leaves.push([n.part ?? '1', type, Number(n.size) || 0, name.slice(0, 200)]);
    else leaves.push([n.part ?? '1', type, Number(n.size) || 0]);
  };
  walk(node);
  return { json: JSON.stringify([node.type ?? '', leaves]), hasAttachment: attachment };
}

export interface SyncOptions {
  onProgress?: (progress: SyncProgress) => void;
  /** Called after each batch with the rows just stored (receipts, MDN requests, XDM…). */
  onNew?: (messages: NewMessage[]) => Promise<void> | void;
  /** Messages per batch, i.e. per transaction (default 500; sealed by the writer every 50, `MessageWriter.pack`). */
  batchSize?: number;
  /**
   * Where new messages are written (default: the store's own connection, inline).
   * A `WorkerWriter` writes on another thread while the FETCH keeps streaming;
   * the caller closes it after the sync.
   */
  writer?: MessageWriter;
  /** Batches handed to the writer and not yet committed before the FETCH waits (default 4: bounded memory). */
  maxPending?: number;
  /** Only these folders (default: every selectable folder). */
  folders?: string[];
}

export interface FolderSyncResult {
  path: string;
  added: number;
  updated: number;
  removed: number;
  resynced: boolean;
  unchanged: boolean;
}

export interface SyncResult {
  folders: FolderSyncResult[];
  added: number;
  updated: number;
  removed: number;
  ms: number;
  qresync: boolean;
  condstore: boolean;
}

/** Extra headers fetched with the envelope: threading (receipts and MSSanté headers are read from the message itself, when it is opened or is a report). */
export const SYNC_HEADERS = ['references'];

export const SYNC_FETCH_QUERY = {
  uid: true,
  flags: true,
  envelope: true,
  bodyStructure: true,
  size: true,
  internalDate: true,
  headers: SYNC_HEADERS,
} as const;

const MAX_SUBJECT = 998;
/**
 * A message's root content type, as a string of its own: the parser's may be a slice of the whole response
 * line, which a batch would keep alive (and promote) until it is committed. A handful of distinct values.
 */
const rootTypes = new Map<string, string>();
function rootType(type: string | undefined): string {
  if (!type) return '';
  let own = rootTypes.get(type);
  if (own === undefined) {
    own = Buffer.from(type, 'utf8').toString('utf8');
    if (rootTypes.size < 100) rootTypes.set(own, own);
  }
  return own;
}

/** Messages per sealed part of a batch (`MessageWriter.pack`): a few milliseconds of parsing. */
const PART_SIZE = 50;

/** Raw header block → lower-case name → values (unfolded). One pass over the lines (no regex unless a header is folded). */
export function parseHeaderBlock(raw: Buffer | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!raw) return out;
  let text = raw.toString('utf8');
  if (text.includes('\n ') || text.includes('\n\t')) text = text.replace(/\r?\n[ \t]+/g, ' ');
  let start = 0;
  const end = text.length;
  while (start < end) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = end;
    const lineEnd = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    const colon = text.indexOf(':', start);
    if (colon > start && colon < lineEnd) {
      const name = text.slice(start, colon).trim().toLowerCase();
      const value = text
        .slice(colon + 1, lineEnd)
        .trim()
        .slice(0, 4000);
      const list = out.get(name);
      if (list) list.push(value);
      else out.set(name, [value]);
    }
    start = nl + 1;
  }
  return out;
}

/** `<a@b> <c@d>` → ['<a@b>', '<c@d>']. */
export function messageIds(value: string | undefined): string[] {
  return (value ?? '').match(/<[^<>\s]{1,500}>/g)?.slice(0, 100) ?? [];
}

const NO_ADDRESSES: readonly MessageAddressObject[] = [];

/** imapflow's address list as it is (`{ name, address }` each, stored as JSON), at most 200. */
function addresses(list: MessageAddressObject[] | undefined): MailAddress[] {
  if (!list || list.length === 0) return NO_ADDRESSES as MailAddress[];
  return list.length > 200 ? list.slice(0, 200) : list;
}

/** One fetched message → the row stored. */
export function toMessageInput(msg: FetchMessageObject, headers: Map<string, string[]>): MessageInput {
  const env = msg.envelope;
  const structure = storedStructure(msg.bodyStructure);
  const date =
    env?.date instanceof Date && !Number.isNaN(env.date.getTime()) ? env.date : msg.internalDate instanceof Date ? msg.internalDate : null;
  return {
    uid: msg.uid,
    modseq: msg.modseq !== undefined ? msg.modseq.toString() : null,
    messageId: env?.messageId?.slice(0, 500) ?? null,
    inReplyTo: env?.inReplyTo?.slice(0, 500) ?? null,
    references: messageIds(headers.get('references')?.join(' ')),
    subject: (env?.subject ?? '').slice(0, MAX_SUBJECT),
    from: addresses(env?.from),
    to: addresses(env?.to),
    cc: addresses(env?.cc),
    date: date ? date.toISOString() : null,
    size: msg.size ?? 0,
    flags: [...(msg.flags ?? [])],
    structure: structure?.json ?? null,
    hasAttachments: structure?.hasAttachment ?? false,
  };
}

async function syncFolder(client: ImapFlow, store: MssStore, folder: FolderState, options: SyncOptions): Promise<FolderSyncResult> {
  const result: FolderSyncResult = { path: folder.path, added: 0, updated: 0, removed: 0, resynced: false, unchanged: false };
  const vanished: number[] = [];
  const onExpunge = (event: { path: string; uid?: number; vanished?: boolean }) => {
    if (event.path === folder.path && event.vanished && typeof event.uid === 'number') vanished.push(event.uid);
  };
  client.on('expunge', onExpunge);
  try {
    const box = await client.mailboxOpen(folder.path, { readOnly: true });
    const uidValidity = box.uidValidity.toString();
    const highest = box.highestModseq !== undefined && !box.noModseq ? box.highestModseq.toString() : null;
    let known = folder;
    if (known.uidValidity !== null && known.uidValidity !== uidValidity) {
      store.clearFolder(folder.id);
      known = store.folder(folder.path)!;
      result.resynced = true;
    }
    const first = known.uidValidity === null;
    if (!first && highest !== null && known.highestModseq === highest && known.uidNext === box.uidNext) {
      result.unchanged = true;
      return result;
    }
    const fromUid = first ? 1 : Math.max(1, known.uidNext ?? 1);

    // 1. New messages: headers and structure only. Each batch is handed to the
    //    writer without waiting (a worker writes it while the stream goes on);
    //    its result (ids, onNew, progress) is taken in order, and at most
    //    `maxPending` batches wait uncommitted.
    if (box.exists > 0) {
      const writer = options.writer ?? inlineWriter(store);
      const maxPending = Math.max(1, options.maxPending ?? 4);
      const batchSize = Math.max(1, options.batchSize ?? 500);
      // The batch: its sealed parts and the rows being filled (`MessageRows`), and for onNew the UID and root
      // type of each message.
      let parts: PackedRows[] = [];
      let rows: MessageRows = [];
      let news: (number | string)[] = [];
      let count = 0;
      let inPart = 0;
      let done = 0;
      const total = first ? box.exists : Math.max(0, box.uidNext - fromUid);
      const pending: Promise<void>[] = [];
      let tail: Promise<void> = Promise.resolve();
      const flush = async () => {
        if (count === 0) return;
        if (inPart > 0) parts.push(writer.pack(rows));
        const n = count;
        const meta = news;
        const written = writer.write(parts);
        parts = [];
        rows = [];
        news = [];
        count = 0;
        inPart = 0;
        tail = tail.then(async () => {
          const ids = await written;
          result.added += ids.size;
          done += n;
          if (options.onNew && ids.size > 0) {
            const fresh: NewMessage[] = [];
            for (let i = 0; i + 1 < meta.length; i += 2) {
              const rowId = ids.get(meta[i] as number);
              if (rowId !== undefined) fresh.push({ rowId, uid: meta[i] as number, folder: known, type: meta[i + 1] as string });
            }
            await options.onNew(fresh);
          }
          options.onProgress?.({ folder: folder.path, done, total: Math.max(total, done) });
        });
        // Awaited below or at the end; never an unhandled rejection if the stream fails first.
        void tail.catch(() => undefined);
        pending.push(tail);
        while (pending.length > maxPending) await pending.shift();
      };
      try {
        for await (const msg of client.fetch(`${fromUid}:*`, SYNC_FETCH_QUERY, { uid: true })) {
          if (msg.uid < fromUid) continue; // `N:*` returns the last message when N > the highest UID
          const input = toMessageInput(msg, parseHeaderBlock(msg.headers));
          appendMessageRow(rows, folder.id, input);
          if (options.onNew) news.push(msg.uid, rootType(msg.bodyStructure?.type));
          if (++inPart >= PART_SIZE) {
            parts.push(writer.pack(rows));
            rows = [];
            inPart = 0;
          }
          if (++count >= batchSize) await flush();
        }
        await flush();
      } catch (error) {
        // The stream failed: what was handed over is committed (and reported) before the error goes up.
        await tail.catch(() => undefined);
        throw error;
      }
      await tail;
    }

    // 2. Flag changes and expunges of the messages we already had.
    if (!first && fromUid > 1) {
      const changedSince = known.highestModseq ?? undefined;
      if (changedSince !== undefined && highest !== null) {
        const changes: { uid: number; flags: string[]; modseq: string | null }[] = [];
        for await (const msg of client.fetch(
          `1:${fromUid - 1}`,
          { uid: true, flags: true },
          { uid: true, changedSince: BigInt(changedSince) },
        )) {
          changes.push({ uid: msg.uid, flags: [...(msg.flags ?? [])], modseq: msg.modseq?.toString() ?? null });
        }
        result.updated += store.updateFlags(folder.id, changes);
      } else {
        // No CONDSTORE: every flag is read again.
        const changes: { uid: number; flags: string[] }[] = [];
        for await (const msg of client.fetch(`1:${fromUid - 1}`, { uid: true, flags: true }, { uid: true }))
          changes.push({ uid: msg.uid, flags: [...(msg.flags ?? [])] });
        result.updated += store.updateFlags(folder.id, changes);
      }
      if (vanished.length > 0) result.removed += store.deleteUids(folder.id, vanished);
      const local = store.count(folder.id);
      const current = client.mailbox ? client.mailbox.exists : box.exists;
      if (local !== current) {
        const onServer = new Set((await client.search({ all: true }, { uid: true })) || []);
        result.removed += store.deleteUids(
          folder.id,
          store.uids(folder.id).filter((uid) => !onServer.has(uid)),
        );
      }
    }
    store.setFolderState(folder.id, { uidValidity, uidNext: box.uidNext, highestModseq: highest });
    return result;
  } finally {
    client.off('expunge', onExpunge);
  }
}

/** Lists the folders, then syncs each selectable one. */
export async function syncMailbox(client: ImapFlow, store: MssStore, options: SyncOptions = {}): Promise<SyncResult> {
  const started = performance.now();
  const listed = await client.list();
  const selectable = listed.filter((f) => !f.flags.has('\\Noselect') && !f.flags.has('\\NonExistent'));
  const folders = selectable.map((f) => store.upsertFolder(f.path, f.name, f.delimiter ?? null, f.specialUse ?? null));
  if (!options.folders) store.removeFoldersExcept(folders.map((f) => f.path));
  const wanted = options.folders ? folders.filter((f) => options.folders!.includes(f.path)) : folders;
  if (options.folders && wanted.length !== options.folders.length)
    throw new CabinetError('NOT_FOUND', 'Dossier de messagerie introuvable sur le serveur.');
  const results: FolderSyncResult[] = [];
  // INBOX first: what the user waits for.
  wanted.sort((a, b) => (a.path === 'INBOX' ? -1 : b.path === 'INBOX' ? 1 : 0));
  for (const folder of wanted) results.push(await syncFolder(client, store, folder, options));
  const enabled = (client as unknown as { enabled?: Set<string> }).enabled ?? new Set<string>();
  return {
    folders: results,
    added: results.reduce((n, r) => n + r.added, 0),
    updated: results.reduce((n, r) => n + r.updated, 0),
    removed: results.reduce((n, r) => n + r.removed, 0),
    ms: Math.round(performance.now() - started),
    qresync: enabled.has('QRESYNC'),
    condstore: enabled.has('CONDSTORE') || enabled.has('QRESYNC'),
  };
}

/** Downloads one message's raw source (bodies on demand), bounded. */
export async function fetchRaw(client: ImapFlow, path: string, uid: number, maxBytes = 25 * 1024 * 1024): Promise<Buffer> {
  await client.mailboxOpen(path, { readOnly: true });
  const msg = await client.fetchOne(String(uid), { uid: true, size: true, source: { maxLength: maxBytes + 1 } }, { uid: true });
  if (!msg || !msg.source) throw new CabinetError('NOT_FOUND', 'Ce message n’existe plus sur le serveur.');
  if ((msg.size ?? 0) > maxBytes || msg.source.length > maxBytes)
    throw new CabinetError('INVALID_REQUEST', 'Ce message est trop volumineux pour être ouvert (plus de 25 Mo).');
  return msg.source;
}
