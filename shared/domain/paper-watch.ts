/**
 * « À remettre sur papier » (issue 15): no patient left without the
 * information. A mail to the patient that came back as a failure (DSN,
 * error notice) or that has no read receipt after the delay (72 h by
 * default), and a DMP feed still not sent after the delay, go on the list
 * with the reason, until the practitioner says it was handed over on paper.
 * Pure rules; the clock is a parameter.
 */
import { deliveryOf, type ReceiptLike } from './mss/delivery.js';
import { isPatientMssAddress } from './mss/address.js';

export type PaperHow = 'main_propre' | 'courrier';

export const paperHowLabels: Record<PaperHow, string> = {
  main_propre: 'remis en main propre',
  courrier: 'envoyé par courrier',
};

export interface WatchedMail {
  messageId: string;
  patientUid: string | null;
  subject: string;
  recipients: string[];
  /** When it was queued (ISO). */
  sentAt: string;
  receipts: ReceiptLike[];
}

export interface WatchedFeed {
  uniqueKey: string;
  patientUid: string | null;
  summary: string;
  state: 'en_attente' | 'en_cours' | 'envoye' | 'echec';
  createdAt: string;
  lastError: string | null;
}

export interface PaperItem {
  /** Stable key: `mss:<Message-ID>` or `dmp:<outbox key>`. */
  key: string;
  kind: 'mss' | 'dmp';
  patientUid: string | null;
  summary: string;
  reason: string;
  /** Since when it is due on paper (ISO). */
  since: string;
}

const hours = (ms: number) => Math.round(ms / 3600_000);

export function paperWatch(input: {
  mails: readonly WatchedMail[];
  feeds: readonly WatchedFeed[];
  handedOver: ReadonlySet<string>;
  now: number;
  delayMs: number;
}): PaperItem[] {
  const out: PaperItem[] = [];
  for (const m of input.mails) {
    const key = `mss:${m.messageId}`;
    if (input.handedOver.has(key)) continue;
    const patientAddresses = m.recipients.filter(isPatientMssAddress);
    if (patientAddresses.length === 0) continue;
    const delivery = deliveryOf(m.receipts, patientAddresses);
    const summary = `Message au patient « ${m.subject.slice(0, 120)} »`;
    if (delivery.state === 'echec') {
      out.push({
        key,
        kind: 'mss',
        patientUid: m.patientUid,
        summary,
        reason: `Non distribué : ${delivery.label ?? 'échec de remise'}`,
        since: delivery.at ?? m.sentAt,
      });
    } else if (delivery.state !== 'lu') {
      const due = Date.parse(m.sentAt) + input.delayMs;
      if (input.now >= due) {
        out.push({
          key,
          kind: 'mss',
          patientUid: m.patientUid,
          summary,
          reason: `Pas d’accusé de lecture après ${hours(input.delayMs)} h`,
          since: new Date(due).toISOString(),
        });
      }
    }
  }
  for (const f of input.feeds) {
    const key = `dmp:${f.uniqueKey}`;
    if (input.handedOver.has(key) || f.state === 'envoye') continue;
    const due = Date.parse(f.createdAt) + input.delayMs;
    if (f.state === 'echec') {
      out.push({
        key,
        kind: 'dmp',
        patientUid: f.patientUid,
        summary: f.summary,
        reason: `Envoi au DMP en échec${f.lastError ? ` : ${f.lastError}` : ''}`,
        since: f.createdAt,
      });
    } else if (input.now >= due) {
      out.push({
        key,
        kind: 'dmp',
        patientUid: f.patientUid,
        summary: f.summary,
        reason: `Toujours en file d’envoi vers le DMP après ${hours(input.delayMs)} h`,
        since: new Date(due).toISOString(),
      });
    }
  }
  return out.sort((a, b) => a.since.localeCompare(b.since));
}
