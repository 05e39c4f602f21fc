/**
 * The secret of a login or an unlock, in one place for the login screen and
 * the lock screen: a card PIN on its pad (the pad's « Valider » submits), or
 * a certificate password with its submit button. The parent owns the value,
 * checks it, and clears it after every attempt; this form only shows it.
 */
import { useId, type FormEvent, type ReactNode, type RefObject } from 'react';
import { FieldError } from '../../components/FieldError.js';
import { Icon, type IconName } from '../../components/Icon.js';
import { PinPad } from '../../components/PinPad.js';

/** Why a card PIN cannot be sent as typed (login and unlock say it the same way). */
export const PIN_TOO_SHORT = 'Le code PIN comporte de 4 à 12 chiffres.';

/** The submit button of a password form (the PIN pad has its own). */
interface SecretSubmit {
  label: string;
  busyLabel: string;
  /** Shown beside the label when not busy (a spinner replaces it while busy). */
  icon?: IconName;
}

interface SecretFormProps {
  kind: 'pin' | 'password';
  label: string;
  /** Shown between the label and the field (and read with the field). */
  help: ReactNode;
  value: string;
  onChange: (value: string) => void;
  onSubmit: () => void;
  inputRef: RefObject<HTMLInputElement | null>;
  /** Why the secret cannot be sent as typed, under the field. */
  problem?: string | null;
  /** True while the attempt is being checked. */
  busy: boolean;
  disabled?: boolean;
  /** Password forms only. */
  submit?: SecretSubmit;
  /** Shown in the form before the secret (a failure, the certificate file). */
  children?: ReactNode;
  /** Card login: a column beside the PIN pad (the card's state); the form then lays out in two columns. */
  aside?: ReactNode;
}

export function SecretForm({
  kind,
  label,
  help,
  value,
  onChange,
  onSubmit,
  inputRef,
  problem = null,
  busy,
  disabled,
  submit,
  children,
  aside,
}: SecretFormProps) {
  const id = useId();

  function send(event: FormEvent) {
    event.preventDefault();
    onSubmit();
  }

  const field =
    kind === 'pin' ? (
      <PinPad
        id={`${id}-pin`}
        label={label}
        value={value}
        onChange={onChange}
        inputRef={inputRef}
        help={help}
        problem={problem}
        busy={busy}
        disabled={disabled}
      />
    ) : (
      <PasswordField
        id={id}
        label={label}
        help={help}
        value={value}
        onChange={onChange}
        inputRef={inputRef}
        problem={problem}
        busy={busy}
      />
    );

  return (
    <form className={aside === undefined ? 'login-form' : 'login-form login-form--card'} onSubmit={send} noValidate>
      {aside === undefined ? (
        <>
          {children}
          {field}
        </>
      ) : (
        <>
          <div className="login-form__aside">{aside}</div>
          <div className="login-form__main">
            {children}
            {field}
          </div>
        </>
      )}
      {kind === 'password' && submit ? (
        <div className="login-form__actions">
          <button type="submit" className="button button--primary button--large" disabled={busy}>
            {busy ? <Icon name="refresh" className="icon--spin" /> : submit.icon ? <Icon name={submit.icon} /> : null}
            {busy ? submit.busyLabel : submit.label}
          </button>
        </div>
      ) : null}
    </form>
  );
}

function PasswordField({
  id,
  label,
  help,
  value,
  onChange,
  inputRef,
  problem,
  busy,
}: {
  id: string;
  label: string;
  help: ReactNode;
  value: string;
  onChange: (value: string) => void;
  inputRef: RefObject<HTMLInputElement | null>;
  problem: string | null;
  busy: boolean;
}) {
  const helpId = `${id}-aide`;
  const problemId = `${id}-probleme`;
  return (
    <div className="field">
      <label htmlFor={`${id}-mdp`} className="field__label">
        {label}
      </label>
      <p id={helpId} className="field__help">
        {help}
      </p>
      <input
        ref={inputRef}
        id={`${id}-mdp`}
        className="input input--secret"
        type="password"
        autoComplete="off"
        spellCheck={false}
        maxLength={200}
        value={value}
        readOnly={busy}
        aria-describedby={problem ? `${problemId} ${helpId}` : helpId}
        aria-invalid={problem ? true : undefined}
        onChange={(event) => onChange(event.target.value)}
      />
      <FieldError id={problemId} message={problem} />
    </div>
  );
}
