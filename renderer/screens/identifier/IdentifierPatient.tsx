/**
 * « Identifier un patient »: one screen, three visible steps.
 *
 *  1. Traits d’identité — typed from the patient's identity document, checked
 *     field by field as they are typed (shared/domain/ins), then « Interroger
 *     INSi » (or a test carte Vitale file).
 *  2. Résultat INSi — identity found (entered and returned traits side by
 *     side, differences marked in words and with an icon, the INS and its
 *     history, the queries made), none, or several; accept INSi's identity
 *     (→ Identité récupérée) or create a provisional one (→ Identité
 *     provisoire).
 *  3. Pièce d’identité contrôlée — the high-trust document checked and when
 *     (→ Identité qualifiée, or validée without an INS).
 *
 * With a `uid`, the same flow re-queries INSi for a patient already on this
 * post (traits prefilled; accepting updates that patient).
 */
import { useCallback, useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { Failure } from '../../../shared/contract/index.js';
import { INS_KEY_MISMATCH_REASON, normaliseName, type NameField } from '../../../shared/domain/ins/index.js';
import { Alert } from '../../components/Alert.js';
import { FailureAlert } from '../../components/FormActions.js';
import { DocumentCheckForm } from '../../components/DocumentCheckForm.js';
import { useFocusBack } from '../../components/useFocusBack.js';
import { Icon } from '../../components/Icon.js';
import { LoadError } from '../../components/LoadError.js';
import { PatientName, patientName } from '../../components/PatientName.js';
import { Screen } from '../../components/Screen.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { formatBirthDate, plural, sexLabel } from '../../format.js';
import {
  checkTraits,
  comparedFields,
  comparedLabel,
  crLabel,
  differingFields,
  draftOf,
  emptyDraft,
  fieldErrorsOf,
  formFields,
  formatIns,
  insOidLabel,
  otherDifferences,
  traitValue,
  type ComparedField,
  type FormField,
  type InsiLookupResult,
  type PatientDetail,
  type TraitsDraft,
  type TraitsErrors,
  type TraitsInput,
} from '../../ins.js';
import { cabinet } from '../../bridge/index.js';
import { patientHrefs } from '../../routes.js';
import { call, useCabinet } from '../../state/cabinet.js';
import { InsHistoryList } from '../../components/InsHistoryList.js';
import { readAsBase64 } from '../../read-file.js';
import './identifier.css';

type Stage =
  | { step: 1 }
  | { step: 2; result: InsiLookupResult; entered: TraitsInput | null; source: 'traits' | 'vitale'; fileName?: string }
  | { step: 3; patient: PatientDetail; arrival: 'accepted' | 'created' }
  | { step: 4; patient: PatientDetail };

const stepTitles = ['Traits d’identité', 'Résultat INSi', 'Pièce d’identité contrôlée'] as const;

/** The largest test carte Vitale file accepted (its base64 must fit the contract's 100 000 characters). */
const VITALE_MAX_BYTES = 74_000;

export function IdentifierPatient({ uid }: { uid?: string }) {
  const { report, info } = useCabinet();
  const [existing, setExisting] = useState<PatientDetail | null>(null);
  const [loadError, setLoadError] = useState<Failure | null>(null);
  const [draft, setDraft] = useState<TraitsDraft>(emptyDraft);
  const [stage, setStage] = useState<Stage>({ step: 1 });
  const [focusField, setFocusField] = useState<FormField | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (!uid) return;
    let live = true;
    void call(() => cabinet.patients.get({ uid })).then((outcome) => {
      if (!live) return;
      if (outcome.ok) {
        setExisting(outcome.value);
        setDraft(draftOf(outcome.value));
      } else {
        setLoadError(outcome);
        report(outcome);
      }
    });
    return () => {
      live = false;
    };
  }, [uid, report]);

  // A new step: its title takes the focus (screen readers read where they are), unless a field asked for it.
  // Only a new step moves the focus (not focusField going back to null).
  const shownStage = useRef(stage);
  useEffect(() => {
    if (shownStage.current === stage) return;
    shownStage.current = stage;
    if (stage.step === 1 && focusField) return; // the form focuses that field itself
    headingRef.current?.focus();
  }, [stage]);

  const restart = useCallback(() => {
    setDraft(existing ? draftOf(existing) : emptyDraft);
    setFocusField(null);
    setStage({ step: 1 });
  }, [existing]);

  const step = stage.step === 4 ? 3 : stage.step;
  const production = info?.env === 'production';

  if (uid && !existing) {
    return (
      <Screen title="Identifier un patient" actions={<BackLink href={patientHrefs.patient(uid)} text="Retour à la fiche du patient" />}>
        {loadError ? <LoadError failure={loadError} title="Impossible de lire ce patient" /> : <p className="muted">Chargement du patient…</p>}
      </Screen>
    );
  }

  return (
    <Screen
      title="Identifier un patient"
      intro={
        existing ? (
          <>
            Nouvelle interrogation du téléservice INSi pour <strong>{patientName(existing)}</strong>.
          </>
        ) : (
          'Interrogez le téléservice INSi avec les traits de la pièce d’identité du patient, puis contrôlez cette pièce pour qualifier son identité.'
        )
      }
      actions={
        existing ? (
          <BackLink href={patientHrefs.patient(existing.uid)} text="Retour à la fiche du patient" />
        ) : (
          <BackLink href={patientHrefs.list} text="Retour à la liste des patients" />
        )
      }
    >
      <Stepper current={step} done={stage.step === 4} />

      <section className="step-panel" aria-labelledby="etape-titre">
        <h2 id="etape-titre" className="step-panel__title" tabIndex={-1} ref={headingRef}>
          {stage.step === 4 ? (
            'Identification terminée'
          ) : (
            <>
              <span className="step-panel__number">Étape {step} sur 3 : </span>
              {stepTitles[step - 1]}
            </>
          )}
        </h2>

        {stage.step === 1 ? (
          <TraitsStep
            draft={draft}
            setDraft={setDraft}
            uid={existing?.uid}
            focusField={focusField}
            onFocused={() => setFocusField(null)}
            showVitale={!production && !existing}
            onResult={(result, entered, source, fileName) => setStage({ step: 2, result, entered, source, fileName })}
          />
        ) : stage.step === 2 ? (
          <ResultStep
            result={stage.result}
            entered={stage.entered}
            source={stage.source}
            fileName={stage.fileName}
            existing={existing}
            onEdit={(field) => {
              setFocusField(field);
              setStage({ step: 1 });
            }}
            onPatient={(patient, arrival) => setStage({ step: 3, patient, arrival })}
          />
        ) : stage.step === 3 ? (
          <DocumentStep patient={stage.patient} arrival={stage.arrival} onRecorded={(patient) => setStage({ step: 4, patient })} />
        ) : (
          <DoneStep patient={stage.patient} onAnother={existing ? null : restart} />
        )}
      </section>
    </Screen>
  );
}

function BackLink({ href, text }: { href: string; text: string }) {
  return (
    <a className="button button--quiet" href={href}>
      <Icon name="retour" />
      {text}
    </a>
  );
}

/* ---------- Steps indicator ---------- */

function Stepper({ current, done }: { current: number; done: boolean }) {
  return (
    <ol className="stepper" aria-label="Étapes de l’identification">
      {stepTitles.map((title, index) => {
        const number = index + 1;
        const state = done || number < current ? 'done' : number === current ? 'current' : 'todo';
        return (
          <li key={title} className={`stepper__step stepper__step--${state}`} aria-current={state === 'current' ? 'step' : undefined}>
            <span className="stepper__mark" aria-hidden="true">
              {state === 'done' ? <Icon name="check" /> : number}
            </span>
            <span className="stepper__text">
              <span className="visually-hidden">Étape {number} : </span>
              {title}
              <span className="visually-hidden">{state === 'done' ? ' (terminée)' : state === 'current' ? ' (en cours)' : ' (à venir)'}</span>
            </span>
          </li>
        );
      })}
    </ol>
  );
}

/* ---------- Step 1: traits ---------- */

const nameFields: Partial<Record<FormField, NameField>> = { birthName: 'nomNaissance', usedName: 'nomUtilise', firstNames: 'listePrenoms' };

function TraitsStep({
  draft,
  setDraft,
  uid,
  focusField,
  onFocused,
  showVitale,
  onResult,
}: {
  draft: TraitsDraft;
  setDraft: (update: (draft: TraitsDraft) => TraitsDraft) => void;
  uid: string | undefined;
  focusField: FormField | null;
  onFocused: () => void;
  showVitale: boolean;
  onResult: (result: InsiLookupResult, entered: TraitsInput | null, source: 'traits' | 'vitale', fileName?: string) => void;
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
          ? document.querySelector<HTMLInputElement>(`input[name="${id}-sex"]:checked`) ?? document.getElementById(`${fieldId('sex')}-F`)
          : field === 'birthDate'
            ? [`${id}-day`, `${id}-month`, `${id}-year`].map((x) => document.getElementById(x) as HTMLInputElement | null).find((el) => el && !el.disabled)
            : document.getElementById(fieldId(field));
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
      setServerErrors((previous) => Object.fromEntries(Object.entries(previous).filter(([field]) => !changed.includes(field as FormField))));
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
          Recopiez les traits <strong>tels qu’ils figurent sur la pièce d’identité</strong>. Tous les champs sont obligatoires, sauf ceux marqués
          « facultatif ».
        </p>
        <FailureAlert failure={failure} title={failure && isInsKeyRefusal(failure) ? 'INS refusé : clé incohérente' : 'INSi n’a pas pu être interrogé'} />

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
                  onChange={(event) => set(event.target.checked ? { month: '00', day: '00' } : { month: '', day: draft.day === '00' ? '' : draft.day })}
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
        <VitaleReader
          busy={busy}
          setBusy={setBusy}
          onResult={(result, fileName) => onResult(result, null, 'vitale', fileName)}
        />
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
  const classes = ['input', 'input--trait', wide ? 'input--trait-wide' : '', narrow ? 'input--trait-narrow' : '', mono ? 'input--mono' : ''].filter(Boolean).join(' ');
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

/* ---------- Test carte Vitale ---------- */

function VitaleReader({
  busy,
  setBusy,
  onResult,
}: {
  busy: 'traits' | 'vitale' | null;
  setBusy: (busy: 'traits' | 'vitale' | null) => void;
  onResult: (result: InsiLookupResult, fileName: string) => void;
}) {
  const { report } = useCabinet();
  const id = useId();
  const [beneficiary, setBeneficiary] = useState('1');
  const [problem, setProblem] = useState<string | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  useFocusBack(busy === 'vitale', fileRef);
  const beneficiaryNumber = Number(beneficiary);
  const beneficiaryValid = /^\d{1,2}$/.test(beneficiary) && beneficiaryNumber >= 1 && beneficiaryNumber <= 21;

  async function read(input: HTMLInputElement) {
    const file = input.files?.[0];
    input.value = ''; // choosing the same file again reads it again
    if (!file) return;
    setProblem(null);
    if (!beneficiaryValid) {
      setProblem('Le numéro du bénéficiaire va de 1 à 21.');
      return;
    }
    if (file.size === 0 || file.size > VITALE_MAX_BYTES) {
      setProblem(file.size === 0 ? `Le fichier « ${file.name} » est vide.` : `Le fichier « ${file.name} » est trop volumineux pour une carte Vitale de test.`);
      return;
    }
    setBusy('vitale');
    let contentBase64: string;
    try {
      contentBase64 = await readAsBase64(file);
    } catch {
      setBusy(null);
      setProblem(`Le fichier « ${file.name} » n’a pas pu être lu.`);
      return;
    }
    const outcome = await call(() => cabinet.ins.lookupVitale({ fileName: file.name, contentBase64, beneficiaire: beneficiaryNumber - 1 }));
    setBusy(null);
    if (outcome.ok) onResult(outcome.value, file.name);
    else {
      setProblem(outcome.message);
      report(outcome);
    }
  }

  return (
    <section className="vitale" aria-labelledby={`${id}-titre`}>
      <h3 id={`${id}-titre`} className="vitale__title">
        <Icon name="carte" />
        Ou : carte Vitale de test
      </h3>
      <p className="field__help">
        Environnement de test : INSi est interrogé avec les traits d’un fichier de carte Vitale de test (JSON). Contrôlez ensuite la pièce
        d’identité comme pour une saisie.
      </p>
      <div className="vitale__controls">
        <div className="field">
          <label className="field__label" htmlFor={`${id}-beneficiaire`}>
            Bénéficiaire de la carte
          </label>
          <input
            id={`${id}-beneficiaire`}
            className="input input--number"
            type="number"
            min={1}
            max={21}
            value={beneficiary}
            disabled={busy !== null}
            onChange={(event) => setBeneficiary(event.target.value)}
            aria-describedby={`${id}-beneficiaire-aide`}
            aria-invalid={beneficiaryValid ? undefined : true}
          />
          <p id={`${id}-beneficiaire-aide`} className="field__help">
            1 pour le premier de la carte.
          </p>
        </div>
        <div className="file-picker">
          <input
            ref={fileRef}
            id={`${id}-fichier`}
            className="file-picker__input visually-hidden"
            type="file"
            accept=".json,application/json"
            disabled={busy !== null}
            aria-describedby={problem ? `${id}-probleme` : undefined}
            aria-invalid={problem ? true : undefined}
            onChange={(event) => void read(event.currentTarget)}
          />
          <label htmlFor={`${id}-fichier`} className="button button--secondary file-picker__button">
            {busy === 'vitale' ? <Icon name="refresh" className="icon--spin" /> : <Icon name="fichier" />}
            {busy === 'vitale' ? 'Lecture et interrogation d’INSi…' : 'Lire une carte Vitale de test'}
          </label>
        </div>
      </div>
      {problem ? (
        <p id={`${id}-probleme`} className="field__error" role="alert">
          <Icon name="alert" />
          <span>{problem}</span>
        </p>
      ) : null}
    </section>
  );
}

/* ---------- Step 2: INSi's answer ---------- */

function traitDisplay(field: ComparedField, value: string): ReactNode {
  if (!value) return <span className="muted">non renseigné</span>;
  if (field === 'sexe') return `${sexLabel(value)} (${value})`;
  if (field === 'dateNaissance') return formatBirthDate(value);
  return <span className="trait-value">{value}</span>;
}

/** A refusal naming the patient who already holds this INS (`details.uid`). */
/** INSi answered, but an INS key of its answer is wrong: the answer was refused (the message says what to do). */
function isInsKeyRefusal(failure: Failure): boolean {
  const details = failure.details;
  return failure.code === 'CHECK_FAILED' && !!details && typeof details === 'object' && (details as { reason?: unknown }).reason === INS_KEY_MISMATCH_REASON;
}

function existingHolder(failure: Failure): string | null {
  return failure.code === 'CONFLICT' ? (failure.details?.uid ?? null) : null;
}

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

function ResultStep({
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
    const outcome = await call(() => cabinet.patients.acceptInsi(existing ? { lookupId: result.lookupId, uid: existing.uid } : { lookupId: result.lookupId }));
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
    <button type="button" className={`button ${primary ? 'button--primary' : 'button--quiet'}`} disabled={busy !== null} onClick={() => onEdit(field)}>
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
            <p>INSi ne peut pas choisir entre plusieurs personnes : ajoutez le code du lieu de naissance pour distinguer le patient, puis interrogez INSi à nouveau.</p>
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
          {several ? editButton(true, 'birthplace', 'Ajouter le lieu de naissance') : editButton(true, null, source === 'vitale' ? 'Saisir les traits' : 'Modifier les traits')}
          {createButton}
        </div>
      </div>
    );
  }

  const rows = comparedFields.filter((field) => field !== 'lieuNaissance' || traitValue(field, individu.traits) || (entered && traitValue(field, entered)));
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
          <caption className="data-table__caption">{entered ? 'Traits saisis et traits renvoyés par INSi' : 'Traits renvoyés par INSi'}</caption>
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
        <button ref={acceptRef} type="button" className="button button--primary button--large" disabled={busy !== null} onClick={() => void accept()}>
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

/* ---------- Step 3: the identity document ---------- */

function PatientRecap({ patient, large = false }: { patient: PatientDetail; large?: boolean }) {
  return (
    <div className={`patient-recap${large ? ' patient-recap--large' : ''}`}>
      <div className="patient-recap__who">
        <p className="patient-recap__name">
          <PatientName patient={patient} />
        </p>
        <p className="muted">
          {sexLabel(patient.sex)} · né{patient.sex === 'F' ? 'e' : ''} le {formatBirthDate(patient.birthDate)}
        </p>
      </div>
      <StatusBadge status={patient.status} label={patient.statusLabel} size={large ? 'large' : 'normal'} />
      {patient.ins ? (
        <p className="patient-recap__ins">
          <span className="muted">INS : </span>
          <span className="ins-number">{formatIns(patient.ins)}</span>
          <span className="muted"> — {patient.ins.oidLabel}</span>
        </p>
      ) : null}
    </div>
  );
}

function DocumentStep({ patient, arrival, onRecorded }: { patient: PatientDetail; arrival: 'accepted' | 'created'; onRecorded: (patient: PatientDetail) => void }) {
  const recovered = patient.status === 'RECUP';
  return (
    <div className="form-stack">
      <Alert tone="success" title={arrival === 'accepted' ? 'Identité INSi acceptée' : 'Identité provisoire créée'}>
        <p>
          {arrival === 'accepted'
            ? 'Le patient est enregistré avec le statut « Identité récupérée ». Contrôlez maintenant sa pièce d’identité pour qualifier son identité.'
            : 'Le patient est enregistré avec le statut « Identité provisoire ». Si vous avez contrôlé sa pièce d’identité, enregistrez-le : l’identité sera validée, mais restera non qualifiée sans INS.'}
        </p>
      </Alert>
      <PatientRecap patient={patient} />
      <p className="section__intro">
        {recovered
          ? 'Avec l’INS récupéré et une pièce d’identité à haut niveau de confiance contrôlée, l’identité devient qualifiée.'
          : 'Indiquez la pièce d’identité présentée par le patient et la date du contrôle.'}
      </p>
      <DocumentCheckForm
        patient={patient}
        onRecorded={onRecorded}
        secondary={
          <a className="button button--quiet" href={patientHrefs.patient(patient.uid)}>
            Plus tard : ouvrir la fiche du patient
          </a>
        }
      />
    </div>
  );
}

/* ---------- Done ---------- */

function DoneStep({ patient, onAnother }: { patient: PatientDetail; onAnother: (() => void) | null }) {
  const qualified = patient.status === 'QUAL';
  return (
    <div className="form-stack">
      {qualified ? (
        <Alert tone="success" title="Identité qualifiée : l’INS peut être utilisé pour le DMP et la messagerie." className="alert--large" />
      ) : (
        <Alert tone={patient.status === 'VALI' ? 'success' : 'info'} title={`${patient.statusLabel} : la pièce d’identité est contrôlée.`} className="alert--large">
          <p>Sans INS récupéré auprès d’INSi, l’identité n’est pas qualifiée : l’INS ne peut pas encore être utilisé. Interrogez INSi depuis la fiche du patient.</p>
        </Alert>
      )}
      <PatientRecap patient={patient} large />
      <div className="form-actions">
        <a className="button button--primary" href={patientHrefs.patient(patient.uid)}>
          Ouvrir la fiche du patient
        </a>
        {onAnother ? (
          <button type="button" className="button button--secondary" onClick={onAnother}>
            <Icon name="ajouter" />
            Identifier un autre patient
          </button>
        ) : null}
        <a className="button button--quiet" href={patientHrefs.list}>
          Retour à la liste des patients
        </a>
      </div>
    </div>
  );
}
