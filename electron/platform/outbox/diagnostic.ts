/** The Diagnostic's look at the outbox: counts and the age of the oldest pending action (never what is sent). */
import { outboxVerdict, type DiagnosticCheck, type OutboxBacklog } from '../../../shared/domain/diagnostic.js';
import type { Db } from '../store/database.js';

export function outboxBacklog(db: Db, now: Date): OutboxBacklog {
  const counts = { en_attente: 0, en_cours: 0, envoye: 0, echec: 0 } as Record<string, number>;
  for (const row of db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all() as { state: string; n: number }[])
    counts[row.state] = row.n;
  const oldest = (
    db.prepare("SELECT MIN(created_at) AS at FROM outbox WHERE state IN ('en_attente', 'en_cours')").get() as { at: string | null }
  ).at;
  const oldestMs = oldest ? Date.parse(oldest) : NaN;
  return {
    enAttente: counts.en_attente ?? 0,
    enCours: counts.en_cours ?? 0,
    echec: counts.echec ?? 0,
    oldestPendingMs: Number.isFinite(oldestMs) ? Math.max(0, now.getTime() - oldestMs) : null,
  };
}

export function outboxCheck(db: Db, now: Date): DiagnosticCheck {
  const backlog = outboxBacklog(db, now);
  return {
    id: 'poste.envois',
    area: 'poste',
    label: 'Envois en attente (DMP, MSSanté)',
    ...outboxVerdict(backlog),
    data: { enAttente: backlog.enAttente, enCours: backlog.enCours, echec: backlog.echec, plusAncienMs: backlog.oldestPendingMs },
  };
}
