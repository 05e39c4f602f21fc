/** The browser host's bridge under a flood of connections: at most BRIDGE_MAX_CONNECTIONS open at once. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDispatcher } from '../../electron/app/dispatch.js';
import { createHandlers, systemContext } from '../../electron/app/handlers.js';
import { BRIDGE_MAX_CONNECTIONS, startHost, type RunningHost } from '../../electron/host/server.js';
import { BRIDGE_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '../../shared/contract/bridge-protocol.js';
import { tempDir } from '../support/fixtures.js';
import { testServices } from '../support/services.js';

let services: Awaited<ReturnType<typeof testServices>>;
let host: RunningHost;

beforeAll(async () => {
  services = await testServices();
  const rendererDir = tempDir();
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Cabinet</title>');
  host = await startHost({
    dispatch: createDispatcher(createHandlers(services)),
    events: services.events,
    context: () => systemContext,
    rendererDir,
  });
});

afterAll(async () => {
  await host.close();
  await services.dispose();
});

type Attempt = { ws: WebSocket; open: true } | { open: false; status: number; body: { ok: boolean; code: string; message: string } };

function attempt(): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/bridge`, [BRIDGE_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${host.token}`], {
      origin: host.origin,
    });
    ws.once('open', () => resolve({ ws, open: true }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ open: false, status: res.statusCode ?? 0, body: JSON.parse(body) as never }));
    });
    ws.once('error', reject);
  });
}

const closed = (ws: WebSocket) =>
  new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve())));

describe('bridge connection cap', () => {
  it(`keeps ${BRIDGE_MAX_CONNECTIONS} of 300 simultaneous connections and refuses the rest in French (503)`, async () => {
    const attempts = await Promise.all(Array.from({ length: 300 }, () => attempt()));
    const open = attempts.filter((a): a is Extract<Attempt, { open: true }> => a.open);
    const refused = attempts.filter((a): a is Extract<Attempt, { open: false }> => !a.open);
    expect(open).toHaveLength(BRIDGE_MAX_CONNECTIONS);
    expect(refused).toHaveLength(300 - BRIDGE_MAX_CONNECTIONS);
    for (const r of refused) {
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({
        ok: false,
        code: 'UNAVAILABLE',
        message: `Trop de connexions ouvertes vers Cabinet (${BRIDGE_MAX_CONNECTIONS} au plus) : fermez les autres onglets de Cabinet, puis rechargez la page.`,
      });
    }

    // A closed tab frees its place: the next connection is accepted, and still one more is refused.
    open[0]!.ws.close();
    await closed(open[0]!.ws);
    // The server learns of the close a moment later: retry until the place is free (each refused try changes nothing).
    let replacement: Attempt = { open: false, status: 0, body: { ok: false, code: '', message: '' } };
    for (let i = 0; i < 50 && !replacement.open; i++) replacement = await attempt();
    expect(replacement.open).toBe(true);
    const beyond = await attempt();
    expect(beyond).toMatchObject({ open: false, status: 503 });
    for (const a of [...open.slice(1), replacement]) if (a.open) a.ws.close();
  });
});
