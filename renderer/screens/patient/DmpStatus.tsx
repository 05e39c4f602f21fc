/**
 * The head of the DMP panel: the emergency access in progress (red banner),
 * the age of what is shown when the DMP cannot be reached, and the DMP and
 * authorisation status with what to do next.
 */
import type { Failure } from '../../../shared/contract/index.js';
import { Icon } from '../../components/Icon.js';
import { formatDateTime } from '../../format.js';
import type { DmpAccess, DmpStatusView } from './dmp-api.js';
import { DmpFailure } from './DmpFailure.js';
import type { accessAdvice } from './dmp-labels.js';

export function DmpStatus({
  access,
  age,
  offline,
  status,
  statusFailure,
  advice,
  onAuthorize,
  onBreakGlass,
}: {
  access: DmpAccess | null;
  age: string | null;
  offline: boolean;
  status: DmpStatusView | null;
  statusFailure: Failure | null;
  advice: ReturnType<typeof accessAdvice> | null;
  onAuthorize: () => void;
  onBreakGlass: () => void;
}) {
  return (
    <>
      {access ? (
        <div className="dmp-bris-banner" role="alert">
          <Icon name="alert" className="dmp-bris-banner__icon" />
          <div>
            <p className="dmp-bris-banner__title">Accès en urgence (bris de glace) en cours depuis {formatDateTime(access.since)}</p>
            <p className="dmp-bris-banner__text">
              Raison enregistrée : « {access.reason} ». Chaque consultation est tracée et le patient en est informé.
            </p>
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
              <button type="button" className="button button--primary" onClick={onAuthorize}>
                <Icon name="check" />
                Ajouter l’autorisation
              </button>
            ) : null}
            {advice.canBreakGlass ? (
              <button type="button" className="button button--danger-quiet" onClick={onBreakGlass}>
                <Icon name="alert" />
                Accès en urgence (bris de glace)
              </button>
            ) : null}
          </div>
        </div>
      )}
    </>
  );
}
