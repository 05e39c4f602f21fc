/** Step 1 of « Identifier un patient »: the traits, checked field by field as they are typed, then « Interroger INSi » (or a test carte Vitale). */
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { Failure } from '../../../shared/contract/index.js';
import { normaliseName, type NameField } from '../../../shared/domain/ins/index.js';
import { FailureAlert } from '../../components/FormActions.js';
import { Alert } from '../../components/Alert.js';
import { outageCause } from '../../../shared/domain/service-outage.js';
import { useFocusBack } from '../../components/useFocusBack.js';
import { Icon } from '../../components/Icon.js';
import { plural, sexLabel } from '../../format.js';
import {
  checkTraits,
  fieldErrorsOf,
  formFields,
  type FormField,
  type InsiLookupResult,
  type PatientDetail,
  type TraitsDraft,
  type TraitsErrors,
  type TraitsInput,
} from '../../ins.js';
import { cabinet } from '../../bridge/index.js';
import { call, useCabinet } from '../../state/cabinet.js';
import { VitaleReader } from './VitaleReader.js';
import { isInsKeyRefusal } from './failures.js';

/* ---------- Step 1: traits ---------- */

const nameFields: Partial<Record<FormField, NameField>> = { birthName: 'nomNaissance', usedName: 'nomUtilise', firstNames: 'listePrenoms' };

export function TraitsStep({
  draft,
  setDraft,
  uid,
  focusField,
  onFocused,
  showVitale,
  onResult,
  onCreated,
}: {
  draft: TraitsDraft;
  setDraft: (update: (draft: TraitsDraft) => TraitsDraft) => void;
  uid: string | undefined;
  focusField: FormField | null;
  onFocused: () => void;
  showVitale: boolean;
  onResult: (result: InsiLookupResult, entered: TraitsInput | null, source: 'traits' | 'vitale', fileName?: string) => void;
  /** INSi down (procédure dégradée): the identity created provisional with the typed traits. */
  onCreated?: (patient: PatientDetail) => void;
}) {
  const { report } = useCabinet();
  const id = useId();
  const [touched, setTouched] = useState<ReadonlySet<FormField>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState<'traits' | 'vitale' | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  // The services' own per-field messages, until that field is changed.
  const [serverErrors, setServerErrors] = useState<TraitsErrors>({});
  // A field to focus once the form is enabled again (after an answer of the services).
  const [focusAfter, setFocusAfter] = useState<FormField | null>(null);
  const submitRef = useRef<HTMLButtonElement>(null);
  const { errors } = checkTraits(draft);
  const shown = (field: FormField) => (submitted || touched.has(field) ? errors[field] : undefined) ?? serverErrors[field];
  const fieldId = (field: FormField) => `${id}-${field}`;

  const focusFirst = useCallback(
    (field: FormField) => {
      const target =
        field === 'sex'
          ? (document.querySelector<HTMLInputElement>(`input[name="${id}-sex"]:checked`) ?? document.getElementById(`${id}-sex-F`))
          : field === 'birthDate'
            ? [`${id}-day`, `${id}-month`, `${id}-year`]
                .map((x) => document.getElementById(x) as HTMLInputElement | null)
                .find((el) => el && !el.disabled)
            : document.getElementById(`${id}-${field}`);
      target?.focus();
    },
    [id],
  );

  useEffect(() => {
    if (busy || !focusAfter) return;
    focusFirst(focusAfter);
    setFocusAfter(null);
  }, [busy, focusAfter, focusFirst]);
  useFocusBack(busy !== null, submitRef);

  // Coming back from the result to fix one field (« Ajouter le lieu de naissance »).
  useEffect(() => {
    if (!focusField) return;
    focusFirst(focusField);
    onFocused();
  }, [focusField, focusFirst, onFocused]);

  // A field's message appears when the user leaves it. While a mouse button is down (leaving a field by
  // clicking the next one, or « Interroger INSi »), wait until the click is over: a message appearing
  // in between would move the target away from under the pointer and the click would be lost.
  const pointerDown = useRef(false);
  const pending = useRef<FormField[]>([]);
  const markTouched = useCallback((fields: FormField[]) => {
    setTouched((previous) => (fields.every((f) => previous.has(f)) ? previous : new Set([...previous, ...fields])));
  }, []);
  useEffect(() => {
    const down = () => {
      pointerDown.current = true;
    };
    const up = () => {
      pointerDown.current = false;
      window.setTimeout(() => {
        const fields = pending.current;
        pending.current = [];
        if (fields.length > 0) markTouched(fields);
      }, 0);
    };
    window.addEventListener('pointerdown', down, true);
    window.addEventListener('pointerup', up, true);
    window.addEventListener('pointercancel', up, true);
    return () => {
      window.removeEventListener('pointerdown', down, true);
      window.removeEventListener('pointerup', up, true);
      window.removeEventListener('pointercancel', up, true);
    };
  }, [markTouched]);
  const touch = (field: FormField) => {
    if (pointerDown.current) pending.current.push(field);
    else markTouched([field]);
  };
  const set = (patch: Partial<TraitsDraft>) => {
    setDraft((previous) => ({ ...previous, ...patch }));
    const changed = Object.keys(patch).map((key) => (key === 'day' || key === 'month' || key === 'year' ? 'birthDate' : key) as FormField);
    if (changed.some((field) => serverErrors[field])) {
      setServerErrors((previous) =>
        Object.fromEntries(Object.entries(previous).filter(([field]) => !changed.includes(field as FormField))),
      );
    }
  };

  /** On leaving a name field: show it as INSi will read it (upper case, no accents). */
  function tidyName(field: 'birthName' | 'usedName' | 'firstNames') {
    touch(field);
    const kind = nameFields[field];
    const value = draft[field];
    if (!kind || !value.trim()) return;
    const normalised = normaliseName(value, kind);
    if (normalised.ok && normalised.value !== value) set({ [field]: normalised.value });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setFailure(null);
    const { traits, errors: found } = checkTraits(draft);
    if (!traits) {
      setSubmitted(true);
      const first = formFields.find((field) => found[field]);
      if (first) focusFirst(first);
      return;
    }
    setBusy('traits');
    const outcome = await call(() => cabinet.ins.lookupTraits(uid ? { traits, uid } : { traits }));
    setBusy(null);
    if (outcome.ok) {
      onResult(outcome.value, traits, 'traits');
      return;
    }
    setFailure(outcome);
    report(outcome);
    const fieldErrors = fieldErrorsOf(outcome);
    if (fieldErrors) {
      setServerErrors(fieldErrors);
      setFocusAfter(formFields.find((field) => fieldErrors[field]) ?? null);
    }
  }

  const errorCount = submitted ? formFields.filter((field) => shown(field)).length : 0;
  const describedBy = (...ids: (string | false | undefined)[]) => ids.filter(Boolean).join(' ') || undefined;
  const dayUnknown = draft.day === '00';
  const monthUnknown = draft.month === '00';

  return (
    <div className="traits-step">
      <form className="form-stack traits-form" onSubmit={(event) => void submit(event)} noValidate aria-describedby={`${id}-consigne`}>
        <p id={`${id}-consigne`} className="section__intro">
          Recopiez les traits <strong>tels qu’ils figurent sur la pièce d’identité</strong>. Tous les champs sont obligatoires, sauf ceux
          marqués « facultatif ».
        </p>
        <FailureAlert
          failure={failure}
          title={failure && isInsKeyRefusal(failure) ? 'INS refusé : clé incohérente' : 'INSi n’a pas pu être interrogé'}
        />
        {failure && outageCause(failure) && onCreated ? (
          <Alert tone="warning" title="INSi ne répond pas : procédure dégradée">
            <p>
              Créez l’identité <strong>provisoire</strong> avec les traits saisis. Rien ne sera partagé pour ce patient (DMP, messagerie)
              tant que son identité n’est pas qualifiée ; sa fiche vous rappellera d’interroger INSi à nouveau quand le service sera revenu.
            </p>
            <button
              type="button"
              className="button button--secondary"
              disabled={busy !== null}
              onClick={async () => {
                const { traits } = checkTraits(draft);
                if (!traits) return;
                const created = await call(() => cabinet.patients.create({ traits }));
                if (created.ok) onCreated(created.value);
                else {
                  setFailure(created);
                  report(created);
                }
              }}
            >
              Créer l’identité provisoire avec ces traits
            </button>
          </Alert>
        ) : null}

        <div className="form-row">
          <TextField
            id={fieldId('birthName')}
            label="Nom de naissance"
            hint="Le nom de famille reçu à la naissance, pas le nom d’épouse ou d’usage."
            value={draft.birthName}
            error={shown('birthName')}
            disabled={busy !== null}
            onChange={(value) => set({ birthName: value })}
            onBlur={() => tidyName('birthName')}
            autoComplete="off"
          />
          <TextField
            id={fieldId('usedName')}
            label="Nom utilisé (facultatif)"
            hint="Seulement s’il diffère du nom de naissance (par exemple le nom d’épouse)."
            value={draft.usedName}
            error={shown('usedName')}
            disabled={busy !== null}
            onChange={(value) => set({ usedName: value })}
            onBlur={() => tidyName('usedName')}
            autoComplete="off"
          />
        </div>
        <TextField
          id={fieldId('firstNames')}
          label="Prénoms"
          hint="Tous les prénoms de l’état civil, dans l’ordre de la pièce d’identité, séparés par une espace (MARIE CLAIRE ODILE). Un prénom composé garde son tiret (JEAN-PIERRE)."
          value={draft.firstNames}
          error={shown('firstNames')}
          disabled={busy !== null}
          onChange={(value) => set({ firstNames: value })}
          onBlur={() => tidyName('firstNames')}
          autoComplete="off"
          wide
        />

        <div className="form-row">
          <fieldset
            className="field fieldset"
            aria-describedby={describedBy(shown('sex') && `${fieldId('sex')}-erreur`)}
            onBlur={(event) => {
              if (!event.currentTarget.contains(event.relatedTarget as Node | null)) touch('sex');
            }}
          >
            <legend className="field__label">Sexe</legend>
            <div className="radio-row">
              {(['F', 'M'] as const).map((sex) => (
                <label key={sex} className="radio" htmlFor={`${fieldId('sex')}-${sex}`}>
                  <input
                    id={`${fieldId('sex')}-${sex}`}
                    type="radio"
                    name={`${id}-sex`}
                    value={sex}
                    checked={draft.sex === sex}
                    onChange={() => set({ sex })}
                    disabled={busy !== null}
                    aria-invalid={shown('sex') ? true : undefined}
                  />
                  {sexLabel(sex)}
                </label>
              ))}
            </div>
            <FieldError id={`${fieldId('sex')}-erreur`} message={shown('sex')} />
          </fieldset>

          <fieldset
            className="field fieldset"
            aria-describedby={describedBy(`${id}-date-aide`, shown('birthDate') && `${fieldId('birthDate')}-erreur`)}
            onBlur={(event) => {
              if (!event.currentTarget.contains(event.relatedTarget as Node | null)) touch('birthDate');
            }}
          >
            <legend className="field__label">Date de naissance</legend>
            <p id={`${id}-date-aide`} className="field__help">
              En chiffres, par exemple 12 / 03 / 1958.
            </p>
            <div className="date-fields">
              <DatePart
                id={`${id}-day`}
                label="Jour"
                value={draft.day}
                size={2}
                unknown={dayUnknown}
                invalid={Boolean(shown('birthDate'))}
                errorId={`${fieldId('birthDate')}-erreur`}
                disabled={busy !== null}
                onChange={(value) => set({ day: value })}
              />
              <DatePart
                id={`${id}-month`}
                label="Mois"
                value={draft.month}
                size={2}
                unknown={monthUnknown}
                invalid={Boolean(shown('birthDate'))}
                errorId={`${fieldId('birthDate')}-erreur`}
                disabled={busy !== null}
                onChange={(value) => set({ month: value })}
              />
              <DatePart
                id={`${id}-year`}
                label="Année"
                value={draft.year}
                size={4}
                unknown={false}
                invalid={Boolean(shown('birthDate'))}
                errorId={`${fieldId('birthDate')}-erreur`}
                disabled={busy !== null}
                onChange={(value) => set({ year: value })}
              />
            </div>
            <div className="checkbox-row">
              <div className="checkbox">
                <input
                  id={`${id}-day-unknown`}
                  type="checkbox"
                  checked={dayUnknown}
                  disabled={busy !== null || monthUnknown}
                  onChange={(event) => set({ day: event.target.checked ? '00' : '' })}
                />
                <label htmlFor={`${id}-day-unknown`}>Jour inconnu</label>
              </div>
              <div className="checkbox">
                <input
                  id={`${id}-month-unknown`}
                  type="checkbox"
                  checked={monthUnknown}
                  disabled={busy !== null}
                  onChange={(event) =>
                    set(event.target.checked ? { month: '00', day: '00' } : { month: '', day: draft.day === '00' ? '' : draft.day })
                  }
                />
                <label htmlFor={`${id}-month-unknown`}>Mois inconnu</label>
              </div>
            </div>
            <FieldError id={`${fieldId('birthDate')}-erreur`} message={shown('birthDate')} />
          </fieldset>
        </div>

        <TextField
          id={fieldId('birthplace')}
          label="Code du lieu de naissance (facultatif)"
          hint="Code officiel géographique (COG) de la commune : 5 caractères ; 99xxx pour l’étranger ; 2A/2B pour la Corse."
          value={draft.birthplace}
          error={shown('birthplace')}
          disabled={busy !== null}
          onChange={(value) => set({ birthplace: value })}
          onBlur={() => {
            touch('birthplace');
            const tidy = draft.birthplace.replace(/\s+/g, '').toUpperCase();
            if (tidy !== draft.birthplace) set({ birthplace: tidy });
          }}
          autoComplete="off"
          narrow
          mono
        />

        <div className="form-actions">
          <button ref={submitRef} type="submit" className="button button--primary button--large" disabled={busy !== null}>
            {busy === 'traits' ? <Icon name="refresh" className="icon--spin" /> : <Icon name="search" />}
            {busy === 'traits' ? 'Interrogation d’INSi…' : 'Interroger INSi'}
          </button>
          {errorCount > 0 ? (
            <p className="feedback feedback--error">
              <Icon name="alert" />
              {errorCount === 1 ? 'Un champ est à corriger.' : `${plural(errorCount, 'champ')} sont à corriger.`}
            </p>
          ) : null}
        </div>
        <p className="visually-hidden" role="status">
          {busy ? 'Interrogation du téléservice INSi en cours…' : ''}
        </p>
      </form>

      {showVitale ? (
        <VitaleReader busy={busy} setBusy={setBusy} onResult={(result, fileName) => onResult(result, null, 'vitale', fileName)} />
      ) : null}
    </div>
  );
}

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p id={id} className="field__error">
      <Icon name="alert" />
      <span>{message}</span>
    </p>
  );
}

function TextField({
  id,
  label,
  hint,
  value,
  error,
  disabled,
  onChange,
  onBlur,
  autoComplete,
  wide = false,
  narrow = false,
  mono = false,
}: {
  id: string;
  label: string;
  hint?: string;
  value: string;
  error: string | undefined;
  disabled: boolean;
  onChange: (value: string) => void;
  onBlur: () => void;
  autoComplete?: string;
  wide?: boolean;
  narrow?: boolean;
  mono?: boolean;
}) {
  const classes = ['input', 'input--trait', wide ? 'input--trait-wide' : '', narrow ? 'input--trait-narrow' : '', mono ? 'input--mono' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {hint ? (
        <p id={`${id}-aide`} className="field__help">
          {hint}
        </p>
      ) : null}
      <input
        id={id}
        className={classes}
        type="text"
        value={value}
        spellCheck={false}
        autoComplete={autoComplete}
        disabled={disabled}
        onChange={(event) => onChange(event.target.value)}
        onBlur={onBlur}
        aria-invalid={error ? true : undefined}
        aria-describedby={[hint ? `${id}-aide` : '', error ? `${id}-erreur` : ''].filter(Boolean).join(' ') || undefined}
      />
      <FieldError id={`${id}-erreur`} message={error} />
    </div>
  );
}

function DatePart({
  id,
  label,
  value,
  size,
  unknown,
  invalid,
  errorId,
  disabled,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  size: number;
  unknown: boolean;
  invalid: boolean;
  errorId: string;
  disabled: boolean;
  onChange: (value: string) => void;
}) {
  return (
    <div className="date-fields__part">
      <label className="date-fields__label" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        className={`input input--mono date-fields__input date-fields__input--${size}`}
        type="text"
        inputMode="numeric"
        autoComplete="off"
        maxLength={size}
        value={value}
        disabled={disabled || unknown}
        onChange={(event) => onChange(event.target.value.replace(/\D/g, ''))}
        aria-invalid={invalid ? true : undefined}
        aria-describedby={invalid ? errorId : undefined}
      />
    </div>
  );
}
