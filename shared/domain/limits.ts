/**
 * Limits that several layers check (contract schemas, services, CLI, the
 * renderer), defined once here so they cannot drift apart. Pure.
 */

/** Largest PDF Cabinet accepts: the body of a CDA level 1 (DMP, MSSanté XDM), a PDF sent beside it. 20 MiB. */
export const MAX_PDF_BYTES = 20 * 1024 * 1024;

/** The same PDF in base64 (how documents cross the bridge): 4 × ⌈20 MiB / 3⌉ characters. */
export const MAX_PDF_BASE64_CHARS = 4 * Math.ceil(MAX_PDF_BYTES / 3);

/** DMP access without authorisation (bris de glace, centre 15): the reason, once trimmed and its spaces collapsed. */
export const MIN_ACCESS_REASON_CHARS = 10;
export const MAX_ACCESS_REASON_CHARS = 500;

/** The reason as it is recorded: trimmed, runs of spaces and line breaks collapsed to one space. */
export function normaliseAccessReason(reason: string): string {
  return reason.trim().replace(/\s+/g, ' ');
}

/** Why a bris-de-glace / centre-15 reason cannot be recorded, in French; null when it can. */
export function accessReasonProblem(reason: string, purpose: 'bris_de_glace' | 'centre_15' = 'bris_de_glace'): string | null {
  const text = normaliseAccessReason(reason);
  const what = purpose === 'bris_de_glace' ? 'en bris de glace' : 'en centre 15';
  if (text.length === 0)
    return `Indiquez la raison de l’accès ${what} : elle est enregistrée dans le journal et le patient en est informé.`;
  if (text.length < MIN_ACCESS_REASON_CHARS)
    return `La raison de l’accès ${what} est trop courte (${MIN_ACCESS_REASON_CHARS} caractères au moins).`;
  if (text.length > MAX_ACCESS_REASON_CHARS)
    return `La raison de l’accès ${what} est trop longue (${MAX_ACCESS_REASON_CHARS} caractères au plus).`;
  return null;
}
