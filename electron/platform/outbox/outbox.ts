/**
 * The durable outbox: every outgoing action (DMP feed, MSSanté send) is first
 * written here, in the encrypted database, then sent by the worker. An action
 * survives a crash, a kill or an outage; its idempotency key (the document's
 * uniqueId, the mail's Message-ID) makes a repeat harmless, both here
 * (enqueueing twice gives one row) and at the receiving service.
 *
 * A row being sent carries a lease (owner pid + deadline). If its process dies
 * mid-send, the row goes back to `en_attente` as soon as the owner is seen
 * dead, or when the lease runs out.
 */
import os from 'node:os';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { outboxKindLabel, type OutboxState } from '../../../shared/domain/outbox.js';
import type { Db } from '../store/database.js';

export const DEFAULT_LEASE_MS = 5 * 60_000;
const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

export interface OutboxItem {
  id: number;
  idempotencyKey: string;
  kind: string;
  label: string;
  summary: string;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ClaimedItem extends OutboxItem {
  payload: unknown;
}

export type OutboxCounts = Record<OutboxState, number>;

interface Row {
  id: number;
  idempotency_key: string;
  kind: string;
  summary: string;
  payload: string;
  state: OutboxState;
  attempts: number;
  next_attempt_at: number | null;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  result: string | null;
  created_at: string;
  updated_at: string;
}

function toItem(row: Row): OutboxItem {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    kind: row.kind,
    label: outboxKindLabel(row.kind),
    summary: row.summary,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.state === 'en_attente' && row.next_attempt_at !== null ? new Date(row.next_attempt_at).toISOString() : null,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Is the process that holds a lease still alive? Only answerable on this host. */
function ownerAlive(owner: string): boolean {
  const [host, pidText] = owner.split('#');
  if (host !== os.hostname()) return true;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface EnqueueInput {
  kind: string;
  idempotencyKey: string;
  /** One French line for the Envois screen, e.g. "Compte rendu — DUPONT Marie". */
  summary: string;
  payload: unknown;
  /** Actions of the same group (the patient's uid) leave in the order they were queued. */
  groupKey?: string | null;
}

/** Why a row waits with no due time: the practitioner must log in (no attempt consumed). */
export const WAITING_FOR_SESSION =
  'En attente de votre connexion (carte CPS, certificat ou e-CPS) : il partira dès que vous serez connecté.';

export class Outbox {
  readonly owner = `${os.hostname()}#${process.pid}`;

  constructor(
    private readonly db: Db,
    private readonly clock: () => number = Date.now,
  ) {}

  private now(): { ms: number; iso: string } {
    const ms = this.clock();
    return { ms, iso: new Date(ms).toISOString() };
  }

  private row(id: number): Row | undefined {
    return this.db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as Row | undefined;
  }

  get(id: number): OutboxItem | undefined {
    const row = this.row(id);
    return row && toItem(row);
  }

  getByKey(idempotencyKey: string): OutboxItem | undefined {
    const row = this.db.prepare('SELECT * FROM outbox WHERE idempotency_key = ?').get(idempotencyKey) as Row | undefined;
    return row && toItem(row);
  }

  /** Adds an action, or returns the existing one with the same idempotency key. */
  enqueue(input: EnqueueInput): { item: OutboxItem; created: boolean } {
    if (!input.idempotencyKey || input.idempotencyKey.length > 512)
      throw new CabinetError('INVALID_REQUEST', 'Clé d’idempotence absente ou trop longue.');
    const payload = JSON.stringify(input.payload ?? null);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES)
      throw new CabinetError('INVALID_REQUEST', 'Cet envoi est trop volumineux (plus de 64 Mo).');
    const { ms, iso } = this.now();
    const result = this.db
      .prepare(
        `INSERT INTO outbox (idempotency_key, kind, summary, payload, state, attempts, next_attempt_at, created_at, updated_at, group_key)
         VALUES (?, ?, ?, ?, 'en_attente', 0, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
      )
      .run(input.idempotencyKey, input.kind, input.summary.slice(0, 300), payload, ms, iso, iso, input.groupKey ?? null);
    const item = this.getByKey(input.idempotencyKey);
    if (!item) throw new CabinetError('INTERNAL');
    if (result.changes === 0 && item.kind !== input.kind) {
      throw new CabinetError('CONFLICT', 'Cette clé d’idempotence est déjà utilisée par une autre action.');
    }
    return { item, created: result.changes > 0 };
  }

  list(state?: OutboxState, limit = 200): OutboxItem[] {
    const rows = (
      state
        ? this.db.prepare('SELECT * FROM outbox WHERE state = ? ORDER BY id DESC LIMIT ?').all(state, limit)
        : this.db
            .prepare(
              "SELECT * FROM outbox ORDER BY CASE state WHEN 'echec' THEN 0 WHEN 'en_cours' THEN 1 WHEN 'en_attente' THEN 2 ELSE 3 END, id DESC LIMIT ?",
            )
            .all(limit)
    ) as Row[];
    return rows.map(toItem);
  }

  counts(): OutboxCounts {
    const counts: OutboxCounts = { en_attente: 0, en_cours: 0, envoye: 0, echec: 0 };
    for (const row of this.db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all() as {
      state: OutboxState;
      n: number;
    }[]) {
      counts[row.state] = row.n;
    }
    return counts;
  }

  /** Puts rows whose sender died (or whose lease expired) back in the queue. */
  recoverStale(): number {
    const { ms, iso } = this.now();
    const stale = (
      this.db.prepare("SELECT id, lease_owner, lease_until FROM outbox WHERE state = 'en_cours'").all() as Pick<
        Row,
        'id' | 'lease_owner' | 'lease_until'
      >[]
    ).filter((row) => !row.lease_owner || (row.lease_until ?? 0) < ms || !ownerAlive(row.lease_owner));
    const reset = this.db.prepare(
      "UPDATE outbox SET state = 'en_attente', next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, last_error = COALESCE(last_error, 'Envoi interrompu (arrêt de l’application) : il sera repris.'), updated_at = ? WHERE id = ? AND state = 'en_cours'",
    );
    this.db
      .transaction(() => {
        for (const row of stale) reset.run(ms, iso, row.id);
      })
      .immediate();
    return stale.length;
  }

  /** Takes the next due action, marking it `en_cours` under this process's lease. */
  claimNext(leaseMs = DEFAULT_LEASE_MS): ClaimedItem | null {
    const { ms, iso } = this.now();
    const row = this.db
      .prepare(
        `UPDATE outbox SET state = 'en_cours', attempts = attempts + 1, lease_owner = ?, lease_until = ?, updated_at = ?
         WHERE id = (SELECT id FROM outbox o WHERE state = 'en_attente' AND next_attempt_at <= ?
                       AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.group_key = o.group_key AND p.id < o.id AND p.state IN ('en_attente', 'en_cours'))
                     ORDER BY next_attempt_at, id LIMIT 1)
         RETURNING *`,
      )
      .get(this.owner, ms + leaseMs, iso, ms) as Row | undefined;
    if (!row) return null;
    return { ...toItem(row), payload: JSON.parse(row.payload) as unknown };
  }

  /** Earliest time (ms) something becomes due, or null. */
  nextDueAt(): number | null {
    const row = this.db.prepare("SELECT MIN(next_attempt_at) AS t FROM outbox WHERE state = 'en_attente'").get() as { t: number | null };
    return row.t;
  }

  complete(id: number, result: unknown): void {
    const { iso } = this.now();
    this.db
      .prepare(
        "UPDATE outbox SET state = 'envoye', result = ?, last_error = NULL, lease_owner = NULL, lease_until = NULL, next_attempt_at = NULL, updated_at = ? WHERE id = ? AND state = 'en_cours'",
      )
      .run(JSON.stringify(result ?? null), iso, id);
  }

  reschedule(id: number, error: string, delayMs: number): void {
    const { ms, iso } = this.now();
    this.db
      .prepare(
        "UPDATE outbox SET state = 'en_attente', last_error = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND state = 'en_cours'",
      )
      .run(error.slice(0, 1000), ms + delayMs, iso, id);
  }

  markFailed(id: number, error: string): void {
    const { iso } = this.now();
    this.db
      .prepare(
        "UPDATE outbox SET state = 'echec', last_error = ?, next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND state = 'en_cours'",
      )
      .run(error.slice(0, 1000), iso, id);
  }

  /**
   * The action needs the practitioner (no session, session locked): it goes
   * back to the queue with no due time and the attempt is given back — it
   * waits for the login ({@link resumeWaiting}) instead of burning retries.
   */
  waitForSession(id: number, reason: string = WAITING_FOR_SESSION): void {
    const { iso } = this.now();
    this.db
      .prepare(
        "UPDATE outbox SET state = 'en_attente', attempts = MAX(0, attempts - 1), last_error = ?, next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND state = 'en_cours'",
      )
      .run(reason.slice(0, 1000), iso, id);
  }

  /** The practitioner is logged in: every action waiting for it becomes due now. Returns how many. */
  resumeWaiting(): number {
    const { ms, iso } = this.now();
    return this.db
      .prepare("UPDATE outbox SET next_attempt_at = ?, updated_at = ? WHERE state = 'en_attente' AND next_attempt_at IS NULL")
      .run(ms, iso).changes;
  }

  /** How many actions are still to send (waiting, being sent, or waiting for the login). */
  pending(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state IN ('en_attente', 'en_cours')").get() as { n: number }).n;
  }

  /**
   * The practitioner cancels an action that has not left (waiting or failed):
   * the row is removed (the caller audits it). Returns what was cancelled.
   */
  cancel(id: number): OutboxItem {
    const row = this.row(id);
    if (!row) throw new CabinetError('NOT_FOUND', 'Cet envoi n’existe pas.');
    if (row.state === 'envoye') throw new CabinetError('CONFLICT', 'Cet envoi est déjà parti : il ne peut plus être annulé.');
    if (row.state === 'en_cours') throw new CabinetError('CONFLICT', 'Cet envoi est en cours : attendez son résultat avant de l’annuler.');
    const removed = this.db.prepare("DELETE FROM outbox WHERE id = ? AND state IN ('en_attente', 'echec')").run(id);
    if (removed.changes === 0) throw new CabinetError('CONFLICT', 'Cet envoi vient de changer d’état : réessayez.');
    return toItem(row);
  }

  /** The user's "Réessayer maintenant": a failed or waiting action becomes due now. */
  retryNow(id: number): OutboxItem {
    const row = this.row(id);
    if (!row) throw new CabinetError('NOT_FOUND', 'Cet envoi n’existe pas.');
    if (row.state !== 'echec' && row.state !== 'en_attente') {
      throw new CabinetError('CONFLICT', row.state === 'envoye' ? 'Cet envoi a déjà abouti.' : 'Cet envoi est en cours.');
    }
    const { ms, iso } = this.now();
    // A failed action restarts its retry window from now.
    this.db
      .prepare(
        "UPDATE outbox SET state = 'en_attente', next_attempt_at = ?, created_at = CASE WHEN state = 'echec' THEN ? ELSE created_at END, updated_at = ? WHERE id = ?",
      )
      .run(ms, iso, iso, id);
    return toItem(this.row(id) as Row);
  }

  /** The queued action's payload (e.g. a DMP feed's CDA, for « Imprimer pour le patient »), or null. */
  payloadOf(id: number): unknown {
    const row = this.row(id);
    return row ? (JSON.parse(row.payload) as unknown) : null;
  }

  resultOf(id: number): unknown {
    const row = this.row(id);
    return row?.result ? (JSON.parse(row.result) as unknown) : null;
  }
}
