/**
 * Calendar dates are the practice's dates — the one place that decides
 * « today » and turns instants into calendar dates.
 *
 * A civil date is `AAAA-MM-JJ` with no time zone: the day on the practice's
 * wall calendar (a document check, a document's date, a DMP filter bound).
 * An instant (`Date`, ISO 8601 with `Z`) becomes a civil date only here, in
 * the practice's time zone (a setting, default Europe/Paris; the overseas
 * zones are offered), never in UTC and never in the process's or browser's own
 * zone. Pure: `Intl.DateTimeFormat` only; the current instant is always
 * passed in (see {@link PracticeClock}) so tests freeze it.
 */

/** The time zones offered for a practice (metropolitan France first, then overseas), with their French labels. */
export const practiceZones = [
  { id: 'Europe/Paris', label: 'France métropolitaine et Corse (heure de Paris)' },
  { id: 'America/Guadeloupe', label: 'Guadeloupe, Saint-Martin, Saint-Barthélemy' },
  { id: 'America/Martinique', label: 'Martinique' },
  { id: 'America/Cayenne', label: 'Guyane' },
  { id: 'America/Miquelon', label: 'Saint-Pierre-et-Miquelon' },
  { id: 'Indian/Reunion', label: 'La Réunion' },
  { id: 'Indian/Mayotte', label: 'Mayotte' },
  { id: 'Pacific/Noumea', label: 'Nouvelle-Calédonie' },
  { id: 'Pacific/Tahiti', label: 'Polynésie française (Tahiti)' },
  { id: 'Pacific/Marquesas', label: 'Polynésie française (Marquises)' },
  { id: 'Pacific/Gambier', label: 'Polynésie française (Gambier)' },
  { id: 'Pacific/Wallis', label: 'Wallis-et-Futuna' },
] as const;

export type PracticeZone = (typeof practiceZones)[number]['id'];
export const practiceZoneIds = practiceZones.map((z) => z.id) as unknown as readonly [PracticeZone, ...PracticeZone[]];
export const DEFAULT_PRACTICE_ZONE: PracticeZone = 'Europe/Paris';

export function isPracticeZone(value: unknown): value is PracticeZone {
  return typeof value === 'string' && (practiceZoneIds as readonly string[]).includes(value);
}

/** `AAAA-MM-JJ`. */
export type CivilDate = string;

const CIVIL = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar day written `AAAA-MM-JJ` (not 2026-02-30, not 2026-13-01). */
export function isCivilDate(value: unknown): value is CivilDate {
  if (typeof value !== 'string') return false;
  const m = CIVIL.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const wallFormats = new Map<string, Intl.DateTimeFormat>();

function wallFormat(zone: string): Intl.DateTimeFormat {
  let format = wallFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    wallFormats.set(zone, format);
  }
  return format;
}

function toDate(instant: Date | number | string): Date {
  const date = instant instanceof Date ? instant : new Date(instant);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Instant invalide : ${String(instant)}`);
  return date;
}

/** The wall clock of `zone` at `instant`. */
export function wallClock(instant: Date | number | string, zone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const part of wallFormat(zone).formatToParts(toDate(instant))) parts[part.type] = part.value;
  const year = Number(parts.year);
  return {
    year: parts.era === 'BC' || parts.era === 'B' ? 1 - year : year,
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** Minutes to add to UTC to get `zone`'s wall clock at `instant` (Paris in winter: 60; Martinique: -240). */
export function zoneOffsetMinutes(instant: Date | number | string, zone: string): number {
  const date = toDate(instant);
  const w = wallClock(date, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
}

/** The calendar date of `instant` in `zone`. */
export function civilDateOf(instant: Date | number | string, zone: string): CivilDate {
  const w = wallClock(instant, zone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

/** Today in `zone`. */
export function todayIn(zone: string, now: Date | number = Date.now()): CivilDate {
  return civilDateOf(now, zone);
}

/** Negative, zero or positive, like a comparator. Both must be civil dates. */
export function compareCivilDates(a: CivilDate, b: CivilDate): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether `date` is after today in `zone` (today is not the future). */
export function isAfterToday(date: CivilDate, zone: string, now: Date | number = Date.now()): boolean {
  return compareCivilDates(date, todayIn(zone, now)) > 0;
}

/** `date` plus `days` calendar days (negative: before). */
export function addDays(date: CivilDate, days: number): CivilDate {
  const m = CIVIL.exec(date);
  if (!m || !isCivilDate(date)) throw new RangeError(`Date civile invalide : ${date}`);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days));
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/**
 * The instant when `zone`'s wall clock shows `date` at `hour:minute` (the
 * first one if the clock goes back; the next valid minute if it jumps over).
 */
export function instantAt(date: CivilDate, zone: string, hour = 0, minute = 0): Date {
  const m = CIVIL.exec(date);
  if (!m || !isCivilDate(date)) throw new RangeError(`Date civile invalide : ${date}`);
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), hour, minute);
  // The offsets in force around that day; each gives a candidate instant.
  const offsets = new Set([-86_400_000, 0, 86_400_000].map((delta) => zoneOffsetMinutes(wall + delta, zone)));
  const candidates = [...offsets].map((offset) => wall - offset * 60_000).sort((a, b) => a - b);
  const exact = candidates.find((t) => t + zoneOffsetMinutes(t, zone) * 60_000 === wall);
  return new Date(exact ?? candidates[candidates.length - 1]!);
}

/** The first instant of `date` in `zone` (for « from » bounds). */
export function startOfDay(date: CivilDate, zone: string): Date {
  return instantAt(date, zone, 0, 0);
}

/** `AAAA-MM-JJ` → `JJ/MM/AAAA`; anything else is returned as it is. */
export function formatCivilDate(date: CivilDate): string {
  const m = CIVIL.exec(date);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : date;
}

const displayFormats = new Map<string, Intl.DateTimeFormat>();

export type InstantStyle = 'date' | 'dateTime' | 'time' | 'long' | 'dayMonth';

const styleOptions: Record<InstantStyle, Intl.DateTimeFormatOptions> = {
  date: { day: '2-digit', month: '2-digit', year: 'numeric' },
  dateTime: { dateStyle: 'short', timeStyle: 'short' },
  time: { timeStyle: 'short' },
  long: { dateStyle: 'full', timeStyle: 'medium' },
  dayMonth: { day: '2-digit', month: '2-digit' },
};

/** An instant as the practice reads it, in French, on `zone`'s wall clock: « 08/12/2026 », « 08/12/2026 00:30 », « 00:30 »… */
export function formatInstant(instant: Date | number | string, zone: string, style: InstantStyle = 'dateTime'): string {
  const key = `${zone}|${style}`;
  let format = displayFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('fr-FR', { ...styleOptions[style], timeZone: zone });
    displayFormats.set(key, format);
  }
  return format.format(toDate(instant));
}

/** A civil date written long, in French: « 8 décembre 2026 ». */
export function formatCivilDateLong(date: CivilDate): string {
  return new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    instantAt(date, 'UTC', 12),
  );
}

/** The practice's clock: its time zone (the setting) and the current instant — injected into services so tests freeze both. */
export interface PracticeClock {
  zone(): PracticeZone;
  now(): Date;
  /** Today on the practice's calendar. */
  today(): CivilDate;
  /** The practice's calendar date of an instant. */
  dateOf(instant: Date | number | string): CivilDate;
}

export function practiceClock(
  zone: PracticeZone | (() => PracticeZone) = DEFAULT_PRACTICE_ZONE,
  now: () => Date = () => new Date(),
): PracticeClock {
  const currentZone = typeof zone === 'function' ? zone : () => zone;
  return {
    zone: currentZone,
    now,
    today: () => todayIn(currentZone(), now()),
    dateOf: (instant) => civilDateOf(instant, currentZone()),
  };
}
