/** The DMP list's request and what its answers mean (pure: beside its test). */
import type { DmpFeed, DmpFilter } from './dmp-api.js';
import type { ListFilter } from './DmpDocumentList.js';

/** The filter of the form as the contract's request: the first `limit` entries, empty criteria left out. */
export function toRequestFilter(filter: ListFilter, limit: number): DmpFilter {
  return {
    limit,
    offset: 0,
    ...(filter.type ? { types: [filter.type] } : {}),
    ...(filter.from ? { from: filter.from } : {}),
    ...(filter.to ? { to: filter.to } : {}),
    ...(filter.author.trim() ? { author: filter.author.trim() } : {}),
    ...(filter.visibility !== 'toutes' ? { visibility: filter.visibility } : {}),
  };
}

/** True when one of the sends known before reached the DMP in `feeds`. */
export function justSent(before: readonly DmpFeed[], feeds: readonly DmpFeed[]): boolean {
  const states = new Map(before.map((f) => [f.uniqueId, f.state]));
  return feeds.some((f) => f.state === 'envoye' && states.has(f.uniqueId) && states.get(f.uniqueId) !== 'envoye');
}
