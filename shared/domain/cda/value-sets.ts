/**
 * The ANS code lists (« jeux de valeurs », JDV) a CDA written by Cabinet
 * uses, as typed constants: only the codes Cabinet's users need, each with
 * its code system and its display name exactly as in the JDV file (a unit
 * test compares every constant with `shared/reference/cda/jeuxDeValeurs/`,
 * so a typo fails). Pure: shared by the services and the renderer.
 *
 * Sources: JDV_J07 (typeCode), J08 (confidentiality), J02 (healthcare
 * facility type), J04 (practice setting), J01 (author specialty), from
 * ansforge/TestContenuCDA-3-0 (notes dmp-cda.md §2.3). J57 (classCode) and
 * J60 (formatCode) are not in that repository: their codes below come from
 * the notes (public sources) and are not checked by the test.
 */

/** Code systems and identifier roots (notes dmp-cda.md §2.2, §2.3, §3.1). */
export const CDA_OIDS = {
  loinc: '2.16.840.1.113883.6.1',
  /** TRE_A05-TypeDocComplementaire: the local typeCodes (SYNTH, PRESC-INF…). */
  typeCodeLocal: '1.2.250.1.213.1.1.4.12',
  confidentiality: '2.16.840.1.113883.5.25',
  /** TRE_A07-StatutVisibiliteDocument (DMP masking / visibility). */
  visibility: '1.2.250.1.213.1.1.4.13',
  /** TRE_R02-SecteurActivite (healthcareFacilityTypeCode). */
  facilityType: '1.2.250.1.71.4.2.4',
  /** TRE_A01-CadreExercice (practiceSettingCode). */
  practiceSetting: '1.2.250.1.213.1.1.4.9',
  /** TRE_A00-ProducteurDocNonPS (EXP_PATIENT, SNR). */
  nonPsProducer: '1.2.250.1.213.1.1.4.6',
  /** TRE_G15 profession + TRE_R38 specialty, as the J01 authorSpecialty codes. */
  authorSpecialty: '1.2.250.1.213.1.1.4.5',
  administrativeGender: '2.16.840.1.113883.5.1',
  /** idNat_PS (`8` + RPPS, `0` + ADELI…). */
  idNatPs: '1.2.250.1.71.4.2.1',
  /** idNat_Struct (structures: FINESS, SIRET, RPPS cabinet…). */
  idNatStruct: '1.2.250.1.71.4.2.2',
  /** TRE_A03-ClasseDocument (J57 classCode). */
  classCode: '1.2.250.1.213.1.1.4.1',
  /** IHE format codes (J60 formatCode), as seen in third-party code: to confirm (notes §2.3). */
  iheFormatCode: '1.3.6.1.4.1.19376.1.2.3',
} as const;

/** The JDV files and their value-set OIDs (jeuxDeValeurs/ in TestContenuCDA). */
export const VALUE_SET_FILES = {
  J01: { oid: '1.2.250.1.213.1.1.5.461', file: 'JDV_J01_XdsAuthorSpecialty_CISIS.xml' },
  J02: { oid: '1.2.250.1.213.1.1.5.466', file: 'JDV_J02_XdsHealthcareFacilityTypeCode_CISIS.xml' },
  J04: { oid: '1.2.250.1.213.1.1.5.467', file: 'JDV_J04_XdsPracticeSettingCode_CISIS.xml' },
  J07: { oid: '1.2.250.1.213.1.1.5.471', file: 'JDV_J07_XdsTypeCode_CISIS.xml' },
  J08: { oid: '1.2.250.1.213.1.1.5.463', file: 'JDV_J08_XdsConfidentialityCode_CISIS.xml' },
} as const;
export type ValueSetKey = keyof typeof VALUE_SET_FILES;

export interface CodedValue {
  code: string;
  codeSystem: string;
  displayName: string;
}

const loinc = (code: string, displayName: string): CodedValue => ({ code, codeSystem: CDA_OIDS.loinc, displayName });
const local = (code: string, displayName: string): CodedValue => ({ code, codeSystem: CDA_OIDS.typeCodeLocal, displayName });

/** J07 typeCode (`ClinicalDocument/code`): what a GP or a home-care nurse writes. */
export const TYPE_CODES = {
  '11488-4': loinc('11488-4', 'CR ou fiche de consultation ou de visite'),
  '11506-3': loinc('11506-3', 'CR ou fiche de suivi de soins par auxiliaire médical'),
  '34133-9': loinc('34133-9', "Synthèse d'épisode de soins"),
  '60591-5': loinc('60591-5', 'Synthèse médicale'),
  '34112-3': loinc('34112-3', 'CR hospitalier (séjour)'),
  '34120-6': loinc('34120-6', 'Bilan par professionnel de santé'),
  '57833-6': loinc('57833-6', 'Prescription de produits de santé'),
  '57832-8': loinc('57832-8', 'Prescription de soins'),
  '57828-6': loinc('57828-6', 'Prescription (autre)'),
  'PRESC-INF': local('PRESC-INF', "Prescription d'actes infirmiers"),
  'PRESC-KINE': local('PRESC-KINE', "Prescription d'actes de kinésithérapie"),
  'PRESC-BIO': local('PRESC-BIO', "Prescription d'actes de biologie médicale"),
  '96349-6': loinc('96349-6', "Lettre d'adressage"),
  '11490-0': loinc('11490-0', "Lettre de liaison à la sortie d'un établissement de soins"),
  '18761-7': loinc('18761-7', "Note de transfert (dont lettre de liaison à l'entrée en établissement de soins)"),
  '89601-9': loinc('89601-9', 'Certificat médical'),
  CERT_DECL: local('CERT_DECL', 'Certificat, déclaration'),
  '87273-9': loinc('87273-9', 'Note de vaccination'),
  '29274-8': loinc('29274-8', 'Mesures de signes vitaux'),
} as const satisfies Record<string, CodedValue>;
export type TypeCode = keyof typeof TYPE_CODES;
export const DEFAULT_TYPE_CODE: TypeCode = '11488-4';

/** J08 confidentialityCode: the three HL7 levels a CDA header carries (masking codes are XDS-only). */
export const CONFIDENTIALITY_CODES = {
  N: { code: 'N', codeSystem: CDA_OIDS.confidentiality, displayName: 'Normal' },
  R: { code: 'R', codeSystem: CDA_OIDS.confidentiality, displayName: 'Restreint' },
  V: { code: 'V', codeSystem: CDA_OIDS.confidentiality, displayName: 'Très restreint' },
} as const satisfies Record<string, CodedValue>;
export type ConfidentialityCode = keyof typeof CONFIDENTIALITY_CODES;

/** J02 healthcareFacilityTypeCode (`encompassingEncounter/location/healthCareFacility/code`). */
export const FACILITY_TYPE_CODES = {
  SA07: { code: 'SA07', codeSystem: CDA_OIDS.facilityType, displayName: 'Cabinet individuel' },
  SA08: { code: 'SA08', codeSystem: CDA_OIDS.facilityType, displayName: 'Cabinet de groupe' },
  SA09: { code: 'SA09', codeSystem: CDA_OIDS.facilityType, displayName: 'Exercice en société' },
  SA05: { code: 'SA05', codeSystem: CDA_OIDS.facilityType, displayName: 'Centre de santé' },
} as const satisfies Record<string, CodedValue>;
export type FacilityTypeCode = keyof typeof FACILITY_TYPE_CODES;
export const DEFAULT_FACILITY_TYPE: FacilityTypeCode = 'SA07';

/** J04 practiceSettingCode (`serviceEvent/performer/…/standardIndustryClassCode`). */
export const PRACTICE_SETTING_CODES = {
  AMBULATOIRE: { code: 'AMBULATOIRE', codeSystem: CDA_OIDS.practiceSetting, displayName: 'Ambulatoire' },
  SAD: { code: 'SAD', codeSystem: CDA_OIDS.practiceSetting, displayName: 'Soins à domicile' },
  MAD: { code: 'MAD', codeSystem: CDA_OIDS.practiceSetting, displayName: 'Maintien à domicile' },
  HAD: { code: 'HAD', codeSystem: CDA_OIDS.practiceSetting, displayName: 'Hospitalisation à domicile' },
  PALLIATIF: { code: 'PALLIATIF', codeSystem: CDA_OIDS.practiceSetting, displayName: 'Soins palliatifs' },
  DEPISTAGE: { code: 'DEPISTAGE', codeSystem: CDA_OIDS.practiceSetting, displayName: 'Dépistage' },
} as const satisfies Record<string, CodedValue>;
export type PracticeSettingCode = keyof typeof PRACTICE_SETTING_CODES;
export const DEFAULT_PRACTICE_SETTING: PracticeSettingCode = 'AMBULATOIRE';

const specialty = (code: string, displayName: string): CodedValue => ({ code, codeSystem: CDA_OIDS.authorSpecialty, displayName });

/** J01 authorSpecialty (`assignedAuthor/code`): `G15_<profession>` or `G15_10/<specialty>` for physicians. */
export const AUTHOR_SPECIALTY_CODES = {
  G15_10: specialty('G15_10', 'Médecin'),
  'G15_10/SM26': specialty('G15_10/SM26', 'Médecin - Qualifié en Médecine Générale (SM)'),
  'G15_10/SM53': specialty('G15_10/SM53', 'Médecin - Spécialiste en Médecine Générale (SM)'),
  'G15_10/SM54': specialty('G15_10/SM54', 'Médecin - Médecine Générale (SM)'),
  G15_21: specialty('G15_21', 'Pharmacien'),
  G15_40: specialty('G15_40', 'Chirurgien-Dentiste'),
  G15_50: specialty('G15_50', 'Sage-Femme'),
  G15_60: specialty('G15_60', 'Infirmier'),
  G15_70: specialty('G15_70', 'Masseur-Kinésithérapeute'),
  G15_80: specialty('G15_80', 'Pédicure-Podologue'),
  G15_91: specialty('G15_91', 'Orthophoniste'),
  G15_92: specialty('G15_92', 'Orthoptiste'),
  G15_96: specialty('G15_96', 'Psychomotricien'),
} as const satisfies Record<string, CodedValue>;
export type AuthorSpecialtyCode = keyof typeof AUTHOR_SPECIALTY_CODES;

/**
 * The J01 code of a practitioner: `G15_10/SM26` for a GP qualified in general
 * medicine, `G15_60` for a nurse. Null when Cabinet does not know the pair
 * (the caller refuses with a French message).
 */
export function authorSpecialtyFor(professionCode: string, specialtyCode?: string): CodedValue | null {
  const withSpecialty = specialtyCode ? `G15_${professionCode}/${specialtyCode}` : null;
  if (withSpecialty && Object.hasOwn(AUTHOR_SPECIALTY_CODES, withSpecialty))
    return AUTHOR_SPECIALTY_CODES[withSpecialty as AuthorSpecialtyCode];
  const bare = `G15_${professionCode}`;
  return Object.hasOwn(AUTHOR_SPECIALTY_CODES, bare) ? AUTHOR_SPECIALTY_CODES[bare as AuthorSpecialtyCode] : null;
}

/**
 * J57 classCode (TRE_A03-ClasseDocument), from the notes (§2.3, public
 * sources; the file is not in the reference folder). XDS metadata only.
 */
export const CLASS_CODES = {
  '10': { code: '10', codeSystem: CDA_OIDS.classCode, displayName: 'Compte rendu' },
  '11': { code: '11', codeSystem: CDA_OIDS.classCode, displayName: 'Synthèse' },
  '42': { code: '42', codeSystem: CDA_OIDS.classCode, displayName: 'Prescription' },
  '52': { code: '52', codeSystem: CDA_OIDS.classCode, displayName: 'Certificat, déclaration' },
  '95': { code: '95', codeSystem: CDA_OIDS.classCode, displayName: 'Document de gestion' },
} as const satisfies Record<string, CodedValue>;
export type ClassCode = keyof typeof CLASS_CODES;

/**
 * typeCode → classCode. The official map is ASS_X04-CorrespondanceType-Classe,
 * not in the reference folder: this one is inferred from the class labels
 * and must be checked against ASS_X04 before the XDS metadata is frozen.
 */
export const CLASS_FOR_TYPE: Record<TypeCode, ClassCode> = {
  '11488-4': '10',
  '11506-3': '10',
  '34112-3': '10',
  '34120-6': '10',
  '96349-6': '10',
  '11490-0': '10',
  '18761-7': '10',
  '87273-9': '10',
  '29274-8': '10',
  '34133-9': '11',
  '60591-5': '11',
  '57833-6': '42',
  '57832-8': '42',
  '57828-6': '42',
  'PRESC-INF': '42',
  'PRESC-KINE': '42',
  'PRESC-BIO': '42',
  '89601-9': '52',
  CERT_DECL: '52',
};

/** J60 formatCode of a level-1 CDA with a PDF body (notes §2.1, §2.3). */
export const FORMAT_CODE_PDF: CodedValue = {
  code: 'urn:ihe:iti:xds-sd:pdf:2008',
  codeSystem: CDA_OIDS.iheFormatCode,
  displayName: 'Document à corps non structuré en Pdf/A-1',
};

/** The header's templateIds of a level-1 (non-structured) CDA, in the ANS example's order. */
export const N1_TEMPLATE_IDS = ['2.16.840.1.113883.2.8.2.1', '1.2.250.1.213.1.1.1.1', '1.3.6.1.4.1.19376.1.2.20'] as const;

/** Every constant checked against a JDV file, for the test and for tools. */
export const CHECKED_VALUE_SETS: { key: ValueSetKey; values: Record<string, CodedValue> }[] = [
  { key: 'J07', values: TYPE_CODES },
  { key: 'J08', values: CONFIDENTIALITY_CODES },
  { key: 'J02', values: FACILITY_TYPE_CODES },
  { key: 'J04', values: PRACTICE_SETTING_CODES },
  { key: 'J01', values: AUTHOR_SPECIALTY_CODES },
];

export function isTypeCode(code: string): code is TypeCode {
  return Object.hasOwn(TYPE_CODES, code);
}
