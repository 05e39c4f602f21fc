/**
 * The mailbox of the Messagerie: folders, the virtualised list of a folder (or
 * of a search), the reading pane or the compose form. Everything is read
 * through the data layer and kept fresh by `mssChanged` / `outboxChanged`;
 * the mailbox is synced when it opens (the first time with a progress bar).
 */
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { cabinet } from '../../bridge/index.js';
import { Alert } from '../../components/Alert.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Icon } from '../../components/Icon.js';
import { LoadError } from '../../components/LoadError.js';
import { Screen } from '../../components/Screen.js';
import { useAction, useChannel } from '../../data/useChannel.js';
import { hrefOf } from '../../routes.js';
import { addressKind } from './address.js';
import { askNotifications, declineNotifications, shouldOfferNotifications } from './alerts.js';
import { Compose, type ComposeIntent } from './Compose.js';
import { FolderList } from './FolderList.js';
import { defaultFolder, folderLabel, folderRole, sortFolders } from './folders.js';
import { intentFromSubpath } from './hrefs.js';
import { mailSends } from './message.js';
import { MessageList, type ListSource } from './MessageList.js';
import type { MessageSummary, MssStatus, SendResult, SyncProgressView } from './model.js';
import { PendingList } from './PendingList.js';
import { ReadingPane } from './ReadingPane.js';
import { SyncProgress } from './SyncProgress.js';
import { useDebounced } from './useDebounced.js';
import { countLabel } from './windowing.js';
import { ServiceOutage } from '../../components/ServiceOutage.js';

type Reading = { kind: 'message'; id: number } | { kind: 'compose'; intent: ComposeIntent } | { kind: 'none' };

/** Search in every folder (full text), a short pause after the last key. */
const SEARCH_PAUSE_MS = 200;

export function Mailbox({
  status,
  subpath,
  onStatus,
  intro,
}: {
  status: MssStatus;
  subpath: string;
  onStatus: () => void;
  intro: ReactNode;
}) {
  const folderList = useChannel('mss.folders', {}, { refreshOn: ['mssChanged'] });
  const outbox = useChannel('outbox.list', { limit: 200 }, { refreshOn: ['outboxChanged', 'mssChanged'] });
  const { run: runSync, pending: syncing, failure: syncFailure } = useAction('mss.sync');
  const [chosenFolderId, setChosenFolderId] = useState<number | null>(null);
  const [version, setVersion] = useState(0);
  const [reading, setReading] = useState<Reading>(() => {
    const intent = intentFromSubpath(subpath);
    return intent ? { kind: 'compose', intent } : { kind: 'none' };
  });
  const [progress, setProgress] = useState<SyncProgressView | null>(null);
  const [sent, setSent] = useState<SendResult | null>(null);
  const [query, setQuery] = useState('');
  const [offerNotifications, setOfferNotifications] = useState(shouldOfferNotifications);
  const [counts, setCounts] = useState<{ total: number; unread: number } | null>(null);
  const [firstSync, setFirstSync] = useState(!status.lastSync);

  const searchText = useDebounced(query.trim(), SEARCH_PAUSE_MS);
  const searching = query.trim() !== '' && searchText !== '';
  const search = useChannel('mss.search', searching ? { text: searchText, limit: 200 } : null, {
    refreshOn: ['mssChanged'],
    noCache: true,
    keepPrevious: true,
  });
  const results = searching ? (search.data?.messages ?? null) : null;
  const searchFailure = searching ? search.failure : null;

  // The compose page was asked from a patient's page: keep the address bar on the screen itself.
  useEffect(() => {
    if (subpath) window.history.replaceState(null, '', hrefOf('messagerie'));
  }, [subpath]);

  const reloadFolders = folderList.reload;
  const sync = useCallback(async () => {
    const outcome = await runSync({});
    setProgress(null);
    if (outcome.ok) setFirstSync(false);
    await reloadFolders();
    setVersion((v) => v + 1);
    onStatus();
  }, [runSync, reloadFolders, onStatus]);

  // Synced once when the mailbox opens; the progress of a first sync and the mailbox's changes are followed.
  useEffect(() => {
    void sync();
  }, [sync]);
  useEffect(() => cabinet.events.mssSyncProgress(setProgress), []);
  useEffect(() => cabinet.events.mssChanged(() => setVersion((v) => v + 1)), []);

  const folders = useMemo(() => (folderList.data ? sortFolders(folderList.data.folders) : null), [folderList.data]);
  const foldersFailure = folderList.failure;
  const folder = folders ? (folders.find((f) => f.id === chosenFolderId) ?? defaultFolder(folders) ?? null) : null;
  const folderId = folder?.id ?? null;
  const isSent = folder ? folderRole(folder) === 'sent' : false;
  const source: ListSource | null = useMemo(() => {
    if (results) return { folderId: null, results, version, outgoing: false, label: `Résultats de la recherche « ${searchText} »` };
    if (!folder) return null;
    return { folderId: folder.id, version, outgoing: isSent, label: `Messages : ${folderLabel(folder)}` };
  }, [results, searchText, folder, isSent, version]);

  const onChanged = useCallback(() => {
    void reloadFolders();
    onStatus();
  }, [reloadFolders, onStatus]);

  const openMessage = useCallback((m: MessageSummary) => setReading({ kind: 'message', id: m.id }), []);
  const showFirstSync = syncing && firstSync;
  const pending = useMemo(() => mailSends(outbox.data?.items ?? []), [outbox.data]);
  const sentState = sent ? (pending.find((p) => p.idempotencyKey === sent.messageId)?.state ?? 'en_attente') : null;
  const notSent = pending.filter((p) => p.state !== 'envoye');
  const sentTo = sent
    ? sent.recipients.map((r) => (addressKind(r) === 'patient' ? 'la messagerie Mon espace santé du patient' : r)).join(', ')
    : '';

  // Once the outbox has sent it, fetch « Envoyés » (the server filed it there) and the first receipts.
  const syncedFor = useRef<string | null>(null);
  useEffect(() => {
    if (!sent || sentState !== 'envoye' || syncedFor.current === sent.messageId) return;
    syncedFor.current = sent.messageId;
    void sync();
  }, [sent, sentState, sync]);

  const actions = (
    <>
      <button type="button" className="button button--primary" onClick={() => setReading({ kind: 'compose', intent: { kind: 'nouveau' } })}>
        <Icon name="ajouter" />
        Nouveau message
      </button>
      <button type="button" className="button button--secondary" disabled={syncing} onClick={() => void sync()}>
        <Icon name="refresh" className={syncing ? 'icon--spin' : undefined} />
        {syncing ? 'Relève en cours…' : 'Relever le courrier'}
      </button>
    </>
  );

  return (
    <Screen title="Messagerie" intro={intro} actions={actions}>
      <ServiceOutage services={['mssImap', 'mssSmtp', 'annuaire']} />
      {showFirstSync ? <SyncProgress progress={progress} /> : null}
      {syncFailure ? (
        <Alert
          tone={syncFailure.code === 'UNAVAILABLE' ? 'warning' : 'error'}
          title={
            syncFailure.code === 'UNAVAILABLE' ? 'Hors ligne : le serveur de messagerie ne répond pas' : 'Relève du courrier impossible'
          }
          actions={
            <button type="button" className="button button--secondary button--small" onClick={() => void sync()}>
              Réessayer
            </button>
          }
        >
          <p>{syncFailure.message}</p>
          <p>Les messages déjà relevés restent lisibles ; les envois attendent dans la file d’envoi.</p>
        </Alert>
      ) : null}
      {sent && sentState ? (
        <Alert
          tone={sentState === 'echec' ? 'error' : sentState === 'envoye' ? 'success' : 'info'}
          title={
            sentState === 'envoye'
              ? 'Message envoyé'
              : sentState === 'echec'
                ? 'Envoi en échec'
                : sentState === 'en_cours'
                  ? 'Envoi en cours…'
                  : 'En attente d’envoi'
          }
          actions={
            <button type="button" className="button button--quiet button--small" onClick={() => setSent(null)}>
              Fermer
            </button>
          }
        >
          {sentState === 'envoye'
            ? `Parti vers ${sentTo}. Le suivi de chaque destinataire (remis, lu, ou échec et sa raison) s’affiche dans « Envoyés ».`
            : sentState === 'echec'
              ? 'Le message n’a pas pu partir. Voyez l’écran Envois pour le motif et « Réessayer maintenant ».'
              : `Le message est dans la file d’envoi pour ${sentTo} ; il partira dès que le serveur répond, même si vous fermez cet écran.`}
        </Alert>
      ) : null}

      {foldersFailure && !folders ? <LoadError failure={foldersFailure} title="Impossible de lire les dossiers de messagerie" /> : null}

      <div className="mss-layout">
        <div className="mss-layout__folders">
          <label className="visually-hidden" htmlFor="mss-recherche">
            Rechercher dans les messages
          </label>
          <div className="search-box mss-search" role="search">
            <div className="search-box__control">
              <Icon name="search" className="search-box__icon" />
              <input
                id="mss-recherche"
                className="input input--search"
                type="search"
                placeholder="Rechercher"
                autoComplete="off"
                value={query}
                onChange={(e) => setQuery(e.target.value)}
              />
            </div>
          </div>
          {folders ? (
            <FolderList
              folders={folders}
              selectedId={results ? null : folderId}
              onSelect={(f) => {
                setQuery('');
                setChosenFolderId(f.id);
              }}
            />
          ) : !foldersFailure ? (
            <p className="muted">Chargement des dossiers…</p>
          ) : null}
        </div>

        <div className="mss-layout__list">
          <div className="mss-list__header">
            <h2 className="mss-list__title">{results ? 'Résultats de la recherche' : folder ? folderLabel(folder) : 'Messages'}</h2>
            <p className="mss-list__count muted" role="status">
              {results ? countLabel(results.length, 0) : counts && folder ? countLabel(counts.total, counts.unread) : ''}
            </p>
          </div>
          {searchFailure ? <LoadError failure={searchFailure} title="Recherche impossible" /> : null}
          {isSent && !results && notSent.length > 0 ? <PendingList pending={notSent} /> : null}
          {source ? (
            <MessageList
              source={source}
              selectedId={reading.kind === 'message' ? reading.id : null}
              onOpen={openMessage}
              onCount={(total, unread) => setCounts({ total, unread })}
            />
          ) : folders && folders.length === 0 && !syncing ? (
            <p className="muted">Aucun dossier : relevez le courrier.</p>
          ) : null}
        </div>

        <div className="mss-layout__reading">
          {reading.kind === 'compose' ? (
            <Compose
              key={JSON.stringify(reading.intent.kind === 'reponse' ? reading.intent.message.id : reading.intent)}
              intent={reading.intent}
              onClose={() => setReading({ kind: 'none' })}
              onSent={(result) => {
                setSent(result);
                setReading({ kind: 'none' });
                void outbox.reload();
              }}
            />
          ) : reading.kind === 'message' ? (
            <ReadingPane
              key={reading.id}
              id={reading.id}
              outgoing={isSent && !results}
              pending={pending}
              onOpen={openMessage}
              onChanged={onChanged}
              onReply={({ message, patient }) => setReading({ kind: 'compose', intent: { kind: 'reponse', message, patient } })}
            />
          ) : (
            <EmptyState icon="messagerie" title={showFirstSync ? 'Synchronisation en cours…' : 'Aucun message ouvert'}>
              <p>Choisissez un message dans la liste (flèches puis Entrée), ou écrivez un nouveau message.</p>
              {offerNotifications ? (
                <div className="mss-offer" role="group" aria-label="Notifications">
                  <p>Être prévenu par une notification de l’ordinateur quand un message arrive ?</p>
                  <div className="cluster">
                    <button
                      type="button"
                      className="button button--secondary button--small"
                      onClick={() => {
                        setOfferNotifications(false);
                        void askNotifications();
                      }}
                    >
                      Activer les notifications
                    </button>
                    <button
                      type="button"
                      className="button button--quiet button--small"
                      onClick={() => {
                        declineNotifications();
                        setOfferNotifications(false);
                      }}
                    >
                      Non merci
                    </button>
                  </div>
                </div>
              ) : null}
            </EmptyState>
          )}
        </div>
      </div>
    </Screen>
  );
}
