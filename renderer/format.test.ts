import { afterEach, describe, expect, it } from 'vitest';
import { formatDateParts, formatDateTime, formatInstantIn, formatWhen, practiceToday, setPracticeZone } from './format.js';

// 23:45 UTC on 7 December: already 8 December, 00:45, in Paris.
const now = new Date('2026-12-07T23:45:00Z');

afterEach(() => setPracticeZone('Europe/Paris'));

describe('screens’ dates are on the practice’s clock, not the browser’s', () => {
  it('« today », « hier » and the time in Paris at 23:45 UTC', () => {
    expect(practiceToday(now)).toBe('2026-12-08');
    expect(formatDateParts('2026-12-07T23:10:00Z', now)).toEqual(['aujourd’hui', '00:10']);
    expect(formatDateParts('2026-12-07T22:50:00Z', now)).toEqual(['hier', '23:50']);
    expect(formatDateParts('2026-12-05T10:00:00Z', now)).toEqual(['05/12/2026', '11:00']);
    expect(formatDateTime('2026-12-07T23:10:00Z', now)).toBe('aujourd’hui à 00:10');
    expect(formatInstantIn('2026-12-07T23:10:00Z', 'date')).toBe('08/12/2026');
    expect(formatInstantIn(null)).toBe('—');
  });

  it('follows the practice’s zone when it changes (Martinique)', () => {
    setPracticeZone('America/Martinique');
    expect(practiceToday(now)).toBe('2026-12-07');
    expect(formatDateParts('2026-12-07T23:10:00Z', now)).toEqual(['aujourd’hui', '19:10']);
    // A zone that is not offered is ignored.
    setPracticeZone('America/New_York');
    expect(practiceToday(now)).toBe('2026-12-07');
  });
});

describe('formatWhen', () => {
  it('reads after a verb: never « le aujourd’hui »', () => {
    const now = new Date('2026-12-08T09:00:00Z'); // 10:00 in Paris
    expect(formatWhen('2026-12-08T08:30:00Z', now)).toBe('aujourd’hui à 09:30');
    expect(formatWhen('2026-12-07T08:30:00Z', now)).toBe('hier à 09:30');
    expect(formatWhen('2026-11-30T08:30:00Z', now)).toBe('le 30/11/2026 à 09:30');
    expect(formatWhen(null, now)).toBe('');
  });
});
