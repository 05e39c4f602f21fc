/**
 * Bridge/IPC target: a WebSocket message as the browser host reads it
 * (JSON text → the bridge envelope → the dispatcher's per-channel schema).
 * Handlers are stand-ins: reaching one means the contract accepted the
 * payload. The answer must be a typed outcome that serializes — never
 * INTERNAL, never an exception.
 */
import { createDispatcher } from '../../../electron/app/dispatch.js';
import type { Handlers } from '../../../electron/app/handlers.js';
import { clientMessage } from '../../../shared/contract/bridge-protocol.js';
import { contract } from '../../../shared/contract/index.js';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { mutatedJsonText } from '../mutate.js';
import type { FuzzTarget } from '../target.js';

const ACCEPTED = 'Demande acceptée par le contrat (cible de fuzz).';
const handlers = new Proxy({} as Handlers, {
  get: () => () => {
    throw new CabinetError('NOT_FOUND', ACCEPTED);
  },
});
let internal: unknown = null;
const dispatch = createDispatcher(handlers, { onInternalError: (_channel, error) => (internal = error) });

const payloads: Record<string, unknown> = {
  'annuaire.search': { text: 'martin', city: 'Lyon', types: ['PER'], limit: 10 },
  'settings.set': { key: 'ui.theme', value: 'sombre' },
  'patients.search': { text: 'dupont' },
};

function messages(): unknown[] {
  const out: unknown[] = [];
  let id = 1;
  for (const [group, methods] of Object.entries(contract))
    for (const method of Object.keys(methods))
      out.push({ t: 'call', id: id++, channel: `${group}.${method}`, payload: payloads[`${group}.${method}`] ?? {} });
  return out;
}

export const bridge: FuzzTarget<string> = {
  name: 'bridge',
  parser: 'messages du pont navigateur / IPC (enveloppe + schéma de chaque canal)',
  corpus: () => messages().map((m) => JSON.stringify(m)),
  arbitrary: (corpus) => mutatedJsonText(corpus.map((c) => JSON.parse(c) as unknown)),
  run: async (text) => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new CabinetError('INVALID_REQUEST', 'Message illisible reçu par Cabinet.');
    }
    const message = clientMessage.safeParse(raw);
    if (!message.success) throw new CabinetError('INVALID_REQUEST', 'Message mal formé reçu par Cabinet.');
    internal = null;
    const outcome = await dispatch(message.data.channel, message.data.payload, { actor: 'fuzz', session: 'connecte', practitioner: null });
    JSON.stringify({ t: 'result', id: message.data.id, outcome }); // what the host sends back must serialize
    if (outcome.ok) return outcome;
    if (outcome.code === 'INTERNAL')
      throw internal instanceof Error ? internal : new Error(`INTERNAL sans cause : ${JSON.stringify(outcome).slice(0, 500)}`);
    if (outcome.message === ACCEPTED) return 'accepté';
    throw new CabinetError(outcome.code, outcome.message, outcome.details);
  },
};
