/**
 * The DMP panel of the patient screen (« DMP — Mon espace santé »): the DMP
 * and authorisation status with what to do next (add the authorisation after
 * the patient's consent; bris de glace in an emergency, then a red banner
 * while it lasts), the documents newest first with filters, the cache's age
 * when the DMP cannot be reached, the viewer, the feed form and the sends in
 * progress (outbox), and the actions on the practitioner's own documents.
 *
 * Loading: the status and the list as recorded on this computer are asked
 * together (local, fast: the newest 50 are on screen at once), then the
 * list is refreshed from the DMP (first a 2-year search, then incremental).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert } from '../../components/Alert.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Icon } from '../../components/Icon.js';
import { Section } from '../../components/Screen.js';
import { BrisDeGlaceDialog, ConsentDialog } from './AccessDialogs.js';
import { DocumentActionsDialog, DocumentViewerDialog } from './DmpDocumentDialogs.js';
import { DmpDocumentTable, DmpFilters, emptyFilter, isFiltered, type ListFilter } from './DmpDocumentList.js';
import { DmpFailure } from './DmpFailure.js';
import { DmpFeedForm } from './DmpFeedForm.js';
import { FeedList, SentNotice } from './DmpFeeds.js';
import { DmpStatus } from './DmpStatus.js';
import { useDmpData } from './useDmpData.js';
import { type DmpEntry, type DmpStatusView } from './dmp-api.js';
import { accessAdvice, cacheAgeLine } from './dmp-labels.js';
import './dmp.css';

const PAGE = 50;

/** What the panel needs of the patient. */
export interface DmpPatient {
  uid: string;
  displayName: string;
  /** Only a qualified identity (QUAL) may use its INS with the DMP. */
  qualified: boolean;
}

type Dialogs = { kind: 'consent' } | { kind: 'bris' } | { kind: 'view'; entry: DmpEntry } | { kind: 'manage'; entry: DmpEntry } | null;

export function DmpPanel({ patient }: { patient: DmpPatient }) {
  if (!patient.qualified) {
    return (
      <Section id="dmp" title="DMP (Mon espace santé)">
        <Alert tone="info" title="DMP inaccessible : identité non qualifiée">
          Le DMP ne peut être consulté ou alimenté qu’avec une identité qualifiée (INS vérifiée auprès d’INSi et pièce d’identité
          contrôlée). Qualifiez d’abord l’identité, plus haut sur cette page.
        </Alert>
      </Section>
    );
  }
  // Keyed by the patient: nothing of another patient's DMP is ever shown while this one's is read.
  return <QualifiedDmpPanel key={patient.uid} patient={patient} />;
}

function QualifiedDmpPanel({ patient }: { patient: DmpPatient }) {
  const { uid } = patient;
  const [filter, setFilter] = useState<ListFilter>(emptyFilter);
  const [limit, setLimit] = useState(PAGE);
  const [dialog, setDialog] = useState<Dialogs>(null);
  const [feeding, setFeeding] = useState<{ replacing?: DmpEntry } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** The document just put in the outbox: its progress is told above the list. */
  const [lastSent, setLastSent] = useState<{ uniqueId: string; title: string } | null>(null);
  const {
    status: statusRead,
    list: listRead,
    refreshFromDmp,
    refreshing,
    listFailure,
    clearRefreshFailure,
    refreshMessage,
  } = useDmpData(uid, filter, limit);
  const status = statusRead.data;
  const list = listRead.data;
  const statusFailure = statusRead.failure;
  const access = list?.access ?? status?.access ?? null;

  const advice = status ? accessAdvice(status.status, access !== null) : null;
  // Consultable; or, while the status is still on its way, what this computer recorded earlier (hidden again if the status forbids it).
  const showDocuments = advice ? advice.canConsult : (list?.entries.length ?? 0) > 0;
  // The next page is being read: fewer entries shown than asked for, and more exist.
  const loadingMore = listRead.refreshing && list !== null && list.entries.length < Math.min(limit, list.total);

  // The newest documents on screen: measured once per patient (read by the end-to-end test and the bench).
  const measured = useRef(false);
  useEffect(() => {
    if (measured.current || !list || list.entries.length === 0 || !showDocuments) return;
    measured.current = true;
    requestAnimationFrame(() => {
      try {
        performance.measure('dmp-liste', 'dmp-liste-demande');
      } catch {
        // The start mark was cleared: nothing to measure.
      }
    });
  }, [list, showDocuments]);

  // Filters: read from the cache (no network), the same first page.
  function changeFilter(next: ListFilter) {
    setFilter(next);
    setLimit(PAGE);
    clearRefreshFailure();
  }

  async function refreshAll() {
    setNotice(null);
    const outcome = await statusRead.reload();
    // Reachable, the new status starts the refresh from the DMP itself (useDmpData); otherwise it is asked anyway.
    if (outcome?.ok && outcome.value.offline && accessAdvice(outcome.value.status, outcome.value.access !== null).canConsult)
      await refreshFromDmp('auto');
  }

  /** A new access (authorisation added, bris de glace): the status shown changes, and the list is asked of the DMP. */
  function accessChanged(view: DmpStatusView) {
    statusRead.setData(view);
    if (view.offline) void refreshFromDmp('auto');
  }

  const setEntries = listRead.setData;
  const onEntryChanged = useCallback(
    (entry: DmpEntry, message: string) => {
      setNotice(message);
      if (list) setEntries({ ...list, entries: list.entries.map((e) => (e.entryUuid === entry.entryUuid ? entry : e)) });
      void listRead.reload();
    },
    [list, setEntries, listRead],
  );

  const openView = useCallback((entry: DmpEntry) => setDialog({ kind: 'view', entry }), []);
  const openManage = useCallback((entry: DmpEntry) => setDialog({ kind: 'manage', entry }), []);

  const offline = status?.offline || list?.offline || false;
  const age = cacheAgeLine(list?.fetchedAt ?? status?.fetchedAt ?? null, offline);

  return (
    <Section
      id="dmp"
      title="DMP (Mon espace santé)"
      actions={
        <button type="button" className="button button--quiet button--small" disabled={refreshing} onClick={() => void refreshAll()}>
          <Icon name="refresh" className={refreshing ? 'icon--spin' : undefined} />
          {refreshing ? 'Actualisation…' : 'Actualiser'}
        </button>
      }
    >
      <DmpStatus
        access={access}
        age={age}
        offline={offline}
        status={status}
        statusFailure={statusFailure}
        advice={advice}
        onAuthorize={() => setDialog({ kind: 'consent' })}
        onBreakGlass={() => setDialog({ kind: 'bris' })}
      />

      {notice ? (
        <Alert tone="success" className="dmp-notice">
          {notice}
        </Alert>
      ) : null}
      {lastSent ? <SentNotice sent={lastSent} feeds={list?.feeds ?? []} onClose={() => setLastSent(null)} /> : null}

      {/* ---------- feed ---------- */}
      {advice?.canFeed ? (
        feeding ? (
          <DmpFeedForm
            key={feeding.replacing?.entryUuid ?? 'nouveau'}
            uid={uid}
            {...(feeding.replacing ? { replacing: feeding.replacing } : {})}
            onSent={(result, title) => {
              setFeeding(null);
              setLastSent({ uniqueId: result.uniqueId, title });
              void listRead.reload();
            }}
            onClose={() => setFeeding(null)}
          />
        ) : (
          <div className="form-actions dmp-feed-open">
            <button type="button" className="button button--primary" onClick={() => setFeeding({})}>
              <Icon name="envois" />
              Ajouter un document au DMP
            </button>
          </div>
        )
      ) : null}

      {list && list.feeds.length > 0 ? <FeedList feeds={list.feeds} /> : null}

      {/* ---------- documents ---------- */}
      {/* Consultable, or (status unknown) what this computer recorded earlier. */}
      {!showDocuments ? null : (
        <div className="dmp-documents">
          <h3 className="subsection__title">Documents</h3>
          {refreshMessage ? <p className="muted dmp-documents__message">{refreshMessage}</p> : null}
          <DmpFilters filter={filter} onChange={changeFilter} disabled={!list} />
          {listFailure && !list ? (
            <DmpFailure failure={listFailure} title="Liste des documents indisponible" />
          ) : !list ? (
            <p className="muted" role="status">
              Chargement des documents…
            </p>
          ) : list.entries.length === 0 ? (
            isFiltered(filter) ? (
              <EmptyState icon="search" title="Aucun document ne correspond à ces filtres.">
                <button type="button" className="button button--quiet button--small" onClick={() => changeFilter(emptyFilter)}>
                  Effacer les filtres
                </button>
              </EmptyState>
            ) : (
              <EmptyState
                icon="fichier"
                title={
                  list.fetchedAt ? 'Aucun document dans le DMP sur les deux dernières années.' : 'Aucun document enregistré sur ce poste.'
                }
              >
                {list.fetchedAt ? 'Les documents que vous ajoutez apparaîtront ici.' : 'Actualisez pour interroger le DMP.'}
              </EmptyState>
            )
          ) : (
            <DmpDocumentTable
              entries={list.entries}
              total={list.total}
              filtered={isFiltered(filter)}
              onOpen={openView}
              onManage={openManage}
              onMore={() => setLimit(limit + PAGE)}
              loadingMore={loadingMore}
            />
          )}
          {listFailure && list ? (
            <Alert tone="warning" title="Actualisation impossible">
              {listFailure.message}
            </Alert>
          ) : null}
        </div>
      )}

      {/* ---------- dialogs ---------- */}
      {dialog?.kind === 'consent' ? (
        <ConsentDialog
          uid={uid}
          patientName={patient.displayName}
          onClose={() => setDialog(null)}
          onDone={(view) => {
            setDialog(null);
            accessChanged(view);
            setNotice('Autorisation ajoutée : vous pouvez consulter le DMP.');
          }}
        />
      ) : null}
      {dialog?.kind === 'bris' ? (
        <BrisDeGlaceDialog
          uid={uid}
          patientName={patient.displayName}
          onClose={() => setDialog(null)}
          onDone={(granted) => {
            setDialog(null);
            if (status) accessChanged({ ...status, access: granted });
          }}
        />
      ) : null}
      {dialog?.kind === 'view' ? <DocumentViewerDialog uid={uid} entry={dialog.entry} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'manage' ? (
        <DocumentActionsDialog
          uid={uid}
          entry={dialog.entry}
          onChanged={onEntryChanged}
          onReplace={(entry) => {
            setDialog(null);
            setFeeding({ replacing: entry });
          }}
          onClose={() => setDialog(null)}
        />
      ) : null}
    </Section>
  );
}
