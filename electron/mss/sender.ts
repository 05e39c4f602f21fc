/**
 * The outbox sender for `mss.send`: the payload is the composed mail (raw
 * bytes, Message-ID, envelope, ENVID), fixed before enqueueing. Idempotent by
 * Message-ID through the Sent folder (see client/send.ts `sendOnce`). After
 * the server accepts it, each recipient's timeline gets « envoyé » (or
 * « échec » for a recipient refused at once).
 */
import { z } from 'zod';
import { CabinetError } from '../../shared/contract/outcome.js';
import type { ClaimedItem } from '../platform/outbox/outbox.js';
import { PermanentSendError, type Sender } from '../platform/outbox/worker.js';
import type { ImapFlow } from 'imapflow';
import { sendOnce, type SmtpJournal, type SmtpOptions } from './client/send.js';
import type { MssStore } from './client/store.js';

export const MSS_SEND_KIND = 'mss.send';

export const mssSendPayload = z.object({
  account: z.string().min(3).max(320),
  messageId: z.string().regex(/^<[^<>\s]{3,250}>$/),
  raw: z.string().max(30 * 1024 * 1024),
  envelope: z.object({ from: z.string().max(320), to: z.array(z.string().max(320)).min(1).max(50) }),
  envelopeId: z.string().max(300),
  dsn: z.boolean(),
});
export type MssSendPayload = z.infer<typeof mssSendPayload>;

export interface MssConnections {
  /** An authenticated IMAP connection for this account (the caller's session). */
  imap(account: string): Promise<ImapFlow>;
  smtp(account: string): Promise<SmtpOptions>;
}

export interface MssSenderOptions {
  connections: MssConnections;
  store: (account: string) => MssStore;
  clock?: () => number;
  /** Test hook: runs after the server accepted the mail and Sent holds it, before the outbox records success. */
  afterSmtp?: () => Promise<void> | void;
  /** Test hook: runs after the server accepted the mail (and the journal recorded it), before the Sent copy. */
  afterAccept?: () => Promise<void> | void;
  onSent?: (messageId: string) => void;
}

/**
 * The SMTP journal kept in the timeline: the server's acceptance is each recipient's « envoyé » (or « échec »)
 * event from the source `smtp`, written right after its answer; an earlier attempt's acceptance is read back from it.
 */
export function receiptJournal(store: MssStore, recipients: readonly string[], now: () => string): SmtpJournal {
  return {
    accepted(messageId) {
      const events = store.receipts(messageId).filter((e) => e.source === 'smtp');
      if (!events.some((e) => e.state === 'envoye')) return null;
      return {
        accepted: events.filter((e) => e.state === 'envoye').map((e) => e.recipient),
        rejected: events.filter((e) => e.state === 'echec').map((e) => e.recipient),
      };
    },
    record(messageId, result) {
      const accepted = new Set(result.accepted.map((a) => a.toLowerCase()));
      const at = now();
      store.addReceipts(
        messageId,
        recipients.map((r) => {
          const ok = accepted.has(r.toLowerCase());
          return {
            recipient: r,
            state: ok ? 'envoye' : 'echec',
            label: ok ? 'envoyé' : 'échec : destinataire refusé par le serveur d’envoi',
            at,
            source: 'smtp',
          };
        }),
      );
    },
  };
}

export function createMssSender(options: MssSenderOptions): Sender {
  return async (item: ClaimedItem) => {
    const parsed = mssSendPayload.safeParse(item.payload);
    if (!parsed.success) throw new PermanentSendError('Envoi MSSanté illisible dans la file d’envoi.');
    const p = parsed.data;
    const imap = await options.connections.imap(p.account);
    try {
      const smtp = await options.connections.smtp(p.account);
      let result;
      try {
        result = await sendOnce(
          imap,
          smtp,
          { messageId: p.messageId, raw: Buffer.from(p.raw, 'base64'), envelope: p.envelope, envelopeId: p.envelopeId, dsn: p.dsn },
          {
            afterSmtp: options.afterSmtp,
            afterAccept: options.afterAccept,
            journal: receiptJournal(options.store(p.account), p.envelope.to, () => new Date((options.clock ?? Date.now)()).toISOString()),
          },
        );
      } catch (error) {
        if (error instanceof CabinetError && error.code === 'INVALID_REQUEST') {
          const store = options.store(p.account);
          const at = new Date((options.clock ?? Date.now)()).toISOString();
          for (const r of p.envelope.to)
            store.addReceipt(p.messageId, { recipient: r, state: 'echec', label: error.message, at, source: 'smtp' });
          throw new PermanentSendError(error.message);
        }
        throw error;
      }
      const store = options.store(p.account);
      const at = new Date((options.clock ?? Date.now)()).toISOString();
      // Accepted: the journal wrote each recipient's « envoyé » / « échec » right after the server's answer.
      if (result.alreadySent)
        for (const r of p.envelope.to)
          store.addReceipt(p.messageId, { recipient: r, state: 'envoye', label: 'envoyé', at, source: 'smtp' });
      options.onSent?.(p.messageId);
      return { messageId: p.messageId, dejaEnvoye: result.alreadySent, acceptes: result.accepted, refuses: result.rejected };
    } finally {
      await imap.logout().catch(() => imap.close());
    }
  };
}
