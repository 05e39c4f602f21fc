/**
 * "Does this national service answer?" — a TCP connection, then a TLS
 * handshake verified against the system's authorities plus CABINET_EXTRA_CA
 * (or, for smtp:// and imap://, the server's greeting before STARTTLS).
 * Certificates are always verified; a failure says why, in French.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { ServiceState } from '../../../shared/domain/services.js';

export interface ProbeResult {
  state: ServiceState;
  detail?: string;
}

const defaultPorts: Record<string, number> = { 'https:': 443, 'imaps:': 993, 'imap:': 143, 'smtps:': 465, 'smtp:': 587 };

function explain(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connexion refusée : le service ne fonctionne pas à cette adresse';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'nom de serveur introuvable (réseau ou adresse à vérifier)';
    case 'ETIMEDOUT':
      return 'pas de réponse dans le délai imparti';
    case 'ECONNRESET':
      return 'connexion interrompue par le serveur';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return 'certificat du serveur émis par une autorité non reconnue';
    case 'CERT_HAS_EXPIRED':
      return 'certificat du serveur expiré';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'le certificat du serveur ne correspond pas à son adresse';
    default:
      return `erreur réseau (${error.code ?? error.message})`;
  }
}

export function tlsTrust(extraCa: readonly string[]): tls.SecureContextOptions {
  return extraCa.length > 0 ? { ca: [...tls.rootCertificates, ...extraCa] } : {};
}

export function probeEndpoint(url: string | null, extraCa: readonly string[], timeoutMs = 4000): Promise<ProbeResult> {
  if (!url) return Promise.resolve({ state: 'non_configure', detail: 'aucune adresse configurée pour cet environnement' });
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port) || defaultPorts[target.protocol] || 443;
  const implicitTls = target.protocol === 'https:' || target.protocol === 'imaps:' || target.protocol === 'smtps:';

  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ProbeResult, socket?: net.Socket) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ state: 'indisponible', detail: 'pas de réponse dans le délai imparti' }, socket), timeoutMs);
    let socket: net.Socket;
    if (implicitTls) {
      const servername = net.isIP(host) ? undefined : host;
      const secure = tls.connect({ host, port, servername, ...tlsTrust(extraCa), rejectUnauthorized: true });
      socket = secure;
      secure.once('secureConnect', () => finish({ state: 'connecte' }, secure));
    } else {
      socket = net.connect({ host, port });
      socket.once('data', (chunk) => {
        const greeting = chunk.toString('latin1');
        finish(
          /^(220|\* OK)/.test(greeting) ? { state: 'connecte' } : { state: 'indisponible', detail: 'réponse inattendue du serveur' },
          socket,
        );
      });
    }
    socket.once('error', (error) => {
      // With client-certificate servers, the handshake may fail after the server proved itself:
      // an alert about OUR certificate means the service is there.
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (/ALERT_(CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|BAD_CERTIFICATE)/.test(code) || /certificate required/i.test(error.message)) {
        finish({ state: 'connecte', detail: 'le service demande un certificat client (normal)' }, socket);
      } else {
        finish({ state: 'indisponible', detail: explain(error as NodeJS.ErrnoException) }, socket);
      }
    });
  });
}
