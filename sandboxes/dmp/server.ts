/**
 * A local DMP (HTTPS, SOAP 1.2, IHE XDS.b) on `https://localhost:19444/dmp`:
 * TD0.2 / TD0.3 (Cabinet's interface, `../wire/access.ts`), ITI-41 (MTOM/XOP),
 * ITI-18, ITI-43 (MTOM answer) and ITI-57, with the rules of the real DMP and
 * its refusals (see README.md). It refuses what the real service refuses.
 *
 * Order of the checks: TLS (mutual: a client certificate of the test PKI or
 * no handshake) → HTTP (path, method, size) → MIME/MTOM → XML (no DTD,
 * limits) → SOAP 1.2 envelope, mustUnderstand → WS-Addressing → client
 * certificate (chain, dates, CRL, clientAuth) → VIHF (signature, chain, CRL,
 * window, attributes, purpose of use, patient) → XSD (ebRIM/XDS) → the
 * transaction's rules. Envelope and security problems are SOAP faults;
 * XDS refusals are `rs:RegistryErrorList` with IHE codes.
 */
import crypto, { X509Certificate, randomUUID } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Document, Element } from '@xmldom/xmldom';
import { readSandboxPki, sandboxUrl } from '../common.js';
import { CabinetError } from '../../shared/contract/outcome.js';
import { softwareIdentityFromCertificate } from '../../electron/identity/certificates/practitioner.js';
import { validateCertificate } from '../../electron/identity/certificates/trust.js';
import { identity as pkiIdentity, pkiPath, type PkiManifest } from '../pki/test-pki.js';
import { ACCESS_MODE_OID } from '../../electron/identity/vihf/vihf.js';
import { verifyVihfAsync, type VerifiedVihf } from '../../electron/identity/vihf/verify.js';
import { trustFromPki, type TrustMaterial } from '../insi/auth.js';
import { XmlRefused, parseUntrustedXml, serialize, xmlSafe } from '../insi/xml.js';
import { sandboxPorts } from '../../electron/platform/config/endpoints.js';
import { CdaSelfCheck, DEFAULT_CDA_REFERENCE_DIR } from '../../electron/dmp/cda/self-check.js';
import {
  ACCESS_OPERATIONS,
  AccessFault,
  buildAccessFault,
  buildStatusResponse,
  insFromCx,
  insToCx,
  parseAccessRequest,
  type AccessAnswer,
  type AccessOperation,
} from '../../electron/dmp/wire/access.js';
import { buildMtom, parseSoapMessage, type ParsedMtom } from '../../electron/dmp/wire/mtom.js';
import {
  ACTIONS,
  ASSOCIATION,
  DMP_CODES,
  ERROR_SEVERITY,
  NS,
  RESPONSE_STATUS,
  XDS_ERRORS,
  statusName,
  xdsTime,
  xmlEscape as esc,
  type XdsTransaction,
} from '../../electron/dmp/wire/soap.js';
import { REPOSITORY_UNIQUE_ID, DmpRegistry, xcnId, type DmpPatient, type StoredEntry } from './registry.js';
import { DMP_ERRORS, consultDecision, feedDecision, isAuthor, updateDecision, visibleTo, type Purpose } from './rules.js';
import { SchemaUnavailable, XdsSchemaValidator, DEFAULT_XDS_REFERENCE_DIR } from './schemas.js';
import { seed } from './seeds.js';
import { queryPatient, readQuery, runQuery } from './stored-query.js';
import { RegistryFailure, checkCodes, checkSubmissionSignature, readSubmission, type ParsedEntry } from './submission.js';
import { Vocabulary } from './vocabulary.js';

export const DMP_PATH = '/dmp';
export const MAX_BODY_BYTES = 40 * 1024 * 1024;
const MAX_RECORDS = 500;
const MAX_VERIFIED_VIHFS = 256;
const XML_LIMITS = { maxBytes: MAX_BODY_BYTES, maxDepth: 64, maxElements: 100_000, maxAttributes: 64 };
const SOAP_CT = 'application/soap+xml; charset=utf-8';

export interface DmpSandboxOptions {
  /** Test PKI (manifest or folder): server certificate `serveur-dmp`, trust for clients and VIHF signers. */
  pki: PkiManifest | string;
  /** Default 19444; 0 for any free port. */
  port?: number;
  host?: string;
  /** Reference folder holding `xds/` and `cda/` (default `<app root>/reference-data`, shipped with the app). */
  referenceDir?: string;
  /** Documents of the volume patient (default 2,000; 0 for none). */
  volume?: number;
  /** Run the CDA self-check on fed documents (default true). */
  checkCda?: boolean;
  /**
   * Refuse an ITI-41 submission set without its signature document (default
   * true: the DMP requires it). A signature present is always verified
   * (`submission.ts` `checkSubmissionSignature`).
   */
  requireSignature?: boolean;
  clock?: { now(): number };
  /**
   * Tests only: awaited once a request is handled and before its answer is
   * sent (the registry already holds what it registered), e.g. to kill the
   * client while its ITI-41 answer is in flight (`test/integration/dmp-crash.test.ts`).
   */
  beforeAnswer?: (request: Readonly<DmpSandboxRequest>) => Promise<void> | void;
}

export interface DmpSandboxRequest {
  at: string;
  durationMs: number;
  httpStatus: number;
  transaction: string | null;
  practitioner: string | null;
  purpose: string | null;
  outcome: string;
}

export interface DmpSandbox {
  url: string;
  port: number;
  anchorFile: string;
  registry: DmpRegistry;
  /** Milliseconds taken by the start (seeds included) and by the seeding alone. */
  startMs: number;
  seedMs: number;
  requests(): DmpSandboxRequest[];
  close(): Promise<void>;
}

/** A SOAP 1.2 fault. */
class SoapFault extends Error {
  constructor(
    readonly status: number,
    readonly code: 'Sender' | 'Receiver' | 'MustUnderstand' | 'VersionMismatch',
    readonly subcode: string | null,
    message: string,
  ) {
    super(message);
  }
}

const WSSE_FAULT_NS = NS.wsse;
const securityFault = (subcode: 'InvalidSecurity' | 'FailedAuthentication' | 'InvalidSecurityToken', message: string) =>
  new SoapFault(500, 'Sender', `wsse:${subcode}`, message);
const senderFault = (message: string, subcode: string | null = null) => new SoapFault(400, 'Sender', subcode, message);

function faultEnvelope(fault: SoapFault): string {
  const subcode = fault.subcode
    ? `<env:Subcode><env:Value xmlns:wsse="${WSSE_FAULT_NS}" xmlns:wsa="${NS.wsa}">${fault.subcode}</env:Value></env:Subcode>`
    : '';
  return (
    `<env:Envelope xmlns:env="${NS.soap}"><env:Body><env:Fault><env:Code><env:Value>env:${fault.code}</env:Value>${subcode}</env:Code>` +
    `<env:Reason><env:Text xml:lang="fr">${esc(xmlSafe(fault.message, 600))}</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>`
  );
}

function envelope(action: string, relatesTo: string | null, body: string): string {
  return (
    `<env:Envelope xmlns:env="${NS.soap}" xmlns:wsa="${NS.wsa}"><env:Header>` +
    `<wsa:Action env:mustUnderstand="true">${esc(action)}</wsa:Action><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>` +
    (relatesTo ? `<wsa:RelatesTo>${esc(xmlSafe(relatesTo, 200))}</wsa:RelatesTo>` : '') +
    `</env:Header><env:Body>${body}</env:Body></env:Envelope>`
  );
}

interface XdsError {
  code: string;
  message: string;
  location?: string;
}

function errorList(errors: XdsError[]): string {
  if (errors.length === 0) return '';
  return (
    `<rs:RegistryErrorList highestSeverity="${ERROR_SEVERITY.error}">` +
    errors
      .map(
        (e) =>
          `<rs:RegistryError errorCode="${esc(e.code)}" codeContext="${esc(xmlSafe(e.message, 600))}" location="${esc(xmlSafe(e.location ?? '', 200))}" severity="${ERROR_SEVERITY.error}"/>`,
      )
      .join('') +
    `</rs:RegistryErrorList>`
  );
}

const registryResponse = (errors: XdsError[]) =>
  `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="${errors.length ? RESPONSE_STATUS.failure : RESPONSE_STATUS.success}">${errorList(errors)}</rs:RegistryResponse>`;

function kids(parent: Element, ns: string, name: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === name) out.push(n as Element);
  }
  return out;
}

function elementKids(parent: Element): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

class TooLarge extends Error {}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    req.resume();
    throw new TooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      req.socket.destroy();
      throw new TooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

type Operation = { kind: 'access'; op: AccessOperation } | { kind: 'xds'; op: XdsTransaction };

function operationFor(action: string): Operation | null {
  for (const [op, spec] of Object.entries(ACCESS_OPERATIONS))
    if (spec.action === action) return { kind: 'access', op: op as AccessOperation };
  for (const [op, spec] of Object.entries(ACTIONS)) if (spec.request === action) return { kind: 'xds', op: op as XdsTransaction };
  return null;
}

const PURPOSES: readonly Purpose[] = ['normal', 'bris_de_glace', 'centre_15'];

export async function startDmpSandbox(options: DmpSandboxOptions): Promise<DmpSandbox> {
  const started = performance.now();
  const manifest = typeof options.pki === 'string' ? readSandboxPki(options.pki, 'DMP') : options.pki;
  const trust: TrustMaterial = trustFromPki(manifest);
  const server = pkiIdentity(manifest, 'serveur-dmp');
  if (!server.certPem || !server.keyPem || !server.chainPem)
    throw new CabinetError('CONFIG_INVALID', 'IGC de test : le certificat serveur du bac à sable DMP (serveur-dmp) est incomplet.');
  const fs = await import('node:fs');
  const read = (relative: string) => fs.readFileSync(pkiPath(manifest, relative), 'utf8');
  const referenceDir = options.referenceDir;
  const xdsDir = referenceDir ? `${referenceDir}/xds` : DEFAULT_XDS_REFERENCE_DIR;
  const cdaDir = referenceDir ? `${referenceDir}/cda` : DEFAULT_CDA_REFERENCE_DIR;
  const vocabulary = new Vocabulary(`${cdaDir}/jeuxDeValeurs`);
  const validator = new XdsSchemaValidator(xdsDir);
  const cdaCheck = options.checkCda === false ? null : new CdaSelfCheck({ referenceDir: cdaDir });
  const registry = new DmpRegistry();
  const clock = options.clock ?? { now: () => Date.now() };
  const seedMs = seed(registry, vocabulary, { cdaReferenceDir: cdaDir, volume: options.volume, now: new Date(clock.now()) });
  const records: DmpSandboxRequest[] = [];
  const cardsAuthority =
    trust.intermediatesPem.map((pem) => new X509Certificate(pem)).find((c) => c.fingerprint256 === trust.cardsFingerprint) ?? null;
  const verdicts = new WeakMap<TLSSocket, Promise<{ pem: string; card: boolean } | SoapFault>>();
  /** VIHF assertions already verified, by the SHA-256 of their exact text (see checkVihf). */
  const verifiedVihfs = new Map<string, { vihf: VerifiedVihf; until: number }>();

  const clientCertificate = (socket: TLSSocket) => {
    let verdict = verdicts.get(socket);
    if (!verdict) {
      const peer = socket.getPeerCertificate(false);
      const raw = peer && 'raw' in peer ? (peer.raw as Buffer | undefined) : undefined;
      if (!raw?.length)
        verdict = Promise.resolve(
          securityFault('FailedAuthentication', 'Certificat client absent : le DMP exige une authentification TLS mutuelle.'),
        );
      else {
        const pem = new X509Certificate(raw).toString();
        verdict = validateCertificate({
          leafPem: pem,
          intermediatesPem: trust.intermediatesPem,
          anchorsPem: trust.anchorsPem,
          crls: trust.crls,
          at: new Date(clock.now()),
          purpose: 'clientAuth',
        }).then(
          ({ chain }) => ({ pem, card: chain[1]?.fingerprint256 === trust.cardsFingerprint }),
          (error: unknown) =>
            securityFault(
              'FailedAuthentication',
              `Certificat client refusé : ${error instanceof CabinetError ? error.message : 'non valide'}`,
            ),
        );
      }
      verdicts.set(socket, verdict);
    }
    return verdict;
  };

  async function checkVihf(
    header: Element | null,
    tls: { pem: string; card: boolean },
    now: Date,
  ): Promise<VerifiedVihf & { purpose: Purpose; patientCx: string }> {
    const security = header ? kids(header, NS.wsse, 'Security') : [];
    if (security.length !== 1)
      throw securityFault('InvalidSecurity', 'En-tête wsse:Security absent ou multiple : le VIHF est obligatoire.');
    const assertions = kids(security[0]!, NS.saml, 'Assertion');
    if (assertions.length !== 1)
      throw securityFault('InvalidSecurity', 'wsse:Security doit contenir exactement une assertion SAML 2.0 (VIHF).');
    let vihf: VerifiedVihf;
    const assertionXml = serialize(assertions[0]!);
    const key = crypto.createHash('sha256').update(assertionXml).digest('base64');
    const known = verifiedVihfs.get(key);
    if (known && now.getTime() < known.until) vihf = known.vihf;
    else {
      verifiedVihfs.delete(key);
      try {
        vihf = await verifyVihfAsync(assertionXml, {
          anchorsPem: trust.anchorsPem,
          now,
          clockSkewMs: 60_000,
          validateCertificate: async (pem, context) => {
            await validateCertificate({
              leafPem: pem,
              intermediatesPem: [...trust.intermediatesPem, ...context.chainPem],
              anchorsPem: trust.anchorsPem,
              crls: trust.crls,
              at: now,
              purpose: 'signature',
            });
          },
        });
      } catch (error) {
        throw securityFault('InvalidSecurityToken', error instanceof CabinetError ? error.message : 'Assertion VIHF refusée.');
      }
      // The same assertion (same bytes) is reused by the client for its lifetime: verified once, then believed until it
      // expires (NotOnOrAfter + the skew) or its signer's certificate does, whichever comes first. The CRLs are fixed at start.
      const until = Math.min(vihf.notOnOrAfter.getTime() + 60_000, Date.parse(new X509Certificate(vihf.certificatePem).validTo));
      if (verifiedVihfs.size >= MAX_VERIFIED_VIHFS) verifiedVihfs.delete(verifiedVihfs.keys().next().value as string);
      verifiedVihfs.set(key, { vihf, until });
    }
    if (vihf.resourceUrn !== 'urn:dmp')
      throw securityFault(
        'InvalidSecurityToken',
        `Assertion VIHF refusée : Ressource_URN « ${vihf.resourceUrn.slice(0, 40)} » au lieu de urn:dmp.`,
      );
    const purpose = vihf.purposeOfUse.code as Purpose;
    if (vihf.purposeOfUse.codeSystem !== ACCESS_MODE_OID || !PURPOSES.includes(purpose))
      throw securityFault(
        'InvalidSecurityToken',
        `Assertion VIHF refusée : mode d’accès (purposeofuse) « ${vihf.purposeOfUse.code.slice(0, 40)} » inconnu (TRE_R248 : normal, bris_de_glace, centre_15).`,
      );
    const signer = new X509Certificate(vihf.certificatePem);
    if (cardsAuthority && signer.checkIssued(cardsAuthority)) {
      // Signed with a card: the card's holder is the practitioner of the assertion.
      const holder = softwareIdentityFromCertificate(vihf.certificatePem).commonName;
      if (holder !== vihf.nameId)
        throw securityFault(
          'InvalidSecurityToken',
          `Assertion VIHF refusée : Subject/NameID (${vihf.nameId.slice(0, 20)}) n’est pas le titulaire de la carte qui l’a signée (${holder}).`,
        );
    }
    if (!/^\d{10,12}$/.test(vihf.nameId))
      throw securityFault(
        'InvalidSecurityToken',
        'Assertion VIHF refusée : Subject/NameID n’est pas un identifiant national de professionnel (idNat_PS).',
      );
    if (!vihf.patientId)
      throw securityFault(
        'InvalidSecurityToken',
        'Assertion VIHF refusée : attribut obligatoire absent : urn:oasis:names:tc:xacml:2.0:resource:resource-id (le patient).',
      );
    if (!insFromCx(vihf.patientId))
      throw securityFault('InvalidSecurityToken', 'Assertion VIHF refusée : le patient (resource-id) n’est pas un INS qualifié.');
    if (tls.card) {
      const cardId = softwareIdentityFromCertificate(tls.pem).commonName;
      if (cardId !== vihf.nameId)
        throw securityFault(
          'FailedAuthentication',
          `Le professionnel du VIHF (${vihf.nameId}) n’est pas celui de la carte utilisée pour TLS (${cardId}).`,
        );
      if (vihf.authenticationMode !== 'DIRECTE')
        throw securityFault('InvalidSecurityToken', 'Assertion VIHF refusée : Authentification_Mode DIRECTE attendu avec une carte CPS.');
    }
    return { ...vihf, purpose, patientCx: vihf.patientId };
  }

  async function validateXsd(xml: string): Promise<void> {
    let errors: string[];
    try {
      errors = await validator.validate(xml);
    } catch (error) {
      if (error instanceof SchemaUnavailable)
        throw new SoapFault(503, 'Receiver', null, 'Service momentanément indisponible (validation). Réessayez.');
      throw error;
    }
    if (errors.length > 0) throw new RegistryFailure(XDS_ERRORS.registry, `Requête non conforme au schéma ebRIM/XDS : ${errors[0]}`);
  }

  function patientOfCx(cx: string): DmpPatient | null {
    const ins = insFromCx(cx);
    return ins ? registry.patient(ins.value) : null;
  }

  // ------------------------------------------------------------- TD0.2 / TD0.3

  function access(op: AccessOperation, payload: Element, vihf: VerifiedVihf & { patientCx: string }, now: Date): string {
    const request = parseAccessRequest(op, payload);
    if (insToCx(request.ins) !== vihf.patientCx) throw new AccessFault('PATIENT_DIFFERENT');
    const patient = registry.patient(request.ins.value);
    const practitioner = vihf.nameId;
    if (op === 'td03') {
      if (!patient) throw new AccessFault('DMP_INEXISTANT');
      if (patient.state === 'FERME') throw new AccessFault('DMP_FERME');
      const current = patient.authorizations.get(practitioner);
      if (current?.status === 'INTERDIT') throw new AccessFault('ACCES_INTERDIT');
      if (!request.consent) throw new AccessFault('CONSENTEMENT_ABSENT');
      patient.authorizations.set(practitioner, {
        status: 'VALIDE',
        end: new Date(now.getTime() + 365 * 86_400_000).toISOString(),
        medecinTraitant: current?.medecinTraitant ?? false,
      });
      registry.log({
        practitioner,
        patient: vihf.patientCx,
        transaction: 'TD0.3',
        purpose: 'normal',
        outcome: 'autorise',
        detail: 'autorisation ajoutée',
      });
    }
    const answer: AccessAnswer = !patient
      ? { state: 'INEXISTANT', espaceSante: false, authorization: 'NON_EXISTE', medecinTraitant: false, authorizationEnd: null }
      : (() => {
          const auth = patient.authorizations.get(practitioner);
          let status = auth?.status ?? 'NON_EXISTE';
          if (status === 'VALIDE' && auth?.end && new Date(auth.end).getTime() <= now.getTime()) status = 'EXPIRE';
          return {
            state: patient.state,
            espaceSante: patient.espaceSante,
            authorization: patient.state === 'FERME' ? 'NON_EXISTE' : status,
            medecinTraitant: auth?.medecinTraitant ?? false,
            authorizationEnd: status === 'VALIDE' ? (auth?.end ?? null) : null,
            closing: patient.closing,
            reason: status === 'INTERDIT' ? (auth?.reason ?? null) : null,
          };
        })();
    return buildStatusResponse(answer);
  }

  // ------------------------------------------------------------- ITI-41

  async function provideAndRegister(
    request: Element,
    parsed: ParsedMtom,
    vihf: VerifiedVihf & { purpose: Purpose; patientCx: string },
  ): Promise<XdsError[]> {
    const submitEl = kids(request, NS.lcm, 'SubmitObjectsRequest');
    if (submitEl.length !== 1) throw new RegistryFailure(XDS_ERRORS.registry, 'SubmitObjectsRequest absent ou multiple.');
    // XSD: the request with the documents' content left out (xop:Include is not base64Binary).
    const forXsd = request.cloneNode(true) as Element;
    for (const d of kids(forXsd, NS.xdsb, 'Document')) while (d.firstChild) d.removeChild(d.firstChild);
    await validateXsd(serialize(forXsd));
    const submission = readSubmission(submitEl[0]!, { update: false });
    const ss = submission.submissionSet;
    const practitioner = vihf.nameId;
    if (ss.patientId !== vihf.patientCx)
      throw new RegistryFailure(XDS_ERRORS.patientIdDoesNotMatch, 'Le patient du lot de soumission n’est pas celui du VIHF.', ss.id);
    const patient = patientOfCx(ss.patientId);
    const decision = feedDecision(patient, practitioner);
    if (!decision.ok) {
      registry.log({
        practitioner,
        patient: ss.patientId,
        transaction: 'ITI-41',
        purpose: vihf.purpose,
        outcome: 'refuse',
        detail: decision.code,
      });
      throw new RegistryFailure(decision.code, decision.message, ss.id);
    }
    if (submission.entries.length === 0)
      throw new RegistryFailure(XDS_ERRORS.registryMetadata, 'Aucun document dans le lot de soumission.');

    // The documents sent.
    const documents = new Map<string, Buffer>();
    for (const d of kids(request, NS.xdsb, 'Document')) {
      const id = d.getAttribute('id') ?? '';
      if (documents.has(id)) throw new RegistryFailure(XDS_ERRORS.repository, `Document ${id} présent plusieurs fois.`, id);
      const include = elementKids(d).find((e) => e.namespaceURI === NS.xop && e.localName === 'Include');
      if (include) {
        const href = include.getAttribute('href') ?? '';
        const cid = decodeURIComponent(href.replace(/^cid:/, ''));
        const part = parsed.parts.get(cid);
        if (!href.startsWith('cid:') || !part)
          throw new RegistryFailure(XDS_ERRORS.missingDocument, `Pièce MTOM ${href.slice(0, 80)} absente.`, id);
        documents.set(id, part);
      } else {
        const text = (d.textContent ?? '').replace(/\s+/g, '');
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text))
          throw new RegistryFailure(XDS_ERRORS.repository, 'Contenu base64 du document invalide.', id);
        documents.set(id, Buffer.from(text, 'base64'));
      }
    }
    const entryIds = new Set(submission.entries.map((e) => e.id));
    for (const id of documents.keys())
      if (!entryIds.has(id))
        throw new RegistryFailure(XDS_ERRORS.missingDocumentMetadata, `Document ${id} sans fiche (ExtrinsicObject).`, id);

    const seenUids = new Set<string>();
    const checked: { entry: ParsedEntry; content: Buffer; hash: string; replaces: StoredEntry | null; signature: boolean }[] = [];
    for (const entry of submission.entries) {
      const content = documents.get(entry.id);
      if (!content) throw new RegistryFailure(XDS_ERRORS.missingDocument, `Le document de la fiche ${entry.id} est absent.`, entry.id);
      if (entry.patientId !== ss.patientId)
        throw new RegistryFailure(
          XDS_ERRORS.patientIdDoesNotMatch,
          'Le patient du document diffère de celui du lot de soumission.',
          entry.id,
        );
      if (seenUids.has(entry.uniqueId) || registry.entryByUniqueId(entry.uniqueId)) {
        throw new RegistryFailure(
          XDS_ERRORS.duplicateUniqueId,
          `Un document de même identifiant unique (${entry.uniqueId}) existe déjà dans le DMP.`,
          entry.uniqueId,
        );
      }
      seenUids.add(entry.uniqueId);
      const hash = crypto.createHash('sha1').update(content).digest('hex');
      if (entry.slots.hash && entry.slots.hash[0]!.toLowerCase() !== hash)
        throw new RegistryFailure(
          XDS_ERRORS.nonIdenticalHash,
          'L’empreinte (hash SHA-1) des métadonnées ne correspond pas au document reçu.',
          entry.id,
        );
      if (entry.slots.size && Number(entry.slots.size[0]) !== content.length)
        throw new RegistryFailure(
          XDS_ERRORS.nonIdenticalSize,
          `La taille des métadonnées (${entry.slots.size[0]}) ne correspond pas au document reçu (${content.length} octets).`,
          entry.id,
        );
      const signature = entry.classCode.code === DMP_CODES.signatureClassCode;
      if (!signature) {
        checkCodes(entry, vocabulary, DMP_CODES.visibilityScheme, [
          DMP_CODES.masquePs,
          DMP_CODES.invisiblePatient,
          DMP_CODES.invisibleRepresentants,
        ]);
        if (entry.mimeType !== 'text/xml')
          throw new RegistryFailure(
            XDS_ERRORS.registryMetadata,
            `Type MIME ${entry.mimeType.slice(0, 40)} refusé : le DMP attend un CDA (text/xml).`,
            entry.id,
          );
        await checkCdaDocument(entry, content);
      }
      const rplc = submission.associations.filter((a) => a.type === ASSOCIATION.replace && a.source === entry.id);
      let replaces: StoredEntry | null = null;
      if (rplc.length > 1) throw new RegistryFailure(XDS_ERRORS.registryMetadata, 'Un document ne peut en remplacer qu’un seul.', entry.id);
      if (rplc.length === 1) {
        replaces = registry.entries.get(rplc[0]!.target) ?? null;
        if (!replaces || replaces.patient !== entry.patientId || !visibleTo(replaces, practitioner))
          throw new RegistryFailure(
            XDS_ERRORS.unresolvedReference,
            'Le document remplacé (RPLC) est inconnu pour ce patient.',
            rplc[0]!.target,
          );
        if (replaces.status !== 'Approved')
          throw new RegistryFailure(XDS_ERRORS.registryMetadata, 'Seul un document valide (Approved) peut être remplacé.', rplc[0]!.target);
      }
      checked.push({ entry, content, hash, replaces, signature });
    }
    await checkSubmissionSignature(submission, documents, {
      trust,
      now: new Date(clock.now()),
      practitioner,
      required: options.requireSignature !== false,
    });

    // Register.
    const submissionTime = xdsTime(new Date(clock.now()));
    const ssUuid = ss.id.startsWith('urn:uuid:') && !registry.submissionSets.has(ss.id) ? ss.id : `urn:uuid:${randomUUID()}`;
    const idMap = new Map<string, string>([[ss.id, ssUuid]]);
    registry.addSubmissionSet({
      entryUuid: ssUuid,
      uniqueId: ss.uniqueId,
      sourceId: ss.sourceId,
      patient: ss.patientId,
      submissionTime: ss.submissionTime,
      contentTypeCode: ss.contentTypeCode,
      authors: ss.authors,
      title: ss.title,
      status: 'Approved',
    });
    for (const { entry, content, hash, replaces } of checked) {
      const uuid = entry.id.startsWith('urn:uuid:') && !registry.entries.has(entry.id) ? entry.id : `urn:uuid:${randomUUID()}`;
      idMap.set(entry.id, uuid);
      const authorIds = entry.authors.map((a) => xcnId(a.person)).filter((x): x is string => Boolean(x));
      const stored: StoredEntry = {
        entryUuid: uuid,
        logicalId: uuid,
        version: 1,
        uniqueId: entry.uniqueId,
        repositoryUniqueId: REPOSITORY_UNIQUE_ID,
        patient: entry.patientId,
        status: 'Approved',
        title: entry.title,
        mimeType: entry.mimeType,
        hash,
        size: content.length,
        creationTime: entry.slots.creationTime![0]!,
        serviceStartTime: entry.slots.serviceStartTime?.[0] ?? null,
        serviceStopTime: entry.slots.serviceStopTime?.[0] ?? null,
        languageCode: entry.slots.languageCode![0]!,
        sourcePatientId: entry.slots.sourcePatientId![0]!,
        legalAuthenticator: entry.slots.legalAuthenticator?.[0] ?? null,
        classCode: entry.classCode,
        typeCode: entry.typeCode,
        formatCode: entry.formatCode,
        confidentiality: entry.confidentiality,
        healthcareFacilityTypeCode: entry.healthcareFacilityTypeCode,
        practiceSettingCode: entry.practiceSettingCode,
        authors: entry.authors,
        authorIds,
        submitter: practitioner,
        submissionSetUuid: ssUuid,
        submissionTime,
        replaces: replaces?.entryUuid ?? null,
      };
      registry.addEntry(stored, content);
      if (replaces) registry.setStatus(replaces, 'Deprecated');
    }
    for (const a of submission.associations) {
      registry.addAssociation({
        type: a.type,
        source: idMap.get(a.source) ?? a.source,
        target: idMap.get(a.target) ?? a.target,
        slots: a.slots,
      });
    }
    registry.log({
      practitioner,
      patient: ss.patientId,
      transaction: 'ITI-41',
      purpose: vihf.purpose,
      outcome: 'autorise',
      detail: `${checked.length} document(s)`,
    });
    return [];
  }

  async function checkCdaDocument(entry: ParsedEntry, content: Buffer): Promise<void> {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(content);
    } catch {
      throw new RegistryFailure(XDS_ERRORS.repositoryMetadata, 'Le document n’est pas un XML UTF-8.', entry.id);
    }
    const head = text.slice(0, Math.max(0, text.indexOf('<component')) || text.length);
    const target = /<recordTarget\b[\s\S]*?<\/recordTarget>/.exec(head)?.[0] ?? '';
    const ins = [...target.matchAll(/<id\b([^>]*)\/?>/g)]
      .map((m) => ({ root: /\broot="([^"]*)"/.exec(m[1]!)?.[1] ?? '', extension: /\bextension="([^"]*)"/.exec(m[1]!)?.[1] ?? '' }))
      .find((id) => /^1\.2\.250\.1\.213\.1\.4\.(8|9|10)$/.test(id.root));
    if (!ins)
      throw new RegistryFailure(
        XDS_ERRORS.patientIdDoesNotMatch,
        'Le CDA ne porte pas d’INS (recordTarget/patientRole/id avec un OID d’INS).',
        entry.id,
      );
    if (`${ins.extension}^^^&${ins.root}&ISO^NH` !== entry.patientId)
      throw new RegistryFailure(
        XDS_ERRORS.patientIdDoesNotMatch,
        'Le patientId des métadonnées diffère de l’INS du CDA (recordTarget).',
        entry.id,
      );
    const docId = /<ClinicalDocument\b[\s\S]*?<id\b([^>]*)\/?>/.exec(head)?.[1] ?? '';
    const root = /\broot="([^"]*)"/.exec(docId)?.[1] ?? '';
    const extension = /\bextension="([^"]*)"/.exec(docId)?.[1];
    if ((extension ? `${root}^${extension}` : root) !== entry.uniqueId)
      throw new RegistryFailure(
        XDS_ERRORS.documentUniqueIdError,
        'L’uniqueId des métadonnées diffère de l’identifiant du CDA (ClinicalDocument/id).',
        entry.id,
      );
    const typeCode = /<ClinicalDocument\b[\s\S]*?<code\b([^>]*)\/?>/.exec(head)?.[1] ?? '';
    if (/\bcode="([^"]*)"/.exec(typeCode)?.[1] !== entry.typeCode.code)
      throw new RegistryFailure(XDS_ERRORS.registryMetadata, 'Le typeCode des métadonnées diffère du code du CDA.', entry.id);
    if (cdaCheck) {
      const result = await cdaCheck.check(text);
      if (!result.ok) {
        const first = result.problems[0]!;
        throw new RegistryFailure(
          XDS_ERRORS.repositoryMetadata,
          `Le CDA n’est pas conforme (${result.problems.length} problème(s)) : ${first.rule} — ${first.message} (${first.location}).`,
          entry.id,
        );
      }
    }
  }

  // ------------------------------------------------------------- ITI-18

  async function storedQuery(request: Element, vihf: VerifiedVihf & { purpose: Purpose; patientCx: string }): Promise<string> {
    await validateXsd(serialize(request));
    const query = readQuery(request);
    const named = queryPatient(query);
    if (named !== null && named !== vihf.patientCx)
      throw new RegistryFailure(DMP_ERRORS.patientMismatch, 'Le patient de la requête n’est pas celui du VIHF.');
    const patient = patientOfCx(vihf.patientCx);
    const decision = consultDecision(patient, vihf.nameId, vihf.purpose, new Date(clock.now()));
    registry.log({
      practitioner: vihf.nameId,
      patient: vihf.patientCx,
      transaction: `ITI-18 ${query.name}`,
      purpose: vihf.purpose,
      outcome: decision.ok ? 'autorise' : 'refuse',
      detail: decision.ok ? (decision.exceptional ? `accès exceptionnel (${vihf.purpose})` : 'autorisation valide') : decision.code,
    });
    if (!decision.ok) throw new RegistryFailure(decision.code, decision.message);
    const result = runQuery({ registry, practitioner: vihf.nameId, patient: vihf.patientCx }, query);
    return `<query:AdhocQueryResponse xmlns:query="${NS.query}" xmlns:rim="${NS.rim}" status="${RESPONSE_STATUS.success}"><rim:RegistryObjectList>${result.xml}</rim:RegistryObjectList></query:AdhocQueryResponse>`;
  }

  // ------------------------------------------------------------- ITI-43

  async function retrieve(
    request: Element,
    vihf: VerifiedVihf & { purpose: Purpose; patientCx: string },
  ): Promise<{ body: string; attachments: { contentId: string; contentType: string; body: Buffer }[] }> {
    await validateXsd(serialize(request));
    const patient = patientOfCx(vihf.patientCx);
    const decision = consultDecision(patient, vihf.nameId, vihf.purpose, new Date(clock.now()));
    registry.log({
      practitioner: vihf.nameId,
      patient: vihf.patientCx,
      transaction: 'ITI-43',
      purpose: vihf.purpose,
      outcome: decision.ok ? 'autorise' : 'refuse',
      detail: decision.ok ? (decision.exceptional ? `accès exceptionnel (${vihf.purpose})` : 'autorisation valide') : decision.code,
    });
    if (!decision.ok) throw new RegistryFailure(decision.code, decision.message);
    const errors: XdsError[] = [];
    const responses: string[] = [];
    const attachments: { contentId: string; contentType: string; body: Buffer }[] = [];
    for (const r of kids(request, NS.xdsb, 'DocumentRequest')) {
      const repo = (kids(r, NS.xdsb, 'RepositoryUniqueId')[0]?.textContent ?? '').trim();
      const uid = (kids(r, NS.xdsb, 'DocumentUniqueId')[0]?.textContent ?? '').trim();
      if (repo !== REPOSITORY_UNIQUE_ID) {
        errors.push({ code: XDS_ERRORS.unknownRepositoryId, message: `Entrepôt ${repo.slice(0, 64)} inconnu.`, location: repo });
        continue;
      }
      const entry = registry.entryByUniqueId(uid);
      const content = entry && entry.patient === vihf.patientCx && visibleTo(entry, vihf.nameId) ? registry.content(uid) : null;
      if (!entry || !content) {
        errors.push({ code: XDS_ERRORS.missingDocument, message: `Document ${uid.slice(0, 80)} introuvable dans ce DMP.`, location: uid });
        continue;
      }
      const cid = `doc${attachments.length + 1}@dmp-sandbox`;
      attachments.push({ contentId: cid, contentType: entry.mimeType, body: content });
      responses.push(
        `<xdsb:DocumentResponse><xdsb:RepositoryUniqueId>${REPOSITORY_UNIQUE_ID}</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>${esc(uid)}</xdsb:DocumentUniqueId>` +
          `<xdsb:mimeType>${esc(entry.mimeType)}</xdsb:mimeType><xdsb:Document><xop:Include xmlns:xop="${NS.xop}" href="cid:${cid}"/></xdsb:Document></xdsb:DocumentResponse>`,
      );
    }
    const status =
      errors.length === 0 ? RESPONSE_STATUS.success : responses.length === 0 ? RESPONSE_STATUS.failure : RESPONSE_STATUS.partialSuccess;
    return {
      body: `<xdsb:RetrieveDocumentSetResponse xmlns:xdsb="${NS.xdsb}" xmlns:rs="${NS.rs}"><rs:RegistryResponse status="${status}">${errorList(errors)}</rs:RegistryResponse>${responses.join('')}</xdsb:RetrieveDocumentSetResponse>`,
      attachments,
    };
  }

  // ------------------------------------------------------------- ITI-57

  async function update(request: Element, vihf: VerifiedVihf & { purpose: Purpose; patientCx: string }): Promise<void> {
    await validateXsd(serialize(request));
    const submission = readSubmission(request, { update: true });
    const ss = submission.submissionSet;
    if (ss.patientId !== vihf.patientCx)
      throw new RegistryFailure(XDS_ERRORS.patientIdDoesNotMatch, 'Le patient du lot de soumission n’est pas celui du VIHF.', ss.id);
    const patient = patientOfCx(ss.patientId);
    const now = new Date(clock.now());
    const ssUuid = ss.id.startsWith('urn:uuid:') && !registry.submissionSets.has(ss.id) ? ss.id : `urn:uuid:${randomUUID()}`;
    const submissionTime = xdsTime(now);
    const changes: (() => void)[] = [];
    const find = (id: string) => {
      const entry =
        registry.entries.get(id) ??
        registry.patientEntries(ss.patientId).find((e) => e.logicalId === id && e.status !== 'Deprecated') ??
        null;
      if (!entry || entry.patient !== ss.patientId || !visibleTo(entry, vihf.nameId))
        throw new RegistryFailure(XDS_ERRORS.unresolvedReference, `Document ${id.slice(0, 80)} inconnu dans ce DMP.`, id);
      return entry;
    };
    // Status changes (archive, delete, unarchive).
    for (const a of submission.associations.filter((x) => x.type === ASSOCIATION.updateAvailabilityStatus)) {
      if (a.source !== ss.id)
        throw new RegistryFailure(XDS_ERRORS.metadataUpdateError, 'UpdateAvailabilityStatus doit partir du lot de soumission.', a.id);
      const entry = find(a.target);
      const original = statusName(a.slots.OriginalStatus?.[0] ?? '');
      const next = statusName(a.slots.NewStatus?.[0] ?? '');
      if (!original || !next || a.slots.OriginalStatus!.length !== 1 || a.slots.NewStatus!.length !== 1)
        throw new RegistryFailure(XDS_ERRORS.metadataUpdateError, 'Slots OriginalStatus et NewStatus attendus (un chacun).', a.id);
      if (original !== entry.status)
        throw new RegistryFailure(
          XDS_ERRORS.metadataUpdateError,
          `Statut d’origine ${original} différent du statut actuel (${entry.status}).`,
          a.id,
        );
      const allowed =
        (entry.status === 'Approved' && (next === 'Archived' || next === 'Deleted')) ||
        (entry.status === 'Archived' && (next === 'Approved' || next === 'Deleted'));
      if (!allowed) throw new RegistryFailure(XDS_ERRORS.metadataUpdateError, `Passage de ${entry.status} à ${next} impossible.`, a.id);
      const decision = updateDecision(patient, vihf.nameId, entry, next, now);
      registry.log({
        practitioner: vihf.nameId,
        patient: ss.patientId,
        transaction: `ITI-57 ${next}`,
        purpose: vihf.purpose,
        outcome: decision.ok ? 'autorise' : 'refuse',
        detail: decision.ok ? entry.uniqueId : decision.code,
      });
      if (!decision.ok) throw new RegistryFailure(decision.code, decision.message, a.id);
      changes.push(() => registry.setStatus(entry, next));
    }
    // Metadata updates (visibility): a new version of an entry, `lid` = its logicalId.
    for (const parsed of submission.entries) {
      const member = submission.associations.find((a) => a.type === ASSOCIATION.hasMember && a.source === ss.id && a.target === parsed.id);
      if (!member || member.slots.SubmissionSetStatus?.[0] !== 'Original')
        throw new RegistryFailure(
          XDS_ERRORS.metadataUpdateError,
          'Association HasMember (SubmissionSetStatus Original) absente pour la nouvelle version.',
          parsed.id,
        );
      if (!parsed.lid || parsed.lid === parsed.id)
        throw new RegistryFailure(
          XDS_ERRORS.metadataUpdateError,
          'Mise à jour : l’attribut lid (logicalId du document) est obligatoire.',
          parsed.id,
        );
      const entry = find(parsed.lid);
      if (entry.status !== 'Approved')
        throw new RegistryFailure(
          XDS_ERRORS.metadataUpdateError,
          'Seule la dernière version valide d’un document peut être modifiée.',
          parsed.id,
        );
      const previous = member.slots.PreviousVersion?.[0];
      if (previous !== String(entry.version))
        throw new RegistryFailure(
          XDS_ERRORS.metadataVersionError,
          `PreviousVersion ${previous ?? '(absent)'} différente de la version actuelle (${entry.version}).`,
          parsed.id,
        );
      if (parsed.uniqueId !== entry.uniqueId || parsed.patientId !== entry.patient)
        throw new RegistryFailure(XDS_ERRORS.metadataUpdateError, 'Mise à jour : uniqueId et patientId ne peuvent pas changer.', parsed.id);
      checkCodes(parsed, vocabulary, DMP_CODES.visibilityScheme, [
        DMP_CODES.masquePs,
        DMP_CODES.invisiblePatient,
        DMP_CODES.invisibleRepresentants,
      ]);
      const decision = updateDecision(patient, vihf.nameId, entry, null, now);
      registry.log({
        practitioner: vihf.nameId,
        patient: ss.patientId,
        transaction: 'ITI-57 visibilité',
        purpose: vihf.purpose,
        outcome: decision.ok ? 'autorise' : 'refuse',
        detail: decision.ok ? entry.uniqueId : decision.code,
      });
      if (!decision.ok) throw new RegistryFailure(decision.code, decision.message, parsed.id);
      const wasMasked = entry.confidentiality.some((c) => c.code === DMP_CODES.masquePs);
      const masks = parsed.confidentiality.some((c) => c.code === DMP_CODES.masquePs);
      if (wasMasked !== masks && !isAuthor(entry, vihf.nameId))
        throw new RegistryFailure(
          DMP_ERRORS.authorOnly,
          'Seul l’auteur peut masquer ou démasquer un document aux professionnels.',
          parsed.id,
        );
      changes.push(() => {
        const next = registry.newVersion(entry, { confidentiality: parsed.confidentiality }, ssUuid, submissionTime);
        registry.addAssociation({
          type: ASSOCIATION.hasMember,
          source: ssUuid,
          target: next.entryUuid,
          slots: { SubmissionSetStatus: ['Original'], PreviousVersion: [String(entry.version)] },
        });
      });
    }
    if (changes.length === 0) throw new RegistryFailure(XDS_ERRORS.metadataUpdateError, 'Aucune mise à jour dans la requête.');
    registry.addSubmissionSet({
      entryUuid: ssUuid,
      uniqueId: ss.uniqueId,
      sourceId: ss.sourceId,
      patient: ss.patientId,
      submissionTime: ss.submissionTime,
      contentTypeCode: ss.contentTypeCode,
      authors: ss.authors,
      title: ss.title,
      status: 'Approved',
    });
    for (const change of changes) change();
  }

  // ------------------------------------------------------------- HTTP

  async function answer(
    req: IncomingMessage,
    record: DmpSandboxRequest,
  ): Promise<{ status: number; contentType: string; body: Buffer | string }> {
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof TooLarge)
        throw new SoapFault(413, 'Sender', null, `Message trop volumineux (maximum ${MAX_BODY_BYTES} octets).`);
      throw error;
    }
    let parsed: ParsedMtom;
    try {
      parsed = parseSoapMessage(req.headers['content-type'], raw, { maxTotalBytes: MAX_BODY_BYTES, maxParts: 32, maxHeaderBytes: 8192 });
    } catch (error) {
      throw senderFault(error instanceof CabinetError ? error.message : 'Message illisible.');
    }
    let doc: Document;
    try {
      doc = parseUntrustedXml(parsed.envelope.replace(/^\uFEFF/, ''), XML_LIMITS);
    } catch (error) {
      if (error instanceof XmlRefused) throw senderFault(`Message illisible : ${error.reason}.`);
      throw error;
    }
    const root = doc.documentElement!;
    if (root.localName !== 'Envelope') throw senderFault('Enveloppe SOAP attendue.');
    if (root.namespaceURI !== NS.soap) throw new SoapFault(500, 'VersionMismatch', null, 'SOAP 1.2 attendu.');
    const parts = elementKids(root);
    const header = parts[0]?.localName === 'Header' && parts[0].namespaceURI === NS.soap ? parts[0] : null;
    const bodyEl = parts.find((p) => p.localName === 'Body' && p.namespaceURI === NS.soap);
    if (!bodyEl || parts.length !== (header ? 2 : 1)) throw senderFault('Enveloppe SOAP 1.2 mal formée (Header facultatif puis Body).');
    const understood = new Set<string>([NS.wsa, NS.wsse]);
    for (const block of header ? elementKids(header) : []) {
      const mu = block.getAttributeNS(NS.soap, 'mustUnderstand');
      if ((mu === 'true' || mu === '1') && !understood.has(block.namespaceURI ?? ''))
        throw new SoapFault(500, 'MustUnderstand', null, `En-tête ${block.localName} non compris.`);
    }
    const wsa = (name: string) => (header ? (kids(header, NS.wsa, name)[0]?.textContent ?? '').trim() : '');
    const action = wsa('Action');
    const messageId = wsa('MessageID');
    record.outcome = 'reçu';
    if (!action) throw senderFault('wsa:Action absent.', 'wsa:MessageAddressingHeaderRequired');
    const operation = operationFor(action);
    if (!operation) throw senderFault(`Action ${action.slice(0, 100)} non prise en charge.`, 'wsa:ActionNotSupported');
    record.transaction = operation.kind === 'access' ? (operation.op === 'td02' ? 'TD0.2' : 'TD0.3') : operation.op.toUpperCase();
    if (!messageId) throw senderFault('wsa:MessageID absent.', 'wsa:MessageAddressingHeaderRequired');
    const contentAction = /;\s*action="([^"]*)"/.exec(String(req.headers['content-type'] ?? ''))?.[1];
    if (contentAction && contentAction !== action)
      throw senderFault('L’action du Content-Type diffère de wsa:Action.', 'wsa:ActionMismatch');
    const payloads = elementKids(bodyEl);
    if (payloads.length !== 1) throw senderFault('Le corps SOAP doit contenir exactement un élément.');
    const payload = payloads[0]!;

    const tls = await clientCertificate(req.socket as TLSSocket);
    if (tls instanceof SoapFault) throw tls;
    const now = new Date(clock.now());
    const vihf = await checkVihf(header, tls, now);
    record.practitioner = vihf.nameId;
    record.purpose = vihf.purpose;

    if (operation.kind === 'access') {
      const responseAction = ACCESS_OPERATIONS[operation.op].responseAction;
      try {
        const xml = access(operation.op, payload, vihf, now);
        record.outcome = 'ok';
        return { status: 200, contentType: SOAP_CT, body: envelope(responseAction, messageId, xml) };
      } catch (error) {
        if (!(error instanceof AccessFault)) throw error;
        record.outcome = `acc:${error.code}`;
        return {
          status: 400,
          contentType: SOAP_CT,
          body: `<env:Envelope xmlns:env="${NS.soap}"><env:Body>${buildAccessFault(error)}</env:Body></env:Envelope>`,
        };
      }
    }

    const op = operation.op;
    const expected: Record<XdsTransaction, [string, string]> = {
      iti41: [NS.xdsb, 'ProvideAndRegisterDocumentSetRequest'],
      iti18: [NS.query, 'AdhocQueryRequest'],
      iti43: [NS.xdsb, 'RetrieveDocumentSetRequest'],
      iti57: [NS.lcm, 'SubmitObjectsRequest'],
    };
    const [ns, name] = expected[op];
    const respond = (xml: string) => ({ status: 200, contentType: SOAP_CT, body: envelope(ACTIONS[op].response, messageId, xml) });
    try {
      if (payload.namespaceURI !== ns || payload.localName !== name)
        throw new RegistryFailure(XDS_ERRORS.registry, `Élément {${ns}}${name} attendu pour ${op.toUpperCase()}.`);
      if (op !== 'iti41' && parsed.parts.size > 0)
        throw new RegistryFailure(XDS_ERRORS.registry, 'Pièces MTOM inattendues pour cette transaction.');
      switch (op) {
        case 'iti41':
          await provideAndRegister(payload, parsed, vihf);
          record.outcome = 'Success';
          return respond(registryResponse([]));
        case 'iti18': {
          const xml = await storedQuery(payload, vihf);
          record.outcome = 'Success';
          return respond(xml);
        }
        case 'iti43': {
          const result = await retrieve(payload, vihf);
          record.outcome = result.attachments.length ? 'Success' : 'Failure';
          const built = buildMtom({
            envelope: envelope(ACTIONS.iti43.response, messageId, result.body),
            attachments: result.attachments,
            action: ACTIONS.iti43.response,
          });
          return { status: 200, contentType: built.contentType, body: built.body };
        }
        case 'iti57':
          await update(payload, vihf);
          record.outcome = 'Success';
          return respond(registryResponse([]));
      }
    } catch (error) {
      if (!(error instanceof RegistryFailure)) throw error;
      record.outcome = error.code;
      const errors = [{ code: error.code, message: error.message, location: error.location }];
      if (op === 'iti18')
        return respond(
          `<query:AdhocQueryResponse xmlns:query="${NS.query}" xmlns:rs="${NS.rs}" status="${RESPONSE_STATUS.failure}">${errorList(errors)}</query:AdhocQueryResponse>`,
        );
      if (op === 'iti43')
        return respond(
          `<xdsb:RetrieveDocumentSetResponse xmlns:xdsb="${NS.xdsb}" xmlns:rs="${NS.rs}"><rs:RegistryResponse status="${RESPONSE_STATUS.failure}">${errorList(errors)}</rs:RegistryResponse></xdsb:RetrieveDocumentSetResponse>`,
        );
      return respond(registryResponse(errors));
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const began = performance.now();
    const record: DmpSandboxRequest = {
      at: new Date(clock.now()).toISOString(),
      durationMs: 0,
      httpStatus: 0,
      transaction: null,
      practitioner: null,
      purpose: null,
      outcome: '',
    };
    const send = (status: number, contentType: string, body: Buffer | string, extra: Record<string, string> = {}) => {
      record.httpStatus = status;
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, {
        'content-type': contentType,
        'content-length': String(Buffer.byteLength(body)),
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        ...extra,
      });
      res.end(body);
    };
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== DMP_PATH) {
        req.resume();
        record.outcome = 'http 404';
        send(404, 'text/plain; charset=utf-8', 'Ressource inconnue : le DMP répond sur /dmp.\n');
        return;
      }
      if (req.method !== 'POST') {
        req.resume();
        record.outcome = 'http 405';
        send(405, 'text/plain; charset=utf-8', 'Méthode non autorisée : POST attendu.\n', { allow: 'POST' });
        return;
      }
      const reply = await answer(req, record);
      await options.beforeAnswer?.(record);
      send(reply.status, reply.contentType, reply.body);
    } catch (error) {
      const fault = error instanceof SoapFault ? error : new SoapFault(500, 'Receiver', null, 'Erreur technique du DMP (bac à sable).');
      if (!(error instanceof SoapFault)) record.outcome = `erreur : ${String((error as Error)?.message ?? error).slice(0, 200)}`;
      else record.outcome = `fault ${fault.subcode ?? fault.code}`;
      send(fault.status, SOAP_CT, faultEnvelope(fault), fault.status === 413 ? { connection: 'close' } : {});
    } finally {
      record.durationMs = Math.round((performance.now() - began) * 100) / 100;
      records.push(record);
      if (records.length > MAX_RECORDS) records.shift();
    }
  };

  const httpsServer = https.createServer(
    {
      cert: read(server.certPem) + read(server.chainPem),
      key: read(server.keyPem),
      minVersion: 'TLSv1.2',
      // Mutual TLS: no certificate, or one the test PKI did not issue, and there is no handshake.
      requestCert: true,
      rejectUnauthorized: true,
      ca: [...trust.anchorsPem, ...trust.intermediatesPem],
    },
    (req, res) => {
      handle(req, res).catch(() => res.destroy());
    },
  );
  httpsServer.headersTimeout = 10_000;
  httpsServer.requestTimeout = 60_000;
  httpsServer.keepAliveTimeout = 15_000;
  httpsServer.maxHeadersCount = 50;
  httpsServer.maxConnections = 256;
  httpsServer.on('tlsClientError', () => undefined);
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      httpsServer.once('error', reject);
      httpsServer.listen(options.port ?? sandboxPorts.dmp, host, () => {
        httpsServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    validator.close();
    throw error;
  }
  const port = (httpsServer.address() as AddressInfo).port;
  return {
    url: sandboxUrl(host, port, DMP_PATH),
    port,
    anchorFile: pkiPath(manifest, manifest.root.certPem ?? manifest.root.certDer),
    registry,
    startMs: performance.now() - started,
    seedMs,
    requests: () => records.map((r) => ({ ...r })),
    close: () =>
      new Promise<void>((resolve) => {
        httpsServer.close(() => resolve());
        httpsServer.closeAllConnections();
        validator.close();
      }),
  };
}
