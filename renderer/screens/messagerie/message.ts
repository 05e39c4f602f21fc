/**
 * What the reading pane shows of a message (pure, tested): the parsed mail
 * of `mss.get` said for a reader — attachments with a name, X-MSS-* lines in
 * French, refused XDM archives, technical remarks — the receipt events of a
 * sent mail, the sends still in the outbox, and the `mss.send` request of a
 * compose draft.
 */
import type { RequestOf } from '../../../shared/contract/index.js';
import type { ComposeDraft, OutboxItem, ParsedMail, ReceiptTimelineView } from './model.js';
import type { ReceiptEvent } from './timeline.js';

export interface AttachmentView {
  /** Position in the mail (the `index` of `mss.attachment`). */
  index: number;
  filename: string;
  contentType: string;
  size: number;
}

/** The attachments of a mail, named (« pièce jointe 2 » when the mail gives no name). */
export function attachmentsOf(mail: ParsedMail | null): AttachmentView[] {
  return (mail?.pieces ?? []).map((piece, index) => ({
    index,
    filename: piece.nom || `pièce jointe ${index + 1}`,
    contentType: piece.type,
    size: piece.taille,
  }));
}

/** X-MSS-* lines said in French (the software reference X-MSS-NIL means nothing to the reader). */
export function mssLinesOf(mail: ParsedMail | null): string[] {
  return (mail?.mss ?? [])
    .filter((line) => !/^x-mss-nil$/i.test(line.header))
    .map((line) => (line.label && line.texte ? `${line.label} : ${line.texte}` : line.texte))
    .filter((text) => text !== '');
}

/** Why attached XDM archives were refused. */
export function xdmErrorsOf(mail: ParsedMail | null): string[] {
  return (mail?.xdm ?? []).flatMap((x) => (x.erreur ? [x.erreur] : []));
}

/** Technical remarks: X-MSS-* headers first, then the MIME structure. */
export function remarksOf(mail: ParsedMail | null): string[] {
  return [...(mail?.remarquesMss ?? []), ...(mail?.remarques ?? [])];
}

/** The receipt events of a sent mail, one list for all recipients. */
export function receiptEvents(timeline: ReceiptTimelineView): ReceiptEvent[] {
  return timeline.recipients.flatMap((line) =>
    line.events.map((event) => ({ recipient: line.recipient, state: event.state, label: event.label, at: event.at })),
  );
}

/** Outbox items that are MSSanté sends (the outbox also carries DMP feeds). */
export function mailSends(items: readonly OutboxItem[]): OutboxItem[] {
  return items.filter((item) => item.kind === 'mss.send');
}

/** The `mss.send` request of a draft: only what is set is sent (the contract refuses unknown keys). */
export function sendRequest(draft: ComposeDraft): RequestOf<'mss.send'> {
  const request: RequestOf<'mss.send'> = { to: draft.to, subject: draft.subject, body: draft.body };
  if (draft.cc.length > 0) request.cc = draft.cc;
  if (draft.attachments.length > 0)
    request.attachments = draft.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, base64: a.data }));
  if (draft.patientUid) request.patientUid = draft.patientUid;
  if (draft.toPatient) request.toPatient = true;
  if (draft.readReceipt) request.readReceipt = true;
  if (draft.fin) request.fin = true;
  if (draft.inReplyToRow !== null) request.inReplyTo = draft.inReplyToRow;
  return request;
}
