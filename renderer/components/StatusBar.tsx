/**
 * The bottom bar: on the left who is logged in (name and national identifier)
 * with the outbox at a glance under it, then each national service with its
 * state. Updated live by the services' events; "Vérifier" asks for a re-check.
 * The practitioner and the outbox only show while the session is open.
 */
import './StatusBar.css';
import { serviceLabels, serviceStateLabels } from '../../shared/domain/services.js';
import { formatDateTimeLong, formatInteger, currentPracticeZone } from '../format.js';
import { hrefOf } from '../routes.js';
import { useCabinet, type Status } from '../state/cabinet.js';
import { useSession } from '../state/session.js';
import type { Practitioner } from '../../shared/domain/practitioner.js';
import { Icon } from './Icon.js';
import { ServiceStateLabel } from './ServiceState.js';
import { servicesSummary } from './services-summary.js';
import { outageBanner } from '../../shared/domain/service-outage.js';

type Service = Status['services'][number];

function serviceTooltip(service: Service): string {
  const lines = [`${serviceLabels[service.id] ?? service.label} : ${serviceStateLabels[service.state]}`];
  if (service.detail) lines.push(service.detail);
  lines.push(service.url ? `Adresse : ${service.url}` : 'Adresse : non configurée');
  const checked = formatDateTimeLong(service.checkedAt);
  if (checked) lines.push(`Vérifié le ${checked}`);
  return lines.join('\n');
}

function PractitionerStatus({ practitioner }: { practitioner: Practitioner }) {
  const known = practitioner.rpps ? ` (RPPS ${practitioner.rpps})` : practitioner.adeli ? ` (ADELI ${practitioner.adeli})` : '';
  return (
    <p className="status-bar__identity" title={`${practitioner.displayName}\nIdentifiant national : ${practitioner.idNatPs}${known}`}>
      <Icon name="praticien" />
      <span className="visually-hidden">Praticien connecté : </span>
      <span className="status-bar__identity-name">{practitioner.displayName}</span>
      <span className="status-bar__identity-id">
        <span className="visually-hidden">, identifiant national </span>
        {practitioner.idNatPs}
      </span>
    </p>
  );
}

export function StatusBar() {
  const { status, statusError, outage, checking, checkServices, updateVersion } = useCabinet();
  const { view } = useSession();
  // Who is logged in, and the outbox, only while the session is open.
  const practitioner = view?.state === 'connecte' ? view.practitioner : null;
  // While Cabinet does not answer, the last known states may be stale: do not show them.
  const outbox = practitioner && !outage ? status?.outbox : undefined;
  const waiting = outbox ? outbox.en_attente + outbox.en_cours : 0;
  const summary = status && !outage ? servicesSummary(status.services) : null;
  // A national service down: said in words, with what still works (never « relancez Cabinet »).
  const degraded =
    status && !outage
      ? outageBanner(
          status.services
            .map((s) => ({ id: s.id, state: s.state, since: s.since ?? null }))
            .filter((s) => !(s.state === 'indisponible' && !s.since)),
          undefined,
          currentPracticeZone(),
        )
      : null;

  return (
    <footer className="status-bar">
      {practitioner ? (
        <div className="status-bar__mine">
          <PractitionerStatus practitioner={practitioner} />
          <div className="status-bar__outbox-live" role="status" aria-live="polite" aria-label="Envois">
            {outbox ? (
              <a className="status-bar__outbox" href={hrefOf('envois')}>
                <span>Envois : {formatInteger(waiting)} en attente</span>
                {outbox.echec > 0 ? <span className="status-bar__failed">{formatInteger(outbox.echec)} en échec</span> : null}
              </a>
            ) : null}
          </div>
        </div>
      ) : null}
      <div className="status-bar__live" role="status" aria-live="polite" aria-label="État des services">
        {status && summary ? (
          <>
            <p className={`status-bar__summary${summary.calm ? '' : ' status-bar__summary--alert'}`}>{summary.text}</p>
            {degraded ? <p className="status-bar__degraded">{degraded}</p> : null}
            <ul className="status-bar__services" aria-label="Services nationaux">
              {status.services.map((service) => (
                <li
                  key={service.id}
                  className={`status-bar__service status-bar__service--${service.state}`}
                  title={serviceTooltip(service)}
                >
                  <span className="status-bar__service-name">{serviceLabels[service.id] ?? service.label}</span>
                  {/* A connected service shows its dot only (the summary says « tous connectés »);
                      any other state is also written out, so color is never the only signal. */}
                  {service.state === 'connecte' ? (
                    <span className="service-state service-state--connecte">
                      <span className="service-state__dot" aria-hidden="true" />
                      <span className="visually-hidden">{serviceStateLabels.connecte}</span>
                    </span>
                  ) : (
                    <ServiceStateLabel state={service.state} />
                  )}
                  {service.state !== 'connecte' && service.detail ? <span className="visually-hidden"> : {service.detail}</span> : null}
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p className="status-bar__pending">
            {outage ? 'État des services inconnu : Cabinet ne répond pas.' : (statusError ?? 'Lecture de l’état des services…')}
          </p>
        )}
      </div>
      {updateVersion ? (
        <p
          className="status-bar__update"
          role="status"
          title={`La version ${updateVersion} est téléchargée ; elle s’installera à la fermeture de Cabinet.`}
        >
          Mise à jour disponible <span className="status-bar__update-detail">(version {updateVersion}, installée à la fermeture)</span>
        </p>
      ) : null}
      <button type="button" className="button button--quiet button--small" onClick={() => void checkServices()} disabled={checking}>
        <Icon name="refresh" className={checking ? 'icon--spin' : undefined} />
        {checking ? 'Vérification…' : 'Vérifier'}
      </button>
    </footer>
  );
}
