/**
 * The INSi client (I/O): sends the requests of request.ts over THE HTTPS
 * transport (electron/platform/tls: certificates always verified), reads the
 * answers with response.ts, records every exchange with the tracer.
 *
 * Two ways to authenticate (notes ins-cps.md §2.4):
 * - `certificat`: the structure's INSI-AUTO / INSI-MANU certificate in mutual
 *   TLS (certificate.ts opens the .p12); `Emetteur` = its OU; no wsse:Security.
 * - `cps`: the logged-in practitioner's card; server-only TLS, and a SAML
 *   assertion signed with `credentials.signature` in wsse:Security (a fresh
 *   one per request); `Emetteur` = the assertion's NameID (idNat_PS).
 *
 * `rechercherParTraits` follows the strategy of CNDA-validated clients (notes
 * §1.4): each given name alone, in order, then the whole list, stopping at the
 * first CR 00 or at a technical error (fault, timeout, network), which is
 * thrown with the attempts made in `details.attempts`.
 */
import { CabinetError, type ErrorCode } from '../../../shared/contract/outcome.js';
import type { Credentials, TlsCredentials } from '../../identity/types.js';
import { nodeHttpsTransport, type HttpsReply, type HttpsTransport } from '../../platform/tls/transport.js';
import { noTrace, type Tracer } from '../../platform/trace/trace.js';
import { buildInsiAssertion, type InsiAssertion } from './assertion.js';
import { insiEmitterFromCertificate } from './certificate.js';
import {
  buildTraitsRequest,
  buildVitaleRequest,
  parseSoftware,
  parseVitaleQuery,
  traitsAttempts,
  type InsiRequest,
  type InsiRequestContext,
  type InsiSoftware,
  type InsiTraitsSearch,
  type InsiVitaleQuery,
} from './request.js';
import { insiFaultError, readInsiReply, type InsiResult } from './response.js';
import { MAX_INSI_RESPONSE_BYTES, type InsiCr, type InsiOperation } from './wire.js';

export const DEFAULT_INSI_TIMEOUT_MS = 15_000;
const MIN_TIMEOUT_MS = 50;
const MAX_TIMEOUT_MS = 120_000;

export type InsiCredentials =
  | {
      kind: 'certificat';
      /** INSI-AUTO / INSI-MANU key and certificate (see openInsiCertificate). */
      tls: TlsCredentials;
      /** `Emetteur`; default: the certificate's OU. */
      emitter?: string;
    }
  | {
      kind: 'cps';
      /** The logged-in practitioner; the assertion is signed with `signature`. */
      credentials: Pick<Credentials, 'practitioner' | 'signature'>;
      /** Assurance maladie billing number (`identifiantFacturation`). */
      identifiantFacturation: string;
      /** TRE_R02 code (`secteurActivite`), e.g. SA05. */
      secteurActivite: string;
      codeSpecialiteAMO?: string;
    };

export interface InsiClientOptions {
  /** The INSi endpoint (https). */
  url: string;
  credentials: InsiCredentials;
  /** Extra trust anchors (PEM), from CABINET_EXTRA_CA (and the sandbox's test authority). */
  extraCa?: readonly string[];
  tracer?: Tracer;
  /** Per request, default 15 s. */
  timeoutMs?: number;
  /** The software as the CNDA registered it. */
  software: InsiSoftware;
  /** Another transport (Electron's, tests); default: Node's https over the credentials. Not closed by {@link InsiClient.close}. */
  transport?: HttpsTransport;
  /** Clock (tests). */
  now?: () => Date;
}

/** One request sent to INSi, for the screens and the audit log. */
export interface InsiAttempt {
  operation: InsiOperation;
  /** The `Prenom` sent (traits search). */
  prenom?: string;
  /** `wsa:MessageID`. */
  messageId: string;
  startedAt: string;
  durationMs: number;
  cr?: InsiCr;
  label?: string;
  error?: { code: ErrorCode; message: string };
}

export interface InsiSearchOutcome {
  /**
   * The final result: the first CR 00; otherwise 02 when any attempt found
   * several identities (the birthplace would tell them apart), else 01.
   */
  result: InsiResult;
  attempts: InsiAttempt[];
}

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CabinetError('CONFIG_INVALID', 'Adresse du service INSi invalide : vérifiez la configuration.');
  }
  if (parsed.protocol !== 'https:') throw new CabinetError('CONFIG_INVALID', 'L’adresse du service INSi doit commencer par https://.');
  if (parsed.username || parsed.password)
    throw new CabinetError('CONFIG_INVALID', 'L’adresse du service INSi ne doit pas contenir d’identifiants.');
  return parsed.toString();
}

function httpError(status: number): CabinetError {
  if (status === 401 || status === 403)
    return new CabinetError('UNAUTHORIZED', `INSi a refusé l’accès (HTTP ${status}) : certificat ou carte non reconnus.`, { status });
  if (status === 404)
    return new CabinetError('CONFIG_INVALID', 'Adresse du service INSi introuvable (HTTP 404) : vérifiez la configuration.', { status });
  if (status >= 500) return new CabinetError('UNAVAILABLE', `INSi est indisponible (HTTP ${status}) : réessayez plus tard.`, { status });
  return new CabinetError('UNAVAILABLE', `Réponse inattendue d’INSi (HTTP ${status}).`, { status });
}

/** Reads one HTTP answer: a RESULTAT (2xx), or the error it stands for. */
export function interpretReply(reply: HttpsReply): InsiResult {
  const success = reply.status >= 200 && reply.status < 300;
  if (!success && reply.body.length === 0) throw httpError(reply.status);
  let parsed: ReturnType<typeof readInsiReply>;
  try {
    parsed = readInsiReply(reply.body);
  } catch (error) {
    // A non-SOAP error page: the HTTP status says more than the body.
    if (!success) throw httpError(reply.status);
    throw error;
  }
  if (parsed.kind === 'fault') throw insiFaultError(parsed.fault);
  if (!success) throw httpError(reply.status);
  return parsed.result;
}

function asCabinetError(error: unknown): CabinetError {
  if (error instanceof CabinetError) return error;
  return new CabinetError('UNAVAILABLE', 'Erreur inattendue pendant l’échange avec INSi.');
}

function withAttempts(error: CabinetError, attempts: InsiAttempt[]): CabinetError {
  const details =
    error.details && typeof error.details === 'object' && !Array.isArray(error.details)
      ? (error.details as Record<string, unknown>)
      : error.details === undefined
        ? {}
        : { cause: error.details };
  return new CabinetError(error.code, error.message, { ...details, attempts });
}

export class InsiClient {
  private readonly url: string;
  private readonly credentials: InsiCredentials;
  private readonly software: InsiSoftware;
  private readonly tracer: Tracer;
  private readonly timeoutMs: number;
  private readonly transport: HttpsTransport;
  private readonly ownsTransport: boolean;
  private readonly now: () => Date;
  private readonly certificateEmitter: string | null;

  constructor(options: InsiClientOptions) {
    this.url = checkUrl(options.url);
    this.software = parseSoftware(options.software);
    this.credentials = options.credentials;
    this.tracer = options.tracer ?? noTrace;
    this.timeoutMs = Math.min(MAX_TIMEOUT_MS, Math.max(MIN_TIMEOUT_MS, Math.round(options.timeoutMs ?? DEFAULT_INSI_TIMEOUT_MS)));
    this.now = options.now ?? (() => new Date());
    const credentials = options.credentials;
    this.certificateEmitter =
      credentials.kind === 'certificat' ? credentials.emitter?.trim() || insiEmitterFromCertificate(credentials.tls.certPem) : null;
    if (options.transport) {
      this.transport = options.transport;
      this.ownsTransport = false;
    } else {
      this.transport = nodeHttpsTransport(
        credentials.kind === 'certificat' ? credentials.tls : null,
        { extraCa: options.extraCa ?? [] },
        { maxResponseBytes: MAX_INSI_RESPONSE_BYTES },
      );
      this.ownsTransport = true;
    }
  }

  /** `rechercherInsAvecTraitsIdentite`, with the strategy of validated clients. */
  async rechercherParTraits(search: InsiTraitsSearch): Promise<InsiSearchOutcome> {
    const { query, prenoms } = traitsAttempts(search);
    const attempts: InsiAttempt[] = [];
    let several: InsiResult | null = null;
    let last: InsiResult | null = null;
    for (const prenom of prenoms) {
      const result = await this.send(
        attempts,
        'rechercherInsAvecTraitsIdentite',
        (context) => buildTraitsRequest({ ...query, prenom }, context),
        prenom,
      );
      if (result.cr === '00') return { result, attempts };
      if (result.cr === '02' && !several) several = result;
      last = result;
    }
    return { result: several ?? last!, attempts };
  }

  /** `rechercherInsAvecCarteVitale`: one request. */
  async rechercherParCarteVitale(card: InsiVitaleQuery): Promise<InsiSearchOutcome> {
    const query = parseVitaleQuery(card);
    const attempts: InsiAttempt[] = [];
    const result = await this.send(attempts, 'rechercherInsAvecCarteVitale', (context) => buildVitaleRequest(query, context));
    return { result, attempts };
  }

  /** Closes the pooled connections (logout, configuration change). */
  close(): void {
    if (this.ownsTransport) this.transport.close();
  }

  private context(): InsiRequestContext {
    const now = this.now();
    if (this.credentials.kind === 'certificat') return { emitter: this.certificateEmitter!, software: this.software, now };
    const { credentials, identifiantFacturation, secteurActivite, codeSpecialiteAMO } = this.credentials;
    const signer = credentials.signature;
    if (!signer) {
      throw new CabinetError(
        'SESSION_REQUIRED',
        'Une carte CPS (ou un certificat de praticien) est nécessaire pour interroger INSi : l’e-CPS ne permet pas de signer l’assertion.',
      );
    }
    const assertion: InsiAssertion = buildInsiAssertion(
      {
        idNatPs: credentials.practitioner.idNatPs,
        identifiantFacturation,
        secteurActivite,
        ...(codeSpecialiteAMO ? { codeSpecialiteAMO } : {}),
      },
      signer,
      now,
    );
    return { emitter: assertion.nameId, software: this.software, now, assertion };
  }

  /** Builds, sends, traces and reads one request; records it in `attempts`; throws the attempt's error with every attempt in its details. */
  private async send(
    attempts: InsiAttempt[],
    operation: InsiOperation,
    build: (context: InsiRequestContext) => InsiRequest,
    prenom?: string,
  ): Promise<InsiResult> {
    let request: InsiRequest;
    try {
      request = build(this.context());
    } catch (error) {
      throw withAttempts(asCabinetError(error), attempts);
    }
    const startedAt = this.now();
    const started = performance.now();
    let reply: HttpsReply | null = null;
    let result: InsiResult | null = null;
    let failure: CabinetError | null = null;
    try {
      reply = await this.post(request);
      result = interpretReply(reply);
    } catch (error) {
      failure = asCabinetError(error);
    }
    const durationMs = Math.round(performance.now() - started);
    this.tracer.record({
      service: 'insi',
      operation,
      url: this.url,
      startedAt,
      durationMs,
      request: { headers: request.headers, body: request.xml },
      response: reply
        ? {
            status: reply.status,
            headers: reply.headers,
            body: reply.body.toString('utf8'),
            ...(failure ? { erreur: failure.message } : {}),
          }
        : { erreur: failure?.message ?? null },
      outcome: failure ? 'erreur' : 'ok',
    });
    const attempt: InsiAttempt = { operation, messageId: request.messageId, startedAt: startedAt.toISOString(), durationMs };
    if (prenom !== undefined) attempt.prenom = prenom;
    if (result) {
      attempt.cr = result.cr;
      attempt.label = result.label;
    }
    if (failure) attempt.error = { code: failure.code, message: failure.message };
    attempts.push(attempt);
    if (failure) throw withAttempts(failure, attempts);
    return result!;
  }

  /** POST with a deadline on the whole exchange (the transport's own timeout is per socket inactivity). */
  private async post(request: InsiRequest): Promise<HttpsReply> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new CabinetError(
              'UNAVAILABLE',
              `INSi n’a pas répondu dans le délai imparti (${this.timeoutMs >= 1000 ? `${Math.round(this.timeoutMs / 1000)} s` : `${this.timeoutMs} ms`}) : réessayez plus tard.`,
              { cause: 'delai' },
            ),
          ),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([
        this.transport
          .request({ method: 'POST', url: this.url, headers: request.headers, body: request.xml, timeoutMs: this.timeoutMs + 1_000 })
          .catch((error: unknown) => {
            const cause = asCabinetError(error);
            throw new CabinetError(cause.code, `INSi : ${cause.message}`, cause.details);
          }),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
