/**
 * Search ahead of the keyboard: after each answer, the service also computes
 * the answers to every letter or digit that could be typed next, so that the
 * next key's results are drawn in the key's own frame (no round trip between
 * the key and the screen). Pure: the service and the screen share it.
 */

/** The next characters searched ahead: what starts or continues a name, a date or an INS. */
export const AHEAD_CHARACTERS = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** How many patients per next term travel ahead: more than a screen shows. */
export const AHEAD_ROWS = 20;

/**
 * A term as the search reads it: without diacritics, in lower case (the
 * full-text query folds both, so the folded term finds the same patients).
 */
export function foldSearchTerm(term: string): string {
  return term.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * The term searched ahead that answers `next`, when `next` is `base` (folded)
 * followed by one of {@link AHEAD_CHARACTERS}; otherwise null.
 */
export function aheadTermFor(base: string, next: string): string | null {
  const folded = foldSearchTerm(next);
  if (folded.length !== base.length + 1 || !folded.startsWith(base)) return null;
  return AHEAD_CHARACTERS.includes(folded.at(-1)!) ? folded : null;
}
