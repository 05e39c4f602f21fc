/**
 * What the renderer needs to show identities and the INS, taken from the
 * pure INS rules (shared/domain/ins) and shaped for the screens: status
 * labels, the high-trust documents, the identity attributes, the inline check
 * of the traits typed in « Identifier un patient », and the comparison of the
 * entered traits with INSi's. The services apply the same rules again: the
 * renderer only spares the user a round trip.
 */
import type { Failure, RequestOf, ResponseOf } from '../shared/contract/index.js';
import {
  compareTraits,
  contractTraitFields,
  highTrustDocumentInfo,
  highTrustDocuments,
  identityAttributeLabels,
  identityStatusHelp,
  identityStatusLabels,
  isIdentityAttribute,
  normaliseTraits,
  provisionalOnlyAttributes,
  traitLabels,
  type IdentityAttribute,
  type InsTraitsInput,
  type TraitField,
} from '../shared/domain/ins/index.js';
import { practiceToday } from './format.js';

export { formatIns, insOidLabel } from '../shared/domain/ins/index.js';

export type PatientSummary = ResponseOf<'patients.search'>['patients'][number];
export type PatientDetail = ResponseOf<'patients.get'>;
export type InsiLookupResult = ResponseOf<'ins.lookupTraits'>;
export type InsStatus = PatientSummary['status'];
export type TraitsInput = RequestOf<'patients.create'>['traits'];

/* ---------- Statuses ---------- */

export const statusLabels: Record<InsStatus, string> = identityStatusLabels;
export const statusMeanings: Record<InsStatus, string> = identityStatusHelp;

/* ---------- INSi answers ---------- */

export const crLabels: Record<string, string> = {
  '00': 'identité trouvée',
  '01': 'aucune identité trouvée',
  '02': 'plusieurs identités trouvées',
};

export function crLabel(cr: string): string {
  return crLabels[cr] ?? `réponse ${cr}`;
}

/* ---------- Documents and attributes ---------- */

export interface Choice {
  code: string;
  label: string;
  /** When the document is accepted only in one situation (RNIV exceptions). */
  condition?: string;
}

/** Documents of high trust level (RNIV): only these qualify an identity. The usual ones first. */
export const documentChoices: Choice[] = highTrustDocuments.map((code) => {
  const info = highTrustDocumentInfo[code];
  return info.condition ? { code, label: info.label, condition: info.condition } : { code, label: info.label };
});

export function documentLabel(code: string): string {
  return documentChoices.find((d) => d.code === code)?.label ?? code;
}

/** The attributes the practitioner sets by hand on the patient page (the others come from the services). */
export const editableAttributes: { code: IdentityAttribute; label: string; hint: string }[] = [
  {
    code: 'DOUT',
    label: identityAttributeLabels.DOUT,
    hint: 'Les traits ou la pièce présentée semblent erronés. L’identité redevient provisoire.',
  },
  { code: 'FICT', label: identityAttributeLabels.FICT, hint: 'Identité d’emprunt (anonymat, exercice, test). Elle reste provisoire.' },
  { code: 'HOMD', label: identityAttributeLabels.HOMD, hint: 'Un autre patient a des traits très proches : redoublez de vigilance.' },
  { code: 'HOMA', label: identityAttributeLabels.HOMA, hint: 'Deux patients distincts ont les mêmes traits principaux.' },
];

export function attributeLabel(code: string): string {
  return isIdentityAttribute(code) ? identityAttributeLabels[code] : code;
}

/** Attributes that keep an identity provisional, shown in a warning tone. */
export function isAlarmingAttribute(code: string): boolean {
  return ['DOUT', 'FICT', 'USUR', 'DESA', 'COLV', 'COLP'].includes(code);
}

/* ---------- Traits ---------- */

/** The form as typed: every field a string; day or month '00' when unknown. */
export interface TraitsDraft {
  birthName: string;
  usedName: string;
  firstNames: string;
  sex: '' | 'M' | 'F';
  day: string;
  month: string;
  year: string;
  birthplace: string;
}

export type FormField = 'birthName' | 'usedName' | 'firstNames' | 'sex' | 'birthDate' | 'birthplace';
export type TraitsErrors = Partial<Record<FormField, string>>;

export const formFields: FormField[] = ['birthName', 'usedName', 'firstNames', 'sex', 'birthDate', 'birthplace'];

export const emptyDraft: TraitsDraft = {
  birthName: '',
  usedName: '',
  firstNames: '',
  sex: '',
  day: '',
  month: '',
  year: '',
  birthplace: '',
};

/** The three date fields → `YYYY-MM-DD`, or why not (the calendar itself is the domain's job). */
function dateOf(draft: TraitsDraft): { value: string } | { error: string } {
  const day = draft.day.trim();
  const month = draft.month.trim();
  const year = draft.year.trim();
  if (!day && !month && !year) return { error: 'La date de naissance est obligatoire.' };
  if (!/^\d{1,2}$/.test(day))
    return { error: day ? 'Le jour s’écrit en chiffres (1 à 31).' : 'Saisissez le jour de naissance, ou cochez « jour inconnu ».' };
  if (!/^\d{1,2}$/.test(month))
    return { error: month ? 'Le mois s’écrit en chiffres (1 à 12).' : 'Saisissez le mois de naissance, ou cochez « mois inconnu ».' };
  if (!/^\d{4}$/.test(year)) return { error: 'Saisissez l’année de naissance sur 4 chiffres (par exemple 1958).' };
  if (Number(month) === 0 && Number(day) !== 0)
    return { error: 'Quand le mois est inconnu, le jour l’est aussi : cochez « jour inconnu ».' };
  return { value: `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}` };
}

/** The draft as the domain reads it (`listePrenoms`: all the first names, in order). */
export function domainInput(draft: TraitsDraft, birthDate: string): InsTraitsInput {
  return {
    nomNaissance: draft.birthName,
    nomUtilise: draft.usedName,
    listePrenoms: draft.firstNames,
    sexe: draft.sex,
    dateNaissance: birthDate,
    lieuNaissance: draft.birthplace,
  };
}

/**
 * Checks the whole form with the INS rules: one French message per field,
 * or the normalised traits to send.
 */
export function checkTraits(draft: TraitsDraft, today: string = practiceToday()): { traits: TraitsInput | null; errors: TraitsErrors } {
  const errors: TraitsErrors = {};
  const date = dateOf(draft);
  const result = normaliseTraits(domainInput(draft, 'value' in date ? date.value : ''), { today });
  if (!result.ok) {
    for (const error of result.errors) {
      const field = contractTraitFields[error.field] as FormField;
      if (!errors[field]) errors[field] = error.message;
    }
  }
  if ('error' in date) errors.birthDate = date.error;
  if (!result.ok || 'error' in date) return { traits: null, errors };
  const t = result.traits;
  const traits: TraitsInput = { birthName: t.nomNaissance, firstNames: t.listePrenoms, sex: t.sexe, birthDate: t.dateNaissance };
  if (t.nomUtilise) traits.usedName = t.nomUtilise;
  if (t.lieuNaissance) traits.birthplace = t.lieuNaissance;
  return { traits, errors };
}

/**
 * Per-field messages a failure may carry (`details.errors: [{ field, message }]`,
 * fields named as in the contract): the services' own check of the traits.
 */
export function fieldErrorsOf(failure: Failure): TraitsErrors | null {
  if (failure.code !== 'INVALID_REQUEST' || !failure.details || Array.isArray(failure.details) || !failure.details.errors) return null;
  const errors: TraitsErrors = {};
  for (const { field, message } of failure.details.errors) {
    const name = (formFields as string[]).includes(field) ? (field as FormField) : field === 'firstName' ? 'firstNames' : null;
    if (name && !errors[name]) errors[name] = message;
  }
  return Object.keys(errors).length > 0 ? errors : null;
}

/** The form prefilled from a stored patient (a new INSi query for them). */
export function draftOf(patient: {
  birthName: string;
  usedName: string | null;
  firstNames: string;
  sex: string;
  birthDate: string;
  birthplace: string | null;
}): TraitsDraft {
  const [year = '', month = '', day = ''] = patient.birthDate.split('-');
  return {
    birthName: patient.birthName,
    usedName: patient.usedName ?? '',
    firstNames: patient.firstNames,
    sex: patient.sex === 'M' || patient.sex === 'F' ? patient.sex : '',
    day,
    month,
    year,
    birthplace: patient.birthplace ?? '',
  };
}

/* ---------- Entered vs returned ---------- */

export type ComparedField = Exclude<TraitField, 'nomUtilise'>;

export const comparedFields: ComparedField[] = ['nomNaissance', 'prenom', 'listePrenoms', 'sexe', 'dateNaissance', 'lieuNaissance'];

export function comparedLabel(field: ComparedField): string {
  return traitLabels[field];
}

type Returned = NonNullable<InsiLookupResult['individu']>['traits'];

/** The value of one trait, entered or returned, as stored (upper case, `YYYY-MM-DD`). */
export function traitValue(field: ComparedField, traits: TraitsInput | Returned): string {
  switch (field) {
    case 'nomNaissance':
      return traits.birthName;
    case 'prenom':
      return 'firstName' in traits ? traits.firstName : (traits.firstNames.split(' ')[0] ?? '');
    case 'listePrenoms':
      return traits.firstNames;
    case 'sexe':
      return traits.sex;
    case 'dateNaissance':
      return traits.birthDate;
    case 'lieuNaissance':
      return traits.birthplace ?? '';
  }
}

/** Every name the services may use in `differences` for one field (domain, contract, label). */
function namesOf(field: ComparedField): string[] {
  const contractName = field === 'prenom' ? 'firstName' : contractTraitFields[field];
  return [field, contractName, traitLabels[field]].map((name) => name.toLowerCase());
}

/**
 * The fields that differ: those the services named in `differences`, plus
 * those the domain's comparison finds when the entered traits are known
 * (so that a difference is never hidden by a naming mismatch).
 */
export function differingFields(result: InsiLookupResult, entered: TraitsInput | null): Set<ComparedField> {
  const named = new Set(result.differences.map((d) => d.toLowerCase()));
  const fields = new Set<ComparedField>(comparedFields.filter((field) => namesOf(field).some((name) => named.has(name))));
  const returned = result.individu?.traits;
  if (entered && returned) {
    const diffs = compareTraits(
      {
        nomNaissance: entered.birthName,
        listePrenoms: entered.firstNames,
        sexe: entered.sex,
        dateNaissance: entered.birthDate,
        lieuNaissance: entered.birthplace ?? null,
      },
      {
        nomNaissance: returned.birthName,
        prenom: returned.firstName,
        listePrenoms: returned.firstNames,
        sexe: returned.sex,
        dateNaissance: returned.birthDate,
        lieuNaissance: returned.birthplace,
      },
    );
    for (const diff of diffs) fields.add(diff.field);
  }
  return fields;
}

/** One entry of `differences` in French (« Date de naissance »); unknown names are shown as they are. */
export function differenceLabel(name: string): string {
  const field = comparedFields.find((f) => namesOf(f).includes(name.toLowerCase()));
  return field ? traitLabels[field] : name;
}

/** Doubtful or fictitious: the identity stays provisional (no INSi, no document check) until this is lifted. */
export function blockingAttributes(attributes: readonly string[]): string[] {
  return attributes.filter((code) => (provisionalOnlyAttributes as readonly string[]).includes(code));
}

/** `differences` entries that match no known field (shown as they are, never dropped). */
export function otherDifferences(result: InsiLookupResult): string[] {
  const known = new Set(comparedFields.flatMap(namesOf));
  return result.differences.filter((d) => !known.has(d.toLowerCase()));
}
