/**
 * A local Pro Santé Connect: the Keycloak realm `esante-wallet` as Cabinet
 * uses it from the desktop — discovery, JWKS, CIBA (poll mode), token
 * (CIBA and refresh grants), userinfo, logout — over HTTPS on 127.0.0.1.
 *
 * It is strict on purpose: a request the real service would refuse is refused
 * here, with the OAuth error body Keycloak sends (`error`,
 * `error_description`). What comes from public material and what is inferred
 * is listed in electron/identity/psc/README.md (and this folder's README).
 *
 * The practitioner's approval "on the phone" is simulated by
 * `approve()`/`deny()` on the returned handle, by the control endpoints
 * `POST /_sandbox/ciba/{auth_req_id}/approve|deny` and `GET /_sandbox/ciba`
 * (only when started with `control: true`), or automatically after
 * `autoApproveAfterMs`.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { sandboxPorts } from '../../electron/platform/config/endpoints.js';
import { systemClock, type Clock } from '../../electron/identity/psc/clock.js';
import { sandboxClient, sandboxPractitioners, sandboxSubject, userinfoClaims, type SandboxPractitioner } from './practitioners.js';

export * from './practitioners.js';

export const REALM_PATH = '/auth/realms/esante-wallet';
export const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';

/** Scopes the real realm advertises (ANS discovery mock, notes ins-cps §5). */
const SUPPORTED_SCOPES = [
  'openid',
  'microprofile-jwt',
  'rpps',
  'referentiel',
  'web-origins',
  'basic',
  'identity',
  'acr',
  'offline_access',
  'eidas1',
  'profile',
  'roles',
  'email',
  'scope_all',
  'phone',
  'interop',
  'scope_1',
  'address',
  'scope_2',
  'eidas2',
];
/** Keycloak's own rule for binding_message (BackchannelAuthenticationEndpoint). */
const BINDING_MESSAGE = /^[a-zA-Z0-9-._+/!?#]{1,50}$/;
const MAX_BODY_BYTES = 16 * 1024;
const MAX_PENDING_REQUESTS = 1000;
const MAX_SESSIONS = 10_000;

export interface SandboxClientRegistration {
  clientId: string;
  clientSecret: string;
}

export interface PscSandboxOptions {
  certPem: string;
  keyPem: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 19446 (the sandbox environment's PSC port); 0 for any free port. */
  port?: number;
  clients?: readonly SandboxClientRegistration[];
  practitioners?: readonly SandboxPractitioner[];
  /** Serve the `/_sandbox/…` control endpoints. Off by default. */
  control?: boolean;
  /** Approve every CIBA request this long after it was made (the practitioner taps "accept"). */
  autoApproveAfterMs?: number;
  /** CIBA request lifetime in seconds (PSC: 120). */
  cibaExpiresIn?: number;
  /** Minimum polling interval in seconds (PSC: 1). */
  pollInterval?: number;
  /** Access and id token lifetime in seconds (default 120, as in the ANS mock). */
  accessTokenLifetime?: number;
  /** Refresh token (session idle) lifetime in seconds (default 350, as in the ANS mock). */
  refreshTokenLifetime?: number;
  clock?: Clock;
}

export interface CibaRequestView {
  auth_req_id: string;
  login_hint: string;
  binding_message: string;
  channel: string | null;
  status: 'pending' | 'approved' | 'denied' | 'expired';
  expires_at: string;
}

export interface PscSandbox {
  /** Realm URL, e.g. `https://127.0.0.1:19446/auth/realms/esante-wallet` (what Cabinet's `psc` endpoint points at). */
  url: string;
  port: number;
  approve(authReqId: string): void;
  deny(authReqId: string): void;
  /** The CIBA requests currently known (what the phone would show). */
  requests(): CibaRequestView[];
  close(): Promise<void>;
}

interface AuthRequest {
  id: string;
  clientId: string;
  practitioner: SandboxPractitioner;
  bindingMessage: string;
  channel: string | null;
  scope: string;
  nonce: string | null;
  createdAt: number;
  expiresAt: number;
  intervalMs: number;
  lastPollAt: number | null;
  decision: 'pending' | 'approved' | 'denied';
}

interface Session {
  sid: string;
  clientId: string;
  practitioner: SandboxPractitioner;
  scope: string;
  nonce: string | null;
  authTime: number;
  refreshToken: string;
  refreshExpiresAt: number;
  active: boolean;
}

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

function randomId(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** The "server" side as a plain object: testable without sockets, driven by the HTTP layer below. */
class PscRealm {
  readonly requests = new Map<string, AuthRequest>();
  readonly sessions = new Map<string, Session>();
  readonly refreshTokens = new Map<string, string>();
  private readonly clock: Clock;
  private readonly practitioners: Map<string, SandboxPractitioner>;
  private readonly clients: readonly SandboxClientRegistration[];

  constructor(
    private readonly options: PscSandboxOptions,
    private readonly privateKey: CryptoKey,
    readonly publicKey: CryptoKey,
    readonly jwk: JWK,
  ) {
    this.clock = options.clock ?? systemClock;
    this.practitioners = new Map((options.practitioners ?? sandboxPractitioners).map((p) => [p.idNatPs, p]));
    this.clients = options.clients ?? [sandboxClient];
  }

  private get accessLifetime(): number {
    return this.options.accessTokenLifetime ?? 120;
  }
  private get refreshLifetime(): number {
    return this.options.refreshTokenLifetime ?? 350;
  }

  discovery(iss: string): Record<string, unknown> {
    const oidc = `${iss}/protocol/openid-connect`;
    return {
      issuer: iss,
      authorization_endpoint: `${oidc}/auth`,
      token_endpoint: `${oidc}/token`,
      userinfo_endpoint: `${oidc}/userinfo`,
      end_session_endpoint: `${oidc}/logout`,
      jwks_uri: `${oidc}/certs`,
      grant_types_supported: ['refresh_token', CIBA_GRANT],
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      userinfo_signing_alg_values_supported: ['none'],
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
      acr_values_supported: ['eidas1'],
      scopes_supported: SUPPORTED_SCOPES,
      claims_supported: [
        'aud',
        'sub',
        'iss',
        'auth_time',
        'acr',
        'given_name',
        'family_name',
        'preferred_username',
        'SubjectNameID',
        'SubjectRefPro',
        'SubjectRole',
        'SubjectOrganization',
        'SubjectOrganizationID',
        'Secteur_Activite',
        'Palier_Authentification',
        'otherIds',
      ],
      backchannel_authentication_endpoint: `${oidc}/ext/ciba/auth`,
      backchannel_token_delivery_modes_supported: ['poll'],
      backchannel_user_code_parameter_supported: false,
    };
  }

  /** client_secret_basic only (RFC 6749 §2.3.1: id and secret form-urlencoded, then Basic). */
  authenticateClient(req: IncomingMessage, form: URLSearchParams | null): string {
    const invalid = (description: string) =>
      new OAuthError(401, 'invalid_client', description, { 'www-authenticate': 'Basic realm="esante-wallet"' });
    if (form && (form.has('client_secret') || form.has('client_assertion'))) {
      throw invalid('Seule l’authentification client_secret_basic est acceptée');
    }
    const header = req.headers.authorization ?? '';
    const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/.exec(header);
    if (!match?.[1]) throw invalid('Authentification du client absente (client_secret_basic attendu)');
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalid('En-tête Basic mal formé');
    let clientId: string;
    let secret: string;
    try {
      clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    } catch {
      throw invalid('En-tête Basic mal formé');
    }
    const client = this.clients.find((c) => c.clientId === clientId);
    // Compare a secret even for an unknown client, so that timing does not reveal client ids.
    const ok = sameSecret(secret, client?.clientSecret ?? randomId()) && client !== undefined;
    if (!ok) throw invalid('Client inconnu ou secret invalide');
    if (form?.has('client_id') && form.get('client_id') !== clientId) throw invalid('client_id différent du client authentifié');
    return clientId;
  }

  private purge(): void {
    const now = this.clock.now();
    for (const [id, r] of this.requests) if (now > r.expiresAt + r.intervalMs + 10_000) this.requests.delete(id);
    for (const [sid, s] of this.sessions) {
      if (!s.active || now > s.refreshExpiresAt) {
        this.sessions.delete(sid);
        this.refreshTokens.delete(s.refreshToken);
      }
    }
  }

  private status(r: AuthRequest): AuthRequest['decision'] | 'expired' {
    const now = this.clock.now();
    if (now >= r.expiresAt) return 'expired';
    if (r.decision === 'pending' && this.options.autoApproveAfterMs !== undefined && now >= r.createdAt + this.options.autoApproveAfterMs) {
      r.decision = 'approved';
    }
    return r.decision;
  }

  backchannelAuthentication(clientId: string, form: URLSearchParams): Record<string, unknown> {
    const bad = (error: string, description: string) => new OAuthError(400, error, description);
    const scope = form.get('scope');
    if (!scope) throw bad('invalid_request', 'Paramètre manquant : scope');
    const scopes = scope.split(' ');
    if (!scopes.includes('openid')) throw bad('invalid_scope', 'Le scope doit contenir openid');
    const unknownScope = scopes.find((s) => !SUPPORTED_SCOPES.includes(s));
    if (unknownScope !== undefined) throw bad('invalid_scope', `Scope inconnu : ${unknownScope}`);
    const acr = form.get('acr_values');
    if (acr !== 'eidas1') throw bad('invalid_request', 'acr_values doit valoir eidas1');
    if (form.has('user_code')) throw bad('invalid_request', 'user_code non pris en charge');
    if (form.has('client_notification_token')) throw bad('invalid_request', 'Seul le mode poll est pris en charge');
    if (form.has('login_hint_token') || form.has('id_token_hint') || form.has('request')) {
      throw bad('invalid_request', 'Seul login_hint est accepté pour désigner le professionnel');
    }
    const channel = form.get('channel');
    if (channel !== null && channel !== 'CARD' && channel !== 'MOBILE') throw bad('invalid_request', 'channel doit valoir CARD ou MOBILE');
    const bindingMessage = form.get('binding_message');
    if (bindingMessage === null || !BINDING_MESSAGE.test(bindingMessage)) {
      throw bad('invalid_binding_message', 'binding_message obligatoire : 1 à 50 caractères simples, sans espace');
    }
    const nonce = form.get('nonce');
    if (nonce !== null && (nonce.length === 0 || nonce.length > 256)) throw bad('invalid_request', 'nonce invalide');
    const loginHint = form.get('login_hint');
    if (!loginHint) throw bad('invalid_request', 'Paramètre manquant : login_hint');
    const practitioner = this.practitioners.get(loginHint);
    if (!practitioner) throw bad('unknown_user_id', 'Identifiant national inconnu');

    let expiresIn = this.options.cibaExpiresIn ?? 120;
    const requested = form.get('requested_expiry');
    if (requested !== null) {
      if (!/^[1-9]\d{0,5}$/.test(requested)) throw bad('invalid_request', 'requested_expiry invalide');
      expiresIn = Math.min(expiresIn, Number(requested));
    }
    this.purge();
    if (this.requests.size >= MAX_PENDING_REQUESTS) throw new OAuthError(503, 'temporarily_unavailable', 'Trop de demandes en cours');
    const interval = this.options.pollInterval ?? 1;
    const now = this.clock.now();
    const request: AuthRequest = {
      id: randomId(),
      clientId,
      practitioner,
      bindingMessage,
      channel,
      scope,
      nonce,
      createdAt: now,
      expiresAt: now + expiresIn * 1000,
      intervalMs: interval * 1000,
      lastPollAt: null,
      decision: 'pending',
    };
    this.requests.set(request.id, request);
    return { auth_req_id: request.id, expires_in: expiresIn, interval };
  }

  decide(authReqId: string, decision: 'approved' | 'denied'): void {
    const request = this.requests.get(authReqId);
    if (!request) throw new OAuthError(404, 'invalid_request', 'Demande CIBA inconnue');
    if (this.status(request) === 'expired') throw new OAuthError(400, 'expired_token', 'La demande a expiré');
    if (request.decision !== 'pending') throw new OAuthError(400, 'invalid_request', 'La demande a déjà reçu une réponse');
    request.decision = decision;
  }

  views(): CibaRequestView[] {
    return [...this.requests.values()].map((r) => ({
      auth_req_id: r.id,
      login_hint: r.practitioner.idNatPs,
      binding_message: r.bindingMessage,
      channel: r.channel,
      status: this.status(r),
      expires_at: new Date(r.expiresAt).toISOString(),
    }));
  }

  /** Keycloak's CibaGrantType order: unknown → expired → too fast → denied → pending → tokens. */
  async cibaGrant(iss: string, clientId: string, form: URLSearchParams): Promise<Record<string, unknown>> {
    const authReqId = form.get('auth_req_id');
    if (!authReqId) throw new OAuthError(400, 'invalid_request', 'Paramètre manquant : auth_req_id');
    const request = this.requests.get(authReqId);
    if (!request || request.clientId !== clientId) throw new OAuthError(400, 'invalid_grant', 'auth_req_id invalide');
    const status = this.status(request);
    if (status === 'expired') throw new OAuthError(400, 'expired_token', 'La demande d’authentification a expiré');
    const now = this.clock.now();
    if (request.lastPollAt !== null && now - request.lastPollAt < request.intervalMs) {
      throw new OAuthError(400, 'slow_down', 'Interrogation trop rapprochée : respectez interval');
    }
    request.lastPollAt = now;
    if (status === 'denied') throw new OAuthError(400, 'access_denied', 'Le professionnel a refusé la connexion');
    if (status === 'pending') {
      // Keycloak's wording [V: ANS wiremock of PSC].
      throw new OAuthError(
        400,
        'authorization_pending',
        "The authorization request is still pending as the end-user hasn't yet been authenticated.",
      );
    }
    this.requests.delete(request.id);
    this.purge();
    if (this.sessions.size >= MAX_SESSIONS) throw new OAuthError(503, 'temporarily_unavailable', 'Trop de sessions ouvertes');
    const session: Session = {
      sid: randomUUIDLike(),
      clientId,
      practitioner: request.practitioner,
      scope: request.scope,
      nonce: request.nonce,
      authTime: now,
      refreshToken: '',
      refreshExpiresAt: 0,
      active: true,
    };
    this.sessions.set(session.sid, session);
    return this.issueTokens(iss, session);
  }

  async refreshGrant(iss: string, clientId: string, form: URLSearchParams): Promise<Record<string, unknown>> {
    const token = form.get('refresh_token');
    if (!token) throw new OAuthError(400, 'invalid_request', 'Paramètre manquant : refresh_token');
    const session = this.sessionForRefreshToken(clientId, token);
    return this.issueTokens(iss, session);
  }

  private sessionForRefreshToken(clientId: string, token: string): Session {
    const sid = this.refreshTokens.get(token);
    const session = sid ? this.sessions.get(sid) : undefined;
    if (!session || session.refreshToken !== token || session.clientId !== clientId) {
      throw new OAuthError(400, 'invalid_grant', 'Jeton de rafraîchissement invalide');
    }
    if (!session.active) throw new OAuthError(400, 'invalid_grant', 'Session non active');
    if (this.clock.now() >= session.refreshExpiresAt) {
      this.endSession(session);
      throw new OAuthError(400, 'invalid_grant', 'Jeton de rafraîchissement expiré');
    }
    return session;
  }

  private endSession(session: Session): void {
    session.active = false;
    this.refreshTokens.delete(session.refreshToken);
    this.sessions.delete(session.sid);
  }

  logout(clientId: string, form: URLSearchParams): void {
    const token = form.get('refresh_token');
    if (!token) throw new OAuthError(400, 'invalid_request', 'Jeton de rafraîchissement absent');
    this.endSession(this.sessionForRefreshToken(clientId, token));
  }

  /** Rotates the refresh token (the previous one stops working) and signs new access and id tokens. */
  private async issueTokens(iss: string, session: Session): Promise<Record<string, unknown>> {
    const now = this.clock.now();
    const nowSec = Math.floor(now / 1000);
    const exp = nowSec + this.accessLifetime;
    this.refreshTokens.delete(session.refreshToken);
    session.refreshToken = randomId(48);
    session.refreshExpiresAt = now + this.refreshLifetime * 1000;
    this.refreshTokens.set(session.refreshToken, session.sid);
    const sub = sandboxSubject(session.practitioner.idNatPs);
    const common = {
      azp: session.clientId,
      sid: session.sid,
      session_state: session.sid,
      acr: 'eidas1',
      preferred_username: session.practitioner.idNatPs,
    };
    const header = { alg: 'RS256', typ: 'JWT', kid: this.jwk.kid };
    const accessToken = await new SignJWT({ ...common, typ: 'Bearer', scope: session.scope, jti: randomUUIDLike() })
      .setProtectedHeader(header)
      .setIssuer(iss)
      .setAudience(session.clientId)
      .setSubject(sub)
      .setIssuedAt(nowSec)
      .setExpirationTime(exp)
      .sign(this.privateKey);
    const atHash = sha256(accessToken).subarray(0, 16).toString('base64url');
    const idClaims: Record<string, unknown> = {
      ...common,
      typ: 'ID',
      auth_time: Math.floor(session.authTime / 1000),
      at_hash: atHash,
      jti: randomUUIDLike(),
    };
    if (session.nonce !== null) idClaims.nonce = session.nonce;
    const idToken = await new SignJWT(idClaims)
      .setProtectedHeader(header)
      .setIssuer(iss)
      .setAudience(session.clientId)
      .setSubject(sub)
      .setIssuedAt(nowSec)
      .setExpirationTime(exp)
      .sign(this.privateKey);
    return {
      access_token: accessToken,
      expires_in: this.accessLifetime,
      refresh_expires_in: this.refreshLifetime,
      refresh_token: session.refreshToken,
      token_type: 'Bearer',
      id_token: idToken,
      'not-before-policy': 0,
      session_state: session.sid,
      scope: session.scope,
    };
  }

  async userinfo(iss: string, req: IncomingMessage): Promise<Record<string, unknown>> {
    // The header stays ASCII (Keycloak's English wording); the JSON body carries the French description.
    const headerText: Record<string, string> = { invalid_request: 'Token not provided', invalid_token: 'Token verification failed' };
    const challenge = (error: string, description: string, status = 401) =>
      new OAuthError(status, error, description, {
        'www-authenticate': `Bearer realm="esante-wallet", error="${error}", error_description="${headerText[error] ?? error}"`,
      });
    const header = req.headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
    if (!match?.[1]) throw challenge('invalid_request', 'Jeton d’accès absent');
    let sid: unknown;
    let typ: unknown;
    try {
      const { payload } = await jwtVerify(match[1], this.publicKey, {
        issuer: iss,
        algorithms: ['RS256'],
        currentDate: new Date(this.clock.now()),
        clockTolerance: 0,
        requiredClaims: ['exp', 'iat', 'sub', 'sid'],
      });
      sid = payload.sid;
      typ = payload.typ;
    } catch {
      throw challenge('invalid_token', 'Jeton invalide ou expiré');
    }
    if (typ !== 'Bearer') throw challenge('invalid_token', 'Ce n’est pas un jeton d’accès');
    const session = typeof sid === 'string' ? this.sessions.get(sid) : undefined;
    if (!session?.active) throw challenge('invalid_token', 'Session non active');
    return userinfoClaims(session.practitioner);
  }
}

/** A random version-4 UUID (Keycloak's session and token ids look like this). */
function randomUUIDLike(): string {
  return randomUUID();
}

function isLoopbackHost(host: string): boolean {
  return /^(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/i.test(host);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'x-content-type-options': 'nosniff',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: OAuthError): void {
  send(res, error.status, { error: error.error, error_description: error.description }, error.headers);
}

/** Reads an application/x-www-form-urlencoded body (bounded); a parameter given twice is refused (RFC 6749 §3.1). */
async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    req.resume();
    throw new OAuthError(415, 'invalid_request', 'Corps attendu en application/x-www-form-urlencoded');
  }
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    throw new OAuthError(413, 'invalid_request', 'Requête trop volumineuse');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new OAuthError(413, 'invalid_request', 'Requête trop volumineuse');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const form = new URLSearchParams(text);
  const seen = new Set<string>();
  for (const key of form.keys()) {
    if (seen.has(key)) throw new OAuthError(400, 'invalid_request', `Paramètre répété : ${key}`);
    seen.add(key);
  }
  return form;
}

export async function startPscSandbox(options: PscSandboxOptions): Promise<PscSandbox> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(publicKey);
  jwk.kid = createHash('sha256').update(`${jwk.n}.${jwk.e}`).digest('base64url').slice(0, 22);
  jwk.alg = 'RS256';
  jwk.use = 'sig';
  const realm = new PscRealm(options, privateKey, publicKey, jwk);
  const control = options.control === true;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = req.headers.host ?? '';
    if (!isLoopbackHost(host)) throw new OAuthError(400, 'invalid_request', 'Hôte non autorisé');
    const iss = `https://${host}${REALM_PATH}`;
    const url = new URL(req.url ?? '/', `https://${host}`);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const only = (...methods: string[]) => {
      if (!methods.includes(method)) throw new OAuthError(405, 'invalid_request', 'Méthode non autorisée', { allow: methods.join(', ') });
    };

    if (path.startsWith('/_sandbox/')) {
      if (!control) throw new OAuthError(404, 'invalid_request', 'Ressource inconnue');
      if (path === '/_sandbox/ciba') {
        only('GET');
        return send(res, 200, realm.views());
      }
      const m = /^\/_sandbox\/ciba\/([A-Za-z0-9_-]{1,200})\/(approve|deny)$/.exec(path);
      if (!m?.[1]) throw new OAuthError(404, 'invalid_request', 'Ressource inconnue');
      only('POST');
      realm.decide(m[1], m[2] === 'approve' ? 'approved' : 'denied');
      return send(res, 204, undefined);
    }

    if (!path.startsWith(`${REALM_PATH}/`)) throw new OAuthError(404, 'invalid_request', 'Ressource inconnue');
    const route = path.slice(REALM_PATH.length + 1);
    switch (route) {
      case '.well-known/openid-configuration':
      case '.well-known/wallet-openid-configuration':
        only('GET');
        return send(res, 200, realm.discovery(iss), { 'cache-control': 'no-cache' });
      case 'protocol/openid-connect/certs':
        only('GET');
        return send(res, 200, { keys: [realm.jwk] }, { 'cache-control': 'no-cache' });
      case 'protocol/openid-connect/auth':
        throw new OAuthError(
          400,
          'unsupported_response_type',
          'Le bac à sable ne simule que le flux CIBA (pas de connexion par navigateur)',
        );
      case 'protocol/openid-connect/ext/ciba/auth': {
        only('POST');
        const form = await readForm(req);
        const clientId = realm.authenticateClient(req, form);
        return send(res, 200, realm.backchannelAuthentication(clientId, form));
      }
      case 'protocol/openid-connect/token': {
        only('POST');
        const form = await readForm(req);
        const clientId = realm.authenticateClient(req, form);
        const grant = form.get('grant_type');
        if (grant === CIBA_GRANT) return send(res, 200, await realm.cibaGrant(iss, clientId, form));
        if (grant === 'refresh_token') return send(res, 200, await realm.refreshGrant(iss, clientId, form));
        if (!grant) throw new OAuthError(400, 'invalid_request', 'Paramètre manquant : grant_type');
        throw new OAuthError(400, 'unsupported_grant_type', `Type d’autorisation non pris en charge : ${grant.slice(0, 80)}`);
      }
      case 'protocol/openid-connect/userinfo':
        only('GET', 'POST');
        req.resume();
        return send(res, 200, await realm.userinfo(iss, req));
      case 'protocol/openid-connect/logout': {
        only('POST');
        const form = await readForm(req);
        const clientId = realm.authenticateClient(req, form);
        realm.logout(clientId, form);
        return send(res, 204, undefined);
      }
      default:
        throw new OAuthError(404, 'invalid_request', 'Ressource inconnue');
    }
  };

  const server = https.createServer({ cert: options.certPem, key: options.keyPem, minVersion: 'TLSv1.2' }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      try {
        sendError(res, error instanceof OAuthError ? error : new OAuthError(500, 'server_error', 'Erreur interne du bac à sable'));
      } catch {
        res.destroy();
      }
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.maxHeadersCount = 50;
  server.on('tlsClientError', () => undefined);

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? sandboxPorts.psc, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;

  const decide = (id: string, decision: 'approved' | 'denied') => {
    try {
      realm.decide(id, decision);
    } catch (error) {
      throw new Error(error instanceof OAuthError ? error.description : String(error), { cause: error });
    }
  };

  return {
    url: `https://${hostInUrl}:${port}${REALM_PATH}`,
    port,
    approve: (id) => decide(id, 'approved'),
    deny: (id) => decide(id, 'denied'),
    requests: () => realm.views(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
