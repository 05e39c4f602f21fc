/**
 * Login with e-CPS: the practitioner's national identifier, then the
 * approval on the phone (the services are asked until it is approved,
 * refused or expired).
 */
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import type { Failure, ResponseOf } from '../../../shared/contract/index.js';
import { FieldError } from '../../components/FieldError.js';
import { Icon } from '../../components/Icon.js';
import { SessionFailure } from '../../components/SessionFailure.js';
import { cabinet } from '../../bridge/index.js';
import { call } from '../../state/cabinet.js';
import { useSession } from '../../state/session.js';
import { LoginMethod, useFocusOnMount } from './LoginMethod.js';

type EcpsRequest = ResponseOf<'session.ecpsStart'>;

const ID_NAT_PS = /^[0-9][0-9A-Za-z]{5,20}$/;
const EXPIRED = 'La demande a expiré sans être validée sur le téléphone. Recommencez.';

function localFailure(message: string): Failure {
  return { ok: false, code: 'CONFLICT', message };
}

function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  if (minutes === 0) return `${seconds} s`;
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

export function EcpsLogin({ autoFocus, initialId }: { autoFocus: boolean; initialId?: string }) {
  const { apply } = useSession();
  const id = useId();
  const inputRef = useFocusOnMount<HTMLInputElement>(autoFocus);
  const [idNatPs, setIdNatPs] = useState(initialId ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [pending, setPending] = useState<EcpsRequest | null>(null);

  const [refocus, setRefocus] = useState(0);
  const backToForm = useCallback((why: Failure | null) => {
    setPending(null);
    setFailure(why);
    setRefocus((n) => n + 1);
  }, []);

  // Back from the waiting panel: the form is shown again, put the focus in its field.
  useEffect(() => {
    if (refocus > 0) inputRef.current?.focus();
  }, [refocus, inputRef]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (starting) return;
    setFailure(null);
    const value = idNatPs.replace(/\s+/g, '');
    if (!ID_NAT_PS.test(value)) {
      setProblem(
        'Saisissez votre identifiant national : 8 suivi de votre numéro RPPS (12 chiffres en tout), ou 0 suivi de votre numéro ADELI.',
      );
      inputRef.current?.focus();
      return;
    }
    setProblem(null);
    setStarting(true);
    const outcome = await call(() => cabinet.session.ecpsStart({ idNatPs: value }));
    setStarting(false);
    if (outcome.ok) setPending(outcome.value);
    else {
      setFailure(outcome);
      inputRef.current?.focus();
    }
  }

  if (pending) {
    return (
      <LoginMethod title="Connexion par e-CPS">
        <EcpsWaiting request={pending} onConnected={apply} onStop={backToForm} />
      </LoginMethod>
    );
  }

  const helpId = `${id}-aide`;
  const problemId = `${id}-probleme`;
  return (
    <LoginMethod title="Connexion par e-CPS">
      <form className="login-form" onSubmit={(event) => void submit(event)} noValidate>
        {failure ? <SessionFailure failure={failure} /> : null}
        <div className="field">
          <label htmlFor={`${id}-idnat`} className="field__label">
            Identifiant national (RPPS précédé de 8, ou ADELI précédé de 0)
          </label>
          <p id={helpId} className="field__help">
            Par exemple 810001234567 pour le RPPS 10001234567. Une demande de validation sera envoyée à l’application e-CPS de votre
            téléphone.
          </p>
          <input
            ref={inputRef}
            id={`${id}-idnat`}
            className="input input--idnat"
            type="text"
            autoComplete="off"
            spellCheck={false}
            maxLength={25}
            value={idNatPs}
            aria-describedby={problem ? `${problemId} ${helpId}` : helpId}
            aria-invalid={problem ? true : undefined}
            onChange={(event) => {
              setIdNatPs(event.target.value);
              setProblem(null);
            }}
          />
          <FieldError id={problemId} message={problem} />
        </div>
        <div className="login-form__actions">
          <button type="submit" className="button button--primary button--large" disabled={starting}>
            {starting ? <Icon name="refresh" className="icon--spin" /> : <Icon name="telephone" />}
            {starting ? 'Envoi de la demande…' : 'Se connecter avec e-CPS'}
          </button>
        </div>
      </form>
    </LoginMethod>
  );
}

function EcpsWaiting({
  request,
  onConnected,
  onStop,
}: {
  request: EcpsRequest;
  onConnected: (view: ResponseOf<'session.get'>) => void;
  onStop: (why: Failure | null) => void;
}) {
  const titleRef = useFocusOnMount<HTMLHeadingElement>();
  const [now, setNow] = useState(() => Date.now());
  const expiresAt = Date.parse(request.expiresAt);
  const remaining = Number.isNaN(expiresAt) ? null : expiresAt - now;

  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);

  const expired = remaining !== null && remaining <= 0;
  useEffect(() => {
    if (expired) onStop(localFailure(EXPIRED));
  }, [expired, onStop]);

  // Ask the services every `interval` seconds (1 s at least) until approved, refused or expired.
  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const delay = Math.max(1, request.interval) * 1000;
    const poll = async () => {
      if (!Number.isNaN(expiresAt) && Date.now() >= expiresAt) {
        onStop(localFailure(EXPIRED));
        return;
      }
      const outcome = await call(() => cabinet.session.ecpsPoll({ authReqId: request.authReqId }));
      if (stopped) return;
      if (!outcome.ok) {
        onStop(outcome);
        return;
      }
      if (outcome.value.status === 'connecte') {
        if (outcome.value.session) onConnected(outcome.value.session);
        return;
      }
      timer = window.setTimeout(() => void poll(), delay);
    };
    timer = window.setTimeout(() => void poll(), delay);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [request, expiresAt, onConnected, onStop]);

  return (
    <div className="ecps-wait">
      <h3 ref={titleRef} className="ecps-wait__title" tabIndex={-1}>
        Validez la connexion dans l’application e-CPS sur votre téléphone
      </h3>
      <p>Vérifiez que le code affiché sur votre téléphone est bien celui-ci :</p>
      <p className="ecps-wait__binding">
        <span className="visually-hidden">Code à comparer : </span>
        {request.bindingMessage}
      </p>
      <p className="ecps-wait__status" role="status">
        <Icon name="refresh" className="icon--spin" />
        En attente de votre validation…
      </p>
      {remaining !== null ? (
        <p className="ecps-wait__countdown">
          La demande expire dans <strong>{formatRemaining(remaining)}</strong>.
        </p>
      ) : null}
      <p className="field__help">Si les codes sont différents, refusez la demande sur le téléphone puis annulez ici.</p>
      <div className="login-form__actions">
        <button type="button" className="button button--secondary" onClick={() => onStop(null)}>
          Annuler
        </button>
      </div>
    </div>
  );
}
