/**
 * What happened to a mail after it left (issue 15): « Envoyé » only while
 * nothing says otherwise, then « Remis », « Lu » or « Échec » from the
 * receipts (DSN, MDN, ANS error notice). Per recipient the latest news wins;
 * for the mail, the least advanced recipient. Pure; the receipts are stored
 * by the mail service (electron/mss).
 */
export type DeliveryState = 'envoye' | 'en_attente' | 'remis' | 'lu' | 'echec';

export const deliveryLabels: Record<DeliveryState, string> = {
  envoye: 'envoyé',
  en_attente: 'remise retardée',
  remis: 'remis',
  lu: 'lu',
  echec: 'échec',
};

export interface ReceiptLike {
  recipient: string;
  state: DeliveryState;
  label: string;
  at: string;
}

export interface Delivery {
  state: DeliveryState;
  /** The receipt that decided it (its French label), or null while only « envoyé » is known. */
  label: string | null;
  at: string | null;
}

/** Rank for « how far did it get »: a failure is the worst news, read the best. */
const rank: Record<DeliveryState, number> = { echec: 0, envoye: 1, en_attente: 1, remis: 2, lu: 3 };

/** One recipient's state: a failure stays (a later « delayed » does not undo it); otherwise the furthest. */
function recipientState(events: readonly ReceiptLike[]): ReceiptLike | null {
  const failure = events.find((e) => e.state === 'echec');
  if (failure) return failure;
  let best: ReceiptLike | null = null;
  for (const e of events)
    if (!best || rank[e.state] > rank[best.state] || (rank[e.state] === rank[best.state] && e.at >= best.at)) best = e;
  return best;
}

/** The mail's delivery from its receipts, for the given recipients (all those seen when omitted). */
export function deliveryOf(receipts: readonly ReceiptLike[], recipients?: readonly string[]): Delivery {
  const who =
    recipients && recipients.length > 0
      ? recipients.map((r) => r.toLowerCase())
      : [...new Set(receipts.map((r) => r.recipient.toLowerCase()))];
  if (who.length === 0) return { state: 'envoye', label: null, at: null };
  let worst: ReceiptLike | null = null;
  let unknown = false;
  for (const r of who) {
    const state = recipientState(receipts.filter((e) => e.recipient.toLowerCase() === r));
    if (!state) {
      unknown = true;
      continue;
    }
    if (!worst || rank[state.state] < rank[worst.state]) worst = state;
  }
  if (worst?.state === 'echec') return { state: 'echec', label: worst.label, at: worst.at };
  if (unknown || !worst) return { state: 'envoye', label: null, at: null };
  return { state: worst.state, label: worst.state === 'envoye' ? null : worst.label, at: worst.state === 'envoye' ? null : worst.at };
}
