/**
 * Pro Santé Connect target: every answer the client reads during a CIBA
 * login, a refresh and a logout — discovery, JWKS, CIBA acknowledgement,
 * token answer, the id_token (signed with the key below, claims mutated, or
 * a mutated raw JWT), userinfo. The client's real code runs; only its
 * transport is replaced by the scripted answers.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { PscClient } from '../../../electron/identity/psc/client.js';
import type { HttpAnswer, HttpExchange } from '../../../electron/identity/psc/http.js';
import { drMarieMartin, sandboxSubject, userinfoClaims } from '../../../sandboxes/psc/practitioners.js';
import { mutatedJsonText, mutatedText } from '../mutate.js';
import type { FuzzJson, FuzzTarget } from '../target.js';

/** A key made for this run (signs the scripted PSC's id_tokens); `"@JWK@"` in the JWKS answer becomes its public half. */
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const BASE = 'https://psc.test/auth/realms/esante-wallet';
const CLIENT_ID = 'cabinet';
const ACCESS_TOKEN = 'jeton-acces-1';
const NOW = Date.parse('2026-11-01T08:00:00Z');
const jwk = { ...createPublicKey(privateKey).export({ format: 'jwk' }), kid: 'cle-1', use: 'sig', alg: 'RS256' };

type Answer = { status: number; contentType: string; body: string };
type PscInput = {
  discovery: Answer;
  jwks: Answer;
  ack: Answer;
  /** Token answer; `@ID_TOKEN@` in its body becomes the id_token below. */
  token: Answer;
  /** Claims of the id_token, as JSON text (signed as is, even when not JSON). */
  claims: string;
  /** A raw id_token to use instead of signing `claims` (mutated JWTs). */
  rawIdToken: string | null;
  userinfo: Answer;
  logout: Answer;
};

const json = (body: unknown, status = 200): Answer => ({ status, contentType: 'application/json', body: JSON.stringify(body) });
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');

function signJwt(claimsText: string): string {
  const input = `${b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'cle-1' }))}.${b64(claimsText)}`;
  return `${input}.${b64(sign('sha256', Buffer.from(input), privateKey))}`;
}

function sample(): PscInput {
  const sub = sandboxSubject(drMarieMartin.idNatPs);
  const claims = {
    iss: BASE,
    aud: CLIENT_ID,
    sub,
    exp: NOW / 1000 + 300,
    iat: NOW / 1000,
    acr: 'eidas1',
    at_hash: createHash('sha256').update(ACCESS_TOKEN, 'ascii').digest().subarray(0, 16).toString('base64url'),
  };
  return {
    discovery: json({
      issuer: BASE,
      token_endpoint: `${BASE}/protocol/openid-connect/token`,
      userinfo_endpoint: `${BASE}/protocol/openid-connect/userinfo`,
      jwks_uri: `${BASE}/protocol/openid-connect/certs`,
      backchannel_authentication_endpoint: `${BASE}/protocol/openid-connect/ext/ciba/auth`,
      end_session_endpoint: `${BASE}/protocol/openid-connect/logout`,
      grant_types_supported: ['authorization_code', 'refresh_token', 'urn:openid:params:grant-type:ciba'],
      backchannel_token_delivery_modes_supported: ['poll', 'ping'],
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
    }),
    jwks: json({ keys: ['@JWK@'] }),
    ack: json({ auth_req_id: 'req-1', expires_in: 120, interval: 1 }),
    token: json({
      access_token: ACCESS_TOKEN,
      token_type: 'Bearer',
      expires_in: 120,
      refresh_token: 'rt-1',
      refresh_expires_in: 1800,
      id_token: '@ID_TOKEN@',
      scope: 'openid scope_all',
    }),
    claims: JSON.stringify(claims),
    rawIdToken: null,
    userinfo: json({ ...userinfoClaims(drMarieMartin), sub }),
    logout: { status: 204, contentType: '', body: '' },
  };
}

const ANSWERS = ['discovery', 'jwks', 'ack', 'token', 'userinfo', 'logout'] as const;

export const psc: FuzzTarget = {
  name: 'psc',
  parser: 'Pro Santé Connect (configuration, JWKS, CIBA, jetons, id_token, userinfo)',
  corpus: () => [sample() as unknown as FuzzJson],
  arbitrary: (corpus) => {
    const base = corpus[0] as unknown as PscInput;
    const status = fc.constantFrom(200, 200, 200, 400, 401, 403, 500, 503, 204, 302);
    const answerOf = (a: Answer) =>
      fc.record({
        status: fc.oneof({ arbitrary: fc.constant(a.status), weight: 5 }, { arbitrary: status, weight: 1 }),
        contentType: fc.oneof(
          { arbitrary: fc.constant(a.contentType), weight: 5 },
          { arbitrary: fc.constantFrom('text/html', '', 'application/jwt', 'application/json; charset=utf-8'), weight: 1 },
        ),
        body: fc.oneof(
          { arbitrary: a.body ? mutatedJsonText([JSON.parse(a.body) as unknown]) : fc.constant(''), weight: 5 },
          {
            arbitrary: fc.constantFrom(
              '{"error":"authorization_pending"}',
              '{"error":"slow_down"}',
              '{"error":"access_denied","error_description":"refusé"}',
              '{"error":"expired_token"}',
              '{"error":"invalid_grant"}',
              '{"error":"x","error_description":' + JSON.stringify('d'.repeat(5000)) + '}',
            ),
            weight: 1,
          },
        ),
      });
    const claims = mutatedJsonText([JSON.parse(base.claims) as unknown]);
    const raw = mutatedText([
      signJwt(base.claims),
      `${b64('{"alg":"none"}')}.${b64(base.claims)}.`,
      `${b64('{"alg":"HS256","kid":"cle-1"}')}.${b64(base.claims)}.AAAA`,
    ]);
    const one = fc.constantFrom(...ANSWERS).chain((k) => answerOf(base[k]).map((a) => ({ [k]: a }) as Partial<PscInput>));
    return fc
      .record({
        answers: fc.array(one, { minLength: 0, maxLength: 2 }),
        claims: fc.oneof({ arbitrary: fc.constant(null), weight: 2 }, { arbitrary: claims, weight: 1 }),
        raw: fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: raw, weight: 1 }),
      })
      .map(
        ({ answers, claims: c, raw: r }) =>
          Object.assign({ ...base, claims: c ?? base.claims, rawIdToken: r }, ...answers) as unknown as FuzzJson,
      );
  },
  run: async (i) => {
    const input = i as unknown as PscInput;
    let now = NOW;
    const client = new PscClient({
      baseUrl: BASE,
      clientId: CLIENT_ID,
      clientSecret: 'secret-de-test',
      clock: { now: () => now, sleep: async (ms) => void (now += ms) },
    });
    const idToken = input.rawIdToken ?? signJwt(input.claims);
    const answerFor = (operation: string): Answer => {
      switch (operation) {
        case 'discovery':
          return input.discovery;
        case 'jwks':
          return { ...input.jwks, body: input.jwks.body.replaceAll('"@JWK@"', JSON.stringify(jwk)) };
        case 'ciba-auth':
          return input.ack;
        case 'token-ciba':
        case 'token-refresh':
          return { ...input.token, body: input.token.body.replaceAll('@ID_TOKEN@', idToken) };
        case 'userinfo':
          return input.userinfo;
        default:
          return input.logout;
      }
    };
    // Only the transport is scripted: the client's parsing and checks run as in the app.
    (client as unknown as { send: (op: string, ex: HttpExchange) => Promise<HttpAnswer> }).send = async (operation) => {
      const a = answerFor(operation);
      return { status: a.status, headers: a.contentType ? { 'content-type': a.contentType } : {}, body: a.body };
    };
    const started = await client.startLogin(drMarieMartin.idNatPs);
    let login: Awaited<ReturnType<PscClient['poll']>> = 'pending';
    for (let n = 0; n < 5 && login === 'pending'; n++) login = await client.poll(started.authReqId);
    if (login === 'pending') return 'pending';
    await client.refresh();
    return client.logout();
  },
};
