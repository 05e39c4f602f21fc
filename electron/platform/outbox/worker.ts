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
  onChange?: () => void;
  onError?: (error: unknown) => void;
}

export class OutboxWorker {
  private readonly senders = new Map<string, Sender>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopping = false;
  private busy: Promise<void> | null = null;
  private readonly options: Required<Omit<WorkerOptions, 'onChange' | 'onError'>> & Pick<WorkerOptions, 'onChange' | 'onError'>;

  constructor(
    private readonly outbox: Outbox,
    options: WorkerOptions = {},
  ) {
    this.options = {
      backoff: options.backoff ?? defaultBackoff,
      retryWindowMs: options.retryWindowMs ?? (() => 7 * 24 * 3600_000),
      pollMs: options.pollMs ?? 30_000,
      clock: options.clock ?? Date.now,
      onChange: options.onChange,
      onError: options.onError,
    };
  }

  register(kind: string, sender: Sender): void {
    this.senders.set(kind, sender);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    if (this.outbox.recoverStale() > 0) this.options.onChange?.();
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
    if (!this.busy) this.busy = this.drain().finally(() => (this.busy = null));
  }

  /** Sends every due action now, then (when started) sleeps until the next one is due. */
  async drain(): Promise<void> {
    try {
      for (;;) {
        if (this.stopping) return;
        const item = this.outbox.claimNext();
        if (!item) break;
        this.options.onChange?.();
        await this.sendOne(item);
        this.options.onChange?.();
      }
    } catch (error) {
      this.options.onError?.(error);
    }
    this.schedule();
  }

  private schedule(): void {
    if (!this.running) return;
    const due = this.outbox.nextDueAt();
    const wait = due === null ? this.options.pollMs : Math.max(0, Math.min(due - this.options.clock(), this.options.pollMs));
    this.timer = setTimeout(() => this.kick(), wait);
    this.timer.unref?.();
  }

  private async sendOne(item: ClaimedItem): Promise<void> {
    const sender = this.senders.get(item.kind);
    if (!sender) {
      this.outbox.markFailed(item.id, `Aucun service ne sait traiter ce type d’envoi (${item.kind}).`);
      return;
    }
    try {
      const result = await sender(item, { attempt: item.attempts });
      this.outbox.complete(item.id, result);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const expired = this.options.clock() - Date.parse(item.createdAt) > this.options.retryWindowMs();
      if (error instanceof PermanentSendError || (error instanceof CabinetError && error.code === 'INVALID_REQUEST') || expired) {
        this.outbox.markFailed(item.id, message);
      } else {
        this.outbox.reschedule(item.id, message, nextDelayMs(item.attempts, this.options.backoff));
      }
    }
  }
}
