/**
 * Journal d'accès: the append-only, hash-chained audit journal. Newest first,
 * "Charger plus" pages backwards; the chain is verified once per session on
 * first display (a verification is itself journaled) and on demand. New
 * entries appear as they are written (`auditAppended`).
 */
import './journal.css';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract/index.js';
import { Alert } from '../../components/Alert.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { DateTime } from '../../components/DateTime.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Icon } from '../../components/Icon.js';
import { LoadError } from '../../components/LoadError.js';
import { Screen, Section } from '../../components/Screen.js';
import { formatDateTime, formatInteger, plural } from '../../format.js';
import { useAction, useChannel } from '../../data/useChannel.js';
import { registerSessionCache } from '../../state/session-caches.js';
import { auditActionLabel, auditActorLabel, auditDetailKeys, auditDetailLabel, auditDetailValue } from './audit-labels.js';

type AuditPage = ResponseOf<'audit.list'>;
type AuditEntry = AuditPage['entries'][number];
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
  const newest = useChannel('audit.list', { limit: PAGE }, { refreshOn: ['auditAppended'] });
  const older = useAction('audit.list');
  const verifying = useAction('audit.verify');
  // Every page read so far (the newest, refreshed on each new entry, and the older ones loaded on demand), merged.
  const [shown, setShown] = useState<{ from: AuditPage | null; entries: AuditEntry[] | null; hasMore: boolean }>({
    from: null,
    entries: null,
    hasMore: false,
  });
  if (newest.data && newest.data !== shown.from) {
    setShown({
      from: newest.data,
      entries: mergeNewestFirst(shown.entries ?? [], newest.data.entries),
      // Whether older entries exist is known from the first page, then from « Charger plus ».
      hasMore: shown.from === null ? newest.data.hasMore : shown.hasMore,
    });
  }
  const { entries, hasMore } = shown;
  const loadError = newest.failure ?? older.failure;
  const [verification, setVerification] = useState(lastVerification);
  /** Where focus goes when "Charger plus" disappears (start of the journal reached). */
  const footerText = useRef<HTMLParagraphElement>(null);

  const { run: runVerify } = verifying;
  const verify = useCallback(async () => {
    const outcome = await runVerify({});
    if (outcome.ok) {
      lastVerification = { result: outcome.value, at: new Date().toISOString() };
      setVerification(lastVerification);
    }
  }, [runVerify]);

  useEffect(() => {
    if (!lastVerification) void verify();
  }, [verify]);

  async function loadMore() {
    const oldest = entries?.at(-1);
    if (!oldest) return;
    const outcome = await older.run({ limit: PAGE, beforeId: oldest.id });
    if (!outcome.ok) return;
    setShown((current) => ({
      ...current,
      entries: mergeNewestFirst(current.entries ?? [], outcome.value.entries),
      hasMore: outcome.value.hasMore,
    }));
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
          <button type="button" className="button button--secondary" onClick={() => void verify()} disabled={verifying.pending}>
            <Icon name="refresh" className={verifying.pending ? 'icon--spin' : undefined} />
            {verifying.pending ? 'Vérification…' : 'Vérifier maintenant'}
          </button>
        }
      >
        <div aria-live="polite">
          {verifying.failure ? (
            <LoadError failure={verifying.failure} title="La vérification n’a pas pu être faite" />
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
        {loadError ? <LoadError failure={loadError} title="Impossible de lire le journal" /> : null}
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
            <DataTable
              caption="Entrées du journal, les plus récentes en premier"
              captionHidden
              columns={columns}
              rows={entries}
              rowKey={(entry) => entry.id}
            />
            <div className="table-footer">
              <p className="muted" aria-live="polite" tabIndex={-1} ref={footerText}>
                {formatInteger(entries.length)} {entries.length > 1 ? 'entrées affichées' : 'entrée affichée'}
                {hasMore ? '' : ' — début du journal atteint'}.
              </p>
              {hasMore ? (
                <button type="button" className="button button--secondary" onClick={() => void loadMore()} disabled={older.pending}>
                  {older.pending ? 'Chargement…' : 'Charger plus'}
                </button>
              ) : null}
            </div>
          </>
        )}
      </Section>
    </Screen>
  );
}
