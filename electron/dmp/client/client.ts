/**
 * The DMP client (I/O): {@link DmpClient} over SOAP 1.2 / WS-Addressing /
 * IHE XDS.b, through THE HTTPS transport (electron/platform/tls: mutual TLS,
 * certificates always verified). The pure codecs live in `../wire/`:
 * `mtom.ts` (MTOM/XOP), `metadata.ts` (ITI-41), `query.ts` (ITI-18 and every
 * XDS answer), `retrieve.ts` (ITI-43), `update.ts` (ITI-57), `access.ts`
 * (TD0.2 / TD0.3, Cabinet's stand-in design, see the sandbox README).
 *
 * Every call carries the VIHF (SAML assertion in `wsse:Security`) built for
 * that call's patient and purpose of use by the injected `vihf` function
 * (normally `IdentityService.vihf`, which signs with the card and caches 20
 * minutes). Each exchange has a deadline, a bounded response size, and is
 * recorded by the tracer; every failure is a French `CabinetError`. With a
 * `signer`, ITI-41 submission sets are signed (IHE DSG, `../wire/signature.ts`).
 */
import { randomUUID } from 'node:crypto';
import { CabinetError } from '../../../shared/contract/outcome.js';
import type { CodedValue } from '../../../shared/domain/cda/value-sets.js';
import type { HttpsReply, HttpsTransport } from '../../platform/tls/transport.js';
import { noTrace, type Tracer } from '../../platform/trace/trace.js';
import {
  ACCESS_OPERATIONS,
  buildAddAuthorizationRequest,
  buildStatusRequest,
  MAX_ACCESS_RESPONSE_BYTES,
  parseStatusResponse,
} from '../wire/access.js';
import type { Signer } from '../../identity/types.js';
import {
  buildProvideAndRegister,
  buildSubmitObjects,
  CDA_CONTENT_ID,
  newUuidOid,
  OID,
  patientCx,
  readCdaHeader,
  type CdaHeader,
} from '../wire/metadata.js';
import { buildMtom, parseSoapMessage, type MtomLimits } from '../wire/mtom.js';
import {
  buildAdhocQuery,
  buildFindDocuments,
  buildFindSubmissionSets,
  buildGetAssociations,
  buildGetDocuments,
  MAX_UUIDS_PER_QUERY,
  readXdsResponse,
  registryError,
  type XdsResponse,
} from '../wire/query.js';
import { buildRetrieveRequest, readRetrieveResponse } from '../wire/retrieve.js';
import { SIGNATURE_CONTENT_ID, signSubmissionSet } from '../wire/signature.js';
import { ACTIONS, ASSOCIATION, DMP_CODES, NS, WSA_ANONYMOUS, XDS_ERRORS, xmlEscape } from '../wire/soap.js';
import { buildStatusUpdate, buildVisibilityUpdate } from '../wire/update.js';
import type {
  DmpCall,
  DmpClient,
  DmpDocumentEntry,
  DmpFeedDocument,
  DmpFeedResult,
  DmpFindFilter,
  DmpStatus,
  DmpSubmissionSet,
  DmpVisibility,
} from './api.js';

export const DEFAULT_DMP_TIMEOUT_MS = 30_000;
const MIN_TIMEOUT_MS = 50;
const MAX_TIMEOUT_MS = 300_000;
/** ITI-18 answers: 2,000 entries ≈ 15 MB. */
export const MAX_QUERY_RESPONSE_BYTES = 32 * 1024 * 1024;
/** ITI-43 answers: a CDA with a 20 MB PDF in base64 is ≈ 27 MB. */
export const MAX_RETRIEVE_RESPONSE_BYTES = 64 * 1024 * 1024;
const MAX_SMALL_RESPONSE_BYTES = 1024 * 1024;
/** A CDA fed to the DMP (20 MB PDF in base64 + header). */
export const MAX_FEED_CDA_BYTES = 30 * 1024 * 1024;

/** The practitioner as SubmissionSet author (ITI-41 takes the CDA's author; ITI-57 this one). */
export type DmpAuthor = CdaHeader['author'];

export interface XdsDmpClientOptions {
  /** The DMP endpoint (https), from the configuration. */
  url: string;
  /** THE transport, built over the session's TLS credentials (mutual TLS). Not closed by the client. */
  transport: HttpsTransport;
  /** A signed VIHF for this call (patient INS + purpose of use), e.g. `(c) => identity.vihf({ purposeOfUse: c.purpose ?? 'normal', patientIns: c.ins })`. */
  vihf: (call: DmpCall) => string;
  /** The logged-in practitioner, author of ITI-57 submission sets. */
  author: DmpAuthor | (() => DmpAuthor);
  /** XDS sourceId: the OID of Cabinet or of the structure. */
  sourceId: string;
  /** SubmissionSet contentTypeCode (J59); default 07. */
  contentType?: CodedValue;
  /**
   * The practitioner's signature key (the CPS card's nonRepudiation key):
   * when given, every ITI-41 submission set is signed (`../wire/signature.ts`,
   * IHE DSG detached XAdES) and the signature document goes with it. A
   * function returning null means « no signature key in this session ».
   */
  signer?: Signer | (() => Signer | null);
  tracer?: Tracer;
  timeoutMs?: number;
  now?: () => Date;
}

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CabinetError('CONFIG_INVALID', 'Adresse du DMP invalide : vérifiez la configuration.');
  }
  if (parsed.protocol !== 'https:') throw new CabinetError('CONFIG_INVALID', 'L’adresse du DMP doit commencer par https://.');
  if (parsed.username || parsed.password) throw new CabinetError('CONFIG_INVALID', 'L’adresse du DMP ne doit pas contenir d’identifiants.');
  return parsed.toString();
}

function asCabinetError(error: unknown): CabinetError {
  if (error instanceof CabinetError) return error;
  return new CabinetError('UNAVAILABLE', 'Erreur inattendue pendant l’échange avec le DMP.');
}

function httpError(status: number): CabinetError {
  if (status === 401 || status === 403)
    return new CabinetError('UNAUTHORIZED', `Le DMP a refusé l’accès (HTTP ${status}) : certificat ou carte non reconnus.`, { status });
  if (status === 404)
    return new CabinetError('CONFIG_INVALID', 'Adresse du DMP introuvable (HTTP 404) : vérifiez la configuration.', { status });
  if (status === 413) return new CabinetError('INVALID_REQUEST', 'Le document est trop volumineux pour le DMP (HTTP 413).', { status });
  if (status >= 500) return new CabinetError('UNAVAILABLE', `Le DMP est indisponible (HTTP ${status}) : réessayez plus tard.`, { status });
  return new CabinetError('UNAVAILABLE', `Réponse inattendue du DMP (HTTP ${status}).`, { status });
}

/** Removes the XML declaration of an assertion before it goes into the SOAP header. */
function bareXml(xml: string): string {
  return xml.replace(/^\uFEFF?\s*<\?xml[^?]*\?>\s*/, '');
}

/** A SOAP 1.2 envelope with the WS-Addressing headers and the VIHF. */
export function soapRequest(action: string, to: string, assertion: string, body: string, messageId = `urn:uuid:${randomUUID()}`): string {
  return (
    `<soap:Envelope xmlns:soap="${NS.soap}" xmlns:wsa="${NS.wsa}">` +
    '<soap:Header>' +
    `<wsa:Action soap:mustUnderstand="1">${xmlEscape(action)}</wsa:Action>` +
    `<wsa:MessageID>${messageId}</wsa:MessageID>` +
    `<wsa:ReplyTo><wsa:Address>${WSA_ANONYMOUS}</wsa:Address></wsa:ReplyTo>` +
    `<wsa:To soap:mustUnderstand="1">${xmlEscape(to)}</wsa:To>` +
    `<wsse:Security xmlns:wsse="${NS.wsse}" soap:mustUnderstand="1">${bareXml(assertion)}</wsse:Security>` +
    '</soap:Header>' +
    `<soap:Body>${body}</soap:Body>` +
    '</soap:Envelope>'
  );
}

/**
 * The submission sets' signature documents (IHE DSG, classCode « Digital
 * Signature ») are XDS document entries too; they are not the patient's
 * documents, so the list never shows them.
 */
function withoutSignatures(documents: DmpDocumentEntry[]): DmpDocumentEntry[] {
  return documents.filter((d) => d.class?.code !== DMP_CODES.signatureClassCode);
}

interface Exchange {
  operation: string;
  action: string;
  body: string;
  call: DmpCall;
  /** MTOM attachments (ITI-41). */
  attachments?: { contentId: string; contentType: string; body: Buffer }[];
  /** Always send MTOM (ITI-41, ITI-43). */
  mtom?: boolean;
  maxResponseBytes: number;
}

export class XdsDmpClient implements DmpClient {
  private readonly url: string;
  private readonly transport: HttpsTransport;
  private readonly tracer: Tracer;
  private readonly timeoutMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: XdsDmpClientOptions) {
    this.url = checkUrl(options.url);
    if (!OID.test(options.sourceId))
      throw new CabinetError('CONFIG_INVALID', 'L’identifiant de source XDS (OID du logiciel ou de la structure) est invalide.');
    this.transport = options.transport;
    this.tracer = options.tracer ?? noTrace;
    this.timeoutMs = Math.min(MAX_TIMEOUT_MS, Math.max(MIN_TIMEOUT_MS, Math.round(options.timeoutMs ?? DEFAULT_DMP_TIMEOUT_MS)));
    this.now = options.now ?? (() => new Date());
  }

  // -- TD0.2 / TD0.3 --------------------------------------------------------

  async status(call: DmpCall): Promise<DmpStatus> {
    const reply = await this.exchange({
      operation: 'TD0.2',
      action: ACCESS_OPERATIONS.td02.action,
      body: buildStatusRequest(call.ins),
      call,
      maxResponseBytes: MAX_ACCESS_RESPONSE_BYTES,
    });
    return parseStatusResponse(reply.envelope);
  }

  async addAuthorization(call: DmpCall): Promise<DmpStatus> {
    const reply = await this.exchange({
      operation: 'TD0.3',
      action: ACCESS_OPERATIONS.td03.action,
      body: buildAddAuthorizationRequest(call.ins, true),
      call,
      maxResponseBytes: MAX_ACCESS_RESPONSE_BYTES,
    });
    return parseStatusResponse(reply.envelope);
  }

  // -- ITI-18 ---------------------------------------------------------------

  async findDocuments(
    call: DmpCall,
    filter: DmpFindFilter,
    stream?: { onDocuments(chunk: DmpDocumentEntry[]): void },
  ): Promise<DmpDocumentEntry[]> {
    // Streaming: entries handed over as they are read (unconfirmed until this resolves: registry errors are checked at the end).
    const onDocuments = stream
      ? (chunk: DmpDocumentEntry[]) => {
          const kept = withoutSignatures(chunk);
          if (kept.length) stream.onDocuments(kept);
        }
      : undefined;
    return withoutSignatures(
      (await this.query(call, 'ITI-18 FindDocuments', buildFindDocuments(call.ins, filter), false, onDocuments)).documents,
    );
  }

  /**
   * FindSubmissionSets (LeafClass) answers the sets without their members:
   * their documents come from GetAssociations (HasMember), by 20 sets.
   */
  async findSubmissionSets(call: DmpCall, since: Date): Promise<DmpSubmissionSet[]> {
    const sets = (await this.query(call, 'ITI-18 FindSubmissionSets', buildFindSubmissionSets(call.ins, since))).submissionSets;
    const byUuid = new Map(sets.map((set) => [set.entryUuid, set]));
    const missing = sets.filter((set) => set.documentUuids.length === 0).map((set) => set.entryUuid);
    for (let i = 0; i < missing.length; i += MAX_UUIDS_PER_QUERY) {
      const { associations } = await this.query(
        call,
        'ITI-18 GetAssociations',
        buildGetAssociations(missing.slice(i, i + MAX_UUIDS_PER_QUERY)),
      );
      for (const association of associations) {
        const set = association.type === ASSOCIATION.hasMember ? byUuid.get(association.source) : undefined;
        if (set && !set.documentUuids.includes(association.target)) set.documentUuids.push(association.target);
      }
    }
    return sets;
  }

  async getDocuments(call: DmpCall, entryUuids: string[]): Promise<DmpDocumentEntry[]> {
    if (entryUuids.length > MAX_UUIDS_PER_QUERY)
      throw new CabinetError('INVALID_REQUEST', `Au plus ${MAX_UUIDS_PER_QUERY} documents par requête DMP.`);
    return withoutSignatures((await this.query(call, 'ITI-18 GetDocuments', buildGetDocuments(entryUuids))).documents);
  }

  private async query(
    call: DmpCall,
    operation: string,
    body: string,
    raw = false,
    onDocuments?: (chunk: DmpDocumentEntry[]) => void,
  ): Promise<XdsResponse & { envelope: string }> {
    const reply = await this.exchange({ operation, action: ACTIONS.iti18.request, body, call, maxResponseBytes: MAX_QUERY_RESPONSE_BYTES });
    const response = readXdsResponse(reply.envelope, onDocuments ? { onDocuments } : {});
    this.expectBody(response, 'AdhocQueryResponse');
    const error = registryError(response);
    if (error) throw error;
    return { ...response, envelope: raw ? reply.envelope : '' };
  }

  // -- ITI-43 ---------------------------------------------------------------

  async retrieve(call: DmpCall, doc: { uniqueId: string; repositoryUniqueId: string }): Promise<{ mimeType: string; content: Buffer }> {
    const reply = await this.exchange({
      operation: 'ITI-43',
      action: ACTIONS.iti43.request,
      body: buildRetrieveRequest([doc]),
      call,
      mtom: true,
      maxResponseBytes: MAX_RETRIEVE_RESPONSE_BYTES,
    });
    const { documents, incomplete } = readRetrieveResponse(reply, MAX_RETRIEVE_RESPONSE_BYTES);
    const found = documents.find((d) => d.uniqueId === doc.uniqueId);
    if (!found)
      throw new CabinetError(
        'NOT_FOUND',
        incomplete ? `Le DMP n’a pas renvoyé le document demandé. ${incomplete}` : 'Le DMP n’a pas renvoyé le document demandé.',
        { codes: [XDS_ERRORS.missingDocument] },
      );
    return { mimeType: found.mimeType, content: found.content };
  }

  // -- ITI-41 ---------------------------------------------------------------

  async feed(call: DmpCall, doc: DmpFeedDocument): Promise<DmpFeedResult> {
    if (doc.cda.length > MAX_FEED_CDA_BYTES)
      throw new CabinetError('INVALID_REQUEST', 'Le document CDA est trop volumineux pour le DMP (30 Mo au plus).');
    const header = readCdaHeader(doc.cda);
    if (header.uniqueId !== doc.uniqueId)
      throw new CabinetError('INVALID_REQUEST', 'L’identifiant du document ne correspond pas à celui du CDA.');
    const now = this.now();
    const submissionSetUniqueId = newUuidOid();
    const signer = typeof this.options.signer === 'function' ? this.options.signer() : (this.options.signer ?? null);
    // Signed over the CDA's bytes and this submission set's uniqueId, before the metadata that lists the signature.
    const signature = signer
      ? signSubmissionSet({ documents: [{ uniqueId: header.uniqueId, content: doc.cda }], submissionSetUniqueId, signer, now })
      : null;
    const submission = buildSubmitObjects({
      header,
      cda: doc.cda,
      ins: call.ins,
      visibility: doc.visibility,
      sourceId: this.options.sourceId,
      ...(this.options.contentType ? { contentType: this.options.contentType } : {}),
      ...(doc.replaces ? { replaces: doc.replaces } : {}),
      submissionSetUniqueId,
      ...(signature ? { signature: { content: signature.content, signingTime: signature.signingTime } } : {}),
      now,
    });
    const attachments = [{ contentId: CDA_CONTENT_ID, contentType: 'text/xml', body: doc.cda }];
    if (signature) attachments.push({ contentId: SIGNATURE_CONTENT_ID, contentType: 'text/xml', body: signature.content });
    const reply = await this.exchange({
      operation: 'ITI-41',
      action: ACTIONS.iti41.request,
      body: buildProvideAndRegister(submission),
      call,
      attachments,
      mtom: true,
      maxResponseBytes: MAX_SMALL_RESPONSE_BYTES,
    });
    const response = readXdsResponse(reply.envelope);
    this.expectBody(response, 'RegistryResponse');
    const error = registryError(response);
    if (error) {
      if (response.errors.some((e) => e.code === XDS_ERRORS.duplicateUniqueId)) {
        await this.checkDuplicateIsOurs(call, doc.uniqueId, submission.hash);
        return { outcome: 'already', uniqueId: doc.uniqueId, submissionSetUniqueId: submission.submissionSetUniqueId };
      }
      throw error;
    }
    return { outcome: 'created', uniqueId: doc.uniqueId, submissionSetUniqueId: submission.submissionSetUniqueId };
  }

  /**
   * After XDSDuplicateUniqueIdInRegistry: our uniqueIds are random (128-bit
   * `2.25.` OIDs or a random extension), so the document is ours from an
   * earlier attempt whose answer was lost. When the DMP lets us read it, the
   * hash must match; a different content under our uniqueId is a conflict.
   * When it does not (no consultation right: feeding needs none), the retry
   * is taken as done.
   */
  private async checkDuplicateIsOurs(call: DmpCall, uniqueId: string, hash: string): Promise<void> {
    let entries: DmpDocumentEntry[];
    try {
      const body = buildAdhocQuery('GetDocuments', [['$XDSDocumentEntryUniqueId', [uniqueId]]]);
      entries = (await this.query(call, 'ITI-18 GetDocuments (uniqueId)', body)).documents;
    } catch {
      return;
    }
    const entry = entries.find((e) => e.uniqueId === uniqueId);
    if (entry?.hash && entry.hash.toLowerCase() !== hash) {
      throw new CabinetError('CONFLICT', 'Un autre document portant le même identifiant existe déjà dans le DMP.', {
        codes: [XDS_ERRORS.duplicateUniqueId],
      });
    }
  }

  // -- ITI-57 ---------------------------------------------------------------

  async setVisibility(call: DmpCall, entry: DmpDocumentEntry, visibility: DmpVisibility): Promise<void> {
    const current = await this.query(call, 'ITI-18 GetDocuments (ITI-57)', buildGetDocuments([entry.entryUuid]), true);
    const body = buildVisibilityUpdate(this.updateContext(call), current.envelope, entry.entryUuid, visibility);
    await this.update(call, body);
  }

  async setStatus(call: DmpCall, entry: DmpDocumentEntry, status: 'Archived' | 'Deleted' | 'Approved'): Promise<void> {
    await this.update(call, buildStatusUpdate(this.updateContext(call), { entryUuid: entry.entryUuid, status: entry.status }, status));
  }

  private updateContext(call: DmpCall) {
    const author = typeof this.options.author === 'function' ? this.options.author() : this.options.author;
    return { patientCx: patientCx(call.ins), author, sourceId: this.options.sourceId, now: this.now() };
  }

  private async update(call: DmpCall, body: string): Promise<void> {
    const reply = await this.exchange({
      operation: 'ITI-57',
      action: ACTIONS.iti57.request,
      body,
      call,
      maxResponseBytes: MAX_SMALL_RESPONSE_BYTES,
    });
    const response = readXdsResponse(reply.envelope);
    this.expectBody(response, 'RegistryResponse');
    const error = registryError(response);
    if (error) throw error;
  }

  // -- transport ------------------------------------------------------------

  private expectBody(response: XdsResponse, element: string): void {
    if (response.bodyElement !== element) {
      throw new CabinetError('UNAVAILABLE', `Réponse du DMP illisible : ${element} attendu, ${response.bodyElement ?? 'rien'} reçu.`);
    }
  }

  /** Builds the envelope (VIHF included), sends, reads the HTTP answer into a SOAP message; traces the exchange. */
  private async exchange(x: Exchange): Promise<ReturnType<typeof parseSoapMessage>> {
    if (x.call.purpose === 'bris_de_glace' && !(x.call.reason ?? '').trim()) {
      throw new CabinetError('INVALID_REQUEST', 'Un accès en bris de glace exige un motif.');
    }
    const assertion = this.options.vihf(x.call);
    const envelope = soapRequest(x.action, this.url, assertion, x.body);
    let headers: Record<string, string>;
    let body: Buffer;
    if (x.mtom) {
      const built = buildMtom({ envelope, attachments: x.attachments ?? [], action: x.action });
      headers = { 'content-type': built.contentType, accept: 'multipart/related, application/soap+xml' };
      body = built.body;
    } else {
      headers = {
        'content-type': `application/soap+xml; charset=UTF-8; action="${x.action}"`,
        accept: 'application/soap+xml, multipart/related',
      };
      body = Buffer.from(envelope, 'utf8');
    }
    const startedAt = this.now();
    const started = performance.now();
    let reply: HttpsReply | null = null;
    let failure: CabinetError | null = null;
    let parsed: ReturnType<typeof parseSoapMessage> | null = null;
    try {
      reply = await this.post(headers, body);
      parsed = this.read(reply, x.maxResponseBytes);
    } catch (error) {
      failure = asCabinetError(error);
    }
    this.tracer.record({
      service: 'dmp',
      operation: x.operation,
      url: this.url,
      startedAt,
      durationMs: Math.round(performance.now() - started),
      request: {
        headers,
        body: envelope,
        attachments: (x.attachments ?? []).map((a) => ({ contentId: a.contentId, contentType: a.contentType, size: a.body.length })),
      },
      response: reply
        ? {
            status: reply.status,
            headers: reply.headers,
            body: parsed ? parsed.envelope : `${reply.body.length} octets`,
            ...(failure ? { erreur: failure.message } : {}),
          }
        : { erreur: failure?.message ?? null },
      outcome: failure ? 'erreur' : 'ok',
    });
    if (failure) throw failure;
    return parsed!;
  }

  private read(reply: HttpsReply, maxBytes: number): ReturnType<typeof parseSoapMessage> {
    if (reply.body.length > maxBytes) throw new CabinetError('UNAVAILABLE', 'Réponse du DMP trop volumineuse : abandon.');
    const contentType = reply.headers['content-type'];
    const type = Array.isArray(contentType) ? contentType[0] : contentType;
    const soapLike = !!type && /^\s*(application\/soap\+xml|multipart\/related|text\/xml)/i.test(type);
    const success = reply.status >= 200 && reply.status < 300;
    if (!soapLike || reply.body.length === 0)
      throw success ? new CabinetError('UNAVAILABLE', 'Réponse du DMP illisible : ce n’est pas un message SOAP.') : httpError(reply.status);
    const limits: MtomLimits = { maxTotalBytes: maxBytes, maxParts: 32 };
    let message: ReturnType<typeof parseSoapMessage>;
    try {
      message = parseSoapMessage(type, reply.body, limits);
    } catch (error) {
      if (!success) throw httpError(reply.status);
      const e = asCabinetError(error);
      throw new CabinetError('UNAVAILABLE', `Réponse du DMP illisible : ${e.message}`);
    }
    if (!success && !/<(\w+:)?Fault\b/.test(message.envelope.slice(0, 4096))) {
      // A SOAP fault is read by the callers (French reason); anything else: the HTTP status.
      throw httpError(reply.status);
    }
    return message;
  }

  /** POST with a deadline on the whole exchange. */
  private async post(headers: Record<string, string>, body: Buffer): Promise<HttpsReply> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new CabinetError(
              'UNAVAILABLE',
              `Le DMP n’a pas répondu dans le délai imparti (${this.timeoutMs >= 1000 ? `${Math.round(this.timeoutMs / 1000)} s` : `${this.timeoutMs} ms`}) : réessayez plus tard.`,
              { cause: 'delai' },
            ),
          ),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([
        this.transport
          .request({ method: 'POST', url: this.url, headers, body, timeoutMs: this.timeoutMs + 1_000 })
          .catch((error: unknown) => {
            const cause = asCabinetError(error);
            throw new CabinetError(cause.code, `DMP : ${cause.message}`, cause.details);
          }),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
