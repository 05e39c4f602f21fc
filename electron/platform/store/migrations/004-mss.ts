import type { Migration } from './types.js';

/**
 * MSSanté mail in the encrypted store: IMAP folders with their sync state
 * (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ), messages (envelope + BODYSTRUCTURE
 * first; the raw body cached on demand), a contentless FTS5 index (subject,
 * addresses, body text once fetched), the mails sent by Cabinet with their
 * per-recipient receipts timeline, and incoming XDM documents with the
 * patient they were matched to.
 */
export const migration004: Migration = {
  version: 4,
  name: 'mss',
  up(db) {
    db.exec(`
      CREATE TABLE mss_folders (
        id             INTEGER PRIMARY KEY,
        account        TEXT NOT NULL,
        path           TEXT NOT NULL,
        name           TEXT NOT NULL,
        delimiter      TEXT,
        special_use    TEXT,
        uidvalidity    TEXT,
        uidnext        INTEGER,
        highestmodseq  TEXT,
        synced_at      TEXT,
        UNIQUE (account, path)
      ) STRICT;

      CREATE TABLE mss_messages (
        id              INTEGER PRIMARY KEY,
        folder_id       INTEGER NOT NULL REFERENCES mss_folders (id) ON DELETE CASCADE,
        uid             INTEGER NOT NULL,
        modseq          TEXT,
        message_id      TEXT,
        in_reply_to     TEXT,
        thread          TEXT,
        subject         TEXT NOT NULL DEFAULT '',
        from_json       TEXT NOT NULL DEFAULT '[]',
        to_json         TEXT NOT NULL DEFAULT '[]',
        cc_json         TEXT NOT NULL DEFAULT '[]',
        date            TEXT,
        size            INTEGER NOT NULL DEFAULT 0,
        flags           TEXT NOT NULL DEFAULT '[]',
        seen            INTEGER NOT NULL DEFAULT 0,
        structure       TEXT,
        has_attachments INTEGER NOT NULL DEFAULT 0,
        UNIQUE (folder_id, uid)
      ) STRICT;
      CREATE INDEX mss_messages_list ON mss_messages (folder_id, date DESC, id DESC);
      CREATE INDEX mss_messages_thread ON mss_messages (thread);

      CREATE TABLE mss_bodies (
        message_row INTEGER PRIMARY KEY REFERENCES mss_messages (id) ON DELETE CASCADE,
        raw         BLOB NOT NULL,
        text        TEXT,
        parsed      TEXT NOT NULL,
        fetched_at  TEXT NOT NULL
      ) STRICT;

      CREATE VIRTUAL TABLE mss_fts USING fts5(
        subject, addresses, body,
        content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
      );

      CREATE TABLE mss_sent (
        message_id   TEXT PRIMARY KEY,
        outbox_key   TEXT NOT NULL,
        sender       TEXT NOT NULL,
        recipients   TEXT NOT NULL,
        subject      TEXT NOT NULL,
        patient_uid  TEXT,
        read_receipt INTEGER NOT NULL DEFAULT 0,
        fin          INTEGER NOT NULL DEFAULT 0,
        created_at   TEXT NOT NULL
      ) STRICT;

      CREATE TABLE mss_receipts (
        id          INTEGER PRIMARY KEY,
        message_id  TEXT NOT NULL,
        recipient   TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('envoye', 'remis', 'lu', 'echec', 'en_attente')),
        label       TEXT NOT NULL,
        at          TEXT NOT NULL,
        source      TEXT NOT NULL,
        UNIQUE (message_id, recipient, state, source)
      ) STRICT;
      CREATE INDEX mss_receipts_message ON mss_receipts (message_id, id);

      CREATE TABLE mss_mdn (
        message_row INTEGER PRIMARY KEY REFERENCES mss_messages (id) ON DELETE CASCADE,
        state       TEXT NOT NULL CHECK (state IN ('a_demander', 'envoye', 'refuse')),
        notify_to   TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      ) STRICT;

      CREATE TABLE mss_documents (
        id            INTEGER PRIMARY KEY,
        message_row   INTEGER NOT NULL REFERENCES mss_messages (id) ON DELETE CASCADE,
        unique_id     TEXT NOT NULL,
        ins           TEXT,
        patient_uid   TEXT,
        state         TEXT NOT NULL CHECK (state IN ('a_rapprocher', 'rapproche', 'importe')),
        title         TEXT,
        cda           BLOB,
        pdf           BLOB,
        imported_at   TEXT,
        UNIQUE (message_row, unique_id)
      ) STRICT;
      CREATE INDEX mss_documents_patient ON mss_documents (patient_uid);
    `);
  },
};
