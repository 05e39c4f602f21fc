/**
 * A CDA R2 level-1 document (« CDA non structuré », IHE XDS-SD): the CI-SIS
 * header of the ANS example `DOC_NON_STRUCTURE_CDA-R2-N1.xml`, element by
 * element and in the schema's order, around a PDF carried in base64 in a
 * `nonXMLBody` (notes dmp-cda.md §3.1).
 *
 * The patient's INS goes in only for a qualified identity: take it from
 * `PatientService.shareableIns()` (see `patient.ts`, which also brings the
 * traits). Every value is escaped; characters XML 1.0 cannot carry are
 * refused; the PDF is bounded (20 MiB) and must start with `%PDF-`.
 *
 * Pure apart from the random identifiers (UUID-derived OIDs): give `id`,
 * `setId` and `now` to make the output reproducible.
 */
import { randomUUID } from 'node:crypto';
import { CabinetError } from '../../../shared/contract/outcome.js';
import {
  CDA_OIDS,
  CONFIDENTIALITY_CODES,
  DEFAULT_FACILITY_TYPE,
  DEFAULT_PRACTICE_SETTING,
  DEFAULT_TYPE_CODE,
  FACILITY_TYPE_CODES,
  N1_TEMPLATE_IDS,
  PRACTICE_SETTING_CODES,
  TYPE_CODES,
  authorSpecialtyFor,
  isTypeCode,
  type CodedValue,
  type ConfidentialityCode,
  type FacilityTypeCode,
  type PracticeSettingCode,
  type TypeCode,
} from '../../../shared/domain/cda/index.js';
import { INS_OIDS, isInsOid, parseIns } from '../../../shared/domain/ins/index.js';
import { MAX_PDF_BYTES } from '../../../shared/domain/limits.js';
import type { Practitioner } from '../../../shared/domain/practitioner.js';
import { DEFAULT_PRACTICE_ZONE, wallClock, zoneOffsetMinutes } from '../../../shared/domain/civil-date.js';
import { escapeXmlAttr } from '../../platform/xml/escape.js';

export { MAX_PDF_BYTES };
export const MAX_TITLE_LENGTH = 250;
const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');

/** An instance identifier (HL7 II): an OID root, with or without an extension. */
export interface CdaId {
  root: string;
  extension?: string;
}

/** What a CDA needs of a patient: the shareable INS (`shareableIns`) and the INS traits. */
export interface CdaPatient {
  ins: { matricule: string; cle: string; oid: string };
  traits: {
    /** Birth name (nom de naissance), as INSi returns it. */
    birthName: string;
    usedName?: string | null;
    /** First given name of the birth certificate. */
    firstName: string;
    /** Every given name of the birth certificate, space-separated. */
    firstNames: string;
    sex: string;
    /** `AAAA-MM-JJ` (a day or month `00` is allowed: « date lunaire »). */
    birthDate: string;
    /** COG code of the birthplace (5 characters, 99xxx abroad). */
    birthplace?: string | null;
  };
}

/** A structure (idNat_Struct, OID 1.2.250.1.71.4.2.2). */
export interface CdaOrganization {
  id: string;
  name?: string;
}

export interface CdaN1Input {
  pdf: Buffer;
  patient: CdaPatient;
  author: Practitioner;
  /** The author's structure; by default the practitioner's `structureId`. */
  structure?: CdaOrganization;
  /** J07 typeCode (default 11488-4, compte rendu de consultation). */
  type?: TypeCode;
  /** Default: the type's display name. */
  title?: string;
  /** Creation time of the document (default: now). */
  effectiveTime?: Date;
  confidentiality?: ConfidentialityCode;
  /** Organisation keeping the document (default: the author's structure). */
  custodian?: CdaOrganization;
  /** The practitioner who takes responsibility for the document (default: the author). */
  legalAuthenticator?: Practitioner;
  /** The act documented (default: starts at effectiveTime). */
  serviceEvent?: { start?: Date; end?: Date };
  /** J04 (default AMBULATOIRE). */
  practiceSetting?: PracticeSettingCode;
  /** J02 (default SA07 cabinet individuel). */
  healthcareFacilityType?: FacilityTypeCode;
  /** Document id (default: a new `2.25.<UUID>` OID; with `idRoot`: idRoot + a random extension). */
  id?: CdaId;
  /** The root under which Cabinet numbers its documents (an OID given to the software or the structure). */
  idRoot?: string;
  /** Replacing a document: its id, its setId and its version; the new one keeps the setId, versionNumber + 1, and RPLC. */
  replaces?: { id: CdaId; setId: CdaId; versionNumber: number };
  /** For tests: the clock. */
  now?: Date;
  /** The practice's time zone: the CDA's times are its wall clock with their offset (default Europe/Paris). */
  timeZone?: string;
}

export interface BuiltCda {
  xml: string;
  id: CdaId;
  setId: CdaId;
  versionNumber: number;
  /** XDS uniqueId: `root` or `root^extension`. */
  uniqueId: string;
  type: CodedValue;
  title: string;
  confidentiality: CodedValue;
  practiceSetting: CodedValue;
  healthcareFacilityType: CodedValue;
  authorSpecialty: CodedValue;
  /** HL7 TS of the document's creation. */
  effectiveTime: string;
  serviceStart: string;
  serviceStop: string | null;
}

const OID = /^[0-2](\.(0|[1-9]\d*))*$/;

function refuse(message: string, field?: string): never {
  throw new CabinetError('INVALID_REQUEST', message, field ? { field } : undefined);
}

/** A new OID from a random UUID (ISO/IEC 9834-8, arc 2.25): 44 characters at most, fits XDS uniqueId. */
export function newUuidOid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

/** Escapes text and attribute values; refuses what XML 1.0 cannot carry (the toolkit's {@link escapeXmlAttr}). */
export function xmlEscape(value: string, what = 'une valeur du document'): string {
  return escapeXmlAttr(value, what);
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * HL7 TS `AAAAMMJJhhmmss+zzzz`: the wall clock of the practice's time zone with
 * its explicit offset (the ANS example's form), whatever the machine's zone.
 */
export function hl7Timestamp(date: Date, zone: string = DEFAULT_PRACTICE_ZONE): string {
  if (Number.isNaN(date.getTime())) refuse('Date invalide.');
  const w = wallClock(date, zone);
  const offset = zoneOffsetMinutes(date, zone);
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${String(w.year).padStart(4, '0')}${two(w.month)}${two(w.day)}${two(w.hour)}${two(w.minute)}${two(w.second)}${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}

/** `AAAA-MM-JJ` → `AAAAMMJJ`; a « date lunaire » (00) keeps only what is known. */
export function hl7BirthDate(birthDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  if (!m) refuse('La date de naissance du patient doit être au format AAAA-MM-JJ.', 'birthDate');
  const [, year, month, day] = m;
  if (month === '00') return year!;
  if (day === '00') return `${year}${month}`;
  return `${year}${month}${day}`;
}

function idAttributes(id: CdaId, what: string): string {
  if (!OID.test(id.root) || id.root.length > 64) refuse(`${what} : la racine « ${id.root} » n’est pas un OID valide.`);
  if (id.extension !== undefined && (id.extension === '' || id.extension.length > 64))
    refuse(`${what} : l’extension doit comporter de 1 à 64 caractères.`);
  return `root="${id.root}"${id.extension !== undefined ? ` extension="${xmlEscape(id.extension, what)}"` : ''}`;
}

const coded = (tag: string, c: CodedValue, extra = '') =>
  `<${tag} code="${xmlEscape(c.code)}" displayName="${xmlEscape(c.displayName)}" codeSystem="${c.codeSystem}"${extra}/>`;

function personName(p: Practitioner): string {
  const given = p.givenName.trim() ? `<given>${xmlEscape(p.givenName.trim(), 'Le prénom du praticien')}</given>` : '';
  if (!p.surname.trim()) refuse('Le nom du praticien est manquant.', 'author');
  return `<name>${given}<family>${xmlEscape(p.surname.trim(), 'Le nom du praticien')}</family></name>`;
}

function organization(tag: string, org: CdaOrganization, inner = ''): string {
  const name = org.name?.trim() ? `<name>${xmlEscape(org.name.trim(), 'Le nom de la structure')}</name>` : '';
  return `<${tag}><id ${idAttributes({ root: CDA_OIDS.idNatStruct, extension: org.id }, 'Identifiant de structure')}/>${name}${inner}</${tag}>`;
}

function checkPdf(pdf: Buffer): void {
  if (!Buffer.isBuffer(pdf) || pdf.length === 0) refuse('Le document PDF est vide.', 'pdf');
  if (pdf.length > MAX_PDF_BYTES)
    refuse(`Le document PDF est trop volumineux (${(pdf.length / 1048576).toFixed(1)} Mo ; 20 Mo au plus).`, 'pdf');
  if (!pdf.subarray(0, PDF_MAGIC.length).equals(PDF_MAGIC))
    refuse('Le fichier fourni n’est pas un PDF (il ne commence pas par « %PDF- »).', 'pdf');
}

function checkPractitioner(p: Practitioner, role: string): CodedValue {
  if (!/^[0-9][0-9A-Za-z]{5,20}$/.test(p.idNatPs)) refuse(`${role} : identifiant national (idNat_PS) invalide.`, 'author');
  const specialty = authorSpecialtyFor(p.professionCode, p.specialtyCode);
  if (!specialty)
    refuse(
      `${role} : profession ${p.professionCode}${p.specialtyCode ? ` / spécialité ${p.specialtyCode}` : ''} absente du jeu de valeurs J01 connu de Cabinet.`,
      'author',
    );
  return specialty;
}

function patientXml(patient: CdaPatient): string {
  const { ins, traits } = patient;
  if (!isInsOid(ins.oid)) refuse(`OID de l’INS inconnu : ${ins.oid}. Attendu : ${Object.values(INS_OIDS).join(', ')}.`, 'ins');
  const parsed = parseIns({ matricule: ins.matricule, cle: ins.cle });
  if (!parsed.ok) refuse(`INS du patient invalide : ${parsed.message}`, 'ins');
  const birthName = traits.birthName.trim();
  const firstNames = traits.firstNames.trim();
  const firstName = traits.firstName.trim() || firstNames.split(' ')[0] || '';
  if (!birthName || !firstNames || !firstName) refuse('Les traits INS du patient (nom de naissance, prénoms) sont incomplets.', 'traits');
  if (!traits.birthplace || !/^[0-9][0-9AB][0-9]{3}$/.test(traits.birthplace)) {
    refuse('Le lieu de naissance (code COG à 5 caractères) du patient est obligatoire dans un document portant l’INS.', 'birthplace');
  }
  const gender =
    traits.sex === 'M' ? { code: 'M', displayName: 'Masculin' } : traits.sex === 'F' ? { code: 'F', displayName: 'Féminin' } : null;
  if (!gender) refuse('Le sexe du patient doit être M ou F.', 'sex');
  const used = traits.usedName?.trim() ? `<family qualifier="CL">${xmlEscape(traits.usedName.trim(), 'Le nom utilisé')}</family>` : '';
  return [
    '<recordTarget>',
    '<patientRole>',
    `<id root="${ins.oid}" extension="${parsed.value.valeur}"/>`,
    '<patient classCode="PSN">',
    '<name>',
    `<family qualifier="BR">${xmlEscape(birthName, 'Le nom de naissance')}</family>`,
    `<given>${xmlEscape(firstNames, 'Les prénoms')}</given>`,
    `<given qualifier="BR">${xmlEscape(firstName, 'Le premier prénom')}</given>`,
    used,
    '</name>',
    `<administrativeGenderCode code="${gender.code}" displayName="${gender.displayName}" codeSystem="${CDA_OIDS.administrativeGender}"/>`,
    `<birthTime value="${hl7BirthDate(traits.birthDate)}"/>`,
    `<birthplace><place><addr><county>${traits.birthplace}</county></addr></place></birthplace>`,
    '</patient>',
    '</patientRole>',
    '</recordTarget>',
  ]
    .filter(Boolean)
    .join('');
}

function pick<K extends string, V>(table: Record<K, V>, key: string, what: string): V {
  if (!Object.hasOwn(table, key)) refuse(`${what} inconnu : ${key}. Valeurs admises : ${Object.keys(table).join(', ')}.`);
  return table[key as K];
}

/** Builds the CDA R2 N1 XML (UTF-8 text). Throws INVALID_REQUEST with a French message on bad input. */
export function buildCdaN1(input: CdaN1Input): BuiltCda {
  checkPdf(input.pdf);
  const typeKey = input.type ?? DEFAULT_TYPE_CODE;
  if (!isTypeCode(typeKey))
    refuse(`Type de document inconnu : ${String(typeKey)}. Types admis : ${Object.keys(TYPE_CODES).join(', ')}.`, 'type');
  const type = TYPE_CODES[typeKey];
  const title = (input.title ?? type.displayName).trim();
  if (!title) refuse('Le titre du document est vide.', 'title');
  if (title.length > MAX_TITLE_LENGTH) refuse(`Le titre du document est trop long (${MAX_TITLE_LENGTH} caractères au plus).`, 'title');
  const confidentiality = pick(CONFIDENTIALITY_CODES, input.confidentiality ?? 'N', 'Niveau de confidentialité');
  const practiceSetting = pick(PRACTICE_SETTING_CODES, input.practiceSetting ?? DEFAULT_PRACTICE_SETTING, 'Cadre d’exercice');
  const facility = pick(FACILITY_TYPE_CODES, input.healthcareFacilityType ?? DEFAULT_FACILITY_TYPE, 'Type de structure');

  const author = input.author;
  const authorSpecialty = checkPractitioner(author, 'Auteur');
  const legal = input.legalAuthenticator ?? author;
  const legalSpecialty = legal === author ? authorSpecialty : checkPractitioner(legal, 'Responsable du document');
  const structure = input.structure ?? (author.structureId ? { id: author.structureId } : null);
  if (!structure?.id) refuse('Identifiant de la structure d’exercice manquant : renseignez-le dans Réglages (« Structure »).', 'structure');
  const custodian = input.custodian ?? structure;

  const now = input.now ?? new Date();
  const zone = input.timeZone ?? DEFAULT_PRACTICE_ZONE;
  const effective = hl7Timestamp(input.effectiveTime ?? now, zone);
  const serviceStart = hl7Timestamp(input.serviceEvent?.start ?? input.effectiveTime ?? now, zone);
  const serviceStop = input.serviceEvent?.end ? hl7Timestamp(input.serviceEvent.end, zone) : null;
  if (input.serviceEvent?.start && input.serviceEvent.end && input.serviceEvent.end < input.serviceEvent.start)
    refuse('La fin de l’acte précède son début.', 'serviceEvent');

  if (input.idRoot !== undefined && !OID.test(input.idRoot))
    refuse(`Racine d’identifiants invalide : ${input.idRoot} n’est pas un OID.`, 'idRoot');
  const id: CdaId =
    input.id ?? (input.idRoot ? { root: input.idRoot, extension: randomUUID().replace(/-/g, '').toUpperCase() } : { root: newUuidOid() });
  let setId: CdaId;
  let versionNumber = 1;
  let related = '';
  if (input.replaces) {
    const { replaces } = input;
    if (!Number.isInteger(replaces.versionNumber) || replaces.versionNumber < 1)
      refuse('Numéro de version du document remplacé invalide.', 'replaces');
    if (replaces.id.root === id.root && replaces.id.extension === id.extension)
      refuse('Le nouveau document doit avoir un identifiant différent de celui qu’il remplace.', 'replaces');
    setId = replaces.setId;
    versionNumber = replaces.versionNumber + 1;
    related = `<relatedDocument typeCode="RPLC"><parentDocument><id ${idAttributes(replaces.id, 'Document remplacé')}/></parentDocument></relatedDocument>`;
  } else {
    setId = input.idRoot ? { root: input.idRoot, extension: randomUUID().replace(/-/g, '').toUpperCase() } : { root: newUuidOid() };
  }

  const authorId = `<id ${idAttributes({ root: CDA_OIDS.idNatPs, extension: author.idNatPs }, 'Identifiant de l’auteur')}/>`;
  const legalId = `<id ${idAttributes({ root: CDA_OIDS.idNatPs, extension: legal.idNatPs }, 'Identifiant du responsable')}/>`;

  const header = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    '<realmCode code="FR"/>',
    '<typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>',
    ...N1_TEMPLATE_IDS.map((root) => `<templateId root="${root}"/>`),
    `<id ${idAttributes(id, 'Identifiant du document')}/>`,
    coded('code', type, type.codeSystem === CDA_OIDS.loinc ? ' codeSystemName="LOINC"' : ''),
    `<title>${xmlEscape(title, 'Le titre')}</title>`,
    `<effectiveTime value="${effective}"/>`,
    coded('confidentialityCode', confidentiality),
    '<languageCode code="fr-FR"/>',
    `<setId ${idAttributes(setId, 'Identifiant de lot de versions')}/>`,
    `<versionNumber value="${versionNumber}"/>`,
    patientXml(input.patient),
    '<author>',
    `<time value="${effective}"/>`,
    '<assignedAuthor>',
    authorId,
    coded('code', authorSpecialty),
    `<assignedPerson>${personName(author)}</assignedPerson>`,
    organization('representedOrganization', structure),
    '</assignedAuthor>',
    '</author>',
    '<custodian><assignedCustodian>',
    organization('representedCustodianOrganization', custodian),
    '</assignedCustodian></custodian>',
    '<legalAuthenticator>',
    `<time value="${effective}"/>`,
    '<signatureCode code="S"/>',
    '<assignedEntity>',
    legalId,
    coded('code', legalSpecialty),
    `<assignedPerson>${personName(legal)}</assignedPerson>`,
    '</assignedEntity>',
    '</legalAuthenticator>',
    '<documentationOf><serviceEvent>',
    `<effectiveTime><low value="${serviceStart}"/>${serviceStop ? `<high value="${serviceStop}"/>` : ''}</effectiveTime>`,
    '<performer typeCode="PRF"><assignedEntity>',
    authorId,
    coded('code', authorSpecialty),
    `<assignedPerson>${personName(author)}</assignedPerson>`,
    organization('representedOrganization', structure, coded('standardIndustryClassCode', practiceSetting)),
    '</assignedEntity></performer>',
    '</serviceEvent></documentationOf>',
    related,
    '<componentOf><encompassingEncounter>',
    `<effectiveTime><low value="${serviceStart}"/></effectiveTime>`,
    '<location><healthCareFacility>',
    `<id ${idAttributes({ root: CDA_OIDS.idNatStruct, extension: structure.id }, 'Identifiant de structure')}/>`,
    coded('code', facility),
    '</healthCareFacility></location>',
    '</encompassingEncounter></componentOf>',
    '<component><nonXMLBody><text mediaType="application/pdf" representation="B64">',
  ]
    .filter(Boolean)
    .join('\n');
  const xml = `${header}${input.pdf.toString('base64')}</text></nonXMLBody></component>\n</ClinicalDocument>\n`;

  return {
    xml,
    id,
    setId,
    versionNumber,
    uniqueId: id.extension !== undefined ? `${id.root}^${id.extension}` : id.root,
    type,
    title,
    confidentiality,
    practiceSetting,
    healthcareFacilityType: facility,
    authorSpecialty,
    effectiveTime: effective,
    serviceStart,
    serviceStop,
  };
}
