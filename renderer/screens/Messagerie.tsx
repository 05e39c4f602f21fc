/** Messagerie: MSSanté is not configured yet; show where the MSSanté services stand. */
import { serviceLabels } from '../../shared/domain/services.js';
import { EmptyState } from '../components/EmptyState.js';
import { Screen, Section } from '../components/Screen.js';
import { ServiceStateLabel } from '../components/ServiceState.js';
import { formatDateTime } from '../format.js';
import { useCabinet } from '../state/cabinet.js';

const mssServices = new Set(['mssImap', 'mssSmtp']);

export function Messagerie() {
  const { status, statusError } = useCabinet();
  const services = status?.services.filter((service) => mssServices.has(service.id)) ?? [];

  return (
    <Screen title="Messagerie" intro="La messagerie sécurisée de santé (MSSanté) : vos échanges avec les autres professionnels.">
      <EmptyState icon="messagerie" title="La messagerie sécurisée de santé n’est pas encore configurée sur ce poste.">
        <p>Vos messages MSSanté reçus et envoyés apparaîtront ici.</p>
      </EmptyState>

      <Section id="mss-services" title="Services MSSanté">
        {status ? (
          services.length > 0 ? (
            <ul className="service-list">
              {services.map((service) => (
                <li key={service.id} className="service-list__item">
                  <div className="service-list__head">
                    <span className="service-list__name">{serviceLabels[service.id] ?? service.label}</span>
                    <ServiceStateLabel state={service.state} />
                  </div>
                  {service.detail ? (
                    <p className={service.state === 'indisponible' ? 'service-list__detail text-danger' : 'service-list__detail'}>{service.detail}</p>
                  ) : null}
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
          ) : (
            <p className="muted">Aucun service MSSanté n’est déclaré.</p>
          )
        ) : (
          <p className="muted" role="status">
            {statusError ?? 'Lecture de l’état des services…'}
          </p>
        )}
      </Section>
    </Screen>
  );
}
