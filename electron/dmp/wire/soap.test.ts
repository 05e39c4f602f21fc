import { describe, expect, it } from 'vitest';
import { EXTERNAL_ID, EXTERNAL_ID_NAME, SCHEME, STATUS, STORED_QUERY, parseXdsTime, statusName, xdsTime, xmlEscape } from './soap.js';

describe('XDS constants and helpers', () => {
  it('has well-formed, distinct urn:uuid identifiers', () => {
    const all = [...Object.values(SCHEME), ...Object.values(EXTERNAL_ID), ...Object.values(STORED_QUERY)];
    for (const v of all) expect(v).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set(all).size).toBe(all.length);
    for (const v of Object.values(EXTERNAL_ID)) expect(EXTERNAL_ID_NAME[v]).toMatch(/^XDS(DocumentEntry|SubmissionSet)\./);
  });

  it('formats and parses XDS DTM in UTC', () => {
    expect(xdsTime(new Date('2026-03-04T05:06:07.890+01:00'))).toBe('20260304040607');
    expect(parseXdsTime('20260304040607')).toBe('2026-03-04T04:06:07.000Z');
    expect(parseXdsTime('2026')).toBe('2026-01-01T00:00:00.000Z');
    expect(parseXdsTime('202603')).toBe('2026-03-01T00:00:00.000Z');
    expect(parseXdsTime('2026030')).toBeNull();
    expect(parseXdsTime('20261399000000')).toBeNull();
    expect(parseXdsTime('20260431')).toBeNull();
    expect(parseXdsTime('20260229')).toBeNull();
    expect(parseXdsTime('20240229235959')).toBe('2024-02-29T23:59:59.000Z');
    expect(parseXdsTime('00260101')).toBeNull();
    expect(parseXdsTime('20260101246000')).toBeNull();
    expect(() => xdsTime(new Date('x'))).toThrow();
  });

  it('maps status URNs, escapes XML', () => {
    expect(statusName(STATUS.Archived)).toBe('Archived');
    expect(statusName('urn:other')).toBeNull();
    expect(xmlEscape(`<a b="c" d='e'>&`)).toBe('&lt;a b=&quot;c&quot; d=&apos;e&apos;&gt;&amp;');
  });
});
