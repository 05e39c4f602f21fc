/**
 * Cabinet's Pro Santé Connect client: e-CPS login from the desktop through
 * CIBA (poll mode), as ANS's own desktop proxy does it
 * (ansforge/psc-edc-proxy-esante, notes ins-cps §5):
 *
 *   startLogin(idNat)  POST ext/ciba/auth (client_secret_basic, scope
 *                      `openid scope_all`, acr_values eidas1, login_hint,
 *                      binding_message, channel) → auth_req_id
 *   poll(id)           POST token (grant ciba) every `interval` s; on success
 *                      the id_token is verified (JWKS, iss, aud, exp, nonce,
 *                      at_hash, acr), userinfo is read and mapped to a
 *                      Practitioner (source e_cps)
 *   refresh()          POST token (grant refresh_token)
 *   logout()           POST logout with the refresh token (Keycloak: 204)
 *
 * Tokens live in this object's memory only: the class has no file path, no
 * store, no keychain. Every exchange goes to the optional Tracer, which
 * redacts tokens and the Authorization header.
 */
import { createHash, randomBytes } from 'node:crypto';
import type https from 'node:https';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { Practitioner } from '../../../shared/domain/practitioner.js';
import { noTrace, redact, type Tracer } from '../../platform/trace/trace.js';
import { systemClock, type Clock } from './clock.js';
import { DEFAULT_TIMEOUT_MS, httpsExchange, trustingAgent, type HttpAnswer, type HttpExchange } from './http.js';
import {
  bindingCode,
  CIBA_GRANT,
  cibaAckSchema,
  discoverySchema,
  errorFromOAuth,
  invalidResponse,
  isIdNatPs,
  jwksSchema,
  oauthErrorSchema,
  parseOrInvalid,
  practitionerFromUserinfo,
  PSC_ACR,
  PSC_SCOPE,
  pscError,
  pscMessages,
  tokenResponseSchema,
  userinfoSchema,
  type PscDiscovery,
  type PscUserinfo,
  type TokenResponse,
} from './rules.js';

/** Name of PSC's discovery document (notes ins-cps §5); Keycloak also serves the standard name. */
export const PSC_DISCOVERY_PATH = '/.well-known/wallet-openid-configuration';
/** Added to every wait so that a poll never lands a hair before the interval ends. */
const POLL_MARGIN_MS = 100;
/** RFC 8628 §3.5, applied by CIBA: after slow_down, wait 5 s more for this and later polls. */
const SLOW_DOWN_STEP_S = 5;

export type PscChannel = 'MOBILE' | 'CARD';

export interface PscClientOptions {
  /** The realm URL: the configuration's `psc` endpoint, e.g. https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** CABINET_EXTRA_CA, PEM (added to the system's authorities, never replacing them). */
  extraCa?: readonly string[];
  tracer?: Tracer;
  /** Per exchange. Default 10 s. */
  timeoutMs?: number;
  clock?: Clock;
  /** `acr` required in the id_token (default eidas1, what Cabinet asks for); null to skip the check. */
  expectedAcr?: string | null;
}

export interface PscLoginRequest {
  authReqId: string;
  /** Shown on Cabinet's screen; the same code appears in the e-CPS app. */
  bindingMessage: string;
  expiresAt: Date;
  /** Seconds between polls, as PSC asked. */
  interval: number;
}

export interface PscTokens {
  accessToken: string;
  idToken: string;
  tokenType: 'Bearer';
  expiresAt: Date;
  /** When the session ends unless refreshed (null if PSC did not say). */
  refreshExpiresAt: Date | null;
  scope: string | null;
  acr: string | null;
}

export interface PscLogin {
  tokens: PscTokens;
  practitioner: Practitioner;
  /** The userinfo claims as PSC sent them (validated), for the VIHF of a later PSC-based DMP access. */
  userinfo: PscUserinfo;
}

interface PendingLogin {
  idNatPs: string;
  nonce: string;
  bindingMessage: string;
  expiresAt: number;
  intervalMs: number;
  nextPollAt: number;
  inFlight: Promise<'pending' | PscLogin> | null;
}

interface Session {
  idNatPs: string;
  sub: string;
  nonce: string;
  tokens: PscTokens;
  refreshToken: string | null;
  practitioner: Practitioner;
  userinfo: PscUserinfo;
}

type Operation = 'discovery' | 'jwks' | 'ciba-auth' | 'token-ciba' | 'token-refresh' | 'userinfo' | 'logout';

const FORM = 'application/x-www-form-urlencoded';
const TRACE_BODY_LIMIT = 64 * 1024;

function basicAuth(clientId: string, secret: string): string {
  // RFC 6749 §2.3.1: each part form-urlencoded, then Base64.
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

function isJson(answer: HttpAnswer): boolean {
  return /^application\/([\w.+-]+\+)?json\b/i.test(answer.headers['content-type'] ?? '');
}

function parseJson(answer: HttpAnswer, what: string): unknown {
  if (!isJson(answer))
    throw invalidResponse(`${what} : contenu non JSON (${String(answer.headers['content-type'] ?? 'aucun type').slice(0, 60)})`);
  try {
    return JSON.parse(answer.body) as unknown;
  } catch {
    throw invalidResponse(`${what} : JSON illisible`);
  }
}

export class PscClient {
  private readonly base: string;
  private readonly agent: https.Agent;
  private readonly tracer: Tracer;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly expectedAcr: string | null;
  private discovery: PscDiscovery | null = null;
  private jwks: JSONWebKeySet | null = null;
  private readonly pending = new Map<string, PendingLogin>();
  private session: Session | null = null;
  readonly #clientId: string;
  readonly #clientSecret: string;

  constructor(options: PscClientOptions) {
    const base = new URL(options.baseUrl);
    if (base.protocol !== 'https:' || base.username || base.password) {
      throw pscError('CONFIG_INVALID', 'Adresse de Pro Santé Connect invalide : https sans identifiants attendu', 'demande');
    }
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.#clientId = options.clientId;
    this.#clientSecret = options.clientSecret;
    this.agent = trustingAgent(options.extraCa ?? []);
    this.tracer = options.tracer ?? noTrace;
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.expectedAcr = options.expectedAcr === undefined ? PSC_ACR : options.expectedAcr;
  }

  // ------------------------------------------------------------ login

  /** Asks PSC to authenticate the practitioner on their phone (or card); returns the code to show. */
  async startLogin(idNatPs: string, options: { channel?: PscChannel } = {}): Promise<PscLoginRequest> {
    if (!isIdNatPs(idNatPs)) throw pscError('INVALID_REQUEST', pscMessages.badIdNat, 'demande');
    const discovery = await this.getDiscovery();
    const bindingMessage = bindingCode();
    const nonce = randomBytes(16).toString('base64url');
    const form = new URLSearchParams({
      scope: PSC_SCOPE,
      acr_values: PSC_ACR,
      login_hint: idNatPs,
      binding_message: bindingMessage,
      channel: options.channel ?? 'MOBILE',
      // Not in CIBA Core; Keycloak keeps extra parameters and the sandbox echoes it in the id_token.
      nonce,
    });
    const answer = await this.post('ciba-auth', discovery.backchannel_authentication_endpoint, form);
    if (answer.status !== 200) throw this.failure(answer, 'demande CIBA');
    const ack = parseOrInvalid(cibaAckSchema, parseJson(answer, 'demande CIBA'), 'demande CIBA');
    const now = this.clock.now();
    const intervalMs = (ack.interval ?? 5) * 1000;
    this.forgetExpired();
    this.pending.set(ack.auth_req_id, {
      idNatPs,
      nonce,
      bindingMessage,
      expiresAt: now + ack.expires_in * 1000,
      intervalMs,
      nextPollAt: now + intervalMs + POLL_MARGIN_MS,
      inFlight: null,
    });
    return { authReqId: ack.auth_req_id, bindingMessage, expiresAt: new Date(now + ack.expires_in * 1000), interval: intervalMs / 1000 };
  }

  /**
   * One poll of the token endpoint, after waiting for the interval PSC set.
   * 'pending' while the practitioner has not answered; throws the French
   * refusal/expiry errors; the login once approved.
   */
  poll(authReqId: string, options: { signal?: AbortSignal } = {}): Promise<'pending' | PscLogin> {
    const login = this.pending.get(authReqId);
    if (!login) return Promise.reject(pscError('NOT_FOUND', pscMessages.unknownRequest, 'demande'));
    if (login.inFlight) return login.inFlight;
    const run = this.pollOnce(authReqId, login, options.signal).finally(() => {
      login.inFlight = null;
    });
    login.inFlight = run;
    return run;
  }

  /** Polls until the practitioner answers or the request expires. */
  async waitForLogin(authReqId: string, options: { signal?: AbortSignal } = {}): Promise<PscLogin> {
    for (;;) {
      const result = await this.poll(authReqId, options);
      if (result !== 'pending') return result;
    }
  }

  /** Forgets a login the user abandoned (PSC lets it expire on its side). */
  cancel(authReqId: string): void {
    this.pending.delete(authReqId);
  }

  private async pollOnce(authReqId: string, login: PendingLogin, signal?: AbortSignal): Promise<'pending' | PscLogin> {
    const wait = login.nextPollAt - this.clock.now();
    if (wait > 0) await this.clock.sleep(wait, signal);
    if (this.clock.now() >= login.expiresAt) {
      this.pending.delete(authReqId);
      throw pscError('CONFLICT', pscMessages.expired, 'expire');
    }
    const discovery = await this.getDiscovery();
    const answer = await this.post(
      'token-ciba',
      discovery.token_endpoint,
      new URLSearchParams({ grant_type: CIBA_GRANT, auth_req_id: authReqId }),
    );
    const now = this.clock.now();
    if (answer.status === 200) {
      this.pending.delete(authReqId);
      return this.completeLogin(login, parseOrInvalid(tokenResponseSchema, parseJson(answer, 'jetons'), 'jetons'));
    }
    const oauth = this.oauthError(answer);
    if (oauth?.error === 'authorization_pending') {
      login.nextPollAt = now + login.intervalMs + POLL_MARGIN_MS;
      return 'pending';
    }
    if (oauth?.error === 'slow_down') {
      login.intervalMs += SLOW_DOWN_STEP_S * 1000;
      login.nextPollAt = now + login.intervalMs + POLL_MARGIN_MS;
      return 'pending';
    }
    this.pending.delete(authReqId);
    throw this.failure(answer, 'jetons');
  }

  private async completeLogin(login: PendingLogin, response: TokenResponse): Promise<PscLogin> {
    if (!response.id_token) throw invalidResponse('id_token absent');
    const idClaims = await this.verifyIdToken(response.id_token, response.access_token, login.nonce, null);
    const tokens = this.tokensFrom(response, { acr: idClaims.acr });
    const userinfo = await this.fetchUserinfo(tokens.accessToken);
    if (userinfo.sub !== idClaims.sub) throw invalidResponse('sub de userinfo différent de celui de l’id_token');
    const practitioner = practitionerFromUserinfo(userinfo, login.idNatPs);
    this.session = {
      idNatPs: login.idNatPs,
      sub: idClaims.sub as string,
      nonce: login.nonce,
      tokens,
      refreshToken: response.refresh_token ?? null,
      practitioner,
      userinfo,
    };
    return { tokens, practitioner, userinfo };
  }

  // ------------------------------------------------------------ session

  /** The open session, if any (without the refresh token, which never leaves this object). */
  current(): { tokens: PscTokens; practitioner: Practitioner } | null {
    return this.session ? { tokens: this.session.tokens, practitioner: this.session.practitioner } : null;
  }

  /** New access and id tokens from the refresh token; the session ends (and the error says so) if PSC refuses. */
  async refresh(): Promise<PscTokens> {
    const session = this.session;
    if (!session?.refreshToken) throw pscError('UNAUTHORIZED', pscMessages.noSession, 'session');
    const discovery = await this.getDiscovery();
    const answer = await this.post(
      'token-refresh',
      discovery.token_endpoint,
      new URLSearchParams({ grant_type: 'refresh_token', refresh_token: session.refreshToken }),
    );
    if (answer.status !== 200) {
      const error = this.failure(answer, 'rafraîchissement');
      if (this.oauthError(answer)?.error === 'invalid_grant') this.session = null;
      throw error;
    }
    const response = parseOrInvalid(tokenResponseSchema, parseJson(answer, 'jetons'), 'jetons');
    let idToken = session.tokens.idToken;
    let acr = session.tokens.acr;
    if (response.id_token) {
      const claims = await this.verifyIdToken(response.id_token, response.access_token, session.nonce, session.sub);
      idToken = response.id_token;
      acr = typeof claims.acr === 'string' ? claims.acr : acr;
    }
    if (this.session !== session) throw pscError('UNAUTHORIZED', pscMessages.noSession, 'session');
    session.tokens = { ...this.tokensFrom(response, { acr }), idToken };
    if (response.refresh_token) session.refreshToken = response.refresh_token;
    return session.tokens;
  }

  /**
   * Ends the session at PSC (the refresh token stops working) and forgets the
   * tokens here, whatever PSC answers. `revoked` says whether PSC confirmed.
   */
  async logout(): Promise<{ revoked: boolean }> {
    const session = this.session;
    this.session = null;
    if (!session?.refreshToken) return { revoked: false };
    const discovery = await this.getDiscovery();
    if (!discovery.end_session_endpoint) return { revoked: false };
    const answer = await this.post('logout', discovery.end_session_endpoint, new URLSearchParams({ refresh_token: session.refreshToken }));
    if (answer.status === 204 || answer.status === 200) return { revoked: true };
    throw this.failure(answer, 'déconnexion');
  }

  /** Forgets everything and closes the kept-alive connections. */
  close(): void {
    this.session = null;
    this.pending.clear();
    this.agent.destroy();
  }

  // ------------------------------------------------------------ helpers

  private tokensFrom(response: TokenResponse, claims: { acr: unknown }): PscTokens {
    const now = this.clock.now();
    return {
      accessToken: response.access_token,
      idToken: response.id_token ?? '',
      tokenType: 'Bearer',
      expiresAt: new Date(now + response.expires_in * 1000),
      refreshExpiresAt: response.refresh_expires_in ? new Date(now + response.refresh_expires_in * 1000) : null,
      scope: response.scope ?? null,
      acr: typeof claims.acr === 'string' ? claims.acr : null,
    };
  }

  private async getDiscovery(): Promise<PscDiscovery> {
    if (this.discovery) return this.discovery;
    const answer = await this.send('discovery', { method: 'GET', url: `${this.base}${PSC_DISCOVERY_PATH}`, headers: {} });
    if (answer.status !== 200) throw this.failure(answer, 'configuration');
    const discovery = parseOrInvalid(discoverySchema, parseJson(answer, 'configuration'), 'configuration');
    // OIDC Discovery §4.3: the issuer is exactly the URL the configuration was fetched under.
    if (discovery.issuer !== this.base) throw invalidResponse(`configuration : issuer ${discovery.issuer.slice(0, 200)} ≠ ${this.base}`);
    this.discovery = discovery;
    return discovery;
  }

  private async getJwks(refresh: boolean): Promise<JSONWebKeySet> {
    if (this.jwks && !refresh) return this.jwks;
    const discovery = await this.getDiscovery();
    const answer = await this.send('jwks', { method: 'GET', url: discovery.jwks_uri, headers: {} });
    if (answer.status !== 200) throw this.failure(answer, 'clés de signature');
    this.jwks = parseOrInvalid(jwksSchema, parseJson(answer, 'clés de signature'), 'clés de signature') as unknown as JSONWebKeySet;
    return this.jwks;
  }

  /** Signature (RS256, JWKS), iss, aud, exp/iat, nonce, at_hash, acr, and sub continuity on refresh. */
  private async verifyIdToken(
    idToken: string,
    accessToken: string,
    nonce: string,
    expectedSub: string | null,
  ): Promise<JWTPayload & { sub: string }> {
    const discovery = await this.getDiscovery();
    const verify = async (refresh: boolean) =>
      jwtVerify(idToken, createLocalJWKSet(await this.getJwks(refresh)), {
        issuer: discovery.issuer,
        audience: this.#clientId,
        algorithms: ['RS256'],
        requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat'],
        currentDate: new Date(this.clock.now()),
        clockTolerance: 30,
      });
    let payload: JWTPayload;
    try {
      payload = (await verify(false)).payload;
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw this.idTokenError(error);
      try {
        payload = (await verify(true)).payload; // PSC may have rotated its keys
      } catch (again) {
        throw this.idTokenError(again);
      }
    }
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== this.#clientId)
      throw invalidResponse('id_token : azp incorrect');
    if (payload.nonce !== undefined && payload.nonce !== nonce) throw invalidResponse('id_token : nonce incorrect');
    if (typeof payload.at_hash === 'string') {
      const expected = createHash('sha256').update(accessToken, 'ascii').digest().subarray(0, 16).toString('base64url');
      if (payload.at_hash !== expected) throw invalidResponse('id_token : at_hash ne correspond pas au jeton d’accès');
    }
    if (this.expectedAcr !== null && payload.acr !== this.expectedAcr)
      throw invalidResponse(
        `id_token : niveau d’authentification (acr) ${String(payload.acr).slice(0, 40)} au lieu de ${this.expectedAcr}`,
      );
    if (expectedSub !== null && payload.sub !== expectedSub) throw invalidResponse('id_token : sub différent de celui de la session');
    return payload as JWTPayload & { sub: string };
  }

  private idTokenError(error: unknown): Error {
    if (error instanceof joseErrors.JOSEError) return invalidResponse(`id_token : ${error.code}`);
    return error instanceof Error ? error : invalidResponse('id_token illisible');
  }

  private async fetchUserinfo(accessToken: string): Promise<PscUserinfo> {
    const discovery = await this.getDiscovery();
    const answer = await this.send('userinfo', {
      method: 'GET',
      url: discovery.userinfo_endpoint,
      headers: { authorization: `Bearer ${accessToken}` },
    });
    if (answer.status !== 200) throw this.failure(answer, 'informations du professionnel');
    return parseOrInvalid(userinfoSchema, parseJson(answer, 'informations du professionnel'), 'informations du professionnel');
  }

  private oauthError(answer: HttpAnswer): { error: string; error_description?: string } | null {
    if (!isJson(answer)) return null;
    try {
      const parsed = oauthErrorSchema.safeParse(JSON.parse(answer.body));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  private failure(answer: HttpAnswer, what: string): Error {
    const oauth = this.oauthError(answer);
    if (oauth) return errorFromOAuth(oauth.error, oauth.error_description, answer.status);
    if (answer.status === 401) return errorFromOAuth('invalid_client', undefined, 401);
    if (answer.status >= 500) return pscError('UNAVAILABLE', pscMessages.serverError, 'indisponible', { status: answer.status });
    return invalidResponse(`${what} : HTTP ${answer.status}`);
  }

  private post(operation: Operation, url: string, form: URLSearchParams): Promise<HttpAnswer> {
    return this.send(operation, {
      method: 'POST',
      url,
      headers: { 'content-type': FORM, authorization: basicAuth(this.#clientId, this.#clientSecret) },
      body: form.toString(),
    });
  }

  private async send(operation: Operation, exchange: HttpExchange): Promise<HttpAnswer> {
    const startedAt = new Date();
    const started = performance.now();
    const request = {
      method: exchange.method,
      headers: exchange.headers,
      ...(exchange.body !== undefined ? { form: Object.fromEntries(new URLSearchParams(exchange.body)) } : {}),
    };
    try {
      const answer = await httpsExchange(this.agent, exchange, this.timeoutMs);
      this.trace(
        operation,
        exchange.url,
        startedAt,
        started,
        request,
        {
          status: answer.status,
          contentType: answer.headers['content-type'] ?? null,
          body: this.traceBody(answer),
        },
        answer.status < 400 ? 'ok' : 'erreur',
      );
      return answer;
    } catch (error) {
      this.trace(
        operation,
        exchange.url,
        startedAt,
        started,
        request,
        { error: error instanceof Error ? error.message : String(error) },
        'erreur',
      );
      throw error;
    }
  }

  private traceBody(answer: HttpAnswer): unknown {
    if (isJson(answer)) {
      try {
        return JSON.parse(answer.body) as unknown;
      } catch {
        // fall through: keep the text
      }
    }
    return answer.body.length > TRACE_BODY_LIMIT ? `${answer.body.slice(0, TRACE_BODY_LIMIT)}[… tronqué]` : answer.body;
  }

  private trace(
    operation: Operation,
    url: string,
    startedAt: Date,
    started: number,
    request: unknown,
    response: unknown,
    outcome: 'ok' | 'erreur',
  ): void {
    try {
      // Redacted here already, so that no tracer, however written, ever holds a token.
      this.tracer.record({
        service: 'psc',
        operation,
        url,
        startedAt,
        durationMs: Math.round(performance.now() - started),
        request: redact(request),
        response: redact(response),
        outcome,
      });
    } catch {
      // A trace never breaks the exchange it describes.
    }
  }

  private forgetExpired(): void {
    const now = this.clock.now();
    for (const [id, login] of this.pending) if (now >= login.expiresAt) this.pending.delete(id);
  }
}
