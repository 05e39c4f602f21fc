/**
 * A local Annuaire Santé: the FHIR R4 API v2 (`/fhir/v2`) over HTTPS with the
 * test PKI's `serveur-annuaire` certificate, behind the gateway's API key
 * (`ESANTE-API-KEY`). Read-only: search and read of Practitioner,
 * PractitionerRole and Organization, `metadata`, and the paging links.
 *
 * Strict like the real service: no or a wrong key → 401, an unknown path or
 * resource → 404, an unknown parameter → 400, anything but GET → 405, a
 * non-JSON Accept → 406, an over-long URL → 414; every error body is an
 * OperationOutcome. Red-listed mailboxes are never served.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ANNUAIRE_BASE_PATH, API_KEY_HEADER } from '../../shared/domain/annuaire/fhir.js';
import { sandboxPorts } from '../../electron/platform/config/endpoints.js';
import { identity, pkiPath, type PkiManifest } from '../pki/test-pki.js';
import { buildDirectory, type Directory, type SeedOptions } from './seed.js';
import { DirectoryIndex, operationOutcome, resourceTypes, type FhirAnswer } from './search.js';
import { SANDBOX_API_KEY } from './constants.js';

export { SANDBOX_API_KEY };

const MAX_URL_LENGTH = 4096;

export interface AnnuaireSandboxOptions {
  /** The test PKI (its `serveur-annuaire` certificate), or a certificate and key. */
  pki?: PkiManifest;
  certPem?: string;
  keyPem?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 19445; 0 for any free port. */
  port?: number;
  /** Accepted API keys (default: {@link SANDBOX_API_KEY}). */
  apiKeys?: readonly string[];
  seed?: SeedOptions;
  directory?: Directory;
  /** Called for each request (tests: count requests, check headers). */
  onRequest?: (request: { method: string; url: string; headers: IncomingMessage['headers'] }) => void;
}

export interface AnnuaireSandbox {
  /** Base URL, e.g. `https://127.0.0.1:19445/fhir/v2` (what Cabinet's `annuaire` endpoint points at). */
  url: string;
  port: number;
  directory: Directory;
  close(): Promise<void>;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function capabilityStatement(base: string): Record<string, unknown> {
  const searchParams: Record<string, string[]> = {
    Practitioner: ['_id', 'identifier', 'name', 'family', 'given', 'active', 'mailbox-mss', 'mailbox-mss-type'],
    PractitionerRole: ['_id', 'practitioner', 'organization', 'role', 'specialty', 'active', 'mailbox-mss', 'mailbox-mss-type'],
    Organization: ['_id', 'identifier', 'name', 'address-city', 'address-postalcode', 'type', 'active', 'mailbox-mss', 'mailbox-mss-type'],
  };
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-01',
    kind: 'instance',
    software: { name: 'Bac à sable Annuaire Santé (Cabinet)' },
    implementation: { description: 'Annuaire Santé FHIR API v2 — bac à sable local', url: base },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        resource: resourceTypes.map((type) => ({
          type,
          interaction: [{ code: 'read' }, { code: 'search-type' }],
          searchInclude: type === 'PractitionerRole' ? ['PractitionerRole:practitioner', 'PractitionerRole:organization'] : [],
          searchRevInclude:
            type === 'Practitioner' ? ['PractitionerRole:practitioner'] : type === 'Organization' ? ['PractitionerRole:organization'] : [],
          searchParam: searchParams[type]!.map((name) => ({
            name,
            type: name.startsWith('mailbox-mss') && name !== 'mailbox-mss-type' ? 'string' : 'token',
          })),
        })),
      },
    ],
  };
}

function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const type = part.split(';')[0]!.trim().toLowerCase();
    return type === '*/*' || type === 'application/*' || type === 'application/json' || type === 'application/fhir+json';
  });
}

export async function startAnnuaireSandbox(options: AnnuaireSandboxOptions = {}): Promise<AnnuaireSandbox> {
  let certPem = options.certPem;
  let keyPem = options.keyPem;
  if (options.pki) {
    const server = identity(options.pki, 'serveur-annuaire');
    const read = (relative: string) => fs.readFileSync(pkiPath(options.pki!, relative), 'utf8');
    certPem = read(server.certPem!) + read(server.chainPem!);
    keyPem = read(server.keyPem!);
  }
  if (!certPem || !keyPem) throw new Error('Bac à sable Annuaire : certificat serveur manquant (pki ou certPem + keyPem).');
  const directory = options.directory ?? buildDirectory(options.seed);
  const index = new DirectoryIndex(directory);
  const keys = (options.apiKeys ?? [SANDBOX_API_KEY]).map(digest);
  const host = options.host ?? '127.0.0.1';
  let base = '';

  const send = (res: ServerResponse, answer: FhirAnswer, extra: Record<string, string> = {}) => {
    const body = JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      'content-type': 'application/fhir+json;charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      ...extra,
    });
    res.end(body);
  };
  const fail = (res: ServerResponse, status: number, code: string, diagnostics: string, extra: Record<string, string> = {}) =>
    send(res, { status, body: operationOutcome('error', code, diagnostics) }, extra);

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const rawUrl = req.url ?? '/';
    options.onRequest?.({ method: req.method ?? '', url: rawUrl, headers: req.headers });
    const key = req.headers[API_KEY_HEADER.toLowerCase()];
    if (typeof key !== 'string' || key.length === 0 || key.length > 256 || !keys.some((k) => timingSafeEqual(k, digest(key)))) {
      return fail(res, 401, 'security', key ? 'Invalid API key' : `Missing API key (header ${API_KEY_HEADER})`);
    }
    if (rawUrl.length > MAX_URL_LENGTH) return fail(res, 414, 'too-long', 'Request URL too long');
    if (req.method !== 'GET')
      return fail(res, 405, 'not-supported', `Method ${req.method ?? ''} not allowed: this API is read-only`, { allow: 'GET' });
    if (!acceptsJson(req.headers.accept)) return fail(res, 406, 'not-supported', 'This server answers in application/fhir+json only');
    let url: URL;
    try {
      url = new URL(rawUrl, base);
    } catch {
      return fail(res, 400, 'processing', 'Malformed URL');
    }
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== ANNUAIRE_BASE_PATH && !path.startsWith(`${ANNUAIRE_BASE_PATH}/`))
      return fail(res, 404, 'not-found', `Unknown path ${url.pathname}`);
    const segments = path.slice(ANNUAIRE_BASE_PATH.length).split('/').filter(Boolean);
    let params: URLSearchParams;
    try {
      params = new URLSearchParams(url.search);
      for (const [k, v] of params) decodeURIComponent(encodeURIComponent(k + v));
    } catch {
      return fail(res, 400, 'processing', 'Malformed query string');
    }
    if (segments.length === 0) {
      if (!params.has('_getpages'))
        return fail(res, 400, 'not-supported', 'System-level search (_type, batch) is not supported by this API');
      return send(res, index.getPage(params, base));
    }
    if (segments.length === 1 && segments[0] === 'metadata') return send(res, { status: 200, body: capabilityStatement(base) });
    if (segments.length === 1) return send(res, index.search(segments[0]!, params, base));
    if (segments.length === 2 && !segments[1]!.startsWith('_')) {
      if (params.size > 0 && [...params.keys()].some((k) => k !== '_format' && k !== '_pretty' && k !== '_elements'))
        return fail(res, 400, 'processing', 'Unexpected parameters on a read');
      return send(res, index.read(segments[0]!, decodeURIComponent(segments[1]!), base));
    }
    return fail(res, 404, 'not-found', `Unknown path ${url.pathname}`);
  };

  const server = https.createServer(
    { cert: certPem, key: keyPem, minVersion: 'TLSv1.2', requestTimeout: 10_000, headersTimeout: 5_000, maxHeaderSize: 16 * 1024 },
    (req, res) => {
      try {
        // No body is read: GET only. Anything sent is drained.
        req.resume();
        handle(req, res);
      } catch {
        if (!res.headersSent) fail(res, 500, 'exception', 'Internal error');
        else res.destroy();
      }
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? sandboxPorts.annuaire, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  base = `https://${host}:${port}${ANNUAIRE_BASE_PATH}`;
  return {
    url: base,
    port,
    directory,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
