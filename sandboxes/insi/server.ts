/**
 * A local INSi teleservice (CNAM `ICIR-v1`, WSDL DESIR_ICIR_EXP_1.5.0):
 * HTTPS + SOAP 1.2 on `https://localhost:19443/lps`, the two operations
 * `rechercherInsAvecTraitsIdentite` (RECSANSVITALE) and
 * `rechercherInsAvecCarteVitale` (RECVITALE), both authentication modes of
 * the real service on one port (mTLS with an INSI-AUTO/INSI-MANU software
 * certificate, or a CPS-signed SAML assertion), the official XSDs applied to
 * the body, ContexteBAM, ContexteLPS and wsse:Security, the IDAM check, and
 * answers in the recorded format. It refuses what the real service refuses;
 * see README.md for what is verified and what is inferred.
 *
 * Order of the checks: HTTP (path, method, Content-Type, size) → XML
 * (encoding, no DTD, limits, well-formed) → SOAP 1.2 envelope and
 * mustUnderstand → WS-Addressing (Action known and consistent with the
 * Content-Type's action, MessageID) → caller (client certificate, else
 * CPS assertion) → ContexteBAM / ContexteLPS present, body matches the
 * operation → XSD → IDAM → the request's own rules → lookup.
 */
import { readSandboxPki, sandboxUrl } from '../common.js';
import { X509Certificate, randomUUID } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { CabinetError } from '../../shared/contract/outcome.js';
import { sandboxPorts } from '../../electron/platform/config/endpoints.js';
import { pkiPath, type PkiManifest } from '../pki/test-pki.js';
import { checkClientCertificate, serverCredentials, trustFromPki, verifyCpsAssertion, type Caller, type TrustMaterial } from './auth.js';
import { SandboxFault, faultXml } from './faults.js';
import { InsRegistry, type LookupResult, type TraitsQuery, type VitaleQuery } from './registry.js';
import { SchemaUnavailable, SchemaValidator, type PartError } from './schemas.js';
import {
  NS,
  operationForAction,
  operations,
  parseContentType,
  readEnvelope,
  responseXml,
  type OperationName,
  type SoapRequest,
} from './soap.js';
import { DEFAULT_VITALE_DIR, loadVitaleCards } from './vitale.js';
import { XmlRefused, childNamed, childrenNamed, defaultXmlLimits, parseUntrustedXml, serialize, textOf } from './xml.js';

/** The authorisation number (ContexteLPS/LPS/IDAM) the sandbox accepts by default. */
export const SANDBOX_IDAM = 'CABINET-BAS-0001';
export const LPS_PATH = '/lps';
export const MAX_BODY_BYTES = defaultXmlLimits.maxBytes;
/** Beyond the limit, the rest of an oversized body is read and discarded up to this, then the connection is cut. */
const DISCARD_LIMIT_BYTES = 8 * 1024 * 1024;
const MAX_RECORDS = 500;
const RECORDED_XML_BYTES = 64 * 1024;

export interface InsiSandboxOptions {
  /** The test PKI: its manifest, or its folder (`cabinet pki init DIR`). */
  pki: PkiManifest | string;
  /** Default 19443 (the sandbox environment's INSi port); 0 for any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Folder of the official INSi material (`xsd/…`). Default: `<app root>/reference-data/insi`, shipped with the app. */
  referenceDir?: string;
  /** Accepted authorisation numbers (ContexteLPS/LPS/IDAM). Default: [SANDBOX_IDAM]. */
  idam?: readonly string[];
  /** Size of the generated fictitious population (default 10,000). */
  population?: number;
  /** Seed of the generated population. */
  populationSeed?: number;
  /** Folder of the test Vitale cards (default: `vitale/` beside this module). */
  vitaleDir?: string;
  /** Time for certificates, CRLs and assertions (default: the system clock). */
  clock?: { now(): number };
  /** Time limit of one XSD validation (default 10 s). */
  validationTimeoutMs?: number;
}

export type RequestOutcome = { codeCR: '00' | '01' | '02' } | { fault: string } | { http: number };

/** What the sandbox saw and answered, for tests and for `cabinet sandbox` logs. */
export interface InsiSandboxRequest {
  at: string;
  durationMs: number;
  httpStatus: number;
  operation: OperationName | null;
  mode: Caller['mode'] | null;
  /** INSI-AUTO / INSI-MANU (mTLS) or the assertion's NameID (CPS). */
  caller: string | null;
  messageId: string | null;
  idam: string | null;
  outcome: RequestOutcome;
  /** The identity answered (CR 00). */
  identityId: string | null;
  /** The request as received (truncated to 64 KiB). */
  xml: string;
}

export interface InsiSandbox {
  /** e.g. `https://localhost:19443/lps`. */
  url: string;
  port: number;
  /** The test PKI's root certificate (PEM file): what a client must trust (CABINET_EXTRA_CA). */
  anchorFile: string;
  registry: InsRegistry;
  /** The last requests (at most 500), oldest first. */
  requests(): InsiSandboxRequest[];
  close(): Promise<void>;
}

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(text);
  }
}

class TooLarge extends Error {}

/** Reads the body up to `max` bytes; beyond, keeps reading (discarding) up to a cap, then throws TooLarge. */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > DISCARD_LIMIT_BYTES) {
    req.socket.destroy();
    throw new TooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > DISCARD_LIMIT_BYTES) {
      req.socket.destroy();
      throw new TooLarge();
    }
    if (size <= max) chunks.push(chunk);
  }
  if (size > max) throw new TooLarge();
  return Buffer.concat(chunks);
}

const SOAP_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';

function send(res: ServerResponse, status: number, body: string, contentType: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(body);
}

function lpsIdam(lps: NonNullable<SoapRequest['lps']>): string | null {
  const idam = childNamed(childNamed(lps, NS.ctxlps, 'LPS'), NS.ctxlps, 'IDAM');
  return idam ? textOf(idam) : null;
}

const DATE_LUNAIRE = /^\d{4}-\d{2}-\d{2}$/;
const NIR = /^\d{6}[AB0-9]\d{6}$/;

/** The request's own rules, beyond the XSD (which leaves every trait optional) [I]. */
function traitsQuery(payload: SoapRequest['payload']): TraitsQuery {
  const text = (name: string) => textOf(childNamed(payload, NS.recsans, name));
  const query: TraitsQuery = {
    nomNaissance: text('NomNaissance'),
    prenoms: childrenNamed(payload, NS.recsans, 'Prenom').map((e) => textOf(e)),
    sexe: text('Sexe'),
    dateNaissance: text('DateNaissance'),
    lieuNaissance: text('LieuNaissance') || undefined,
  };
  const missing = [
    query.nomNaissance ? null : 'NomNaissance',
    query.prenoms.some(Boolean) ? null : 'Prenom',
    query.sexe ? null : 'Sexe',
    query.dateNaissance ? null : 'DateNaissance',
  ].filter(Boolean);
  if (missing.length > 0)
    throw new SandboxFault('requeteNonConforme', `Requête non conforme : trait(s) obligatoire(s) absent(s) : ${missing.join(', ')}.`);
  if (!DATE_LUNAIRE.test(query.dateNaissance))
    throw new SandboxFault('requeteNonConforme', 'Requête non conforme : DateNaissance attendue au format AAAA-MM-JJ.');
  return query;
}

function vitaleQuery(payload: SoapRequest['payload']): VitaleQuery {
  const num = (name: string) => textOf(childNamed(childNamed(payload, NS.recvit, name), NS.recvit, 'NumIdentifiant'));
  const text = (name: string) => textOf(childNamed(payload, NS.recvit, name)) || undefined;
  const query: VitaleQuery = {
    matriculeIndividu: num('MatriculeIndividu') || undefined,
    matriculeOD: num('MatriculeOD') || undefined,
    nomNaissance: text('NomNaissance'),
    dateNaissance: text('DateNaissance'),
    rangNaissance: text('RangNaissance'),
  };
  if (!query.matriculeIndividu && !query.matriculeOD)
    throw new SandboxFault('requeteNonConforme', 'Requête non conforme : MatriculeOD ou MatriculeIndividu attendu.');
  for (const [name, value] of [
    ['MatriculeIndividu', query.matriculeIndividu],
    ['MatriculeOD', query.matriculeOD],
  ] as const) {
    if (value && !NIR.test(value))
      throw new SandboxFault('requeteNonConforme', `Requête non conforme : ${name}/NumIdentifiant doit compter 13 caractères.`);
  }
  if (query.dateNaissance && !DATE_LUNAIRE.test(query.dateNaissance))
    throw new SandboxFault('requeteNonConforme', 'Requête non conforme : DateNaissance attendue au format AAAA-MM-JJ.');
  if (query.rangNaissance && !/^[0-9]{1,2}$/.test(query.rangNaissance))
    throw new SandboxFault('requeteNonConforme', 'Requête non conforme : RangNaissance doit être un nombre.');
  return query;
}

/** The fault for the first XSD error, the parts taken in the order a gateway would check them. */
function schemaFault(errors: PartError[]): SandboxFault {
  const order: [string, 'securite' | 'contexteBam' | 'contexteLps' | 'requeteNonConforme', string][] = [
    ['security', 'securite', 'wsse:Security non conforme'],
    ['bam', 'contexteBam', 'ContexteBAM non conforme'],
    ['lps', 'contexteLps', 'ContexteLPS non conforme'],
    ['body', 'requeteNonConforme', 'Corps de la requête non conforme au schéma'],
  ];
  for (const [part, fault, label] of order) {
    const error = errors.find((e) => e.part === part);
    if (error) return new SandboxFault(fault, `${label} : ${error.message}`);
  }
  return new SandboxFault('requeteNonConforme', `Requête non conforme : ${errors[0]?.message ?? 'schéma'}`);
}

export async function startInsiSandbox(options: InsiSandboxOptions): Promise<InsiSandbox> {
  const manifest = typeof options.pki === 'string' ? readSandboxPki(options.pki, 'INSi') : options.pki;
  const trust: TrustMaterial = trustFromPki(manifest);
  const credentials = serverCredentials(manifest);
  const validator = new SchemaValidator({ referenceDir: options.referenceDir, timeoutMs: options.validationTimeoutMs });
  const registry = new InsRegistry({
    population: options.population,
    seed: options.populationSeed,
    cards: loadVitaleCards(options.vitaleDir ?? DEFAULT_VITALE_DIR),
  });
  const accepted = new Set(options.idam ?? [SANDBOX_IDAM]);
  const clock = options.clock ?? { now: () => Date.now() };
  try {
    await selfCheck(validator);
  } catch (error) {
    validator.close();
    throw error;
  }

  const records: InsiSandboxRequest[] = [];
  /** Client certificate verdict, once per TLS connection. */
  const connectionCallers = new WeakMap<TLSSocket, Promise<Caller | SandboxFault | null>>();

  const clientCaller = (socket: TLSSocket): Promise<Caller | SandboxFault | null> => {
    let verdict = connectionCallers.get(socket);
    if (!verdict) {
      const peer = socket.getPeerCertificate(false);
      const raw = peer && 'raw' in peer ? (peer.raw as Buffer | undefined) : undefined;
      verdict = raw?.length
        ? checkClientCertificate(new X509Certificate(raw).toString(), trust, new Date(clock.now())).catch((error: unknown) =>
            error instanceof SandboxFault ? error : new SandboxFault('certificatRefuse'),
          )
        : Promise.resolve(null);
      connectionCallers.set(socket, verdict);
    }
    return verdict;
  };

  async function answer(
    req: IncomingMessage,
    record: InsiSandboxRequest,
  ): Promise<{ status: number; xml: string; headers?: Record<string, string> }> {
    const contentType = parseContentType(req.headers['content-type']);
    if (
      !contentType ||
      contentType.mediaType !== 'application/soap+xml' ||
      (contentType.charset !== null && contentType.charset !== 'utf-8')
    ) {
      req.resume();
      throw new SandboxFault('typeDeContenu', `Reçu : ${String(req.headers['content-type'] ?? '(aucun)').slice(0, 100)}.`);
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof TooLarge) throw new SandboxFault('tropVolumineux', `Maximum ${MAX_BODY_BYTES} octets.`);
      throw error;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw new SandboxFault('messageIllisible', 'Message illisible : encodage UTF-8 invalide.');
    }
    record.xml = text.length > RECORDED_XML_BYTES ? `${text.slice(0, RECORDED_XML_BYTES)}…` : text;
    let soap: SoapRequest;
    try {
      soap = readEnvelope(parseUntrustedXml(text.replace(/^\uFEFF/, '')));
    } catch (error) {
      if (error instanceof XmlRefused) throw new SandboxFault('messageIllisible', `Message illisible : ${error.reason}.`);
      throw error;
    }
    record.messageId = soap.messageId;

    // WS-Addressing.
    if (!soap.action) throw new SandboxFault('enteteAdressageAbsent', 'wsa:Action absent.', { problemHeader: 'wsa:Action' });
    if (contentType.action !== null && contentType.action !== soap.action) throw new SandboxFault('actionIncoherente');
    const operation = operationForAction(soap.action);
    if (!operation) throw new SandboxFault('actionNonPriseEnCharge', undefined, { problemAction: soap.action });
    record.operation = operation;
    if (!soap.messageId) throw new SandboxFault('enteteAdressageAbsent', 'wsa:MessageID absent.', { problemHeader: 'wsa:MessageID' });

    // The caller.
    const now = new Date(clock.now());
    const fromCertificate = await clientCaller(req.socket as TLSSocket);
    if (fromCertificate instanceof SandboxFault) throw fromCertificate;
    let caller: Caller;
    if (fromCertificate) {
      caller = fromCertificate;
      // Not sent in this mode (notes §2.4); when it is, it must still be right.
      if (soap.security) await verifyCpsAssertion(soap.security, trust, now);
    } else if (soap.security) {
      caller = await verifyCpsAssertion(soap.security, trust, now);
    } else {
      // Neither a client certificate nor an assertion: no rights at all (same refusal as a wrong CN).
      throw new SandboxFault('droitsInsuffisants');
    }
    record.mode = caller.mode;
    record.caller = caller.mode === 'mtls' ? caller.commonName : caller.nameId;

    // Header blocks and body, then the schemas.
    if (!soap.bam) throw new SandboxFault('contexteBam', 'ContexteBAM absent.');
    if (!soap.lps) throw new SandboxFault('contexteLps', 'ContexteLPS absent.');
    const expected = operations[operation].body;
    if (soap.payload.namespaceURI !== expected.ns || soap.payload.localName !== expected.localName) {
      throw new SandboxFault(
        'requeteNonConforme',
        `Requête non conforme : l'opération ${operation} attend {${expected.ns}}${expected.localName}.`,
      );
    }
    const parts: Record<string, string> = { bam: serialize(soap.bam), lps: serialize(soap.lps), body: serialize(soap.payload) };
    if (soap.security) parts.security = serialize(soap.security);
    let errors: PartError[];
    try {
      errors = await validator.validate(parts);
    } catch (error) {
      if (error instanceof SchemaUnavailable) throw new SandboxFault('erreurTechnique', technicalText(operation));
      throw error;
    }
    if (errors.length > 0) throw schemaFault(errors);

    const idam = lpsIdam(soap.lps);
    record.idam = idam;
    if (!idam || !accepted.has(idam)) throw new SandboxFault('idamInconnu');

    const result: LookupResult =
      operation === 'rechercherInsAvecTraitsIdentite'
        ? registry.lookupTraits(traitsQuery(soap.payload))
        : registry.lookupVitale(vitaleQuery(soap.payload));
    record.outcome = { codeCR: result.codeCR };
    record.identityId = result.identity?.id ?? null;
    return {
      status: 200,
      xml: responseXml(result, {
        action: operations[operation].responseAction,
        relatesTo: soap.messageId,
        messageId: `uuid:${randomUUID()}`,
      }),
    };
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // A client that goes away mid-request must not bring the process down.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const started = performance.now();
    const record: InsiSandboxRequest = {
      at: new Date(clock.now()).toISOString(),
      durationMs: 0,
      httpStatus: 0,
      operation: null,
      mode: null,
      caller: null,
      messageId: null,
      idam: null,
      outcome: { http: 0 },
      identityId: null,
      xml: '',
    };
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== LPS_PATH) throw new HttpRefusal(404, 'Ressource inconnue : le service INSi répond sur /lps.');
      if (req.method !== 'POST') throw new HttpRefusal(405, 'Méthode non autorisée : POST attendu.', { allow: 'POST' });
      const reply = await answer(req, record);
      record.httpStatus = reply.status;
      send(res, reply.status, reply.xml, SOAP_CONTENT_TYPE);
    } catch (error) {
      if (error instanceof HttpRefusal) {
        req.resume();
        record.httpStatus = error.status;
        record.outcome = { http: error.status };
        send(res, error.status, `${error.text}\n`, 'text/plain; charset=utf-8', error.headers);
      } else {
        const fault = error instanceof SandboxFault ? error : new SandboxFault('erreurTechnique', technicalText(record.operation));
        record.httpStatus = fault.spec.httpStatus;
        record.outcome = { fault: fault.publicCode };
        const close = fault.name_ === 'tropVolumineux' ? { connection: 'close' } : undefined;
        if (!res.headersSent && !res.destroyed)
          send(res, fault.spec.httpStatus, faultXml(fault, record.messageId), SOAP_CONTENT_TYPE, close);
      }
    } finally {
      record.durationMs = Math.round((performance.now() - started) * 100) / 100;
      if (record.httpStatus !== 0 || !res.destroyed) {
        records.push(record);
        if (records.length > MAX_RECORDS) records.shift();
      }
    }
  };

  const server = https.createServer(
    {
      cert: credentials.certPem + credentials.chainPem,
      key: credentials.keyPem,
      minVersion: 'TLSv1.2',
      // Ask for a client certificate but let the service answer in SOAP: the mode is chosen per request.
      requestCert: true,
      rejectUnauthorized: false,
      ca: [...trust.anchorsPem, ...trust.intermediatesPem],
    },
    (req, res) => {
      handle(req, res).catch(() => res.destroy());
    },
  );
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 15_000;
  server.maxHeadersCount = 50;
  server.maxConnections = 256;
  server.on('tlsClientError', () => undefined);

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? sandboxPorts.insi, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: sandboxUrl(host, port, LPS_PATH),
    port,
    anchorFile: pkiPath(manifest, manifest.root.certPem ?? manifest.root.certDer),
    registry,
    requests: () => records.map((r) => ({ ...r })),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        validator.close();
      }),
  };
}

function technicalText(operation: OperationName | null): string | undefined {
  return operation === 'rechercherInsAvecCarteVitale'
    ? "L'appel au service de recherche avec la carte Vitale renvoie une erreur technique."
    : undefined;
}

/**
 * Validates a minimal correct request once at start: broken or mismatched
 * schemas stop the start, not every request. If the fast xmllint worker
 * cannot run, the validator falls back to xmllint-wasm's public call.
 */
async function selfCheck(validator: SchemaValidator): Promise<void> {
  const check = () =>
    validator.validate(
      {
        bam: `<ctxbam:ContexteBAM xmlns:ctxbam="${NS.ctxbam}" Version="01_02"><ctxbam:Id>1</ctxbam:Id><ctxbam:Temps>2024-01-01T00:00:00Z</ctxbam:Temps><ctxbam:COUVERTURE/></ctxbam:ContexteBAM>`,
        lps: `<ctxlps:ContexteLPS xmlns:ctxlps="${NS.ctxlps}" Nature="CTXLPS" Version="01_00"><ctxlps:Id>1</ctxlps:Id><ctxlps:Temps>2024-01-01T00:00:00Z</ctxlps:Temps></ctxlps:ContexteLPS>`,
        body: `<RECSANSVITALE xmlns="${NS.recsans}"><NomNaissance>A</NomNaissance></RECSANSVITALE>`,
      },
      'requete',
      60_000,
    );
  let errors: PartError[];
  try {
    errors = await check();
  } catch (error) {
    if (validator.engine !== 'worker') throw schemaRefusal(validator, String((error as Error)?.message ?? error));
    validator.fallBack();
    errors = await check().catch((again: unknown) => {
      throw schemaRefusal(validator, String((again as Error)?.message ?? again));
    });
  }
  if (errors.length > 0) throw schemaRefusal(validator, errors[0]!.message);
}

function schemaRefusal(validator: SchemaValidator, reason: string): CabinetError {
  return new CabinetError(
    'CONFIG_INVALID',
    `Bac à sable INSi : les schémas officiels de ${validator.referenceDir} ne valident pas une requête correcte (${reason.slice(0, 200)}).`,
  );
}
