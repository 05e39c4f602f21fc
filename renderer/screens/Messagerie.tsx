/**
 * Messagerie (MSSanté): folders, the virtualised list of a folder (or of a
 * search), the reading pane, and « Nouveau message ». The mailbox is synced
 * when the screen opens (the first time with a progress bar) and then
 * regularly (see messagerie/alerts.ts). Sends go through the outbox: they show
 * « En attente d’envoi » until the outbox says « Envoyé », then their
 * receipts timeline in « Envoyés ».
 *
 * Pages: `#/messagerie`, and from a patient's page `#/messagerie/ecrire/patient/<uid>`
 * (« Écrire au patient ») or `#/messagerie/ecrire/confrere/<uid>` (« Envoyer au
 * médecin traitant »).
 */
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Failure } from '../../shared/contract/index.js';
import { serviceLabels } from '../../shared/domain/services.js';
import { cabinet } from '../bridge/index.js';
import { Alert } from '../components/Alert.js';
import { EmptyState } from '../components/EmptyState.js';
import { Icon } from '../components/Icon.js';
import { LoadError } from '../components/LoadError.js';
import { Screen, Section } from '../components/Screen.js';
import { ServiceStateLabel } from '../components/ServiceState.js';
import { formatDateTime } from '../format.js';
import { hrefOf } from '../routes.js';
import { useCabinet } from '../state/cabinet.js';
import { addressKind } from './messagerie/address.js';
import { askNotifications, declineNotifications, shouldOfferNotifications } from './messagerie/alerts.js';
import { mssApi, onMssEvent, onSyncProgress } from './messagerie/api.js';
import { Compose, type ComposeIntent } from './messagerie/Compose.js';
import { FolderList } from './messagerie/FolderList.js';
import { defaultFolder, folderLabel, folderRole, sortFolders } from './messagerie/folders.js';
import { MessageList, type ListSource } from './messagerie/MessageList.js';
import type { FolderView, MessageSummary, MssStatusView, PendingSend, SendResult, SyncProgressView } from './messagerie/model.js';
import { ReadingPane } from './messagerie/ReadingPane.js';
import { SyncProgress } from './messagerie/SyncProgress.js';
import { intentFromSubpath } from './messagerie/hrefs.js';
import { countLabel } from './messagerie/windowing.js';
import { ServiceOutage } from '../components/ServiceOutage.js';

export function Messagerie({ subpath = '' }: { subpath?: string }) {
  const { report, reconnections } = useCabinet();
  const [status, setStatus] = useState<MssStatusView | null>(null);
  const [statusFailure, setStatusFailure] = useState<Failure | null>(null);

  const loadStatus = useCallback(async () => {
    const outcome = await mssApi.status();
    if (outcome.ok) {
      setStatus(outcome.value);
      setStatusFailure(null);
    } else {
      setStatusFailure(outcome);
      report(outcome);
    }
  }, [report]);

  useEffect(() => {
    void loadStatus();
  }, [loadStatus, reconnections]);
  const refreshStatus = useCallback(() => void loadStatus(), [loadStatus]);

  const intro = status?.address ? (
    <>
      Boîte MSSanté <span className="mono">{status.address}</span>
    </>
  ) : (
    'La messagerie sécurisée de santé (MSSanté) : vos échanges avec les autres professionnels et avec vos patients.'
  );

  if (!status) {
    return (
      <Screen title="Messagerie" intro={intro}>
        {statusFailure ? (
          statusFailure.code === 'UNKNOWN_CHANNEL' ? (
            <NotConfigured title="La messagerie sécurisée de santé n’est pas disponible dans cette version de Cabinet." />
          ) : (
            <LoadError failure={statusFailure} title="Impossible de lire l’état de la messagerie" />
          )
        ) : (
          <p className="muted" role="status">
            Lecture de l’état de la messagerie…
          </p>
        )}
      </Screen>
    );
  }
  if (!status.serversAvailable) {
    return (
      <Screen title="Messagerie" intro={intro}>
        <NotConfigured title="Les serveurs de messagerie ne sont pas installés sur cet ordinateur.">
          <p>{status.serversMessage ?? 'La messagerie de test a besoin de Dovecot et Postfix.'}</p>
          <p>Les autres fonctions de Cabinet (patients, DMP, envois) restent utilisables.</p>
        </NotConfigured>
      </Screen>
    );
  }
  if (!status.configured) {
    return (
      <Screen title="Messagerie" intro={intro}>
        <NotConfigured title="La messagerie sécurisée de santé n’est pas encore configurée sur ce poste.">
          <p>Il manque l’adresse de votre boîte MSSanté ou celle des serveurs de votre opérateur. Votre administrateur ou votre opérateur MSSanté vous les fournit.</p>
        </NotConfigured>
      </Screen>
    );
  }
  return <Mailbox status={status} subpath={subpath} onStatus={refreshStatus} intro={intro} />;
}

function NotConfigured({ title, children }: { title: string; children?: ReactNode }) {
  const { status } = useCabinet();
  const services = status?.services.filter((service) => service.id === 'mssImap' || service.id === 'mssSmtp') ?? [];
  return (
    <>
      <EmptyState icon="messagerie" title={title}>
        {children ?? <p>Vos messages MSSanté reçus et envoyés apparaîtront ici.</p>}
      </EmptyState>
      {services.length > 0 ? (
        <Section id="mss-services" title="Services MSSanté">
          <ul className="service-list">
            {services.map((service) => (
              <li key={service.id} className="service-list__item">
                <div className="service-list__head">
                  <span className="service-list__name">{serviceLabels[service.id] ?? service.label}</span>
                  <ServiceStateLabel state={service.state} />
                </div>
                {service.detail ? <p className="service-list__detail">{service.detail}</p> : null}
                <dl className="service-list__meta">
                  <div>
                    <dt>Adresse</dt>
                    <dd className="mono">{service.url ?? 'non configurée'}</dd>
                  </div>
                  {service.checkedAt ? (
                    <div>
                      <dt>Dernière vérification</dt>
                      <dd>{formatDateTime(service.checkedAt)}</dd>
                    </div>
                  ) : null}
                </dl>
              </li>
            ))}
          </ul>
        </Section>
      ) : null}
    </>
  );
}

type Reading = { kind: 'message'; id: number } | { kind: 'compose'; intent: ComposeIntent } | { kind: 'none' };

function Mailbox({ status, subpath, onStatus, intro }: { status: MssStatusView; subpath: string; onStatus: () => void; intro: ReactNode }) {
  const { report } = useCabinet();
  const [folders, setFolders] = useState<FolderView[] | null>(null);
  const [foldersFailure, setFoldersFailure] = useState<Failure | null>(null);
  const [folderId, setFolderId] = useState<number | null>(null);
  const [version, setVersion] = useState(0);
  const [reading, setReading] = useState<Reading>(() => {
    const intent = intentFromSubpath(subpath);
    return intent ? { kind: 'compose', intent } : { kind: 'none' };
  });
  const [syncing, setSyncing] = useState(false);
  const [progress, setProgress] = useState<SyncProgressView | null>(null);
  const [syncFailure, setSyncFailure] = useState<Failure | null>(null);
  const [pending, setPending] = useState<PendingSend[]>([]);
  const [sent, setSent] = useState<SendResult | null>(null);
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<MessageSummary[] | null>(null);
  const [searchFailure, setSearchFailure] = useState<Failure | null>(null);
  const [offerNotifications, setOfferNotifications] = useState(shouldOfferNotifications);
  const [counts, setCounts] = useState<{ total: number; unread: number } | null>(null);
  const firstSync = useRef(!status.lastSync);

  // The compose page was asked from a patient's page: keep the address bar on the screen itself.
  useEffect(() => {
    if (subpath) window.history.replaceState(null, '', hrefOf('messagerie'));
  }, [subpath]);

  const loadFolders = useCallback(async () => {
    const outcome = await mssApi.folders();
    if (!outcome.ok) {
      setFoldersFailure(outcome);
      report(outcome);
      return;
    }
    setFoldersFailure(null);
    const sorted = sortFolders(outcome.value);
    setFolders(sorted);
    setFolderId((current) => (current !== null && sorted.some((f) => f.id === current) ? current : (defaultFolder(sorted)?.id ?? null)));
  }, [report]);

  const loadPending = useCallback(async () => {
    const outcome = await mssApi.pendingSends();
    if (outcome.ok) setPending(outcome.value);
  }, []);

  const sync = useCallback(async () => {
    setSyncing(true);
    setSyncFailure(null);
    const outcome = await mssApi.sync();
    setSyncing(false);
    setProgress(null);
    if (!outcome.ok) {
      setSyncFailure(outcome);
      report(outcome);
    } else firstSync.current = false;
    await loadFolders();
    setVersion((v) => v + 1);
    onStatus();
  }, [loadFolders, onStatus, report]);

  useEffect(() => {
    void loadFolders();
    void loadPending();
    void sync();
    const stops = [
      onSyncProgress((p) => setProgress(p)),
      onMssEvent('mssChanged', () => {
        void loadFolders();
        void loadPending();
        setVersion((v) => v + 1);
      }),
      cabinet.events.outboxChanged(() => void loadPending()),
    ];
    return () => {
      for (const stop of stops) stop();
    };
    // once, when the mailbox opens
  }, []);

  // Search in every folder (full text), a short pause after the last key.
  useEffect(() => {
    const text = query.trim();
    if (!text) {
      setResults(null);
      setSearchFailure(null);
      return;
    }
    let alive = true;
    const timer = window.setTimeout(() => {
      void mssApi.search(text).then((outcome) => {
        if (!alive) return;
        if (outcome.ok) {
          setResults(outcome.value);
          setSearchFailure(null);
        } else {
          setSearchFailure(outcome);
          report(outcome);
        }
      });
    }, 200);
    return () => {
      alive = false;
      window.clearTimeout(timer);
    };
  }, [query, report, version]);

  const folder = folders?.find((f) => f.id === folderId) ?? null;
  const isSent = folder ? folderRole(folder) === 'sent' : false;
  const source: ListSource | null = useMemo(() => {
    if (results) return { folderId: null, results, version, outgoing: false, label: `Résultats de la recherche « ${query.trim()} »` };
    if (!folder) return null;
    return { folderId: folder.id, version, outgoing: isSent, label: `Messages : ${folderLabel(folder)}` };
    // the label follows the results
  }, [results, folder?.id, isSent, version]);

  const onChanged = useCallback(() => {
    void loadFolders();
    onStatus();
  }, [loadFolders, onStatus]);

  const openMessage = useCallback((m: MessageSummary) => setReading({ kind: 'message', id: m.id }), []);
  const showFirstSync = syncing && firstSync.current;
  const sentState = sent ? (pending.find((p) => p.messageId === sent.messageId)?.state ?? 'en_attente') : null;
  const notSent = pending.filter((p) => p.state !== 'envoye');
  const sentTo = sent ? sent.recipients.map((r) => (addressKind(r) === 'patient' ? 'la messagerie Mon espace santé du patient' : r)).join(', ') : '';

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
          title={syncFailure.code === 'UNAVAILABLE' ? 'Hors ligne : le serveur de messagerie ne répond pas' : 'Relève du courrier impossible'}
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
          title={sentState === 'envoye' ? 'Message envoyé' : sentState === 'echec' ? 'Envoi en échec' : sentState === 'en_cours' ? 'Envoi en cours…' : 'En attente d’envoi'}
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
                setFolderId(f.id);
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
                void loadPending();
              }}
            />
          ) : reading.kind === 'message' ? (
            <ReadingPane
              key={reading.id}
              id={reading.id}
              version={version}
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

/** Sends still in the outbox, above the « Envoyés » list. */
function PendingList({ pending }: { pending: PendingSend[] }) {
  return (
    <section className="mss-pending" aria-labelledby="mss-pending-titre">
      <h3 id="mss-pending-titre" className="mss-section-title">
        Dans la file d’envoi ({pending.length})
      </h3>
      <ul className="mss-pending__list">
        {pending.map((p) => (
          <li key={p.outboxId} className={`mss-pending__item mss-pending__item--${p.state}`}>
            <span className={`badge ${p.state === 'echec' ? 'badge--danger' : 'badge--info'}`}>
              {p.state === 'echec' ? 'Échec' : p.state === 'en_cours' ? 'Envoi en cours' : 'En attente d’envoi'}
            </span>
            <span className="mss-pending__summary">{p.summary}</span>
            {p.lastError ? <span className="mss-pending__error text-danger">{p.lastError}</span> : null}
            {p.state === 'echec' ? (
              <a className="button button--quiet button--small" href={hrefOf('envois')}>
                Voir dans Envois
              </a>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
