/**
 * The browser host: the same services as the Electron main process, the
 * built renderer served on 127.0.0.1, and the contract over a WebSocket
 * bridge. Guards: loopback only, Host and Origin checked (DNS rebinding,
 * cross-site WebSocket), a random per-launch token required on the upgrade,
 * every message size-bounded and validated like an IPC call, and at most
 * `BRIDGE_MAX_CONNECTIONS` bridge connections open at once (one per tab of the
 * page; more is refused with HTTP 503 and a French reason).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  BRIDGE_MAX_MESSAGE_BYTES,
  BRIDGE_PATH,
  BRIDGE_PROTOCOL,
  TOKEN_PROTOCOL_PREFIX,
  clientMessage,
  type ServerMessage,
} from '../../shared/contract/bridge-protocol.js';
import { fail, type Failure } from '../../shared/contract/outcome.js';
import type { Dispatch } from '../app/dispatch.js';
import type { CallContext } from '../app/handlers.js';
import type { EventBus } from '../app/events.js';
import { serveStatic } from './static.js';

/** Open bridge connections allowed at once: a few tabs and reloads, not hundreds of sockets each holding memory. */
export const BRIDGE_MAX_CONNECTIONS = 8;

export interface HostOptions {
  dispatch: Dispatch;
  events: EventBus;
  rendererDir: string;
  context: () => CallContext;
  port?: number;
  token?: string;
  /** Default BRIDGE_MAX_CONNECTIONS. */
  maxConnections?: number;
}

export interface RunningHost {
  url: string;
  origin: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function refuse(socket: Duplex, status: number, failure: Failure): void {
  const body = JSON.stringify(failure);
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const rendererDir = path.resolve(options.rendererDir);
  let origin = '';
  let allowedHosts = new Set<string>();

  const server = http.createServer((req, res) => {
    if (!allowedHosts.has(req.headers.host ?? '')) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Hôte non autorisé');
      return;
    }
    serveStatic(rendererDir, origin, req, res);
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: BRIDGE_MAX_MESSAGE_BYTES,
    handleProtocols: (protocols) => (protocols.has(BRIDGE_PROTOCOL) ? BRIDGE_PROTOCOL : false),
  });

  const maxConnections = options.maxConnections ?? BRIDGE_MAX_CONNECTIONS;
  /** Upgrades accepted but not yet open (counted with the open ones). */
  let upgrading = 0;

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const url = req.url ?? '';
    if (url.split('?')[0] !== BRIDGE_PATH || !allowedHosts.has(req.headers.host ?? '')) {
      refuse(socket, 404, fail('NOT_FOUND'));
      return;
    }
    const requestOrigin = req.headers.origin;
    if (requestOrigin !== undefined && requestOrigin !== origin && requestOrigin !== origin.replace('127.0.0.1', 'localhost')) {
      refuse(socket, 403, fail('FORBIDDEN_SENDER', 'Connexion refusée : elle ne provient pas de la page de Cabinet.'));
      return;
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    const given = offered.find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX))?.slice(TOKEN_PROTOCOL_PREFIX.length);
    if (!given || !sameToken(given, token)) {
      refuse(socket, 401, fail('UNAUTHORIZED'));
      return;
    }
    if (wss.clients.size + upgrading >= maxConnections) {
      refuse(
        socket,
        503,
        fail(
          'UNAVAILABLE',
          `Trop de connexions ouvertes vers Cabinet (${maxConnections} au plus) : fermez les autres onglets de Cabinet, puis rechargez la page.`,
        ),
      );
      return;
    }
    upgrading += 1;
    wss.handleUpgrade(req, socket, head, (ws) => {
      upgrading -= 1;
      wss.emit('connection', ws, req);
    });
  });

  const send = (ws: WebSocket, message: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };

  wss.on('connection', (ws: WebSocket) => {
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      let raw: unknown;
      try {
        if (isBinary) throw new Error('binary');
        raw = JSON.parse(data.toString());
      } catch {
        send(ws, { t: 'refused', outcome: fail('INVALID_REQUEST', 'Message illisible reçu par Cabinet.') });
        return;
      }
      const message = clientMessage.safeParse(raw);
      if (!message.success) {
        send(ws, { t: 'refused', outcome: fail('INVALID_REQUEST', 'Message mal formé reçu par Cabinet.') });
        return;
      }
      const { id, channel, payload } = message.data;
      void options.dispatch(channel, payload, options.context()).then((outcome) => send(ws, { t: 'result', id, outcome }));
    });
  });

  const offEvents = options.events.onAny((event, payload) => {
    for (const client of wss.clients) send(client, { t: 'event', event, payload });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  return {
    url: `${origin}/#token=${token}`,
    origin,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        offEvents();
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
