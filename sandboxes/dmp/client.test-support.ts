/**
 * Raw SOAP requests for the DMP sandbox tests, written by hand here (not
 * through the DMP client) so that the sandbox is tested against IHE's wire
 * format, and so that each test can break one thing at a time.
 */
import crypto, { randomUUID } from 'node:crypto';
import https from 'node:https';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { p12Pair, type PemPair } from '../../test/support/insi-soap.js';
import { KeySigner } from '../../electron/identity/login/key-signer.js';
import type { PkiManifest } from '../pki/test-pki.js';
import { buildVihf, type PurposeOfUse } from '../../electron/identity/vihf/vihf.js';
import { buildCdaN1, type BuiltCda } from '../../electron/dmp/cda/builder.js';
import { gp, pdf } from '../../electron/dmp/cda/fixtures.test-support.js';
import { buildMtom, parseSoapMessage } from '../../electron/dmp/wire/mtom.js';
import { ACTIONS, EXTERNAL_ID, NS, OBJECT_TYPE, SCHEME, STATUS, STORED_QUERY } from '../../electron/dmp/wire/soap.js';
import type { SandboxIdentity } from '../insi/identities.js';
import { escapeXmlAttr } from '../../electron/platform/xml/escape.js';

export const cx = (p: SandboxIdentity) => `${p.active.matricule}${p.active.cle}^^^&${p.active.oid}&ISO^NH`;
const esc = (s: string) => escapeXmlAttr(s, 'requête de test');

export interface Caller {
  tls: PemPair;
  signer: KeySigner;
  idNatPs: string;
  mode: 'DIRECTE' | 'INDIRECTE';
  specialty?: string;
  profession?: string;
}

export function cardCaller(manifest: PkiManifest, cardId: string, idNatPs: string): Caller {
  const sig = p12Pair(manifest, cardId, 'signature');
  return {
    tls: p12Pair(manifest, cardId, 'authentification'),
    signer: new KeySigner(sig.keyPem, sig.certPem, []),
    idNatPs,
    mode: 'DIRECTE',
  };
}

export function vihfFor(
  caller: Caller,
  patient: SandboxIdentity,
  purpose: PurposeOfUse = 'normal',
  now = new Date(),
  withPatient = true,
): string {
  return buildVihf(
    {
      practitioner: {
        idNatPs: caller.idNatPs,
        displayName: 'Dr Marie MARTIN',
        professionCode: caller.profession ?? '10',
        specialtyCode: caller.specialty ?? 'SM26',
      },
      structureId: 'R99701',
      activitySector: 'SA07',
      authenticationMode: caller.mode,
      purposeOfUse: purpose,
      software: { name: 'Cabinet', version: '0.1.0', id: 'cabinet-0.1.0', dmpApprovalId: 'CABINET-HOMOLOGATION-TEST' },
      ...(withPatient
        ? { patientIns: { value: `${patient.active.matricule}${patient.active.cle}`, oid: patient.active.oid as '1.2.250.1.213.1.4.8' } }
        : {}),
    },
    caller.signer,
    now,
  );
}

export function soapEnvelope(action: string, body: string, security: string | null, extraHeader = ''): string {
  return (
    `<env:Envelope xmlns:env="${NS.soap}" xmlns:wsa="${NS.wsa}"><env:Header>` +
    `<wsa:Action env:mustUnderstand="true">${action}</wsa:Action><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID><wsa:To>https://localhost/dmp</wsa:To>` +
    (security !== null ? `<wsse:Security xmlns:wsse="${NS.wsse}" env:mustUnderstand="true">${security}</wsse:Security>` : '') +
    extraHeader +
    `</env:Header><env:Body>${body}</env:Body></env:Envelope>`
  );
}

// ------------------------------------------------------------ ITI-18

export function slotXml(name: string, values: string[]): string {
  return `<rim:Slot name="${esc(name)}"><rim:ValueList>${values.map((v) => `<rim:Value>${esc(v)}</rim:Value>`).join('')}</rim:ValueList></rim:Slot>`;
}

export function queryBody(
  query: keyof typeof STORED_QUERY,
  params: Record<string, string[]>,
  returnType: 'LeafClass' | 'ObjectRef' = 'LeafClass',
): string {
  return (
    `<query:AdhocQueryRequest xmlns:query="${NS.query}" xmlns:rim="${NS.rim}"><query:ResponseOption returnComposedObjects="true" returnType="${returnType}"/>` +
    `<rim:AdhocQuery id="${STORED_QUERY[query]}">${Object.entries(params)
      .map(([n, v]) => slotXml(n, v))
      .join('')}</rim:AdhocQuery></query:AdhocQueryRequest>`
  );
}

export const findDocuments = (
  p: SandboxIdentity,
  extra: Record<string, string[]> = {},
  returnType: 'LeafClass' | 'ObjectRef' = 'LeafClass',
) =>
  queryBody(
    'FindDocuments',
    { $XDSDocumentEntryPatientId: [`'${cx(p)}'`], $XDSDocumentEntryStatus: [`('${STATUS.Approved}')`], ...extra },
    returnType,
  );

// ------------------------------------------------------------ ITI-41

export interface FeedOptions {
  patient: SandboxIdentity;
  cda?: BuiltCda;
  masquePs?: boolean;
  replaces?: string;
  /** Edits of the metadata XML (to break it on purpose). */
  editMetadata?: (xml: string) => string;
  hash?: string;
  size?: number;
  typeCode?: [string, string];
  patientIdInMetadata?: string;
  uniqueId?: string;
  /** Inline base64 instead of MTOM. */
  inline?: boolean;
}

export function cdaFor(p: SandboxIdentity, now = new Date()): BuiltCda {
  return buildCdaN1({
    pdf: pdf(1024),
    patient: {
      ins: { matricule: p.active.matricule, cle: p.active.cle, oid: p.active.oid },
      traits: {
        birthName: p.traits.nomNaissance,
        firstName: p.traits.prenoms[0]!,
        firstNames: p.traits.prenoms.join(' '),
        sex: p.traits.sexe,
        birthDate: p.traits.dateNaissance,
        birthplace: p.traits.lieuNaissance,
      },
    },
    author: gp,
    structure: { id: 'R99701', name: 'Cabinet du Dr Martin' },
    now,
  });
}

const cl = (scheme: string, object: string, code: string, codingScheme: string, display: string) =>
  `<rim:Classification id="urn:uuid:${randomUUID()}" classificationScheme="${scheme}" classifiedObject="${object}" nodeRepresentation="${esc(code)}" objectType="${OBJECT_TYPE.classification}">${slotXml('codingScheme', [codingScheme])}<rim:Name><rim:LocalizedString value="${esc(display)}"/></rim:Name></rim:Classification>`;
const ext = (scheme: string, object: string, value: string, name: string) =>
  `<rim:ExternalIdentifier id="urn:uuid:${randomUUID()}" identificationScheme="${scheme}" registryObject="${object}" value="${esc(value)}" objectType="${OBJECT_TYPE.externalIdentifier}"><rim:Name><rim:LocalizedString value="${name}"/></rim:Name></rim:ExternalIdentifier>`;
const AUTHOR_XCN = '899701000012^MARTIN^Marie^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS';
const authorCl = (scheme: string, object: string) =>
  `<rim:Classification id="urn:uuid:${randomUUID()}" classificationScheme="${scheme}" classifiedObject="${object}" nodeRepresentation="" objectType="${OBJECT_TYPE.classification}">${slotXml('authorPerson', [AUTHOR_XCN])}${slotXml('authorSpecialty', ['G15_10/SM26^Médecin - Qualifié en Médecine Générale (SM)^1.2.250.1.213.1.1.4.5'])}</rim:Classification>`;

export function documentEntryXml(
  id: string,
  o: {
    patientCx: string;
    uniqueId: string;
    title: string;
    typeCode: [string, string, string];
    hash?: string;
    size?: number;
    masquePs?: boolean;
    lid?: string;
    creation?: string;
  },
): string {
  return (
    `<rim:ExtrinsicObject id="${id}"${o.lid ? ` lid="${o.lid}"` : ''} mimeType="text/xml" objectType="${OBJECT_TYPE.stableDocumentEntry}">` +
    slotXml('creationTime', [o.creation ?? '20260301101500']) +
    (o.hash ? slotXml('hash', [o.hash]) : '') +
    slotXml('languageCode', ['fr-FR']) +
    slotXml('serviceStartTime', ['20260301101500']) +
    (o.size !== undefined ? slotXml('size', [String(o.size)]) : '') +
    slotXml('sourcePatientId', [o.patientCx]) +
    `<rim:Name><rim:LocalizedString value="${esc(o.title)}"/></rim:Name>` +
    authorCl(SCHEME.docAuthor, id) +
    cl(SCHEME.docClassCode, id, '10', '1.2.250.1.213.1.1.4.1', 'Compte rendu') +
    cl(SCHEME.docConfidentialityCode, id, 'N', '2.16.840.1.113883.5.25', 'Normal') +
    (o.masquePs ? cl(SCHEME.docConfidentialityCode, id, 'MASQUE_PS', '1.2.250.1.213.1.1.4.13', 'Masqué aux professionnels de santé') : '') +
    cl(SCHEME.docFormatCode, id, 'urn:ihe:iti:xds-sd:pdf:2008', '1.3.6.1.4.1.19376.1.2.3', 'PDF') +
    cl(SCHEME.docHealthcareFacilityTypeCode, id, 'SA07', '1.2.250.1.71.4.2.4', 'Cabinet individuel') +
    cl(SCHEME.docPracticeSettingCode, id, 'AMBULATOIRE', '1.2.250.1.213.1.1.4.9', 'Ambulatoire') +
    cl(SCHEME.docTypeCode, id, o.typeCode[0], o.typeCode[1], o.typeCode[2]) +
    ext(EXTERNAL_ID.docPatientId, id, o.patientCx, 'XDSDocumentEntry.patientId') +
    ext(EXTERNAL_ID.docUniqueId, id, o.uniqueId, 'XDSDocumentEntry.uniqueId') +
    `</rim:ExtrinsicObject>`
  );
}

export function submissionSetXml(patientCx: string, ssId = 'urn:uuid:' + randomUUID()): { id: string; xml: string } {
  const uniqueId = `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
  return {
    id: ssId,
    xml:
      `<rim:RegistryPackage id="${ssId}" objectType="${OBJECT_TYPE.registryPackage}">` +
      slotXml('submissionTime', ['20260301101600']) +
      authorCl(SCHEME.ssAuthor, ssId) +
      cl(SCHEME.ssContentTypeCode, ssId, '07', '1.2.250.1.213.2.2', 'Consultation externe') +
      ext(EXTERNAL_ID.ssUniqueId, ssId, uniqueId, 'XDSSubmissionSet.uniqueId') +
      ext(EXTERNAL_ID.ssSourceId, ssId, '1.2.250.1.213.1.999.9', 'XDSSubmissionSet.sourceId') +
      ext(EXTERNAL_ID.ssPatientId, ssId, patientCx, 'XDSSubmissionSet.patientId') +
      `</rim:RegistryPackage>` +
      `<rim:Classification id="urn:uuid:${randomUUID()}" classifiedObject="${ssId}" classificationNode="${OBJECT_TYPE.submissionSetNode}" objectType="${OBJECT_TYPE.classification}"/>`,
  };
}

export function association(type: string, source: string, target: string, slots: Record<string, string[]> = {}): string {
  return `<rim:Association id="urn:uuid:${randomUUID()}" associationType="${type}" sourceObject="${source}" targetObject="${target}" objectType="${OBJECT_TYPE.association}">${Object.entries(
    slots,
  )
    .map(([n, v]) => slotXml(n, v))
    .join('')}</rim:Association>`;
}

export interface BuiltFeed {
  contentType: string;
  body: Buffer;
  uniqueId: string;
  cda: BuiltCda;
}

export function feedRequest(o: FeedOptions, security: string): BuiltFeed {
  const cda = o.cda ?? cdaFor(o.patient);
  const content = Buffer.from(cda.xml, 'utf8');
  const docId = 'urn:uuid:' + randomUUID();
  const patientCx = o.patientIdInMetadata ?? cx(o.patient);
  const ss = submissionSetXml(cx(o.patient));
  const uniqueId = o.uniqueId ?? cda.uniqueId;
  let metadata =
    ss.xml +
    documentEntryXml(docId, {
      patientCx,
      uniqueId,
      title: cda.title,
      typeCode: o.typeCode ? [o.typeCode[0], o.typeCode[1], 'x'] : [cda.type.code, cda.type.codeSystem, cda.type.displayName],
      hash: o.hash ?? crypto.createHash('sha1').update(content).digest('hex'),
      size: o.size ?? content.length,
      masquePs: o.masquePs,
    }) +
    association('urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember', ss.id, docId, { SubmissionSetStatus: ['Original'] }) +
    (o.replaces ? association('urn:ihe:iti:2007:AssociationType:RPLC', docId, o.replaces) : '');
  if (o.editMetadata) metadata = o.editMetadata(metadata);
  const documentXml = o.inline ? content.toString('base64') : `<xop:Include xmlns:xop="${NS.xop}" href="cid:doc1@test"/>`;
  const body =
    `<xdsb:ProvideAndRegisterDocumentSetRequest xmlns:xdsb="${NS.xdsb}" xmlns:lcm="${NS.lcm}" xmlns:rim="${NS.rim}">` +
    `<lcm:SubmitObjectsRequest><rim:RegistryObjectList>${metadata}</rim:RegistryObjectList></lcm:SubmitObjectsRequest>` +
    `<xdsb:Document id="${docId}">${documentXml}</xdsb:Document></xdsb:ProvideAndRegisterDocumentSetRequest>`;
  const env = soapEnvelope(ACTIONS.iti41.request, body, security);
  if (o.inline) return { contentType: 'application/soap+xml; charset=utf-8', body: Buffer.from(env), uniqueId, cda };
  const built = buildMtom({
    envelope: env,
    attachments: [{ contentId: 'doc1@test', contentType: 'text/xml', body: content }],
    action: ACTIONS.iti41.request,
  });
  return { ...built, uniqueId, cda };
}

// ------------------------------------------------------------ ITI-43, ITI-57

export function retrieveBody(uniqueId: string, repository: string): string {
  return `<xdsb:RetrieveDocumentSetRequest xmlns:xdsb="${NS.xdsb}"><xdsb:DocumentRequest><xdsb:RepositoryUniqueId>${repository}</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>${esc(uniqueId)}</xdsb:DocumentUniqueId></xdsb:DocumentRequest></xdsb:RetrieveDocumentSetRequest>`;
}

export function statusUpdateBody(p: SandboxIdentity, entryUuid: string, from: string, to: string): string {
  const ss = submissionSetXml(cx(p));
  return (
    `<lcm:SubmitObjectsRequest xmlns:lcm="${NS.lcm}" xmlns:rim="${NS.rim}"><rim:RegistryObjectList>${ss.xml}` +
    association('urn:ihe:iti:2010:AssociationType:UpdateAvailabilityStatus', ss.id, entryUuid, {
      OriginalStatus: [from],
      NewStatus: [to],
    }) +
    `</rim:RegistryObjectList></lcm:SubmitObjectsRequest>`
  );
}

export function visibilityUpdateBody(
  p: SandboxIdentity,
  entry: { logicalId: string; uniqueId: string; version: number; typeCode: [string, string, string]; title: string },
  masquePs: boolean,
): string {
  const ss = submissionSetXml(cx(p));
  const id = 'urn:uuid:' + randomUUID();
  return (
    `<lcm:SubmitObjectsRequest xmlns:lcm="${NS.lcm}" xmlns:rim="${NS.rim}"><rim:RegistryObjectList>${ss.xml}` +
    documentEntryXml(id, {
      patientCx: cx(p),
      uniqueId: entry.uniqueId,
      title: entry.title,
      typeCode: entry.typeCode,
      masquePs,
      lid: entry.logicalId,
    }) +
    association('urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember', ss.id, id, {
      SubmissionSetStatus: ['Original'],
      PreviousVersion: [String(entry.version)],
    }) +
    `</rim:RegistryObjectList></lcm:SubmitObjectsRequest>`
  );
}

// ------------------------------------------------------------ transport and reading

export interface RawAnswer {
  status: number;
  contentType: string;
  body: Buffer;
  text: string;
}

export class DmpTestClient {
  readonly agent: https.Agent;
  constructor(
    readonly url: string,
    caPem: string,
    client?: PemPair,
  ) {
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 4,
      ca: caPem,
      ...(client ? { cert: client.certPem, key: client.keyPem } : {}),
    });
  }

  post(body: string | Buffer, contentType = 'application/soap+xml; charset=utf-8', method = 'POST'): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        this.url,
        { method, agent: this.agent, headers: { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const all = Buffer.concat(chunks);
            resolve({
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type'] ?? ''),
              body: all,
              text: all.toString('utf8'),
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export function envelopeBody(answer: RawAnswer): { body: Element; parts: Map<string, Buffer> } {
  const parsed = parseSoapMessage(answer.contentType, answer.body);
  const doc = new DOMParser().parseFromString(parsed.envelope, 'text/xml');
  const body = doc.getElementsByTagNameNS(NS.soap, 'Body').item(0) as Element;
  let first: Element | null = null;
  for (let n = body.firstChild; n; n = n.nextSibling)
    if (n.nodeType === 1) {
      first = n as Element;
      break;
    }
  return { body: first!, parts: parsed.parts };
}

/** The RegistryError codes of an answer (any of the three response elements), or the fault subcode. */
export function errorCodes(answer: RawAnswer): string[] {
  const { body } = envelopeBody(answer);
  const errors = body.getElementsByTagNameNS(NS.rs, 'RegistryError');
  const out: string[] = [];
  for (let i = 0; i < errors.length; i += 1) out.push((errors.item(i) as Element).getAttribute('errorCode') ?? '');
  return out;
}

export function fault(answer: RawAnswer): { code: string; subcode: string; text: string } | null {
  const { body } = envelopeBody(answer);
  if (body.localName !== 'Fault') return null;
  const values = body.getElementsByTagNameNS(NS.soap, 'Value');
  return {
    code: (values.item(0)?.textContent ?? '').trim(),
    subcode: (values.item(1)?.textContent ?? '').trim(),
    text: (body.getElementsByTagNameNS(NS.soap, 'Text').item(0)?.textContent ?? '').trim(),
  };
}

export function responseStatus(answer: RawAnswer): string {
  const { body } = envelopeBody(answer);
  const status =
    body.getAttribute('status') ??
    (body.getElementsByTagNameNS(NS.rs, 'RegistryResponse').item(0) as Element | null)?.getAttribute('status') ??
    '';
  return status.replace(/^.*:/, '');
}

export function extrinsicObjects(answer: RawAnswer): Element[] {
  const { body } = envelopeBody(answer);
  const list = body.getElementsByTagNameNS(NS.rim, 'ExtrinsicObject');
  const out: Element[] = [];
  for (let i = 0; i < list.length; i += 1) out.push(list.item(i) as Element);
  return out;
}
