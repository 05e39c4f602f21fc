/** Full-width banner shown while the services of Cabinet cannot be reached or refuse the session. */
import './ConnectionBanner.css';
import { useState } from 'react';
import type { Failure } from '../../shared/contract/index.js';

export function ConnectionBanner({ failure, onRetry }: { failure: Failure; onRetry: () => Promise<void> }) {
  const [retrying, setRetrying] = useState(false);
  const unauthorized = failure.code === 'UNAUTHORIZED';
  const title = unauthorized ? 'Accès aux services de Cabinet refusé' : 'Les services de Cabinet ne répondent pas';
  const advice = unauthorized
    ? 'Si le problème persiste, fermez cette fenêtre et relancez Cabinet.'
    : 'Vos données restent enregistrées sur ce poste et aucun envoi n’est perdu. Nouvel essai automatique toutes les 10 secondes ; si le problème persiste, relancez Cabinet.';
  // The bridge's own message often repeats the title: say it once.
  const message = failure.message.toLocaleLowerCase('fr-FR').startsWith(title.toLocaleLowerCase('fr-FR')) ? '' : `${failure.message} `;

  return (
    <div className="connection-banner" role="alert">
      <div className="connection-banner__body">
        <p className="connection-banner__title">{title}</p>
        <p className="connection-banner__text">
          {message}
          {advice}
        </p>
      </div>
      <button
        type="button"
        className="button button--on-danger"
        disabled={retrying}
        onClick={async () => {
          setRetrying(true);
          await onRetry();
          setRetrying(false);
        }}
      >
        {retrying ? 'Nouvel essai…' : 'Réessayer maintenant'}
      </button>
    </div>
  );
}
