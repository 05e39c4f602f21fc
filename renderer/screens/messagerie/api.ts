/**
 * The Messagerie's one door to the services: the `mss` contract group (and
 * the outbox for sends still waiting). Every answer is read through small
 * defensive mappers into ./model.ts shapes, so a field the services do not
 * (yet) send degrades to « inconnu » instead of breaking the screen, and a
 * channel this build of the services lacks answers with a French failure.
 */
import type { EventPayload, Failure, Outcome } from '../../../shared/contract/index.js';
import { cabinet } from '../../bridge/index.js';
import { call } from '../../state/cabinet.js';
import { composeRequest, toDetail, toFolder, toPending, toProgress, toStatus, toSummary, toTimeline } from './mappers.js';
import type { ComposeDraft, PendingSend, SendResult } from './model.js';

type Method = (request?: unknown) => Promise<Outcome<unknown>>;
type Listener = (payload: unknown) => void;

function mssGroup(): Record<string, Method | undefined> | null {
  const group = (cabinet as unknown as Record<string, unknown>).mss;
  return group && typeof group === 'object' ? (group as Record<string, Method | undefined>) : null;
}

/** Whether this build of the services has the MSSanté channels at all. */
export function mssAvailable(): boolean {
  return mssGroup() !== null;
}

export const missingChannel = (what: string): Failure => ({
  ok: false,
  code: 'UNKNOWN_CHANNEL',
  message: `${what} : fonction pas encore disponible dans cette version de Cabinet.`,
});

/** Subscribes to an `mss*` event when the services publish it; returns the unsubscriber (a no-op otherwise). */
export function onMssEvent(name: 'mssChanged' | 'mssSyncProgress' | 'mssNewMail', listener: Listener): () => void {
  const events = cabinet.events as unknown as Record<string, ((l: Listener) => () => void) | undefined>;
  const subscribe = events[name];
  return typeof subscribe === 'function' ? subscribe(listener) : () => undefined;
}

export const onSyncProgress = (listener: (progress: EventPayload<'mssSyncProgress'>) => void) => onMssEvent('mssSyncProgress', (p) => listener(toProgress(p)));

/* ---------- channels ---------- */

/** A typed `mss.*` call whose answer is read by `map` (the `mail` part of a message is `unknown` in the contract). */
async function typed<V, T>(run: () => Promise<Outcome<V>>, what: string, map: (value: V) => T): Promise<Outcome<T>> {
  if (!mssAvailable()) return missingChannel(what);
  const outcome = await call(run);
  if (!outcome.ok) return outcome;
  try {
    return { ok: true, value: map(outcome.value) };
  } catch {
    return { ok: false, code: 'INTERNAL', message: `Réponse inattendue des services (${what}).` };
  }
}

export const mssApi = {
  status: () => typed(() => cabinet.mss.status(), 'État de la messagerie', toStatus),
  sync: () => typed(() => cabinet.mss.sync(), 'Relever le courrier', (v) => v),
  folders: () => typed(() => cabinet.mss.folders(), 'Dossiers de messagerie', (v) => v.folders.map(toFolder)),
  list: (folderId: number, offset: number, limit: number) =>
    typed(() => cabinet.mss.list({ folderId, offset, limit }), 'Liste des messages', (v) => ({ messages: v.messages.map(toSummary), total: v.total, unread: v.unread })),
  search: (text: string, limit = 200) => typed(() => cabinet.mss.search({ text, limit }), 'Recherche dans les messages', (v) => v.messages.map(toSummary)),
  get: (id: number) => typed(() => cabinet.mss.get({ id }), 'Lecture du message', toDetail),
  markRead: (id: number, read: boolean) => typed(() => cabinet.mss.markRead({ id, read }), 'Marquer comme lu', (v) => v),
  sendMdn: (id: number) => typed(() => cabinet.mss.sendMdn({ id }), 'Accusé de lecture', (v) => v),
  refuseMdn: (id: number) => typed(() => cabinet.mss.refuseMdn({ id }), 'Accusé de lecture', (v) => v),
  importDocument: (documentId: number, patientUid?: string) =>
    typed(() => cabinet.mss.importDocument(patientUid ? { documentId, patientUid } : { documentId }), 'Import dans le dossier', (v) => v),
  receipts: (messageId: string) => typed(() => cabinet.mss.receipts({ messageId }), 'Suivi des accusés', toTimeline),
  send: (draft: ComposeDraft) =>
    typed(() => cabinet.mss.send(composeRequest(draft)), 'Envoi du message', (v): SendResult => ({ messageId: v.messageId, outboxId: v.outboxId, state: v.state, recipients: v.recipients })),
  /** An attachment's bytes (base64), for download or the PDF viewer. */
  attachment: (id: number, index: number) =>
    typed(() => cabinet.mss.attachment({ id, index }), 'Téléchargement de la pièce jointe', (v) => ({ filename: v.filename, contentType: v.contentType, data: v.base64 })),
  /** The PDF an incoming XDM document carries (base64). */
  documentPdf: (documentId: number) =>
    typed(() => cabinet.mss.documentPdf({ documentId }), 'Affichage du document', (v) => ({ filename: v.filename, contentType: 'application/pdf', data: v.base64 })),
  /** Sends of kind `mss.send` still in the outbox (or failed there). */
  pendingSends: async (): Promise<Outcome<PendingSend[]>> => {
    const outcome = await call(() => cabinet.outbox.list({ limit: 200 }));
    if (!outcome.ok) return outcome;
    return { ok: true, value: outcome.value.items.filter((i) => i.kind === 'mss.send').map(toPending) };
  },
};
