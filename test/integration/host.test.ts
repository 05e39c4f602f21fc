/** The browser host's guards: loopback, Host/Origin checks, token, validation. */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDispatcher } from '../../electron/app/dispatch.js';
import { contextOf, createHandlers } from '../../electron/app/handlers.js';
import { createTestPki, identity, pkiPath, type PkiManifest } from '../../sandboxes/pki/test-pki.js';
import { startHost, type RunningHost } from '../../electron/host/server.js';
import { BRIDGE_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '../../shared/contract/bridge-protocol.js';
import { tempDir } from '../support/fixtures.js';
import { testServices } from '../support/services.js';

let services: Awaited<ReturnType<typeof testServices>>;
let host: RunningHost;
let pki: PkiManifest;

beforeAll(async () => {
  pki = await createTestPki(tempDir());
  services = await testServices({ CABINET_TRUST_DIR: pki.dir });
  const rendererDir = tempDir();
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Cabinet</title>');
  host = await startHost({
    dispatch: createDispatcher(createHandlers(services)),
    events: services.events,
    context: contextOf(services),
    rendererDir,
  });
}, 120_000);
afterAll(async () => {
  await host.close();
  await services.dispose();
});

function get(
  pathname: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: host.port, path: pathname, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(protocols: string[], origin: string = host.origin): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/bridge`, protocols, { origin });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error('refused'), { status: res.statusCode, body: JSON.parse(body) as unknown })));
    });
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, id: number, channel: string, payload: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as { t: string; id?: number; outcome: unknown };
      if ((message.t === 'result' && message.id === id) || message.t === 'refused') {
        ws.off('message', onMessage);
        resolve(message.outcome);
      }
    };
    ws.on('message', onMessage);
    ws.send(typeof payload === 'string' && channel === '' ? payload : JSON.stringify({ t: 'call', id, channel, payload }));
  });
}

describe('browser host', () => {
  it('listens on 127.0.0.1 only and prints a URL carrying the token', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/#token=[A-Za-z0-9_-]{43}$`));
  });

  it('serves the renderer with a strict CSP', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('lets the page connect only to its own origin and the host’s own WebSocket, never ws: to any host', async () => {
    const csp = String((await get('/')).headers['content-security-policy'] ?? '');
    const connect = csp
      .split(';')
      .map((d) => d.trim())
      .filter((d) => d.startsWith('connect-src'));
    expect(connect).toEqual([`connect-src 'self' ws://127.0.0.1:${host.port}`]);
    expect(csp).not.toMatch(/(^|\s)(ws|wss|http|https):(\s|;|$)/);
    // The page's own meta CSP (also read in Electron, whose header has no WebSocket at all) adds no scheme-wide source either.
    const indexHtml = fs.readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), '../../renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(indexHtml)?.[1] ?? '';
    expect(meta).toContain("connect-src 'self'");
    expect(meta).not.toMatch(/(^|\s)(ws|wss):(\s|;|$)/);
  });

  it('refuses path traversal, foreign Host headers and other methods', async () => {
    expect((await get('/../../../../etc/passwd')).status).toBe(404);
    expect((await get('/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
    expect((await get('/', { Host: 'evil.example:80' })).status).toBe(421);
  });

  it('refuses a bridge connection without the token', async () => {
    await expect(connect([BRIDGE_PROTOCOL])).rejects.toMatchObject({ status: 401, body: { ok: false, code: 'UNAUTHORIZED' } });
    await expect(connect([BRIDGE_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}faux`])).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a bridge connection from another origin, even with the token', async () => {
    await expect(connect([BRIDGE_PROTOCOL, TOKEN_PROTOCOL_PREFIX + host.token], 'https://evil.example')).rejects.toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN_SENDER' },
    });
  });

  it('answers contract calls, validates payloads and forwards events', async () => {
    const ws = await connect([BRIDGE_PROTOCOL, TOKEN_PROTOCOL_PREFIX + host.token]);
    expect(await call(ws, 1, 'status.get', {})).toMatchObject({ ok: true, value: { env: 'sandbox', services: expect.any(Array) } });
    expect(await call(ws, 2, 'session.get', { inconnu: 1 })).toMatchObject({ ok: false, code: 'INVALID_REQUEST' });
    expect(await call(ws, 3, 'fs.readFile', {})).toMatchObject({ ok: false, code: 'UNKNOWN_CHANNEL' });
    expect(await call(ws, 0, '', '{not json')).toMatchObject({
      ok: false,
      code: 'INVALID_REQUEST',
      message: expect.stringContaining('illisible'),
    });

    const event = new Promise((resolve) =>
      ws.on('message', (d: WebSocket.RawData) => {
        const m = JSON.parse(d.toString()) as { t: string; event?: string; payload?: unknown };
        if (m.t === 'event' && m.event === 'auditAppended') resolve(m.payload);
      }),
    );
    // A failed login is audited (session.login_failed).
    expect(
      await call(ws, 4, 'session.loginP12', {
        fileName: 'x.p12',
        contentBase64: Buffer.from('pas un certificat').toString('base64'),
        password: 'x',
      }),
    ).toMatchObject({ ok: false });
    expect(await event).toEqual({ id: expect.any(Number) });
    ws.close();
  });

  it('with the token but nobody logged in, refuses what is not public; locked, refuses with reason « locked »', async () => {
    const ws = await connect([BRIDGE_PROTOCOL, TOKEN_PROTOCOL_PREFIX + host.token]);
    const absent = { ok: false, code: 'SESSION_REQUIRED', details: { reason: 'absent' } };
    expect(await call(ws, 10, 'audit.list', { limit: 5 })).toMatchObject(absent);
    expect(await call(ws, 11, 'outbox.list', {})).toMatchObject(absent);
    expect(await call(ws, 12, 'mss.receipts', { messageId: '<a@b.fr>' })).toMatchObject(absent);
    expect(await call(ws, 13, 'mss.status', {})).toMatchObject(absent);
    expect(await call(ws, 14, 'settings.set', { key: 'identity.pkcs11Module', value: '/tmp/evil.so' })).toMatchObject(absent);
    expect(await call(ws, 15, 'mss.refuseMdn', { id: 1 })).toMatchObject(absent);
    expect(await call(ws, 16, 'mss.importDocument', { documentId: 1 })).toMatchObject(absent);
    expect(services.settings.get('identity.pkcs11Module')).toBe('');

    const martin = identity(pki, 'medecin-martin');
    const login = {
      fileName: 'martin.p12',
      contentBase64: fs.readFileSync(pkiPath(pki, martin.p12!)).toString('base64'),
      password: martin.password!,
    };
    expect(await call(ws, 17, 'session.loginP12', login)).toMatchObject({ ok: true, value: { state: 'connecte' } });
    expect(await call(ws, 18, 'audit.list', { limit: 5 })).toMatchObject({ ok: true });
    expect(await call(ws, 19, 'session.lock', {})).toMatchObject({ ok: true, value: { state: 'verrouille' } });
    expect(await call(ws, 20, 'outbox.list', {})).toMatchObject({ ok: false, code: 'SESSION_REQUIRED', details: { reason: 'locked' } });
    expect(await call(ws, 21, 'session.logout', {})).toMatchObject({ ok: true, value: { state: 'deconnecte' } });
    expect(await call(ws, 22, 'audit.list', { limit: 5 })).toMatchObject(absent);
    ws.close();
  });
});
