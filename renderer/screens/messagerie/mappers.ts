/**
 * Reading the services' answers into the Messagerie's shapes (pure, tested):
 * defensive, so that a field missing from an answer (the contract's `mail`
 * part is `unknown`) degrades to « inconnu » instead of breaking the screen;
 * and the `mss.send` request built from a draft.
 */
import type { RequestOf } from '../../../shared/contract/index.js';
import type { MailAddress } from './address.js';
import type { AttachmentView, ComposeDraft, FolderView, MessageDetail, MessageSummary, MssStatusView, PendingSend, SentTimeline, SyncProgressView, XdmDocumentView } from './model.js';
import type { ReceiptEvent, ReceiptState } from './timeline.js';

type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
export const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown, fallback = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const bool = (v: unknown): boolean => v === true;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function address(v: unknown): MailAddress {
  if (typeof v === 'string') return { address: v };
  const o = obj(v);
  return { name: strOrNull(o.name), address: strOrNull(o.address) };
}
const addresses = (v: unknown): MailAddress[] => arr(v).map(address);

export function toStatus(v: unknown): MssStatusView {
  const o = obj(v);
  const last = o.lastSync ? obj(o.lastSync) : null;
  return {
    configured: bool(o.configured),
    serversAvailable: o.serversAvailable !== false,
    serversMessage: strOrNull(o.serversMessage),
    address: strOrNull(o.address),
    syncing: bool(o.syncing),
    lastSync: last ? { at: str(last.at), added: num(last.added), ms: num(last.ms) } : null,
    unread: num(o.unread),
  };
}

export function toFolder(v: unknown): FolderView {
  const o = obj(v);
  return {
    id: num(o.id),
    path: str(o.path),
    name: str(o.name, str(o.path)),
    specialUse: strOrNull(o.specialUse),
    total: num(o.total),
    unread: num(o.unread),
    syncedAt: strOrNull(o.syncedAt),
  };
}

export function toSummary(v: unknown): MessageSummary {
  const o = obj(v);
  return {
    id: num(o.id),
    folderId: num(o.folderId),
    messageId: strOrNull(o.messageId),
    subject: str(o.subject),
    xdm: bool(o.xdm),
    from: addresses(o.from),
    to: addresses(o.to),
    cc: addresses(o.cc),
    date: strOrNull(o.date),
    size: num(o.size),
    seen: bool(o.seen),
    flags: arr(o.flags).filter((f): f is string => typeof f === 'string'),
    hasAttachments: bool(o.hasAttachments),
    patientAddress: strOrNull(o.patientAddress),
    thread: typeof o.thread === 'string' ? o.thread : null,
  };
}

const receiptStates: ReceiptState[] = ['en_attente', 'envoye', 'remis', 'lu', 'echec'];

export function toTimeline(v: unknown): SentTimeline | null {
  if (!v || typeof v !== 'object') return null;
  const o = obj(v);
  const recipients: string[] = [];
  const events: ReceiptEvent[] = [];
  for (const r of arr(o.recipients)) {
    const line = obj(r);
    const recipient = str(line.recipient);
    if (!recipient) continue;
    recipients.push(recipient);
    for (const e of arr(line.events)) {
      const ev = obj(e);
      const state = str(ev.state) as ReceiptState;
      if (receiptStates.includes(state)) events.push({ recipient, state, label: str(ev.label), at: str(ev.at) });
    }
  }
  return { messageId: str(o.messageId), subject: str(o.subject), createdAt: str(o.createdAt), recipients, events };
}

export function toDocument(v: unknown): XdmDocumentView {
  const o = obj(v);
  return {
    id: num(o.id),
    title: strOrNull(o.title),
    ins: strOrNull(o.ins),
    patientUid: strOrNull(o.patientUid),
    state: str(o.state, 'a_rapprocher'),
    hasPdf: bool(o.hasPdf),
    importedAt: strOrNull(o.importedAt),
  };
}

export function toAttachment(v: unknown, index: number): AttachmentView {
  const o = obj(v);
  return {
    index,
    filename: str(o.nom, str(o.filename, `pièce jointe ${index + 1}`)),
    contentType: str(o.type, str(o.contentType, 'application/octet-stream')),
    size: num(o.taille, num(o.size)),
  };
}

export function toDetail(v: unknown): MessageDetail {
  const o = obj(v);
  const mail = obj(o.mail);
  const accuse = mail.accuse ? obj(mail.accuse) : null;
  const mdn = str(o.mdn, 'aucun');
  const conversation = arr(o.thread).map(toSummary);
  return {
    ...toSummary(o),
    thread: typeof o.thread === 'string' ? o.thread : (conversation[0]?.messageId ?? null),
    text: typeof o.text === 'string' ? o.text : null,
    error: strOrNull(o.error),
    mdn: mdn === 'a_demander' || mdn === 'envoye' || mdn === 'refuse' ? mdn : 'aucun',
    mdnTo: strOrNull(arr(mail.accuseLectureDemandeA)[0]),
    attachments: arr(mail.pieces).map(toAttachment),
    xdmErrors: arr(mail.xdm)
      .map((x) => strOrNull(obj(x).erreur))
      .filter((x): x is string => x !== null),
    documents: arr(o.documents).map(toDocument),
    // X-MSS-* lines said in French (the software reference X-MSS-NIL means nothing to the reader).
    mssLines: arr(mail.mss)
      .map((l) => {
        if (typeof l === 'string') return l;
        const line = obj(l);
        if (/^x-mss-nil$/i.test(str(line.header))) return '';
        const label = str(line.label);
        const text = str(line.texte, str(line.value));
        return label && text ? `${label} : ${text}` : text;
      })
      .filter((s) => s !== ''),
    remarks: [...arr(mail.remarquesMss), ...arr(mail.remarques)].filter((s): s is string => typeof s === 'string'),
    receipt: accuse ? { type: str(accuse.type), label: str(accuse.libelle) } : null,
    timeline: toTimeline(o.receipts),
    conversation,
  };
}

export function toPending(v: unknown): PendingSend {
  const o = obj(v);
  const state = str(o.state);
  return {
    outboxId: num(o.id),
    messageId: str(o.idempotencyKey),
    summary: str(o.summary),
    state: state === 'en_cours' || state === 'envoye' || state === 'echec' ? state : 'en_attente',
    attempts: num(o.attempts),
    lastError: strOrNull(o.lastError),
    nextAttemptAt: strOrNull(o.nextAttemptAt),
    createdAt: str(o.createdAt),
  };
}

/** The `mss.send` request of a draft: only what is set is sent (the contract refuses unknown keys). */
export function composeRequest(draft: ComposeDraft): RequestOf<'mss.send'> {
  const request: RequestOf<'mss.send'> = { to: draft.to, subject: draft.subject, body: draft.body };
  if (draft.cc.length > 0) request.cc = draft.cc;
  if (draft.attachments.length > 0) request.attachments = draft.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, base64: a.data }));
  if (draft.patientUid) request.patientUid = draft.patientUid;
  if (draft.toPatient) request.toPatient = true;
  if (draft.readReceipt) request.readReceipt = true;
  if (draft.fin) request.fin = true;
  if (draft.inReplyToRow !== null) request.inReplyTo = draft.inReplyToRow;
  return request;
}

export type { SyncProgressView };
export function toProgress(v: unknown): SyncProgressView {
  const o = obj(v);
  return { folder: str(o.folder), done: num(o.done), total: num(o.total) };
}
