/**
 * Links into the Messagerie from other screens (pure): « Écrire au patient »
 * and « Envoyer au médecin traitant » open compose with the patient linked.
 * Only the patient's local id travels in the address, never an INS.
 */
import { hrefOf } from '../../routes.js';

const UID = /^[0-9a-f-]{36}$/;

export type ComposeEntry = { kind: 'nouveau' } | { kind: 'patient'; patientUid: string } | { kind: 'confrere'; patientUid: string };

export const messagerieHrefs = {
  compose: hrefOf('messagerie', 'ecrire'),
  writeToPatient: (uid: string) => hrefOf('messagerie', `ecrire/patient/${encodeURIComponent(uid)}`),
  sendToDoctor: (uid: string) => hrefOf('messagerie', `ecrire/confrere/${encodeURIComponent(uid)}`),
};

/** `ecrire/patient/<uid>` → what compose should open with; null when the page is not a compose. */
export function intentFromSubpath(subpath: string): ComposeEntry | null {
  const [page, kind, uid] = subpath.split('/');
  if (page !== 'ecrire') return null;
  const id = uid ? decodeURIComponent(uid) : '';
  if ((kind === 'patient' || kind === 'confrere') && UID.test(id)) return { kind, patientUid: id };
  return { kind: 'nouveau' };
}
