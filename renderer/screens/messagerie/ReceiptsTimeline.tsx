/**
 * The receipts of a sent mail, per recipient: Envoyé → Remis → Lu, or Échec
 * with the reason. Built from the outbox state and the DSN/MDN the services
 * matched to the mail (./timeline.ts).
 */
import { formatDateTime } from '../../format.js';
import { addressKind } from './address.js';
import { receiptEvents } from './message.js';
import type { OutboxItem, ReceiptTimelineView } from './model.js';
import { deriveTimeline, stateLabels, type OutboxState } from './timeline.js';

export function ReceiptsTimeline({
  timeline,
  pending,
  readReceipt = null,
  nameOf,
}: {
  timeline: ReceiptTimelineView;
  /** The send, while it is still in the outbox. */
  pending: OutboxItem | null;
  readReceipt?: boolean | null;
  /** A name for an address (the patient's, for their Mon espace santé mailbox), or null. */
  nameOf?: (address: string) => string | null;
}) {
  const outbox: OutboxState = pending?.state ?? 'envoye';
  const recipients = timeline.recipients.map((line) => line.recipient);
  const lines = deriveTimeline(
    recipients,
    { outbox, outboxError: pending?.lastError ?? null, sentAt: null, readReceipt },
    receiptEvents(timeline),
    (iso) => formatDateTime(iso),
  );
  return (
    <section className="mss-timeline" aria-labelledby="mss-timeline-titre">
      <h3 id="mss-timeline-titre" className="mss-timeline__title">
        Suivi de l’envoi
      </h3>
      <ul className="mss-timeline__list">
        {lines.map((line) => (
          <li key={line.recipient} className={`mss-timeline__recipient mss-timeline__recipient--${line.state}`}>
            <p className="mss-timeline__who">
              {nameOf?.(line.recipient) ? <span className="mss-timeline__name">{nameOf(line.recipient)}</span> : null}
              <span className="mss-timeline__address">{line.recipient}</span>
              {addressKind(line.recipient) === 'patient' ? <span className="badge badge--info">Patient</span> : null}
              <span
                className={`badge ${line.state === 'echec' ? 'badge--danger' : line.state === 'lu' || line.state === 'remis' ? 'badge--success' : 'badge--info'}`}
              >
                {stateLabels[line.state]}
              </span>
            </p>
            <ol className="mss-timeline__steps" aria-label={`Étapes pour ${line.recipient}`}>
              {line.steps.map((step) => {
                const failedHere = line.failure !== null && !step.done && line.steps.find((s) => !s.done)?.key === step.key;
                return (
                  <li key={step.key} className={`mss-step${step.done ? ' mss-step--done' : ''}${failedHere ? ' mss-step--failed' : ''}`}>
                    <span className="mss-step__mark" aria-hidden="true">
                      {failedHere ? '✕' : step.done ? '✓' : ''}
                    </span>
                    <span className="mss-step__label">
                      {failedHere ? 'Échec' : step.label}
                      <span className="visually-hidden">{failedHere ? ' : ' : step.done ? ' : fait' : ' : pas encore'}</span>
                    </span>
                    {step.at && step.done ? <span className="mss-step__at">{formatDateTime(step.at)}</span> : null}
                    {!step.done && step.note && !line.failure ? <span className="mss-step__note">{step.note}</span> : null}
                  </li>
                );
              })}
            </ol>
            <p className={line.state === 'echec' ? 'mss-timeline__summary text-danger' : 'mss-timeline__summary'}>{line.summary}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
