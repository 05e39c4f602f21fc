/**
 * Contract schemas of the `mss` group (MSSanté mailbox): folders, a paged
 * list (offset/limit + total + unread, for a virtualised list), one message
 * with its body and documents, search, read flag, compose/send through the
 * outbox, receipts timeline, read receipts (MDN), document import, sync and
 * its progress, status (incl. whether mail servers are installed).
 */
import { z } from 'zod';
import { outboxStates } from '../domain/outbox.js';

const address = z.object({ name: z.string().max(500).optional(), address: z.string().max(320).optional() });
const email = z
  .string()
  .trim()
  .min(3)
  .max(320)
  .regex(/^[^\s@<>]+@[^\s@<>]+$/, 'Adresse de messagerie invalide.');

export const mssIdRequest = z.object({ id: z.number().int().positive() }).strict();

export const mssStatus = z.object({
  configured: z.boolean(),
  serversAvailable: z.boolean(),
  serversMessage: z.string().nullable(),
  address: z.string().nullable(),
  imap: z.string().nullable(),
  smtp: z.string().nullable(),
  syncing: z.boolean(),
  lastSync: z.object({ at: z.string(), added: z.number().int(), ms: z.number() }).nullable(),
  unread: z.number().int(),
});

export const mssFolder = z.object({
  id: z.number().int(),
  path: z.string(),
  name: z.string(),
  specialUse: z.string().nullable(),
  total: z.number().int(),
  unread: z.number().int(),
  syncedAt: z.string().nullable(),
});

export const mssMessageSummary = z.object({
  id: z.number().int(),
  folderId: z.number().int(),
  uid: z.number().int(),
  messageId: z.string().nullable(),
  subject: z.string(),
  xdm: z.boolean(),
  from: z.array(address),
  to: z.array(address),
  cc: z.array(address),
  date: z.string().nullable(),
  size: z.number().int(),
  seen: z.boolean(),
  flags: z.array(z.string()),
  hasAttachments: z.boolean(),
  /** A patient mailbox (`…@patient.mssante.fr`) among the correspondents: the UI shows the mail as a patient mail. */
  patientAddress: z.string().nullable(),
});

export const mssListRequest = z
  .object({
    folderId: z.number().int().positive(),
    offset: z.number().int().min(0).max(10_000_000).default(0),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .strict();
export const mssListView = z.object({ messages: z.array(mssMessageSummary), total: z.number().int(), unread: z.number().int() });

export const mssSearchRequest = z
  .object({ text: z.string().trim().min(1).max(200), limit: z.number().int().min(1).max(200).default(50) })
  .strict();

export const mssReceiptTimeline = z.object({
  messageId: z.string(),
  subject: z.string(),
  createdAt: z.string(),
  recipients: z.array(
    z.object({
      recipient: z.string(),
      state: z.enum(['en_file', 'envoye', 'remis', 'lu', 'echec', 'en_attente']),
      label: z.string(),
      events: z.array(z.object({ state: z.enum(['envoye', 'remis', 'lu', 'echec', 'en_attente']), label: z.string(), at: z.string() })),
    }),
  ),
});

export const mssDocument = z.object({
  id: z.number().int(),
  uniqueId: z.string(),
  ins: z.string().nullable(),
  patientUid: z.string().nullable(),
  /** `rapproche`: a qualified identity of this post carries its INS; `a_rapprocher`: none yet; `importe`: in the patient's file. */
  state: z.enum(['a_rapprocher', 'rapproche', 'importe']),
  title: z.string().nullable(),
  hasPdf: z.boolean(),
  importedAt: z.string().nullable(),
});

/**
 * What the services keep of a parsed mail (electron/mss/service.ts `summarise`), without document bytes.
 * Field names follow the parser's (French). Lists default to empty so that a body stored by an older
 * version still reads.
 */
export const mssParsedMail = z.object({
  messageId: z.string().nullable().default(null),
  from: z.array(z.string()).default([]),
  to: z.array(z.string()).default([]),
  cc: z.array(z.string()).default([]),
  /** The subject as shown (`XDM/1.0/DDM+` hidden). */
  sujet: z.string().default(''),
  /** `Disposition-Notification-To`: where the sender wants the read receipt. */
  accuseLectureDemandeA: z.array(z.string()).default([]),
  patientsDestinataires: z.array(z.object({ adresse: z.string(), ins: z.string().optional() })).default([]),
  /** X-MSS-* headers said in French. */
  mss: z.array(z.object({ header: z.string(), label: z.string(), value: z.string(), texte: z.string() })).default([]),
  remarquesMss: z.array(z.string()).default([]),
  /** Attachments, in order (their position is the `index` of `mss.attachment`). */
  pieces: z
    .array(
      z.object({
        nom: z.string().optional(),
        type: z.string(),
        taille: z.number().int().min(0),
        disposition: z.string().optional(),
        sha256: z.string(),
      }),
    )
    .default([]),
  /** IHE_XDM archives: what was read, or the French reason one was refused. */
  xdm: z
    .array(
      z.object({ piece: z.string(), erreur: z.string().nullable(), documents: z.number().int().min(0), patient: z.string().nullable() }),
    )
    .default([]),
  /** The receipt this mail is (DSN or MDN about one of ours). */
  accuse: z
    .object({ type: z.enum(['DSN', 'MDN']), statut: z.string(), libelle: z.string(), originalMessageId: z.string().nullable() })
    .nullable()
    .default(null),
  remarques: z.array(z.string()).default([]),
});

export const mssMessageView = mssMessageSummary.extend({
  text: z.string().nullable(),
  /** The parsed mail (headers, X-MSS-*, attachments, XDM, receipt), without document bytes; null when it could not be read. */
  mail: mssParsedMail.nullable(),
  /** French reason when the mail could not be read (malformed MIME, refused archive). */
  error: z.string().nullable(),
  /** Read receipt: none asked, « à demander » to the user, sent, refused. */
  mdn: z.enum(['aucun', 'a_demander', 'envoye', 'refuse']),
  documents: z.array(mssDocument),
  receipts: mssReceiptTimeline.nullable(),
  thread: z.array(mssMessageSummary),
});

export const mssAttachmentRequest = z.object({ id: z.number().int().positive(), index: z.number().int().min(0).max(199) }).strict();
export const mssAttachmentView = z.object({ filename: z.string(), contentType: z.string(), base64: z.string() });
export const mssDocumentPdfRequest = z.object({ documentId: z.number().int().positive() }).strict();
export const mssDocumentPdfView = z.object({ filename: z.string(), base64: z.string() });

export const mssMarkReadRequest = z.object({ id: z.number().int().positive(), read: z.boolean() }).strict();
export const mssMarkReadView = z.object({ id: z.number().int(), seen: z.boolean() });

export const mssAttachment = z
  .object({
    filename: z.string().trim().min(1).max(200),
    contentType: z
      .string()
      .max(200)
      .regex(/^[\w.+-]+\/[\w.+-]+$/),
    base64: z.string().max(14 * 1024 * 1024),
  })
  .strict();

export const mssSendRequest = z
  .object({
    to: z.array(email).max(50).default([]),
    cc: z.array(email).max(50).optional(),
    subject: z.string().trim().min(1).max(900),
    body: z.string().max(1_000_000),
    attachments: z.array(mssAttachment).max(20).optional(),
    /** The patient the mail is about / written to (their address comes only from their qualified INS). */
    patientUid: z
      .string()
      .regex(/^[0-9a-f-]{36}$/)
      .optional(),
    toPatient: z.boolean().optional(),
    readReceipt: z.boolean().optional(),
    /** « Bloquer la réponse du patient » (X-MSS-MES: FIN). */
    fin: z.boolean().optional(),
    inReplyTo: z.number().int().positive().optional(),
  })
  .strict();
export const mssSendView = z.object({
  messageId: z.string(),
  outboxId: z.number().int(),
  state: z.enum(outboxStates),
  recipients: z.array(z.string()),
  size: z.number().int(),
});

export const mssReceiptsRequest = z.object({ messageId: z.string().min(3).max(300) }).strict();
export const mssMdnView = z.object({ id: z.number().int(), mdn: z.enum(['envoye', 'refuse']) });
export const mssImportRequest = z
  .object({
    documentId: z.number().int().positive(),
    patientUid: z
      .string()
      .regex(/^[0-9a-f-]{36}$/)
      .optional(),
  })
  .strict();
export const mssImportView = z.object({ id: z.number().int(), patientUid: z.string(), state: z.literal('importe') });

export const mssSyncView = z.object({
  added: z.number().int(),
  updated: z.number().int(),
  removed: z.number().int(),
  ms: z.number(),
  qresync: z.boolean(),
  condstore: z.boolean(),
  folders: z.array(
    z.object({
      path: z.string(),
      added: z.number().int(),
      updated: z.number().int(),
      removed: z.number().int(),
      resynced: z.boolean(),
      unchanged: z.boolean(),
    }),
  ),
});

export const mssSyncProgress = z.object({ folder: z.string(), done: z.number().int(), total: z.number().int() });
export const mssNewMail = z.object({ count: z.number().int(), from: z.string(), subject: z.string() });
