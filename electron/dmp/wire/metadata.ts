/**
 * XDS.b metadata for an ITI-41 feed (TD2.1/TD2.2), built from the CDA header
 * (notes dmp-cda.md §2.1–2.3): one DocumentEntry (ExtrinsicObject), one
 * SubmissionSet (RegistryPackage), the HasMember association and, for a
 * replacement, the RPLC association to the replaced entry.
 *
 * The header is read from the CDA bytes with a streaming parser (saxes) that
 * stops at the body, so a 20 MB PDF in base64 costs nothing: the client only
 * receives the CDA (`DmpFeedDocument.cda`), and the metadata must agree with
 * what the DMP will read in it.
 *
 * The signed submission set the DMP requires for TD2 (notes §1.6, issue 5),
 * behind the `signature` option: the signature document itself is built by
 * `signature.ts` (IHE DSG detached XAdES); here, its entry as Mediboard's
 * public code shapes it — a second ExtrinsicObject (text/xml, classCode
 * `urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1` « Digital Signature » codingScheme
 * `URN`, formatCode `http://www.w3.org/2000/09/xmldsig#`, confidentiality N,
 * languageCode `art`, title « Source »), HasMember from the submission set to
 * it, and the IHE DSG `signs` association from it to the submission set. Its
 * typeCode `E1762` (ASTM « Full Document ») is IHE DSG's; its facility and
 * practice-setting codes are the signed document's (XDS requires them).
 * Unknown (the non-public DMPi guide, SEL-MP-037): the DMP's exact profile
 * and checks. The authorPerson/authorInstitution type codes (IDNPS/IDNST)
 * are the CI-SIS convention as recalled in the notes [I].
 */
import { createHash, randomUUID } from 'node:crypto';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { CLASS_CODES, CLASS_FOR_TYPE, FORMAT_CODE_PDF, isTypeCode, type CodedValue } from '../../../shared/domain/cda/value-sets.js';
import { BoundedXmlReader } from '../../platform/xml/bounded.js';
import type { DmpVisibility } from '../client/api.js';
import { xopInclude } from './mtom.js';
import { SIGNATURE_CONTENT_ID } from './signature.js';
import { ASSOCIATION, DMP_CODES, EXTERNAL_ID, EXTERNAL_ID_NAME, NS, OBJECT_TYPE, SCHEME, urnUuid, xdsTime, xmlEscape } from './soap.js';

export interface CdaIdValue {
  root: string;
  extension?: string;
}

/** What XDS needs from a CDA header. */
export interface CdaHeader {
  id: CdaIdValue;
  uniqueId: string;
  type: CodedValue;
  title: string;
  /** ISO instant. */
  effectiveTime: string;
  confidentiality: CodedValue;
  languageCode: string;
  setId: CdaIdValue | null;
  versionNumber: number | null;
  /** Patient ids of recordTarget/patientRole (INS and possibly an IPP). */
  patientIds: CdaIdValue[];
  patient: { family: string | null; given: string | null; gender: string | null; birthTime: string | null };
  author: Person & { specialty: CodedValue | null; institution: { id: string | null; name: string | null } };
  legalAuthenticator: Person | null;
  serviceStart: string | null;
  serviceStop: string | null;
  practiceSetting: CodedValue | null;
  healthcareFacilityType: CodedValue | null;
  /** Id of the document replaced (relatedDocument RPLC). */
  replaces: CdaIdValue | null;
  mimeType: 'text/xml';
}

interface Person {
  idNat: string | null;
  family: string | null;
  given: string | null;
}

const MAX_HEADER_SCAN = 4 * 1024 * 1024;
/** The CDA header nests a dozen levels (…/serviceEvent/performer/assignedEntity/representedOrganization/…). */
const MAX_HEADER_DEPTH = 64;
const HEADER_BUDGET_MS = 5_000;
const HEADER_STEP = 8 * 1024;

function refuse(message: string): never {
  throw new CabinetError('INVALID_REQUEST', message);
}

/** HL7 TS (`YYYYMMDDhhmmss[.fff][+zzzz]`) → ISO instant (UTC). */
export function hl7TsToIso(ts: string): string | null {
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?$/.exec(ts.trim());
  if (!m) return null;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', tz] = m;
  const zone = tz ? `${tz.slice(0, 3)}:${tz.slice(3)}` : 'Z';
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${zone}`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function coded(attrs: Record<string, string>): CodedValue | null {
  if (!attrs.code || !attrs.codeSystem) return null;
  return { code: attrs.code, codeSystem: attrs.codeSystem, displayName: attrs.displayName ?? attrs.code };
}

function idOf(attrs: Record<string, string>): CdaIdValue | null {
  if (!attrs.root) return null;
  return attrs.extension ? { root: attrs.root, extension: attrs.extension } : { root: attrs.root };
}

/** `root` or `root^extension`. */
export function uniqueIdOf(id: CdaIdValue): string {
  return id.extension ? `${id.root}^${id.extension}` : id.root;
}

/**
 * Reads the CDA header (everything before the body) with saxes. Refuses a
 * document that is not a CDA or lacks what XDS requires, in French.
 */
export function readCdaHeader(cda: Buffer | string): CdaHeader {
  const stack: string[] = [];
  let done = false;
  let textBuf = '';
  const h: Partial<CdaHeader> & { patientIds: CdaIdValue[] } = { patientIds: [], replaces: null, setId: null, versionNumber: null };
  const patient: CdaHeader['patient'] = { family: null, given: null, gender: null, birthTime: null };
  const author: CdaHeader['author'] = { idNat: null, family: null, given: null, specialty: null, institution: { id: null, name: null } };
  let legal: Person | null = null;
  let authors = 0;
  let rootSeen = false;
  const opentag = (tag: { local: string; name: string; uri: string; attributes: Record<string, { local: string; value: string }> }) => {
    if (done) return;
    const name = tag.local ?? tag.name;
    if (stack.length === 0) {
      if (name !== 'ClinicalDocument' || tag.uri !== 'urn:hl7-org:v3') refuse('Le document n’est pas un CDA R2 (ClinicalDocument).');
      rootSeen = true;
    }
    stack.push(name);
    textBuf = '';
    const path = stack.join('/');
    const attrs: Record<string, string> = {};
    for (const v of Object.values(tag.attributes)) attrs[v.local] = v.value;
    if (name === 'author' && stack.length === 2) authors++;
    switch (path) {
      case 'ClinicalDocument/component':
        done = true;
        reader.stop();
        break;
      case 'ClinicalDocument/id':
        h.id = idOf(attrs) ?? refuse('Le CDA n’a pas d’identifiant (id@root).');
        break;
      case 'ClinicalDocument/code':
        h.type = coded(attrs) ?? refuse('Le CDA n’a pas de code de type de document.');
        break;
      case 'ClinicalDocument/effectiveTime':
        h.effectiveTime = hl7TsToIso(attrs.value ?? '') ?? refuse('La date du CDA (effectiveTime) est invalide.');
        break;
      case 'ClinicalDocument/confidentialityCode':
        h.confidentiality = coded(attrs) ?? refuse('Le CDA n’a pas de code de confidentialité.');
        break;
      case 'ClinicalDocument/languageCode':
        h.languageCode = attrs.code ?? 'fr-FR';
        break;
      case 'ClinicalDocument/setId':
        h.setId = idOf(attrs);
        break;
      case 'ClinicalDocument/versionNumber':
        h.versionNumber = attrs.value && /^\d+$/.test(attrs.value) ? Number(attrs.value) : null;
        break;
      case 'ClinicalDocument/recordTarget/patientRole/id': {
        const id = idOf(attrs);
        if (id) h.patientIds.push(id);
        break;
      }
      case 'ClinicalDocument/recordTarget/patientRole/patient/administrativeGenderCode':
        patient.gender = attrs.code ?? null;
        break;
      case 'ClinicalDocument/recordTarget/patientRole/patient/birthTime':
        patient.birthTime = attrs.value ?? null;
        break;
      case 'ClinicalDocument/author/assignedAuthor/id':
        if (authors === 1 && !author.idNat && attrs.root === DMP_CODES.idNatPs) author.idNat = attrs.extension ?? null;
        break;
      case 'ClinicalDocument/author/assignedAuthor/code':
        if (authors === 1) author.specialty = coded(attrs);
        break;
      case 'ClinicalDocument/author/assignedAuthor/representedOrganization/id':
        if (authors === 1 && !author.institution.id) author.institution.id = attrs.extension ?? attrs.root ?? null;
        break;
      case 'ClinicalDocument/legalAuthenticator/assignedEntity':
        legal = { idNat: null, family: null, given: null };
        break;
      case 'ClinicalDocument/legalAuthenticator/assignedEntity/id':
        if (legal && !legal.idNat && attrs.root === DMP_CODES.idNatPs) legal.idNat = attrs.extension ?? null;
        break;
      case 'ClinicalDocument/documentationOf/serviceEvent/effectiveTime/low':
        if (!h.serviceStart) h.serviceStart = hl7TsToIso(attrs.value ?? '');
        break;
      case 'ClinicalDocument/documentationOf/serviceEvent/effectiveTime/high':
        if (!h.serviceStop) h.serviceStop = hl7TsToIso(attrs.value ?? '');
        break;
      case 'ClinicalDocument/documentationOf/serviceEvent/performer/assignedEntity/representedOrganization/standardIndustryClassCode':
        if (!h.practiceSetting) h.practiceSetting = coded(attrs);
        break;
      case 'ClinicalDocument/componentOf/encompassingEncounter/location/healthCareFacility/code':
        h.healthcareFacilityType = coded(attrs);
        break;
      case 'ClinicalDocument/relatedDocument/parentDocument/id':
        h.replaces = idOf(attrs);
        break;
    }
  };
  const closetag = () => {
    if (done) return;
    const path = stack.join('/');
    const value = textBuf.trim();
    switch (path) {
      case 'ClinicalDocument/title':
        h.title = value;
        break;
      case 'ClinicalDocument/recordTarget/patientRole/patient/name/family':
        if (!patient.family) patient.family = value;
        break;
      case 'ClinicalDocument/recordTarget/patientRole/patient/name/given':
        if (!patient.given) patient.given = value;
        break;
      case 'ClinicalDocument/author/assignedAuthor/assignedPerson/name/family':
        if (authors === 1) author.family = value;
        break;
      case 'ClinicalDocument/author/assignedAuthor/assignedPerson/name/given':
        if (authors === 1 && !author.given) author.given = value;
        break;
      case 'ClinicalDocument/author/assignedAuthor/representedOrganization/name':
        if (authors === 1) author.institution.name = value;
        break;
      case 'ClinicalDocument/legalAuthenticator/assignedEntity/assignedPerson/name/family':
        if (legal) legal.family = value;
        break;
      case 'ClinicalDocument/legalAuthenticator/assignedEntity/assignedPerson/name/given':
        if (legal && !legal.given) legal.given = value;
        break;
    }
    stack.pop();
    textBuf = '';
  };
  const reader: BoundedXmlReader<{ xmlns: true }> = new BoundedXmlReader(
    {
      label: 'Document CDA',
      // Only the header is read: the size limit applies to what is read before the body.
      maxBytes: MAX_HEADER_SCAN + HEADER_STEP,
      maxDepth: MAX_HEADER_DEPTH,
      deadlineMs: HEADER_BUDGET_MS,
      refuse: (message, reason) =>
        new CabinetError(
          'INVALID_REQUEST',
          reason === 'doctype'
            ? 'Le document CDA ne doit pas contenir de DTD.'
            : reason === 'taille'
              ? 'L’en-tête du CDA est trop long (plus de 4 Mo avant le corps).'
              : reason === 'mal-forme' || reason === 'encodage'
                ? `Le document CDA n’est pas un XML bien formé : ${message}`
                : `En-tête du CDA illisible : ${message}.`,
          { reason },
        ),
    },
    { opentag, text: (t) => (textBuf += t), closetag },
    { xmlns: true },
  );
  // Only the header is decoded and parsed: the body (the PDF in base64) is never read.
  for (let i = 0; i < cda.length && !done; i += HEADER_STEP)
    reader.write(typeof cda === 'string' ? cda.slice(i, i + HEADER_STEP) : cda.subarray(i, i + HEADER_STEP));
  reader.close();
  if (!rootSeen) refuse('Le document n’est pas un CDA R2 (ClinicalDocument).');
  if (!h.id) refuse('Le CDA n’a pas d’identifiant (id@root).');
  if (!h.type) refuse('Le CDA n’a pas de code de type de document.');
  if (!h.effectiveTime) refuse('Le CDA n’a pas de date (effectiveTime).');
  if (!h.confidentiality) refuse('Le CDA n’a pas de code de confidentialité.');
  if (!author.idNat) refuse('L’auteur du CDA n’a pas d’identifiant national (idNat_PS).');
  return {
    id: h.id,
    uniqueId: uniqueIdOf(h.id),
    type: h.type,
    title: h.title ?? h.type.displayName,
    effectiveTime: h.effectiveTime,
    confidentiality: h.confidentiality,
    languageCode: h.languageCode ?? 'fr-FR',
    setId: h.setId ?? null,
    versionNumber: h.versionNumber ?? null,
    patientIds: h.patientIds,
    patient,
    author,
    legalAuthenticator: legal,
    serviceStart: h.serviceStart ?? null,
    serviceStop: h.serviceStop ?? null,
    practiceSetting: h.practiceSetting ?? null,
    healthcareFacilityType: h.healthcareFacilityType ?? null,
    replaces: h.replaces ?? null,
    mimeType: 'text/xml',
  };
}

/** CX of a patient id: `INS^^^&OID&ISO^NH`. */
export function patientCx(ins: { value: string; oid: string }): string {
  return `${ins.value}^^^&${ins.oid}&ISO^NH`;
}

/** XCN of a practitioner: `idNat^FAMILY^Given^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS`. */
export function personXcn(p: Person): string {
  const esc = (v: string | null) => (v ?? '').replace(/[|^~\\&]/g, ' ');
  return `${esc(p.idNat)}^${esc(p.family)}^${esc(p.given)}^^^^^^&${DMP_CODES.idNatPs}&ISO^D^^^IDNPS`;
}

/** XON of a structure: `Name^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^id`. */
export function institutionXon(inst: { id: string | null; name: string | null }): string | null {
  if (!inst.id) return null;
  const esc = (v: string | null) => (v ?? '').replace(/[|^~\\&]/g, ' ');
  return `${esc(inst.name ?? inst.id)}^^^^^&${DMP_CODES.idNatStruct}&ISO^IDNST^^^${esc(inst.id)}`;
}

/** The XDS confidentialityCode list: the CDA level, then the DMP visibility codes. */
export function confidentialityCodes(level: CodedValue, visibility: DmpVisibility): CodedValue[] {
  const out: CodedValue[] = [level];
  const v = (code: string, displayName: string): CodedValue => ({ code, codeSystem: DMP_CODES.visibilityScheme, displayName });
  if (visibility.masquePs) out.push(v(DMP_CODES.masquePs, 'Document masqué aux professionnels de santé'));
  if (visibility.invisiblePatient) out.push(v(DMP_CODES.invisiblePatient, 'Document non visible par le patient'));
  if (visibility.invisibleRepresentants)
    out.push(v(DMP_CODES.invisibleRepresentants, 'Document non visible par les représentants légaux du patient'));
  return out;
}

export function visibilityFromCodes(codes: { code: string; codeSystem: string }[]): DmpVisibility {
  const has = (c: string) => codes.some((x) => x.code === c && x.codeSystem === DMP_CODES.visibilityScheme);
  return {
    masquePs: has(DMP_CODES.masquePs),
    invisiblePatient: has(DMP_CODES.invisiblePatient),
    invisibleRepresentants: has(DMP_CODES.invisibleRepresentants),
  };
}

export function classCodeFor(type: CodedValue): CodedValue {
  const cls = isTypeCode(type.code) ? CLASS_FOR_TYPE[type.code] : null;
  const value = cls ? CLASS_CODES[cls] : CLASS_CODES['10'];
  return value;
}

// ---------------------------------------------------------------------------
// ebRIM writers

const slot = (name: string, values: string[]): string =>
  `<rim:Slot name="${xmlEscape(name)}"><rim:ValueList>${values.map((v) => `<rim:Value>${xmlEscape(v)}</rim:Value>`).join('')}</rim:ValueList></rim:Slot>`;
const nameEl = (value: string): string =>
  `<rim:Name><rim:LocalizedString xml:lang="fr-FR" charset="UTF-8" value="${xmlEscape(value)}"/></rim:Name>`;

function classification(scheme: string, object: string, value: CodedValue): string {
  return (
    `<rim:Classification id="${urnUuid(randomUUID())}" classificationScheme="${scheme}" classifiedObject="${xmlEscape(object)}" nodeRepresentation="${xmlEscape(value.code)}">` +
    slot('codingScheme', [value.codeSystem]) +
    nameEl(value.displayName) +
    '</rim:Classification>'
  );
}

function externalId(scheme: string, object: string, value: string): string {
  return (
    `<rim:ExternalIdentifier id="${urnUuid(randomUUID())}" identificationScheme="${scheme}" registryObject="${xmlEscape(object)}" value="${xmlEscape(value)}">` +
    nameEl(EXTERNAL_ID_NAME[scheme] ?? '') +
    '</rim:ExternalIdentifier>'
  );
}

function authorClassification(scheme: string, object: string, a: CdaHeader['author']): string {
  const inst = institutionXon(a.institution);
  return (
    `<rim:Classification id="${urnUuid(randomUUID())}" classificationScheme="${scheme}" classifiedObject="${xmlEscape(object)}" nodeRepresentation="">` +
    slot('authorPerson', [personXcn(a)]) +
    (inst ? slot('authorInstitution', [inst]) : '') +
    (a.specialty ? slot('authorSpecialty', [`${a.specialty.code}^${a.specialty.displayName}^${a.specialty.codeSystem}`]) : '') +
    '</rim:Classification>'
  );
}

export interface SubmissionInput {
  header: CdaHeader;
  /** The CDA bytes (size and SHA-1 are computed on them). */
  cda: Buffer;
  /** The patient's qualified INS (must be one of the CDA's patient ids). */
  ins: { value: string; oid: string };
  visibility: DmpVisibility;
  /** The OID identifying Cabinet (or the structure) as XDS source. */
  sourceId: string;
  /** SubmissionSet contentTypeCode (J59, TRE_R209); default 07 « Consultation externe ». */
  contentType?: CodedValue;
  /** The replaced document (RPLC). */
  replaces?: { entryUuid: string; uniqueId: string };
  /** Submission set uniqueId (default: a new `2.25.` OID). */
  submissionSetUniqueId?: string;
  /** The signature document of the submission set (`signature.ts`), signed over this same submissionSetUniqueId. */
  signature?: { content: Buffer; signingTime: Date; uniqueId?: string };
  now?: Date;
}

export interface BuiltSubmission {
  /** `lcm:SubmitObjectsRequest` (namespaces declared on it). */
  xml: string;
  documentEntryId: string;
  submissionSetId: string;
  submissionSetUniqueId: string;
  hash: string;
  size: number;
  /** The signature document's entry id, when signed. */
  signatureEntryId?: string;
}

/** IHE DSG signature document codes (notes §1.6, §2.3). */
export const SIGNATURE_CODES = {
  classCode: { code: DMP_CODES.signatureClassCode, codeSystem: 'URN', displayName: 'Digital Signature' },
  typeCode: { code: 'E1762', codeSystem: 'ASTM', displayName: 'Full Document' },
  formatCode: { code: DMP_CODES.signatureFormatCode, codeSystem: 'URN', displayName: 'Default Signature Style' },
  confidentiality: { code: 'N', codeSystem: DMP_CODES.confidentialityScheme, displayName: 'Normal' },
  languageCode: 'art',
  title: 'Source',
} as const;

export const DEFAULT_CONTENT_TYPE: CodedValue = {
  code: '07',
  codeSystem: DMP_CODES.contentTypeScheme,
  displayName: 'Consultation externe',
};

export function newUuidOid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

export const OID = /^[0-2](\.(0|[1-9]\d*))+$/;

/** Builds the `lcm:SubmitObjectsRequest` of an ITI-41 feed. */
export function buildSubmitObjects(input: SubmissionInput): BuiltSubmission {
  const { header: hd } = input;
  if (!OID.test(input.sourceId)) refuse('L’identifiant de source XDS (sourceId) doit être un OID.');
  const insInCda = hd.patientIds.some((id) => id.root === input.ins.oid && id.extension === input.ins.value);
  if (!insInCda) refuse('L’INS du patient ne correspond pas à celui du document CDA.');
  const now = input.now ?? new Date();
  const docId = urnUuid(randomUUID());
  const ssId = urnUuid(randomUUID());
  const ssUniqueId = input.submissionSetUniqueId ?? newUuidOid();
  const hash = createHash('sha1').update(input.cda).digest('hex');
  const size = input.cda.length;
  const cx = patientCx(input.ins);
  const pid: string[] = [`PID-3|${cx}`];
  if (hd.patient.family)
    pid.push(`PID-5|${hd.patient.family.replace(/[|^~\\&]/g, ' ')}^${(hd.patient.given ?? '').replace(/[|^~\\&]/g, ' ')}^^^^^L`);
  if (hd.patient.birthTime) pid.push(`PID-7|${hd.patient.birthTime}`);
  if (hd.patient.gender) pid.push(`PID-8|${hd.patient.gender}`);
  const creation = xdsTime(new Date(hd.effectiveTime));
  const doc =
    `<rim:ExtrinsicObject id="${docId}" mimeType="${hd.mimeType}" objectType="${OBJECT_TYPE.stableDocumentEntry}">` +
    slot('creationTime', [creation]) +
    slot('hash', [hash]) +
    slot('size', [String(size)]) +
    slot('languageCode', [hd.languageCode]) +
    (hd.legalAuthenticator?.idNat ? slot('legalAuthenticator', [personXcn(hd.legalAuthenticator)]) : '') +
    (hd.serviceStart ? slot('serviceStartTime', [xdsTime(new Date(hd.serviceStart))]) : '') +
    (hd.serviceStop ? slot('serviceStopTime', [xdsTime(new Date(hd.serviceStop))]) : '') +
    slot('sourcePatientId', [cx]) +
    slot('sourcePatientInfo', pid) +
    nameEl(hd.title) +
    authorClassification(SCHEME.docAuthor, docId, hd.author) +
    classification(SCHEME.docClassCode, docId, classCodeFor(hd.type)) +
    confidentialityCodes(hd.confidentiality, input.visibility)
      .map((c) => classification(SCHEME.docConfidentialityCode, docId, c))
      .join('') +
    classification(SCHEME.docFormatCode, docId, FORMAT_CODE_PDF) +
    (hd.healthcareFacilityType
      ? classification(SCHEME.docHealthcareFacilityTypeCode, docId, hd.healthcareFacilityType)
      : refuse('Le CDA n’indique pas le type de lieu de soins (healthCareFacility/code).')) +
    (hd.practiceSetting
      ? classification(SCHEME.docPracticeSettingCode, docId, hd.practiceSetting)
      : refuse('Le CDA n’indique pas le cadre d’exercice (standardIndustryClassCode).')) +
    classification(SCHEME.docTypeCode, docId, hd.type) +
    externalId(EXTERNAL_ID.docPatientId, docId, cx) +
    externalId(EXTERNAL_ID.docUniqueId, docId, hd.uniqueId) +
    '</rim:ExtrinsicObject>';
  const ss = buildSubmissionSet({
    id: ssId,
    uniqueId: ssUniqueId,
    sourceId: input.sourceId,
    patientCx: cx,
    author: hd.author,
    contentType: input.contentType,
    now,
  });
  const hasMember =
    `<rim:Association id="${urnUuid(randomUUID())}" associationType="${ASSOCIATION.hasMember}" sourceObject="${ssId}" targetObject="${docId}">` +
    slot('SubmissionSetStatus', ['Original']) +
    '</rim:Association>';
  let signature = '';
  let signatureEntryId: string | undefined;
  if (input.signature) {
    signatureEntryId = urnUuid(randomUUID());
    signature = buildSignatureEntry({
      id: signatureEntryId,
      ssId,
      content: input.signature.content,
      signingTime: input.signature.signingTime,
      uniqueId: input.signature.uniqueId ?? newUuidOid(),
      patientCx: cx,
      author: hd.author,
      healthcareFacilityType: hd.healthcareFacilityType!,
      practiceSetting: hd.practiceSetting!,
    });
  }
  let rplc = '';
  if (input.replaces) {
    if (!/^urn:uuid:[0-9a-f-]{36}$/i.test(input.replaces.entryUuid)) refuse('L’identifiant du document remplacé (entryUUID) est invalide.');
    rplc = `<rim:Association id="${urnUuid(randomUUID())}" associationType="${ASSOCIATION.replace}" sourceObject="${docId}" targetObject="${input.replaces.entryUuid}"/>`;
  }
  const xml =
    `<lcm:SubmitObjectsRequest xmlns:lcm="${NS.lcm}" xmlns:rim="${NS.rim}">` +
    `<rim:RegistryObjectList>${doc}${ss}${hasMember}${rplc}${signature}</rim:RegistryObjectList>` +
    '</lcm:SubmitObjectsRequest>';
  return {
    xml,
    documentEntryId: docId,
    submissionSetId: ssId,
    submissionSetUniqueId: ssUniqueId,
    hash,
    size,
    ...(signatureEntryId ? { signatureEntryId } : {}),
  };
}

/** The signature document's ExtrinsicObject, HasMember SS → it, and `signs` it → SS (IHE DSG). */
function buildSignatureEntry(input: {
  id: string;
  ssId: string;
  content: Buffer;
  signingTime: Date;
  uniqueId: string;
  patientCx: string;
  author: CdaHeader['author'];
  healthcareFacilityType: CodedValue;
  practiceSetting: CodedValue;
}): string {
  const { id } = input;
  const c = SIGNATURE_CODES;
  return (
    `<rim:ExtrinsicObject id="${id}" mimeType="text/xml" objectType="${OBJECT_TYPE.stableDocumentEntry}">` +
    slot('creationTime', [xdsTime(input.signingTime)]) +
    slot('hash', [createHash('sha1').update(input.content).digest('hex')]) +
    slot('size', [String(input.content.length)]) +
    slot('languageCode', [c.languageCode]) +
    slot('sourcePatientId', [input.patientCx]) +
    nameEl(c.title) +
    authorClassification(SCHEME.docAuthor, id, input.author) +
    classification(SCHEME.docClassCode, id, c.classCode) +
    classification(SCHEME.docConfidentialityCode, id, c.confidentiality) +
    classification(SCHEME.docFormatCode, id, c.formatCode) +
    classification(SCHEME.docHealthcareFacilityTypeCode, id, input.healthcareFacilityType) +
    classification(SCHEME.docPracticeSettingCode, id, input.practiceSetting) +
    classification(SCHEME.docTypeCode, id, c.typeCode) +
    externalId(EXTERNAL_ID.docPatientId, id, input.patientCx) +
    externalId(EXTERNAL_ID.docUniqueId, id, input.uniqueId) +
    '</rim:ExtrinsicObject>' +
    `<rim:Association id="${urnUuid(randomUUID())}" associationType="${ASSOCIATION.hasMember}" sourceObject="${input.ssId}" targetObject="${id}">` +
    slot('SubmissionSetStatus', ['Original']) +
    '</rim:Association>' +
    `<rim:Association id="${urnUuid(randomUUID())}" associationType="${ASSOCIATION.signs}" sourceObject="${id}" targetObject="${input.ssId}"/>`
  );
}

/** The SubmissionSet (RegistryPackage + its classification node), for ITI-41 and ITI-57. */
export function buildSubmissionSet(input: {
  id: string;
  uniqueId: string;
  sourceId: string;
  patientCx: string;
  author: CdaHeader['author'];
  contentType?: CodedValue | undefined;
  now: Date;
}): string {
  const { id } = input;
  return (
    `<rim:RegistryPackage id="${id}">` +
    slot('submissionTime', [xdsTime(input.now)]) +
    nameEl('Soumission Cabinet') +
    authorClassification(SCHEME.ssAuthor, id, input.author) +
    classification(SCHEME.ssContentTypeCode, id, input.contentType ?? DEFAULT_CONTENT_TYPE) +
    externalId(EXTERNAL_ID.ssUniqueId, id, input.uniqueId) +
    externalId(EXTERNAL_ID.ssSourceId, id, input.sourceId) +
    externalId(EXTERNAL_ID.ssPatientId, id, input.patientCx) +
    '</rim:RegistryPackage>' +
    `<rim:Classification id="${urnUuid(randomUUID())}" classifiedObject="${id}" classificationNode="${OBJECT_TYPE.submissionSetNode}"/>`
  );
}

/** Content-ID of the CDA in the ITI-41 MTOM message. */
export const CDA_CONTENT_ID = 'cda-1@cabinet';

/**
 * ITI-41 body: `xdsb:ProvideAndRegisterDocumentSetRequest` with the CDA as an
 * `xop:Include` (and, when signed, the signature document as a second one).
 */
export function buildProvideAndRegister(
  submission: BuiltSubmission,
  contentId = CDA_CONTENT_ID,
  signatureContentId = SIGNATURE_CONTENT_ID,
): string {
  return (
    `<xdsb:ProvideAndRegisterDocumentSetRequest xmlns:xdsb="${NS.xdsb}">` +
    submission.xml +
    `<xdsb:Document id="${submission.documentEntryId}">${xopInclude(contentId)}</xdsb:Document>` +
    (submission.signatureEntryId
      ? `<xdsb:Document id="${submission.signatureEntryId}">${xopInclude(signatureContentId)}</xdsb:Document>`
      : '') +
    '</xdsb:ProvideAndRegisterDocumentSetRequest>'
  );
}
