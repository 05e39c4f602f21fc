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
import type { Failure } from '../../../shared/contract/index.js';
import { Alert } from '../../components/Alert.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Icon } from '../../components/Icon.js';
import { Section } from '../../components/Screen.js';
import { formatDateTime } from '../../format.js';
import { cabinet } from '../../bridge/index.js';
import { useCabinet } from '../../state/cabinet.js';
import { BrisDeGlaceDialog, ConsentDialog } from './AccessDialogs.js';
import { DocumentActionsDialog, DocumentViewerDialog } from './DmpDocumentDialogs.js';
import { DmpDocumentTable, DmpFilters, emptyFilter, isFiltered, type ListFilter } from './DmpDocumentList.js';
import { DmpFailure } from './DmpFailure.js';
import { DmpFeedForm } from './DmpFeedForm.js';
import { dmp, useDmpReport, onDmpChanged, type DmpAccess, type DmpEntry, type DmpFeed, type DmpFilter, type DmpListView, type DmpStatusView } from './dmp-api.js';
import { accessAdvice, cacheAgeLine, feedStateLabels, typeLabel } from './dmp-labels.js';
import './dmp.css';

const PAGE = 50;

/** What the panel needs of the patient. */
export interface DmpPatient {
  uid: string;
  displayName: string;
  /** Only a qualified identity (QUAL) may use its INS with the DMP. */
  qualified: boolean;
}

function toRequestFilter(filter: ListFilter, limit: number): DmpFilter {
  return {
    limit,
    offset: 0,
    ...(filter.type ? { types: [filter.type] } : {}),
    ...(filter.from ? { from: filter.from } : {}),
    ...(filter.to ? { to: filter.to } : {}),
    ...(filter.author.trim() ? { author: filter.author.trim() } : {}),
    ...(filter.visibility !== 'toutes' ? { visibility: filter.visibility } : {}),
  };
}

type Dialogs = { kind: 'consent' } | { kind: 'bris' } | { kind: 'view'; entry: DmpEntry } | { kind: 'manage'; entry: DmpEntry } | null;

export function DmpPanel({ patient }: { patient: DmpPatient }) {
  if (!patient.qualified) {
    return (
      <Section id="dmp" title="DMP (Mon espace santé)">
        <Alert tone="info" title="DMP inaccessible : identité non qualifiée">
          Le DMP ne peut être consulté ou alimenté qu’avec une identité qualifiée (INS vérifiée auprès d’INSi et pièce d’identité contrôlée). Qualifiez
          d’abord l’identité, plus haut sur cette page.
        </Alert>
      </Section>
    );
  }
  return <QualifiedDmpPanel patient={patient} />;
}

function QualifiedDmpPanel({ patient }: { patient: DmpPatient }) {
  const { uid } = patient;
  const { reconnections } = useCabinet();
  const report = useDmpReport();
  const [status, setStatus] = useState<DmpStatusView | null>(null);
  const [statusFailure, setStatusFailure] = useState<Failure | null>(null);
  const [list, setList] = useState<DmpListView | null>(null);
  const [listFailure, setListFailure] = useState<Failure | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [filter, setFilter] = useState<ListFilter>(emptyFilter);
  const [limit, setLimit] = useState(PAGE);
  const [access, setAccess] = useState<DmpAccess | null>(null);
  const [dialog, setDialog] = useState<Dialogs>(null);
  const [feeding, setFeeding] = useState<{ replacing?: DmpEntry } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** What the last refresh from the DMP brought (« 2 nouveaux documents… »); the cache's own reads say nothing. */
  const [refreshMessage, setRefreshMessage] = useState<string | null>(null);
  /** The document just put in the outbox: its progress is told above the list. */
  const [lastSent, setLastSent] = useState<{ uniqueId: string; title: string } | null>(null);
  const listRequest = useRef(0);
  const measured = useRef(false);
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const limitRef = useRef(limit);
  limitRef.current = limit;
  const feedsRef = useRef<DmpFeed[]>([]);

  const advice = status ? accessAdvice(status.status, access !== null) : null;
  // Consultable; or, while the status is still on its way, what this computer recorded earlier (hidden again if the status forbids it).
  const showDocuments = advice ? advice.canConsult : (list?.entries.length ?? 0) > 0;

  const loadList = useCallback(
    async (refresh: 'auto' | 'complet' | 'cache', nextLimit = limitRef.current) => {
      const mine = ++listRequest.current;
      if (refresh !== 'cache') setRefreshing(true);
      const outcome = await dmp('list', { uid, filter: toRequestFilter(filterRef.current, nextLimit), refresh });
      if (mine !== listRequest.current) return;
      setRefreshing(false);
      if (outcome.ok) {
        setList(outcome.value);
        setListFailure(null);
        if (refresh !== 'cache') setRefreshMessage(outcome.value.offline ? null : outcome.value.message);
        if (outcome.value.access) setAccess(outcome.value.access);
        const before = new Map(feedsRef.current.map((f) => [f.uniqueId, f.state]));
        feedsRef.current = outcome.value.feeds;
        // A send that just reached the DMP: fetch the new document (incremental search).
        if (refresh === 'cache' && outcome.value.feeds.some((f) => f.state === 'envoye' && before.has(f.uniqueId) && before.get(f.uniqueId) !== 'envoye')) void loadList('auto');
      } else {
        setListFailure(outcome);
        report(outcome);
      }
    },
    [uid, report],
  );

  const loadStatus = useCallback(async () => {
    const outcome = await dmp('status', { uid });
    if (outcome.ok) {
      setStatus(outcome.value);
      setStatusFailure(null);
      setAccess(outcome.value.access);
      return outcome.value;
    }
    setStatusFailure(outcome);
    report(outcome);
    return null;
  }, [uid, report]);

  // First load: status and the list recorded on this computer together, then the DMP's list.
  useEffect(() => {
    let cancelled = false;
    measured.current = false;
    performance.mark('dmp-liste-demande');
    void (async () => {
      const [view] = await Promise.all([loadStatus(), loadList('cache')]);
      if (cancelled || !view) return;
      const next = accessAdvice(view.status, view.access !== null);
      if (next.canConsult && !view.offline) await loadList('auto');
    })();
    return () => {
      cancelled = true;
    };
  }, [loadStatus, loadList, reconnections]);

  // The newest documents on screen: measured once per patient (read by the end-to-end test and the bench).
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
  const firstFilter = useRef(true);
  useEffect(() => {
    if (firstFilter.current) {
      firstFilter.current = false;
      return;
    }
    setLimit(PAGE);
    void loadList('cache', PAGE);
  }, [filter, loadList]);

  // Sends progressing in the outbox, or the DMP changed by another window: re-read the cache.
  useEffect(() => {
    const stops = [cabinet.events.outboxChanged(() => void loadList('cache')), onDmpChanged(uid, () => {
        // The DMP's answer changed (the 2-year search done in the background, a feed, a visibility change): the message
        // about the last search no longer holds.
        setRefreshMessage(null);
        void loadList('cache');
      }),
    ];
    return () => stops.forEach((stop) => stop());
  }, [uid, loadList]);

  async function refreshAll(mode: 'auto' | 'complet') {
    setNotice(null);
    const view = await loadStatus();
    if (view && accessAdvice(view.status, view.access !== null).canConsult) await loadList(mode);
  }

  async function more() {
    setLoadingMore(true);
    const next = limit + PAGE;
    setLimit(next);
    await loadList('cache', next);
    setLoadingMore(false);
  }

  const onEntryChanged = useCallback(
    (entry: DmpEntry, message: string) => {
      setNotice(message);
      setList((previous) => (previous ? { ...previous, entries: previous.entries.map((e) => (e.entryUuid === entry.entryUuid ? entry : e)) } : previous));
      void loadList('cache');
    },
    [loadList],
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
        <button type="button" className="button button--quiet button--small" disabled={refreshing} onClick={() => void refreshAll('auto')}>
          <Icon name="refresh" className={refreshing ? 'icon--spin' : undefined} />
          {refreshing ? 'Actualisation…' : 'Actualiser'}
        </button>
      }
    >
      {access ? (
        <div className="dmp-bris-banner" role="alert">
          <Icon name="alert" className="dmp-bris-banner__icon" />
          <div>
            <p className="dmp-bris-banner__title">
              Accès en urgence (bris de glace) en cours depuis {formatDateTime(access.since)}
            </p>
            <p className="dmp-bris-banner__text">Raison enregistrée : « {access.reason} ». Chaque consultation est tracée et le patient en est informé.</p>
          </div>
        </div>
      ) : null}

      {age ? (
        <p className={`dmp-age${offline ? ' dmp-age--offline' : ''}`} role="status">
          {offline ? <Icon name="alert" /> : <Icon name="info" />}
          {age}
        </p>
      ) : null}

      {/* ---------- status ---------- */}
      {statusFailure && !status ? (
        <>
          <DmpFailure failure={statusFailure} title="État du DMP inconnu" />
          {statusFailure.message.includes('Réglages') ? (
            <div className="form-actions dmp-status__fix">
              <a className="button button--secondary" href="#/reglages">
                <Icon name="reglages" />
                Ouvrir les Réglages
              </a>
            </div>
          ) : null}
        </>
      ) : !status || !advice ? (
        <p className="muted" role="status">
          Interrogation du DMP…
        </p>
      ) : (
        <div className={`dmp-status dmp-status--${advice.tone}`}>
          <div className="dmp-status__text">
            <p className="dmp-status__title">{advice.title}</p>
            <p>{advice.todo}</p>
            {status.status.exists && !status.status.closed && !status.status.espaceSanteActive ? (
              <p className="muted">Mon espace santé n’est pas activé : le patient ne voit pas encore ses documents.</p>
            ) : null}
          </div>
          <div className="dmp-status__actions">
            {advice.canAuthorize ? (
              <button type="button" className="button button--primary" onClick={() => setDialog({ kind: 'consent' })}>
                <Icon name="check" />
                Ajouter l’autorisation
              </button>
            ) : null}
            {advice.canBreakGlass ? (
              <button type="button" className="button button--danger-quiet" onClick={() => setDialog({ kind: 'bris' })}>
                <Icon name="alert" />
                Accès en urgence (bris de glace)
              </button>
            ) : null}
          </div>
        </div>
      )}

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
              void loadList('cache');
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
          <DmpFilters filter={filter} onChange={setFilter} disabled={!list} />
          {listFailure && !list ? (
            <DmpFailure failure={listFailure} title="Liste des documents indisponible" />
          ) : !list ? (
            <p className="muted" role="status">
              Chargement des documents…
            </p>
          ) : list.entries.length === 0 ? (
            isFiltered(filter) ? (
              <EmptyState icon="search" title="Aucun document ne correspond à ces filtres.">
                <button type="button" className="button button--quiet button--small" onClick={() => setFilter(emptyFilter)}>
                  Effacer les filtres
                </button>
              </EmptyState>
            ) : (
              <EmptyState icon="fichier" title={list.fetchedAt ? 'Aucun document dans le DMP sur les deux dernières années.' : 'Aucun document enregistré sur ce poste.'}>
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
              onMore={() => void more()}
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
            setStatus(view);
            setNotice('Autorisation ajoutée : vous pouvez consulter le DMP.');
            void loadList('auto');
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
            setAccess(granted);
            void loadList('auto');
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

/** Where the document just sent is: in the outbox, in the DMP, or failed (then « Envois » explains and retries). */
function SentNotice({ sent, feeds, onClose }: { sent: { uniqueId: string; title: string }; feeds: DmpFeed[]; onClose: () => void }) {
  const state = feeds.find((f) => f.uniqueId === sent.uniqueId)?.state ?? 'en_attente';
  const close = (
    <button type="button" className="button button--quiet button--small" onClick={onClose}>
      Fermer
    </button>
  );
  if (state === 'envoye') {
    return (
      <Alert tone="success" className="dmp-notice" title={`« ${sent.title} » est dans le DMP.`} actions={close}>
        Il apparaît dans la liste des documents.
      </Alert>
    );
  }
  if (state === 'echec') {
    return (
      <Alert tone="error" className="dmp-notice" title={`« ${sent.title} » n’a pas pu être envoyé.`} actions={close}>
        Le DMP l’a refusé ou est resté injoignable : voyez le détail et réessayez depuis l’écran <a href="#/envois">Envois</a>.
      </Alert>
    );
  }
  return (
    <Alert tone="info" className="dmp-notice" title={`« ${sent.title} » part vers le DMP.`} actions={close}>
      Il est dans la file d’envoi : il partira même si le DMP est momentanément injoignable.
    </Alert>
  );
}

function FeedList({ feeds }: { feeds: DmpFeed[] }) {
  return (
    <div className="dmp-feeds">
      <h3 className="subsection__title">Envois vers le DMP</h3>
      <ul className="dmp-feeds__list">
        {feeds.slice(0, 5).map((feed) => {
          const state = feedStateLabels[feed.state] ?? { label: feed.state, tone: 'info' as const };
          return (
            <li key={feed.uniqueId} className="dmp-feeds__item">
              <span className={`badge badge--${state.tone === 'error' ? 'danger' : state.tone}`}>{state.label}</span>
              <span className="dmp-feeds__title">{feed.title || typeLabel(feed.typeCode)}</span>
              <span className="muted">{formatDateTime(feed.createdAt)}</span>
              {feed.error ? <span className="text-danger">{feed.error}</span> : null}
              {feed.state === 'echec' ? (
                <a className="button button--quiet button--small" href="#/envois">
                  Voir dans Envois
                </a>
              ) : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
