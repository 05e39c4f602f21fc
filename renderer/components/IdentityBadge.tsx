/**
 * Who is logged in, in the header: « Dr Marie MARTIN · Carte CPS » over
 * « Médecin (Qualifié en médecine générale) », with « Verrouiller » and
 * « Se déconnecter ».
 */
import './IdentityBadge.css';
import { useState } from 'react';
import type { Failure } from '../../shared/contract/index.js';
import { identitySourceLabels, type Practitioner } from '../../shared/domain/practitioner.js';
import { useCabinet } from '../state/cabinet.js';
import { useSession, type SessionView } from '../state/session.js';
import { Icon } from './Icon.js';

/** "Médecin (Qualifié en médecine générale)". */
export function profession(practitioner: Practitioner): string {
  return practitioner.specialtyLabel ? `${practitioner.professionLabel} (${practitioner.specialtyLabel})` : practitioner.professionLabel;
}

/** "Carte CPS", "Certificat logiciel", "e-CPS (Pro Santé Connect)". */
function sourceLabel(practitioner: Practitioner, source: SessionView['source']): string {
  return identitySourceLabels[source ?? practitioner.source];
}

export function IdentityBadge({ view }: { view: SessionView }) {
  const { lock, logout } = useSession();
  const { report } = useCabinet();
  const [pending, setPending] = useState(false);
  const practitioner = view.practitioner;
  if (!practitioner) return null;

  async function run(action: () => Promise<Failure | null>) {
    setPending(true);
    const failure = await action();
    setPending(false);
    if (failure) report(failure);
  }

  return (
    <div className="identity">
      <Icon name="praticien" className="identity__icon" />
      <p
        className="identity__text"
        title={`${practitioner.displayName} — ${profession(practitioner)} · ${sourceLabel(practitioner, view.source)}`}
      >
        <span className="visually-hidden">Connecté : </span>
        <strong className="identity__name">{practitioner.displayName}</strong>
        <span className="identity__source">
          <span className="visually-hidden">, connexion par </span>
          {sourceLabel(practitioner, view.source)}
        </span>
        <span className="identity__details">
          <span className="visually-hidden">, </span>
          {profession(practitioner)}
        </span>
      </p>
      <div className="identity__actions">
        <button type="button" className="button button--quiet button--small" disabled={pending} onClick={() => void run(lock)}>
          <Icon name="lock" />
          Verrouiller
        </button>
        <button type="button" className="button button--quiet button--small" disabled={pending} onClick={() => void run(logout)}>
          <Icon name="sortie" />
          Se déconnecter
        </button>
      </div>
    </div>
  );
}
