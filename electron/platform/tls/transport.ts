/**
 * The one interface the national-service clients (DMP, INSi) use to send an
 * HTTPS request as the logged-in practitioner. Two implementations:
 *
 * - {@link nodeHttpsTransport} (here): Node's https over {@link httpsAgent} —
 *   the CLI, the browser host, tests, and, inside Electron, PEM credentials.
 * - the Electron one, for a CPS card inside the desktop app: Chromium's network
 *   stack, which picks the card certificate in `select-client-certificate`.
 *   It must live in electron/main.ts (the only file allowed to import
 *   `electron`) and be injected into the services; see README.md.
 *
 * Both take the same {@link TlsCredentials}; the clients never know which one
 * they have.
 */
import https from 'node:https';
import { CabinetError } from '../../../shared/contract/outcome.js';
import type { TlsCredentials } from './credentials.js';
import { httpsAgent, type TlsTrustSettings } from './client.js';

export interface HttpsExchange {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Default 30 s. */
  timeoutMs?: number;
}

export interface HttpsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface HttpsTransport {
  request(exchange: HttpsExchange): Promise<HttpsReply>;
  /** Closes pooled connections (logout, card removed). */
  close(): void;
}

export interface NodeTransportOptions {
  /** Largest accepted response body. Default 64 MiB (DMP documents with their MTOM envelope). */
  maxResponseBytes?: number;
}

function networkError(error: NodeJS.ErrnoException): CabinetError {
  switch (error.code) {
    case 'ECONNREFUSED':
      return new CabinetError('UNAVAILABLE', 'Connexion refusée : le service ne fonctionne pas à cette adresse.', { cause: 'reseau' });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new CabinetError('UNAVAILABLE', 'Nom de serveur introuvable (réseau ou adresse à vérifier).', { cause: 'reseau' });
    case 'ECONNRESET':
      return new CabinetError('UNAVAILABLE', 'Connexion interrompue par le serveur (certificat d’authentification refusé ?).', {
        cause: 'reseau',
      });
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return new CabinetError('UNAVAILABLE', 'Certificat du serveur émis par une autorité non reconnue : connexion refusée.', {
        cause: 'tls',
      });
    case 'CERT_HAS_EXPIRED':
      return new CabinetError('UNAVAILABLE', 'Certificat du serveur expiré : connexion refusée.', { cause: 'tls' });
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return new CabinetError('UNAVAILABLE', 'Le certificat du serveur ne correspond pas à son adresse : connexion refusée.', {
        cause: 'tls',
      });
    default:
      if (/CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|HANDSHAKE_FAILURE/.test(error.code ?? '')) {
        return new CabinetError('UNAUTHORIZED', 'Le service a refusé le certificat d’authentification.');
      }
      if (/CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL/.test(error.code ?? '')) {
        return new CabinetError('UNAVAILABLE', `Certificat du serveur refusé (${error.code ?? 'TLS'}) : connexion refusée.`, {
          cause: 'tls',
        });
      }
      return new CabinetError('UNAVAILABLE', `Erreur réseau (${error.code ?? 'inconnue'}).`, { cause: 'reseau' });
  }
}

export function nodeHttpsTransport(
  credentials: TlsCredentials | null,
  trust: TlsTrustSettings,
  options: NodeTransportOptions = {},
): HttpsTransport {
  const agent = httpsAgent(credentials, trust);
  const maxBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
  return {
    request(exchange) {
      const url = new URL(exchange.url);
      if (url.protocol !== 'https:')
        return Promise.reject(new CabinetError('CONFIG_INVALID', 'Seules les adresses https:// sont acceptées.'));
      const body =
        exchange.body === undefined ? undefined : Buffer.isBuffer(exchange.body) ? exchange.body : Buffer.from(exchange.body, 'utf8');
      return new Promise<HttpsReply>((resolve, reject) => {
        const request = https.request(
          url,
          {
            method: exchange.method,
            agent,
            headers: { ...exchange.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
            timeout: exchange.timeoutMs ?? 30_000,
          },
          (response) => {
            const chunks: Buffer[] = [];
            let size = 0;
            response.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size > maxBytes) {
                request.destroy();
                reject(new CabinetError('UNAVAILABLE', 'Réponse du service trop volumineuse : abandon.'));
                return;
              }
              chunks.push(chunk);
            });
            response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
            response.on('error', (error: NodeJS.ErrnoException) => reject(networkError(error)));
          },
        );
        request.on('timeout', () => {
          request.destroy();
          reject(new CabinetError('UNAVAILABLE', 'Pas de réponse du service dans le délai imparti.', { cause: 'delai' }));
        });
        request.on('error', (error: NodeJS.ErrnoException) => reject(networkError(error)));
        request.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
