import { describe, expect, it } from 'vitest';
import { aheadTermFor, foldSearchTerm } from './search-ahead.js';

describe('search ahead', () => {
  it('folds case and diacritics as the full-text query does', () => {
    expect(foldSearchTerm('Mé')).toBe('me');
    expect(foldSearchTerm('HÉLOÏSE')).toBe('heloise');
    expect(foldSearchTerm('12/03')).toBe('12/03');
  });

  it('answers a key that adds one letter or digit to the base term', () => {
    expect(aheadTermFor('mar', 'Mart')).toBe('mart');
    expect(aheadTermFor('', 'É')).toBe('e');
    expect(aheadTermFor('12', '123')).toBe('123');
  });

  it('does not answer anything else', () => {
    expect(aheadTermFor('mar', 'mar')).toBeNull(); // same term
    expect(aheadTermFor('mar', 'ma')).toBeNull(); // erased
    expect(aheadTermFor('mar', 'mor')).toBeNull(); // another term
    expect(aheadTermFor('mar', 'mart ')).toBeNull(); // two characters
    expect(aheadTermFor('12', '12/')).toBeNull(); // not searched ahead
    expect(aheadTermFor('dupon', "dupon'")).toBeNull();
  });
});
