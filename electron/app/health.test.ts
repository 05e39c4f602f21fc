/**
 * The services' state learnt from real calls: a refused connection, a
 * server certificate nobody trusts, a server slower than the deadline and a
 * 5xx mark the service unavailable since the first failure; an action's own
 * failure does not; the next success marks it back.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CabinetError } from '../../shared/contract/outcome.js';
import { makeServerCertificates } from '../../test/support/certs.js';
import { loadConfig } from '../platform/config/config.js';
import { nodeHttpsTransport } from '../platform/tls/transport.js';
import { createTracer } from '../platform/trace/trace.js';
import { HealthMonitor, watchedClient, type ServiceStatus } from './health.js';

const certs = makeServerCertificates();
const untrusted = makeServerCertificates();
let good: https.Server;
let urlOf: (server: https.Server, path: string) => string;

function listen(server: https.Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

beforeAll(async () => {
  good = https.createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    if (req.url === '/lent') return void setTimeout(() => res.end('tard'), 2_000);
    if (req.url === '/panne') return void res.writeHead(503).end('maintenance');
    res.end('ok');
  });
  await listen(good);
  urlOf = (server, path) => `https://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
});
afterAll(() => {
  good.closeAllConnections();
  good.close();
});

function monitor(clock: { now: number }) {
  const changes: ServiceStatus[][] = [];
  const config = loadConfig({ env: { CABINET_DATA_DIR: '/tmp/cabinet-sante' }, platform: 'linux' });
  const health = new HealthMonitor(
    config,
    createTracer(null),
    (s) => changes.push(s),
    [],
    async () => ({ state: 'connecte' }),
    () => clock.now,
  );
  return { health, changes, dmp: () => health.current().find((s) => s.id === 'dmp') as ServiceStatus };
}

/** A tiny client over the real transport, shaped like the services' clients (5xx → UNAVAILABLE with its status). */
function client(trust: string[]) {
  const transport = nodeHttpsTransport(null, { extraCa: trust });
  return {
    async get(url: string, timeoutMs = 10_000) {
      const reply = await transport.request({ method: 'GET', url, timeoutMs });
      if (reply.status >= 500) throw new CabinetError('UNAVAILABLE', `HTTP ${reply.status}`, { status: reply.status });
      return reply.body.toString();
    },
    close: () => transport.close(),
  };
}

describe('HealthMonitor from real calls', () => {
  it('marks the service down on a refused connection, keeps the first time, and back up on success', async () => {
    const clock = { now: Date.parse('2026-12-01T09:42:00Z') };
    const { health, changes, dmp } = monitor(clock);
    await health.refresh();
    expect(dmp().state).toBe('connecte');
    const c = watchedClient(client([certs.caPem]), 'dmp', health);
    const closed = https.createServer();
    await listen(closed);
    const deadUrl = urlOf(closed, '/');
    closed.close();
    await expect(c.get(deadUrl)).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { cause: 'reseau' } });
    expect(dmp()).toMatchObject({ state: 'indisponible', since: '2026-12-01T09:42:00.000Z' });
    const before = changes.length;
    clock.now += 60_000;
    await expect(c.get(urlOf(good, '/panne'))).rejects.toMatchObject({ details: { status: 503 } });
    expect(dmp().since).toBe('2026-12-01T09:42:00.000Z');
    expect(changes.length).toBe(before);
    expect(await c.get(urlOf(good, '/'))).toBe('ok');
    expect(dmp()).toMatchObject({ state: 'connecte', since: null });
    c.close();
  });

  it('a server certificate from an unknown authority is an outage (TLS never relaxed)', async () => {
    const clock = { now: Date.parse('2026-12-01T09:00:00Z') };
    const { health, dmp } = monitor(clock);
    await health.refresh();
    const c = watchedClient(client([untrusted.caPem]), 'dmp', health);
    await expect(c.get(urlOf(good, '/'))).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { cause: 'tls' } });
    expect(dmp().state).toBe('indisponible');
    c.close();
  });

  it('a server slower than the deadline is an outage', async () => {
    const clock = { now: Date.parse('2026-12-01T09:00:00Z') };
    const { health, dmp } = monitor(clock);
    await health.refresh();
    const c = watchedClient(client([certs.caPem]), 'dmp', health);
    await expect(c.get(urlOf(good, '/lent'), 300)).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { cause: 'delai' } });
    expect(dmp().state).toBe('indisponible');
    c.close();
  });

  it('an action’s own failure says nothing about the service', async () => {
    const clock = { now: Date.parse('2026-12-01T09:00:00Z') };
    const { health, changes, dmp } = monitor(clock);
    await health.refresh();
    const before = changes.length;
    const refused = watchedClient({ feed: () => Promise.reject(new CabinetError('INVALID_REQUEST', 'Document refusé.')) }, 'dmp', health);
    await expect(refused.feed()).rejects.toThrow('Document refusé.');
    const noSession = watchedClient({ feed: () => Promise.reject(new CabinetError('SESSION_REQUIRED')) }, 'dmp', health);
    await expect(noSession.feed()).rejects.toMatchObject({ code: 'SESSION_REQUIRED' });
    expect(dmp().state).toBe('connecte');
    expect(changes.length).toBe(before);
  });
});
