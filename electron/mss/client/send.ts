/**
 * SMTP submission with nodemailer: STARTTLS (required) or implicit TLS, the
 * practitioner's certificate (mutual TLS; SASL EXTERNAL when offered) or a
 * Pro Santé Connect token (XOAUTH2), DSN (RET=HDRS, ENVID, NOTIFY=SUCCESS,
 * FAILURE,DELAY, ORCPT). The message is sent as composed (raw), so a retry
 * sends the same bytes and the same Message-ID.
 *
 * Exactly once across a crash: before sending, the Sent folder is searched
 * for the Message-ID — found means the message was already accepted, so it
 * is not sent again; right after the server accepts it, a copy is appended
 * to Sent. What remains is the few milliseconds between the server's « 250 »
 * and the APPEND: a crash exactly there sends the mail twice (no IMAP/SMTP
 * mechanism closes that window; recipients' clients dedupe by Message-ID).
 */
import type { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { tlsClientOptions, type TlsTrustSettings } from '../../platform/tls/client.js';
import type { MailEndpoint } from './endpoint.js';
import { explainMailError, type MssAuth } from './imap.js';

export interface SmtpOptions {
  endpoint: MailEndpoint;
  auth: MssAuth;
  trust: TlsTrustSettings;
  timeoutMs?: number;
}

export interface RawMail {
  messageId: string;
  raw: Buffer;
  envelope: { from: string; to: string[] };
  envelopeId: string;
  /** Ask for delivery notifications (DSN). */
  dsn?: boolean;
}

export interface SmtpResult {
  accepted: string[];
  rejected: string[];
  response: string;
}

export async function smtpSend(options: SmtpOptions, mail: RawMail): Promise<SmtpResult> {
  const { endpoint, auth } = options;
  const tls = tlsClientOptions(auth.tls, options.trust, endpoint.host);
  const timeout = options.timeoutMs ?? 30_000;
  const transport = nodemailer.createTransport({
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.secure,
    requireTLS: !endpoint.secure,
    tls,
    name: 'cabinet.localhost',
    connectionTimeout: Math.min(timeout, 10_000),
    greetingTimeout: Math.min(timeout, 10_000),
    socketTimeout: timeout,
    ...(auth.accessToken
      ? { auth: { type: 'OAuth2', user: auth.user, accessToken: auth.accessToken } }
      : {
          auth: { type: 'custom', method: 'EXTERNAL', user: auth.user },
          customAuth: {
            // SASL EXTERNAL (RFC 4954 + 4422): the certificate is the identity, empty authorisation id.
            EXTERNAL: async (ctx: {
              sendCommand(cmd: string): Promise<{ status: number; text: string }>;
              resolve(): void;
              reject(e: Error): void;
            }) => {
              const r = await ctx.sendCommand('AUTH EXTERNAL =');
              if (r.status !== 235) return ctx.reject(Object.assign(new Error(r.text), { responseCode: r.status, response: r.text }));
              ctx.resolve();
            },
          },
        }),
  } as SMTPTransportOptions);
  try {
    const info = (await transport.sendMail({
      envelope: mail.envelope,
      raw: mail.raw,
      // No ORCPT: nodemailer would put the same one on every RCPT; DSNs then name each Final-Recipient.
      ...(mail.dsn !== false ? { dsn: { id: mail.envelopeId, return: 'headers', notify: ['success', 'failure', 'delay'] } } : {}),
    })) as { accepted: (string | { address: string })[]; rejected: (string | { address: string })[]; response: string };
    const addr = (a: string | { address: string }) => (typeof a === 'string' ? a : a.address);
    return { accepted: info.accepted.map(addr), rejected: info.rejected.map(addr), response: info.response };
  } catch (error) {
    const e = error as { responseCode?: number; response?: string; code?: string; rejected?: string[] };
    if (e.code === 'EENVELOPE' && typeof e.responseCode === 'number' && e.responseCode >= 500) {
      throw new CabinetError('INVALID_REQUEST', `Destinataire refusé par le serveur d’envoi : ${(e.response ?? '').slice(0, 200)}`, {
        reason: 'destinataire_refuse',
      });
    }
    if (e.code === 'EMESSAGE' && typeof e.responseCode === 'number' && e.responseCode >= 500) {
      throw new CabinetError('INVALID_REQUEST', `Message refusé par le serveur d’envoi : ${(e.response ?? '').slice(0, 200)}`, {
        reason: 'message_refuse',
      });
    }
    throw explainMailError(error, 'SMTP', endpoint);
  } finally {
    transport.close();
  }
}

/** The Sent folder (SPECIAL-USE \Sent), created as « Sent » when the server has none. */
export async function sentFolder(client: ImapFlow): Promise<string> {
  const list = await client.list();
  const sent = list.find((f) => f.specialUse === '\\Sent');
  if (sent) return sent.path;
  const named = list.find((f) => /^(sent|envoy[ée]s|[ée]l[ée]ments envoy[ée]s)$/i.test(f.name));
  if (named) return named.path;
  await client.mailboxCreate('Sent');
  return 'Sent';
}

/** Is a message with this Message-ID already in Sent? */
export async function alreadySent(client: ImapFlow, folder: string, messageId: string): Promise<boolean> {
  await client.mailboxOpen(folder, { readOnly: true });
  const found = await client.search({ header: { 'message-id': messageId } }, { uid: true });
  return Array.isArray(found) && found.length > 0;
}

export interface IdempotentSendResult {
  messageId: string;
  /** True when the Sent folder already held it: nothing was sent this time. */
  alreadySent: boolean;
  accepted: string[];
  rejected: string[];
}

/**
 * Where the sender records, in the local database, that the server accepted a mail — written right after the
 * server's answer, before the (slower) copy to Sent, and read back before sending again: a process killed between
 * the server's acceptance and the Sent copy then copies it to Sent instead of sending it a second time.
 */
export interface SmtpJournal {
  /** What the server accepted in an earlier attempt, or null if no attempt was accepted. */
  accepted(messageId: string): { accepted: string[]; rejected: string[] } | null;
  record(messageId: string, result: { accepted: string[]; rejected: string[] }): void;
}

/**
 * Sends once: skipped when Sent already holds the Message-ID or the journal says the server accepted it
 * (then only the Sent copy is made); recorded in the journal at once after acceptance, then appended to Sent.
 * What is left: a kill between the server's « 250 » and the journal's commit (a local write, about a millisecond),
 * which SMTP cannot close without the receiving side removing duplicates.
 */
export async function sendOnce(
  imap: ImapFlow,
  smtp: SmtpOptions,
  mail: RawMail,
  hooks: { afterSmtp?: () => Promise<void> | void; afterAccept?: () => Promise<void> | void; journal?: SmtpJournal } = {},
): Promise<IdempotentSendResult> {
  const folder = await sentFolder(imap);
  if (await alreadySent(imap, folder, mail.messageId)) return { messageId: mail.messageId, alreadySent: true, accepted: [], rejected: [] };
  let result = hooks.journal?.accepted(mail.messageId) ?? null;
  if (!result) {
    result = await smtpSend(smtp, mail);
    hooks.journal?.record(mail.messageId, result);
    await hooks.afterAccept?.();
  }
  await imap.append(folder, mail.raw, ['\\Seen']);
  await hooks.afterSmtp?.();
  return { messageId: mail.messageId, alreadySent: false, accepted: result.accepted, rejected: result.rejected };
}
