/**
 * XDS metadata of an XDM subset (`IHE_XDM/<subset>/METADATA.XML`, an ebRIM
 * 3.0 `SubmitObjectsRequest`; IHE ITI-32, notes mss.md §2.1): written from
 * the CDA header, read back from any sender. Reading matches elements by
 * local name, so the ANS sample (undeclared `ns3:` prefix, unprefixed
 * ebRIM elements) is read too, with a warning.
 */
import { CabinetError } from '../../../shared/contract/outcome.js';
import { attr, child, children, descendants, escapeXml, parseXml, type XmlElement, type XmlLimits } from '../xml.js';
import { IDNPS_OID, IDNST_OID, insFrom, type Coded, type CdaPerson, type PatientIns } from './cda.js';

export const LCM_NS = 'urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0';
export const RIM_NS = 'urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0';

/** IHE ITI TF-3 §4.2.5 identifiers. */
export const XDS = {
  documentEntryType: 'urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1',
  submissionSetNode: 'urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd',
  deAuthor: 'urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d',
  deClassCode: 'urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a',
  deConfidentiality: 'urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f',
  deEventCode: 'urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4',
  deFormatCode: 'urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d',
  deFacilityType: 'urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1',
  dePracticeSetting: 'urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead',
  deTypeCode: 'urn:uuid:f0306f51-975f-434e-a61c-c59651d33983',
  dePatientId: 'urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427',
  deUniqueId: 'urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab',
  ssAuthor: 'urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d',
  ssContentType: 'urn:uuid:aa543740-bdda-424e-8c96-df4873be8500',
  ssPatientId: 'urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446',
  ssSourceId: 'urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832',
  ssUniqueId: 'urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8',
  hasMember: 'urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember',
} as const;

// ---------------------------------------------------------------------------
// Model

export interface XdsAuthor {
  /** XCN, e.g. `810001234567^MARTIN^Marie^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS`. */
  person?: string;
  institution?: string;
}

export interface XdsDocumentEntry {
  id: string;
  mimeType: string;
  /** `URI` slot as written (relative to the subset folder, or to IHE_XDM/ as in the ANS sample). */
  uri?: string;
  uniqueId?: string;
  title?: string;
  /** CX as written: `279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH`. */
  patientId?: string;
  sourcePatientId?: string;
  /** `PID-5|NOM^Prénom…`, `PID-7|AAAAMMJJ`, `PID-8|M`. */
  sourcePatientInfo: string[];
  creationTime?: string;
  serviceStartTime?: string;
  serviceStopTime?: string;
  languageCode?: string;
  legalAuthenticator?: string;
  /** SHA-1, hexadecimal. */
  hash?: string;
  size?: number;
  authors: XdsAuthor[];
  classCode?: Coded;
  typeCode?: Coded;
  formatCode?: Coded;
  healthcareFacilityType?: Coded;
  practiceSetting?: Coded;
  confidentiality: Coded[];
  eventCodes: Coded[];
}

export interface XdsSubmissionSet {
  id: string;
  uniqueId?: string;
  sourceId?: string;
  patientId?: string;
  submissionTime?: string;
  title?: string;
  contentType?: Coded;
  authors: XdsAuthor[];
}

export interface XdsMetadata {
  submissionSet?: XdsSubmissionSet;
  documents: XdsDocumentEntry[];
}

/** A CX patient id: value, assigning authority OID and type; INS read when the OID is an INS OID. */
export interface ParsedPatientId {
  valeur: string;
  oid: string;
  type?: string;
  ins?: PatientIns;
}

export function parsePatientId(cx: string | undefined): ParsedPatientId | null {
  if (!cx) return null;
  const m = /^([^^&]+)\^\^\^&([0-9.]+)&ISO(?:\^([A-Za-z]+))?$/.exec(cx.trim());
  if (!m) return null;
  const out: ParsedPatientId = { valeur: m[1] ?? '', oid: m[2] ?? '' };
  if (m[3]) out.type = m[3];
  const ins = insFrom(out.valeur, out.oid);
  if (ins) out.ins = ins;
  return out;
}

export function patientIdCx(valeur: string, oid: string, type = 'NH'): string {
  return `${valeur}^^^&${oid}&ISO^${type}`;
}

/** XCN of a professional identified by idNat_PS. */
export function authorXcn(p: CdaPerson): string | undefined {
  if (!p.id) return undefined;
  const root = p.idRoot ?? IDNPS_OID;
  const type = root === IDNPS_OID ? 'IDNPS' : '';
  return `${hl7(p.id)}^${hl7(p.nom ?? '')}^${hl7(p.prenom ?? '')}^^^^^^&${root}&ISO^D^^^${type}`;
}

/** XON of the organisation. */
export function institutionXon(p: CdaPerson): string | undefined {
  const o = p.organisation;
  if (!o?.nom) return undefined;
  if (!o.id) return hl7(o.nom);
  return `${hl7(o.nom)}^^^^^&${o.idRoot ?? IDNST_OID}&ISO^IDNST^^^${hl7(o.id)}`;
}

/** Removes the HL7 v2 delimiters from a value. */
function hl7(value: string): string {
  return value.replace(/[\^&~\\|\r\n]/g, ' ').trim();
}

// ---------------------------------------------------------------------------
// Writing

const slot = (name: string, values: readonly (string | undefined)[]) => {
  const kept = values.filter((v): v is string => v !== undefined && v !== '');
  if (kept.length === 0) return '';
  return `<rim:Slot name="${escapeXml(name)}"><rim:ValueList>${kept.map((v) => `<rim:Value>${escapeXml(v)}</rim:Value>`).join('')}</rim:ValueList></rim:Slot>`;
};
const localized = (tag: 'Name' | 'Description', value: string | undefined) =>
  value ? `<rim:${tag}><rim:LocalizedString xml:lang="fr-FR" charset="UTF-8" value="${escapeXml(value)}"/></rim:${tag}>` : '';

let counter = 0;
const nextId = (prefix: string) => `${prefix}${++counter}`;

function classification(scheme: string, object: string, code: Coded | undefined): string {
  if (!code) return '';
  return `<rim:Classification classificationScheme="${scheme}" classifiedObject="${escapeXml(object)}" id="${nextId('cl')}" nodeRepresentation="${escapeXml(code.code)}">${slot('codingScheme', [code.codeSystem])}${localized('Name', code.displayName ?? code.code)}</rim:Classification>`;
}

function authorClassification(scheme: string, object: string, a: XdsAuthor): string {
  if (!a.person && !a.institution) return '';
  return `<rim:Classification classificationScheme="${scheme}" classifiedObject="${escapeXml(object)}" id="${nextId('cl')}" nodeRepresentation="">${slot('authorPerson', [a.person])}${slot('authorInstitution', [a.institution])}</rim:Classification>`;
}

function externalId(scheme: string, object: string, value: string | undefined, name: string): string {
  if (!value) return '';
  return `<rim:ExternalIdentifier id="${nextId('ei')}" identificationScheme="${scheme}" registryObject="${escapeXml(object)}" value="${escapeXml(value)}">${localized('Name', name)}</rim:ExternalIdentifier>`;
}

/** The METADATA.XML of one subset. */
export function buildMetadataXml(meta: Required<Pick<XdsMetadata, 'documents'>> & { submissionSet: XdsSubmissionSet }): string {
  counter = 0;
  const ss = meta.submissionSet;
  const parts: string[] = [];
  parts.push(
    `<rim:RegistryPackage id="${escapeXml(ss.id)}">`,
    slot('submissionTime', [ss.submissionTime]),
    localized('Name', ss.title),
    ...ss.authors.map((a) => authorClassification(XDS.ssAuthor, ss.id, a)),
    classification(XDS.ssContentType, ss.id, ss.contentType),
    externalId(XDS.ssUniqueId, ss.id, ss.uniqueId, 'XDSSubmissionSet.uniqueId'),
    externalId(XDS.ssSourceId, ss.id, ss.sourceId, 'XDSSubmissionSet.sourceId'),
    externalId(XDS.ssPatientId, ss.id, ss.patientId, 'XDSSubmissionSet.patientId'),
    `</rim:RegistryPackage>`,
    `<rim:Classification classifiedObject="${escapeXml(ss.id)}" classificationNode="${XDS.submissionSetNode}" id="${nextId('cl')}"/>`,
  );
  for (const d of meta.documents) {
    parts.push(
      `<rim:ExtrinsicObject id="${escapeXml(d.id)}" mimeType="${escapeXml(d.mimeType)}" objectType="${XDS.documentEntryType}">`,
      slot('creationTime', [d.creationTime]),
      slot('languageCode', [d.languageCode]),
      slot('legalAuthenticator', [d.legalAuthenticator]),
      slot('serviceStartTime', [d.serviceStartTime]),
      slot('serviceStopTime', [d.serviceStopTime]),
      slot('sourcePatientId', [d.sourcePatientId]),
      slot('sourcePatientInfo', d.sourcePatientInfo),
      slot('hash', [d.hash]),
      slot('size', [d.size === undefined ? undefined : String(d.size)]),
      slot('URI', [d.uri]),
      localized('Name', d.title),
      ...d.authors.map((a) => authorClassification(XDS.deAuthor, d.id, a)),
      classification(XDS.deClassCode, d.id, d.classCode),
      ...d.confidentiality.map((c) => classification(XDS.deConfidentiality, d.id, c)),
      ...d.eventCodes.map((c) => classification(XDS.deEventCode, d.id, c)),
      classification(XDS.deFormatCode, d.id, d.formatCode),
      classification(XDS.deFacilityType, d.id, d.healthcareFacilityType),
      classification(XDS.dePracticeSetting, d.id, d.practiceSetting),
      classification(XDS.deTypeCode, d.id, d.typeCode),
      externalId(XDS.dePatientId, d.id, d.patientId, 'XDSDocumentEntry.patientId'),
      externalId(XDS.deUniqueId, d.id, d.uniqueId, 'XDSDocumentEntry.uniqueId'),
      `</rim:ExtrinsicObject>`,
      `<rim:Association associationType="${XDS.hasMember}" id="${nextId('as')}" sourceObject="${escapeXml(ss.id)}" targetObject="${escapeXml(d.id)}">${slot('SubmissionSetStatus', ['Original'])}</rim:Association>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<lcm:SubmitObjectsRequest xmlns:lcm="${LCM_NS}" xmlns:rim="${RIM_NS}"><rim:RegistryObjectList>${parts.join('')}</rim:RegistryObjectList></lcm:SubmitObjectsRequest>\n`;
}

// ---------------------------------------------------------------------------
// Reading

function slotValues(owner: XmlElement, name: string): string[] {
  const s = children(owner, 'Slot').find((e) => attr(e, 'name') === name);
  return s ? children(child(s, 'ValueList'), 'Value').map((v) => v.text.trim()) : [];
}
const slotValue = (owner: XmlElement, name: string) => slotValues(owner, name)[0] || undefined;

function localizedValue(owner: XmlElement, tag: 'Name' | 'Description'): string | undefined {
  return attr(child(child(owner, tag), 'LocalizedString'), 'value') || undefined;
}

function codedFrom(c: XmlElement): Coded | undefined {
  const code = attr(c, 'nodeRepresentation');
  if (!code) return undefined;
  const out: Coded = { code };
  const system = slotValue(c, 'codingScheme');
  const display = localizedValue(c, 'Name');
  if (system) out.codeSystem = system;
  if (display) out.displayName = display;
  return out;
}

function authorsFrom(classifications: XmlElement[], scheme: string): XdsAuthor[] {
  return classifications
    .filter((c) => attr(c, 'classificationScheme') === scheme)
    .map((c) => {
      const a: XdsAuthor = {};
      const person = slotValue(c, 'authorPerson');
      const institution = slotValue(c, 'authorInstitution');
      if (person) a.person = person;
      if (institution) a.institution = institution;
      return a;
    });
}

function externalValue(owner: XmlElement, scheme: string, name: string): string | undefined {
  const ids = children(owner, 'ExternalIdentifier');
  const e = ids.find((i) => attr(i, 'identificationScheme') === scheme) ?? ids.find((i) => localizedValue(i, 'Name') === name);
  return attr(e, 'value') || undefined;
}

export interface ReadMetadataResult {
  metadata: XdsMetadata;
  avertissements: string[];
}

/** Reads a METADATA.XML (bounded; French errors). */
export function readMetadataXml(bytes: Uint8Array | string, name = 'METADATA.XML', limits: Partial<XmlLimits> = {}): ReadMetadataResult {
  const { root, prefixesNonDeclares } = parseXml(bytes, name, {
    maxBytes: 4 * 1024 * 1024,
    maxElements: 50_000,
    maxTextChars: 2 * 1024 * 1024,
    ...limits,
  });
  const avertissements: string[] = [];
  if (prefixesNonDeclares) {
    avertissements.push(
      `${name} utilise des préfixes d’espace de noms non déclarés (XML non conforme, comme l’échantillon de l’ANS) : lu par nom local des éléments.`,
    );
  } else if (root.uri !== LCM_NS) {
    avertissements.push(`${name} : élément racine dans un espace de noms inattendu (« ${root.uri || 'aucun'} »).`);
  }
  if (root.local !== 'SubmitObjectsRequest' && root.local !== 'ProvideAndRegisterDocumentSetRequest') {
    throw new CabinetError(
      'INVALID_REQUEST',
      `${name} refusé : SubmitObjectsRequest attendu comme élément racine (trouvé « ${root.local} »).`,
      { reason: 'metadata' },
    );
  }
  const pkgs = descendants(root, 'RegistryPackage');
  const extrinsics = descendants(root, 'ExtrinsicObject');
  if (extrinsics.length === 0)
    throw new CabinetError('INVALID_REQUEST', `${name} refusé : aucun document (ExtrinsicObject) décrit.`, { reason: 'metadata' });
  const metadata: XdsMetadata = { documents: [] };
  const pkg = pkgs[0];
  if (pkgs.length > 1) avertissements.push(`${name} décrit ${pkgs.length} lots de soumission : seul le premier est lu.`);
  if (pkg) {
    const classifications = children(pkg, 'Classification');
    const ss: XdsSubmissionSet = { id: attr(pkg, 'id') ?? '', authors: authorsFrom(classifications, XDS.ssAuthor) };
    const uniqueId = externalValue(pkg, XDS.ssUniqueId, 'XDSSubmissionSet.uniqueId');
    const sourceId = externalValue(pkg, XDS.ssSourceId, 'XDSSubmissionSet.sourceId');
    const patientId = externalValue(pkg, XDS.ssPatientId, 'XDSSubmissionSet.patientId');
    const submissionTime = slotValue(pkg, 'submissionTime');
    const title = localizedValue(pkg, 'Name');
    const content = classifications.find((c) => attr(c, 'classificationScheme') === XDS.ssContentType);
    if (uniqueId) ss.uniqueId = uniqueId;
    if (sourceId) ss.sourceId = sourceId;
    if (patientId) ss.patientId = patientId;
    if (submissionTime) ss.submissionTime = submissionTime;
    if (title) ss.title = title;
    const ct = content ? codedFrom(content) : undefined;
    if (ct) ss.contentType = ct;
    metadata.submissionSet = ss;
  } else {
    avertissements.push(`${name} ne contient pas de lot de soumission (RegistryPackage).`);
  }
  for (const e of extrinsics) {
    const classifications = children(e, 'Classification');
    const byScheme = (scheme: string) =>
      classifications
        .filter((c) => attr(c, 'classificationScheme') === scheme)
        .map(codedFrom)
        .filter((c): c is Coded => c !== undefined);
    const d: XdsDocumentEntry = {
      id: attr(e, 'id') ?? '',
      mimeType: attr(e, 'mimeType') ?? 'application/octet-stream',
      sourcePatientInfo: slotValues(e, 'sourcePatientInfo'),
      authors: authorsFrom(classifications, XDS.deAuthor),
      confidentiality: byScheme(XDS.deConfidentiality),
      eventCodes: byScheme(XDS.deEventCode),
    };
    const set = <K extends keyof XdsDocumentEntry>(key: K, value: XdsDocumentEntry[K] | undefined) => {
      if (value !== undefined) d[key] = value;
    };
    set('uri', slotValue(e, 'URI'));
    set('uniqueId', externalValue(e, XDS.deUniqueId, 'XDSDocumentEntry.uniqueId'));
    set('patientId', externalValue(e, XDS.dePatientId, 'XDSDocumentEntry.patientId'));
    set('title', localizedValue(e, 'Name'));
    set('sourcePatientId', slotValue(e, 'sourcePatientId'));
    set('creationTime', slotValue(e, 'creationTime'));
    set('serviceStartTime', slotValue(e, 'serviceStartTime'));
    set('serviceStopTime', slotValue(e, 'serviceStopTime'));
    set('languageCode', slotValue(e, 'languageCode'));
    set('legalAuthenticator', slotValue(e, 'legalAuthenticator'));
    set('hash', slotValue(e, 'hash')?.toLowerCase());
    const size = slotValue(e, 'size');
    if (size !== undefined) {
      if (/^\d{1,15}$/.test(size)) d.size = Number(size);
      else avertissements.push(`${name} : taille « ${size.slice(0, 40)} » illisible pour le document ${d.id}.`);
    }
    set('classCode', byScheme(XDS.deClassCode)[0]);
    set('typeCode', byScheme(XDS.deTypeCode)[0]);
    set('formatCode', byScheme(XDS.deFormatCode)[0]);
    set('healthcareFacilityType', byScheme(XDS.deFacilityType)[0]);
    set('practiceSetting', byScheme(XDS.dePracticeSetting)[0]);
    metadata.documents.push(d);
  }
  return { metadata, avertissements };
}
