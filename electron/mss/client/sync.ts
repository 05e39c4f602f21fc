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
import { messageWriteParams, type FolderState, type MessageInput, type MssStore } from './store.js';
import { inlineWriter, type MessageWriter } from './writer.js';

export interface SyncProgress {
  folder: string;
  done: number;
  total: number;
}

export interface NewMessage {
  rowId: number;
  uid: number;
  folder: FolderState;
  headers: Map<string, string[]>;
  /** Root content type (`multipart/report` for a DSN/MDN). */
  type: string;
}

/** What is kept of a BODYSTRUCTURE: the root type and each leaf part (number, type, size, file name, disposition). */
export interface CompactStructure {
  type: string;
  parts: { part: string; type: string; size: number; name?: string; disposition?: string }[];
}

export function compactStructure(node: MessageStructureObject | undefined): CompactStructure | null {
  if (!node) return null;
  const parts: CompactStructure['parts'] = [];
  const walk = (n: MessageStructureObject) => {
    if (n.childNodes?.length) {
      for (const c of n.childNodes) if (parts.length < 200) walk(c);
      return;
    }
    const name = n.dispositionParameters?.filename ?? n.parameters?.name;
    // Keys in this order, empty ones left out (the stored JSON): part, type, size, name, disposition.
    const leaf: CompactStructure['parts'][number] = { part: n.part ?? '1', type: n.type, size: n.size ?? 0 };
    if (name) leaf.name = name.slice(0, 200);
    if (n.disposition) leaf.disposition = n.disposition;
    parts.push(leaf);
  };
  walk(node);
  return { type: node.type, parts };
}

export interface SyncOptions {
  onProgress?: (progress: SyncProgress) => void;
  /** Called after each batch with the rows just stored (receipts, MDN requests, XDM…). */
  onNew?: (messages: NewMessage[]) => Promise<void> | void;
  /** Rows per transaction (default 500). */
  batchSize?: number;
  /**
   * Where new messages are written (default: the store's own connection, inline).
   * A `WorkerWriter` writes on another thread while the FETCH keeps streaming;
   * the caller closes it after the sync.
   */
  writer?: MessageWriter;
  /** Batches handed to the writer and not yet committed before the FETCH waits (default 2: bounded memory). */
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

/** Extra headers fetched with the envelope (threading, receipts). */
export const SYNC_HEADERS = ['references', 'disposition-notification-to', 'return-path', 'x-mss-mes', 'x-mss-codecda', 'x-mss-ins', 'original-recipient'];

export const SYNC_FETCH_QUERY = { uid: true, flags: true, envelope: true, bodyStructure: true, size: true, internalDate: true, headers: SYNC_HEADERS } as const;

const MAX_SUBJECT = 998;

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
      const value = text.slice(colon + 1, lineEnd).trim().slice(0, 4000);
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

/** Does the structure carry an attachment (a part with a file name or `attachment` disposition, or a zip)? */
export function hasAttachment(node: MessageStructureObject | undefined): boolean {
  if (!node) return false;
  if (node.childNodes?.length) return node.childNodes.some(hasAttachment);
  return node.disposition === 'attachment' || Boolean(node.dispositionParameters?.filename ?? node.parameters?.name) || /zip|pdf/i.test(node.type);
}

function addresses(list: MessageAddressObject[] | undefined): { name?: string; address?: string }[] {
  const out: { name?: string; address?: string }[] = [];
  if (!list) return out;
  const n = Math.min(list.length, 200);
  for (let i = 0; i < n; i++) {
    const a = list[i]!;
    // Same keys, same order as before (name, then address; empty ones left out): the stored JSON is unchanged.
    out.push(a.name ? (a.address ? { name: a.name, address: a.address } : { name: a.name }) : a.address ? { address: a.address } : {});
  }
  return out;
}

/** One fetched message → the row stored. */
export function toMessageInput(msg: FetchMessageObject, headers: Map<string, string[]>): MessageInput {
  const env = msg.envelope;
  const date = env?.date instanceof Date && !Number.isNaN(env.date.getTime()) ? env.date : msg.internalDate instanceof Date ? msg.internalDate : null;
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
    structure: compactStructure(msg.bodyStructure),
    hasAttachments: hasAttachment(msg.bodyStructure),
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
    const batchSize = options.batchSize ?? 500;
    const fromUid = first ? 1 : Math.max(1, known.uidNext ?? 1);

    // 1. New messages: headers and structure only. Each batch is handed to the
    //    writer without waiting (a worker writes it while the stream goes on);
    //    its result (ids, onNew, progress) is taken in order, and at most
    //    `maxPending` batches wait uncommitted.
    if (box.exists > 0) {
      const writer = options.writer ?? inlineWriter(store);
      const maxPending = Math.max(1, options.maxPending ?? 2);
      let batch: MessageInput[] = [];
      let batchHeaders = new Map<number, Map<string, string[]>>();
      let done = 0;
      const total = first ? box.exists : Math.max(0, box.uidNext - fromUid);
      const pending: Promise<void>[] = [];
      let tail: Promise<void> = Promise.resolve();
      const flush = async () => {
        if (batch.length === 0) return;
        const rows = batch;
        const headers = batchHeaders;
        batch = [];
        batchHeaders = new Map();
        const written = writer.write(rows.map((m) => messageWriteParams(folder.id, m)));
        tail = tail.then(async () => {
          const ids = await written;
          result.added += ids.size;
          done += rows.length;
          if (options.onNew && ids.size > 0) {
            const fresh = rows
              .filter((m) => ids.has(m.uid))
              .map((m) => ({ rowId: ids.get(m.uid)!, uid: m.uid, folder: known, headers: headers.get(m.uid)!, type: (m.structure as CompactStructure | null)?.type ?? '' }));
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
          const headers = parseHeaderBlock(msg.headers);
          if (options.onNew) batchHeaders.set(msg.uid, headers); // only onNew reads them
          batch.push(toMessageInput(msg, headers));
          if (batch.length >= batchSize) await flush();
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
        for await (const msg of client.fetch(`1:${fromUid - 1}`, { uid: true, flags: true }, { uid: true, changedSince: BigInt(changedSince) })) {
          changes.push({ uid: msg.uid, flags: [...(msg.flags ?? [])], modseq: msg.modseq?.toString() ?? null });
        }
        result.updated += store.updateFlags(folder.id, changes);
      } else {
        // No CONDSTORE: every flag is read again.
        const changes: { uid: number; flags: string[] }[] = [];
        for await (const msg of client.fetch(`1:${fromUid - 1}`, { uid: true, flags: true }, { uid: true })) changes.push({ uid: msg.uid, flags: [...(msg.flags ?? [])] });
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
  if (options.folders && wanted.length !== options.folders.length) throw new CabinetError('NOT_FOUND', 'Dossier de messagerie introuvable sur le serveur.');
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
  if ((msg.size ?? 0) > maxBytes || msg.source.length > maxBytes) throw new CabinetError('INVALID_REQUEST', 'Ce message est trop volumineux pour être ouvert (plus de 25 Mo).');
  return msg.source;
}
