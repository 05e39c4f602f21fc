/** Step 2 of « Identifier un patient »: INSi's answer beside the traits entered; accept it or create a provisional identity. */
import type { Failure } from '../../../shared/contract/index.js';
import { useId, useRef, useState, type ReactNode } from 'react';
import { Alert } from '../../components/Alert.js';
import { useFocusBack } from '../../components/useFocusBack.js';
import { Icon } from '../../components/Icon.js';
import { formatBirthDate, sexLabel } from '../../format.js';
import {
  comparedFields,
  comparedLabel,
  crLabel,
  differingFields,
  formatIns,
  insOidLabel,
  otherDifferences,
  traitValue,
  type ComparedField,
  type FormField,
  type InsiLookupResult,
  type PatientDetail,
  type TraitsInput,
} from '../../ins.js';
import { cabinet } from '../../bridge/index.js';
import { patientHrefs } from '../../routes.js';
import { call, useCabinet } from '../../state/cabinet.js';
import { InsHistoryList } from '../../components/InsHistoryList.js';
import { existingHolder } from './failures.js';

/* ---------- Step 2: INSi's answer ---------- */

function traitDisplay(field: ComparedField, value: string): ReactNode {
  if (!value) return <span className="muted">non renseigné</span>;
  if (field === 'sexe') return `${sexLabel(value)} (${value})`;
  if (field === 'dateNaissance') return formatBirthDate(value);
  return <span className="trait-value">{value}</span>;
}

/** A refusal naming the patient who already holds this INS (`details.uid`). */
/** INSi's own wording, when it says more than the title already does. */
function insiLabel(result: InsiLookupResult): ReactNode {
  const label = result.label.trim();
  const plain = (text: string) => text.toLocaleLowerCase('fr-FR').replace(/[.\s]+$/, '');
  // « Identité trouvée par INSi. » under the title « Identité trouvée par INSi » says nothing more.
  if (!label || plain(label).replace(/ par insi$/, '') === plain(crLabel(result.cr))) return null;
  return <p>Réponse d’INSi : {label}</p>;
}

function attemptText(attempt: { prenom: string; cr: string }): string {
  const several = attempt.prenom.trim().includes(' ');
  return `${several ? 'Prénoms' : 'Prénom'} ${attempt.prenom} : ${crLabel(attempt.cr)}`;
}

export function ResultStep({
  result,
  entered,
  source,
  fileName,
  existing,
  onEdit,
  onPatient,
}: {
  result: InsiLookupResult;
  entered: TraitsInput | null;
  source: 'traits' | 'vitale';
  fileName: string | undefined;
  existing: PatientDetail | null;
  onEdit: (field: FormField | null) => void;
  onPatient: (patient: PatientDetail, arrival: 'accepted' | 'created') => void;
}) {
  const { report } = useCabinet();
  const id = useId();
  const [busy, setBusy] = useState<'accept' | 'create' | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [checked, setChecked] = useState(false);
  const [checkMissing, setCheckMissing] = useState(false);
  const checkRef = useRef<HTMLInputElement>(null);
  const acceptRef = useRef<HTMLButtonElement>(null);
  const createRef = useRef<HTMLButtonElement>(null);
  useFocusBack(busy === 'accept', acceptRef);
  useFocusBack(busy === 'create', createRef);
  const individu = result.individu;
  const differing = differingFields(result, entered);
  const others = otherDifferences(result);
  const hasDifferences = differing.size > 0 || others.length > 0;
  const canCreate = !existing && entered !== null;

  async function accept() {
    if (busy) return;
    if (hasDifferences && !checked) {
      setCheckMissing(true);
      checkRef.current?.focus();
      return;
    }
    setFailure(null);
    setBusy('accept');
    const outcome = await call(() =>
      cabinet.patients.acceptInsi(existing ? { lookupId: result.lookupId, uid: existing.uid } : { lookupId: result.lookupId }),
    );
    setBusy(null);
    if (outcome.ok) onPatient(outcome.value, 'accepted');
    else {
      setFailure(outcome);
      report(outcome);
    }
  }

  async function create() {
    if (busy || !entered) return;
    setFailure(null);
    setBusy('create');
    const outcome = await call(() => cabinet.patients.create({ traits: entered }));
    setBusy(null);
    if (outcome.ok) onPatient(outcome.value, 'created');
    else {
      setFailure(outcome);
      report(outcome);
    }
  }

  const createButton = canCreate ? (
    <button ref={createRef} type="button" className="button button--secondary" disabled={busy !== null} onClick={() => void create()}>
      {busy === 'create' ? 'Création…' : 'Créer une identité provisoire'}
    </button>
  ) : null;
  const editButton = (primary: boolean, field: FormField | null = null, text = 'Modifier les traits') => (
    <button
      type="button"
      className={`button ${primary ? 'button--primary' : 'button--quiet'}`}
      disabled={busy !== null}
      onClick={() => onEdit(field)}
    >
      <Icon name="modifier" />
      {text}
    </button>
  );

  const attempts =
    result.attempts.length > 0 ? (
      <div className="attempts">
        <h3 className="subsection__title">Interrogations effectuées</h3>
        <ol className="attempts__list">
          {result.attempts.map((attempt, index) => (
            <li key={`${index}-${attempt.prenom}`} className={`attempts__item attempts__item--${attempt.cr === '00' ? 'found' : 'other'}`}>
              <Icon name={attempt.cr === '00' ? 'check' : 'info'} />
              <span>{attemptText(attempt)}</span>
            </li>
          ))}
        </ol>
      </div>
    ) : null;

  const sourceNote = source === 'vitale' ? <p className="muted">Traits lus sur la carte Vitale de test « {fileName} ».</p> : null;
  const holder = failure ? existingHolder(failure) : null;
  const failureAlert = failure ? (
    <Alert
      tone="error"
      title="Action impossible"
      actions={
        holder ? (
          <a className="button button--secondary" href={patientHrefs.patient(holder)}>
            Ouvrir la fiche de ce patient
          </a>
        ) : undefined
      }
    >
      {failure.message}
    </Alert>
  ) : null;

  if (result.cr === '01' || result.cr === '02' || !individu) {
    const several = result.cr === '02';
    return (
      <div className="form-stack">
        {sourceNote}
        <Alert tone="warning" title={several ? 'Plusieurs identités correspondent' : 'Aucune identité trouvée'}>
          {insiLabel(result)}
          {several ? (
            <p>
              INSi ne peut pas choisir entre plusieurs personnes : ajoutez le code du lieu de naissance pour distinguer le patient, puis
              interrogez INSi à nouveau.
            </p>
          ) : (
            <ul className="advice">
              <li>Vérifiez le nom de naissance (et non le nom d’épouse ou d’usage) sur la pièce d’identité.</li>
              <li>Saisissez tous les prénoms, dans l’ordre de l’état civil.</li>
              <li>Vérifiez la date de naissance ; si le jour ou le mois ne figure pas sur la pièce, cochez « inconnu ».</li>
              {canCreate ? <li>Vous pouvez aussi créer une identité provisoire : elle pourra être identifiée plus tard.</li> : null}
            </ul>
          )}
        </Alert>
        {entered ? <QueriedTraits traits={entered} /> : null}
        {attempts}
        {failureAlert}
        {source === 'vitale' ? (
          <p className="section__intro">Pour créer une identité provisoire, saisissez les traits de la pièce d’identité.</p>
        ) : null}
        <div className="form-actions">
          {several
            ? editButton(true, 'birthplace', 'Ajouter le lieu de naissance')
            : editButton(true, null, source === 'vitale' ? 'Saisir les traits' : 'Modifier les traits')}
          {createButton}
        </div>
      </div>
    );
  }

  const rows = comparedFields.filter(
    (field) => field !== 'lieuNaissance' || traitValue(field, individu.traits) || (entered && traitValue(field, entered)),
  );
  /** Different (named by the services or found by the rules), identical, or not compared (one side empty, or nothing entered). */
  const verdict = (field: ComparedField): 'different' | 'same' | 'none' => {
    if (differing.has(field)) return 'different';
    if (!entered || !traitValue(field, entered) || !traitValue(field, individu.traits)) return 'none';
    return 'same';
  };
  const showVerdicts = entered !== null || differing.size > 0;

  return (
    <div className="form-stack">
      {sourceNote}
      <Alert tone="success" title="Identité trouvée par INSi">
        {insiLabel(result)}
      </Alert>

      {hasDifferences ? (
        <Alert tone="warning" title={`Les traits renvoyés par INSi diffèrent ${entered ? 'de ceux saisis' : 'de ceux de la carte'}`}>
          <p>
            {differing.size > 0 ? (
              <>
                {differing.size === 1 ? 'Trait différent' : 'Traits différents'} :{' '}
                <strong>{[...differing].map((field) => comparedLabel(field).toLocaleLowerCase('fr-FR')).join(', ')}</strong>
                {others.length > 0 ? `, ${others.join(', ')}` : ''}.
              </>
            ) : (
              <>Écarts signalés : {others.join(', ')}.</>
            )}{' '}
            Vérifiez-les avec la pièce d’identité du patient. Si vous acceptez, les traits d’INSi remplacent ceux saisis.
          </p>
        </Alert>
      ) : null}

      <div className="table-wrap">
        <table className="data-table compare-table">
          <caption className="data-table__caption">
            {entered ? 'Traits saisis et traits renvoyés par INSi' : 'Traits renvoyés par INSi'}
          </caption>
          <thead>
            <tr>
              <th scope="col">Trait</th>
              {entered ? <th scope="col">Saisi</th> : null}
              <th scope="col">Renvoyé par INSi</th>
              {showVerdicts ? <th scope="col">Comparaison</th> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((field) => {
              const different = verdict(field) === 'different';
              return (
                <tr key={field} className={different ? 'row--difference' : undefined}>
                  <th scope="row">{comparedLabel(field)}</th>
                  {entered ? <td>{traitDisplay(field, traitValue(field, entered))}</td> : null}
                  <td>{traitDisplay(field, traitValue(field, individu.traits))}</td>
                  {showVerdicts ? (
                    <td className="compare-table__verdict">
                      {different ? (
                        <span className="verdict verdict--different">
                          <Icon name="different" />
                          Différent
                        </span>
                      ) : verdict(field) === 'same' ? (
                        <span className="verdict verdict--same">
                          <Icon name="check" />
                          Identique
                        </span>
                      ) : (
                        <span className="verdict verdict--none">non comparé</span>
                      )}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      <dl className="facts ins-facts">
        <div className="facts__row">
          <dt>INS renvoyé par INSi</dt>
          <dd>
            <span className="ins-number">{formatIns(individu.ins)}</span>
          </dd>
        </div>
        <div className="facts__row">
          <dt>Type d’identifiant</dt>
          <dd>
            {individu.ins.oidLabel || insOidLabel(individu.ins.oid)}
            <span className="facts__source"> — OID {individu.ins.oid}</span>
          </dd>
        </div>
        {individu.history.length > 0 ? (
          <div className="facts__row">
            <dt>Anciens INS de ce patient</dt>
            <dd>
              <InsHistoryList entries={individu.history} />
            </dd>
          </div>
        ) : null}
      </dl>

      {attempts}
      {failureAlert}

      {hasDifferences ? (
        <div className={`confirm-check${checkMissing && !checked ? ' confirm-check--missing' : ''}`}>
          <div className="checkbox">
            <input
              ref={checkRef}
              id={`${id}-verifie`}
              type="checkbox"
              checked={checked}
              onChange={(event) => setChecked(event.target.checked)}
              aria-describedby={checkMissing && !checked ? `${id}-verifie-erreur` : undefined}
              aria-invalid={checkMissing && !checked ? true : undefined}
            />
            <label htmlFor={`${id}-verifie`}>J’ai vérifié les traits renvoyés par INSi avec la pièce d’identité du patient</label>
          </div>
          {checkMissing && !checked ? (
            <p id={`${id}-verifie-erreur`} className="field__error">
              <Icon name="alert" />
              <span>Cochez cette case après avoir vérifié les traits différents, ou modifiez les traits saisis.</span>
            </p>
          ) : null}
        </div>
      ) : null}

      <div className="form-actions">
        <button
          ref={acceptRef}
          type="button"
          className="button button--primary button--large"
          disabled={busy !== null}
          onClick={() => void accept()}
        >
          <Icon name="check" />
          {busy === 'accept' ? 'Enregistrement…' : 'Accepter l’identité INSi'}
        </button>
        {editButton(false, null, source === 'vitale' ? 'Saisir les traits' : 'Modifier les traits')}
        {createButton}
      </div>
    </div>
  );
}

/** What was sent to INSi, to spot a typo before « Modifier les traits ». */
function QueriedTraits({ traits }: { traits: TraitsInput }) {
  return (
    <div className="queried">
      <h3 className="subsection__title">Traits envoyés à INSi</h3>
      <dl className="queried__list">
        {comparedFields
          .filter((field) => field !== 'prenom' && traitValue(field, traits))
          .map((field) => (
            <div key={field} className="queried__item">
              <dt>{comparedLabel(field)}</dt>
              <dd>{traitDisplay(field, traitValue(field, traits))}</dd>
            </div>
          ))}
      </dl>
    </div>
  );
}
