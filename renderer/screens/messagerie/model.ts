/**
 * What the Messagerie screen works with. These shapes follow the `mss`
 * contract group (`shared/contract/mss.ts`, answers of `MssService`); the
 * screen only reads them through ./api.ts, which is the one place that knows
 * the channels.
 */
import type { MailAddress } from './address.js';
import type { ReceiptEvent } from './timeline.js';

export interface MssStatusView {
  configured: boolean;
  serversAvailable: boolean;
  serversMessage: string | null;
  address: string | null;
  syncing: boolean;
  lastSync: { at: string; added: number; ms: number } | null;
  unread: number;
}

export interface FolderView {
  id: number;
  path: string;
  name: string;
  specialUse: string | null;
  total: number;
  unread: number;
  syncedAt: string | null;
}

export interface MessageSummary {
  id: number;
  folderId: number;
  messageId: string | null;
  /** As shown (XDM prefix hidden by the services). */
  subject: string;
  /** The mail carries IHE_XDM documents (subject convention). */
  xdm: boolean;
  from: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  date: string | null;
  size: number;
  seen: boolean;
  flags: string[];
  hasAttachments: boolean;
  /** A patient mailbox among the sender and recipients (`<INS>@patient.mssante.fr`). */
  patientAddress: string | null;
  /** Thread key (RFC 5322: first References, else In-Reply-To, else Message-ID), when given. */
  thread: string | null;
}

export interface AttachmentView {
  index: number;
  filename: string;
  contentType: string;
  size: number;
}

export interface XdmDocumentView {
  id: number;
  title: string | null;
  ins: string | null;
  patientUid: string | null;
  /** `rapproche` (a QUAL identity carries this INS), `a_rapprocher`, `importe`. */
  state: 'rapproche' | 'a_rapprocher' | 'importe' | string;
  hasPdf: boolean;
  importedAt: string | null;
}

export interface MessageDetail extends MessageSummary {
  text: string | null;
  /** Why the mail could not be read (malformed MIME…), in French. */
  error: string | null;
  /** Read receipt asked: `a_demander` = Disposition-Notification-To differs from Return-Path, the user decides. */
  mdn: 'aucun' | 'a_demander' | 'envoye' | 'refuse';
  mdnTo: string | null;
  attachments: AttachmentView[];
  /** XDM archives that could not be read, with the reason. */
  xdmErrors: string[];
  documents: XdmDocumentView[];
  /** X-MSS-* lines described in French (« Fin de l’échange avec le patient »…). */
  mssLines: string[];
  remarks: string[];
  /** The receipt this mail is (a DSN or MDN about one of ours). */
  receipt: { type: string; label: string } | null;
  /** Only for a mail we sent from this post. */
  timeline: SentTimeline | null;
  thread: string | null;
  conversation: MessageSummary[];
}

export interface SentTimeline {
  messageId: string;
  subject: string;
  createdAt: string;
  recipients: string[];
  events: ReceiptEvent[];
}

/** A send still in the outbox (not yet in the Sent folder). */
export interface PendingSend {
  outboxId: number;
  messageId: string;
  summary: string;
  state: 'en_attente' | 'en_cours' | 'envoye' | 'echec';
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
}

export interface SyncProgressView {
  folder: string;
  done: number;
  total: number;
}

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

export interface SendResult {
  messageId: string;
  outboxId: number;
  state: string;
  recipients: string[];
}
