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
import { useCallback, useEffect, useRef, useState } from 'react';
import { Icon } from '../../components/Icon.js';
import { LoadError } from '../../components/LoadError.js';
import { patientName } from '../../components/PatientName.js';
import { Screen } from '../../components/Screen.js';
import { ServiceOutage } from '../../components/ServiceOutage.js';
import {
  draftOf,
  emptyDraft,
  type FormField,
  type InsiLookupResult,
  type PatientDetail,
  type TraitsDraft,
  type TraitsInput,
} from '../../ins.js';
import { patientHrefs } from '../../routes.js';
import { useCabinet } from '../../state/cabinet.js';
import { useChannel } from '../../data/useChannel.js';
import { TraitsStep } from './TraitsStep.js';
import { ResultStep } from './ResultStep.js';
import { DocumentStep, DoneStep } from './DocumentStep.js';
import './identifier.css';

type Stage =
  | { step: 1 }
  | { step: 2; result: InsiLookupResult; entered: TraitsInput | null; source: 'traits' | 'vitale'; fileName?: string }
  | { step: 3; patient: PatientDetail; arrival: 'accepted' | 'created' }
  | { step: 4; patient: PatientDetail };

const stepTitles = ['Traits d’identité', 'Résultat INSi', 'Pièce d’identité contrôlée'] as const;

export function IdentifierPatient({ uid }: { uid?: string }) {
  // A new INSi query for a patient already on this post: its traits prefill the form.
  const existing = useChannel('patients.get', uid ? { uid } : null);
  if (uid && !existing.data) {
    return (
      <Screen title="Identifier un patient" actions={<BackLink href={patientHrefs.patient(uid)} text="Retour à la fiche du patient" />}>
        {existing.failure ? (
          <LoadError failure={existing.failure} title="Impossible de lire ce patient" />
        ) : (
          <p className="muted">Chargement du patient…</p>
        )}
      </Screen>
    );
  }
  return <IdentificationFlow key={uid ?? ''} existing={uid ? existing.data : null} />;
}

function IdentificationFlow({ existing }: { existing: PatientDetail | null }) {
  const { info } = useCabinet();
  const [draft, setDraft] = useState<TraitsDraft>(() => (existing ? draftOf(existing) : emptyDraft));
  const [stage, setStage] = useState<Stage>({ step: 1 });
  const [focusField, setFocusField] = useState<FormField | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  // A new step: its title takes the focus (screen readers read where they are), unless a field asked for it.
  // Only a new step moves the focus (not focusField going back to null).
  const shownStage = useRef(stage);
  useEffect(() => {
    if (shownStage.current === stage) return;
    shownStage.current = stage;
    if (stage.step === 1 && focusField) return; // the form focuses that field itself
    headingRef.current?.focus();
  }, [stage, focusField]);

  const restart = useCallback(() => {
    setDraft(existing ? draftOf(existing) : emptyDraft);
    setFocusField(null);
    setStage({ step: 1 });
  }, [existing]);

  const step = stage.step === 4 ? 3 : stage.step;
  const production = info?.env === 'production';

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
      <ServiceOutage services={['insi']} />
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
            onCreated={existing ? undefined : (patient) => setStage({ step: 3, patient, arrival: 'created' })}
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
              <span className="visually-hidden">
                {state === 'done' ? ' (terminée)' : state === 'current' ? ' (en cours)' : ' (à venir)'}
              </span>
            </span>
          </li>
        );
      })}
    </ol>
  );
}
