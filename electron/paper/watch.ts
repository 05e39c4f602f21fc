/**
 * « À remettre sur papier »: reads what the rules need from the encrypted
 * store (mails sent to patients and their receipts, DMP feeds in the outbox,
 * what was already handed over) and records the practitioner's « remis en
 * main propre » / « envoyé par courrier » (audited).
 */
import { CabinetError } from '../../shared/contract/outcome.js';
import type { DeliveryState } from '../../shared/domain/mss/delivery.js';
import {
  paperHowLabels,
  paperWatch,
  type PaperHow,
  type PaperItem,
  type WatchedFeed,
  type WatchedMail,
} from '../../shared/domain/paper-watch.js';
import type { AuditLog } from '../platform/audit/audit-log.js';
import type { Db } from '../platform/store/database.js';

/** How far back the watch looks (older sends are not proposed any more). */
const LOOKBACK_DAYS = 90;
const MAX_ITEMS = 2000;

export interface PaperWatchOptions {
  db: Db;
  audit: AuditLog;
  delayHours: () => number;
  clock?: () => number;
}

export class PaperWatchService {
  constructor(private readonly o: PaperWatchOptions) {}

  private now(): number {
    return (this.o.clock ?? Date.now)();
  }

  list(): PaperItem[] {
    const since = new Date(this.now() - LOOKBACK_DAYS * 24 * 3600_000).toISOString();
    const sent = this.o.db
      .prepare(
        'SELECT message_id, patient_uid, subject, recipients, created_at FROM mss_sent WHERE created_at >= ? ORDER BY created_at DESC LIMIT ?',
      )
      .all(since, MAX_ITEMS) as {
      message_id: string;
      patient_uid: string | null;
      subject: string;
      recipients: string;
      created_at: string;
    }[];
    const receipts = this.o.db.prepare('SELECT recipient, state, label, at FROM mss_receipts WHERE message_id = ? ORDER BY id');
    const mails: WatchedMail[] = sent.map((r) => ({
      messageId: r.message_id,
      patientUid: r.patient_uid,
      subject: r.subject,
      recipients: JSON.parse(r.recipients) as string[],
      sentAt: r.created_at,
      receipts: receipts.all(r.message_id) as { recipient: string; state: DeliveryState; label: string; at: string }[],
    }));
    const feeds = (
      this.o.db
        .prepare(
          "SELECT idempotency_key, group_key, summary, state, created_at, last_error FROM outbox WHERE kind = 'dmp.feed' AND state != 'envoye' AND created_at >= ? LIMIT ?",
        )
        .all(since, MAX_ITEMS) as {
        idempotency_key: string;
        group_key: string | null;
        summary: string;
        state: WatchedFeed['state'];
        created_at: string;
        last_error: string | null;
      }[]
    ).map((r): WatchedFeed => ({
      uniqueKey: r.idempotency_key,
      patientUid: r.group_key,
      summary: r.summary,
      state: r.state,
      createdAt: r.created_at,
      lastError: r.last_error,
    }));
    const handedOver = new Set(
      (this.o.db.prepare('SELECT item_key FROM paper_handover').all() as { item_key: string }[]).map((r) => r.item_key),
    );
    return paperWatch({ mails, feeds, handedOver, now: this.now(), delayMs: this.o.delayHours() * 3600_000 });
  }

  /** « Remis en main propre » or « envoyé par courrier »: the item leaves the list (audited). */
  mark(key: string, how: PaperHow, actor: string): PaperItem {
    const item = this.list().find((i) => i.key === key);
    if (!item) throw new CabinetError('NOT_FOUND', 'Cet élément n’est pas (ou plus) dans la liste « À remettre sur papier ».');
    const at = new Date(this.now()).toISOString();
    this.o.db
      .prepare('INSERT INTO paper_handover (item_key, how, actor, at) VALUES (?, ?, ?, ?) ON CONFLICT (item_key) DO NOTHING')
      .run(key, how, actor, at);
    this.o.audit.append({
      actor,
      action: 'paper.handover',
      subject: item.patientUid,
      details: { element: key, remise: paperHowLabels[how], motif: item.reason },
    });
    return item;
  }
}
