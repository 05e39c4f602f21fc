/**
 * Identity traits as INSi expects and returns them (notes ins-cps.md §1.1,
 * §1.4): birth name, first given name, list of given names, sex, birth date
 * ("DateLunaire") and birthplace (COG code). Normalisers for what a user types
 * (inline validation with French messages per field), zod schemas for what
 * crosses a boundary, and the comparison behind the « saisi / renvoyé par
 * INSi » screen.
 */
import { z } from 'zod';
import { CabinetError } from '../../contract/outcome.js';
import { DEFAULT_PRACTICE_ZONE, todayIn } from '../civil-date.js';

// ——— Names ———

/** Characters INSi accepts in names (CNDA-validated client, notes §1.1). */
export const INS_NAME_REGEX = /^[A-Z]+(?:(?:-{1,2}|[' ])[A-Z]+)*$/;

export const NAME_MAX = 100;
export const FIRST_NAMES_MAX = 200;

export type NameField = 'nomNaissance' | 'nomUtilise' | 'prenom' | 'listePrenoms';

const nameSubjects: Record<NameField, { subject: string; feminine: boolean; max: number }> = {
  nomNaissance: { subject: 'Le nom de naissance', feminine: false, max: NAME_MAX },
  nomUtilise: { subject: 'Le nom utilisé', feminine: false, max: NAME_MAX },
  prenom: { subject: 'Le premier prénom', feminine: false, max: NAME_MAX },
  listePrenoms: { subject: 'La liste des prénoms', feminine: true, max: FIRST_NAMES_MAX },
};

/** Letters that Unicode decomposition does not reduce to A–Z. */
const LETTER_FOLDS: Record<string, string> = {
  Œ: 'OE',
  œ: 'OE',
  Æ: 'AE',
  æ: 'AE',
  ß: 'SS',
  ẞ: 'SS',
  Ø: 'O',
  ø: 'O',
  Ł: 'L',
  ł: 'L',
  Đ: 'D',
  đ: 'D',
  Ð: 'D',
  ð: 'D',
  ı: 'I',
};
const APOSTROPHES = new Set(["'", '\u2019', '\u2018', '\u02BC', '\u00B4', '`', '\u2032']);
const HYPHENS = new Set(['-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212', '\uFE63', '\uFF0D']);

export type NameResult = { ok: true; value: string } | { ok: false; message: string };

function charName(char: string): string {
  return /[\p{C}\p{Z}\p{M}]/u.test(char) ? `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}` : `« ${char} »`;
}

/** One character of input → its A–Z form, a separator, '' (dropped) or null (refused). */
function foldChar(char: string): string | null {
  if (/\s/u.test(char)) return ' ';
  if (APOSTROPHES.has(char)) return "'";
  if (HYPHENS.has(char)) return '-';
  if (/\p{M}/u.test(char) || /\p{Cf}/u.test(char)) return '';
  const folded = LETTER_FOLDS[char] ?? char.normalize('NFKD').replace(/\p{M}/gu, '').toUpperCase();
  return /^[A-Z]+$/.test(folded) && /\p{L}/u.test(char) ? folded : null;
}

/**
 * Normalises a name the way INSi wants it: upper-case A–Z without diacritics
 * (é → E, œ → OE, æ → AE, ß → SS), separators a single space, an apostrophe
 * (’ → '), a hyphen or a double hyphen `--`; spaces trimmed and collapsed,
 * and removed around hyphens and apostrophes (`D ’ Artagnan` → `D'ARTAGNAN`).
 * Digits and other characters are refused with a French message naming them.
 */
export function normaliseName(raw: string, field: NameField = 'nomNaissance'): NameResult {
  const { subject, feminine, max } = nameSubjects[field];
  let folded = '';
  const refused: string[] = [];
  for (const char of raw.normalize('NFC')) {
    const f = foldChar(char);
    if (f === null) {
      if (!refused.includes(char)) refused.push(char);
    } else folded += f;
  }
  if (refused.length > 0) {
    const list = refused.slice(0, 5).map(charName).join(', ');
    const allDigits = refused.every((c) => /\p{Nd}/u.test(c));
    const plural = refused.length > 1;
    const what = allDigits
      ? plural
        ? 'des chiffres'
        : 'un chiffre'
      : plural
        ? 'des caractères non autorisés'
        : 'un caractère non autorisé';
    return {
      ok: false,
      message: `${subject} contient ${what} : ${list}. Seuls les lettres, l’espace, l’apostrophe et le tiret sont admis.`,
    };
  }
  const value = folded
    .replace(/ +/g, ' ')
    .trim()
    .replace(/ *([-']) */g, '$1');
  if (value === '') return { ok: false, message: `${subject} est obligatoire.` };
  if (value.length > max) return { ok: false, message: `${subject} est trop ${feminine ? 'longue' : 'long'} (${max} caractères au plus).` };
  if (INS_NAME_REGEX.test(value)) return { ok: true, value };
  if (/^[-' ]|[-' ]$/.test(value)) {
    return { ok: false, message: `${subject} ne peut ni commencer ni finir par un tiret ou une apostrophe.` };
  }
  const run = /[-' ]{2,}/.exec(value)?.[0] ?? '';
  return {
    ok: false,
    message: `${subject} contient des séparateurs consécutifs (« ${run} ») : entre deux parties, une espace, une apostrophe, un tiret ou un double tiret « -- ».`,
  };
}

/** Lenient form for comparisons: the normalised name, or the input upper-cased with spaces collapsed. */
function lenientName(raw: string | null | undefined, field: NameField): string {
  if (raw === null || raw === undefined) return '';
  const n = normaliseName(raw, field);
  return n.ok ? n.value : raw.trim().replace(/\s+/g, ' ').toUpperCase();
}

/**
 * The first names to send to INSi, one request each, in order: every given
 * name of the list, then the whole list (when it has more than one); stop at
 * the first `CodeCR=00` (CNDA-validated client, notes §1.4).
 */
export function insiFirstNameAttempts(listePrenoms: string): string[] {
  const names = listePrenoms.split(' ').filter(Boolean);
  const unique = [...new Set(names)];
  return names.length > 1 ? [...unique, names.join(' ')] : unique;
}

// ——— Sex ———

/** INSi's `Sexe` (`[A-Z]{1}`): only M and F appear in the schemas and fixtures read (notes §1.1); no `I`. */
export const sexes = ['M', 'F'] as const;
export type Sexe = (typeof sexes)[number];

export function normaliseSexe(raw: string): { ok: true; value: Sexe } | { ok: false; message: string } {
  const v = raw.trim().toUpperCase();
  if (v === 'M' || v === 'F') return { ok: true, value: v };
  return { ok: false, message: v === '' ? 'Le sexe est obligatoire.' : 'Le sexe doit être M (masculin) ou F (féminin).' };
}

// ——— Birth date (DateLunaire) ———

/** Earliest birth year accepted (decision: notes silent). */
export const MIN_BIRTH_YEAR = 1850;

export type DateResult = { ok: true; value: string } | { ok: false; message: string };

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Today as `YYYY-MM-DD` on the practice's calendar (civil-date.ts; services pass their clock's today instead). */
export function todayIso(now: Date = new Date(), zone: string = DEFAULT_PRACTICE_ZONE): string {
  return todayIn(zone, now);
}

/**
 * A birth date as INSi carries it: `YYYY-MM-DD` where the day or the month may
 * be `00` when unknown (`1960-00-00`). Also accepts the French order typed in
 * forms (`26/02/1997`, `00/00/1960`, with `/`, `.` or `-`). Checks month
 * 00–12, day 00–31, the calendar when both are known (29 February), a year
 * from {@link MIN_BIRTH_YEAR}, and that the date is not in the future
 * (unknown parts never are). `today` is `YYYY-MM-DD` (default: today in Europe/Paris).
 */
export function parseDateLunaire(raw: string, today: string = todayIso()): DateResult {
  const s = raw.trim();
  let y: string, m: string, d: string;
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  const fr = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(s);
  if (iso) [, y = '', m = '', d = ''] = iso;
  else if (fr) [, d = '', m = '', y = ''] = fr;
  else {
    return {
      ok: false,
      message:
        s === ''
          ? 'La date de naissance est obligatoire.'
          : 'La date de naissance doit s’écrire JJ/MM/AAAA (ou AAAA-MM-JJ) ; 00 pour un jour ou un mois inconnu.',
    };
  }
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  const value = `${y}-${pad(month)}-${pad(day)}`;
  if (month > 12)
    return { ok: false, message: `Le mois de naissance doit être compris entre 01 et 12, ou 00 s’il est inconnu (saisi : ${m}).` };
  if (day > 31)
    return { ok: false, message: `Le jour de naissance doit être compris entre 01 et 31, ou 00 s’il est inconnu (saisi : ${d}).` };
  if (month > 0 && day > 0 && day > daysInMonth(year, month)) {
    return { ok: false, message: `La date de naissance n’existe pas : le ${pad(day)}/${pad(month)}/${y}.` };
  }
  if (year < MIN_BIRTH_YEAR) return { ok: false, message: `L’année de naissance doit être postérieure à ${MIN_BIRTH_YEAR - 1}.` };
  const [ty = 0, tm = 0, td = 0] = today.split('-').map(Number);
  const future = year > ty || (year === ty && (month > tm || (month === tm && day > td)));
  if (future) return { ok: false, message: 'La date de naissance ne peut pas être dans le futur.' };
  return { ok: true, value };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export function isValidDateLunaire(value: string, today?: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && parseDateLunaire(value, today).ok;
}

/** `1997-02-26` → `26/02/1997`; unknown parts stay `00` (no substitution: notes §1.1). */
export function formatDateLunaire(value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : value;
}

// ——— Birthplace (COG) ———

/** 5 digits (`63220`, `99` + country abroad) or `2A`/`2B` + 3 digits (Corsica). */
export const COG_REGEX = /^(?:\d{5}|2[AB]\d{3})$/;

export function normaliseLieuNaissance(raw: string): { ok: true; value: string } | { ok: false; message: string } {
  const v = raw.replace(/\s+/g, '').toUpperCase();
  if (COG_REGEX.test(v)) return { ok: true, value: v };
  return {
    ok: false,
    message:
      'Le lieu de naissance est un code COG de 5 caractères : 5 chiffres (ex. 63220), 2A ou 2B suivis de 3 chiffres pour la Corse, 99 suivi de 3 chiffres pour l’étranger.',
  };
}

/** `99xxx`: born abroad (the last 3 digits are the country). */
export function isBornAbroad(cog: string): boolean {
  return /^99\d{3}$/.test(cog);
}

// ——— The traits together ———

export const traitFields = ['nomNaissance', 'nomUtilise', 'prenom', 'listePrenoms', 'sexe', 'dateNaissance', 'lieuNaissance'] as const;
export type TraitField = (typeof traitFields)[number];

export const traitLabels: Record<TraitField, string> = {
  nomNaissance: 'Nom de naissance',
  nomUtilise: 'Nom utilisé',
  prenom: 'Premier prénom',
  listePrenoms: 'Prénoms',
  sexe: 'Sexe',
  dateNaissance: 'Date de naissance',
  lieuNaissance: 'Lieu de naissance (code COG)',
};

/** What a form or a caller gives: strings, possibly empty, possibly untidy. */
export interface InsTraitsInput {
  nomNaissance?: string | null;
  nomUtilise?: string | null;
  /** First given name. Optional when `listePrenoms` is given (then its first name). */
  prenom?: string | null;
  /** All given names, space-separated, in civil-status order. Optional when `prenom` is given (then `prenom` alone). */
  listePrenoms?: string | null;
  sexe?: string | null;
  dateNaissance?: string | null;
  lieuNaissance?: string | null;
}

const nameSchema = (max: number) =>
  z
    .string()
    .max(max)
    .regex(INS_NAME_REGEX, 'nom invalide : lettres A–Z en majuscules, séparées par une espace, une apostrophe, un tiret ou « -- »');

/** Normalised traits (the output of {@link normaliseTraits}; INSi's `TIQ` has the same shape without `nomUtilise`). */
export const insTraitsSchema = z
  .object({
    nomNaissance: nameSchema(NAME_MAX),
    nomUtilise: nameSchema(NAME_MAX).optional(),
    prenom: nameSchema(NAME_MAX),
    listePrenoms: nameSchema(FIRST_NAMES_MAX),
    sexe: z.enum(sexes),
    dateNaissance: z
      .string()
      .refine((v) => isValidDateLunaire(v), 'date de naissance invalide (AAAA-MM-JJ, 00 si inconnu, pas dans le futur)'),
    lieuNaissance: z.string().regex(COG_REGEX, 'code COG invalide (5 chiffres, 2A/2B + 3 chiffres, 99 + 3 chiffres)').optional(),
  })
  .strict();
export type InsTraits = z.infer<typeof insTraitsSchema>;

export interface TraitError {
  field: TraitField;
  message: string;
}
export type TraitsResult = { ok: true; traits: InsTraits } | { ok: false; errors: TraitError[] };

function text(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Normalises and validates traits as typed, for inline validation: every
 * field's French message at once. `prenom` is one given name (no space: the
 * others go in `listePrenoms`) and, when both are given, must be the first of
 * the list. Empty optional fields (`nomUtilise`, `lieuNaissance`) are dropped.
 */
export function normaliseTraits(input: InsTraitsInput, options: { today?: string } = {}): TraitsResult {
  const errors: TraitError[] = [];
  const out: Partial<InsTraits> = {};
  const raw = (field: TraitField): string | undefined => {
    const value = (input as Record<string, unknown>)[field];
    if (value !== null && value !== undefined && typeof value !== 'string') {
      errors.push({ field, message: `${traitLabels[field]} : valeur invalide.` });
      return undefined;
    }
    return text(value);
  };
  const blank = (v: string | undefined) => v === undefined || v.trim() === '';

  for (const field of ['nomNaissance', 'nomUtilise'] as const) {
    const v = raw(field);
    if (field === 'nomUtilise' && blank(v)) continue;
    const r = normaliseName(v ?? '', field);
    if (r.ok) out[field] = r.value;
    else errors.push({ field, message: r.message });
  }

  const prenomRaw = raw('prenom');
  const listeRaw = raw('listePrenoms');
  let prenom: string | undefined;
  let liste: string | undefined;
  if (blank(prenomRaw) && blank(listeRaw)) {
    errors.push({
      field: 'prenom' in input && !('listePrenoms' in input) ? 'prenom' : 'listePrenoms',
      message: 'Saisissez au moins un prénom.',
    });
  }
  if (!blank(prenomRaw)) {
    const r = normaliseName(prenomRaw ?? '', 'prenom');
    if (!r.ok) errors.push({ field: 'prenom', message: r.message });
    else if (r.value.includes(' ')) {
      errors.push({
        field: 'prenom',
        message: 'Le premier prénom est un seul prénom (un prénom composé prend un tiret) : les suivants vont dans la liste des prénoms.',
      });
    } else prenom = r.value;
  }
  if (!blank(listeRaw)) {
    const r = normaliseName(listeRaw ?? '', 'listePrenoms');
    if (r.ok) liste = r.value;
    else errors.push({ field: 'listePrenoms', message: r.message });
  }
  if (prenom !== undefined && liste !== undefined && liste.split(' ')[0] !== prenom) {
    errors.push({
      field: 'prenom',
      message: `Le premier prénom doit être le premier de la liste des prénoms (${liste.split(' ')[0] ?? ''}).`,
    });
  }
  if (prenom !== undefined || liste !== undefined) {
    out.listePrenoms = liste ?? prenom;
    out.prenom = prenom ?? liste?.split(' ')[0];
  }

  const sexe = normaliseSexe(raw('sexe') ?? '');
  if (sexe.ok) out.sexe = sexe.value;
  else errors.push({ field: 'sexe', message: sexe.message });

  const date = parseDateLunaire(raw('dateNaissance') ?? '', options.today);
  if (date.ok) out.dateNaissance = date.value;
  else errors.push({ field: 'dateNaissance', message: date.message });

  const lieu = raw('lieuNaissance');
  if (!blank(lieu)) {
    const r = normaliseLieuNaissance(lieu ?? '');
    if (r.ok) out.lieuNaissance = r.value;
    else errors.push({ field: 'lieuNaissance', message: r.message });
  }

  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, traits: out as InsTraits };
}

/** {@link normaliseTraits} for services: throws INVALID_REQUEST with every field's message in `details.errors`. */
export function assertTraits(input: InsTraitsInput, options: { today?: string } = {}): InsTraits {
  const r = normaliseTraits(input, options);
  if (r.ok) return r.traits;
  const first = r.errors[0]?.message ?? '';
  const message = r.errors.length === 1 ? first : `Traits d’identité invalides : ${r.errors.map((e) => e.message).join(' ')}`;
  throw new CabinetError('INVALID_REQUEST', message, { errors: r.errors });
}

/**
 * Zod schema turning raw input into normalised traits; its issues carry the
 * French messages of {@link normaliseTraits}, with the field as path.
 */
export const insTraitsInputSchema = z
  .object({
    nomNaissance: z.string().max(1000).nullish(),
    nomUtilise: z.string().max(1000).nullish(),
    prenom: z.string().max(1000).nullish(),
    listePrenoms: z.string().max(1000).nullish(),
    sexe: z.string().max(20).nullish(),
    dateNaissance: z.string().max(40).nullish(),
    lieuNaissance: z.string().max(40).nullish(),
  })
  .strict()
  .transform((input, ctx) => {
    const r = normaliseTraits(input);
    if (r.ok) return r.traits;
    for (const e of r.errors) ctx.addIssue({ code: 'custom', message: e.message, path: [e.field] });
    return z.NEVER;
  });

// ——— Entered vs returned ———

/** INSi's `TIQ`, as the INSi client gives it. */
export interface InsiTraits {
  nomNaissance: string;
  prenom: string;
  listePrenoms: string;
  sexe: string;
  dateNaissance: string;
  lieuNaissance?: string | null;
}

export interface TraitDifference {
  field: Exclude<TraitField, 'nomUtilise'>;
  label: string;
  /** Normalised values, for the two columns of the screen. */
  saisi: string;
  renvoye: string;
}

/**
 * Fields where the traits INSi returned differ from the ones entered, after
 * normalisation of both (accents, case, spaces, apostrophes). The first name
 * entered matches when it is one of the given names INSi returned (TCHITCHI:
 * `CATARINA` against « CATARINA BELLA »); the lists are compared whole. The
 * birthplace counts only when both sides have one.
 */
export function compareTraits(entered: InsTraitsInput, returned: InsiTraits): TraitDifference[] {
  const diffs: TraitDifference[] = [];
  const add = (field: TraitDifference['field'], saisi: string, renvoye: string) => {
    if (saisi !== renvoye) diffs.push({ field, label: traitLabels[field], saisi, renvoye });
  };
  add('nomNaissance', lenientName(entered.nomNaissance, 'nomNaissance'), lenientName(returned.nomNaissance, 'nomNaissance'));

  const enteredList = lenientName(entered.listePrenoms, 'listePrenoms');
  const enteredPrenom = lenientName(entered.prenom, 'prenom') || (enteredList.split(' ')[0] ?? '');
  const returnedList = lenientName(returned.listePrenoms, 'listePrenoms') || lenientName(returned.prenom, 'prenom');
  const returnedPrenom = lenientName(returned.prenom, 'prenom') || (returnedList.split(' ')[0] ?? '');
  const prenomFound = enteredPrenom === returnedPrenom || containsWords(returnedList, enteredPrenom);
  if (!prenomFound) diffs.push({ field: 'prenom', label: traitLabels.prenom, saisi: enteredPrenom, renvoye: returnedPrenom });
  add('listePrenoms', enteredList || enteredPrenom, returnedList);

  add('sexe', (entered.sexe ?? '').trim().toUpperCase(), returned.sexe.trim().toUpperCase());
  const date = parseDateLunaire(entered.dateNaissance ?? '', '9999-12-31');
  add('dateNaissance', date.ok ? date.value : (entered.dateNaissance ?? '').trim(), returned.dateNaissance.trim());
  const lieuSaisi = (entered.lieuNaissance ?? '').replace(/\s+/g, '').toUpperCase();
  const lieuRenvoye = (returned.lieuNaissance ?? '').replace(/\s+/g, '').toUpperCase();
  if (lieuSaisi !== '' && lieuRenvoye !== '') add('lieuNaissance', lieuSaisi, lieuRenvoye);
  return diffs;
}

/** Whether `words` (one or more space-separated names) appear in a row in the list. */
function containsWords(list: string, words: string): boolean {
  if (words === '') return false;
  return ` ${list} `.includes(` ${words} `);
}

// ——— Contract shape ———

/** The contract's traits (`shared/contract` `traitsInput`: English field names) → this module's input. */
export function traitsInputFromContract(input: {
  birthName: string;
  usedName?: string | null;
  firstNames: string;
  sex: string;
  birthDate: string;
  birthplace?: string | null;
}): InsTraitsInput {
  return {
    nomNaissance: input.birthName,
    nomUtilise: input.usedName ?? null,
    listePrenoms: input.firstNames,
    sexe: input.sex,
    dateNaissance: input.birthDate,
    lieuNaissance: input.birthplace ?? null,
  };
}

/** The contract's field name for each trait, to put {@link TraitError}s on the right form field. */
export const contractTraitFields: Record<TraitField, string> = {
  nomNaissance: 'birthName',
  nomUtilise: 'usedName',
  prenom: 'firstNames',
  listePrenoms: 'firstNames',
  sexe: 'sex',
  dateNaissance: 'birthDate',
  lieuNaissance: 'birthplace',
};
