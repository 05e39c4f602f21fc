/**
 * Verrouillage: the session is locked (inactivity, card removed, or on
 * request). Nothing of the application stays on screen — only who is logged
 * in, why it locked, and how to unlock: the card PIN, the certificate
 * password, or a new e-CPS approval. "Changer de praticien" logs out.
 */
import './connexion.css';
import { useEffect, useRef, useState } from 'react';
import type { Failure } from '../../../shared/contract/index.js';
import { identitySourceLabels } from '../../../shared/domain/practitioner.js';
import { Icon } from '../../components/Icon.js';
import { profession } from '../../components/IdentityBadge.js';
import { PIN_MIN_LENGTH } from '../../components/PinPad.js';
import { SessionFailure } from '../../components/SessionFailure.js';
import { cabinet } from '../../bridge/index.js';
import { call, useCabinet } from '../../state/cabinet.js';
import { useSession, type SessionView } from '../../state/session.js';
import { PIN_TOO_SHORT, SecretForm } from './SecretForm.js';

/** The lock message, unless it only repeats the title. */
function reasonText(view: SessionView): string | null {
  const message = view.lockMessage?.trim();
  if (!message) return null;
  return /^session verrouillée\.?$/i.test(message) ? null : message;
}

function professionLine(view: SessionView): string | null {
  return view.practitioner ? profession(view.practitioner) : null;
}

export function Verrouillage({ view }: { view: SessionView }) {
  const { apply, logout, reconnectWithEcps } = useSession();
  const { report } = useCabinet();
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const fieldRef = useRef<HTMLInputElement>(null);
  const ecpsRef = useRef<HTMLButtonElement>(null);
  const source = view.source;
  const reason = reasonText(view);

  useEffect(() => {
    (source === 'e_cps' ? ecpsRef.current : fieldRef.current)?.focus();
  }, [source]);

  async function unlock() {
    if (busy) return;
    setFailure(null);
    if (source === 'carte_cps' && secret.length < PIN_MIN_LENGTH) {
      setProblem(PIN_TOO_SHORT);
      fieldRef.current?.focus();
      return;
    }
    if (source === 'certificat_logiciel' && secret.length === 0) {
      setProblem('Saisissez le mot de passe du certificat.');
      fieldRef.current?.focus();
      return;
    }
    setProblem(null);
    const value = secret;
    setSecret('');
    setBusy(true);
    const outcome = await call(() => cabinet.session.unlock({ secret: value }));
    setBusy(false);
    if (outcome.ok) {
      apply(outcome.value);
      return;
    }
    setFailure(outcome);
    fieldRef.current?.focus();
  }

  async function leave(run: () => Promise<Failure | null>) {
    setLeaving(true);
    const failed = await run();
    setLeaving(false);
    if (failed) {
      setFailure(failed);
      report(failed);
    }
  }

  const practitioner = view.practitioner;

  return (
    <div className="gate gate--lock">
      <div className="gate__panel lock">
        <div className="lock__who">
          <Icon name="lock" className="lock__icon" />
          <h1 className="gate__title" tabIndex={-1}>
            Session verrouillée
          </h1>
          {reason ? <p className="lock__reason">{reason}</p> : null}
          <dl className="lock__facts">
            <div>
              <dt>Praticien</dt>
              <dd>
                <strong>{practitioner?.displayName ?? 'Praticien inconnu'}</strong>
                {professionLine(view) ? <span className="lock__profession">{professionLine(view)}</span> : null}
              </dd>
            </div>
            <div>
              <dt>Connexion</dt>
              <dd>{view.description ?? (source ? identitySourceLabels[source] : '—')}</dd>
            </div>
          </dl>
          <p className="lock__privacy">Les dossiers de vos patients restent masqués tant que la session est verrouillée.</p>
        </div>

        <div className="lock__unlock">
          {failure ? <SessionFailure failure={failure} action="deverrouillage" /> : null}

          {source === 'carte_cps' || source === 'certificat_logiciel' ? (
            <SecretForm
              kind={source === 'carte_cps' ? 'pin' : 'password'}
              label={source === 'carte_cps' ? 'Code PIN de la carte' : 'Mot de passe du certificat'}
              help={
                source === 'certificat_logiciel'
                  ? 'Saisissez le mot de passe de votre certificat logiciel pour reprendre votre session.'
                  : busy
                    ? 'Vérification par la carte…'
                    : view.lockReason === 'carte_retiree'
                      ? 'Réinsérez votre carte dans le lecteur, puis saisissez votre code PIN.'
                      : 'Saisissez votre code PIN pour reprendre.'
              }
              value={secret}
              onChange={(value) => {
                setSecret(value);
                setProblem(null);
              }}
              onSubmit={() => void unlock()}
              inputRef={fieldRef}
              problem={problem}
              busy={busy}
              submit={{ label: 'Déverrouiller', busyLabel: 'Vérification…', icon: 'lock' }}
            />
          ) : null}

          {source === 'e_cps' ? (
            <div className="login-form">
              <p>Une session e-CPS ne se déverrouille pas avec un code : validez une nouvelle demande sur votre téléphone.</p>
              <div className="login-form__actions">
                <button
                  ref={ecpsRef}
                  type="button"
                  className="button button--primary button--large"
                  disabled={leaving}
                  onClick={() => void leave(reconnectWithEcps)}
                >
                  <Icon name="telephone" />
                  Se reconnecter avec e-CPS
                </button>
              </div>
            </div>
          ) : null}

          <div className="lock__switch">
            <button type="button" className="button button--quiet" disabled={leaving || busy} onClick={() => void leave(logout)}>
              <Icon name="sortie" />
              Changer de praticien
            </button>
            <p className="field__help">
              Ferme la session de {practitioner?.displayName ?? 'ce praticien'} et revient à l’écran de connexion.
            </p>
          </div>
        </div>
      </div>
    </div>
  );
}
