/**
 * Sends what the outbox holds, one action at a time, retrying with backoff.
 * Senders register per kind (the DMP and MSSanté issues add theirs). A sender
 * must be idempotent by the item's idempotency key: after a crash the same
 * action may be sent again, and the receiving side must see it once.
 */
import { defaultBackoff, nextDelayMs, type BackoffPolicy } from '../../../shared/domain/outbox.js';
import { CabinetError } from '../../../shared/contract/outcome.js';
import type { ClaimedItem, Outbox } from './outbox.js';

export interface SendContext {
  attempt: number;
}

export type Sender = (item: ClaimedItem, context: SendContext) => Promise<unknown>;

/** Thrown by a sender when retrying cannot help (refused document, unknown recipient …). */
export class PermanentSendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentSendError';
  }
}

export interface WorkerOptions {
  backoff?: BackoffPolicy;
  /** How long an action keeps being retried before it needs the user. */
  retryWindowMs?: () => number;
  /** Upper bound of one idle wait, so that items enqueued by another process are seen. */
  pollMs?: number;
  clock?: () => number;
  /** Is a practitioner logged in? Actions that need one wait for it without consuming attempts. */
  sessionReady?: () => boolean;
  onChange?: () => void;
  onError?: (error: unknown) => void;
  /** Actions that had been held back (outage, crash, login) and have now left: « 3 envois partis à 10:42 ». */
  onRecovered?: (recovery: { count: number; at: string }) => void;
}

export interface DrainResult {
  /** True when nothing is left to send (failed actions aside: they wait for the user). */
  empty: boolean;
  sent: number;
  pending: number;
}

export class OutboxWorker {
  private readonly senders = new Map<string, Sender>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopping = false;
  private busy: Promise<void> | null = null;
  private readonly options: Required<Omit<WorkerOptions, 'onChange' | 'onError' | 'onRecovered'>> &
    Pick<WorkerOptions, 'onChange' | 'onError' | 'onRecovered'>;

  constructor(
    private readonly outbox: Outbox,
    options: WorkerOptions = {},
  ) {
    this.options = {
      backoff: options.backoff ?? defaultBackoff,
      retryWindowMs: options.retryWindowMs ?? (() => 7 * 24 * 3600_000),
      pollMs: options.pollMs ?? 30_000,
      clock: options.clock ?? Date.now,
      sessionReady: options.sessionReady ?? (() => true),
      onChange: options.onChange,
      onError: options.onError,
      onRecovered: options.onRecovered,
    };
  }

  register(kind: string, sender: Sender): void {
    this.senders.set(kind, sender);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.kick();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.busy;
  }

  /** Look at the queue now (after an enqueue, a "Réessayer", a reconnection). */
  kick(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.busy)
      this.busy = this.drain()
        .then(() => undefined)
        .finally(() => (this.busy = null));
  }

  /**
   * Sends every due action now, then (when started) sleeps until the next one
   * is due. Wherever it runs (app, host, CLI), it first takes back the actions
   * whose sender died mid-send, and, when a practitioner is logged in, the
   * actions that were waiting for the login. Returns how many left.
   */
  async drain(): Promise<number> {
    let sent = 0;
    let recovered = 0;
    try {
      if (this.outbox.recoverStale() > 0) this.options.onChange?.();
      if (this.options.sessionReady() && this.outbox.resumeWaiting() > 0) this.options.onChange?.();
      for (;;) {
        if (this.stopping) break;
        const item = this.outbox.claimNext();
        if (!item) break;
        this.options.onChange?.();
        if (await this.sendOne(item)) {
          sent += 1;
          // Held back before (a failed attempt, a crash, the login): its leaving is news.
          if (item.attempts > 1 || item.lastError) recovered += 1;
        }
        this.options.onChange?.();
      }
    } catch (error) {
      this.options.onError?.(error);
    }
    if (recovered > 0) this.options.onRecovered?.({ count: recovered, at: new Date(this.options.clock()).toISOString() });
    this.schedule();
    return sent;
  }

  /**
   * The CLI's `cabinet outbox drain`: sends until nothing is left to send or
   * `timeoutMs` has passed, sleeping until the next due action in between.
   */
  async drainUntilEmpty(
    timeoutMs: number,
    sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ): Promise<DrainResult> {
    const deadline = this.options.clock() + timeoutMs;
    let sent = 0;
    for (;;) {
      sent += await this.drain();
      const pending = this.outbox.pending();
      const now = this.options.clock();
      if (pending === 0 || now >= deadline || this.stopping) return { empty: pending === 0, sent, pending };
      const due = this.outbox.nextDueAt();
      // Nothing due (waiting for a login that will not come here, or a lease held elsewhere): look again shortly.
      const wait = due === null ? 1000 : Math.max(50, due - now);
      await sleep(Math.min(wait, deadline - now, this.options.pollMs));
    }
  }

  private schedule(): void {
    if (!this.running) return;
    const due = this.outbox.nextDueAt();
    const wait = due === null ? this.options.pollMs : Math.max(0, Math.min(due - this.options.clock(), this.options.pollMs));
    this.timer = setTimeout(() => this.kick(), wait);
    this.timer.unref?.();
  }

  /** Sends one claimed action; true when it left. */
  private async sendOne(item: ClaimedItem): Promise<boolean> {
    const sender = this.senders.get(item.kind);
    if (!sender) {
      this.outbox.markFailed(item.id, `Aucun service ne sait traiter ce type d’envoi (${item.kind}).`);
      return false;
    }
    try {
      const result = await sender(item, { attempt: item.attempts });
      this.outbox.complete(item.id, result);
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const expired = this.options.clock() - Date.parse(item.createdAt) > this.options.retryWindowMs();
      if (error instanceof CabinetError && error.code === 'SESSION_REQUIRED') {
        // Needs the practitioner: wait for the login, attempt given back.
        this.outbox.waitForSession(item.id, message);
      } else if (error instanceof PermanentSendError || (error instanceof CabinetError && error.code === 'INVALID_REQUEST') || expired) {
        this.outbox.markFailed(item.id, message);
      } else {
        this.outbox.reschedule(item.id, message, nextDelayMs(item.attempts, this.options.backoff));
      }
      return false;
    }
  }
}
