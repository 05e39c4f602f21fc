/**
 * Patients. No channel exists yet for patients: the screen says so plainly.
 * The search box is real and labelled, and answers honestly that there is
 * nobody to find yet.
 */
import { useId, useState } from 'react';
import { EmptyState } from '../components/EmptyState.js';
import { Icon } from '../components/Icon.js';
import { Screen } from '../components/Screen.js';

export function Patients() {
  const [query, setQuery] = useState('');
  const searchId = useId();
  const hintId = useId();
  const trimmed = query.trim();

  return (
    <Screen title="Patients" intro="Retrouvez un patient et son identité nationale de santé (INS).">
      <div className="search-box" role="search">
        <label className="field__label" htmlFor={searchId}>
          Rechercher un patient — nom, prénom, date de naissance ou INS
        </label>
        <div className="search-box__control">
          <Icon name="search" className="search-box__icon" />
          <input
            id={searchId}
            className="input input--search"
            type="search"
            autoComplete="off"
            spellCheck={false}
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            aria-describedby={hintId}
          />
        </div>
        <p id={hintId} className="field__help">
          Par exemple : « Martin », « 12/03/1958 » ou les 13 chiffres de l’INS.
        </p>
      </div>

      <div aria-live="polite">
        <EmptyState
          icon="patients"
          title={trimmed ? `Aucun patient ne correspond à « ${trimmed} » : aucun patient n’est encore enregistré.` : 'Aucun patient enregistré pour l’instant.'}
        >
          <p>L’identification d’un patient par le téléservice INSi sera proposée ici.</p>
        </EmptyState>
      </div>
    </Screen>
  );
}
