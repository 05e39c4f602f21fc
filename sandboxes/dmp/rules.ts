/**
 * The DMP's access rules, pure (notes dmp-cda.md §1.2, §1.3):
 *
 * - consultation (ITI-18, ITI-43) needs an active DMP and a VALIDE
 *   authorisation, except in bris de glace or centre 15 (recorded by the
 *   caller in the access log);
 * - a practitioner blocked by the patient (INTERDIT) is always refused, in
 *   every mode and for every transaction;
 * - feeding (ITI-41) needs only an active DMP;
 * - ITI-57 needs an active DMP and, for someone else's document, a VALIDE
 *   authorisation; deletion is for the document's author only;
 * - MASQUE_PS documents are seen by their author only (bris de glace does
 *   not lift the masking [I]);
 * - Deleted documents are seen by nobody but their author.
 */
import type { DmpPatient, StoredEntry } from './registry.js';

export type Purpose = 'normal' | 'bris_de_glace' | 'centre_15';

export interface Refusal {
  ok: false;
  /** RegistryError errorCode (IHE where one exists, else a DMP code invented for the sandbox). */
  code: string;
  message: string;
}
export type Decision = { ok: true; exceptional: boolean } | Refusal;

export const DMP_ERRORS = {
  closed: 'DMP_FERME',
  forbidden: 'DMP_ACCES_INTERDIT',
  noAuthorization: 'DMP_AUTORISATION_ABSENTE',
  authorOnly: 'DMP_AUTEUR_SEUL',
  patientMismatch: 'DMP_PATIENT_VIHF_DIFFERENT',
} as const;

const refuse = (code: string, message: string): Refusal => ({ ok: false, code, message });

function common(patient: DmpPatient | null, practitioner: string): Refusal | null {
  if (!patient) return refuse('XDSUnknownPatientId', 'Ce patient n’a pas de DMP.');
  if (patient.state === 'FERME')
    return refuse(
      DMP_ERRORS.closed,
      `Le DMP de ce patient est fermé${patient.closing ? ` depuis le ${patient.closing.date}` : ''} : ni consultation ni alimentation.`,
    );
  if (patient.authorizations.get(practitioner)?.status === 'INTERDIT')
    return refuse(DMP_ERRORS.forbidden, 'Le patient a interdit à ce professionnel l’accès à son DMP (même en bris de glace).');
  return null;
}

export function authorizationValid(patient: DmpPatient, practitioner: string, now: Date): boolean {
  const auth = patient.authorizations.get(practitioner);
  return auth?.status === 'VALIDE' && (!auth.end || new Date(auth.end).getTime() > now.getTime());
}

export function consultDecision(patient: DmpPatient | null, practitioner: string, purpose: Purpose, now: Date): Decision {
  const refusal = common(patient, practitioner);
  if (refusal) return refusal;
  if (authorizationValid(patient!, practitioner, now)) return { ok: true, exceptional: false };
  if (purpose === 'bris_de_glace' || purpose === 'centre_15') return { ok: true, exceptional: true };
  const status = patient!.authorizations.get(practitioner)?.status ?? 'NON_EXISTE';
  return refuse(
    DMP_ERRORS.noAuthorization,
    `Autorisation d’accès au DMP ${status === 'VALIDE' || status === 'EXPIRE' ? 'expirée' : 'absente'} : ajoutez-la avec le consentement du patient (TD0.3), ou accédez en bris de glace.`,
  );
}

export function feedDecision(patient: DmpPatient | null, practitioner: string): Decision {
  return common(patient, practitioner) ?? { ok: true, exceptional: false };
}

export function isAuthor(entry: StoredEntry, practitioner: string): boolean {
  return entry.submitter === practitioner || entry.authorIds.includes(practitioner);
}

export function updateDecision(
  patient: DmpPatient | null,
  practitioner: string,
  entry: StoredEntry,
  newStatus: string | null,
  now: Date,
): Decision {
  const refusal = common(patient, practitioner);
  if (refusal) return refusal;
  if (newStatus === 'Deleted' && !isAuthor(entry, practitioner))
    return refuse(DMP_ERRORS.authorOnly, 'Seul l’auteur d’un document peut le supprimer du DMP.');
  if (isAuthor(entry, practitioner) || authorizationValid(patient!, practitioner, now)) return { ok: true, exceptional: false };
  return refuse(DMP_ERRORS.noAuthorization, 'Autorisation d’accès au DMP absente ou expirée : modification impossible.');
}

export const MASQUE_PS = 'MASQUE_PS';

export function masked(entry: StoredEntry): boolean {
  return entry.confidentiality.some((c) => c.code === MASQUE_PS);
}

/** Whether this practitioner may see this entry at all. */
export function visibleTo(entry: StoredEntry, practitioner: string): boolean {
  if (entry.status === 'Deleted' || masked(entry)) return isAuthor(entry, practitioner);
  return true;
}
