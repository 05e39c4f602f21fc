import { describe, expect, it } from 'vitest';
import {
  addDays,
  civilDateOf,
  DEFAULT_PRACTICE_ZONE,
  formatCivilDate,
  formatInstant,
  instantAt,
  isAfterToday,
  isCivilDate,
  isPracticeZone,
  practiceClock,
  practiceZones,
  startOfDay,
  todayIn,
  zoneOffsetMinutes,
} from './civil-date.js';

// 23:30 UTC on 7 December: Paris is already 8 December (00:30).
const lateUtc = new Date('2026-12-07T23:30:00Z');

describe('civil dates are the practice’s dates', () => {
  it('today at 23:30 UTC is the next day in Paris, the same day in the Antilles, later still in the Pacific', () => {
    expect(todayIn('Europe/Paris', lateUtc)).toBe('2026-12-08');
    expect(todayIn('America/Martinique', lateUtc)).toBe('2026-12-07');
    expect(todayIn('America/Cayenne', lateUtc)).toBe('2026-12-07');
    expect(todayIn('Indian/Reunion', lateUtc)).toBe('2026-12-08');
    expect(todayIn('Pacific/Noumea', lateUtc)).toBe('2026-12-08');
    expect(todayIn('Pacific/Tahiti', lateUtc)).toBe('2026-12-07');
    // In the summer, Paris is two hours ahead: 22:30 UTC is already the next day.
    expect(todayIn('Europe/Paris', new Date('2026-07-14T22:30:00Z'))).toBe('2026-07-15');
    expect(todayIn('Europe/Paris', new Date('2026-07-14T21:59:59Z'))).toBe('2026-07-14');
  });

  it('overseas: Tahiti’s evening is already tomorrow in UTC, still today for the practice', () => {
    // 20:00 in Papeete on 7 December is 06:00 UTC on the 8th.
    const evening = new Date('2026-12-08T06:00:00Z');
    expect(todayIn('Pacific/Tahiti', evening)).toBe('2026-12-07');
    expect(isAfterToday('2026-12-08', 'Pacific/Tahiti', evening)).toBe(true);
    expect(isAfterToday('2026-12-07', 'Pacific/Tahiti', evening)).toBe(false);
    // Wallis (UTC+12): 13:00 UTC on the 7th is already the 8th.
    expect(todayIn('Pacific/Wallis', new Date('2026-12-07T13:00:00Z'))).toBe('2026-12-08');
  });

  it('today is not in the future, tomorrow is', () => {
    expect(isAfterToday('2026-12-08', 'Europe/Paris', lateUtc)).toBe(false);
    expect(isAfterToday('2026-12-07', 'Europe/Paris', lateUtc)).toBe(false);
    expect(isAfterToday('2026-12-09', 'Europe/Paris', lateUtc)).toBe(true);
  });

  it('checks calendar dates for real', () => {
    expect(isCivilDate('2026-12-08')).toBe(true);
    expect(isCivilDate('2024-02-29')).toBe(true);
    expect(isCivilDate('2026-02-29')).toBe(false);
    expect(isCivilDate('2026-13-01')).toBe(false);
    expect(isCivilDate('2026-12-8')).toBe(false);
    expect(isCivilDate('2026-12-08T00:00:00Z')).toBe(false);
    expect(isCivilDate(20261208)).toBe(false);
  });

  it('adds calendar days across months, years and leap days', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2026-03-29', 1)).toBe('2026-03-30');
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
  });

  it('knows the offset of each zone, summer and winter', () => {
    expect(zoneOffsetMinutes(lateUtc, 'Europe/Paris')).toBe(60);
    expect(zoneOffsetMinutes(new Date('2026-07-01T12:00:00Z'), 'Europe/Paris')).toBe(120);
    expect(zoneOffsetMinutes(lateUtc, 'America/Martinique')).toBe(-240);
    expect(zoneOffsetMinutes(lateUtc, 'Pacific/Marquesas')).toBe(-570);
    expect(zoneOffsetMinutes(lateUtc, 'Pacific/Noumea')).toBe(660);
  });

  it('finds the instant of a wall time, including around the changes of hour', () => {
    expect(startOfDay('2026-12-08', 'Europe/Paris').toISOString()).toBe('2026-12-07T23:00:00.000Z');
    expect(startOfDay('2026-07-15', 'Europe/Paris').toISOString()).toBe('2026-07-14T22:00:00.000Z');
    expect(startOfDay('2026-12-08', 'Pacific/Tahiti').toISOString()).toBe('2026-12-08T10:00:00.000Z');
    expect(instantAt('2026-12-08', 'Pacific/Wallis', 12).toISOString()).toBe('2026-12-08T00:00:00.000Z');
    // 29 March 2026: 02:30 does not exist in Paris, the next valid time is 03:30 (01:30 UTC).
    expect(instantAt('2026-03-29', 'Europe/Paris', 2, 30).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    // 25 October 2026: 02:30 happens twice; the first one (summer time) is kept.
    expect(instantAt('2026-10-25', 'Europe/Paris', 2, 30).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    for (const { id } of practiceZones) expect(civilDateOf(instantAt('2026-12-08', id, 12), id)).toBe('2026-12-08');
  });

  it('formats for the French reader on the practice’s wall clock', () => {
    expect(formatCivilDate('2026-12-08')).toBe('08/12/2026');
    expect(formatInstant(lateUtc, 'Europe/Paris', 'date')).toBe('08/12/2026');
    expect(formatInstant(lateUtc, 'Europe/Paris', 'dateTime')).toBe('08/12/2026 00:30');
    expect(formatInstant(lateUtc, 'America/Martinique', 'dateTime')).toBe('07/12/2026 19:30');
    expect(formatInstant(lateUtc, 'Europe/Paris', 'time')).toBe('00:30');
    expect(() => formatInstant('pas une date', 'Europe/Paris')).toThrow(RangeError);
  });

  it('offers the metropolitan zone by default and the overseas zones', () => {
    expect(DEFAULT_PRACTICE_ZONE).toBe('Europe/Paris');
    expect(isPracticeZone('Indian/Reunion')).toBe(true);
    expect(isPracticeZone('America/New_York')).toBe(false);
    expect(isPracticeZone('')).toBe(false);
    // Every offered zone is known to this runtime's Intl.
    for (const { id } of practiceZones) expect(new Intl.DateTimeFormat('fr-FR', { timeZone: id }).resolvedOptions().timeZone).toBe(id);
  });

  it('the practice clock follows its setting and its (frozen) instant', () => {
    let zone: 'Europe/Paris' | 'America/Guadeloupe' = 'Europe/Paris';
    const clock = practiceClock(
      () => zone,
      () => lateUtc,
    );
    expect(clock.today()).toBe('2026-12-08');
    zone = 'America/Guadeloupe';
    expect(clock.today()).toBe('2026-12-07');
    expect(clock.dateOf('2026-12-08T03:59:00Z')).toBe('2026-12-07');
    expect(clock.dateOf('2026-12-08T04:00:00Z')).toBe('2026-12-08');
  });
});
