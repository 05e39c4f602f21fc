/**
 * « Pièce d’identité contrôlée »: which high-trust document the patient
 * showed, and when. Recording it qualifies a retrieved identity (RECUP →
 * QUAL) or validates a provisional one (PROV → VALI).
 */
import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { Failure } from '../../shared/contract/index.js';
import { practiceToday } from '../format.js';
import { documentChoices, type PatientDetail } from '../ins.js';
import { cabinet } from '../bridge/index.js';
import { call, useCabinet } from '../state/cabinet.js';
import { FailureAlert } from './FormActions.js';
import { Icon } from './Icon.js';
import { useFocusBack } from './useFocusBack.js';

export function DocumentCheckForm({
  patient,
  onRecorded,
  secondary,
}: {
  patient: PatientDetail;
  onRecorded: (patient: PatientDetail) => void;
  /** Another way out, next to the submit button (« Plus tard »…). */
  secondary?: ReactNode;
}) {
  const { report } = useCabinet();
  const id = useId();
  const [type, setType] = useState('');
  const [date, setDate] = useState(() => practiceToday());
  const [problems, setProblems] = useState<{ type?: string; date?: string }>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const submitRef = useRef<HTMLButtonElement>(null);
  useFocusBack(busy, submitRef);
  const today = practiceToday();
  const chosen = documentChoices.find((d) => d.code === type);

  function check(): { type?: string; date?: string } {
    const found: { type?: string; date?: string } = {};
    if (!type) found.type = 'Choisissez la pièce d’identité présentée par le patient.';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) found.date = 'Saisissez la date du contrôle.';
    else if (date > today) found.date = 'La date du contrôle ne peut pas être dans le futur.';
    return found;
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setFailure(null);
    const found = check();
    setProblems(found);
    if (found.type || found.date) {
      document.getElementById(found.type ? `${id}-type` : `${id}-date`)?.focus();
      return;
    }
    setBusy(true);
    const outcome = await call(() => cabinet.patients.recordDocument({ uid: patient.uid, type, date }));
    setBusy(false);
    if (outcome.ok) onRecorded(outcome.value);
    else {
      setFailure(outcome);
      report(outcome);
    }
  }

  return (
    <form className="form-stack" onSubmit={(event) => void submit(event)} noValidate>
      <FailureAlert failure={failure} title="Contrôle non enregistré" />
      <div className="field">
        <label className="field__label" htmlFor={`${id}-type`}>
          Pièce d’identité présentée
        </label>
        <p id={`${id}-type-aide`} className="field__help">
          Seule une pièce à haut niveau de confiance permet de qualifier l’identité : la carte Vitale (carte plastique) n’en est pas une.
        </p>
        <select
          id={`${id}-type`}
          className="input input--select"
          value={type}
          onChange={(event) => {
            setType(event.target.value);
            if (problems.type) setProblems({ ...problems, type: undefined });
          }}
          aria-describedby={[`${id}-type-aide`, chosen?.condition ? `${id}-type-condition` : '', problems.type ? `${id}-type-erreur` : '']
            .filter(Boolean)
            .join(' ')}
          aria-invalid={problems.type ? true : undefined}
          disabled={busy}
        >
          <option value="">Choisissez la pièce…</option>
          {documentChoices.map((choice) => (
            <option key={choice.code} value={choice.code}>
              {choice.label}
              {choice.condition ? ' (cas particulier)' : ''}
            </option>
          ))}
        </select>
        {chosen?.condition ? (
          <p id={`${id}-type-condition`} className="field__note">
            <Icon name="info" />
            <span>Accepté seulement dans ce cas : {chosen.condition}</span>
          </p>
        ) : null}
        {problems.type ? (
          <p id={`${id}-type-erreur`} className="field__error">
            <Icon name="alert" />
            <span>{problems.type}</span>
          </p>
        ) : null}
      </div>
      <div className="field">
        <label className="field__label" htmlFor={`${id}-date`}>
          Date du contrôle
        </label>
        <input
          id={`${id}-date`}
          className="input input--date"
          type="date"
          value={date}
          max={today}
          onChange={(event) => {
            setDate(event.target.value);
            if (problems.date) setProblems({ ...problems, date: undefined });
          }}
          aria-describedby={problems.date ? `${id}-date-erreur` : undefined}
          aria-invalid={problems.date ? true : undefined}
          disabled={busy}
        />
        {problems.date ? (
          <p id={`${id}-date-erreur`} className="field__error">
            <Icon name="alert" />
            <span>{problems.date}</span>
          </p>
        ) : null}
      </div>
      <div className="form-actions">
        <button ref={submitRef} type="submit" className="button button--primary" disabled={busy}>
          <Icon name="check" />
          {busy ? 'Enregistrement…' : 'Enregistrer le contrôle de la pièce'}
        </button>
        {secondary}
      </div>
    </form>
  );
}
