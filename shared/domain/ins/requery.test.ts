import { describe, expect, it } from 'vitest';
import { needsInsiQuery } from './requery.js';

describe('needsInsiQuery', () => {
  it('is true for a provisional or validated identity never checked with INSi', () => {
    expect(needsInsiQuery({ status: 'PROV', insiCheckedAt: null })).toBe(true);
    expect(needsInsiQuery({ status: 'VALI', insiCheckedAt: null })).toBe(true);
  });
  it('is false once INSi answered, and for identities with an INS', () => {
    expect(needsInsiQuery({ status: 'PROV', insiCheckedAt: '2026-11-23T09:00:00Z' })).toBe(false);
    expect(needsInsiQuery({ status: 'QUAL', insiCheckedAt: null })).toBe(false);
    expect(needsInsiQuery({ status: 'RECUP', insiCheckedAt: null })).toBe(false);
  });
});
