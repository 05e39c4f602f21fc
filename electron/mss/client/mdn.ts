/**
 * Read receipts we send (RFC 8098, ANS profile): multipart/report;
 * report-type=disposition-notification with a human-readable part, the
 * machine-readable `message/disposition-notification` (Reporting-UA,
 * Original-Recipient, Final-Recipient, Original-Message-ID, Disposition),
 * and the original headers. Written with nodemailer's MimeNode.
 *
 * When to send without asking (RFC 8098 §2.1): only when the address in
 * Disposition-Notification-To is the Return-Path one; otherwise the user is
 * asked (`decideMdn`).
 */
import MimeNode from 'nodemailer/lib/mime-node';
import { bareAddress } from './store.js';

export type MdnDecision = { kind: 'aucun' } | { kind: 'automatique'; to: string } | { kind: 'demander'; to: string };

/** Decides what to do with an incoming mail's read-receipt request. */
export function decideMdn(headers: Map<string, string[]>, flags: readonly string[]): MdnDecision {
  if (flags.includes('$MDNSent')) return { kind: 'aucun' };
  const dnt = headers.get('disposition-notification-to') ?? [];
  if (dnt.length !== 1) return { kind: 'aucun' }; // absent, or several (RFC 8098 §2.1: ask or ignore; we ignore malformed)
  const to = bareAddress(/<([^<>]+)>/.exec(dnt[0]!)?.[1] ?? dnt[0]);
  if (!/^[^\s@]+@[^\s@]+$/.test(to)) return { kind: 'aucun' };
  const returnPath = bareAddress(/<([^<>]*)>/.exec(headers.get('return-path')?.[0] ?? '')?.[1] ?? headers.get('return-path')?.[0] ?? '');
  return returnPath === to ? { kind: 'automatique', to } : { kind: 'demander', to };
}

export interface MdnInput {
  from: string;
  to: string;
  originalMessageId: string;
  originalSubject: string;
  originalRecipient?: string;
  /** The original header block (text/rfc822-headers). */
  originalHeaders: string;
  manual: boolean;
  reportingUa: string;
  nil: string;
  messageId: string;
  date?: Date;
}

export async function buildMdn(input: MdnInput): Promise<Buffer> {
  const root = new MimeNode('multipart/report; report-type=disposition-notification');
  root.setHeader({
    From: input.from,
    To: input.to,
    Subject: `Accusé de lecture : ${input.originalSubject}`.slice(0, 900),
    'Message-ID': input.messageId,
    Date: (input.date ?? new Date()).toUTCString().replace(/GMT/, '+0000'),
    'In-Reply-To': input.originalMessageId,
    References: input.originalMessageId,
    'X-MSS-NIL': input.nil,
    'Auto-Submitted': 'auto-replied',
  });
  root
    .createChild('text/plain; charset=utf-8')
    .setContent(
      `Le message « ${input.originalSubject} » envoyé à ${input.from} a été affiché par son destinataire. Cet accusé ne garantit pas que le message a été lu ou compris.\r\n`,
    );
  const mode = input.manual ? 'manual-action/MDN-sent-manually' : 'manual-action/MDN-sent-automatically';
  const fields = [
    `Reporting-UA: ${input.reportingUa}`,
    ...(input.originalRecipient ? [`Original-Recipient: rfc822;${input.originalRecipient}`] : []),
    `Final-Recipient: rfc822;${input.from}`,
    `Original-Message-ID: ${input.originalMessageId}`,
    `Disposition: ${mode}; displayed`,
    '',
  ].join('\r\n');
  root.createChild('message/disposition-notification').setContent(fields);
  root.createChild('text/rfc822-headers').setContent(input.originalHeaders.slice(0, 64 * 1024));
  return root.build();
}
