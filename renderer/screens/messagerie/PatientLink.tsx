/**
 * « Patient concerné » in the compose form: searched among this post's
 * patients (a short pause after the last key); only a qualified identity can
 * be linked to a mail (its INS may leave Cabinet only then).
 */
import { useState } from 'react';
import { patientName } from '../../components/PatientName.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { useChannel } from '../../data/useChannel.js';
import { formatIns, type PatientSummary } from '../../ins.js';
import { useDebounced } from './useDebounced.js';

const SEARCH_PAUSE_MS = 120;

/** The patient the mail is about: searched among this post's patients; only a qualified identity can be linked. */
export function PatientLink({
  id,
  patient,
  error,
  onChange,
}: {
  id: string;
  patient: PatientSummary | null;
  error: string | undefined;
  onChange: (patient: PatientSummary | null) => void;
}) {
  const [query, setQuery] = useState('');
  const text = query.trim();
  const asked = useDebounced(text, SEARCH_PAUSE_MS);
  const search = useChannel('patients.search', asked.length >= 2 ? { query: asked, limit: 8 } : null, {
    noCache: true,
    keepPrevious: true,
  });
  const searching = text.length >= 2 && (asked !== text || search.loading || search.refreshing);
  const results = text.length >= 2 ? (search.data?.patients ?? []) : [];

  if (patient) {
    return (
      <div className={`mss-compose__patient${error ? ' field--error' : ''}`} id={id} tabIndex={-1}>
        <p className="field__label">Patient concerné</p>
        <p className="mss-compose__patient-who">
          <strong>{patientName(patient)}</strong> <StatusBadge status={patient.status} label={patient.statusLabel} />
          {patient.ins ? <span className="ins-number ins-number--small">INS {formatIns(patient.ins)}</span> : null}
          <button type="button" className="button button--quiet button--small" onClick={() => onChange(null)}>
            Retirer le patient
          </button>
        </p>
        {patient.status !== 'QUAL' || !patient.ins ? (
          <p className="field__help">
            Identité non qualifiée : le message partira sans être rattaché au patient (aucun INS transmis). Qualifiez l’identité pour le
            rattacher.
          </p>
        ) : null}
        {error ? <p className="field__error">{error}</p> : null}
      </div>
    );
  }
  return (
    <div className="field mss-compose__patient-search" id={id} tabIndex={-1}>
      <label className="field__label" htmlFor={`${id}-recherche`}>
        Patient concerné <span className="muted">(facultatif)</span>
      </label>
      <input
        id={`${id}-recherche`}
        className="input input--text"
        type="search"
        value={query}
        placeholder="Nom, prénom, date de naissance ou INS"
        autoComplete="off"
        onChange={(e) => setQuery(e.target.value)}
      />
      <p className="field__help">Seule une identité qualifiée peut être rattachée à un message (l’INS ne sort de Cabinet que qualifié).</p>
      {searching ? <p className="muted">Recherche…</p> : null}
      {results.length > 0 ? (
        <ul className="mss-compose__patient-results" aria-label="Patients trouvés">
          {results.map((p) => {
            const ok = p.status === 'QUAL' && p.ins !== null;
            return (
              <li key={p.uid}>
                <button
                  type="button"
                  className="mss-compose__patient-choice"
                  disabled={!ok}
                  onClick={() => {
                    onChange(p);
                    setQuery('');
                  }}
                >
                  <span>{patientName(p)}</span> <StatusBadge status={p.status} label={p.statusLabel} />
                  {!ok ? <span className="muted"> — identité non qualifiée : ne peut pas être rattachée</span> : null}
                </button>
              </li>
            );
          })}
        </ul>
      ) : null}
    </div>
  );
}
