/**
 * The Annuaire Santé FHIR API v2 as Cabinet reads it (pure): code systems,
 * identifier systems and extension URLs of MSSanté mailboxes, and the French
 * labels of mailbox types. Sources: ansforge/interop-ig-fhir-api-messagerie-securisee-sante
 * (spec-technique-intro.md, spec-technique-flux-consommation.md,
 * AsBalMssLogicalModels.fsh) and notes mss.md §1.4.
 */

/** Base path of the API (`https://gateway.api.esante.gouv.fr/fhir/v2`). */
export const ANNUAIRE_BASE_PATH = '/fhir/v2';
/** The gateway's API key header. */
export const API_KEY_HEADER = 'ESANTE-API-KEY';

/** idNat_PS (8 + RPPS, or 0 + ADELI). */
export const IDNAT_PS_SYSTEM = 'urn:oid:1.2.250.1.71.4.2.1';
/** RPPS, 11 digits (Annuaire Santé). `http://rpps.fr` is FR Core's older spelling, also accepted in searches. */
export const RPPS_SYSTEM = 'https://rpps.esante.gouv.fr';
export const RPPS_SYSTEM_FR_CORE = 'http://rpps.fr';
/** FR Core structure identifiers: FINESS, SIRET (INSEE OID), idNat_Struct. */
export const FINESS_SYSTEM = 'http://finess.sante.gouv.fr';
export const SIRET_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.1';

export const EMAIL_TYPE_EXTENSION = 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type';
export const MAILBOX_METADATA_EXTENSION = 'https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-mailbox-mss-metadata';
export const TYPE_MESSAGERIE_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_R256-TypeMessagerie/FHIR/TRE-R256-TypeMessagerie';
export const TYPE_BAL_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_R257-TypeBAL/FHIR/TRE-R257-TypeBAL';
export const PROFESSION_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante';
export const SPECIALITE_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale';

/** TRE_R257-TypeBAL. */
export const mailboxTypes = ['PER', 'ORG', 'APP', 'CAB'] as const;
export type MailboxType = (typeof mailboxTypes)[number];

export const mailboxTypeLabels: Record<MailboxType, string> = {
  PER: 'Personnelle',
  ORG: 'Organisationnelle',
  APP: 'Applicative',
  CAB: 'Cabinet',
};

export function isMailboxType(value: string): value is MailboxType {
  return (mailboxTypes as readonly string[]).includes(value);
}

/**
 * Folds text as FHIR string search does on the Annuaire: case and accents
 * ignored, hyphens and apostrophes as spaces, spaces collapsed.
 */
export function foldName(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[-'’\s]+/g, ' ')
    .trim();
}

/** An RPPS number: 11 digits. */
export function isRpps(text: string): boolean {
  return /^\d{11}$/.test(text);
}

/** An idNat_PS: 8 + RPPS (12 digits) or 0 + ADELI (10 characters). */
export function isIdNatPs(text: string): boolean {
  return /^8\d{11}$/.test(text) || /^0\d{9}$/.test(text);
}

/** The sandbox's MSSanté test domains (`cabinet.test-mssante.fr`, `hopital.test-mssante.fr`). */
export function isTestMssDomain(domain: string): boolean {
  return /(^|\.)test-mssante\.fr$/i.test(domain);
}
