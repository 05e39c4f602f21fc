/**
 * The audit trail: append-only (triggers refuse UPDATE and DELETE) and
 * hash-chained. Each row stores the previous row's hash and
 * sha256(prev_hash + canonical JSON of its own content, id included), so a
 * changed, removed or reordered row breaks the chain at that row.
 *
 * Alone, the chain cannot see the newest rows removed, nor a chain rewritten
 * by someone holding the database key: anchors.ts signs checkpoints of it with
 * the practitioner's key, outside the database.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../shared/domain/canonical-json.js';
import type { Db } from '../store/database.js';

export const GENESIS_HASH = '0'.repeat(64);
const MAX_DETAILS_BYTES = 16 * 1024;

export interface AuditInput {
  /** Who: `systeme`, later the practitioner's idNat_PS. */
  actor: string;
  /** What, as a dotted code: `app.start`, `settings.change`, `patient.read` … */
  action: string;
  /** On what (patient INS, document id …), if anything. */
  subject?: string | null;
  details?: Record<string, unknown> | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown> | null;
}

export interface ChainVerification {
  valid: boolean;
  count: number;
  brokenAt?: number;
  reason?: string;
}

interface Row {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: string | null;
  prev_hash: string;
  hash: string;
}

export function entryHash(
  prevHash: string,
  entry: { id: number; at: string; actor: string; action: string; subject: string | null; details: string | null },
): string {
  const content = canonicalJson({
    id: entry.id,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    details: entry.details,
  });
  return createHash('sha256').update(prevHash).update('\n').update(content).digest('hex');
}

export class AuditLog {
  private readonly insert;
  private readonly last;
  private readonly appendTx;

  constructor(
    private readonly db: Db,
    private readonly clock: () => Date = () => new Date(),
    private readonly onAppend?: (id: number) => void,
  ) {
    this.insert = db.prepare(
      'INSERT INTO audit_log (id, at, actor, action, subject, details, prev_hash, hash) VALUES (@id, @at, @actor, @action, @subject, @details, @prev_hash, @hash)',
    );
    this.last = db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1');
    this.appendTx = db.transaction((input: AuditInput): number => {
      const previous = this.last.get() as { id: number; hash: string } | undefined;
      const details = input.details ? canonicalJson(input.details) : null;
      if (details && Buffer.byteLength(details) > MAX_DETAILS_BYTES) throw new Error('audit details too large');
      const row = {
        id: (previous?.id ?? 0) + 1,
        at: this.clock().toISOString(),
        actor: input.actor,
        action: input.action,
        subject: input.subject ?? null,
        details,
      };
      const prev_hash = previous?.hash ?? GENESIS_HASH;
      this.insert.run({ ...row, prev_hash, hash: entryHash(prev_hash, row) });
      return row.id;
    });
  }

  /** Appends one entry; serialised across processes (BEGIN IMMEDIATE). */
  append(input: AuditInput): number {
    const id = this.appendTx.immediate(input);
    this.onAppend?.(id);
    return id;
  }

  list(limit = 100, beforeId?: number): { entries: AuditEntry[]; hasMore: boolean } {
    const rows = (
      beforeId
        ? this.db.prepare('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?').all(beforeId, limit + 1)
        : this.db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(limit + 1)
    ) as Row[];
    const hasMore = rows.length > limit;
    return {
      hasMore,
      entries: rows.slice(0, limit).map((row) => ({
        id: row.id,
        at: row.at,
        actor: row.actor,
        action: row.action,
        subject: row.subject,
        details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
      })),
    };
  }

  /** Walks the whole chain; reports the first row that does not hold. */
  verify(): ChainVerification {
    let previousHash = GENESIS_HASH;
    let expectedId = 1;
    let count = 0;
    for (const row of this.db.prepare('SELECT * FROM audit_log ORDER BY id').iterate() as Iterable<Row>) {
      if (row.id !== expectedId) {
        return { valid: false, count, brokenAt: row.id, reason: `entrée(s) manquante(s) avant l’entrée #${row.id}` };
      }
      if (row.prev_hash !== previousHash) {
        return { valid: false, count, brokenAt: row.id, reason: `l’entrée #${row.id} ne suit pas l’entrée précédente (chaînage rompu)` };
      }
      if (entryHash(previousHash, row) !== row.hash) {
        return { valid: false, count, brokenAt: row.id, reason: `le contenu de l’entrée #${row.id} a été modifié` };
      }
      previousHash = row.hash;
      expectedId += 1;
      count += 1;
    }
    return { valid: true, count };
  }
}
