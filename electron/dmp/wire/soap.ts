/**
 * SOAP 1.2 / WS-Addressing / ebRIM / IHE XDS.b constants for the DMP, shared
 * by the client and the sandbox. Sources: IHE ITI TF-2/TF-3 (UUIDs, actions),
 * the research notes `/work/shared/reference/notes/dmp-cda.md` §1.5, §1.6,
 * §2.2, §2.3 (DMP codes); classification UUIDs cross-checked against public
 * XDS implementations (XdsKit, NIST toolkit's MetadataSupport).
 */
import { escapeXmlAttr } from '../../platform/xml/escape.js';

export const NS = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  wsa: 'http://www.w3.org/2005/08/addressing',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  xop: 'http://www.w3.org/2004/08/xop/include',
  xdsb: 'urn:ihe:iti:xds-b:2007',
  lcm: 'urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0',
  rim: 'urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0',
  rs: 'urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0',
  query: 'urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0',
} as const;

export const WSA_ANONYMOUS = 'http://www.w3.org/2005/08/addressing/anonymous';

/** WS-Addressing actions (request / response) of the XDS transactions. */
export const ACTIONS = {
  iti41: {
    request: 'urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b',
    response: 'urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse',
  },
  iti18: { request: 'urn:ihe:iti:2007:RegistryStoredQuery', response: 'urn:ihe:iti:2007:RegistryStoredQueryResponse' },
  iti43: { request: 'urn:ihe:iti:2007:RetrieveDocumentSet', response: 'urn:ihe:iti:2007:RetrieveDocumentSetResponse' },
  iti57: { request: 'urn:ihe:iti:2010:UpdateDocumentSet', response: 'urn:ihe:iti:2010:UpdateDocumentSetResponse' },
} as const;
export type XdsTransaction = keyof typeof ACTIONS;

/** ebRIM classification schemes (`urn:uuid:` included). */
export const SCHEME = {
  docClassCode: 'urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a',
  docTypeCode: 'urn:uuid:f0306f51-975f-434e-a61c-c59651d33983',
  docFormatCode: 'urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d',
  docConfidentialityCode: 'urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f',
  docHealthcareFacilityTypeCode: 'urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1',
  docPracticeSettingCode: 'urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead',
  docEventCodeList: 'urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4',
  docAuthor: 'urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d',
  ssAuthor: 'urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d',
  ssContentTypeCode: 'urn:uuid:aa543740-bdda-424e-8c96-df4873be8500',
} as const;

/** ebRIM external identifier schemes. */
export const EXTERNAL_ID = {
  docPatientId: 'urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427',
  docUniqueId: 'urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab',
  ssPatientId: 'urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446',
  ssUniqueId: 'urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8',
  ssSourceId: 'urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832',
} as const;

/** Names of the ExternalIdentifier elements, as IHE requires them. */
export const EXTERNAL_ID_NAME: Record<string, string> = {
  [EXTERNAL_ID.docPatientId]: 'XDSDocumentEntry.patientId',
  [EXTERNAL_ID.docUniqueId]: 'XDSDocumentEntry.uniqueId',
  [EXTERNAL_ID.ssPatientId]: 'XDSSubmissionSet.patientId',
  [EXTERNAL_ID.ssUniqueId]: 'XDSSubmissionSet.uniqueId',
  [EXTERNAL_ID.ssSourceId]: 'XDSSubmissionSet.sourceId',
};

/** Object types and classification nodes. */
export const OBJECT_TYPE = {
  stableDocumentEntry: 'urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1',
  onDemandDocumentEntry: 'urn:uuid:34268e47-fdf5-41a6-ba33-82133c465248',
  submissionSetNode: 'urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd',
  registryPackage: 'urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage',
  classification: 'urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification',
  externalIdentifier: 'urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier',
  association: 'urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Association',
} as const;

export const ASSOCIATION = {
  hasMember: 'urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember',
  replace: 'urn:ihe:iti:2007:AssociationType:RPLC',
  signs: 'urn:ihe:iti:2007:AssociationType:signs',
  updateAvailabilityStatus: 'urn:ihe:iti:2010:AssociationType:UpdateAvailabilityStatus',
} as const;

/** availabilityStatus values (J52): two ebRIM ones, two DMP (CI-SIS) ones. */
export const STATUS = {
  Approved: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved',
  Deprecated: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated',
  Archived: 'urn:asip:ci-sis:2010:StatusType:Archived',
  Deleted: 'urn:asip:ci-sis:2010:StatusType:Deleted',
} as const;
export type StatusName = keyof typeof STATUS;

export function statusName(urn: string): StatusName | null {
  for (const [name, value] of Object.entries(STATUS)) if (value === urn) return name as StatusName;
  return null;
}

export const RESPONSE_STATUS = {
  success: 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success',
  failure: 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure',
  partialSuccess: 'urn:ihe:iti:2007:ResponseStatusType:PartialSuccess',
} as const;

export const ERROR_SEVERITY = {
  error: 'urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error',
  warning: 'urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Warning',
} as const;

/** ITI-18 stored queries (`urn:uuid:` included). */
export const STORED_QUERY = {
  FindDocuments: 'urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d',
  FindSubmissionSets: 'urn:uuid:f26abbcb-ac74-4422-8a30-edb644bbc1a9',
  GetAll: 'urn:uuid:10b545ea-725c-446d-9b95-8aeb444eddf3',
  GetDocuments: 'urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4',
  GetAssociations: 'urn:uuid:a7ae438b-4bc2-4642-93e9-be891f7bb155',
  GetDocumentsAndAssociations: 'urn:uuid:bab9529a-4a10-40b3-a01f-f68a615d247a',
  GetSubmissionSets: 'urn:uuid:51224314-5390-4169-9b91-b1980040715a',
  GetSubmissionSetAndContents: 'urn:uuid:e8e3cb2c-e39c-46b9-99e4-c12f57260b83',
  GetFolders: 'urn:uuid:5737b14c-8a1a-4539-b659-e03a34a5e1e4',
  GetRelatedDocuments: 'urn:uuid:d90e5407-b356-4d91-a89f-873917b4b0e6',
} as const;
export type StoredQueryName = keyof typeof STORED_QUERY;

/** IHE XDS error codes (ITI TF-3 Table 4.2.4.1-2) Cabinet reacts to. */
export const XDS_ERRORS = {
  registry: 'XDSRegistryError',
  repository: 'XDSRepositoryError',
  registryMetadata: 'XDSRegistryMetadataError',
  repositoryMetadata: 'XDSRepositoryMetadataError',
  duplicateUniqueId: 'XDSDuplicateUniqueIdInRegistry',
  patientIdDoesNotMatch: 'XDSPatientIdDoesNotMatch',
  unknownPatientId: 'XDSUnknownPatientId',
  documentUniqueIdError: 'XDSDocumentUniqueIdError',
  missingDocument: 'XDSMissingDocument',
  missingDocumentMetadata: 'XDSMissingDocumentMetadata',
  nonIdenticalHash: 'XDSNonIdenticalHash',
  nonIdenticalSize: 'XDSNonIdenticalSize',
  unknownRepositoryId: 'XDSUnknownRepositoryId',
  tooManyResults: 'XDSTooManyResults',
  storedQueryParamNumber: 'XDSStoredQueryParamNumber',
  storedQueryMissingParam: 'XDSStoredQueryMissingParam',
  registryBusy: 'XDSRegistryBusy',
  repositoryBusy: 'XDSRepositoryBusy',
  registryOutOfResources: 'XDSRegistryOutOfResources',
  repositoryOutOfResources: 'XDSRepositoryOutOfResources',
  unknownStoredQuery: 'XDSUnknownStoredQuery',
  metadataUpdateError: 'XDSMetadataUpdateError',
  metadataVersionError: 'XDSMetadataVersionError',
  unresolvedReference: 'UnresolvedReferenceException',
} as const;

/** DMP-specific codes (notes §2.3). */
export const DMP_CODES = {
  /** TRE_A07-StatutVisibiliteDocument, carried as extra confidentialityCode values. */
  visibilityScheme: '1.2.250.1.213.1.1.4.13',
  masquePs: 'MASQUE_PS',
  invisiblePatient: 'INVISIBLE_PATIENT',
  invisibleRepresentants: 'INVISIBLE_REPRESENTANTS_LEGAUX',
  /** HL7 Confidentiality (N/R/V). */
  confidentialityScheme: '2.16.840.1.113883.5.25',
  /** TRE_R209-TypeActivite (SubmissionSet contentTypeCode, J59). */
  contentTypeScheme: '1.2.250.1.213.2.2',
  /** INS OIDs. */
  insNir: '1.2.250.1.213.1.4.8',
  insNia: '1.2.250.1.213.1.4.9',
  insNirTest: '1.2.250.1.213.1.4.10',
  idNatPs: '1.2.250.1.71.4.2.1',
  idNatStruct: '1.2.250.1.71.4.2.2',
  /** Signature document of the submission set (notes §1.6). */
  signatureClassCode: 'urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1',
  signatureFormatCode: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

/**
 * Escapes text for XML content and attribute values (the toolkit's
 * {@link escapeXmlAttr}): what XML 1.0 cannot carry is refused, naming `field`.
 */
export function xmlEscape(value: string, field = 'donnée envoyée au DMP'): string {
  return escapeXmlAttr(value, field);
}

/** XDS DTM in UTC: `YYYYMMDDhhmmss`. */
export function xdsTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('date invalide');
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** Parses an XDS DTM (4 to 14 digits, UTC) into an ISO instant; null when malformed. */
export function parseXdsTime(value: string): string | null {
  const v = value.trim();
  if (!/^\d{4}(\d{2}){0,5}$/.test(v)) return null;
  const part = (from: number, fallback: number) => (v.length > from ? Number(v.slice(from, from + 2)) : fallback);
  const y = Number(v.slice(0, 4));
  const mo = part(4, 1);
  const d = part(6, 1);
  const h = part(8, 0);
  const mi = part(10, 0);
  const s = part(12, 0);
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Day beyond the month's end (e.g. 31 April) rolls over: refuse it.
  if (date.getUTCDate() !== d) return null;
  return date.toISOString();
}

/** A fresh `urn:uuid:` identifier. */
export function urnUuid(uuid: string): string {
  return `urn:uuid:${uuid}`;
}
