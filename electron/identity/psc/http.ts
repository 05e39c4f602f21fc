/**
 * One bounded HTTPS exchange with Pro Santé Connect: certificates verified
 * against the system's authorities plus CABINET_EXTRA_CA (never disabled), a
 * deadline for the whole exchange, a size limit on the answer, no redirect
 * followed. Transport failures become French {@link CabinetError}s.
 *
 * TODO(tls): switch to electron/platform/tls/client.ts when it lands (same
 * trust rule: `ca` = system roots + extra CA).
 */
import https from 'node:https';
import tls from 'node:tls';
import type { IncomingHttpHeaders } from 'node:http';
import type { CabinetError } from '../../../shared/contract/outcome.js';
import { pscError, pscMessages } from './rules.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_RESPONSE_BYTES = 256 * 1024;

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpExchange {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

const untrustedCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
]);

function transportError(error: NodeJS.ErrnoException): CabinetError {
  const code = error.code ?? '';
  // OpenSSL's verification codes all name the certificate (CERT_SIGNATURE_FAILURE when an authority of the same name signed it…).
  if (untrustedCodes.has(code) || /CERT/.test(code)) return pscError('UNAVAILABLE', pscMessages.untrusted, 'certificat', { code });
  return pscError('UNAVAILABLE', pscMessages.unavailable, 'indisponible', { code: code || 'ERREUR_RESEAU' });
}

/** An agent that trusts the system's authorities plus the extra ones, keeps connections alive for polling. */
export function trustingAgent(extraCa: readonly string[]): https.Agent {
  return new https.Agent({
    keepAlive: true,
    maxSockets: 4,
    ca: [...tls.rootCertificates, ...extraCa],
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  });
}

export function httpsExchange(
  agent: https.Agent,
  exchange: HttpExchange,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  maxBytes = MAX_RESPONSE_BYTES,
): Promise<HttpAnswer> {
  const url = new URL(exchange.url);
  if (url.protocol !== 'https:') return Promise.reject(pscError('CONFIG_INVALID', 'Adresse de Pro Santé Connect non https', 'demande'));
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (error: CabinetError | null, answer?: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        request.destroy();
        reject(error);
      } else if (answer) resolve(answer);
    };
    const headers: Record<string, string> = { accept: 'application/json', ...exchange.headers };
    if (exchange.body !== undefined) headers['content-length'] = String(Buffer.byteLength(exchange.body));
    const request = https.request(url, { method: exchange.method, agent, headers, rejectUnauthorized: true }, (response) => {
      const declared = Number(response.headers['content-length'] ?? '0');
      if (declared > maxBytes)
        return finish(pscError('UNAVAILABLE', pscMessages.invalidResponse, 'invalide', { detail: 'réponse trop volumineuse' }));
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes)
          return finish(pscError('UNAVAILABLE', pscMessages.invalidResponse, 'invalide', { detail: 'réponse trop volumineuse' }));
        chunks.push(chunk);
      });
      response.on('end', () =>
        finish(null, { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', (error) => finish(transportError(error)));
      response.on('aborted', () => finish(pscError('UNAVAILABLE', pscMessages.unavailable, 'indisponible', { code: 'ECONNRESET' })));
    });
    const timer = setTimeout(
      () => finish(pscError('UNAVAILABLE', pscMessages.unavailable, 'indisponible', { code: 'ETIMEDOUT', timeoutMs })),
      timeoutMs,
    );
    request.on('error', (error) => finish(transportError(error)));
    request.end(exchange.body);
  });
}
