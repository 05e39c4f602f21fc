/**
 * Strict reading of an ebRIM `lcm:SubmitObjectsRequest` (ITI-41 and ITI-57)
 * from a DOM already validated against the XSD: the submission set, the
 * document entries, the associations, each field read by its IHE
 * classification scheme / external identifier / slot name, and the
 * metadata rules a registry applies (cardinalities, formats, codes against
 * the ANS value sets), and the signature of an ITI-41 submission set
 * ({@link checkSubmissionSignature}). Failures are {@link RegistryFailure}s
 * carrying the IHE error code and a French text.
 */
import type { Element } from '@xmldom/xmldom';
import { CabinetError } from '../../shared/contract/outcome.js';
import { softwareIdentityFromCertificate } from '../../electron/identity/certificates/practitioner.js';
import { validateCertificate } from '../../electron/identity/certificates/trust.js';
import type { TrustMaterial } from '../insi/auth.js';
import { insFromCx } from '../../electron/dmp/wire/access.js';
import { SignatureRefused, checkManifest, verifySubmissionSignature } from '../../electron/dmp/wire/signature.js';
import { ASSOCIATION, DMP_CODES, EXTERNAL_ID, NS, OBJECT_TYPE, SCHEME, XDS_ERRORS, parseXdsTime } from '../../electron/dmp/wire/soap.js';
import type { Code, EntryAuthor } from './registry.js';
import { CLASS_CODES, FORMAT_CODES, type JdvKey, type Vocabulary } from './vocabulary.js';

export class RegistryFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly location = '',
  ) {
    super(message);
  }
}

const meta = (message: string, location = '') => new RegistryFailure(XDS_ERRORS.registryMetadata, message, location);

export interface ParsedEntry {
  id: string;
  lid: string | null;
  mimeType: string;
  objectType: string;
  title: string;
  slots: Record<string, string[]>;
  classCode: Code;
  typeCode: Code;
  formatCode: Code;
  confidentiality: Code[];
  healthcareFacilityTypeCode: Code;
  practiceSettingCode: Code;
  authors: EntryAuthor[];
  patientId: string;
  uniqueId: string;
}

export interface ParsedSubmissionSet {
  id: string;
  submissionTime: string;
  uniqueId: string;
  sourceId: string;
  patientId: string;
  contentTypeCode: Code;
  authors: EntryAuthor[];
  title: string;
}

export interface ParsedAssociation {
  id: string;
  type: string;
  source: string;
  target: string;
  slots: Record<string, string[]>;
}

export interface ParsedSubmission {
  submissionSet: ParsedSubmissionSet;
  entries: ParsedEntry[];
  associations: ParsedAssociation[];
}

function kids(parent: Element, ns: string, name: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === name) out.push(n as Element);
  }
  return out;
}

function slots(parent: Element): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of kids(parent, NS.rim, 'Slot')) {
    const name = s.getAttribute('name') ?? '';
    if (out[name]) throw meta(`Slot « ${name} » en double.`, parent.getAttribute('id') ?? '');
    const list = kids(s, NS.rim, 'ValueList')[0];
    out[name] = list ? kids(list, NS.rim, 'Value').map((v) => (v.textContent ?? '').trim()) : [];
  }
  return out;
}

function localizedName(parent: Element): string {
  const name = kids(parent, NS.rim, 'Name')[0];
  const first = name ? kids(name, NS.rim, 'LocalizedString')[0] : undefined;
  return first?.getAttribute('value')?.trim() ?? '';
}

function readCode(c: Element, where: string): Code {
  const code = c.getAttribute('nodeRepresentation') ?? '';
  const scheme = slots(c).codingScheme;
  if (!code || !scheme || scheme.length !== 1 || !scheme[0])
    throw meta(`${where} : code ou codingScheme absent.`, c.getAttribute('classifiedObject') ?? '');
  return { code, scheme: scheme[0], display: localizedName(c) };
}

function readAuthor(c: Element): EntryAuthor {
  const s = slots(c);
  const person = s.authorPerson ?? [];
  if (person.length !== 1 || !person[0]) throw meta('Auteur : authorPerson absent ou multiple.', c.getAttribute('classifiedObject') ?? '');
  return { person: person[0], institution: s.authorInstitution ?? [], role: s.authorRole ?? [], specialty: s.authorSpecialty ?? [] };
}

/** Classifications of an object: those nested in it plus top-level ones pointing at it. */
function classificationsOf(object: Element, topLevel: Element[]): Element[] {
  const id = object.getAttribute('id');
  return [...kids(object, NS.rim, 'Classification'), ...topLevel.filter((c) => c.getAttribute('classifiedObject') === id)];
}

function one(list: Element[], scheme: string, what: string, object: string): Element {
  const found = list.filter((c) => c.getAttribute('classificationScheme') === scheme);
  if (found.length !== 1) throw meta(`${what} : ${found.length === 0 ? 'absent' : 'présent plusieurs fois'}.`, object);
  return found[0]!;
}

function externalId(object: Element, scheme: string, what: string): string {
  const found = kids(object, NS.rim, 'ExternalIdentifier').filter((e) => e.getAttribute('identificationScheme') === scheme);
  if (found.length !== 1)
    throw meta(`${what} : ${found.length === 0 ? 'absent' : 'présent plusieurs fois'}.`, object.getAttribute('id') ?? '');
  return (found[0]!.getAttribute('value') ?? '').trim();
}

function checkTime(value: string | undefined, what: string, object: string, required: boolean): void {
  if (value === undefined) {
    if (required) throw meta(`${what} absent.`, object);
    return;
  }
  if (!parseXdsTime(value)) throw meta(`${what} « ${value.slice(0, 30)} » n’est pas une date XDS (AAAAMMJJhhmmss, UTC).`, object);
}

function checkPatientCx(cx: string, what: string, object: string): void {
  if (!insFromCx(cx))
    throw new RegistryFailure(
      XDS_ERRORS.unknownPatientId,
      `${what} « ${cx.slice(0, 60)} » n’est pas un INS qualifié (INS^^^&OID&ISO^NH avec un OID d’INS et une clé valide).`,
      object,
    );
}

/** Reads the request's RegistryObjectList. `update`: ITI-57 (entries carry `lid`, associations may target existing objects). */
export function readSubmission(request: Element, options: { update: boolean }): ParsedSubmission {
  const list = kids(request, NS.rim, 'RegistryObjectList')[0];
  if (!list) throw meta('RegistryObjectList absent.');
  const packages = kids(list, NS.rim, 'RegistryPackage');
  const extrinsic = kids(list, NS.rim, 'ExtrinsicObject');
  const topClassifications = kids(list, NS.rim, 'Classification');
  const associationsEl = kids(list, NS.rim, 'Association');

  const ssCandidates = packages.filter((p) => {
    const id = p.getAttribute('id');
    return [...kids(p, NS.rim, 'Classification'), ...topClassifications].some(
      (c) => c.getAttribute('classificationNode') === OBJECT_TYPE.submissionSetNode && (c.getAttribute('classifiedObject') ?? id) === id,
    );
  });
  if (ssCandidates.length !== 1)
    throw meta(ssCandidates.length === 0 ? 'Lot de soumission (SubmissionSet) absent.' : 'Plusieurs lots de soumission dans la requête.');
  if (packages.length !== 1) throw meta('Les classeurs (Folder) ne sont pas acceptés par le DMP.');
  const ss = ssCandidates[0]!;
  const ssId = ss.getAttribute('id') ?? '';
  const ssSlots = slots(ss);
  checkTime(ssSlots.submissionTime?.[0], 'submissionTime du lot', ssId, true);
  const ssClass = classificationsOf(ss, topClassifications);
  const submissionSet: ParsedSubmissionSet = {
    id: ssId,
    submissionTime: ssSlots.submissionTime![0]!,
    uniqueId: externalId(ss, EXTERNAL_ID.ssUniqueId, 'XDSSubmissionSet.uniqueId'),
    sourceId: externalId(ss, EXTERNAL_ID.ssSourceId, 'XDSSubmissionSet.sourceId'),
    patientId: externalId(ss, EXTERNAL_ID.ssPatientId, 'XDSSubmissionSet.patientId'),
    contentTypeCode: readCode(one(ssClass, SCHEME.ssContentTypeCode, 'contentTypeCode du lot', ssId), 'contentTypeCode du lot'),
    authors: ssClass.filter((c) => c.getAttribute('classificationScheme') === SCHEME.ssAuthor).map(readAuthor),
    title: localizedName(ss),
  };
  if (submissionSet.authors.length === 0) throw meta('Auteur du lot de soumission absent.', ssId);
  if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(submissionSet.uniqueId)) throw meta('XDSSubmissionSet.uniqueId doit être un OID.', ssId);
  if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(submissionSet.sourceId)) throw meta('XDSSubmissionSet.sourceId doit être un OID.', ssId);
  checkPatientCx(submissionSet.patientId, 'XDSSubmissionSet.patientId', ssId);

  const entries = extrinsic.map((eo): ParsedEntry => {
    const id = eo.getAttribute('id') ?? '';
    const objectType = eo.getAttribute('objectType') ?? '';
    if (objectType !== OBJECT_TYPE.stableDocumentEntry)
      throw meta(`Type d’objet ${objectType.slice(0, 60)} non accepté (fiche stable attendue).`, id);
    const s = slots(eo);
    const cl = classificationsOf(eo, topClassifications);
    for (const name of ['creationTime', 'languageCode', 'sourcePatientId'] as const) {
      if (!s[name]?.[0]) throw meta(`Slot ${name} absent.`, id);
    }
    checkTime(s.creationTime?.[0], 'creationTime', id, true);
    checkTime(s.serviceStartTime?.[0], 'serviceStartTime', id, false);
    checkTime(s.serviceStopTime?.[0], 'serviceStopTime', id, false);
    if (s.hash && !/^[0-9a-fA-F]{40}$/.test(s.hash[0] ?? '')) throw meta('hash : SHA-1 en hexadécimal (40 caractères) attendu.', id);
    if (s.size && !/^\d{1,12}$/.test(s.size[0] ?? '')) throw meta('size : nombre d’octets attendu.', id);
    const entry: ParsedEntry = {
      id,
      lid: eo.getAttribute('lid'),
      mimeType: eo.getAttribute('mimeType') ?? '',
      objectType,
      title: localizedName(eo),
      slots: s,
      classCode: readCode(one(cl, SCHEME.docClassCode, 'classCode', id), 'classCode'),
      typeCode: readCode(one(cl, SCHEME.docTypeCode, 'typeCode', id), 'typeCode'),
      formatCode: readCode(one(cl, SCHEME.docFormatCode, 'formatCode', id), 'formatCode'),
      confidentiality: cl
        .filter((c) => c.getAttribute('classificationScheme') === SCHEME.docConfidentialityCode)
        .map((c) => readCode(c, 'confidentialityCode')),
      healthcareFacilityTypeCode: readCode(
        one(cl, SCHEME.docHealthcareFacilityTypeCode, 'healthcareFacilityTypeCode', id),
        'healthcareFacilityTypeCode',
      ),
      practiceSettingCode: readCode(one(cl, SCHEME.docPracticeSettingCode, 'practiceSettingCode', id), 'practiceSettingCode'),
      authors: cl.filter((c) => c.getAttribute('classificationScheme') === SCHEME.docAuthor).map(readAuthor),
      patientId: externalId(eo, EXTERNAL_ID.docPatientId, 'XDSDocumentEntry.patientId'),
      uniqueId: externalId(eo, EXTERNAL_ID.docUniqueId, 'XDSDocumentEntry.uniqueId'),
    };
    if (!entry.title) throw meta('Titre (Name) du document absent.', id);
    if (entry.authors.length === 0) throw meta('Auteur du document absent.', id);
    if (entry.confidentiality.length === 0 || entry.confidentiality.length > 4)
      throw meta('confidentialityCode : de 1 à 4 valeurs attendues.', id);
    if (!/^[0-2](\.(0|[1-9]\d*))+(\^[A-Za-z0-9.\-_]{1,64})?$/.test(entry.uniqueId))
      throw new RegistryFailure(
        XDS_ERRORS.documentUniqueIdError,
        `XDSDocumentEntry.uniqueId « ${entry.uniqueId.slice(0, 80)} » n’est pas un OID (avec extension éventuelle).`,
        id,
      );
    checkPatientCx(entry.patientId, 'XDSDocumentEntry.patientId', id);
    return entry;
  });

  const associations = associationsEl.map((a): ParsedAssociation => ({
    id: a.getAttribute('id') ?? '',
    type: a.getAttribute('associationType') ?? '',
    source: a.getAttribute('sourceObject') ?? '',
    target: a.getAttribute('targetObject') ?? '',
    slots: slots(a),
  }));
  const known = new Set([ASSOCIATION.hasMember, ASSOCIATION.replace, ASSOCIATION.signs, ASSOCIATION.updateAvailabilityStatus]);
  for (const a of associations) {
    if (!known.has(a.type as never)) throw meta(`Type d’association ${a.type.slice(0, 80)} non accepté par le DMP.`, a.id);
  }
  if (!options.update) {
    for (const entry of entries) {
      const member = associations.find((a) => a.type === ASSOCIATION.hasMember && a.source === ssId && a.target === entry.id);
      if (!member) throw meta('Association HasMember du lot vers le document absente.', entry.id);
      if (member.slots.SubmissionSetStatus?.[0] !== 'Original')
        throw meta('Association HasMember : SubmissionSetStatus « Original » attendu.', member.id);
    }
  }
  return { submissionSet, entries, associations };
}

/** Codes against the ANS value sets (J07, J08 + TRE_A07 visibility, J02, J04, J01) and the J57 / J60 lists. */
export function checkCodes(entry: ParsedEntry, vocabulary: Vocabulary, visibilityScheme: string, visibilityCodes: readonly string[]): void {
  const inSet = (key: JdvKey, code: Code, what: string) => {
    if (!vocabulary.find(key, code.code, code.scheme))
      throw meta(`${what} « ${code.code} » (${code.scheme}) absent du jeu de valeurs ${key} de l’ANS.`, entry.id);
  };
  inSet('J07', entry.typeCode, 'typeCode');
  inSet('J02', entry.healthcareFacilityTypeCode, 'healthcareFacilityTypeCode');
  inSet('J04', entry.practiceSettingCode, 'practiceSettingCode');
  if (!CLASS_CODES.has(entry.classCode.code))
    throw meta(`classCode « ${entry.classCode.code} » absent du jeu de valeurs J57 du DMP.`, entry.id);
  if (!FORMAT_CODES.has(entry.formatCode.code))
    throw meta(`formatCode « ${entry.formatCode.code} » absent du jeu de valeurs J60 du DMP.`, entry.id);
  let hl7 = 0;
  for (const c of entry.confidentiality) {
    if (c.scheme === visibilityScheme) {
      if (!visibilityCodes.includes(c.code)) throw meta(`confidentialityCode « ${c.code} » inconnu (TRE_A07).`, entry.id);
    } else {
      inSet('J08', c, 'confidentialityCode');
      hl7 += 1;
    }
  }
  if (hl7 !== 1) throw meta('confidentialityCode : exactement un code N, R ou V attendu.', entry.id);
  for (const author of entry.authors) {
    for (const specialty of author.specialty) {
      const [code = '', , scheme = ''] = specialty.split('^');
      if (!vocabulary.find('J01', code, scheme.replace(/^&|&ISO$/g, '')))
        throw meta(`authorSpecialty « ${specialty.slice(0, 80)} » absent du jeu de valeurs J01 de l’ANS.`, entry.id);
    }
  }
}

/** How far SigningTime may be from the sandbox's clock: 10 minutes back (one feed), 60 s ahead (clock skew, as for the VIHF). */
export const SIGNING_TIME_PAST_MS = 10 * 60_000;
export const SIGNING_TIME_FUTURE_MS = 60_000;

export interface SignatureContext {
  trust: TrustMaterial;
  now: Date;
  /** The VIHF's practitioner (idNat_PS): the signer must be that card's holder. */
  practitioner: string;
  /** Refuse an unsigned submission set (the DMP requires the signature). */
  required: boolean;
}

const signatureFailure = (reason: string, location: string) =>
  new RegistryFailure(XDS_ERRORS.registryMetadata, `Signature du lot de soumission refusée : ${reason}`, location);

/**
 * The submission set's signature (IHE DSG detached XAdES, as Cabinet's client
 * builds it, `../wire/signature.ts`): exactly one signature document (classCode
 * « Digital Signature », formatCode xmldsig, text/xml) with the DSG `signs`
 * association to the submission set; its XML-DSig valid; its certificate a
 * card's signature certificate under the test PKI's « FORT PERSONNES »
 * authority, valid and not revoked now; SigningTime within the window; its
 * holder the VIHF's practitioner; its Manifest exactly the other documents
 * with the SHA-256 of the bytes received; the submission set named in it.
 */
export async function checkSubmissionSignature(
  submission: ParsedSubmission,
  documents: ReadonlyMap<string, Buffer>,
  context: SignatureContext,
): Promise<void> {
  const ss = submission.submissionSet;
  const signatures = submission.entries.filter((e) => e.classCode.code === DMP_CODES.signatureClassCode);
  if (signatures.length === 0) {
    if (context.required)
      throw signatureFailure(
        'le lot n’est pas signé ; le DMP exige la signature XAdES (IHE DSG) du lot de soumission par le professionnel.',
        ss.id,
      );
    return;
  }
  if (signatures.length > 1) throw signatureFailure('plusieurs documents de signature dans le lot.', ss.id);
  const entry = signatures[0]!;
  if (entry.mimeType !== 'text/xml') throw signatureFailure(`type MIME ${entry.mimeType.slice(0, 40)} au lieu de text/xml.`, entry.id);
  if (entry.formatCode.code !== DMP_CODES.signatureFormatCode)
    throw signatureFailure(`formatCode « ${entry.formatCode.code.slice(0, 60)} » au lieu de ${DMP_CODES.signatureFormatCode}.`, entry.id);
  const signs = submission.associations.filter((a) => a.type === ASSOCIATION.signs);
  if (signs.length !== 1 || signs[0]!.source !== entry.id || signs[0]!.target !== ss.id)
    throw signatureFailure('association « signs » du document de signature vers le lot absente ou incorrecte.', entry.id);
  const content = documents.get(entry.id);
  if (!content) throw new RegistryFailure(XDS_ERRORS.missingDocument, 'Le document de signature est absent.', entry.id);
  const signed = submission.entries
    .filter((e) => e !== entry)
    .map((e) => ({ uniqueId: e.uniqueId, content: documents.get(e.id) ?? Buffer.alloc(0) }));
  let verified;
  try {
    verified = verifySubmissionSignature(content);
    if (verified.submissionSetUniqueId !== ss.uniqueId) throw new SignatureRefused('elle désigne un autre lot de soumission (uniqueId).');
    checkManifest(verified.manifest, signed);
  } catch (error) {
    if (error instanceof SignatureRefused) throw signatureFailure(error.message, entry.id);
    throw error;
  }
  const age = context.now.getTime() - verified.signingTime.getTime();
  if (age > SIGNING_TIME_PAST_MS || age < -SIGNING_TIME_FUTURE_MS) {
    throw signatureFailure(
      `heure de signature (SigningTime ${verified.signingTime.toISOString()}) hors de la fenêtre admise (10 minutes avant, 60 secondes après l’heure du DMP).`,
      entry.id,
    );
  }
  let chain: { fingerprint256: string }[];
  try {
    ({ chain } = await validateCertificate({
      leafPem: verified.certificatePem,
      intermediatesPem: context.trust.intermediatesPem,
      anchorsPem: context.trust.anchorsPem,
      crls: context.trust.crls,
      at: context.now,
      purpose: 'signature',
    }));
  } catch (error) {
    if (error instanceof CabinetError) throw signatureFailure(`certificat du signataire refusé : ${error.message}`, entry.id);
    throw error;
  }
  if (chain[1]?.fingerprint256 !== context.trust.cardsFingerprint)
    throw signatureFailure('le certificat de signature n’est pas celui d’une carte de professionnel (autorité FORT PERSONNES).', entry.id);
  let holder: string;
  try {
    holder = softwareIdentityFromCertificate(verified.certificatePem).commonName;
  } catch {
    throw signatureFailure('le certificat de signature n’a pas de nom (CN).', entry.id);
  }
  if (holder !== context.practitioner)
    throw signatureFailure(
      `le signataire (${holder.slice(0, 20)}) n’est pas le professionnel du VIHF (${context.practitioner.slice(0, 20)}).`,
      entry.id,
    );
}
