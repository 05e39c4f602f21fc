/** Pure rules of the durable outbox (the I/O lives in electron/platform/outbox). */
export const outboxStates = ['en_attente', 'en_cours', 'envoye', 'echec'] as const;
export type OutboxState = (typeof outboxStates)[number];

export const outboxStateLabels: Record<OutboxState, string> = {
  en_attente: 'en attente',
  en_cours: 'en cours d’envoi',
  envoye: 'envoyé',
  echec: 'échec — action requise',
};

/** Kinds of outgoing actions. Later issues add theirs (dmp.feed, mss.send …). */
export const outboxKindLabels: Record<string, string> = {
  'dmp.feed': 'Alimentation du DMP',
  'mss.send': 'Envoi MSSanté',
  'test.echo': 'Action de test',
};

export function outboxKindLabel(kind: string): string {
  return outboxKindLabels[kind] ?? kind;
}

export interface BackoffPolicy {
  /** First delay, in ms. */
  baseMs: number;
  /** Ceiling of one delay, in ms. */
  maxMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 5_000, maxMs: 30 * 60_000 };

/**
 * Delay before attempt number `attempts + 1`: exponential, capped, with
 * "equal jitter" so that many queued items do not all retry at once after an
 * outage. `random` is injected to keep the function pure.
 */
export function nextDelayMs(attempts: number, policy: BackoffPolicy = defaultBackoff, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempts - 1, 30));
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}
