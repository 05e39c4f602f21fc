import type { Migration } from './types.js';

/**
 * Patients with their INS and RNIV identity status, the history of every
 * status change, and an accent-insensitive full-text index (FTS5,
 * contentless: the text lives only in the encrypted `patients` table).
 */
export const migration002: Migration = {
  version: 2,
  name: 'patients',
  up(db) {
    db.exec(`
      CREATE TABLE patients (
        id                  INTEGER PRIMARY KEY,
        uid                 TEXT NOT NULL UNIQUE,
        birth_name          TEXT NOT NULL,
        first_name          TEXT NOT NULL,
        first_names         TEXT NOT NULL,
        used_name           TEXT,
        sex                 TEXT NOT NULL CHECK (sex IN ('M', 'F', 'I')),
        birth_date          TEXT NOT NULL,
        birthplace          TEXT,
        ins_matricule       TEXT,
        ins_cle             TEXT,
        ins_oid             TEXT,
        ins_history         TEXT NOT NULL DEFAULT '[]',
        status              TEXT NOT NULL CHECK (status IN ('PROV', 'VALI', 'RECUP', 'QUAL')),
        attributes          TEXT NOT NULL DEFAULT '[]',
        document_type       TEXT,
        document_date       TEXT,
        document_checked_by TEXT,
        insi_checked_at     TEXT,
        created_at          TEXT NOT NULL,
        updated_at          TEXT NOT NULL,
        CHECK ((ins_matricule IS NULL) = (ins_cle IS NULL) AND (ins_matricule IS NULL) = (ins_oid IS NULL))
      ) STRICT;
      CREATE UNIQUE INDEX patients_ins ON patients (ins_matricule, ins_oid) WHERE ins_matricule IS NOT NULL;
      CREATE INDEX patients_updated ON patients (updated_at);

      CREATE TABLE patient_status_history (
        id          INTEGER PRIMARY KEY,
        patient_id  INTEGER NOT NULL REFERENCES patients (id),
        at          TEXT NOT NULL,
        actor       TEXT NOT NULL,
        from_status TEXT,
        to_status   TEXT NOT NULL,
        reason      TEXT NOT NULL,
        details     TEXT
      ) STRICT;
      CREATE INDEX patient_status_history_patient ON patient_status_history (patient_id, id);

      CREATE VIRTUAL TABLE patients_fts USING fts5(
        names, birth, ins,
        content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3 4'
      );
    `);
  },
};
