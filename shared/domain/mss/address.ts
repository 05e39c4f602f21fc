/**
 * MSSanté addresses (pure). A patient's Mon espace santé mailbox is derived
 * from the INS: `<matricule + clé, 15 characters>@patient.mssante.fr` (notes
 * mss.md §1.3: there is no directory of patients' mailboxes). Only a
 * **qualified** INS may leave the app (docs/protocols.md « INS qualification »): callers
 * pass the value `PatientService.shareableIns()` returned; this module checks
 * the form and the key again, never the status.
 */
import { CabinetError } from '../../contract/outcome.js';
import { parseIns } from '../ins/matricule.js';

export const PATIENT_MSS_DOMAIN = 'patient.mssante.fr';

/** Lower-cased; MSSanté professional domains end with `.mssante.fr` (`ch-xyz.mssante.fr`, `test-ci-sis.mssante.fr`). */
const MSS_SUFFIX = '.mssante.fr';
/**
 * The test operator's domains (`cabinet.test-mssante.fr`, `hopital.test-mssante.fr`):
 * professional MSSanté addresses in the sandbox, marked `test` so that the
 * services refuse them in production.
 */
export const TEST_MSS_SUFFIX = '.test-mssante.fr';

export type MssAddressKind = 'patient' | 'professionnel' | 'hors_mssante';

/** A simple, strict address form: no display name, no comment, no quotes. */
const ADDRESS =
  /^([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64})@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)$/;

/**
 * The patient's MSSanté address from a qualified INS (15 characters, key
 * checked; spaces and dashes of the display form accepted). Corsican
 * matricules keep their letter, in upper case, as the INS carries it.
 * Throws INVALID_REQUEST (French message) for a malformed INS.
 */
export function patientMssAddress(ins: string | { matricule: string; cle: string }): string {
  const parsed = parseIns(ins);
  if (!parsed.ok) {
    throw new CabinetError('INVALID_REQUEST', `Adresse MSSanté du patient impossible à construire : ${parsed.message}`, parsed.details);
  }
  return `${parsed.value.valeur}@${PATIENT_MSS_DOMAIN}`;
}

export interface ParsedMssAddress {
  /** Lower-cased domain, local part as written. */
  address: string;
  local: string;
  domain: string;
  kind: MssAddressKind;
  /** For a patient address whose local part is a valid INS (key checked). */
  ins?: string;
  /** A test operator's domain (`*.test-mssante.fr`): only outside production. */
  test?: true;
}

/**
 * Reads an address (`Nom <a@b>` is accepted: the part in angle brackets is
 * used). Returns null when it is not an address at all.
 */
export function parseMssAddress(raw: string): ParsedMssAddress | null {
  const trimmed = raw.trim();
  const inner = /<([^<>]*)>\s*$/.exec(trimmed)?.[1] ?? trimmed;
  const match = ADDRESS.exec(inner.trim());
  if (!match) return null;
  const local = match[1] ?? '';
  const domain = (match[2] ?? '').toLowerCase();
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null;
  const address = `${local}@${domain}`;
  if (domain === PATIENT_MSS_DOMAIN) {
    const parsed = parseIns(local);
    return parsed.ok ? { address, local, domain, kind: 'patient', ins: parsed.value.valeur } : { address, local, domain, kind: 'patient' };
  }
  if (domain.endsWith(TEST_MSS_SUFFIX)) return { address, local, domain, kind: 'professionnel', test: true };
  return { address, local, domain, kind: domain.endsWith(MSS_SUFFIX) ? 'professionnel' : 'hors_mssante' };
}

/** True for `<valid INS>@patient.mssante.fr`. */
export function isPatientMssAddress(raw: string): boolean {
  return parseMssAddress(raw)?.ins !== undefined;
}

/** The INS a patient address carries, or null (not a patient address, or a bad key). */
export function insFromPatientMssAddress(raw: string): string | null {
  return parseMssAddress(raw)?.ins ?? null;
}
