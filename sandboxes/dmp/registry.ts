/**
 * The sandbox's DMP registry and repository, in memory: patients (DMP state,
 * Mon espace santé, authorisations per practitioner), document entries with
 * their versions (entryUUID per version, logicalId per document), submission
 * sets, associations, and the documents' bytes (possibly produced lazily, for
 * the generated volume). Also the ebRIM serialisation of entries for ITI-18
 * answers, cached per entry version (2,000 entries answer in one pass of
 * string concatenation).
 */
import { randomUUID } from 'node:crypto';
import type { DmpAuthorization, DmpIns } from '../../electron/dmp/client/api.js';
import {
  EXTERNAL_ID,
  EXTERNAL_ID_NAME,
  OBJECT_TYPE,
  SCHEME,
  STATUS,
  xmlEscape as esc,
  type StatusName,
} from '../../electron/dmp/wire/soap.js';

/** The repository's uniqueId (an OID invented for the sandbox). */
export const REPOSITORY_UNIQUE_ID = '1.2.250.1.213.1.999.1.1';

export interface Code {
  code: string;
  scheme: string;
  display: string;
}

export interface EntryAuthor {
  /** XCN, e.g. `899701000012^MARTIN^Marie^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS`. */
  person: string;
  institution: string[];
  role: string[];
  specialty: string[];
}

export interface StoredEntry {
  entryUuid: string;
  logicalId: string;
  version: number;
  uniqueId: string;
  repositoryUniqueId: string;
  patient: string;
  status: StatusName;
  title: string;
  mimeType: string;
  hash: string;
  size: number;
  creationTime: string;
  serviceStartTime: string | null;
  serviceStopTime: string | null;
  languageCode: string;
  sourcePatientId: string;
  legalAuthenticator: string | null;
  classCode: Code;
  typeCode: Code;
  formatCode: Code;
  confidentiality: Code[];
  healthcareFacilityTypeCode: Code;
  practiceSettingCode: Code;
  authors: EntryAuthor[];
  /** idNat_PS of the authors (XCN first component) and of the submitter (VIHF NameID). */
  authorIds: string[];
  submitter: string;
  submissionSetUuid: string;
  submissionTime: string;
  replaces: string | null;
}

export interface StoredSubmissionSet {
  entryUuid: string;
  uniqueId: string;
  sourceId: string;
  patient: string;
  submissionTime: string;
  contentTypeCode: Code;
  authors: EntryAuthor[];
  title: string;
  status: 'Approved';
}

export interface StoredAssociation {
  id: string;
  type: string;
  source: string;
  target: string;
  slots: Record<string, string[]>;
}

export interface Authorization {
  status: DmpAuthorization;
  end: string | null;
  medecinTraitant: boolean;
  reason?: string;
}

export interface DmpPatient {
  ins: DmpIns;
  label: string;
  state: 'ACTIF' | 'FERME';
  espaceSante: boolean;
  closing: { date: string; motif: string } | null;
  /** By practitioner idNat_PS. */
  authorizations: Map<string, Authorization>;
}

export interface AccessLogEntry {
  at: string;
  practitioner: string;
  patient: string;
  transaction: string;
  purpose: string;
  outcome: 'autorise' | 'refuse';
  detail: string;
}

export type Content = Buffer | (() => Buffer);

export class DmpRegistry {
  readonly patients = new Map<string, DmpPatient>();
  readonly entries = new Map<string, StoredEntry>();
  readonly byUniqueId = new Map<string, StoredEntry>();
  readonly byPatient = new Map<string, StoredEntry[]>();
  readonly submissionSets = new Map<string, StoredSubmissionSet>();
  readonly associations: StoredAssociation[] = [];
  readonly associationsByObject = new Map<string, StoredAssociation[]>();
  private readonly contents = new Map<string, Content>();
  private readonly leafCache = new Map<string, string>();
  readonly accessLog: AccessLogEntry[] = [];

  addPatient(patient: DmpPatient): void {
    this.patients.set(patient.ins.value, patient);
  }

  patient(insValue: string): DmpPatient | null {
    return this.patients.get(insValue) ?? null;
  }

  /** Approved, not deprecated: the current version with this uniqueId (any status). */
  entryByUniqueId(uniqueId: string): StoredEntry | null {
    return this.byUniqueId.get(uniqueId) ?? null;
  }

  /** Every entry version of a patient, by its CX patient id (`INS^^^&OID&ISO^NH`). */
  patientEntries(patientCx: string): StoredEntry[] {
    return this.byPatient.get(patientCx) ?? [];
  }

  addEntry(entry: StoredEntry, content: Content | null): void {
    this.entries.set(entry.entryUuid, entry);
    this.byUniqueId.set(entry.uniqueId, entry);
    const list = this.byPatient.get(entry.patient);
    if (list) list.push(entry);
    else this.byPatient.set(entry.patient, [entry]);
    if (content) this.contents.set(entry.uniqueId, content);
  }

  addSubmissionSet(set: StoredSubmissionSet): void {
    this.submissionSets.set(set.entryUuid, set);
  }

  addAssociation(association: Omit<StoredAssociation, 'id'> & { id?: string }): StoredAssociation {
    const stored: StoredAssociation = {
      id: association.id ?? `urn:uuid:${randomUUID()}`,
      type: association.type,
      source: association.source,
      target: association.target,
      slots: association.slots,
    };
    this.associations.push(stored);
    for (const end of [stored.source, stored.target]) {
      const list = this.associationsByObject.get(end);
      if (list) list.push(stored);
      else this.associationsByObject.set(end, [stored]);
    }
    return stored;
  }

  content(uniqueId: string): Buffer | null {
    const stored = this.contents.get(uniqueId);
    if (!stored) return null;
    if (Buffer.isBuffer(stored)) return stored;
    const made = stored();
    this.contents.set(uniqueId, made);
    return made;
  }

  setStatus(entry: StoredEntry, status: StatusName): void {
    entry.status = status;
    this.leafCache.delete(entry.entryUuid);
  }

  /** A new version of the entry's metadata (ITI-57 metadata update): new entryUUID, same logicalId, previous Deprecated. */
  newVersion(
    entry: StoredEntry,
    change: Partial<Pick<StoredEntry, 'confidentiality'>>,
    submissionSetUuid: string,
    submissionTime: string,
  ): StoredEntry {
    const next: StoredEntry = {
      ...entry,
      ...change,
      entryUuid: `urn:uuid:${randomUUID()}`,
      version: entry.version + 1,
      status: 'Approved',
      submissionSetUuid,
      submissionTime,
    };
    this.setStatus(entry, 'Deprecated');
    this.entries.set(next.entryUuid, next);
    this.byUniqueId.set(next.uniqueId, next);
    this.byPatient.get(next.patient)!.push(next);
    return next;
  }

  log(entry: Omit<AccessLogEntry, 'at'>): void {
    this.accessLog.push({ at: new Date().toISOString(), ...entry });
    if (this.accessLog.length > 5000) this.accessLog.shift();
  }

  /** `rim:ExtrinsicObject` of an entry (cached per version and status). */
  extrinsicObject(entry: StoredEntry): string {
    const cached = this.leafCache.get(entry.entryUuid);
    if (cached) return cached;
    const xml = extrinsicObjectXml(entry);
    this.leafCache.set(entry.entryUuid, xml);
    return xml;
  }
}

// ---------------------------------------------------------------- ebRIM serialisation

const slot = (name: string, values: readonly string[]) =>
  values.length === 0
    ? ''
    : `<rim:Slot name="${esc(name)}"><rim:ValueList>${values.map((v) => `<rim:Value>${esc(v)}</rim:Value>`).join('')}</rim:ValueList></rim:Slot>`;

const named = (text: string) => `<rim:Name><rim:LocalizedString value="${esc(text)}"/></rim:Name>`;

function classification(scheme: string, object: string, code: Code): string {
  return (
    `<rim:Classification id="urn:uuid:${randomUUID()}" classificationScheme="${scheme}" classifiedObject="${object}" nodeRepresentation="${esc(code.code)}" objectType="${OBJECT_TYPE.classification}">` +
    `${slot('codingScheme', [code.scheme])}${named(code.display)}</rim:Classification>`
  );
}

function authorClassification(scheme: string, object: string, author: EntryAuthor): string {
  return (
    `<rim:Classification id="urn:uuid:${randomUUID()}" classificationScheme="${scheme}" classifiedObject="${object}" nodeRepresentation="" objectType="${OBJECT_TYPE.classification}">` +
    `${slot('authorPerson', [author.person])}${slot('authorInstitution', author.institution)}${slot('authorRole', author.role)}${slot('authorSpecialty', author.specialty)}</rim:Classification>`
  );
}

function externalIdentifier(scheme: string, object: string, value: string): string {
  return (
    `<rim:ExternalIdentifier id="urn:uuid:${randomUUID()}" identificationScheme="${scheme}" registryObject="${object}" value="${esc(value)}" objectType="${OBJECT_TYPE.externalIdentifier}">` +
    `${named(EXTERNAL_ID_NAME[scheme] ?? '')}</rim:ExternalIdentifier>`
  );
}

export function extrinsicObjectXml(e: StoredEntry): string {
  const id = e.entryUuid;
  return (
    `<rim:ExtrinsicObject id="${id}" lid="${e.logicalId}" mimeType="${esc(e.mimeType)}" objectType="${OBJECT_TYPE.stableDocumentEntry}" status="${STATUS[e.status]}">` +
    slot('creationTime', [e.creationTime]) +
    slot('hash', [e.hash]) +
    slot('languageCode', [e.languageCode]) +
    slot('legalAuthenticator', e.legalAuthenticator ? [e.legalAuthenticator] : []) +
    slot('repositoryUniqueId', [e.repositoryUniqueId]) +
    slot('serviceStartTime', e.serviceStartTime ? [e.serviceStartTime] : []) +
    slot('serviceStopTime', e.serviceStopTime ? [e.serviceStopTime] : []) +
    slot('size', [String(e.size)]) +
    slot('sourcePatientId', [e.sourcePatientId]) +
    named(e.title) +
    `<rim:VersionInfo versionName="${e.version}"/>` +
    e.authors.map((a) => authorClassification(SCHEME.docAuthor, id, a)).join('') +
    classification(SCHEME.docClassCode, id, e.classCode) +
    e.confidentiality.map((c) => classification(SCHEME.docConfidentialityCode, id, c)).join('') +
    classification(SCHEME.docFormatCode, id, e.formatCode) +
    classification(SCHEME.docHealthcareFacilityTypeCode, id, e.healthcareFacilityTypeCode) +
    classification(SCHEME.docPracticeSettingCode, id, e.practiceSettingCode) +
    classification(SCHEME.docTypeCode, id, e.typeCode) +
    externalIdentifier(EXTERNAL_ID.docPatientId, id, e.patient) +
    externalIdentifier(EXTERNAL_ID.docUniqueId, id, e.uniqueId) +
    `</rim:ExtrinsicObject>`
  );
}

export function registryPackageXml(s: StoredSubmissionSet): string {
  const id = s.entryUuid;
  return (
    `<rim:RegistryPackage id="${id}" lid="${id}" objectType="${OBJECT_TYPE.registryPackage}" status="${STATUS.Approved}">` +
    slot('submissionTime', [s.submissionTime]) +
    (s.title ? named(s.title) : '') +
    s.authors.map((a) => authorClassification(SCHEME.ssAuthor, id, a)).join('') +
    classification(SCHEME.ssContentTypeCode, id, s.contentTypeCode) +
    externalIdentifier(EXTERNAL_ID.ssUniqueId, id, s.uniqueId) +
    externalIdentifier(EXTERNAL_ID.ssSourceId, id, s.sourceId) +
    externalIdentifier(EXTERNAL_ID.ssPatientId, id, s.patient) +
    `</rim:RegistryPackage>` +
    `<rim:Classification id="urn:uuid:${randomUUID()}" classifiedObject="${id}" classificationNode="${OBJECT_TYPE.submissionSetNode}" objectType="${OBJECT_TYPE.classification}"/>`
  );
}

export function associationXml(a: StoredAssociation): string {
  return (
    `<rim:Association id="${a.id}" associationType="${a.type}" sourceObject="${a.source}" targetObject="${a.target}" objectType="${OBJECT_TYPE.association}" status="${STATUS.Approved}">` +
    Object.entries(a.slots)
      .map(([name, values]) => slot(name, values))
      .join('') +
    `</rim:Association>`
  );
}

/** XCN's first component (idNat_PS), when the assigning authority is idNat_PS or absent. */
export function xcnId(xcn: string): string | null {
  const first = xcn.split('^')[0]?.trim();
  return first ? first : null;
}
