/**
 * MSSanté mail in the encrypted store (migration 004): folders and their
 * sync state, messages (envelope + structure first, bodies cached on
 * demand), full-text search, sent mails and their receipts timeline, MDN
 * decisions, incoming XDM documents. Synchronous (better-sqlite3); bulk
 * writes in one transaction each.
 */
import type { Db } from '../../platform/store/database.js';

export interface MailAddress {
  name?: string;
  address?: string;
}

export interface FolderState {
  id: number;
  path: string;
  name: string;
  specialUse: string | null;
  uidValidity: string | null;
  uidNext: number | null;
  highestModseq: string | null;
  syncedAt: string | null;
}

export interface MessageInput {
  uid: number;
  modseq?: string | null;
  messageId?: string | null;
  inReplyTo?: string | null;
  references: string[];
  subject: string;
  from: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  date?: string | null;
  size: number;
  flags: string[];
  /** The stored structure JSON (`storedStructure` in sync.ts), or null. */
  structure: string | null;
  hasAttachments: boolean;
}

/** What is kept of a message's BODYSTRUCTURE: the root type and each leaf part (number, type, size, file name, disposition). */
export interface CompactStructure {
  type: string;
  parts: { part: string; type: string; size: number; name?: string; disposition?: string }[];
}

/** The stored structure JSON → `CompactStructure` (the compact array form; null when absent or unreadable). */
export function readStructure(json: string | null): CompactStructure | null {
  if (!json) return null;
  try {
    const value = JSON.parse(json) as unknown;
    if (!Array.isArray(value) || typeof value[0] !== 'string' || !Array.isArray(value[1])) return null;
    const parts: CompactStructure['parts'] = [];
    for (const leaf of value[1] as unknown[]) {
      if (!Array.isArray(leaf)) continue;
      const [part, type, size, name, disposition] = leaf as unknown[];
      const entry: CompactStructure['parts'][number] = { part: String(part), type: String(type), size: Number(size) || 0 };
      if (typeof name === 'string' && name) entry.name = name;
      if (typeof disposition === 'string' && disposition) entry.disposition = disposition;
      parts.push(entry);
    }
    return { type: value[0], parts };
  } catch {
    return null;
  }
}

export interface MessageRow {
  id: number;
  folderId: number;
  folderPath: string;
  uid: number;
  messageId: string | null;
  inReplyTo: string | null;
  thread: string | null;
  subject: string;
  from: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  date: string | null;
  size: number;
  flags: string[];
  seen: boolean;
  hasAttachments: boolean;
  structure: CompactStructure | null;
}

export type ReceiptState = 'envoye' | 'remis' | 'lu' | 'echec' | 'en_attente';

export interface ReceiptEvent {
  recipient: string;
  state: ReceiptState;
  label: string;
  at: string;
  source: string;
}

export interface SentInput {
  messageId: string;
  outboxKey: string;
  sender: string;
  recipients: string[];
  subject: string;
  patientUid?: string | null;
  readReceipt: boolean;
  fin: boolean;
}

interface MessageDbRow {
  id: number;
  folder_id: number;
  path: string;
  uid: number;
  message_id: string | null;
  in_reply_to: string | null;
  thread: string | null;
  subject: string;
  from_json: string;
  to_json: string;
  cc_json: string;
  date: string | null;
  size: number;
  flags: string;
  seen: number;
  has_attachments: number;
  structure: string | null;
}

/** The thread a message belongs to: the first References entry, else In-Reply-To, else itself (RFC 5322 §3.6.4). */
export function threadKey(
  messageId: string | null | undefined,
  inReplyTo: string | null | undefined,
  references: readonly string[],
): string | null {
  return references[0] ?? inReplyTo ?? messageId ?? null;
}

/** `rfc822;Dr.Martin@Exemple.fr` → `dr.martin@exemple.fr`. */
export function bareAddress(value: string | undefined | null): string {
  const v = (value ?? '').trim();
  const semi = v.indexOf(';');
  return (semi >= 0 && /^[a-z0-9-]+$/i.test(v.slice(0, semi)) ? v.slice(semi + 1) : v).trim().replace(/^<|>$/g, '').toLowerCase();
}

/** `name address` of each address, space-separated, over the lists in order (one string, no intermediate arrays). */
function addressText(...lists: readonly MailAddress[][]): string {
  let text = '';
  let first = true;
  for (const list of lists) {
    for (const a of list) {
      text += first ? `${a.name ?? ''} ${a.address ?? ''}` : ` ${a.name ?? ''} ${a.address ?? ''}`;
      first = false;
    }
  }
  return text;
}

/** A user query → an FTS5 MATCH expression: every word as a quoted prefix, all required. */
export function ftsQuery(text: string): string | null {
  const words = text
    .normalize('NFC')
    .split(/[^\p{L}\p{N}@._-]+/u)
    .map((w) => w.replace(/"/g, '').trim())
    .filter((w) => w.length > 0)
    .slice(0, 12);
  if (words.length === 0) return null;
  return words.map((w) => `"${w}"*`).join(' ');
}

function toRow(r: MessageDbRow): MessageRow {
  return {
    id: r.id,
    folderId: r.folder_id,
    folderPath: r.path,
    uid: r.uid,
    messageId: r.message_id,
    inReplyTo: r.in_reply_to,
    thread: r.thread,
    subject: r.subject,
    from: JSON.parse(r.from_json) as MailAddress[],
    to: JSON.parse(r.to_json) as MailAddress[],
    cc: JSON.parse(r.cc_json) as MailAddress[],
    date: r.date,
    size: r.size,
    flags: JSON.parse(r.flags) as string[],
    seen: r.seen === 1,
    hasAttachments: r.has_attachments === 1,
    structure: readStructure(r.structure),
  };
}

/**
 * The three statements that store a fetched message, shared by `writeMessages`
 * and the sync's write worker (`write-worker.mjs`), so both write the very same rows.
 */
export const MESSAGE_WRITE_SQL = {
  insert: `INSERT INTO mss_messages (folder_id, uid, modseq, message_id, in_reply_to, thread, subject, from_json, to_json, cc_json, date, size, flags, seen, structure, has_attachments)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (folder_id, uid) DO NOTHING`,
  /** Bound with the new row's id, the subject and the address text. */
  fts: "INSERT INTO mss_fts (rowid, subject, addresses, body) VALUES (?, ?, ?, '')",
  /** When the UID was already stored: its flags are refreshed. */
  refresh: 'UPDATE mss_messages SET flags = ?, seen = ?, modseq = coalesce(?, modseq) WHERE folder_id = ? AND uid = ?',
} as const;

export type SqlValue = string | number | null;

/**
 * Messages to store, as one flat array of plain values: per message the 16
 * values bound to `MESSAGE_WRITE_SQL.insert`, then the full-text address text
 * (`MESSAGE_ROW_WIDTH` values each; the FTS and refresh binds are taken from
 * the same positions, `ROW`). The sync appends to it without building objects
 * per message; it crosses to the write worker as it is (a cheap structured
 * clone, which also copies the strings: nothing keeps the IMAP parser's
 * buffers alive once a batch is handed over).
 */
export type MessageRows = SqlValue[];
export const MESSAGE_ROW_WIDTH = 17;
/** Positions inside one row (the worker uses the same numbers). */
export const ROW = { folderId: 0, uid: 1, modseq: 2, subject: 6, flags: 12, seen: 13, addresses: 16 } as const;

/** Appends one message's row to `out`. */
export function appendMessageRow(out: MessageRows, folderId: number, m: MessageInput): void {
  out.push(
    folderId,
    m.uid,
    m.modseq ?? null,
    m.messageId ?? null,
    m.inReplyTo ?? null,
    threadKey(m.messageId, m.inReplyTo, m.references),
    m.subject,
    JSON.stringify(m.from),
    JSON.stringify(m.to),
    JSON.stringify(m.cc),
    m.date ?? null,
    m.size,
    JSON.stringify(m.flags),
    m.flags.includes('\\Seen') ? 1 : 0,
    m.structure,
    m.hasAttachments ? 1 : 0,
    // Address text built here: the same index built in SQL with json_each over the stored JSON costs 3× more (bench).
    addressText(m.from, m.to, m.cc),
  );
}

/** Several messages' rows (tests, `insertMessages`). */
export function messageRows(folderId: number, messages: readonly MessageInput[]): MessageRows {
  const out: MessageRows = [];
  for (const m of messages) appendMessageRow(out, folderId, m);
  return out;
}

const MESSAGE_COLUMNS = `m.id, m.folder_id, f.path, m.uid, m.message_id, m.in_reply_to, m.thread, m.subject, m.from_json, m.to_json, m.cc_json, m.date, m.size, m.flags, m.seen, m.has_attachments, m.structure`;

export class MssStore {
  private readonly insertMessage;
  private readonly refreshFlags;
  private readonly insertFts;
  private readonly indexBody;
  private readonly deleteFts;

  constructor(
    private readonly db: Db,
    readonly account: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.insertMessage = db.prepare(MESSAGE_WRITE_SQL.insert);
    this.refreshFlags = db.prepare(MESSAGE_WRITE_SQL.refresh);
    this.insertFts = db.prepare(MESSAGE_WRITE_SQL.fts);
    this.indexBody = db.prepare('INSERT INTO mss_fts (rowid, subject, addresses, body) VALUES (?, ?, ?, ?)');
    this.deleteFts = db.prepare('DELETE FROM mss_fts WHERE rowid = ?');
  }

  private iso(): string {
    return new Date(this.clock()).toISOString();
  }

  // -- folders ------------------------------------------------------------

  upsertFolder(path: string, name: string, delimiter: string | null, specialUse: string | null): FolderState {
    this.db
      .prepare(
        `INSERT INTO mss_folders (account, path, name, delimiter, special_use) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account, path) DO UPDATE SET name = excluded.name, delimiter = excluded.delimiter, special_use = excluded.special_use`,
      )
      .run(this.account, path, name, delimiter, specialUse);
    return this.folder(path)!;
  }

  folder(path: string): FolderState | undefined {
    const r = this.db.prepare('SELECT * FROM mss_folders WHERE account = ? AND path = ?').get(this.account, path) as
      | {
          id: number;
          path: string;
          name: string;
          special_use: string | null;
          uidvalidity: string | null;
          uidnext: number | null;
          highestmodseq: string | null;
          synced_at: string | null;
        }
      | undefined;
    return (
      r && {
        id: r.id,
        path: r.path,
        name: r.name,
        specialUse: r.special_use,
        uidValidity: r.uidvalidity,
        uidNext: r.uidnext,
        highestModseq: r.highestmodseq,
        syncedAt: r.synced_at,
      }
    );
  }

  folderById(id: number): FolderState | undefined {
    const r = this.db.prepare('SELECT path FROM mss_folders WHERE id = ? AND account = ?').get(id, this.account) as
      { path: string } | undefined;
    return r && this.folder(r.path);
  }

  folderBySpecialUse(specialUse: string): FolderState | undefined {
    const r = this.db.prepare('SELECT path FROM mss_folders WHERE account = ? AND special_use = ?').get(this.account, specialUse) as
      { path: string } | undefined;
    return r && this.folder(r.path);
  }

  /** Folders gone from the server: their messages go with them. */
  removeFoldersExcept(paths: readonly string[]): void {
    const keep = new Set(paths);
    const rows = this.db.prepare('SELECT id, path FROM mss_folders WHERE account = ?').all(this.account) as { id: number; path: string }[];
    for (const r of rows) {
      if (keep.has(r.path)) continue;
      this.db.transaction(() => {
        this.clearFolder(r.id);
        this.db.prepare('DELETE FROM mss_folders WHERE id = ?').run(r.id);
      })();
    }
  }

  folders(): (FolderState & { total: number; unread: number })[] {
    const rows = this.db
      .prepare(
        `SELECT f.path, (SELECT count(*) FROM mss_messages m WHERE m.folder_id = f.id) AS total,
                (SELECT count(*) FROM mss_messages m WHERE m.folder_id = f.id AND m.seen = 0) AS unread
         FROM mss_folders f WHERE f.account = ? ORDER BY CASE WHEN f.path = 'INBOX' THEN 0 ELSE 1 END, f.path`,
      )
      .all(this.account) as { path: string; total: number; unread: number }[];
    return rows.map((r) => ({ ...this.folder(r.path)!, total: r.total, unread: r.unread }));
  }

  setFolderState(id: number, state: { uidValidity: string | null; uidNext: number | null; highestModseq: string | null }): void {
    this.db
      .prepare('UPDATE mss_folders SET uidvalidity = ?, uidnext = ?, highestmodseq = ?, synced_at = ? WHERE id = ?')
      .run(state.uidValidity, state.uidNext, state.highestModseq, this.iso(), id);
  }

  /** UIDVALIDITY changed: every UID we hold for the folder is meaningless. */
  clearFolder(id: number): void {
    this.db.transaction(() => {
      for (const r of this.db.prepare('SELECT id FROM mss_messages WHERE folder_id = ?').all(id) as { id: number }[])
        this.deleteFts.run(r.id);
      this.db.prepare('DELETE FROM mss_messages WHERE folder_id = ?').run(id);
      this.db.prepare('UPDATE mss_folders SET uidvalidity = NULL, uidnext = NULL, highestmodseq = NULL WHERE id = ?').run(id);
    })();
  }

  // -- messages -----------------------------------------------------------

  /** Inserts (or refreshes the flags of) a batch of messages, in one transaction. Returns the new rows' ids by UID. */
  insertMessages(folderId: number, messages: readonly MessageInput[]): Map<number, number> {
    return this.writeMessages(messageRows(folderId, messages));
  }

  /** `insertMessages` from flat rows (`MessageRows`; what the write worker runs too, on its own connection). */
  writeMessages(rows: MessageRows): Map<number, number> {
    const ids = new Map<number, number>();
    this.db.transaction(() => {
      for (let at = 0; at + MESSAGE_ROW_WIDTH <= rows.length; at += MESSAGE_ROW_WIDTH) {
        const result = this.insertMessage.run(rows.slice(at, at + 16));
        const uid = rows[at + ROW.uid] as number;
        if (result.changes === 1) {
          ids.set(uid, Number(result.lastInsertRowid));
          this.insertFts.run(result.lastInsertRowid, rows[at + ROW.subject], rows[at + ROW.addresses]);
        } else {
          this.refreshFlags.run(rows[at + ROW.flags], rows[at + ROW.seen], rows[at + ROW.modseq], rows[at + ROW.folderId], uid);
        }
      }
    })();
    return ids;
  }

  /** CONDSTORE/QRESYNC flag changes. */
  updateFlags(folderId: number, changes: readonly { uid: number; flags: string[]; modseq?: string | null }[]): number {
    const update = this.db.prepare(
      'UPDATE mss_messages SET flags = ?, seen = ?, modseq = coalesce(?, modseq) WHERE folder_id = ? AND uid = ?',
    );
    let changed = 0;
    this.db.transaction(() => {
      for (const c of changes)
        changed += update.run(JSON.stringify(c.flags), c.flags.includes('\\Seen') ? 1 : 0, c.modseq ?? null, folderId, c.uid).changes;
    })();
    return changed;
  }

  deleteUids(folderId: number, uids: Iterable<number>): number {
    const find = this.db.prepare('SELECT id FROM mss_messages WHERE folder_id = ? AND uid = ?');
    const del = this.db.prepare('DELETE FROM mss_messages WHERE id = ?');
    let removed = 0;
    this.db.transaction(() => {
      for (const uid of uids) {
        const r = find.get(folderId, uid) as { id: number } | undefined;
        if (!r) continue;
        this.deleteFts.run(r.id);
        removed += del.run(r.id).changes;
      }
    })();
    return removed;
  }

  uids(folderId: number): number[] {
    return (this.db.prepare('SELECT uid FROM mss_messages WHERE folder_id = ? ORDER BY uid').pluck().all(folderId) as number[]).slice();
  }

  count(folderId: number): number {
    return this.db.prepare('SELECT count(*) FROM mss_messages WHERE folder_id = ?').pluck().get(folderId) as number;
  }

  list(folderId: number, offset: number, limit: number): { messages: MessageRow[]; total: number; unread: number } {
    const rows = this.db
      .prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM mss_messages m JOIN mss_folders f ON f.id = m.folder_id WHERE m.folder_id = ? ORDER BY m.date DESC, m.id DESC LIMIT ? OFFSET ?`,
      )
      .all(folderId, limit, offset) as MessageDbRow[];
    const counts = this.db
      .prepare('SELECT count(*) AS total, coalesce(sum(seen = 0), 0) AS unread FROM mss_messages WHERE folder_id = ?')
      .get(folderId) as { total: number; unread: number };
    return { messages: rows.map(toRow), ...counts };
  }

  message(id: number): MessageRow | undefined {
    const r = this.db
      .prepare(`SELECT ${MESSAGE_COLUMNS} FROM mss_messages m JOIN mss_folders f ON f.id = m.folder_id WHERE m.id = ? AND f.account = ?`)
      .get(id, this.account) as MessageDbRow | undefined;
    return r && toRow(r);
  }

  /** Unread INBOX mails whose subject looks like an ANS error notice (`[Erreur d’intégration !][CODE] …`), newest first. */
  unreadErrorNotices(limit = 200): MessageRow[] {
    const rows = this.db
      .prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM mss_messages m JOIN mss_folders f ON f.id = m.folder_id
         WHERE f.account = ? AND f.path = 'INBOX' AND m.seen = 0 AND (m.subject LIKE '[Erreur d%' OR m.subject LIKE '[KO Int%') ORDER BY m.id DESC LIMIT ?`,
      )
      .all(this.account, limit) as MessageDbRow[];
    return rows.map(toRow);
  }

  thread(thread: string): MessageRow[] {
    const rows = this.db
      .prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM mss_messages m JOIN mss_folders f ON f.id = m.folder_id WHERE m.thread = ? AND f.account = ? ORDER BY m.date, m.id`,
      )
      .all(thread, this.account) as MessageDbRow[];
    return rows.map(toRow);
  }

  search(text: string, limit: number): MessageRow[] {
    const match = ftsQuery(text);
    if (!match) return [];
    const rows = this.db
      .prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM mss_fts JOIN mss_messages m ON m.id = mss_fts.rowid JOIN mss_folders f ON f.id = m.folder_id
         WHERE mss_fts MATCH ? AND f.account = ? ORDER BY m.date DESC, m.id DESC LIMIT ?`,
      )
      .all(match, this.account, limit) as MessageDbRow[];
    return rows.map(toRow);
  }

  setLocalFlags(id: number, flags: string[]): void {
    this.db
      .prepare('UPDATE mss_messages SET flags = ?, seen = ? WHERE id = ?')
      .run(JSON.stringify(flags), flags.includes('\\Seen') ? 1 : 0, id);
  }

  // -- bodies -------------------------------------------------------------

  body(id: number): { raw: Buffer; text: string | null; parsed: unknown } | undefined {
    const r = this.db.prepare('SELECT raw, text, parsed FROM mss_bodies WHERE message_row = ?').get(id) as
      { raw: Buffer; text: string | null; parsed: string } | undefined;
    return r && { raw: r.raw, text: r.text, parsed: JSON.parse(r.parsed) as unknown };
  }

  saveBody(id: number, raw: Buffer, text: string | null, parsed: unknown): void {
    const m = this.message(id);
    if (!m) return;
    this.db.transaction(() => {
      this.db
        .prepare('INSERT OR REPLACE INTO mss_bodies (message_row, raw, text, parsed, fetched_at) VALUES (?, ?, ?, ?, ?)')
        .run(id, raw, text, JSON.stringify(parsed), this.iso());
      this.deleteFts.run(id);
      this.indexBody.run(id, m.subject, addressText(m.from, m.to, m.cc), (text ?? '').slice(0, 200_000));
    })();
  }

  // -- sent mail and receipts ---------------------------------------------

  recordSent(input: SentInput): void {
    const at = this.iso();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO mss_sent (message_id, outbox_key, sender, recipients, subject, patient_uid, read_receipt, fin, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING`,
        )
        .run(
          input.messageId,
          input.outboxKey,
          input.sender,
          JSON.stringify(input.recipients),
          input.subject,
          input.patientUid ?? null,
          input.readReceipt ? 1 : 0,
          input.fin ? 1 : 0,
          at,
        );
    })();
  }

  sent(messageId: string): (SentInput & { createdAt: string }) | undefined {
    const r = this.db.prepare('SELECT * FROM mss_sent WHERE message_id = ?').get(messageId) as
      | {
          message_id: string;
          outbox_key: string;
          sender: string;
          recipients: string;
          subject: string;
          patient_uid: string | null;
          read_receipt: number;
          fin: number;
          created_at: string;
        }
      | undefined;
    return (
      r && {
        messageId: r.message_id,
        outboxKey: r.outbox_key,
        sender: r.sender,
        recipients: JSON.parse(r.recipients) as string[],
        subject: r.subject,
        patientUid: r.patient_uid,
        readReceipt: r.read_receipt === 1,
        fin: r.fin === 1,
        createdAt: r.created_at,
      }
    );
  }

  /** Adds one event to a sent mail's timeline; false when it was already there (same source). */
  addReceipt(messageId: string, event: ReceiptEvent): boolean {
    return (
      this.db
        .prepare(
          'INSERT INTO mss_receipts (message_id, recipient, state, label, at, source) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
        )
        .run(messageId, bareAddress(event.recipient), event.state, event.label.slice(0, 500), event.at, event.source.slice(0, 200))
        .changes > 0
    );
  }

  /** Adds several events at once (one transaction): all of them or none. */
  addReceipts(messageId: string, events: readonly ReceiptEvent[]): void {
    this.db.transaction(() => {
      for (const event of events) this.addReceipt(messageId, event);
    })();
  }

  receipts(messageId: string): ReceiptEvent[] {
    return this.db
      .prepare('SELECT recipient, state, label, at, source FROM mss_receipts WHERE message_id = ? ORDER BY id')
      .all(messageId) as ReceiptEvent[];
  }

  // -- MDN decisions ------------------------------------------------------

  mdnState(id: number): { state: 'a_demander' | 'envoye' | 'refuse'; notifyTo: string } | undefined {
    const r = this.db.prepare('SELECT state, notify_to FROM mss_mdn WHERE message_row = ?').get(id) as
      { state: 'a_demander' | 'envoye' | 'refuse'; notify_to: string } | undefined;
    return r && { state: r.state, notifyTo: r.notify_to };
  }

  setMdnState(id: number, state: 'a_demander' | 'envoye' | 'refuse', notifyTo: string): void {
    this.db
      .prepare(
        'INSERT INTO mss_mdn (message_row, state, notify_to, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (message_row) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
      )
      .run(id, state, notifyTo, this.iso());
  }

  // -- incoming documents --------------------------------------------------

  upsertDocument(doc: {
    messageRow: number;
    uniqueId: string;
    ins: string | null;
    patientUid: string | null;
    title: string | null;
    cda: Buffer | null;
    pdf: Buffer | null;
  }): number {
    const state = doc.patientUid ? 'rapproche' : 'a_rapprocher';
    this.db
      .prepare(
        `INSERT INTO mss_documents (message_row, unique_id, ins, patient_uid, state, title, cda, pdf) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (message_row, unique_id) DO UPDATE SET ins = excluded.ins, patient_uid = coalesce(mss_documents.patient_uid, excluded.patient_uid),
           state = CASE WHEN mss_documents.state = 'importe' THEN 'importe' ELSE excluded.state END`,
      )
      .run(doc.messageRow, doc.uniqueId, doc.ins, doc.patientUid, state, doc.title, doc.cda, doc.pdf);
    return this.db
      .prepare('SELECT id FROM mss_documents WHERE message_row = ? AND unique_id = ?')
      .pluck()
      .get(doc.messageRow, doc.uniqueId) as number;
  }

  /** State is one of the table's CHECK values (migration 004). */
  documents(messageRow: number): {
    id: number;
    uniqueId: string;
    ins: string | null;
    patientUid: string | null;
    state: 'a_rapprocher' | 'rapproche' | 'importe';
    title: string | null;
    hasPdf: boolean;
    importedAt: string | null;
  }[] {
    return (
      this.db
        .prepare(
          'SELECT id, unique_id, ins, patient_uid, state, title, pdf IS NOT NULL AS has_pdf, imported_at FROM mss_documents WHERE message_row = ? ORDER BY id',
        )
        .all(messageRow) as {
        id: number;
        unique_id: string;
        ins: string | null;
        patient_uid: string | null;
        state: 'a_rapprocher' | 'rapproche' | 'importe';
        title: string | null;
        has_pdf: number;
        imported_at: string | null;
      }[]
    ).map((r) => ({
      id: r.id,
      uniqueId: r.unique_id,
      ins: r.ins,
      patientUid: r.patient_uid,
      state: r.state,
      title: r.title,
      hasPdf: r.has_pdf === 1,
      importedAt: r.imported_at,
    }));
  }

  document(
    id: number,
  ): { id: number; messageRow: number; uniqueId: string; ins: string | null; patientUid: string | null; state: string } | undefined {
    const r = this.db.prepare('SELECT id, message_row, unique_id, ins, patient_uid, state FROM mss_documents WHERE id = ?').get(id) as
      { id: number; message_row: number; unique_id: string; ins: string | null; patient_uid: string | null; state: string } | undefined;
    return r && { id: r.id, messageRow: r.message_row, uniqueId: r.unique_id, ins: r.ins, patientUid: r.patient_uid, state: r.state };
  }

  /** A received document's PDF (when its XDM carried one). */
  documentPdf(id: number): { title: string | null; pdf: Buffer | null } | undefined {
    return this.db.prepare('SELECT title, pdf FROM mss_documents WHERE id = ?').get(id) as
      { title: string | null; pdf: Buffer | null } | undefined;
  }

  markImported(id: number, patientUid: string): void {
    this.db
      .prepare("UPDATE mss_documents SET state = 'importe', patient_uid = ?, imported_at = ? WHERE id = ?")
      .run(patientUid, this.iso(), id);
  }

  patientDocuments(patientUid: string): { id: number; uniqueId: string; title: string | null; importedAt: string | null }[] {
    return (
      this.db
        .prepare("SELECT id, unique_id, title, imported_at FROM mss_documents WHERE patient_uid = ? AND state = 'importe' ORDER BY id")
        .all(patientUid) as {
        id: number;
        unique_id: string;
        title: string | null;
        imported_at: string | null;
      }[]
    ).map((r) => ({ id: r.id, uniqueId: r.unique_id, title: r.title, importedAt: r.imported_at }));
  }
}
