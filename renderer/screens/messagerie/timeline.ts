/**
 * The receipts timeline of a sent mail, per recipient (pure):
 * en attente d’envoi → envoyé → remis → lu, or échec with the reason.
 *
 * Inputs: the outbox state of the send (the mail leaves through the durable
 * outbox), and the receipt events the services matched to its Message-ID
 * (DSN RFC 3464 → remis / échec / en attente; MDN RFC 8098 → lu / …).
 * A later step implies the earlier ones (a read mail was delivered), an
 * échec ends the line; events may arrive in any order.
 */

export type ReceiptState = 'en_attente' | 'envoye' | 'remis' | 'lu' | 'echec';

export interface ReceiptEvent {
  recipient: string;
  state: ReceiptState;
  /** French label from the receipt (« remis », « échec : adresse inconnue (5.1.1) », « lu »…). */
  label: string;
  at: string;
}

/** The outbox state of the send itself. */
export type OutboxState = 'en_attente' | 'en_cours' | 'envoye' | 'echec';

export interface SendState {
  outbox: OutboxState | null;
  /** When the outbox gave up (or the last transient error). */
  outboxError?: string | null;
  /** When the submission server accepted the mail. */
  sentAt?: string | null;
  /** Whether a read receipt was asked (null: not known here). */
  readReceipt: boolean | null;
}

export type StepKey = 'envoye' | 'remis' | 'lu';

export interface Step {
  key: StepKey;
  label: string;
  done: boolean;
  at: string | null;
  /** Extra words (« accusé de lecture non demandé »). */
  note?: string;
}

export interface RecipientTimeline {
  recipient: string;
  /** The furthest state reached. */
  state: ReceiptState;
  /** One sentence for the list and screen readers: « Remis le … », « Échec : … ». */
  summary: string;
  steps: Step[];
  failure: { reason: string; at: string | null } | null;
  /** A DSN said « delayed »: still trying. */
  delayed: string | null;
}

const rank: Record<Exclude<ReceiptState, 'echec' | 'en_attente'>, number> = { envoye: 1, remis: 2, lu: 3 };

const bare = (a: string) =>
  a
    .trim()
    .replace(/^rfc822;/i, '')
    .replace(/^<|>$/g, '')
    .toLowerCase();

const later = (a: string | null, b: string | null) => (a && b ? (Date.parse(b) > Date.parse(a) ? b : a) : (a ?? b));
const earlier = (a: string | null, b: string | null) => (a && b ? (Date.parse(b) < Date.parse(a) ? b : a) : (a ?? b));

/** Timeline per recipient, in the order the recipients were written. */
export function deriveTimeline(
  recipients: readonly string[],
  send: SendState,
  events: readonly ReceiptEvent[],
  formatAt: (iso: string) => string = (iso) => iso,
): RecipientTimeline[] {
  const seen = new Set<string>();
  const order = recipients.map(bare).filter((r) => (seen.has(r) ? false : (seen.add(r), true)));
  // A receipt for an address we did not list (an alias, a forward): show it too.
  for (const e of events) {
    const r = bare(e.recipient);
    if (r && !seen.has(r)) {
      seen.add(r);
      order.push(r);
    }
  }
  return order.map((recipient) =>
    one(
      recipient,
      send,
      events.filter((e) => bare(e.recipient) === recipient),
      formatAt,
    ),
  );
}

function one(recipient: string, send: SendState, events: readonly ReceiptEvent[], formatAt: (iso: string) => string): RecipientTimeline {
  const at: Record<StepKey, string | null> = { envoye: null, remis: null, lu: null };
  let reached = 0;
  let failure: RecipientTimeline['failure'] = null;
  let delayed: string | null = null;

  const outboxSent = send.outbox === 'envoye' || (send.sentAt ?? null) !== null || events.length > 0;
  if (outboxSent) {
    reached = 1;
    at.envoye = send.sentAt ?? null;
  }
  for (const e of events) {
    if (e.state === 'echec') {
      failure = failure && failure.at && Date.parse(failure.at) <= Date.parse(e.at) ? failure : { reason: stripEchec(e.label), at: e.at };
      continue;
    }
    if (e.state === 'en_attente') {
      delayed = e.label;
      continue;
    }
    const r = rank[e.state];
    reached = Math.max(reached, r);
    at[e.state] = e.state === 'envoye' ? earlier(at.envoye, e.at) : later(at[e.state], e.at);
  }
  // A read receipt after a failure notice is odd but means the mail arrived: the better news wins.
  if (failure && reached >= rank.remis) failure = null;
  if (!failure && send.outbox === 'echec' && reached === 0) {
    failure = { reason: send.outboxError?.trim() || 'l’envoi a échoué après plusieurs tentatives', at: null };
  }

  const steps: Step[] = [
    { key: 'envoye', label: 'Envoyé', done: reached >= 1, at: at.envoye },
    { key: 'remis', label: 'Remis', done: reached >= 2, at: at.remis },
    send.readReceipt === true || at.lu
      ? { key: 'lu', label: 'Lu', done: reached >= 3, at: at.lu }
      : send.readReceipt === false
        ? { key: 'lu', label: 'Lu', done: false, at: null, note: 'accusé de lecture non demandé' }
        : { key: 'lu', label: 'Lu', done: false, at: null, note: 'seulement si un accusé de lecture a été demandé' },
  ];

  const state: ReceiptState = failure ? 'echec' : reached === 3 ? 'lu' : reached === 2 ? 'remis' : reached === 1 ? 'envoye' : 'en_attente';
  // « Remis le 12/03/2026 14:05 », but « Remis aujourd’hui à 14:05 ».
  const when = (iso: string | null) => {
    if (!iso) return '';
    const shown = formatAt(iso);
    return /^(aujourd|hier)/.test(shown) ? ` ${shown}` : ` le ${shown}`;
  };
  const summary =
    state === 'echec'
      ? `Échec : ${failure?.reason ?? ''}`
      : state === 'lu'
        ? `Lu${when(at.lu)}`
        : state === 'remis'
          ? `Remis${when(at.remis)}${send.readReceipt ? ', pas encore lu' : ''}`
          : state === 'envoye'
            ? delayed
              ? `Envoyé, remise retardée (${stripEnAttente(delayed)})`
              : `Envoyé${when(at.envoye)}, en attente de l’accusé de remise`
            : send.outbox === 'en_cours'
              ? 'Envoi en cours…'
              : send.outboxError
                ? `En attente d’envoi : nouvel essai prévu (${send.outboxError})`
                : 'En attente d’envoi';
  return { recipient, state, summary, steps, failure, delayed };
}

function stripEchec(label: string): string {
  const reason = label.replace(/^\s*échec\s*:?\s*/i, '').trim();
  return reason || 'le destinataire n’a pas reçu le message';
}

function stripEnAttente(label: string): string {
  return label.replace(/^\s*en attente\s*:?\s*/i, '').trim() || 'le serveur réessaie';
}

/** The worst state across recipients, for a one-word badge in the list of sent mail. */
export function overallState(lines: readonly RecipientTimeline[]): ReceiptState {
  if (lines.length === 0) return 'en_attente';
  if (lines.some((l) => l.state === 'echec')) return 'echec';
  const order: ReceiptState[] = ['en_attente', 'envoye', 'remis', 'lu'];
  return order[Math.min(...lines.map((l) => order.indexOf(l.state)))] ?? 'en_attente';
}

export const stateLabels: Record<ReceiptState, string> = {
  en_attente: 'En attente d’envoi',
  envoye: 'Envoyé',
  remis: 'Remis',
  lu: 'Lu',
  echec: 'Échec',
};
