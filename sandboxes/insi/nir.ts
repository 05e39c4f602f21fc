/**
 * The NIR / NIA key, as the sandbox needs it to generate its fictitious
 * population and to check its data files (notes ins-cps.md §1.3):
 * key = 97 − (N mod 97), N the 13-character matricule read as an integer,
 * Corsica's `2A` / `2B` (7th character) replaced by `19` / `18` first.
 *
 * Deliberately local to the sandbox: the pure INS rules used by the
 * application live in shared/domain/ins/ (another module); the sandbox must
 * not depend on the code it is meant to test.
 */

/** 13 characters: sex, year, month, place (5, Corsica 2A/2B allowed), order. */
export const MATRICULE_PATTERN = /^[0-9]{6}[0-9AB][0-9]{6}$/;

/** The key (two digits, "01" to "97") of a 13-character NIR or NIA; null if the matricule is malformed. */
export function matriculeKey(matricule: string): string | null {
  if (!MATRICULE_PATTERN.test(matricule)) return null;
  const department = matricule.slice(5, 7);
  let digits = matricule;
  if (department === '2A') digits = `${matricule.slice(0, 5)}19${matricule.slice(7)}`;
  else if (department === '2B') digits = `${matricule.slice(0, 5)}18${matricule.slice(7)}`;
  else if (!/^[0-9]{13}$/.test(matricule)) return null;
  const key = 97n - (BigInt(digits) % 97n);
  return key.toString().padStart(2, '0');
}
