/**
 * Envois: the durable outbox. Every outgoing action to the DMP or MSSanté is
 * listed with its state until it is sent; failed ones can be retried now.
 */
import './envois.css';
import { useEffect, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract/index.js';
import { outboxKindLabel, outboxStateLabels, outboxStates, type OutboxState } from '../../../shared/domain/outbox.js';
import { Alert } from '../../components/Alert.js';
import { Badge, type Tone } from '../../components/Badge.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { DateTime } from '../../components/DateTime.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Icon } from '../../components/Icon.js';
import { LoadError } from '../../components/LoadError.js';
import { Screen } from '../../components/Screen.js';
import { capitalize, formatInstantIn, formatInteger } from '../../format.js';
import { Dialog } from '../../components/Dialog.js';
import { ServiceOutage } from '../../components/ServiceOutage.js';
import { deliveryLabels, type DeliveryState } from '../../../shared/domain/mss/delivery.js';
import { cabinet } from '../../bridge/index.js';
import { PaperList } from './PaperList.js';
import { useAction, useChannel } from '../../data/useChannel.js';

type OutboxList = ResponseOf<'outbox.list'>;
type OutboxItem = OutboxList['items'][number];
type Filter = OutboxState | 'tous';

const outboxStateTones: Record<OutboxState, Tone> = {
  en_attente: 'warning',
  en_cours: 'info',
  envoye: 'success',
  echec: 'danger',
};

/** After sending, what the receipts say (issue 15): never « Envoyé » for a mail whose delivery failed. */
const deliveryTones: Record<DeliveryState, Tone> = {
  envoye: 'success',
  en_attente: 'warning',
  remis: 'success',
  lu: 'success',
  echec: 'danger',
};

const retryable: ReadonlySet<OutboxState> = new Set(['echec', 'en_attente']);

type Notice = { tone: 'success' | 'error'; text: string } | null;

export function Envois() {
  const [filter, setFilter] = useState<Filter>('tous');
  const outbox = useChannel('outbox.list', filter === 'tous' ? {} : { state: filter }, { refreshOn: ['outboxChanged'] });
  const retrying = useAction('outbox.retry');
  const [retryingId, setRetryingId] = useState<number | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const cancelling = useAction('outbox.cancel');
  const [toCancel, setToCancel] = useState<OutboxItem | null>(null);
  const [recovered, setRecovered] = useState<string | null>(null);
  const reloadOutbox = outbox.reload;
  // Held-back actions left on their own: say it (« 3 envois partis à 10:42 »).
  useEffect(
    () =>
      cabinet.events.outboxRecovered((r) => {
        setRecovered(`${formatInteger(r.count)} ${r.count > 1 ? 'envois partis' : 'envoi parti'} à ${formatInstantIn(r.at, 'time')}.`);
        void reloadOutbox();
      }),
    [reloadOutbox],
  );
  // The list shown: this filter's answer, or the previous filter's while the new one is read.
  const [shownList, setShownList] = useState<OutboxList | null>(null);
  if (outbox.data && outbox.data !== shownList) setShownList(outbox.data);
  const list = outbox.data ?? shownList;
  const loadError = outbox.failure;

  async function retry(item: OutboxItem) {
    setRetryingId(item.id);
    setNotice(null);
    const outcome = await retrying.run({ id: item.id });
    setRetryingId(null);
    if (outcome.ok) {
      setNotice({ tone: 'success', text: `Nouvelle tentative lancée : ${item.summary}` });
    } else {
      setNotice({ tone: 'error', text: outcome.message });
    }
    void outbox.reload();
  }

  async function cancel(item: OutboxItem) {
    setToCancel(null);
    setNotice(null);
    const outcome = await cancelling.run({ id: item.id });
    setNotice(outcome.ok ? { tone: 'success', text: `Envoi annulé : ${item.summary}` } : { tone: 'error', text: outcome.message });
    void outbox.reload();
  }

  const counts = list?.counts;
  const total = counts ? outboxStates.reduce((sum, state) => sum + counts[state], 0) : 0;
  const items = list?.items ?? [];

  const columns: Column<OutboxItem>[] = [
    {
      header: 'Action',
      className: 'col-action',
      cell: (item) => item.label || outboxKindLabel(item.kind),
    },
    { header: 'Résumé', rowHeader: true, className: 'col-summary', cell: (item) => item.summary },
    {
      header: 'État',
      className: 'col-state',
      cell: (item) => (
        <div className="cell-stack">
          {item.delivery && item.delivery.state !== 'envoye' ? (
            <>
              <Badge tone={deliveryTones[item.delivery.state]}>{capitalize(deliveryLabels[item.delivery.state])}</Badge>
              {/* The receipt's own words, unless they only repeat the badge (« Lu » / « lu »). */}
              {item.delivery.label && item.delivery.label.toLowerCase() !== deliveryLabels[item.delivery.state].toLowerCase() ? (
                <span className={item.delivery.state === 'echec' ? 'text-danger' : 'muted'}>{item.delivery.label}</span>
              ) : null}
            </>
          ) : (
            <Badge tone={outboxStateTones[item.state]}>{capitalize(outboxStateLabels[item.state])}</Badge>
          )}
          {retryable.has(item.state) ? (
            <button
              type="button"
              className={`button button--small ${item.state === 'echec' ? 'button--primary' : 'button--secondary'}`}
              disabled={retryingId !== null}
              onClick={() => void retry(item)}
              aria-label={`Réessayer maintenant : ${item.summary}`}
            >
              {retryingId === item.id ? 'Envoi…' : 'Réessayer maintenant'}
            </button>
          ) : null}
          {retryable.has(item.state) ? (
            <button
              type="button"
              className="button button--small button--quiet"
              disabled={retryingId !== null || cancelling.pending}
              onClick={() => setToCancel(item)}
              aria-label={`Annuler l’envoi : ${item.summary}`}
            >
              Annuler l’envoi
            </button>
          ) : null}
        </div>
      ),
    },
    { header: 'Tentatives', className: 'col-number', cell: (item) => formatInteger(item.attempts) },
    {
      header: 'Prochaine tentative',
      className: 'col-date',
      cell: (item) =>
        item.nextAttemptAt && (item.state === 'en_attente' || item.state === 'echec') ? <DateTime stacked iso={item.nextAttemptAt} /> : '—',
    },
    {
      header: 'Dernière erreur',
      className: 'col-error',
      cell: (item) => (item.lastError ? <span className="text-danger">{item.lastError}</span> : '—'),
    },
    { header: 'Créé le', className: 'col-date', cell: (item) => <DateTime stacked iso={item.createdAt} /> },
  ];

  return (
    <Screen
      title="Envois"
      intro="Chaque envoi vers le DMP ou MSSanté est conservé sur ce poste jusqu’à sa réussite, et retenté automatiquement."
      actions={
        <button type="button" className="button button--secondary" onClick={() => void outbox.reload()}>
          <Icon name="refresh" />
          Actualiser
        </button>
      }
    >
      <ServiceOutage services={['dmp', 'mssSmtp', 'mssImap']} />
      <PaperList />
      <div className="filter-bar" role="group" aria-label="Filtrer par état">
        <FilterButton pressed={filter === 'tous'} onClick={() => setFilter('tous')} label="Tous" count={counts ? total : null} />
        {outboxStates.map((state) => (
          <FilterButton
            key={state}
            pressed={filter === state}
            onClick={() => setFilter(state)}
            label={capitalize(outboxStateLabels[state])}
            count={counts ? counts[state] : null}
            tone={state === 'echec' && counts && counts.echec > 0 ? 'danger' : undefined}
          />
        ))}
      </div>

      <div aria-live="polite" aria-atomic="true" className="notice-slot">
        {recovered ? (
          <Alert tone="success" title="Envois repartis automatiquement">
            {recovered}
          </Alert>
        ) : null}
        {notice ? <Alert tone={notice.tone === 'success' ? 'success' : 'error'}>{notice.text}</Alert> : null}
      </div>

      {toCancel ? (
        <Dialog title="Annuler cet envoi ?" tone="danger" onClose={() => setToCancel(null)}>
          <p>
            <strong>{toCancel.summary}</strong> ne partira pas. Cette annulation est enregistrée dans le journal. Si l’information doit
            parvenir au destinataire, remettez-la autrement (papier, courrier).
          </p>
          <div className="form-actions">
            <button type="button" className="button button--secondary" onClick={() => setToCancel(null)}>
              Garder l’envoi
            </button>
            <button type="button" className="button button--danger" onClick={() => void cancel(toCancel)}>
              Annuler l’envoi
            </button>
          </div>
        </Dialog>
      ) : null}

      {loadError && !list ? (
        <LoadError failure={loadError} title="Impossible de lire les envois" />
      ) : !list ? (
        <p className="muted" role="status">
          Chargement des envois…
        </p>
      ) : items.length === 0 ? (
        filter === 'tous' ? (
          <EmptyState icon="envois" title="Aucun envoi en attente.">
            <p>Les envois vers le DMP et MSSanté apparaîtront ici ; aucun n’est perdu, même en cas de coupure.</p>
          </EmptyState>
        ) : (
          <EmptyState title={`Aucun envoi dans l’état « ${outboxStateLabels[filter]} ».`}>
            <button type="button" className="button button--secondary" onClick={() => setFilter('tous')}>
              Afficher tous les envois
            </button>
          </EmptyState>
        )
      ) : (
        <>
          <DataTable
            caption={filter === 'tous' ? 'Tous les envois' : `Envois : ${outboxStateLabels[filter]}`}
            captionHidden
            columns={columns}
            rows={items}
            rowKey={(item) => item.id}
            rowClassName={(item) => (item.state === 'echec' || item.delivery?.state === 'echec' ? 'row--danger' : undefined)}
          />
          {counts && (filter === 'tous' ? total : counts[filter]) > items.length ? (
            <p className="muted table-note">
              {formatInteger(items.length)} envois les plus récents affichés sur {formatInteger(filter === 'tous' ? total : counts[filter])}
              .
            </p>
          ) : null}
        </>
      )}
    </Screen>
  );
}

function FilterButton({
  pressed,
  onClick,
  label,
  count,
  tone,
}: {
  pressed: boolean;
  onClick: () => void;
  label: string;
  count: number | null;
  tone?: 'danger';
}) {
  return (
    <button type="button" className={`filter-button${tone ? ` filter-button--${tone}` : ''}`} aria-pressed={pressed} onClick={onClick}>
      <span>{label}</span>
      {count !== null ? <span className="filter-button__count">{formatInteger(count)}</span> : null}
    </button>
  );
}
