/** French formatting of dates and small texts, in one place. */
import {
  addDays,
  civilDateOf,
  DEFAULT_PRACTICE_ZONE,
  formatInstant,
  isPracticeZone,
  todayIn,
  type CivilDate,
  type PracticeZone,
} from '../shared/domain/civil-date.js';

const integer = new Intl.NumberFormat('fr-FR');

/**
 * The practice's time zone (setting `practice.timeZone`, given by `app.info`):
 * every « today » and displayed date of the screens is on its clock, not the
 * browser's (civil-date.ts).
 */
let practiceZone: PracticeZone = DEFAULT_PRACTICE_ZONE;

export function setPracticeZone(zone: string): void {
  if (isPracticeZone(zone)) practiceZone = zone;
}

/** The practice's time zone, for the shared rules that format a time (e.g. the outage banner). */
export function currentPracticeZone(): PracticeZone {
  return practiceZone;
}

/** Today on the practice's calendar (AAAA-MM-JJ): date fields' default and maximum. */
export function practiceToday(now: Date = new Date()): CivilDate {
  return todayIn(practiceZone, now);
}

/** An instant in the practice's zone: « 08/12/2026 », « 08/12/2026 00:30 », « 00:30 »…; "—" when absent. */
export function formatInstantIn(iso: string | null | undefined, style: Parameters<typeof formatInstant>[2] = 'dateTime'): string {
  const date = parse(iso);
  return date ? formatInstant(date, practiceZone, style) : '—';
}

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * After a verb (« Vérifié … », « Importé … »): "aujourd’hui à 14:05",
 * "hier à 14:05", "le 12/03/2025 à 14:05" — never « le aujourd’hui ».
 */
export function formatWhen(iso: string | null | undefined, now: Date = new Date()): string {
  const date = parse(iso);
  if (!date) return '';
  const day = civilDateOf(date, practiceZone);
  const today = practiceToday(now);
  const time = formatInstant(date, practiceZone, 'time');
  if (day === today) return `aujourd’hui à ${time}`;
  if (day === addDays(today, -1)) return `hier à ${time}`;
  return `le ${formatInstant(date, practiceZone, 'date')} à ${time}`;
}

/** "aujourd’hui à 14:05", or "12/03/2025 14:05"; "—" when absent. */
export function formatDateTime(iso: string | null | undefined, now: Date = new Date()): string {
  const date = parse(iso);
  if (!date) return '—';
  if (civilDateOf(date, practiceZone) === practiceToday(now)) return `aujourd’hui à ${formatInstant(date, practiceZone, 'time')}`;
  return formatInstant(date, practiceZone, 'dateTime');
}

/** Full date for tooltips: "mercredi 12 mars 2025 à 14:05:32". */
export function formatDateTimeLong(iso: string | null | undefined): string | undefined {
  const date = parse(iso);
  return date ? formatInstant(date, practiceZone, 'long') : undefined;
}

export function formatInteger(value: number): string {
  return integer.format(value);
}

/** "1 entrée", "3 entrées". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatInteger(count)} ${count > 1 ? pluralForm : singular}`;
}

/** First letter in upper case ("échec" → "Échec"). */
export function capitalize(text: string): string {
  return text.charAt(0).toLocaleUpperCase('fr-FR') + text.slice(1);
}

/** ["aujourd’hui" | "hier" | "12/03/2025", "14:05"] — for narrow table cells. */
export function formatDateParts(iso: string | null | undefined, now: Date = new Date()): [string, string] | null {
  const date = parse(iso);
  if (!date) return null;
  const day = civilDateOf(date, practiceZone);
  const today = practiceToday(now);
  const label = day === today ? 'aujourd’hui' : day === addDays(today, -1) ? 'hier' : formatInstant(date, practiceZone, 'date');
  return [label, formatInstant(date, practiceZone, 'time')];
}

const monthNames = [
  'janvier',
  'février',
  'mars',
  'avril',
  'mai',
  'juin',
  'juillet',
  'août',
  'septembre',
  'octobre',
  'novembre',
  'décembre',
];

/**
 * A birth date as INS traits carry it (YYYY-MM-DD, day or month « 00 » when
 * unknown): "12/03/1958", "mars 1958 (jour inconnu)", "1958 (jour et mois
 * inconnus)". Anything else is returned as it is.
 */
export function formatBirthDate(value: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return value;
  const [, year = '', month = '', day = ''] = match;
  const monthName = monthNames[Number(month) - 1];
  if (month === '00' && day === '00') return `${year} (jour et mois inconnus)`;
  if (month === '00') return `${Number(day)} / mois inconnu / ${year}`;
  if (day === '00') return `${monthName ?? month} ${year} (jour inconnu)`;
  return `${day}/${month}/${year}`;
}

/** A calendar date (YYYY-MM-DD, no time zone) as "12/03/2025". */
export function formatDay(value: string | null | undefined): string {
  if (!value) return '—';
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  return match ? `${match[3]}/${match[2]}/${match[1]}` : value;
}

export const sexLabels: Record<string, string> = { F: 'Féminin', M: 'Masculin', I: 'Indéterminé' };

export function sexLabel(sex: string): string {
  return sexLabels[sex] ?? sex;
}

/** "JEAN-PIERRE MARIE" → "Jean-Pierre Marie": first names for reading (the traits keep INSi's upper case). */
export function titleCase(names: string): string {
  return names
    .toLocaleLowerCase('fr-FR')
    .replace(/(^|[\s'’-])(\p{L})/gu, (_, sep: string, letter: string) => sep + letter.toLocaleUpperCase('fr-FR'));
}
