/**
 * The two ways into a DMP without an authorisation: adding it once the
 * patient consents (TD0.3, the consent box must be ticked), and the bris de
 * glace for an emergency (a mandatory reason, recorded and told to the
 * patient).
 */
import { useId, useRef, useState, type FormEvent } from 'react';
import type { Failure, Outcome } from '../../../shared/contract/index.js';
import { FailureAlert, SubmitCancel } from '../../components/FormActions.js';
import { Dialog } from '../../components/Dialog.js';
import { dmp, useDmpReport, type DmpAccess, type DmpStatusView } from './dmp-api.js';
import { reasonProblem } from './dmp-labels.js';
import { MIN_ACCESS_REASON_CHARS } from '../../../shared/domain/limits.js';

export function ConsentDialog({
  uid,
  patientName,
  onDone,
  onClose,
}: {
  uid: string;
  patientName: string;
  onDone: (view: DmpStatusView) => void;
  onClose: () => void;
}) {
  const { busy, failure, run } = useRequest(onDone);
  const id = useId();
  const [confirmed, setConfirmed] = useState(false);
  const [missing, setMissing] = useState(false);
  const boxRef = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!confirmed) {
      setMissing(true);
      boxRef.current?.focus();
      return;
    }
    await run(() => dmp('addAuthorization', { uid, consentConfirmed: true }));
  }

  return (
    <Dialog title="Ajouter l’autorisation d’accès au DMP" onClose={onClose}>
      <form className="form-stack" onSubmit={(event) => void submit(event)} noValidate>
        <p>
          Avant d’ajouter l’autorisation, demandez à <strong>{patientName}</strong> s’il ou elle accepte que vous consultiez son DMP. Le
          patient peut la retirer à tout moment depuis Mon espace santé.
        </p>
        <div className={`checkbox dmp-consent${missing && !confirmed ? ' dmp-consent--missing' : ''}`}>
          <input
            ref={boxRef}
            id={`${id}-consent`}
            type="checkbox"
            checked={confirmed}
            disabled={busy}
            aria-invalid={missing && !confirmed}
            aria-describedby={missing && !confirmed ? `${id}-consent-erreur` : undefined}
            onChange={(event) => setConfirmed(event.target.checked)}
          />
          <label htmlFor={`${id}-consent`}>Le patient m’a donné son accord pour que je consulte son DMP.</label>
        </div>
        {missing && !confirmed ? (
          <p id={`${id}-consent-erreur`} className="field__error">
            Cochez cette case une fois l’accord du patient recueilli.
          </p>
        ) : null}
        <FailureAlert failure={failure} title="Autorisation non ajoutée" />
        <SubmitCancel icon="check" label="Ajouter l’autorisation" busyLabel="Ajout en cours…" busy={busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

export function BrisDeGlaceDialog({
  uid,
  patientName,
  onDone,
  onClose,
}: {
  uid: string;
  patientName: string;
  onDone: (access: DmpAccess) => void;
  onClose: () => void;
}) {
  const { busy, failure, run } = useRequest(onDone);
  const id = useId();
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const problem = reasonProblem(reason);
  const showProblem = touched && problem;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (problem) {
      reasonRef.current?.focus();
      return;
    }
    await run(() => dmp('brisDeGlace', { uid, purpose: 'bris_de_glace', reason: reason.trim() }));
  }

  return (
    <Dialog title="Accès en urgence (bris de glace)" tone="danger" onClose={onClose} describedBy={`${id}-intro`}>
      <form className="form-stack" onSubmit={(event) => void submit(event)} noValidate>
        <p id={`${id}-intro`}>
          Réservé à une situation d’urgence, quand <strong>{patientName}</strong> ne peut pas donner son accord. Votre accès et sa raison
          sont enregistrés dans le journal du DMP, et le patient en est informé.
        </p>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-raison`}>
            Raison de l’accès en urgence (obligatoire)
          </label>
          <p id={`${id}-raison-aide`} className="field__help">
            Par exemple : « patient inconscient, appel du SAMU, recherche des traitements en cours ». {MIN_ACCESS_REASON_CHARS} caractères
            au moins.
          </p>
          <textarea
            ref={reasonRef}
            id={`${id}-raison`}
            className="input dmp-textarea"
            rows={3}
            maxLength={500}
            value={reason}
            disabled={busy}
            required
            aria-invalid={showProblem ? true : undefined}
            aria-describedby={`${id}-raison-aide${showProblem ? ` ${id}-raison-erreur` : ''}`}
            onChange={(event) => setReason(event.target.value)}
            onBlur={() => setTouched(reason.length > 0 || touched)}
          />
          {showProblem ? (
            <p id={`${id}-raison-erreur`} className="field__error">
              {problem}
            </p>
          ) : null}
        </div>
        <FailureAlert failure={failure} title="Accès en urgence refusé" />
        <SubmitCancel
          icon="alert"
          label="Accéder au DMP en urgence"
          busyLabel="Accès en cours…"
          busy={busy}
          tone="danger"
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}

/** A dialog's request: busy while it runs; its refusal is shown in the dialog and reported to the panel. */
function useRequest<T>(onDone: (value: T) => void) {
  const report = useDmpReport();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  async function run(request: () => Promise<Outcome<T>>) {
    setBusy(true);
    setFailure(null);
    const outcome = await request();
    setBusy(false);
    if (outcome.ok) onDone(outcome.value);
    else {
      setFailure(outcome);
      report(outcome);
    }
  }

  return { busy, failure, run };
}
