/**
 * Patients: the search box answers as you type (names, birth date, INS),
 * the most recent patients when it is empty. Each patient shows its identity
 * status; the INS only when the identity is qualified (only then may it leave
 * this post). « Identifier un patient » opens the INSi flow.
 */
import { memo, useCallback, useEffect, useId, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import type { Failure } from '../../../shared/contract/index.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Icon } from '../../components/Icon.js';
import { LoadError } from '../../components/LoadError.js';
import { PatientName } from '../../components/PatientName.js';
import { Screen } from '../../components/Screen.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { formatBirthDate, plural, sexLabel } from '../../format.js';
import { attributeLabel, formatIns, isAlarmingAttribute, type PatientSummary } from '../../ins.js';
import { cabinet } from '../../bridge/index.js';
import { go, patientHrefs } from '../../routes.js';
import { call, useCabinet } from '../../state/cabinet.js';
import { registerSessionCache } from '../../state/session-caches.js';
import { aheadTermFor, foldSearchTerm } from '../../../shared/domain/search-ahead.js';
import './patients.css';
import { RequeryList } from './RequeryList.js';

const SEARCH_LIMIT = 50;
/** Beyond this length a term is precise enough: no search ahead. */
const MAX_AHEAD_BASE = 30;
/** A search still running after this long dims the results (--duration-fast in tokens.css). */
const SLOW_SEARCH_MS = 120;

/** The last search, kept while the window is open: coming back to the list finds it again. */
let rememberedQuery = '';
registerSessionCache(() => {
  rememberedQuery = '';
});

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

interface Answered {
  /** The query these results answer. */
  query: string;
  patients: PatientSummary[];
  /** How many the search finds (more than `patients` when only the first ones came ahead of the key). */
  count: number;
}

/** The answers to the next key, searched ahead after the last answer (see `shared/domain/search-ahead.ts`). */
interface Ahead {
  base: string;
  next: Map<string, { count: number; patients: PatientSummary[] }>;
}

function countTextOf(answered: Answered | null): string {
  if (!answered) return '';
  const { query, count } = answered;
  if (query) {
    return count === 0
      ? `Aucun patient ne correspond à « ${query} ».`
      : `${plural(count, 'patient')} pour « ${query} »${count >= SEARCH_LIMIT ? ` (les ${SEARCH_LIMIT} premiers)` : ''}.`;
  }
  return count === 0 ? 'Aucun patient enregistré pour l’instant.' : `${plural(count, 'patient récent', 'patients récents')}.`;
}

/**
 * A patient already shown and unchanged keeps its object, so that its row
 * (memoised in DataTable) is not rendered again where it stays at the same
 * place: from « ma » to « mar », often most of the list.
 */
function keepUnchanged(previous: PatientSummary[], next: PatientSummary[]): PatientSummary[] {
  if (previous.length === 0) return next;
  const shown = new Map(previous.map((patient) => [patient.uid, patient]));
  return next.map((patient) => {
    const before = shown.get(patient.uid);
    return before && before.updatedAt === patient.updatedAt && JSON.stringify(before) === JSON.stringify(patient) ? before : patient;
  });
}

/**
 * Rows keyed by position: each answer replaces the list, and updating the
 * rows already there costs less than half of removing them and creating new
 * ones (`npm run bench`, « Recherche pendant la frappe »). The rows hold
 * nothing of their own (a link and text), so nothing is carried to another
 * patient; a patient unchanged at the same place is not even rendered again.
 */
const patientKey = (_patient: PatientSummary, index: number) => index;
const openPatient = (patient: PatientSummary) => go(patientHrefs.patient(patient.uid));

/** The results, rendered only when an answer (or a failure) arrives, not on every key. */
const PatientResults = memo(function PatientResults({ answered, loadError }: { answered: Answered | null; loadError: Failure | null }) {
  if (loadError && !answered) return <LoadError failure={loadError} title="Impossible de rechercher les patients" />;
  if (!answered) return <p className="muted">Chargement des patients…</p>;
  const { query, patients } = answered;
  if (patients.length === 0) {
    return query ? (
      <EmptyState icon="search" title={`Aucun patient ne correspond à « ${query} ».`}>
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
    );
  }
  return (
    <>
      {loadError ? <LoadError failure={loadError} title="Impossible de mettre à jour la recherche" /> : null}
      <DataTable
        caption={query ? `Patients correspondant à « ${query} »` : 'Patients récents'}
        columns={columns}
        rows={patients}
        rowKey={patientKey}
        onRowClick={openPatient}
      />
      <p className="muted table-note" aria-hidden="true">
        {countTextOf(answered)}
      </p>
    </>
  );
});

export function Patients() {
  const { report, reconnections } = useCabinet();
  const [query, setQuery] = useState(rememberedQuery);
  // The shown results and the query they answer (null before the first answer).
  const [answered, setAnswered] = useState<Answered | null>(null);
  const [loadError, setLoadError] = useState<Failure | null>(null);
  const [searching, setSearching] = useState(false);
  const request = useRef(0);
  const shown = useRef<PatientSummary[]>([]);
  const ahead = useRef<Ahead | null>(null);
  const searchId = useId();
  const hintId = useId();

  const search = useCallback(
    async (text: string) => {
      const mine = ++request.current;
      setSearching(true);
      const outcome = await call(() => cabinet.patients.search({ query: text, limit: SEARCH_LIMIT }));
      if (mine !== request.current) return; // typed again meanwhile: a newer answer will come
      // Rendered within this task: left to the scheduler, the answer could miss the next frame.
      flushSync(() => {
        setSearching(false);
        if (outcome.ok) {
          shown.current = keepUnchanged(shown.current, outcome.value.patients);
          setAnswered({ query: text, patients: shown.current, count: outcome.value.patients.length });
          setLoadError(null);
        } else {
          setLoadError(outcome);
        }
      });
      if (!outcome.ok) {
        report(outcome);
        return;
      }
      // Then, once this answer is on screen, the answers to the next key.
      const base = foldSearchTerm(text);
      if (ahead.current?.base === base || base.length >= MAX_AHEAD_BASE) return;
      requestAnimationFrame(() =>
        setTimeout(() => {
          if (mine !== request.current) return;
          void call(() => cabinet.patients.searchAhead({ query: base, limit: SEARCH_LIMIT })).then((answer) => {
            if (!answer.ok || mine !== request.current) return; // only a help: the regular search stays
            ahead.current = {
              base: answer.value.query,
              next: new Map(answer.value.next.map((n) => [n.term, { count: n.count, patients: n.patients }])),
            };
          });
        }, 0),
      );
    },
    [report],
  );

  /**
   * Draws the first results of `text` in the key's own task when they were
   * searched ahead (the regular answer completes them right after); true when it did.
   */
  const showAhead = useCallback((text: string): boolean => {
    const known = ahead.current;
    const term = known && aheadTermFor(known.base, text);
    const found = term ? known.next.get(term) : undefined;
    if (!found) return false;
    flushSync(() => {
      shown.current = keepUnchanged(shown.current, found.patients);
      setAnswered({ query: text, patients: shown.current, count: found.count });
    });
    return true;
  }, []);

  // Dim the results only when a search takes long (as the CSS transition's delay did, but
  // without starting and cancelling a transition of the whole table at every key).
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    if (!searching) {
      setSlow(false);
      return;
    }
    const timer = window.setTimeout(() => setSlow(true), SLOW_SEARCH_MS);
    return () => window.clearTimeout(timer);
  }, [searching]);

  // The term of the latest search sent. Every key that changes it searches at once (the service
  // answers in well under a millisecond: no debounce); a stale answer is dropped (see `request`).
  const latestTerm = useRef<string | null>(null);
  const searchNow = useCallback(
    (text: string) => {
      latestTerm.current = text;
      showAhead(text);
      void search(text);
    },
    [search, showAhead],
  );
  useEffect(() => searchNow(searchText(rememberedQuery)), [searchNow]);

  // After an outage, and whenever a patient changes (here or in another window), search again.
  useEffect(() => {
    ahead.current = null;
    if (reconnections > 0 && latestTerm.current !== null) void search(latestTerm.current);
  }, [reconnections, search]);
  useEffect(
    () =>
      cabinet.events.patientsChanged(() => {
        ahead.current = null; // answered before the change
        if (latestTerm.current !== null) void search(latestTerm.current);
      }),
    [search],
  );

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
      <RequeryList />
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
              const value = event.target.value;
              rememberedQuery = value;
              setQuery(value);
              // One request per key, sent from the key's own event; a key that leaves the term as it was (a trailing space) sends none.
              const next = searchText(value);
              if (next !== latestTerm.current) searchNow(next);
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
        {searching ? '' : countTextOf(answered)}
      </p>

      <div id={`${searchId}-resultats`} className="patient-results" aria-busy={searching} data-lent={slow ? '' : undefined}>
        <PatientResults answered={answered} loadError={loadError} />
      </div>
    </Screen>
  );
}
