import type { Migration } from './types.js';

/**
 * The outbox's order per patient (issue 15): `group_key` (the patient's uid)
 * keeps a patient's actions in the order they were queued — a later one never
 * leaves while an earlier one still waits. A row waiting for the
 * practitioner's login has `next_attempt_at` NULL (no attempt consumed).
 * `paper_handover`: items of « À remettre sur papier » handed over on paper.
 */
export const migration006: Migration = {
  version: 6,
  name: 'outbox-order',
  up(db) {
    db.exec('ALTER TABLE outbox ADD COLUMN group_key TEXT');
    db.exec('CREATE INDEX outbox_group ON outbox (group_key, id) WHERE group_key IS NOT NULL');
    // « À remettre sur papier »: what the practitioner did when the electronic route failed (one row per watched item).
    db.exec(`CREATE TABLE paper_handover (
      item_key TEXT PRIMARY KEY,
      how TEXT NOT NULL CHECK (how IN ('main_propre', 'courrier')),
      actor TEXT NOT NULL,
      at TEXT NOT NULL
    )`);
  },
};
