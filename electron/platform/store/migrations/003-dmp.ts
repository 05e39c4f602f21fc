import type { Migration } from './types.js';

/**
 * The DMP's local side (`electron/dmp/cache.ts`): per patient, the last TD0.2
 * answer and the incremental-refresh cursor; the cached DocumentEntries (the
 * columns the list filters and sorts on, plus the whole entry as JSON); the
 * cached document contents (bounded, least recently read evicted first); and
 * the feeds Cabinet sent (uniqueId → outbox action).
 */
export const migration003: Migration = {
  version: 3,
  name: 'dmp',
  up(db) {
    db.exec(`
      CREATE TABLE dmp_patients (
        patient_uid       TEXT PRIMARY KEY,
        status            TEXT,
        status_fetched_at TEXT,
        list_fetched_at   TEXT,
        cursor            TEXT,
        initial_from      TEXT
      ) STRICT;

      CREATE TABLE dmp_documents (
        patient_uid          TEXT NOT NULL,
        entry_uuid           TEXT NOT NULL,
        unique_id            TEXT NOT NULL,
        logical_id           TEXT,
        status               TEXT NOT NULL CHECK (status IN ('Approved', 'Deprecated', 'Archived', 'Deleted')),
        type_code            TEXT NOT NULL,
        sort_time            TEXT NOT NULL,
        creation_time        TEXT,
        authors              TEXT NOT NULL,
        masque_ps            INTEGER NOT NULL CHECK (masque_ps IN (0, 1)),
        invisible_patient    INTEGER NOT NULL CHECK (invisible_patient IN (0, 1)),
        invisible_representants INTEGER NOT NULL CHECK (invisible_representants IN (0, 1)),
        entry                TEXT NOT NULL,
        fetched_at           TEXT NOT NULL,
        PRIMARY KEY (patient_uid, entry_uuid)
      ) STRICT;
      CREATE INDEX dmp_documents_newest ON dmp_documents (patient_uid, sort_time DESC);
      CREATE INDEX dmp_documents_type ON dmp_documents (patient_uid, type_code, sort_time DESC);
      CREATE INDEX dmp_documents_unique ON dmp_documents (unique_id);
      CREATE INDEX dmp_documents_logical ON dmp_documents (patient_uid, logical_id) WHERE logical_id IS NOT NULL;

      CREATE TABLE dmp_contents (
        unique_id    TEXT PRIMARY KEY,
        patient_uid  TEXT NOT NULL,
        mime_type    TEXT NOT NULL,
        size         INTEGER NOT NULL,
        content      BLOB NOT NULL,
        fetched_at   TEXT NOT NULL,
        last_read_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX dmp_contents_lru ON dmp_contents (last_read_at);

      CREATE TABLE dmp_feeds (
        unique_id    TEXT PRIMARY KEY,
        patient_uid  TEXT NOT NULL,
        outbox_id    INTEGER NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('en_attente', 'envoye', 'echec')),
        title        TEXT NOT NULL,
        type_code    TEXT NOT NULL,
        actor        TEXT NOT NULL,
        replaces     TEXT,
        outcome      TEXT,
        error        TEXT,
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL
      ) STRICT;
      CREATE INDEX dmp_feeds_patient ON dmp_feeds (patient_uid, created_at DESC);
    `);
  },
};
