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
import type { ReactNode } from 'react';
import { serviceLabels } from '../../../shared/domain/services.js';
import { EmptyState } from '../../components/EmptyState.js';
import { LoadError } from '../../components/LoadError.js';
import { Screen, Section } from '../../components/Screen.js';
import { ServiceStateLabel } from '../../components/ServiceState.js';
import { useChannel } from '../../data/useChannel.js';
import { formatDateTime } from '../../format.js';
import { useCabinet } from '../../state/cabinet.js';
import { Mailbox } from './Mailbox.js';
import './messagerie.css';

export function Messagerie({ subpath = '' }: { subpath?: string }) {
  const { data: status, failure: statusFailure, reload: reloadStatus } = useChannel('mss.status', {}, { refreshOn: ['mssChanged'] });

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
          <p>
            Il manque l’adresse de votre boîte MSSanté ou celle des serveurs de votre opérateur. Votre administrateur ou votre opérateur
            MSSanté vous les fournit.
          </p>
        </NotConfigured>
      </Screen>
    );
  }
  return <Mailbox status={status} subpath={subpath} onStatus={reloadStatus} intro={intro} />;
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
