/**
 * Journal d'accès: the append-only, hash-chained audit journal. Newest first,
 * "Charger plus" pages backwards; the chain is verified once per session on
 * first display (a verification is itself journaled) and on demand.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Failure, ResponseOf } from '../../../shared/contract/index.js';
import { Alert } from '../../components/Alert.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { DateTime } from '../../components/DateTime.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Icon } from '../../components/Icon.js';
import { LoadError } from '../../components/LoadError.js';
import { Screen, Section } from '../../components/Screen.js';
import { formatDateTime, formatInteger, plural } from '../../format.js';
import { cabinet } from '../../bridge/index.js';
import { call, useCabinet } from '../../state/cabinet.js';
import { registerSessionCache } from '../../state/session-caches.js';
import { auditActionLabel, auditActorLabel, auditDetailKeys, auditDetailLabel, auditDetailValue } from '../labels.js';

type AuditEntry = ResponseOf<'audit.list'>['entries'][number];
type Verification = ResponseOf<'audit.verify'>;

const PAGE = 100;

/** Last verification of this session, kept across navigations. */
let lastVerification: { result: Verification; at: string } | null = null;
registerSessionCache(() => {
  lastVerification = null;
});

function mergeNewestFirst(current: AuditEntry[], incoming: AuditEntry[]): AuditEntry[] {
  const byId = new Map(current.map((entry) => [entry.id, entry]));
  for (const entry of incoming) byId.set(entry.id, entry);
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

function Details({ details }: { details: AuditEntry['details'] }) {
  const keys = details ? auditDetailKeys(details) : [];
  if (!details || keys.length === 0) return <>—</>;
  return (
    <dl className="details-list">
      {keys.map((key) => (
        <div key={key} className="details-list__row">
          <dt>{auditDetailLabel(key)}</dt>
          <dd>{auditDetailValue(key, details[key])}</dd>
        </div>
      ))}
    </dl>
  );
}

const columns: Column<AuditEntry>[] = [
  {
    header: 'Date',
    className: 'col-date',
    cell: (entry) => <DateTime iso={entry.at} />,
  },
  { header: 'Acteur', className: 'col-nowrap', cell: (entry) => auditActorLabel(entry.actor) },
  {
    header: 'Action',
    rowHeader: true,
    className: 'col-audit-action',
    cell: (entry) => {
      const label = auditActionLabel(entry.action);
      return label === entry.action ? <span className="mono">{label}</span> : <span title={entry.action}>{label}</span>;
    },
  },
  { header: 'Objet', className: 'col-audit-subject', cell: (entry) => entry.subject ?? '—' },
  { header: 'Détails', className: 'col-details', cell: (entry) => <Details details={entry.details} /> },
];

export function Journal() {
  const { report, reconnections } = useCabinet();
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loadError, setLoadError] = useState<Failure | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [verification, setVerification] = useState(lastVerification);
  const [verifying, setVerifying] = useState(false);
  const [verifyError, setVerifyError] = useState<Failure | null>(null);
  const firstPageLoaded = useRef(false);
  /** Where focus goes when "Charger plus" disappears (start of the journal reached). */
  const footerText = useRef<HTMLParagraphElement>(null);

  /** Newest page; merged into what is shown, so pages already loaded stay. */
  const loadNewest = useCallback(async () => {
    const outcome = await call(() => cabinet.audit.list({ limit: PAGE }));
    if (!outcome.ok) {
      setLoadError(outcome);
      report(outcome);
      return;
    }
    setLoadError(null);
    setEntries((current) => mergeNewestFirst(current ?? [], outcome.value.entries));
    if (!firstPageLoaded.current) {
      firstPageLoaded.current = true;
      setHasMore(outcome.value.hasMore);
    }
  }, [report]);

  const verify = useCallback(async () => {
    setVerifying(true);
    setVerifyError(null);
    const outcome = await call(() => cabinet.audit.verify());
    setVerifying(false);
    if (outcome.ok) {
      lastVerification = { result: outcome.value, at: new Date().toISOString() };
      setVerification(lastVerification);
    } else {
      setVerifyError(outcome);
      report(outcome);
    }
  }, [report]);

  useEffect(() => {
    void loadNewest();
  }, [loadNewest, reconnections]);

  useEffect(() => cabinet.events.auditAppended(() => void loadNewest()), [loadNewest]);

  useEffect(() => {
    if (!lastVerification) void verify();
  }, [verify]);

  async function loadMore() {
    const oldest = entries?.at(-1);
    if (!oldest) return;
    setLoadingMore(true);
    const outcome = await call(() => cabinet.audit.list({ limit: PAGE, beforeId: oldest.id }));
    setLoadingMore(false);
    if (!outcome.ok) {
      setLoadError(outcome);
      report(outcome);
      return;
    }
    setEntries((current) => mergeNewestFirst(current ?? [], outcome.value.entries));
    setHasMore(outcome.value.hasMore);
    if (!outcome.value.hasMore) requestAnimationFrame(() => footerText.current?.focus());
  }

  return (
    <Screen
      title="Journal d’accès"
      intro="Toutes les actions faites dans Cabinet, dans l’ordre, sans effacement possible. Chaque entrée est chaînée à la précédente."
    >
      <Section
        id="integrite"
        title="Intégrité du journal"
        actions={
          <button type="button" className="button button--secondary" onClick={() => void verify()} disabled={verifying}>
            <Icon name="refresh" className={verifying ? 'icon--spin' : undefined} />
            {verifying ? 'Vérification…' : 'Vérifier maintenant'}
          </button>
        }
      >
        <div aria-live="polite">
          {verifyError ? (
            <LoadError failure={verifyError} title="La vérification n’a pas pu être faite" />
          ) : verification ? (
            verification.result.valid ? (
              <>
                <Alert tone="success">
                  Intégrité du journal vérifiée : {plural(verification.result.count, 'entrée')}, chaîne intacte
                  {verification.result.anchors.last
                    ? `, ${plural(verification.result.anchors.checkpoints, 'point')} d’ancrage signé${verification.result.anchors.checkpoints > 1 ? 's' : ''} (le dernier ${formatDateTime(verification.result.anchors.last.time)})`
                    : ''}
                  .<span className="alert__meta"> Vérifié {formatDateTime(verification.at)}.</span>
                </Alert>
                {verification.result.anchors.warnings.map((warning) => (
                  <Alert key={warning} tone="warning">
                    Attention : {warning}.
                  </Alert>
                ))}
              </>
            ) : (
              <Alert
                tone="error"
                title={
                  verification.result.brokenAt
                    ? `Journal altéré à l’entrée #${verification.result.brokenAt} : ${verification.result.reason ?? 'raison inconnue'}`
                    : `Journal altéré : ${verification.result.reason ?? 'raison inconnue'}`
                }
              >
                Les entrées ne sont plus garanties. Prévenez la personne qui gère votre poste informatique et ne supprimez aucun fichier.
                {verification.result.anchors.problems.length > 1 ? (
                  <ul>
                    {verification.result.anchors.problems.map((problem) => (
                      <li key={problem}>{problem}</li>
                    ))}
                  </ul>
                ) : null}
                <span className="alert__meta"> Vérifié {formatDateTime(verification.at)}.</span>
              </Alert>
            )
          ) : (
            <p className="muted">Vérification en cours…</p>
          )}
        </div>
      </Section>

      <Section id="entrees" title="Entrées">
        {loadError ? (
          <LoadError failure={loadError} title="Impossible de lire le journal" />
        ) : null}
        {entries === null ? (
          loadError ? null : (
            <p className="muted" role="status">
              Chargement du journal…
            </p>
          )
        ) : entries.length === 0 ? (
          <EmptyState icon="journal" title="Le journal est vide." />
        ) : (
          <>
            <DataTable caption="Entrées du journal, les plus récentes en premier" captionHidden columns={columns} rows={entries} rowKey={(entry) => entry.id} />
            <div className="table-footer">
              <p className="muted" aria-live="polite" tabIndex={-1} ref={footerText}>
                {formatInteger(entries.length)} {entries.length > 1 ? 'entrées affichées' : 'entrée affichée'}
                {hasMore ? '' : ' — début du journal atteint'}.
              </p>
              {hasMore ? (
                <button type="button" className="button button--secondary" onClick={() => void loadMore()} disabled={loadingMore}>
                  {loadingMore ? 'Chargement…' : 'Charger plus'}
                </button>
              ) : null}
            </div>
          </>
        )}
      </Section>
    </Screen>
  );
}
