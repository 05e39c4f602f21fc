import type { Migration } from './types.js';

/**
 * The patient's médecin traitant as this post knows it: the MSSanté mailbox
 * chosen in the Annuaire Santé (JSON `{ address, displayName }`), so that
 * « Envoyer au médecin traitant » addresses the mail at once the next time.
 */
export const migration005: Migration = {
  version: 5,
  name: 'medecin-traitant',
  up(db) {
    db.exec('ALTER TABLE patients ADD COLUMN medecin_traitant TEXT');
  },
};
