/** The browser host's bridge: the contract over one WebSocket. */
import { buildApi, type CabinetApi, type ChannelName, type EventName, type Outcome } from '../../shared/contract/index.js';
import { BRIDGE_PATH, BRIDGE_PROTOCOL, TOKEN_PROTOCOL_PREFIX, type ServerMessage } from '../../shared/contract/bridge-protocol.js';
import { bridgeFailure } from './failure.js';

const TOKEN_KEY = 'cabinet.bridgeToken';
const CALL_TIMEOUT_MS = 60_000;

/** The token arrives once in the URL fragment; keep it for reloads of this tab only. */
function takeToken(): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return match[1];
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function createWebBridge(): CabinetApi {
  const token = takeToken();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const pending = new Map<number, (outcome: Outcome<unknown>) => void>();
  let nextId = 1;
  let socket: WebSocket | null = null;
  let opening: Promise<WebSocket> | null = null;
  let retryDelay = 500;
  /** At most one pending reconnection: failed calls during an outage must not add timers. */
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;

  function settleAll(outcome: Outcome<unknown>): void {
    for (const resolve of pending.values()) resolve(outcome);
    pending.clear();
  }

  function open(): Promise<WebSocket> {
    if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket);
    if (opening) return opening;
    opening = new Promise<WebSocket>((resolve, reject) => {
      if (!token) {
        reject(new Error('no-token'));
        return;
      }
      const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
      const ws = new WebSocket(`${scheme}//${window.location.host}${BRIDGE_PATH}`, [BRIDGE_PROTOCOL, TOKEN_PROTOCOL_PREFIX + token]);
      ws.onopen = () => {
        socket = ws;
        opening = null;
        retryDelay = 500;
        resolve(ws);
      };
      ws.onmessage = (message) => {
        let data: ServerMessage;
        try {
          data = JSON.parse(String(message.data)) as ServerMessage;
        } catch {
          return;
        }
        if (data.t === 'result') {
          pending.get(data.id)?.(data.outcome as Outcome<unknown>);
          pending.delete(data.id);
        } else if (data.t === 'event') {
          for (const listener of listeners.get(data.event) ?? []) listener(data.payload);
        }
      };
      ws.onclose = () => {
        const wasOpen = socket === ws;
        socket = null;
        opening = null;
        settleAll(bridgeFailure('UNAVAILABLE', 'La connexion avec les services de Cabinet a été interrompue.'));
        if (!wasOpen) reject(new Error('closed'));
        // Keep event subscriptions alive across a restart of the host.
        if (listeners.size > 0 && reconnectTimer === null) {
          reconnectTimer = setTimeout(() => {
            reconnectTimer = null;
            void open().catch(() => undefined);
          }, retryDelay);
          retryDelay = Math.min(retryDelay * 2, 10_000);
        }
      };
    });
    return opening;
  }

  async function invoke(channel: ChannelName, request: unknown): Promise<Outcome<unknown>> {
    let ws: WebSocket;
    try {
      // An open socket is used at once: the request leaves within the caller's own task (a key press).
      ws = socket && socket.readyState === WebSocket.OPEN ? socket : await open();
    } catch {
      return token
        ? bridgeFailure('UNAVAILABLE', 'Les services de Cabinet ne répondent pas. Relancez Cabinet.')
        : bridgeFailure('UNAUTHORIZED', 'Jeton de session absent : ouvrez l’adresse complète affichée au lancement de Cabinet.');
    }
    const id = nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(bridgeFailure('UNAVAILABLE', 'Les services de Cabinet n’ont pas répondu à temps.'));
      }, CALL_TIMEOUT_MS);
      pending.set(id, (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      });
      ws.send(JSON.stringify({ t: 'call', id, channel, payload: request }));
    });
  }

  function subscribe(event: EventName, listener: (payload: unknown) => void): () => void {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    void open().catch(() => undefined);
    return () => set.delete(listener);
  }

  return buildApi(invoke, subscribe);
}
