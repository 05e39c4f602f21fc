/**
 * The bottom bar: each national service with its state, and the outbox at a
 * glance. Updated live by the services' events; "Vérifier" asks for a re-check.
 */
import { serviceLabels, serviceStateLabels } from '../../shared/domain/services.js';
import { formatDateTimeLong, formatInteger } from '../format.js';
import { hrefOf } from '../routes.js';
import { useCabinet, type Status } from '../state/cabinet.js';
import { Icon } from './Icon.js';
import { ServiceStateLabel } from './ServiceState.js';

type Service = Status['services'][number];

function serviceTooltip(service: Service): string {
  const lines = [`${serviceLabels[service.id] ?? service.label} : ${serviceStateLabels[service.state]}`];
  if (service.detail) lines.push(service.detail);
  lines.push(service.url ? `Adresse : ${service.url}` : 'Adresse : non configurée');
  const checked = formatDateTimeLong(service.checkedAt);
  if (checked) lines.push(`Vérifié le ${checked}`);
  return lines.join('\n');
}

export function StatusBar() {
  const { status, statusError, outage, checking, checkServices } = useCabinet();
  // While Cabinet does not answer, the last known states may be stale: do not show them.
  const outbox = status?.outbox;
  const waiting = outbox ? outbox.en_attente + outbox.en_cours : 0;

  return (
    <footer className="status-bar">
      <div className="status-bar__live" role="status" aria-live="polite" aria-label="État des services">
        {status && !outage ? (
          <ul className="status-bar__services" aria-label="Services nationaux">
            {status.services.map((service) => (
              <li key={service.id} className="status-bar__service" title={serviceTooltip(service)}>
                <span className="status-bar__service-name">{serviceLabels[service.id] ?? service.label}</span>
                <ServiceStateLabel state={service.state} />
                {service.state !== 'connecte' && service.detail ? <span className="visually-hidden"> : {service.detail}</span> : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="status-bar__pending">{outage ? 'État des services inconnu : Cabinet ne répond pas.' : (statusError ?? 'Lecture de l’état des services…')}</p>
        )}
        {outbox && !outage ? (
          <a className="status-bar__outbox" href={hrefOf('envois')}>
            <span>Envois : {formatInteger(waiting)} en attente</span>
            {outbox.echec > 0 ? <span className="status-bar__failed">{formatInteger(outbox.echec)} en échec</span> : null}
          </a>
        ) : null}
      </div>
      <button type="button" className="button button--quiet button--small" onClick={() => void checkServices()} disabled={checking}>
        <Icon name="refresh" className={checking ? 'icon--spin' : undefined} />
        {checking ? 'Vérification…' : 'Vérifier'}
      </button>
    </footer>
  );
}
