/**
 * The sandbox, spoken to on the wire (real HTTPS on loopback): every rule
 * the Cabinet client relies on is also checked as a refusal here, so that the
 * sandbox cannot silently accept anything.
 */
import https from 'node:https';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeServerCertificates, type TestCertificates } from '../../test/support/certs.js';
import { ManualClock } from '../../electron/identity/psc/clock.js';
import { drMarieMartin, kitDoc0036624, sandboxClient, sophieDurand, startPscSandbox, type PscSandbox } from './server.js';

const CIBA = 'urn:openid:params:grant-type:ciba';
let certs: TestCertificates;
let sandbox: PscSandbox;
let clock: ManualClock;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown> | null;
  text: string;
}

function basic(id: string = sandboxClient.clientId, secret: string = sandboxClient.clientSecret): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

function call(
  url: string,
  options: { method?: string; form?: Record<string, string>; body?: string; headers?: Record<string, string>; auth?: string | null } = {},
): Promise<Answer> {
  const body = options.body ?? (options.form ? new URLSearchParams(options.form).toString() : undefined);
  const headers: Record<string, string> = {
    ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    ...(options.auth === null ? {} : options.form ? { authorization: options.auth ?? basic() } : {}),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: options.method ?? (body !== undefined ? 'POST' : 'GET'), headers, ca: certs.caPem, servername: 'localhost' },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const parse = (): Record<string, unknown> | null => {
            try {
              return text ? (JSON.parse(text) as Record<string, unknown>) : null;
            } catch {
              return null;
            }
          };
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json: parse(), text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const oidc = () => `${sandbox.url}/protocol/openid-connect`;

function cibaForm(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const base: Record<string, string | undefined> = {
    scope: 'openid scope_all',
    acr_values: 'eidas1',
    login_hint: drMarieMartin.idNatPs,
    binding_message: 'K7QF',
    channel: 'MOBILE',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined));
}

async function startCiba(overrides: Record<string, string | undefined> = {}): Promise<string> {
  const answer = await call(`${oidc()}/ext/ciba/auth`, { form: cibaForm(overrides) });
  expect(answer.status).toBe(200);
  return answer.json?.auth_req_id as string;
}

const pollToken = (authReqId: string, auth?: string) =>
  call(`${oidc()}/token`, { form: { grant_type: CIBA, auth_req_id: authReqId }, ...(auth ? { auth } : {}) });

async function approvedTokens(overrides: Record<string, string | undefined> = {}): Promise<Record<string, unknown>> {
  const id = await startCiba(overrides);
  sandbox.approve(id);
  const answer = await pollToken(id);
  expect(answer.status).toBe(200);
  return answer.json ?? {};
}

beforeAll(async () => {
  certs = makeServerCertificates();
  clock = new ManualClock();
  sandbox = await startPscSandbox({ certPem: certs.certPem, keyPem: certs.keyPem, port: 0, control: true, clock });
});
afterAll(async () => {
  await sandbox.close();
});

describe('PSC sandbox: discovery and keys', () => {
  it('serves both discovery names, advertising CIBA in poll mode, with its own URL as issuer', async () => {
    for (const name of ['openid-configuration', 'wallet-openid-configuration']) {
      const answer = await call(`${sandbox.url}/.well-known/${name}`);
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({
        issuer: sandbox.url,
        backchannel_authentication_endpoint: `${oidc()}/ext/ciba/auth`,
        backchannel_token_delivery_modes_supported: ['poll'],
        token_endpoint: `${oidc()}/token`,
        userinfo_endpoint: `${oidc()}/userinfo`,
        end_session_endpoint: `${oidc()}/logout`,
        jwks_uri: `${oidc()}/certs`,
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
      expect(answer.json?.grant_types_supported).toContain(CIBA);
    }
  });

  it('derives the issuer from the loopback name used (localhost as in the sandbox environment) and refuses other hosts', async () => {
    const viaLocalhost = await call(`${sandbox.url.replace('127.0.0.1', 'localhost')}/.well-known/openid-configuration`);
    expect(viaLocalhost.json?.issuer).toBe(`https://localhost:${sandbox.port}/auth/realms/esante-wallet`);
    const rebinding = await call(`${sandbox.url}/.well-known/openid-configuration`, { headers: { host: 'evil.example' } });
    expect(rebinding.status).toBe(400);
  });

  it('publishes one RS256 signing key', async () => {
    const answer = await call(`${oidc()}/certs`);
    const keys = answer.json?.keys as Record<string, unknown>[];
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('answers 404 in the OAuth shape for unknown paths, and hides the control endpoints unless asked', async () => {
    const unknown = await call(`${sandbox.url}/protocol/openid-connect/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error: expect.any(String), error_description: expect.any(String) });
    const closed = await startPscSandbox({ certPem: certs.certPem, keyPem: certs.keyPem, port: 0 });
    try {
      expect((await call(`${closed.url.replace(/\/auth\/.*/, '')}/_sandbox/ciba`)).status).toBe(404);
    } finally {
      await closed.close();
    }
  });
});

describe('PSC sandbox: client authentication', () => {
  it('refuses a wrong secret, an unknown client, no authentication and client_secret_post with 401 invalid_client', async () => {
    const cases = [
      { auth: basic(sandboxClient.clientId, 'mauvais') },
      { auth: basic('inconnu', sandboxClient.clientSecret) },
      { auth: null },
    ];
    for (const c of cases) {
      const answer = await call(`${oidc()}/ext/ciba/auth`, { form: cibaForm(), auth: c.auth });
      expect(answer.status).toBe(401);
      expect(answer.json?.error).toBe('invalid_client');
    }
    const post = await call(`${oidc()}/token`, {
      form: { grant_type: CIBA, auth_req_id: 'x', client_id: sandboxClient.clientId, client_secret: sandboxClient.clientSecret },
      auth: null,
    });
    expect(post.status).toBe(401);
    expect(post.json?.error).toBe('invalid_client');
  });
});

describe('PSC sandbox: CIBA authentication request', () => {
  it('acknowledges with auth_req_id, expires_in 120 and interval 1', async () => {
    const answer = await call(`${oidc()}/ext/ciba/auth`, { form: cibaForm() });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ auth_req_id: expect.stringMatching(/^[\w-]{20,}$/), expires_in: 120, interval: 1 });
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['unknown login_hint', { login_hint: '899700000001' }, 400, 'unknown_user_id'],
    ['missing login_hint', { login_hint: undefined }, 400, 'invalid_request'],
    ['missing binding_message', { binding_message: undefined }, 400, 'invalid_binding_message'],
    ['binding_message too long', { binding_message: 'A'.repeat(51) }, 400, 'invalid_binding_message'],
    ['binding_message with spaces', { binding_message: 'code K7QF' }, 400, 'invalid_binding_message'],
    ['acr_values other than eidas1', { acr_values: 'eidas2' }, 400, 'invalid_request'],
    ['missing acr_values', { acr_values: undefined }, 400, 'invalid_request'],
    ['scope without openid', { scope: 'scope_all' }, 400, 'invalid_scope'],
    ['unknown scope', { scope: 'openid tout' }, 400, 'invalid_scope'],
    ['missing scope', { scope: undefined }, 400, 'invalid_request'],
    ['bad channel', { channel: 'SMS' }, 400, 'invalid_request'],
    ['user_code', { user_code: '1234' }, 400, 'invalid_request'],
    ['ping mode', { client_notification_token: 'abc' }, 400, 'invalid_request'],
  ])('refuses %s', async (_label, overrides, status, error) => {
    const answer = await call(`${oidc()}/ext/ciba/auth`, { form: cibaForm(overrides) });
    expect(answer.status).toBe(status);
    expect(answer.json).toMatchObject({ error, error_description: expect.any(String) });
  });

  it('refuses non-form bodies, repeated parameters and oversized requests', async () => {
    const json = await call(`${oidc()}/ext/ciba/auth`, {
      body: JSON.stringify(cibaForm()),
      headers: { 'content-type': 'application/json', authorization: basic() },
    });
    expect(json.status).toBe(415);
    expect(json.json?.error).toBe('invalid_request');
    const repeated = await call(`${oidc()}/ext/ciba/auth`, {
      body: `${new URLSearchParams(cibaForm()).toString()}&login_hint=${sophieDurand.idNatPs}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic() },
    });
    expect(repeated.status).toBe(400);
    expect(repeated.json?.error_description).toContain('login_hint');
    const huge = await call(`${oidc()}/ext/ciba/auth`, { form: cibaForm({ padding: 'x'.repeat(20_000) }) });
    expect(huge.status).toBe(413);
  });

  it('refuses GET on the CIBA endpoint', async () => {
    const answer = await call(`${oidc()}/ext/ciba/auth`);
    expect(answer.status).toBe(405);
  });
});

describe('PSC sandbox: token polling', () => {
  it('says authorization_pending, then slow_down when polled faster than interval, then issues tokens once approved', async () => {
    const id = await startCiba();
    const first = await pollToken(id);
    expect(first.status).toBe(400);
    expect(first.json?.error).toBe('authorization_pending');
    const tooFast = await pollToken(id);
    expect(tooFast.json?.error).toBe('slow_down');
    clock.advance(1000);
    expect((await pollToken(id)).json?.error).toBe('authorization_pending');
    sandbox.approve(id);
    clock.advance(1000);
    const tokens = await pollToken(id);
    expect(tokens.status).toBe(200);
    expect(tokens.json).toMatchObject({
      token_type: 'Bearer',
      expires_in: 120,
      refresh_expires_in: 350,
      scope: 'openid scope_all',
      access_token: expect.any(String),
      id_token: expect.any(String),
      refresh_token: expect.any(String),
      session_state: expect.any(String),
    });
    // auth_req_id is single-use.
    clock.advance(1000);
    expect((await pollToken(id)).json?.error).toBe('invalid_grant');
  });

  it('issues RS256 tokens that verify against the JWKS, with iss, aud, sub, exp, iat, acr eidas1, nonce and at_hash', async () => {
    const tokens = await approvedTokens({ nonce: 'n-123' });
    const jwks = createLocalJWKSet((await call(`${oidc()}/certs`)).json as unknown as JSONWebKeySet);
    const options = { issuer: sandbox.url, audience: sandboxClient.clientId, currentDate: new Date(clock.now()) };
    const { payload: id, protectedHeader } = await jwtVerify(tokens.id_token as string, jwks, options);
    expect(protectedHeader.alg).toBe('RS256');
    expect(id).toMatchObject({
      sub: `f:7c1f5c2e-6d0b-4b8e-9a51-0c5a6b1e2f3d:${drMarieMartin.idNatPs}`,
      acr: 'eidas1',
      nonce: 'n-123',
      typ: 'ID',
      azp: sandboxClient.clientId,
    });
    expect(id.exp! - id.iat!).toBe(120);
    expect(id.at_hash).toEqual(expect.any(String));
    const { payload: access } = await jwtVerify(tokens.access_token as string, jwks, options);
    expect(access).toMatchObject({ typ: 'Bearer', acr: 'eidas1', scope: 'openid scope_all' });
  });

  it('answers access_denied when the practitioner refuses', async () => {
    const id = await startCiba();
    sandbox.deny(id);
    const answer = await pollToken(id);
    expect(answer.status).toBe(400);
    expect(answer.json?.error).toBe('access_denied');
  });

  it('answers expired_token after expires_in, and refuses to approve an expired request', async () => {
    const id = await startCiba();
    clock.advance(120_000);
    expect((await pollToken(id)).json?.error).toBe('expired_token');
    expect(() => sandbox.approve(id)).toThrow(/expiré/);
  });

  it('answers invalid_grant for an unknown auth_req_id or one issued to another client', async () => {
    expect((await pollToken('inconnu')).json?.error).toBe('invalid_grant');
    const other = await startPscSandbox({
      certPem: certs.certPem,
      keyPem: certs.keyPem,
      port: 0,
      clock,
      clients: [sandboxClient, { clientId: 'autre', clientSecret: 'autre-secret' }],
    });
    try {
      const form = cibaForm();
      const started = await call(`${other.url}/protocol/openid-connect/ext/ciba/auth`, { form });
      const id = started.json?.auth_req_id as string;
      other.approve(id);
      const stolen = await call(`${other.url}/protocol/openid-connect/token`, {
        form: { grant_type: CIBA, auth_req_id: id },
        auth: basic('autre', 'autre-secret'),
      });
      expect(stolen.json?.error).toBe('invalid_grant');
    } finally {
      await other.close();
    }
  });

  it('refuses unsupported grant types', async () => {
    const answer = await call(`${oidc()}/token`, { form: { grant_type: 'password', username: 'x', password: 'y' } });
    expect(answer.json?.error).toBe('unsupported_grant_type');
  });

  it('approves by itself after autoApproveAfterMs', async () => {
    const auto = await startPscSandbox({ certPem: certs.certPem, keyPem: certs.keyPem, port: 0, clock, autoApproveAfterMs: 3000 });
    try {
      const started = await call(`${auto.url}/protocol/openid-connect/ext/ciba/auth`, { form: cibaForm() });
      const id = started.json?.auth_req_id as string;
      const poll = () => call(`${auto.url}/protocol/openid-connect/token`, { form: { grant_type: CIBA, auth_req_id: id } });
      expect((await poll()).json?.error).toBe('authorization_pending');
      clock.advance(3000);
      expect((await poll()).status).toBe(200);
    } finally {
      await auto.close();
    }
  });
});

describe('PSC sandbox: control endpoints (the phone)', () => {
  it('lists pending requests with their binding message, and approves or denies over HTTP', async () => {
    const id = await startCiba({ binding_message: 'ZX42', login_hint: sophieDurand.idNatPs });
    const root = sandbox.url.replace(/\/auth\/.*/, '');
    const list = await call(`${root}/_sandbox/ciba`);
    expect(list.json).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ auth_req_id: id, binding_message: 'ZX42', login_hint: sophieDurand.idNatPs, status: 'pending' }),
      ]),
    );
    expect((await call(`${root}/_sandbox/ciba/${id}/approve`, { method: 'POST' })).status).toBe(204);
    expect((await call(`${root}/_sandbox/ciba/${id}/deny`, { method: 'POST' })).status).toBe(400);
    expect((await call(`${root}/_sandbox/ciba/inconnu/approve`, { method: 'POST' })).status).toBe(404);
    expect((await pollToken(id)).status).toBe(200);
  });
});

describe('PSC sandbox: userinfo, refresh, logout', () => {
  it('returns the PSC claims for the Bearer access token', async () => {
    const tokens = await approvedTokens({ login_hint: kitDoc0036624.idNatPs });
    const answer = await call(`${oidc()}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token as string}` } });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      SubjectNameID: '899700366240',
      preferred_username: '899700366240',
      given_name: 'KIT',
      family_name: 'DOC0036624',
      SubjectOrganization: 'CABINET M DOC0036624',
      SubjectOrganizationID: 'R95141',
      SubjectRole: ['10^1.2.250.1.213.1.1.5.5'],
      Secteur_Activite: 'SA07^1.2.250.1.71.4.2.4',
      Palier_Authentification: 'APPPRIP3^1.2.250.1.213.1.5.1.1.1',
      otherIds: [{ identifiant: '899700366240', origine: 'RPPS', qualite: 1 }],
    });
    const refPro = answer.json?.SubjectRefPro as { exercices: { codeSavoirFaire: string; activities: Record<string, string>[] }[] };
    expect(refPro.exercices).toHaveLength(2);
    expect(refPro.exercices[0]?.codeSavoirFaire).toBe('SM26');
    expect(refPro.exercices[0]?.activities[1]).toMatchObject({ codeModeExercice: 'S', numeroFinessSite: '0B0172805', codeRole: '' });
  });

  it('refuses a missing, forged or expired access token with 401', async () => {
    const tokens = await approvedTokens();
    const missing = await call(`${oidc()}/userinfo`);
    expect(missing.status).toBe(401);
    const access = tokens.access_token as string;
    const forged = `${access.slice(0, access.lastIndexOf('.'))}.${'A'.repeat(342)}`;
    const bad = await call(`${oidc()}/userinfo`, { headers: { authorization: `Bearer ${forged}` } });
    expect(bad.status).toBe(401);
    expect(bad.json?.error).toBe('invalid_token');
    expect(bad.headers['www-authenticate']).toMatch(/^Bearer realm="esante-wallet", error="invalid_token"/);
    const idAsAccess = await call(`${oidc()}/userinfo`, { headers: { authorization: `Bearer ${tokens.id_token as string}` } });
    expect(idAsAccess.status).toBe(401);
    clock.advance(121_000);
    const expired = await call(`${oidc()}/userinfo`, { headers: { authorization: `Bearer ${access}` } });
    expect(expired.status).toBe(401);
    expect(expired.json?.error).toBe('invalid_token');
  });

  it('rotates the refresh token: the new one works, the old one no longer does', async () => {
    const tokens = await approvedTokens();
    clock.advance(60_000);
    const refreshed = await call(`${oidc()}/token`, {
      form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json?.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.json?.access_token).not.toBe(tokens.access_token);
    const replay = await call(`${oidc()}/token`, { form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string } });
    expect(replay.status).toBe(400);
    expect(replay.json?.error).toBe('invalid_grant');
  });

  it('expires an idle session after refresh_expires_in', async () => {
    const tokens = await approvedTokens();
    clock.advance(351_000);
    const late = await call(`${oidc()}/token`, { form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string } });
    expect(late.json?.error).toBe('invalid_grant');
  });

  it('logout (204) ends the session: refresh and userinfo stop working', async () => {
    const tokens = await approvedTokens();
    const wrongClient = await call(`${oidc()}/logout`, { form: { refresh_token: tokens.refresh_token as string }, auth: basic('x', 'y') });
    expect(wrongClient.status).toBe(401);
    const out = await call(`${oidc()}/logout`, { form: { refresh_token: tokens.refresh_token as string } });
    expect(out.status).toBe(204);
    const refresh = await call(`${oidc()}/token`, { form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string } });
    expect(refresh.json?.error).toBe('invalid_grant');
    const info = await call(`${oidc()}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token as string}` } });
    expect(info.status).toBe(401);
    const again = await call(`${oidc()}/logout`, { form: { refresh_token: tokens.refresh_token as string } });
    expect(again.status).toBe(400);
  });
});
