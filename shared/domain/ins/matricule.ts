/**
 * The INS matricule: the NIR, or the NIA when there is none. 13 characters
 * (the 7th may be A or B for Corsica: 2A, 2B) and a 2-digit key that INSi
 * sends separately (notes ins-cps.md §1.1, §1.3). Pure: used by the INSi
 * client, the patient store, the VIHF and the renderer alike.
 */
import { CabinetError, type Failure } from '../../contract/outcome.js';

/** Why an INS was refused; `message` carries the French sentence. */
export type InsRefusalReason = 'vide' | 'caractere' | 'longueur' | 'cle_absente' | 'cle_format' | 'lettre' | 'sexe' | 'cle';

export type InsRefusal = Failure & {
  code: 'INVALID_REQUEST';
  details: { field: 'ins'; reason: InsRefusalReason; /** Only for `cle`: the key the matricule computes to. */ cleAttendue?: string };
};

export interface ParsedIns {
  /** 13 characters, upper case (`297022A020778`). */
  matricule: string;
  /** 2 digits (`78`). */
  cle: string;
  /** Matricule followed by the key (15 characters), as carried in a VIHF or a CDA. */
  valeur: string;
  /** 1st character: 1 or 2 (3, 4, 7, 8 for provisional numbers). */
  sexeChiffre: string;
  /** From the 1st character (odd: M, even: F). The sex at registration: it may differ from today's traits. */
  sexe: 'M' | 'F';
  /** Characters 2–3 and 4–5: year and month of birth as registered (not validated: special codes exist). */
  anneeNaissance: string;
  moisNaissance: string;
  /** Characters 6–10: department + commune (`2A020`, `63220`) or `99` + country for people born abroad. */
  codeLieu: string;
  /** Characters 11–13: the registration order number. */
  ordre: string;
  /** True for 2A / 2B. */
  corse: boolean;
}

export type InsParseResult = { ok: true; value: ParsedIns } | InsRefusal;

/**
 * The INS format, for schemas and quick checks (the key is checked by {@link parseIns}): 13 characters,
 * digits except the 6th–7th which may be `2A` / `2B` (Corsica), then the 2-digit key.
 */
export const INS_MATRICULE_PATTERN = /^\d{5}(?:\d{2}|2[AB])\d{6}$/;
export const INS_VALUE_PATTERN = /^\d{5}(?:\d{2}|2[AB])\d{6}\d{2}$/;

const SEX_DIGITS: Record<string, 'M' | 'F'> = { '1': 'M', '2': 'F', '3': 'M', '4': 'F', '7': 'M', '8': 'F' };

/** Spaces (any Unicode space) and dashes are display separators: `2 97 02 2A 020 778 — 78`. */
const SEPARATORS = /[\s\u2010-\u2015\u2212-]/gu;

/**
 * Key of a 13-character matricule: 97 − (N mod 97), N the matricule read as an
 * integer with 2A → 19 and 2B → 18 (notes §1.3). Returns 2 digits (`"07"`).
 * Throws INVALID_REQUEST if the matricule cannot carry a key (use
 * {@link parseIns} for user input).
 */
export function insKey(matricule: string): string {
  const m = matricule.toUpperCase();
  if (!/^\d{6}[0-9AB]\d{6}$/.test(m) || (/[AB]/.test(m) && m[5] !== '2')) {
    throw new CabinetError('INVALID_REQUEST', 'Matricule INS invalide : 13 caractères attendus (chiffres, sauf 2A ou 2B pour la Corse).');
  }
  const digits = m.replace('2A', '19').replace('2B', '18');
  let rest = 0;
  for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  return String(97 - rest).padStart(2, '0');
}

function refuse(reason: InsRefusalReason, phrase: string, cleAttendue?: string): InsRefusal {
  const details: InsRefusal['details'] = { field: 'ins', reason };
  if (cleAttendue !== undefined) details.cleAttendue = cleAttendue;
  return { ok: false, code: 'INVALID_REQUEST', message: `INS invalide : ${phrase}.`, details };
}

function describeChar(char: string): string {
  return /[\p{C}\p{Z}\p{M}]/u.test(char) ? `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}` : `« ${char} »`;
}

/**
 * Reads an INS typed or received: 13 characters and the 2-digit key, with or
 * without spaces (`2 97 02 2A 020 778 78`, `297022A02077878`, the output of
 * {@link formatIns}), or the two parts apart (`{ matricule, cle }`, as INSi
 * returns them). Letters may be lower case. Checks the key.
 */
export function parseIns(input: string | { matricule: string; cle: string }): InsParseResult {
  let matricule: string;
  let cle: string;
  if (typeof input === 'string') {
    const compact = input.replace(SEPARATORS, '').toUpperCase();
    if (compact === '') return refuse('vide', 'saisissez les 13 caractères du matricule suivis de la clé à 2 chiffres');
    const bad = [...compact].find((c) => !/[0-9A-Z]/.test(c));
    if (bad !== undefined) return refuse('caractere', `caractère non autorisé : ${describeChar(bad)}`);
    if (compact.length === 13) return refuse('cle_absente', 'la clé (2 chiffres) manque après les 13 caractères du matricule');
    if (compact.length !== 15)
      return refuse('longueur', `13 caractères attendus, suivis de la clé à 2 chiffres (${compact.length} caractères saisis)`);
    matricule = compact.slice(0, 13);
    cle = compact.slice(13);
  } else {
    matricule = input.matricule.replace(SEPARATORS, '').toUpperCase();
    cle = input.cle.replace(SEPARATORS, '');
    const bad = [...matricule].find((c) => !/[0-9A-Z]/.test(c));
    if (bad !== undefined) return refuse('caractere', `caractère non autorisé : ${describeChar(bad)}`);
    if (matricule.length !== 13) return refuse('longueur', `13 caractères attendus pour le matricule (${matricule.length} saisis)`);
  }
  if (!/^\d{2}$/.test(cle)) return refuse('cle_format', 'la clé doit comporter 2 chiffres');
  for (let i = 0; i < 13; i++) {
    const c = matricule[i] ?? '';
    if (!/[A-Z]/.test(c)) continue;
    if (i !== 6 || matricule[5] !== '2' || (c !== 'A' && c !== 'B')) {
      return refuse('lettre', 'le 7e caractère ne peut être une lettre que pour la Corse (2A ou 2B), et les autres sont des chiffres');
    }
  }
  const sexeChiffre = matricule[0] ?? '';
  const sexe = SEX_DIGITS[sexeChiffre];
  if (!sexe) return refuse('sexe', 'le 1er caractère doit être 1 ou 2 (ou 3, 4, 7, 8 pour un numéro provisoire)');
  const attendue = insKey(matricule);
  if (attendue !== cle) return refuse('cle', `clé INS incorrecte : attendue ${attendue}`, attendue);
  return {
    ok: true,
    value: {
      matricule,
      cle,
      valeur: matricule + cle,
      sexeChiffre,
      sexe,
      anneeNaissance: matricule.slice(1, 3),
      moisNaissance: matricule.slice(3, 5),
      codeLieu: matricule.slice(5, 10),
      ordre: matricule.slice(10, 13),
      corse: /[AB]/.test(matricule),
    },
  };
}

/** {@link parseIns} for services: throws a CabinetError (INVALID_REQUEST, French message) instead. */
export function assertIns(input: string | { matricule: string; cle: string }): ParsedIns {
  const parsed = parseIns(input);
  if (!parsed.ok) throw new CabinetError(parsed.code, parsed.message, parsed.details);
  return parsed.value;
}

/** True when the input is a well-formed INS whose key is right. */
export function isValidIns(input: string | { matricule: string; cle: string }): boolean {
  return parseIns(input).ok;
}

/**
 * For display: `2 97 02 2A 020 778 — 78` (sex, year, month, department,
 * commune, order — key). Without a key, the matricule alone. Does not check
 * the key; anything that is not 13 or 15 letters and digits is returned as
 * given (trimmed).
 */
export function formatIns(ins: string | { matricule: string; cle?: string | null }): string {
  const raw = typeof ins === 'string' ? ins : ins.matricule + (ins.cle ?? '');
  const compact = raw.replace(SEPARATORS, '').toUpperCase();
  if (!/^[0-9A-Z]{13}(\d{2})?$/.test(compact)) return raw.trim();
  const m = compact.slice(0, 13);
  const grouped = [m.slice(0, 1), m.slice(1, 3), m.slice(3, 5), m.slice(5, 7), m.slice(7, 10), m.slice(10, 13)].join(' ');
  return compact.length === 15 ? `${grouped} — ${compact.slice(13)}` : grouped;
}

/** One INS of an INSi answer whose key is not the one its matricule computes to. The matricule stays out: messages and logs never carry it. */
export interface InsKeyMismatch {
  /** `actif` (INSACTIF) or `historique` (INSHISTO, its position from 1). */
  ou: 'actif' | 'historique';
  rang?: number;
  recue: string;
  attendue: string;
}

/** `details.reason` of the refusal of an INSi answer with an inconsistent key. */
export const INS_KEY_MISMATCH_REASON = 'cle_ins_incoherente';

/**
 * The INS of an INSi answer (the active one and its history) whose key is
 * wrong. A key that is absent (allowed in INSHISTO) is not checked; a
 * matricule that cannot carry a key counts as wrong.
 */
export function insKeyMismatches(
  actif: { matricule: string; cle?: string },
  historique: readonly { matricule: string; cle?: string }[],
): InsKeyMismatch[] {
  const found: InsKeyMismatch[] = [];
  const check = (id: { matricule: string; cle?: string }, where: Omit<InsKeyMismatch, 'recue' | 'attendue'>) => {
    if (id.cle === undefined) return;
    let attendue: string;
    try {
      attendue = insKey(id.matricule);
    } catch {
      attendue = '??';
    }
    if (attendue !== id.cle) found.push({ ...where, recue: id.cle, attendue });
  };
  check(actif, { ou: 'actif' });
  historique.forEach((id, index) => check(id, { ou: 'historique', rang: index + 1 }));
  return found;
}

/**
 * Refuses an INSi answer in which any INS key is wrong (CNAM test case 2.08
 * cas 2): such an INS is neither stored nor shared. The French message says
 * what to do, as the CNAM guide asks: keep the identity without INS
 * (provisional) and report the anomaly.
 */
export function assertInsiKeysConsistent(
  actif: { matricule: string; cle?: string },
  historique: readonly { matricule: string; cle?: string }[],
): void {
  const mismatches = insKeyMismatches(actif, historique);
  if (mismatches.length === 0) return;
  const which = mismatches
    .map((m) => `${m.ou === 'actif' ? 'INS actif' : `INS de l’historique n° ${m.rang}`} : clé reçue ${m.recue}, clé calculée ${m.attendue}`)
    .join(' ; ');
  throw new CabinetError(
    'CHECK_FAILED',
    `INS refusé : INSi a renvoyé une clé qui ne correspond pas au matricule (${which}). Cet INS n’est ni enregistré ni transmis. ` +
      'Gardez l’identité sans INS (identité provisoire, sans la qualifier), interrogez INSi à nouveau plus tard, ' +
      'et si l’anomalie persiste signalez-la au support de l’Assurance maladie (INSi) avec la date et l’heure de l’interrogation.',
    { reason: INS_KEY_MISMATCH_REASON, cles: mismatches },
  );
}
