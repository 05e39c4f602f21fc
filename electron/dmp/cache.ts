/**
 * What Cabinet keeps of each patient's DMP in the encrypted store (migration
 * `003-dmp`), so that the DMP panel opens at once and stays readable offline:
 * the last TD0.2 answer, the incremental-refresh cursor, the DocumentEntries
 * (filtered and sorted here, newest first), document contents (bounded: the
 * least recently read are evicted first) and the feeds sent through the outbox.
 *
 * Pure storage: no network, no audit (the service audits every access).
 */
import { CabinetError } from '../../shared/contract/outcome.js';
import { addDays, DEFAULT_PRACTICE_ZONE, isCivilDate, startOfDay } from '../../shared/domain/civil-date.js';
import type { Db } from '../platform/store/database.js';
import type { DmpAvailability, DmpDocumentEntry, DmpStatus, DmpVisibility } from './client/api.js';

/** Largest document kept in the cache (a 20 MiB PDF in base64 inside its CDA is ≈ 27 MiB). */
export const MAX_CACHED_CONTENT_BYTES = 32 * 1024 * 1024;
/** Total size of cached contents; beyond it the least recently read go first. */
export const DEFAULT_CONTENT_BUDGET_BYTES = 256 * 1024 * 1024;

export type VisibilityFilter = 'toutes' | 'normales' | 'masquees_ps' | 'invisibles_patient' | 'invisibles_representants';

export interface CacheFilter {
  /** J07 type codes (any of). */
  types?: string[];
  /** Creation date bounds, `AAAA-MM-JJ` (inclusive). */
  from?: string;
  to?: string;
  /** An author's idNat_PS, or part of their name (case-insensitive). */
  author?: string;
  visibility?: VisibilityFilter;
  /** Default: Approved and Archived (what the panel shows). */
  statuses?: DmpAvailability[];
  limit?: number;
  offset?: number;
}

export interface PatientDmpState {
  status: DmpStatus | null;
  statusFetchedAt: string | null;
  listFetchedAt: string | null;
  /** ISO instant of the start of the last successful refresh: the next FindSubmissionSets starts there. */
  cursor: string | null;
  initialFrom: string | null;
}

export type FeedState = 'en_attente' | 'envoye' | 'echec';

export interface FeedRecord {
  uniqueId: string;
  patientUid: string;
  outboxId: number;
  /** The feed's own state, as its sender last recorded it. */
  state: FeedState;
  /** The outbox's state of the action (the source of truth while it waits). */
  outboxState: string | null;
  title: string;
  typeCode: string;
  actor: string;
  replaces: string | null;
  outcome: string | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

interface StateRow {
  status: string | null;
  status_fetched_at: string | null;
  list_fetched_at: string | null;
  cursor: string | null;
  initial_from: string | null;
}

interface FeedRow {
  unique_id: string;
  patient_uid: string;
  outbox_id: number;
  state: FeedState;
  outbox_state: string | null;
  outbox_error: string | null;
  title: string;
  type_code: string;
  actor: string;
  replaces: string | null;
  outcome: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

/** The searchable text of an entry's authors: idNat and names, lower-case. */
function authorsText(entry: DmpDocumentEntry): string {
  return entry.authors
    .map((a) => `${a.idNat ?? ''} ${a.name}`.trim())
    .join(' | ')
    .toLowerCase();
}

function sortTime(entry: DmpDocumentEntry): string {
  return entry.creationTime ?? entry.submissionTime ?? entry.serviceStart ?? '';
}

/** The logicalIds carried by more than one of these entries (versions of one document). */
function sharedLogicalIds(entries: readonly DmpDocumentEntry[]): Set<string> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const entry of entries) {
    if (!entry.logicalId) continue;
    if (seen.has(entry.logicalId)) shared.add(entry.logicalId);
    else seen.add(entry.logicalId);
  }
  return shared;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The SQL of a streamed store (one definition, run by {@link DmpCache.writeChunk} /
 * {@link DmpCache.finishWrite} in-thread and by `cache-write-worker.mjs` on its own connection).
 */
export const DMP_WRITE_SQL = {
  touch: 'INSERT INTO dmp_patients (patient_uid) VALUES (?) ON CONFLICT (patient_uid) DO NOTHING',
  upsert: `INSERT INTO dmp_documents (patient_uid, entry_uuid, unique_id, logical_id, status, type_code, sort_time, creation_time, authors, masque_ps, invisible_patient, invisible_representants, entry, fetched_at)
       VALUES (@patient_uid, @entry_uuid, @unique_id, @logical_id, @status, @type_code, @sort_time, @creation_time, @authors, @masque_ps, @invisible_patient, @invisible_representants, @entry, @fetched_at)
       ON CONFLICT (patient_uid, entry_uuid) DO UPDATE SET unique_id = excluded.unique_id, logical_id = excluded.logical_id, status = excluded.status, type_code = excluded.type_code,
         sort_time = excluded.sort_time, creation_time = excluded.creation_time, authors = excluded.authors, masque_ps = excluded.masque_ps, invisible_patient = excluded.invisible_patient,
         invisible_representants = excluded.invisible_representants, entry = excluded.entry, fetched_at = excluded.fetched_at`,
  // A newer metadata version of the same logical document (ITI-57 gives it a new entryUUID): the older one is deprecated.
  deprecateLogical:
    "UPDATE dmp_documents SET status = 'Deprecated', entry = json_set(entry, '$.status', 'Deprecated') WHERE patient_uid = ? AND logical_id = ? AND entry_uuid <> ? AND status <> 'Deprecated'",
  deprecateEntry:
    "UPDATE dmp_documents SET status = 'Deprecated', entry = json_set(entry, '$.status', 'Deprecated') WHERE patient_uid = ? AND entry_uuid = ?",
  /** A full refresh: the patient's rows that the answer no longer holds (`?2`: a JSON array of entry UUIDs). */
  sweep: 'DELETE FROM dmp_documents WHERE patient_uid = ? AND entry_uuid NOT IN (SELECT value FROM json_each(?))',
  cursor:
    'UPDATE dmp_patients SET list_fetched_at = ?, cursor = COALESCE(?, cursor), initial_from = COALESCE(?, initial_from) WHERE patient_uid = ?',
} as const;

/** The named parameters of {@link DMP_WRITE_SQL}.upsert for one entry. */
export interface DmpEntryRow {
  patient_uid: string;
  entry_uuid: string;
  unique_id: string;
  logical_id: string | null;
  status: string;
  type_code: string;
  sort_time: string;
  creation_time: string | null;
  authors: string;
  masque_ps: number;
  invisible_patient: number;
  invisible_representants: number;
  entry: string;
  fetched_at: string;
}

export function entryRow(uid: string, entry: DmpDocumentEntry, fetchedAt: string): DmpEntryRow {
  return {
    patient_uid: uid,
    entry_uuid: entry.entryUuid,
    unique_id: entry.uniqueId,
    logical_id: entry.logicalId,
    status: entry.status,
    type_code: entry.type.code,
    sort_time: sortTime(entry),
    creation_time: entry.creationTime,
    authors: authorsText(entry),
    masque_ps: entry.visibility.masquePs ? 1 : 0,
    invisible_patient: entry.visibility.invisiblePatient ? 1 : 0,
    invisible_representants: entry.visibility.invisibleRepresentants ? 1 : 0,
    entry: JSON.stringify(entry),
    fetched_at: fetchedAt,
  };
}

/** One streamed chunk: its rows are upserted in one transaction. */
export interface DmpChunkWrite {
  uid: string;
  rows: DmpEntryRow[];
}

/**
 * The end of a streamed store, in one transaction, once every chunk is
 * committed: the sweep of a full refresh (`keep`), the deprecations (after all
 * rows are in: order-independent), then the cursor. Until it commits, the
 * cursor has not moved: a refresh that fails midway is searched again.
 */
export interface DmpFinishWrite {
  uid: string;
  /** Full refresh: the entry UUIDs of the answer; the patient's other rows are dropped. */
  keep: string[] | null;
  /** Entry UUIDs replaced (RPLC) by an Approved/Archived entry of the answer. */
  replaced: string[];
  /** [logicalId, entryUuid] of the answer's Approved/Archived entries whose older versions are deprecated. */
  logical: [string, string][];
  fetchedAt: string;
  cursor: string | null;
  initialFrom: string | null;
}

/** The finishing step of storing `entries` (what {@link DmpCache.storeEntries} does after its rows). */
export function finishOf(
  uid: string,
  entries: readonly DmpDocumentEntry[],
  options: { replaceAll?: boolean; cursor?: string; initialFrom?: string },
  fetchedAt: string,
): DmpFinishWrite {
  const shared = options.replaceAll ? sharedLogicalIds(entries) : null;
  const replaced: string[] = [];
  const logical: [string, string][] = [];
  for (const entry of entries) {
    if (entry.status !== 'Approved' && entry.status !== 'Archived') continue;
    if (entry.replaces) replaced.push(entry.replaces);
    if (entry.logicalId && (!shared || shared.has(entry.logicalId))) logical.push([entry.logicalId, entry.entryUuid]);
  }
  return {
    uid,
    keep: options.replaceAll ? entries.map((e) => e.entryUuid) : null,
    replaced,
    logical,
    fetchedAt,
    cursor: options.cursor ?? null,
    initialFrom: options.initialFrom ?? null,
  };
}

export class DmpCache {
  private readonly upsertEntry;
  private readonly deprecateLogical;
  private readonly deprecateEntry;
  private readonly touchState;

  constructor(
    private readonly db: Db,
    private readonly clock: () => Date = () => new Date(),
    private readonly contentBudget = DEFAULT_CONTENT_BUDGET_BYTES,
    /** The practice's time zone: the filter's calendar days are its days (civil-date.ts). */
    private readonly zone: () => string = () => DEFAULT_PRACTICE_ZONE,
  ) {
    this.upsertEntry = db.prepare(DMP_WRITE_SQL.upsert);
    this.deprecateLogical = db.prepare(DMP_WRITE_SQL.deprecateLogical);
    this.deprecateEntry = db.prepare(DMP_WRITE_SQL.deprecateEntry);
    this.touchState = db.prepare(DMP_WRITE_SQL.touch);
  }

  private nowIso(): string {
    return this.clock().toISOString();
  }

  state(uid: string): PatientDmpState {
    const row = this.db
      .prepare('SELECT status, status_fetched_at, list_fetched_at, cursor, initial_from FROM dmp_patients WHERE patient_uid = ?')
      .get(uid) as StateRow | undefined;
    return {
      status: row?.status ? (JSON.parse(row.status) as DmpStatus) : null,
      statusFetchedAt: row?.status_fetched_at ?? null,
      listFetchedAt: row?.list_fetched_at ?? null,
      cursor: row?.cursor ?? null,
      initialFrom: row?.initial_from ?? null,
    };
  }

  saveStatus(uid: string, status: DmpStatus): void {
    this.touchState.run(uid);
    this.db
      .prepare('UPDATE dmp_patients SET status = ?, status_fetched_at = ? WHERE patient_uid = ?')
      .run(JSON.stringify(status), this.nowIso(), uid);
  }

  /**
   * Stores entries in one transaction with prepared statements (2,000 entries
   * in a few tens of ms). With `replaceAll`, the patient's cached entries are
   * dropped first (a full refresh). Sets the refresh cursor when given.
   */
  storeEntries(
    uid: string,
    entries: readonly DmpDocumentEntry[],
    options: { replaceAll?: boolean; cursor?: string; initialFrom?: string } = {},
  ): void {
    const fetchedAt = this.nowIso();
    this.db
      .transaction(() => {
        this.touchState.run(uid);
        if (options.replaceAll) this.db.prepare('DELETE FROM dmp_documents WHERE patient_uid = ?').run(uid);
        for (const entry of entries) {
          this.upsertEntry.run(entryRow(uid, entry, fetchedAt));
        }
        // Replacements and newer metadata versions deprecate what they supersede (after all rows are in: order-independent).
        // After a full refresh the patient's rows are exactly these entries: only a logicalId shared by several of them can
        // deprecate anything (2,000 lookups that find nothing are skipped).
        const shared = options.replaceAll ? sharedLogicalIds(entries) : null;
        for (const entry of entries) {
          if (entry.status !== 'Approved' && entry.status !== 'Archived') continue;
          if (entry.replaces) this.deprecateEntry.run(uid, entry.replaces);
          if (entry.logicalId && (!shared || shared.has(entry.logicalId))) this.deprecateLogical.run(uid, entry.logicalId, entry.entryUuid);
        }
        if (options.cursor !== undefined || options.initialFrom !== undefined) {
          this.db
            .prepare(
              'UPDATE dmp_patients SET list_fetched_at = ?, cursor = COALESCE(?, cursor), initial_from = COALESCE(?, initial_from) WHERE patient_uid = ?',
            )
            .run(fetchedAt, options.cursor ?? null, options.initialFrom ?? null, uid);
        }
      })
      .immediate();
  }

  /** A streamed chunk, in-thread (the fallback of `cache-writer.ts`); same SQL as the write worker. */
  writeChunk(write: DmpChunkWrite): void {
    this.db
      .transaction(() => {
        this.touchState.run(write.uid);
        for (const row of write.rows) this.upsertEntry.run(row);
      })
      .immediate();
  }

  /** The end of a streamed store, in-thread (see {@link DmpFinishWrite}). */
  finishWrite(write: DmpFinishWrite): void {
    this.db
      .transaction(() => {
        this.touchState.run(write.uid);
        if (write.keep) this.db.prepare(DMP_WRITE_SQL.sweep).run(write.uid, JSON.stringify(write.keep));
        for (const uuid of write.replaced) this.deprecateEntry.run(write.uid, uuid);
        for (const [lid, uuid] of write.logical) this.deprecateLogical.run(write.uid, lid, uuid);
        if (write.cursor !== null || write.initialFrom !== null)
          this.db.prepare(DMP_WRITE_SQL.cursor).run(write.fetchedAt, write.cursor, write.initialFrom, write.uid);
      })
      .immediate();
  }

  nowStamp(): string {
    return this.nowIso();
  }

  /** Which of these entry UUIDs are already cached for the patient. */
  knownEntries(uid: string, entryUuids: readonly string[]): Set<string> {
    const known = new Set<string>();
    const select = this.db.prepare('SELECT entry_uuid FROM dmp_documents WHERE patient_uid = ? AND entry_uuid = ?').pluck();
    for (const id of entryUuids) if (select.get(uid, id) !== undefined) known.add(id);
    return known;
  }

  /** Finds a cached document by its uniqueId or entryUUID (the current version first), whichever patient it belongs to. */
  locate(id: string): { patientUid: string; entryUuid: string } | null {
    const row = this.db
      .prepare(
        "SELECT patient_uid, entry_uuid FROM dmp_documents WHERE unique_id = ? OR entry_uuid = ? ORDER BY status = 'Deprecated', fetched_at DESC LIMIT 1",
      )
      .get(id, id) as { patient_uid: string; entry_uuid: string } | undefined;
    return row ? { patientUid: row.patient_uid, entryUuid: row.entry_uuid } : null;
  }

  entry(uid: string, entryUuid: string): DmpDocumentEntry | null {
    const json = this.db.prepare('SELECT entry FROM dmp_documents WHERE patient_uid = ? AND entry_uuid = ?').pluck().get(uid, entryUuid) as
      string | undefined;
    return json ? (JSON.parse(json) as DmpDocumentEntry) : null;
  }

  /** The patient's cached entries, newest first, filtered; `total` counts every match. */
  list(uid: string, filter: CacheFilter = {}): { entries: DmpDocumentEntry[]; total: number } {
    const where = ['patient_uid = ?'];
    const params: (string | number)[] = [uid];
    const statuses = filter.statuses?.length ? filter.statuses : (['Approved', 'Archived'] as DmpAvailability[]);
    where.push(`status IN (${statuses.map(() => '?').join(', ')})`);
    params.push(...statuses);
    if (filter.types?.length) {
      where.push(`type_code IN (${filter.types.map(() => '?').join(', ')})`);
      params.push(...filter.types);
    }
    // Calendar days of the practice: from its first instant to the first instant of the day after `to` (sort_time is UTC ISO).
    for (const bound of [filter.from, filter.to]) {
      if (bound !== undefined && bound !== '' && !isCivilDate(bound))
        throw new CabinetError('INVALID_REQUEST', `Date de filtre invalide : ${bound} (attendu AAAA-MM-JJ).`);
    }
    if (filter.from) {
      where.push('sort_time >= ?');
      params.push(startOfDay(filter.from, this.zone()).toISOString());
    }
    if (filter.to) {
      where.push('sort_time < ?');
      params.push(startOfDay(addDays(filter.to, 1), this.zone()).toISOString());
    }
    if (filter.author?.trim()) {
      where.push("authors LIKE ? ESCAPE '\\'");
      params.push(`%${escapeLike(filter.author.trim().toLowerCase())}%`);
    }
    switch (filter.visibility ?? 'toutes') {
      case 'normales':
        where.push('masque_ps = 0 AND invisible_patient = 0 AND invisible_representants = 0');
        break;
      case 'masquees_ps':
        where.push('masque_ps = 1');
        break;
      case 'invisibles_patient':
        where.push('invisible_patient = 1');
        break;
      case 'invisibles_representants':
        where.push('invisible_representants = 1');
        break;
      default:
        break;
    }
    const clause = where.join(' AND ');
    const total = this.db
      .prepare(`SELECT COUNT(*) FROM dmp_documents WHERE ${clause}`)
      .pluck()
      .get(...params) as number;
    const limit = Math.max(1, Math.min(filter.limit ?? 50, 5000));
    const offset = Math.max(0, filter.offset ?? 0);
    const rows = this.db
      .prepare(`SELECT entry FROM dmp_documents WHERE ${clause} ORDER BY sort_time DESC, entry_uuid LIMIT ? OFFSET ?`)
      .pluck()
      .all(...params, limit, offset) as string[];
    return { entries: rows.map((json) => JSON.parse(json) as DmpDocumentEntry), total };
  }

  /** After our own ITI-57: the cached entry shows the change at once (the next refresh brings the registry's new version). */
  updateEntry(uid: string, entryUuid: string, change: { status?: DmpAvailability; visibility?: DmpVisibility }): DmpDocumentEntry | null {
    const entry = this.entry(uid, entryUuid);
    if (!entry) return null;
    const next: DmpDocumentEntry = {
      ...entry,
      ...(change.status ? { status: change.status } : {}),
      ...(change.visibility ? { visibility: change.visibility } : {}),
    };
    this.storeEntries(uid, [next]);
    if (change.status === 'Deleted') this.db.prepare('DELETE FROM dmp_contents WHERE unique_id = ?').run(entry.uniqueId);
    return next;
  }

  content(uniqueId: string): { mimeType: string; content: Buffer; fetchedAt: string } | null {
    const row = this.db.prepare('SELECT mime_type, content, fetched_at FROM dmp_contents WHERE unique_id = ?').get(uniqueId) as
      { mime_type: string; content: Buffer; fetched_at: string } | undefined;
    if (!row) return null;
    this.db.prepare('UPDATE dmp_contents SET last_read_at = ? WHERE unique_id = ?').run(this.nowIso(), uniqueId);
    return { mimeType: row.mime_type, content: row.content, fetchedAt: row.fetched_at };
  }

  /** Keeps a retrieved document (unless larger than {@link MAX_CACHED_CONTENT_BYTES}); evicts the least recently read beyond the budget. */
  putContent(uid: string, uniqueId: string, mimeType: string, content: Buffer): boolean {
    if (content.length > MAX_CACHED_CONTENT_BYTES || content.length > this.contentBudget) return false;
    const now = this.nowIso();
    this.db
      .transaction(() => {
        this.db
          .prepare(
            `INSERT INTO dmp_contents (unique_id, patient_uid, mime_type, size, content, fetched_at, last_read_at) VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (unique_id) DO UPDATE SET mime_type = excluded.mime_type, size = excluded.size, content = excluded.content, fetched_at = excluded.fetched_at, last_read_at = excluded.last_read_at`,
          )
          .run(uniqueId, uid, mimeType, content.length, content, now, now);
        let total = this.db.prepare('SELECT COALESCE(SUM(size), 0) FROM dmp_contents').pluck().get() as number;
        if (total <= this.contentBudget) return;
        const oldest = this.db
          .prepare('SELECT unique_id, size FROM dmp_contents WHERE unique_id <> ? ORDER BY last_read_at, unique_id')
          .all(uniqueId) as { unique_id: string; size: number }[];
        const remove = this.db.prepare('DELETE FROM dmp_contents WHERE unique_id = ?');
        for (const row of oldest) {
          if (total <= this.contentBudget) break;
          remove.run(row.unique_id);
          total -= row.size;
        }
      })
      .immediate();
    return true;
  }

  contentBytes(): number {
    return this.db.prepare('SELECT COALESCE(SUM(size), 0) FROM dmp_contents').pluck().get() as number;
  }

  recordFeed(input: {
    uniqueId: string;
    patientUid: string;
    outboxId: number;
    title: string;
    typeCode: string;
    actor: string;
    replaces?: string | null;
  }): void {
    const now = this.nowIso();
    this.db
      .prepare(
        `INSERT INTO dmp_feeds (unique_id, patient_uid, outbox_id, state, title, type_code, actor, replaces, created_at, updated_at)
         VALUES (?, ?, ?, 'en_attente', ?, ?, ?, ?, ?, ?) ON CONFLICT (unique_id) DO NOTHING`,
      )
      .run(
        input.uniqueId,
        input.patientUid,
        input.outboxId,
        input.title.slice(0, 250),
        input.typeCode,
        input.actor,
        input.replaces ?? null,
        now,
        now,
      );
  }

  updateFeed(uniqueId: string, state: FeedState, detail: { outcome?: string; error?: string } = {}): void {
    this.db
      .prepare('UPDATE dmp_feeds SET state = ?, outcome = COALESCE(?, outcome), error = ?, updated_at = ? WHERE unique_id = ?')
      .run(state, detail.outcome ?? null, detail.error?.slice(0, 1000) ?? null, this.nowIso(), uniqueId);
  }

  feed(uniqueId: string): FeedRecord | null {
    return this.feeds({ uniqueId })[0] ?? null;
  }

  feeds(by: { patientUid?: string; uniqueId?: string }, limit = 100): FeedRecord[] {
    if (!by.patientUid && !by.uniqueId) throw new CabinetError('INVALID_REQUEST');
    const rows = this.db
      .prepare(
        `SELECT f.*, o.state AS outbox_state, o.last_error AS outbox_error FROM dmp_feeds f LEFT JOIN outbox o ON o.id = f.outbox_id
         WHERE ${by.uniqueId ? 'f.unique_id = ?' : 'f.patient_uid = ?'} ORDER BY f.created_at DESC LIMIT ?`,
      )
      .all(by.uniqueId ?? by.patientUid, limit) as FeedRow[];
    return rows.map((r) => ({
      uniqueId: r.unique_id,
      patientUid: r.patient_uid,
      outboxId: r.outbox_id,
      state: r.outbox_state === 'echec' ? 'echec' : r.state,
      outboxState: r.outbox_state,
      title: r.title,
      typeCode: r.type_code,
      actor: r.actor,
      replaces: r.replaces,
      outcome: r.outcome,
      error: r.error ?? r.outbox_error,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }
}
