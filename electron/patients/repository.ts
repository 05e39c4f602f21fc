/**
 * Patients in the encrypted store: rows, their status history and the
 * search index, always written together in one transaction (never a
 * half-written record).
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../platform/store/database.js';
import { ftsQuery, reindex } from './search.js';

export type InsStatus = 'PROV' | 'VALI' | 'RECUP' | 'QUAL';

export interface InsHistoryEntry {
  matricule: string;
  cle: string;
  oid: string;
  dateDeb: string | null;
  dateFin: string | null;
}

export interface PatientRow {
  id: number;
  uid: string;
  birth_name: string;
  first_name: string;
  first_names: string;
  used_name: string | null;
  sex: 'M' | 'F' | 'I';
  birth_date: string;
  birthplace: string | null;
  ins_matricule: string | null;
  ins_cle: string | null;
  ins_oid: string | null;
  ins_history: string;
  status: InsStatus;
  attributes: string;
  document_type: string | null;
  document_date: string | null;
  document_checked_by: string | null;
  insi_checked_at: string | null;
  /** JSON `{ address, displayName }` (migration 005), or null. */
  medecin_traitant: string | null;
  created_at: string;
  updated_at: string;
}

export interface HistoryRow {
  at: string;
  actor: string;
  from_status: InsStatus | null;
  to_status: InsStatus;
  reason: string;
}

export type PatientFields = Omit<PatientRow, 'id' | 'uid' | 'created_at' | 'updated_at' | 'medecin_traitant'>;

export class PatientRepository {
  private recentStatement: ReturnType<Db['prepare']> | undefined;
  private readonly matchingStatements = new Map<number, ReturnType<Db['prepare']>>();

  constructor(
    private readonly db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Identities without INS never checked with INSi (« à réinterroger », procédure dégradée), oldest first. */
  toRequery(limit = 200): PatientRow[] {
    return this.db
      .prepare("SELECT * FROM patients WHERE status IN ('PROV', 'VALI') AND insi_checked_at IS NULL ORDER BY id LIMIT ?")
      .all(limit) as PatientRow[];
  }

  byUid(uid: string): PatientRow | undefined {
    return this.db.prepare('SELECT * FROM patients WHERE uid = ?').get(uid) as PatientRow | undefined;
  }

  byIns(matricule: string, oid: string): PatientRow | undefined {
    return this.db.prepare('SELECT * FROM patients WHERE ins_matricule = ? AND ins_oid = ?').get(matricule, oid) as PatientRow | undefined;
  }

  history(id: number): HistoryRow[] {
    return this.db
      .prepare('SELECT at, actor, from_status, to_status, reason FROM patient_status_history WHERE patient_id = ? ORDER BY id')
      .all(id) as HistoryRow[];
  }

  /**
   * Matching patients (every word a prefix), sorted by name; an empty query
   * gives the most recently updated. One indexed query, no ranking over all
   * matches: a short prefix at 100,000 patients stays as fast as the raw
   * FTS5 lookup (see `npm run bench`).
   */
  search(query: string, limit: number): PatientRow[] {
    if (!query.trim()) return this.recent.all(limit) as PatientRow[];
    const fts = ftsQuery(query);
    if (!fts) return [];
    const rows = this.matching(limit).all(fts) as PatientRow[];
    // Names are stored normalised (A–Z, no diacritics: INSi's rules), so a plain comparison sorts them.
    const keyed = rows.map((p) => ({ key: `${p.birth_name}\u0000${p.first_names}\u0000${p.birth_date}`, p }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return keyed.map((k) => k.p);
  }

  private get recent() {
    return (this.recentStatement ??= this.db.prepare('SELECT * FROM patients ORDER BY updated_at DESC, id DESC LIMIT ?'));
  }

  /** The LIMIT is written into the statement (a validated integer): FTS5 stops early with a constant limit, not with a bound one. */
  private matching(limit: number) {
    const n = Math.max(1, Math.min(500, Math.trunc(limit)));
    let statement = this.matchingStatements.get(n);
    if (!statement) {
      statement = this.db.prepare(
        `SELECT p.* FROM patients_fts JOIN patients p ON p.id = patients_fts.rowid WHERE patients_fts MATCH ? LIMIT ${n}`,
      );
      this.matchingStatements.set(n, statement);
    }
    return statement;
  }

  insert(fields: PatientFields, history: { actor: string; reason: string }): PatientRow {
    const now = this.clock().toISOString();
    return this.db
      .transaction(() => {
        const uid = randomUUID();
        const { lastInsertRowid } = this.db
          .prepare(
            `INSERT INTO patients (uid, birth_name, first_name, first_names, used_name, sex, birth_date, birthplace, ins_matricule, ins_cle, ins_oid, ins_history,
             status, attributes, document_type, document_date, document_checked_by, insi_checked_at, created_at, updated_at)
           VALUES (@uid, @birth_name, @first_name, @first_names, @used_name, @sex, @birth_date, @birthplace, @ins_matricule, @ins_cle, @ins_oid, @ins_history,
             @status, @attributes, @document_type, @document_date, @document_checked_by, @insi_checked_at, @now, @now)`,
          )
          .run({ ...fields, uid, now });
        const id = Number(lastInsertRowid);
        this.db
          .prepare(
            'INSERT INTO patient_status_history (patient_id, at, actor, from_status, to_status, reason) VALUES (?, ?, ?, NULL, ?, ?)',
          )
          .run(id, now, history.actor, fields.status, history.reason);
        reindex(this.db, id, fields);
        return this.byUid(uid)!;
      })
      .immediate();
  }

  /** The médecin traitant (JSON, or null to forget it); the identity and its history are not touched. */
  setMedecinTraitant(row: PatientRow, json: string | null): PatientRow {
    this.db.prepare('UPDATE patients SET medecin_traitant = ?, updated_at = ? WHERE id = ?').run(json, this.clock().toISOString(), row.id);
    return this.byUid(row.uid)!;
  }

  /** Updates a patient; records a history line when the status changes. */
  update(row: PatientRow, changes: Partial<PatientFields>, history: { actor: string; reason: string }): PatientRow {
    const now = this.clock().toISOString();
    return this.db
      .transaction(() => {
        const next = { ...row, ...changes, updated_at: now };
        this.db
          .prepare(
            `UPDATE patients SET birth_name = @birth_name, first_name = @first_name, first_names = @first_names, used_name = @used_name, sex = @sex,
             birth_date = @birth_date, birthplace = @birthplace, ins_matricule = @ins_matricule, ins_cle = @ins_cle, ins_oid = @ins_oid,
             ins_history = @ins_history, status = @status, attributes = @attributes, document_type = @document_type, document_date = @document_date,
             document_checked_by = @document_checked_by, insi_checked_at = @insi_checked_at, updated_at = @updated_at
           WHERE id = @id`,
          )
          .run(next);
        if (changes.status && changes.status !== row.status) {
          this.db
            .prepare('INSERT INTO patient_status_history (patient_id, at, actor, from_status, to_status, reason) VALUES (?, ?, ?, ?, ?, ?)')
            .run(row.id, now, history.actor, row.status, changes.status, history.reason);
        }
        reindex(this.db, row.id, next);
        return this.byUid(row.uid)!;
      })
      .immediate();
  }
}
