/**
 * A card PIN entry: a masked field that accepts digits only, plus an on-screen
 * digit pad (0–9, Effacer, Valider) usable with the mouse or the keyboard.
 * The PIN is never shown nor announced; only the number of digits typed with
 * the pad is announced. The parent owns the value and clears it after every
 * attempt; "Valider" submits the parent's form.
 */
import './PinPad.css';
import { useState, type KeyboardEvent, type ReactNode, type Ref } from 'react';
import { Icon } from './Icon.js';
import { FieldError } from './FieldError.js';

const PIN_MAX_LENGTH = 12;
export const PIN_MIN_LENGTH = 4;

const digitRows = [
  ['1', '2', '3'],
  ['4', '5', '6'],
  ['7', '8', '9'],
] as const;

function onlyDigits(value: string): string {
  return value.replace(/\D/g, '').slice(0, PIN_MAX_LENGTH);
}

function digitsLabel(count: number): string {
  if (count === 0) return 'Code PIN vide';
  return count === 1 ? '1 chiffre saisi' : `${count} chiffres saisis`;
}

export function PinPad({
  id,
  label,
  value,
  onChange,
  inputRef,
  help,
  problem,
  disabled,
  busy,
  submitLabel = 'Valider',
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  inputRef?: Ref<HTMLInputElement>;
  /** Shown between the label and the field (and read with the field). */
  help?: ReactNode;
  /** Why the PIN cannot be sent as typed (too short…), under the field. */
  problem?: string | null;
  disabled?: boolean;
  /** True while the attempt is being checked: the pad stays visible but inert. */
  busy?: boolean;
  submitLabel?: string;
}) {
  const [announcement, setAnnouncement] = useState('');
  const inert = disabled || busy;
  const helpId = `${id}-aide`;
  const problemId = `${id}-probleme`;
  const describedBy = [problem ? problemId : null, help ? helpId : null].filter(Boolean).join(' ') || undefined;

  function press(next: string) {
    onChange(next);
    setAnnouncement(digitsLabel(next.length));
  }

  // With the focus on a pad key, typing digits still works (and never leaves the pad).
  function onPadKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (inert || event.altKey || event.ctrlKey || event.metaKey) return;
    if (/^\d$/.test(event.key)) {
      event.preventDefault();
      if (value.length < PIN_MAX_LENGTH) press(value + event.key);
    } else if (event.key === 'Backspace') {
      event.preventDefault();
      press(value.slice(0, -1));
    }
  }

  const digitButton = (digit: string) => (
    <button
      key={digit}
      type="button"
      className="pin-pad__key"
      disabled={inert}
      onClick={() => {
        if (value.length < PIN_MAX_LENGTH) press(value + digit);
      }}
    >
      {digit}
    </button>
  );

  return (
    <div className="pin-entry">
      <label htmlFor={id} className="field__label">
        {label}
      </label>
      {help ? (
        <p id={helpId} className="field__help">
          {help}
        </p>
      ) : null}
      <input
        ref={inputRef}
        id={id}
        className="input input--pin"
        type="password"
        inputMode="numeric"
        maxLength={PIN_MAX_LENGTH}
        autoComplete="off"
        autoCorrect="off"
        autoCapitalize="off"
        spellCheck={false}
        value={value}
        disabled={disabled}
        readOnly={busy}
        aria-describedby={describedBy}
        aria-invalid={problem ? true : undefined}
        onChange={(event) => onChange(onlyDigits(event.target.value))}
      />
      <FieldError id={problemId} message={problem} />
      <div className="pin-pad" role="group" aria-label="Pavé numérique" onKeyDown={onPadKeyDown}>
        {digitRows.map((row) => row.map(digitButton))}
        <button
          type="button"
          className="pin-pad__key pin-pad__key--action"
          aria-label="Effacer le dernier chiffre"
          title="Effacer le dernier chiffre"
          disabled={inert || value.length === 0}
          onClick={() => press(value.slice(0, -1))}
        >
          <Icon name="effacer" />
          <span aria-hidden="true">Effacer</span>
        </button>
        {digitButton('0')}
        <button type="submit" className="pin-pad__key pin-pad__key--submit" disabled={inert}>
          {busy ? <Icon name="refresh" className="icon--spin" /> : <Icon name="check" />}
          {submitLabel}
        </button>
      </div>
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
    </div>
  );
}
