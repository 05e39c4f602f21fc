/**
 * What the Messagerie works with: the answers of the `mss` contract group
 * (shared/contract/mss.ts), as the services send them — typed end to end, no
 * re-reading on this side. Only the compose draft is the screen's own.
 */
import type { EventPayload, ResponseOf } from '../../../shared/contract/index.js';

export type MssStatus = ResponseOf<'mss.status'>;
export type MssFolder = ResponseOf<'mss.folders'>['folders'][number];
/** One row of a folder or of a search. */
export type MessageSummary = ResponseOf<'mss.list'>['messages'][number];
/** One message opened: summary, text, parsed mail, documents, receipts, conversation. */
export type MssMessage = ResponseOf<'mss.get'>;
export type ParsedMail = NonNullable<MssMessage['mail']>;
export type MssDocument = MssMessage['documents'][number];
/** The receipts of a mail sent from this post, per recipient. */
export type ReceiptTimelineView = ResponseOf<'mss.receipts'>;
export type OutboxItem = ResponseOf<'outbox.list'>['items'][number];
export type SendResult = ResponseOf<'mss.send'>;
export type SyncProgressView = EventPayload<'mssSyncProgress'>;

export interface ComposeAttachmentInput {
  filename: string;
  contentType: string;
  /** Base64 of the file. */
  data: string;
  size: number;
}

export interface ComposeDraft {
  to: string[];
  cc: string[];
  subject: string;
  body: string;
  attachments: ComposeAttachmentInput[];
  /** Patient linked to the mail (their qualified INS gives their address when writing to them). */
  patientUid: string | null;
  toPatient: boolean;
  readReceipt: boolean;
  fin: boolean;
  inReplyToRow: number | null;
}
