/**
 * The Cabinet client against the sandbox (real HTTPS on loopback, one clock
 * shared by both so that waits and expiries take no time), and against a
 * hostile fake server for what the sandbox never does.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { makeServerCertificates, type TestCertificates } from '../../../test/support/certs.js';
import { tempDir } from '../../../test/support/fixtures.js';
import { createTracer, type Exchange, type Tracer } from '../../platform/trace/trace.js';
import { PscClient, type PscClientOptions } from './client.js';
import { ManualClock, systemClock } from './clock.js';
import { pscMessages } from './rules.js';
import {
  drMarieMartin,
  kitDoc0036624,
  sandboxClient,
  sophieDurand,
  startPscSandbox,
  userinfoClaims,
  type PscSandbox,
} from '../../../sandboxes/psc/server.js';

let certs: TestCertificates;
let clock: ManualClock;
let sandbox: PscSandbox;
const clients: PscClient[] = [];

function makeClient(options: Partial<PscClientOptions> = {}): PscClient {
  const client = new PscClient({
    baseUrl: sandbox.url,
    clientId: sandboxClient.clientId,
    clientSecret: sandboxClient.clientSecret,
    extraCa: [certs.caPem],
    clock,
    ...options,
  });
  clients.push(client);
  return client;
}

async function failure(promise: Promise<unknown>): Promise<CabinetError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CabinetError) return error;
    throw error;
  }
  throw new Error('aucune erreur levée');
}

/** A raw token request with the client's own credentials (to provoke slow_down, or to replay a refresh token). */
function rawToken(url: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = new URLSearchParams(form).toString();
  const auth = Buffer.from(`${sandboxClient.clientId}:${sandboxClient.clientSecret}`).toString('base64');
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${url}/protocol/openid-connect/token`,
      { method: 'POST', ca: certs.caPem, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${auth}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The refresh token is private on purpose; tests that must replay it peek at it. */
function peekRefreshToken(client: PscClient): string {
  return (client as unknown as { session: { refreshToken: string } }).session.refreshToken;
}

async function login(client: PscClient, idNatPs = drMarieMartin.idNatPs) {
  const started = await client.startLogin(idNatPs);
  sandbox.approve(started.authReqId);
  return client.waitForLogin(started.authReqId);
}

beforeAll(async () => {
  certs = makeServerCertificates();
  clock = new ManualClock();
  sandbox = await startPscSandbox({ certPem: certs.certPem, keyPem: certs.keyPem, port: 0, clock });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await sandbox.close();
});

describe('PscClient against the sandbox: CIBA login', () => {
  it('starts, stays pending at the pace PSC sets, then logs the GP in once approved on the phone', async () => {
    const client = makeClient();
    const started = await client.startLogin(drMarieMartin.idNatPs);
    expect(started.bindingMessage).toMatch(/^[A-HJKMNP-Z2-9]{4}$/);
    expect(started.interval).toBe(1);
    expect(started.expiresAt.getTime()).toBe(clock.now() + 120_000);
    // What the phone shows: the same code, for the same practitioner, over the e-CPS channel.
    expect(sandbox.requests()).toContainEqual(
      expect.objectContaining({
        auth_req_id: started.authReqId,
        binding_message: started.bindingMessage,
        login_hint: drMarieMartin.idNatPs,
        channel: 'MOBILE',
      }),
    );

    const sleepsBefore = clock.sleeps.length;
    expect(await client.poll(started.authReqId)).toBe('pending');
    expect(await client.poll(started.authReqId)).toBe('pending');
    // Each poll waited for the interval (plus a margin), never less.
    expect(clock.sleeps.slice(sleepsBefore)).toEqual([1100, 1100]);

    sandbox.approve(started.authReqId);
    const result = await client.poll(started.authReqId);
    if (result === 'pending') throw new Error('toujours en attente');
    expect(result.practitioner).toEqual({
      idNatPs: '899700012349',
      rpps: '99700012349',
      givenName: 'MARIE',
      surname: 'MARTIN',
      displayName: 'Dr Marie MARTIN',
      professionCode: '10',
      professionLabel: 'Médecin',
      specialtyCode: 'SM54',
      specialtyLabel: 'Médecine générale',
      structureId: 'R99701',
      source: 'e_cps',
    });
    expect(result.tokens).toMatchObject({
      tokenType: 'Bearer',
      acr: 'eidas1',
      scope: 'openid scope_all',
      accessToken: expect.any(String),
      idToken: expect.any(String),
    });
    expect(result.tokens.expiresAt.getTime()).toBe(clock.now() + 120_000);
    expect(result.tokens).not.toHaveProperty('refreshToken');
    expect(result.userinfo.SubjectNameID).toBe('899700012349');
    expect(client.current()?.practitioner.displayName).toBe('Dr Marie MARTIN');
    // The request is consumed.
    expect((await failure(client.poll(started.authReqId))).message).toBe(pscMessages.unknownRequest);
  });

  it('logs the ADELI nurse in (no specialty, no title)', async () => {
    const result = await login(makeClient(), sophieDurand.idNatPs);
    expect(result.practitioner).toMatchObject({
      idNatPs: '0996012345',
      adeli: '996012345',
      displayName: 'Sophie DURAND',
      professionCode: '60',
      professionLabel: 'Infirmier',
    });
    expect(result.practitioner.specialtyCode).toBeUndefined();
  });

  it('says « Connexion refusée sur le téléphone » when the practitioner refuses', async () => {
    const client = makeClient();
    const started = await client.startLogin(drMarieMartin.idNatPs);
    sandbox.deny(started.authReqId);
    const error = await failure(client.poll(started.authReqId));
    expect(error.message).toBe('Connexion refusée sur le téléphone');
    expect(error.code).toBe('CREDENTIALS_REFUSED');
    expect(error.details).toMatchObject({ reason: 'refuse', error: 'access_denied' });
    expect(client.current()).toBeNull();
  });

  it('says « La demande a expiré : recommencez » once expires_in has passed', async () => {
    const client = makeClient();
    const started = await client.startLogin(kitDoc0036624.idNatPs);
    expect(await client.poll(started.authReqId)).toBe('pending');
    clock.advance(120_000);
    const error = await failure(client.waitForLogin(started.authReqId));
    expect(error.message).toBe('La demande a expiré : recommencez');
    expect(error.details).toMatchObject({ reason: 'expire' });
  });

  it('maps PSC’s own expired_token answer too (client clock lagging)', async () => {
    const frozen = clock.now();
    const client = makeClient({ clock: { now: () => frozen, sleep: () => Promise.resolve() } });
    const started = await client.startLogin(drMarieMartin.idNatPs);
    clock.advance(121_000);
    const error = await failure(client.poll(started.authReqId));
    expect(error.message).toBe(pscMessages.expired);
    expect(error.details).toMatchObject({ error: 'expired_token' });
  });

  it('backs off by 5 s after slow_down, and still logs in', async () => {
    const client = makeClient();
    const started = await client.startLogin(drMarieMartin.idNatPs);
    // Someone else polls with the same credentials right when the client is due: the client's poll comes too early.
    clock.advance(1100);
    expect(
      (await rawToken(sandbox.url, { grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: started.authReqId })).body.error,
    ).toBe('authorization_pending');
    const mark = clock.sleeps.length;
    expect(await client.poll(started.authReqId)).toBe('pending');
    sandbox.approve(started.authReqId);
    const result = await client.poll(started.authReqId);
    expect(clock.sleeps.slice(mark)).toEqual([6100]);
    expect(result).not.toBe('pending');
  });

  it('says « Identifiant national inconnu de Pro Santé Connect » for an unknown practitioner, and refuses a malformed id before any exchange', async () => {
    const client = makeClient();
    const unknown = await failure(client.startLogin('899700000002'));
    expect(unknown.message).toBe('Identifiant national inconnu de Pro Santé Connect');
    expect(unknown.code).toBe('NOT_FOUND');
    const exchanges: Exchange[] = [];
    const malformed = await failure(makeClient({ tracer: { record: (e) => exchanges.push(e) } }).startLogin('12345'));
    expect(malformed.code).toBe('INVALID_REQUEST');
    expect(exchanges).toHaveLength(0);
  });

  it('says Cabinet is not recognised when the client secret is wrong', async () => {
    const error = await failure(makeClient({ clientSecret: 'pas-le-bon' }).startLogin(drMarieMartin.idNatPs));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(pscMessages.badClient);
  });
});

describe('PscClient against the sandbox: session', () => {
  it('refreshes: new access token, same practitioner; the previous refresh token is spent', async () => {
    const client = makeClient();
    const first = await login(client);
    const oldRefresh = peekRefreshToken(client);
    clock.advance(60_000);
    const tokens = await client.refresh();
    expect(tokens.accessToken).not.toBe(first.tokens.accessToken);
    expect(tokens.expiresAt.getTime()).toBe(clock.now() + 120_000);
    expect(client.current()?.tokens.accessToken).toBe(tokens.accessToken);
    expect((await rawToken(sandbox.url, { grant_type: 'refresh_token', refresh_token: oldRefresh })).body.error).toBe('invalid_grant');
  });

  it('logout revokes the session at PSC: the refresh token no longer works, and nothing is kept here', async () => {
    const client = makeClient();
    await login(client);
    const refreshToken = peekRefreshToken(client);
    expect(await client.logout()).toEqual({ revoked: true });
    expect(client.current()).toBeNull();
    const replay = await rawToken(sandbox.url, { grant_type: 'refresh_token', refresh_token: refreshToken });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect((await failure(client.refresh())).message).toBe(pscMessages.noSession);
  });

  it('ends the session with a French message when PSC has forgotten it (refresh after idle expiry)', async () => {
    const client = makeClient();
    await login(client);
    clock.advance(351_000);
    const error = await failure(client.refresh());
    expect(error.message).toBe(pscMessages.sessionEnded);
    expect(client.current()).toBeNull();
  });

  it('reports an access token that expired before userinfo was read', async () => {
    const short = await startPscSandbox({ certPem: certs.certPem, keyPem: certs.keyPem, port: 0, clock, accessTokenLifetime: 1 });
    try {
      // The tracer sees the token answer before userinfo is called: let time pass right then.
      const tracer: Tracer = { record: (e) => (e.operation === 'token-ciba' && e.outcome === 'ok' ? clock.advance(2000) : undefined) };
      const client = makeClient({ baseUrl: short.url, tracer });
      const started = await client.startLogin(drMarieMartin.idNatPs);
      short.approve(started.authReqId);
      const error = await failure(client.poll(started.authReqId));
      expect(error.message).toBe(pscMessages.sessionEnded);
      expect(error.details).toMatchObject({ error: 'invalid_token', status: 401 });
    } finally {
      await short.close();
    }
  });
});

describe('PscClient: TLS', () => {
  it('refuses a server whose authority is not trusted, and accepts it once given as extra CA', async () => {
    const error = await failure(makeClient({ extraCa: [] }).startLogin(drMarieMartin.idNatPs));
    expect(error.message).toBe(pscMessages.untrusted);
    expect(error.details).toMatchObject({ reason: 'certificat' });
    const other = makeServerCertificates();
    expect((await failure(makeClient({ extraCa: [other.caPem] }).startLogin(drMarieMartin.idNatPs))).details).toMatchObject({
      reason: 'certificat',
    });
    await expect(makeClient({ extraCa: [certs.caPem] }).startLogin(drMarieMartin.idNatPs)).resolves.toMatchObject({ interval: 1 });
  });

  it('checks the name in the certificate', async () => {
    const other = makeServerCertificates('ailleurs.example', ['ailleurs.example'], []);
    const server = await startPscSandbox({ certPem: other.certPem, keyPem: other.keyPem, port: 0, clock });
    try {
      const error = await failure(
        makeClient({ baseUrl: server.url.replace('127.0.0.1', 'localhost'), extraCa: [other.caPem] }).startLogin(drMarieMartin.idNatPs),
      );
      expect(error.message).toBe(pscMessages.untrusted);
    } finally {
      await server.close();
    }
  });
});

describe('PscClient: traces and memory', () => {
  it('traces every exchange without any token, secret or Authorization value', async () => {
    const dir = path.join(tempDir(), 'traces');
    const files = createTracer(dir);
    // Also what any tracer receives, before its own redaction: the client hands over nothing secret.
    const received: Exchange[] = [];
    const client = makeClient({ tracer: { record: (e) => (received.push(e), files.record(e)) } });
    const result = await login(client);
    const refreshToken = peekRefreshToken(client);
    const refreshed = await client.refresh();
    const secondRefresh = peekRefreshToken(client);
    await client.logout();
    const names = fs.readdirSync(dir);
    const operations = names.map((f) => /_psc_([\w-]+)_[0-9a-f]{6}\.json$/.exec(f)?.[1]).sort();
    expect(operations).toEqual(['ciba-auth', 'discovery', 'jwks', 'logout', 'token-ciba', 'token-refresh', 'userinfo']);
    const all = [...names.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')), JSON.stringify(received)].join('\n');
    const basic = Buffer.from(`${sandboxClient.clientId}:${sandboxClient.clientSecret}`).toString('base64');
    for (const secret of [
      result.tokens.accessToken,
      result.tokens.idToken,
      refreshToken,
      refreshed.accessToken,
      refreshed.idToken,
      secondRefresh,
      sandboxClient.clientSecret,
      basic,
    ]) {
      expect(all).not.toContain(secret);
    }
    // No JWT at all (header.payload.): every token is masked, wherever it appears.
    expect(all).not.toMatch(/eyJ[\w-]{10,}\.eyJ[\w-]{10,}/);
    // What support needs is still there.
    expect(all).toContain(drMarieMartin.idNatPs);
    expect(all).toContain('[masqué]');
  });

  it('has no way to write tokens anywhere: no file-system module in the client code', () => {
    for (const file of ['client.ts', 'http.ts', 'rules.ts', 'clock.ts']) {
      const source = fs.readFileSync(path.join(import.meta.dirname, file), 'utf8');
      const imports = [...source.matchAll(/from ['"]([^'"]+)['"]/g)].map((m) => m[1]);
      expect(
        imports.filter((i) => /^(node:)?fs(\/|$)|keychain|store|diagnostics/.test(i ?? '')),
        file,
      ).toEqual([]);
      expect(source, file).not.toMatch(/\b(writeFile\w*|appendFile\w*|createWriteStream|localStorage)\b/);
    }
  });
});

// ------------------------------------------------------------------ hostile server

interface FakeRoutes {
  [route: string]: (req: IncomingMessage, res: ServerResponse, ctx: FakeContext) => unknown;
}
interface FakeContext {
  url: string;
  key: CryptoKey;
  jwk: JWK;
  form: URLSearchParams;
}

async function fakePsc(routes: FakeRoutes, signingKey?: CryptoKey): Promise<{ url: string; close: () => Promise<void> }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  let url = '';
  const server = https.createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const route = (req.url ?? '').replace(/^\/auth\/realms\/esante-wallet/, '');
      const handler = routes[route];
      const ctx = { url, key: signingKey ?? privateKey, jwk, form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) };
      if (!handler) return res.writeHead(404).end();
      void Promise.resolve(handler(req, res, ctx)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/auth/realms/esante-wallet`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function discoveryFor(url: string): Record<string, unknown> {
  const oidc = `${url}/protocol/openid-connect`;
  return {
    issuer: url,
    token_endpoint: `${oidc}/token`,
    userinfo_endpoint: `${oidc}/userinfo`,
    end_session_endpoint: `${oidc}/logout`,
    jwks_uri: `${oidc}/certs`,
    backchannel_authentication_endpoint: `${oidc}/ext/ciba/auth`,
    grant_types_supported: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
    backchannel_token_delivery_modes_supported: ['poll'],
  };
}

/** A well-behaved fake OP whose token answer a test can spoil. */
function wellBehaved(
  token: (ctx: FakeContext) => Promise<Record<string, unknown>>,
  userinfo: Record<string, unknown> = userinfoClaims(drMarieMartin),
): FakeRoutes {
  return {
    '/.well-known/wallet-openid-configuration': (_q, res, ctx) => json(res, 200, discoveryFor(ctx.url)),
    '/protocol/openid-connect/certs': (_q, res, ctx) => json(res, 200, { keys: [ctx.jwk] }),
    '/protocol/openid-connect/ext/ciba/auth': (_q, res) => json(res, 200, { auth_req_id: 'req-1', expires_in: 120, interval: 1 }),
    '/protocol/openid-connect/token': async (_q, res, ctx) => json(res, 200, await token(ctx)),
    '/protocol/openid-connect/userinfo': (_q, res) => json(res, 200, userinfo),
  };
}

async function idToken(
  ctx: FakeContext,
  claims: Record<string, unknown>,
  opts: { aud?: string; iss?: string; exp?: number } = {},
): Promise<string> {
  const now = Math.floor(clock.now() / 1000);
  return new SignJWT({ acr: 'eidas1', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(opts.iss ?? ctx.url)
    .setAudience(opts.aud ?? sandboxClient.clientId)
    .setSubject(String(userinfoClaims(drMarieMartin).sub))
    .setIssuedAt(now)
    .setExpirationTime(opts.exp ?? now + 120)
    .sign(ctx.key);
}

async function loginAgainst(routes: FakeRoutes, options: Partial<PscClientOptions> = {}, signingKey?: CryptoKey): Promise<CabinetError> {
  const fake = await fakePsc(routes, signingKey);
  try {
    const client = makeClient({ baseUrl: fake.url, ...options });
    const started = await client.startLogin(drMarieMartin.idNatPs);
    return await failure(client.waitForLogin(started.authReqId));
  } finally {
    await fake.close();
  }
}

async function startAgainst(routes: FakeRoutes, options: Partial<PscClientOptions> = {}): Promise<CabinetError> {
  const fake = await fakePsc(routes);
  try {
    return await failure(makeClient({ baseUrl: fake.url, ...options }).startLogin(drMarieMartin.idNatPs));
  } finally {
    await fake.close();
  }
}

describe('PscClient against a hostile server: clear French errors', () => {
  it.each([
    [
      'an HTML page as discovery',
      {
        '/.well-known/wallet-openid-configuration': (_q: IncomingMessage, res: ServerResponse) =>
          res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>'),
      },
      'non JSON',
    ],
    [
      'broken JSON',
      {
        '/.well-known/wallet-openid-configuration': (_q: IncomingMessage, res: ServerResponse) =>
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"issuer":'),
      },
      'JSON illisible',
    ],
    [
      'a discovery without CIBA',
      {
        '/.well-known/wallet-openid-configuration': (_q: IncomingMessage, res: ServerResponse, ctx: FakeContext) =>
          json(res, 200, { ...discoveryFor(ctx.url), grant_types_supported: ['authorization_code'] }),
      },
      'CIBA',
    ],
    [
      'an issuer that is not the configured URL',
      {
        '/.well-known/wallet-openid-configuration': (_q: IncomingMessage, res: ServerResponse, ctx: FakeContext) =>
          json(res, 200, { ...discoveryFor(ctx.url), issuer: 'https://ailleurs.example/auth/realms/esante-wallet' }),
      },
      'issuer',
    ],
    [
      'a 1 MiB answer (declared)',
      {
        '/.well-known/wallet-openid-configuration': (_q: IncomingMessage, res: ServerResponse) =>
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1 << 20) }).end('x'.repeat(1 << 20)),
      },
      'volumineuse',
    ],
    [
      'a 1 MiB answer (chunked)',
      {
        '/.well-known/wallet-openid-configuration': (_q: IncomingMessage, res: ServerResponse) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          for (let i = 0; i < 64; i++) res.write('x'.repeat(16_384));
          res.end();
        },
      },
      'volumineuse',
    ],
    [
      'a redirect',
      {
        '/.well-known/wallet-openid-configuration': (_q: IncomingMessage, res: ServerResponse) =>
          res.writeHead(302, { location: 'https://ailleurs.example/' }).end(),
      },
      'HTTP 302',
    ],
  ])('%s → « Réponse invalide de Pro Santé Connect »', async (_label, routes, detail) => {
    const error = await startAgainst(routes as FakeRoutes);
    expect(error.message).toBe('Réponse invalide de Pro Santé Connect');
    expect(error.code).toBe('UNAVAILABLE');
    expect(String((error.details as { detail?: string }).detail)).toContain(detail);
  });

  it('a garbage CIBA acknowledgement → « Réponse invalide »', async () => {
    const routes = {
      ...wellBehaved(async () => ({})),
      '/protocol/openid-connect/ext/ciba/auth': (_q: IncomingMessage, res: ServerResponse) =>
        json(res, 200, { auth_req_id: 42, interval: 'vite' }),
    };
    expect((await startAgainst(routes)).message).toBe(pscMessages.invalidResponse);
  });

  it('a 503 page → « momentanément indisponible »', async () => {
    const error = await startAgainst({
      '/.well-known/wallet-openid-configuration': (_q, res) => res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>503</h1>'),
    });
    expect(error.message).toBe(pscMessages.serverError);
    expect(error.code).toBe('UNAVAILABLE');
  });

  it('no answer → « Pro Santé Connect ne répond pas » within the timeout', async () => {
    const started = Date.now();
    const error = await startAgainst({ '/.well-known/wallet-openid-configuration': () => undefined }, { timeoutMs: 300 });
    expect(error.message).toBe('Pro Santé Connect ne répond pas');
    expect(error.details).toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('nothing listening → « Pro Santé Connect ne répond pas »', async () => {
    const fake = await fakePsc({});
    await fake.close();
    const error = await failure(makeClient({ baseUrl: fake.url }).startLogin(drMarieMartin.idNatPs));
    expect(error.message).toBe(pscMessages.unavailable);
    expect(error.details).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('accepts a well-formed answer from the fake (the checks below are the only difference)', async () => {
    const fake = await fakePsc(
      wellBehaved(async (ctx) => {
        const access = 'opaque-access-token';
        return { access_token: access, token_type: 'Bearer', expires_in: 120, id_token: await idToken(ctx, {}) };
      }),
    );
    try {
      const client = makeClient({ baseUrl: fake.url });
      const started = await client.startLogin(drMarieMartin.idNatPs);
      const result = await client.waitForLogin(started.authReqId);
      expect(result.practitioner.displayName).toBe('Dr Marie MARTIN');
    } finally {
      await fake.close();
    }
  });

  const tokenWith = (
    claims: Record<string, unknown>,
    opts: { aud?: string; iss?: string; exp?: number } = {},
    access = 'opaque-access-token',
  ) =>
    wellBehaved(async (ctx) => ({
      access_token: access,
      token_type: 'Bearer',
      expires_in: 120,
      id_token: await idToken(ctx, claims, opts),
    }));

  it.each([
    ['no id_token', wellBehaved(async () => ({ access_token: 'a', token_type: 'Bearer', expires_in: 120 })), 'id_token absent'],
    ['wrong audience', tokenWith({}, { aud: 'un-autre-logiciel' }), 'id_token'],
    ['wrong issuer', tokenWith({}, { iss: 'https://ailleurs.example/auth/realms/esante-wallet' }), 'id_token'],
    ['expired id_token', tokenWith({}, { exp: Math.floor(Date.now() / 1000) - 3600 }), 'id_token'],
    ['wrong nonce', tokenWith({ nonce: 'pas-le-mien' }), 'nonce'],
    ['wrong at_hash', tokenWith({ at_hash: 'AAAAAAAAAAAAAAAAAAAAAA' }), 'at_hash'],
    ['weaker acr', tokenWith({ acr: '0' }), 'acr'],
    [
      'userinfo for someone else',
      wellBehaved(async (ctx) => ({ access_token: 'a', token_type: 'Bearer', expires_in: 120, id_token: await idToken(ctx, {}) }), {
        ...userinfoClaims(sophieDurand),
        sub: userinfoClaims(drMarieMartin).sub,
      }),
      'SubjectNameID',
    ],
    [
      'userinfo sub ≠ id_token sub',
      wellBehaved(async (ctx) => ({ access_token: 'a', token_type: 'Bearer', expires_in: 120, id_token: await idToken(ctx, {}) }), {
        ...userinfoClaims(drMarieMartin),
        sub: 'quelqu-un-d-autre',
      }),
      'sub',
    ],
  ])('%s → « Réponse invalide »', async (_label, routes, detail) => {
    const error = await loginAgainst(routes);
    expect(error.message).toBe(pscMessages.invalidResponse);
    expect(String((error.details as { detail?: string }).detail)).toContain(detail);
  });

  it('an id_token signed by another key → « Réponse invalide »', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const error = await loginAgainst(tokenWith({}), {}, privateKey);
    expect(error.message).toBe(pscMessages.invalidResponse);
    expect(String((error.details as { detail?: string }).detail)).toContain('id_token');
  });
});

describe('PscClient: timing', () => {
  it('a full CIBA login in real time with auto-approve takes about one polling interval', async () => {
    const live = await startPscSandbox({ certPem: certs.certPem, keyPem: certs.keyPem, port: 0, autoApproveAfterMs: 0 });
    try {
      const client = makeClient({ baseUrl: live.url, clock: systemClock });
      const t0 = performance.now();
      const started = await client.startLogin(drMarieMartin.idNatPs);
      const t1 = performance.now();
      const result = await client.waitForLogin(started.authReqId);
      const t2 = performance.now();
      expect(result.practitioner.idNatPs).toBe(drMarieMartin.idNatPs);
      console.info(
        `[psc] connexion CIBA complète : ${(t2 - t0).toFixed(0)} ms (demande ${(t1 - t0).toFixed(0)} ms, attente + jetons + userinfo ${(t2 - t1).toFixed(0)} ms, intervalle 1000 ms)`,
      );
      expect(t2 - t0).toBeGreaterThanOrEqual(1000);
      expect(t2 - t0).toBeLessThan(3000);
    } finally {
      await live.close();
    }
  });
});
