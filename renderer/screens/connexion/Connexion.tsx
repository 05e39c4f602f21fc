/**
 * Connexion: shown instead of the application while nobody is logged in.
 * Three ways to prove who you are — the CPS card and its PIN (default,
 * CardLogin), a software certificate (.p12/.pfx) and its password
 * (P12Login), or e-CPS, approval on the phone (EcpsLogin). Secrets are never
 * kept: the field is cleared after every attempt. Failures show the
 * services' own French message. The lock screen (Verrouillage) shares the
 * secret form and these styles.
 */
import './connexion.css';
import { useId, useRef, useState } from 'react';
import type { IdentitySource } from '../../../shared/domain/practitioner.js';
import { Icon, type IconName } from '../../components/Icon.js';
import { hrefOf } from '../../routes.js';
import { useSession } from '../../state/session.js';
import { CardLogin } from './CardLogin.js';
import { EcpsLogin } from './EcpsLogin.js';
import { P12Login } from './P12Login.js';

const sources: { id: IdentitySource; title: string; hint: string; icon: IconName }[] = [
  { id: 'carte_cps', title: 'Carte CPS', hint: 'Carte dans le lecteur et code PIN', icon: 'carte' },
  { id: 'certificat_logiciel', title: 'Certificat logiciel', hint: 'Fichier .p12 ou .pfx et mot de passe', icon: 'fichier' },
  { id: 'e_cps', title: 'e-CPS', hint: 'Validation sur votre téléphone', icon: 'telephone' },
];

export function Connexion() {
  const { loginHint } = useSession();
  const [source, setSource] = useState<IdentitySource>(loginHint?.source ?? 'carte_cps');
  const id = useId();
  // The first form takes the focus when the screen opens; after a change of method the focus
  // stays on the choice (arrow keys keep moving through the three methods).
  const switched = useRef(false);
  const autoFocus = !switched.current;

  return (
    <div className="gate">
      <div className="gate__panel">
        <header className="gate__header">
          <h1 className="gate__title" tabIndex={-1}>
            Connexion
          </h1>
          <p className="gate__intro">Identifiez-vous pour accéder à Cabinet. Choisissez votre moyen de connexion.</p>
        </header>

        <fieldset className="source-choice">
          <legend className="visually-hidden">Moyen de connexion</legend>
          {sources.map((option) => {
            const optionId = `${id}-${option.id}`;
            return (
              <div key={option.id} className="source-choice__option">
                <input
                  id={optionId}
                  className="source-choice__input"
                  type="radio"
                  name={`${id}-source`}
                  value={option.id}
                  checked={source === option.id}
                  aria-describedby={`${optionId}-aide`}
                  onChange={() => {
                    switched.current = true;
                    setSource(option.id);
                  }}
                />
                <label htmlFor={optionId} className="source-choice__label">
                  <Icon name={option.icon} className="source-choice__icon" />
                  <span className="source-choice__title">{option.title}</span>
                </label>
                <span id={`${optionId}-aide`} className="source-choice__hint">
                  {option.hint}
                </span>
              </div>
            );
          })}
        </fieldset>

        {source === 'carte_cps' ? <CardLogin autoFocus={autoFocus} /> : null}
        {source === 'certificat_logiciel' ? <P12Login autoFocus={autoFocus} /> : null}
        {source === 'e_cps' ? (
          <EcpsLogin autoFocus={autoFocus} initialId={loginHint?.source === 'e_cps' ? loginHint.idNatPs : undefined} />
        ) : null}

        <p className="gate__footer">
          Le lecteur de carte ne répond pas, ou un service est injoignable ?{' '}
          <a href={hrefOf('diagnostic')}>
            <Icon name="diagnostic" />
            Diagnostic du poste
          </a>
        </p>
      </div>
    </div>
  );
}
