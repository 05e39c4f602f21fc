/**
 * Patients: the search box answers as you type (names, birth date, INS),
 * the most recent patients when it is empty. Each patient shows its identity
 * status; the INS only when the identity is qualified (only then may it leave
 * this post). « Identifier un patient » opens the INSi flow.
 */
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { Failure } from '../../shared/contract/index.js';
import { DataTable, type Column } from '../components/DataTable.js';
import { EmptyState } from '../components/EmptyState.js';
import { Icon } from '../components/Icon.js';
import { LoadError } from '../components/LoadError.js';
import { PatientName } from '../components/PatientName.js';
import { Screen } from '../components/Screen.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { formatBirthDate, plural, sexLabel } from '../format.js';
import { attributeLabel, formatIns, isAlarmingAttribute, type PatientSummary } from '../ins.js';
import { cabinet } from '../bridge/index.js';
import { go, patientHrefs } from '../routes.js';
import { call, useCabinet } from '../state/cabinet.js';

/** Wait after the last key press before searching. */
export const SEARCH_DEBOUNCE_MS = 100;
const SEARCH_LIMIT = 50;

/** The last search, kept while the window is open: coming back to the list finds it again. */
let rememberedQuery = '';

/** An INS typed with its display spaces (`2 55 08 28 220 162 — 08`) is searched as one word. */
export function searchText(query: string): string {
  const trimmed = query.trim();
  const compact = trimmed.replace(/[\s\u2010-\u2015-]/g, '');
  if (/^[0-9]{5,6}[0-9AB][0-9]{6}([0-9]{2})?$/i.test(compact) && compact !== trimmed) return compact;
  return trimmed;
}

/** The INS, allowed to break before its key in a narrow column: « 2 58 03 63 220 123 » « — 31 ». */
function InsNumber({ ins }: { ins: { matricule: string; cle: string } }) {
  const [matricule, key] = formatIns(ins).split(' — ');
  return (
    <span className="ins-value__number">
      <span className="nowrap">{matricule}</span>
      {key ? (
        <>
          {' '}
          <span className="nowrap">— {key}</span>
        </>
      ) : null}
    </span>
  );
}

function InsCell({ patient }: { patient: PatientSummary }) {
  if (!patient.ins) {
    return (
      <span className="muted">
        <span aria-hidden="true">—</span>
        <span className="visually-hidden">aucun INS utilisable</span>
      </span>
    );
  }
  return (
    <span className="ins-value">
      <InsNumber ins={patient.ins} />
      <span className="ins-value__oid">{patient.ins.oidLabel}</span>
    </span>
  );
}

const columns: Column<PatientSummary>[] = [
  {
    header: 'Patient',
    rowHeader: true,
    className: 'col-patient',
    cell: (patient) => (
      <a className="patient-link" href={patientHrefs.patient(patient.uid)}>
        <PatientName patient={patient} />
      </a>
    ),
  },
  { header: 'Sexe', className: 'col-nowrap', cell: (patient) => sexLabel(patient.sex) },
  { header: 'Date de naissance', className: 'col-birth', cell: (patient) => formatBirthDate(patient.birthDate) },
  {
    header: 'Statut de l’identité',
    className: 'col-nowrap',
    cell: (patient) => {
      const alarming = patient.attributes.filter(isAlarmingAttribute);
      return (
        <span className="cell-stack">
          <StatusBadge status={patient.status} label={patient.statusLabel} />
          {alarming.length > 0 ? (
            <span className="chip chip--warning chip--small">
              <Icon name="alert" />
              {alarming.map(attributeLabel).join(', ')}
            </span>
          ) : null}
        </span>
      );
    },
  },
  { header: 'INS', className: 'col-ins', cell: (patient) => <InsCell patient={patient} /> },
];

export function Patients() {
  const { report, reconnections } = useCabinet();
  const [query, setQuery] = useState(rememberedQuery);
  // The query the shown results answer (null before the first answer).
  const [answered, setAnswered] = useState<{ query: string; patients: PatientSummary[] } | null>(null);
  const [loadError, setLoadError] = useState<Failure | null>(null);
  const [searching, setSearching] = useState(false);
  const request = useRef(0);
  const searchId = useId();
  const hintId = useId();
  const term = searchText(query);

  const search = useCallback(
    async (text: string) => {
      const mine = ++request.current;
      setSearching(true);
      const outcome = await call(() => cabinet.patients.search({ query: text, limit: SEARCH_LIMIT }));
      if (mine !== request.current) return; // typed again meanwhile: a newer answer will come
      setSearching(false);
      if (outcome.ok) {
        setAnswered({ query: text, patients: outcome.value.patients });
        setLoadError(null);
      } else {
        setLoadError(outcome);
        report(outcome);
      }
    },
    [report],
  );

  // As you type: wait a little, then search; a stale answer is dropped (see `request`).
  const firstSearch = useRef(true);
  useEffect(() => {
    if (firstSearch.current) {
      firstSearch.current = false;
      void search(term);
      return;
    }
    const timer = window.setTimeout(() => void search(term), SEARCH_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [term, search]);

  // After an outage, and whenever a patient changes (here or in another window), search again.
  const latestTerm = useRef(term);
  latestTerm.current = term;
  useEffect(() => {
    if (reconnections > 0) void search(latestTerm.current);
  }, [reconnections, search]);
  useEffect(() => cabinet.events.patientsChanged(() => void search(latestTerm.current)), [search]);

  const patients = answered?.patients ?? [];
  const shownQuery = answered?.query ?? '';
  const countText = answered
    ? shownQuery
      ? patients.length === 0
        ? `Aucun patient ne correspond à « ${shownQuery} ».`
        : `${plural(patients.length, 'patient')} pour « ${shownQuery} »${patients.length >= SEARCH_LIMIT ? ` (les ${SEARCH_LIMIT} premiers)` : ''}.`
      : patients.length === 0
        ? 'Aucun patient enregistré pour l’instant.'
        : `${plural(patients.length, 'patient récent', 'patients récents')}.`
    : '';

  return (
    <Screen
      title="Patients"
      intro="Retrouvez un patient et son identité nationale de santé (INS)."
      actions={
        <a className="button button--primary" href={patientHrefs.identify}>
          <Icon name="ajouter" />
          Identifier un patient
        </a>
      }
    >
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
            onChange={(event) => {
              rememberedQuery = event.target.value;
              setQuery(event.target.value);
            }}
            aria-describedby={hintId}
            aria-controls={`${searchId}-resultats`}
          />
        </div>
        <p id={hintId} className="field__help">
          Par exemple : « Martin », « 12/03/1958 » ou les 15 chiffres de l’INS. Les résultats s’affichent pendant la saisie.
        </p>
      </div>

      <p className="visually-hidden" role="status" aria-atomic="true">
        {searching ? '' : countText}
      </p>

      <div id={`${searchId}-resultats`} className="patient-results" aria-busy={searching}>
        {loadError && !answered ? (
          <LoadError failure={loadError} title="Impossible de rechercher les patients" />
        ) : !answered ? (
          <p className="muted">Chargement des patients…</p>
        ) : patients.length === 0 ? (
          shownQuery ? (
            <EmptyState icon="search" title={`Aucun patient ne correspond à « ${shownQuery} ».`}>
              <p>Vous pouvez l’identifier avec INSi.</p>
              <a className="button button--secondary" href={patientHrefs.identify}>
                <Icon name="ajouter" />
                Identifier un patient
              </a>
            </EmptyState>
          ) : (
            <EmptyState icon="patients" title="Aucun patient enregistré pour l’instant.">
              <p>Identifiez votre premier patient avec le téléservice INSi : son INS sera récupéré et vérifié.</p>
              <a className="button button--secondary" href={patientHrefs.identify}>
                <Icon name="ajouter" />
                Identifier un patient
              </a>
            </EmptyState>
          )
        ) : (
          <>
            {loadError ? <LoadError failure={loadError} title="Impossible de mettre à jour la recherche" /> : null}
            <DataTable
              caption={shownQuery ? `Patients correspondant à « ${shownQuery} »` : 'Patients récents'}
              columns={columns}
              rows={patients}
              rowKey={(patient) => patient.uid}
              onRowClick={(patient) => go(patientHrefs.patient(patient.uid))}
            />
            <p className="muted table-note" aria-hidden="true">
              {countText}
            </p>
          </>
        )}
      </div>
    </Screen>
  );
}
