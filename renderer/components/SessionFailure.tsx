/**
 * Why a login or an unlock failed: always the services' own French message
 * (wrong PIN with the tries left, blocked card, expired or revoked
 * certificate, wrong password…), announced at once (role="alert").
 */
import type { Failure } from '../../shared/contract/index.js';
import { triesLeft } from '../state/session.js';
import { Alert } from './Alert.js';
import { refusalAdvice } from './session-advice.js';

const refusedCodes: readonly string[] = ['UNAUTHORIZED', 'CERTIFICATE_REFUSED', 'FORBIDDEN_SENDER'];

export function SessionFailure({ failure, action = 'connexion' }: { failure: Failure; action?: 'connexion' | 'deverrouillage' }) {
  const refused = refusedCodes.includes(failure.code);
  const noun = action === 'connexion' ? 'Connexion' : 'Déverrouillage';
  const tries = triesLeft(failure);
  const advice = refusalAdvice(failure);
  const title = tries === 0 ? 'Carte bloquée' : refused ? `${noun} refusé${action === 'connexion' ? 'e' : ''}` : `${noun} impossible`;
  return (
    <Alert tone="error" title={title} className="session-failure">
      <p>{failure.message}</p>
      {advice ? <p className="session-failure__advice">{advice}</p> : null}
      {tries === 1 ? (
        <p className="session-failure__advice">
          En cas de doute sur votre code, ne réessayez pas : connectez-vous plutôt avec e-CPS ou un certificat logiciel.
        </p>
      ) : null}
    </Alert>
  );
}
