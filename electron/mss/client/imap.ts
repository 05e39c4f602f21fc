/**
 * The IMAP connection to the MSSanté operator: imapflow over implicit TLS
 * (imaps) or STARTTLS (imap, then required), authenticated either
 *  - by the practitioner's certificate (mutual TLS; SASL EXTERNAL when the
 *    server offers it: the mailbox comes from the certificate), or
 *  - by a Pro Santé Connect access token (SASL XOAUTH2 / OAUTHBEARER, e-CPS).
 * TLS always goes through the one factory (`tlsClientOptions`): server
 * certificate and name verified, TLS 1.2 minimum, no switch to turn it off.
 * Every failure is a French CabinetError: server unreachable, certificate
 * refused, authentication refused, timeout.
 */
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { CabinetError } from '../../../shared/contract/outcome.js';
import type { TlsCredentials } from '../../identity/types.js';
import { tlsClientOptions, type TlsTrustSettings } from '../../platform/tls/client.js';
import type { MailEndpoint } from './endpoint.js';

export interface MssAuth {
  /** The mailbox address (login name; with a certificate the server takes the mailbox from the certificate). */
  user: string;
  /** Client certificate for mutual TLS (card or software certificate). */
  tls: TlsCredentials | null;
  /** Pro Santé Connect access token (e-CPS): SASL XOAUTH2. */
  accessToken?: string | null;
}

export interface MssConnectionOptions {
  endpoint: MailEndpoint;
  auth: MssAuth;
  trust: TlsTrustSettings;
  /** Connection + TLS + greeting (default 10 s). */
  connectTimeoutMs?: number;
  /** Idle socket (default 60 s). */
  socketTimeoutMs?: number;
}

const SERVER_UNREACHABLE = /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNRESET/;

/** Turns a connection or login failure into a French CabinetError. */
export function explainMailError(error: unknown, what: 'IMAP' | 'SMTP', endpoint?: MailEndpoint): CabinetError {
  if (error instanceof CabinetError) return error;
  const e = error as {
    code?: string;
    message?: string;
    authenticationFailed?: boolean;
    responseText?: string;
    response?: string;
    responseCode?: number;
    serverResponseCode?: string;
  };
  const code = e.code ?? '';
  const text = `${e.message ?? ''} ${e.responseText ?? ''} ${e.response ?? ''}`;
  const where = endpoint ? ` (${endpoint.host}:${endpoint.port})` : '';
  const cause = `${code} ${text}`.trim().slice(0, 300);
  const server = what === 'IMAP' ? 'le serveur de réception (IMAP)' : 'le serveur d’envoi (SMTP)';
  if (SERVER_UNREACHABLE.test(code) || /ECONNREFUSED|connect ECONN/.test(text)) {
    return new CabinetError('UNAVAILABLE', `Messagerie MSSanté injoignable : ${server}${where} ne répond pas.`, {
      reason: 'injoignable',
      server: what,
    });
  }
  if (/ETIMEDOUT|ETIMEOUT|CONNECT_TIMEOUT|GREETING_TIMEOUT|NoConnection/i.test(code) || /timed? ?out|timeout/i.test(text)) {
    return new CabinetError('UNAVAILABLE', `Messagerie MSSanté : ${server}${where} n’a pas répondu à temps.`, {
      reason: 'delai',
      server: what,
    });
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT_ALTNAME/i.test(code) && !/certificate required|PEER_DID_NOT_RETURN/i.test(text)) {
    return new CabinetError('UNAVAILABLE', `Le certificat de ${server}${where} n’est pas reconnu : connexion refusée par sécurité.`, {
      reason: 'certificat_serveur',
      server: what,
    });
  }
  if (
    /certificate required|bad certificate|unknown ca|certificate unknown|certificate revoked|certificate expired|PEER_DID_NOT_RETURN|didn't present valid SSL certificate|valid client certificate|No client certificate|alert|handshake/i.test(
      text,
    )
  ) {
    return new CabinetError(
      'UNAUTHORIZED',
      `Certificat refusé par ${server} : il doit s’agir de votre carte CPS ou de votre certificat IGC-Santé valide.`,
      { reason: 'certificat_refuse' },
    );
  }
  if (
    e.authenticationFailed ||
    /AUTHENTICATIONFAILED|Authentication failed|authentication|535|Unsupported authentication|No password configured/i.test(text) ||
    e.responseCode === 535
  ) {
    return new CabinetError(
      'UNAUTHORIZED',
      `Authentification refusée par ${server} : vérifiez que votre certificat ou votre connexion Pro Santé Connect ouvre bien cette boîte aux lettres.`,
      { reason: 'authentification' },
    );
  }
  if (/ECONNRESET|EPIPE|closed|Connection not available|Unexpected close/i.test(`${code} ${text}`)) {
    return new CabinetError(
      'UNAVAILABLE',
      `Messagerie MSSanté : ${server}${where} a fermé la connexion (certificat refusé ou service interrompu).`,
      { reason: 'connexion_fermee', cause, server: what },
    );
  }
  return new CabinetError('UNAVAILABLE', `Messagerie MSSanté : échange impossible avec ${server}${where}.`, { reason: 'inconnu', cause });
}

/**
 * imapflow has no SASL EXTERNAL (RFC 4422 appendix A): with a client
 * certificate, the identity is the certificate, so the client sends
 * `AUTHENTICATE EXTERNAL =` (empty authorisation identity, SASL-IR, RFC 4959).
 * Everything else (capabilities, ENABLE CONDSTORE/QRESYNC…) stays imapflow's.
 */
class CertificateImapFlow extends ImapFlow {
  async authenticate(): Promise<boolean> {
    const self = this as unknown as {
      state: unknown;
      states: { NOT_AUTHENTICATED: unknown };
      capabilities: Map<string, unknown>;
      authenticated: unknown;
      expectCapabilityUpdate: boolean;
      exec(command: string, attributes: unknown[], options?: unknown): Promise<{ next(): void }>;
      setAuthenticationState(): Promise<void>;
      options: { auth?: { user: string } };
    };
    if (self.state !== self.states.NOT_AUTHENTICATED) return true;
    if (!self.capabilities.has('AUTH=EXTERNAL')) {
      throw Object.assign(new Error('Unsupported authentication mechanism'), {
        authenticationFailed: true,
        responseText: 'EXTERNAL non proposé',
      });
    }
    self.expectCapabilityUpdate = true;
    const irOk = self.capabilities.has('SASL-IR');
    try {
      const response = await self.exec(
        'AUTHENTICATE',
        irOk
          ? [
              { type: 'ATOM', value: 'EXTERNAL' },
              { type: 'ATOM', value: '=' },
            ]
          : [{ type: 'ATOM', value: 'EXTERNAL' }],
        {
          onPlusTag: async () => {
            await (this as unknown as { write(chunk: string): void }).write('');
          },
        },
      );
      response.next();
    } catch (error) {
      throw Object.assign(error as Error, { authenticationFailed: true });
    }
    self.authenticated = self.options.auth?.user ?? true;
    await self.setAuthenticationState();
    return true;
  }
}

/** Opens an authenticated IMAP connection, or throws a French CabinetError. */
export async function connectImap(options: MssConnectionOptions): Promise<ImapFlow> {
  const { endpoint, auth } = options;
  if (!auth.tls && !auth.accessToken) {
    throw new CabinetError(
      'UNAUTHORIZED',
      'Messagerie MSSanté : connectez-vous avec votre carte CPS, votre certificat ou e-CPS pour ouvrir votre boîte aux lettres.',
    );
  }
  const tls = tlsClientOptions(auth.tls, options.trust, endpoint.host);
  const connectTimeout = options.connectTimeoutMs ?? 10_000;
  const flowOptions: ImapFlowOptions = {
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.secure,
    doSTARTTLS: endpoint.secure ? undefined : true,
    tls: tls as ImapFlowOptions['tls'],
    servername: tls.servername,
    auth: auth.accessToken ? { user: auth.user, accessToken: auth.accessToken } : { user: auth.user },
    logger: false,
    qresync: true,
    disableAutoIdle: true,
    connectionTimeout: connectTimeout,
    greetingTimeout: connectTimeout,
    socketTimeout: options.socketTimeoutMs ?? 60_000,
    clientInfo: { name: 'Cabinet', vendor: 'Cabinet' },
  } as ImapFlowOptions;
  const client = auth.accessToken ? new ImapFlow(flowOptions) : new CertificateImapFlow(flowOptions);
  // A connection error after connect() must not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    client.close();
    throw explainMailError(error, 'IMAP', endpoint);
  }
  return client;
}
