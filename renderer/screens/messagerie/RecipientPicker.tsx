/**
 * Choosing MSSanté recipients: a combobox (ARIA 1.2 pattern: the focus stays
 * in the field, the active option is named by aria-activedescendant) that
 * searches the Annuaire Santé as you type — a short pause, and only the
 * latest search's answer is shown — and also accepts a full MSSanté address
 * typed by hand. Chosen recipients show as chips before the field.
 *
 * Keyboard: ↓/↑ move (and open the list), Entrée chooses, Échap closes the
 * list then clears the field, Retour arrière in an empty field removes the
 * last chip. The logic lives in shared/domain/annuaire/picker.ts (tested).
 */
import { useCallback, useEffect, useId, useReducer, useRef, type KeyboardEvent } from 'react';
import type { MailboxType } from '../../../shared/domain/annuaire/fhir.js';
import {
  addRecipient,
  initialPickerState,
  pickerOptions,
  pickerReducer,
  pickerStatusText,
  PICKER_DEBOUNCE_MS,
  PICKER_LIMIT,
  removeRecipient,
  searchableText,
  type ChosenRecipient,
  type PickerOption,
} from '../../../shared/domain/annuaire/picker.js';
import { invoke } from '../../data/useChannel.js';
import { Badge, type Tone } from '../../components/Badge.js';
import { Icon } from '../../components/Icon.js';
import './recipient-picker.css';

export type { ChosenRecipient } from '../../../shared/domain/annuaire/picker.js';

const typeTones: Record<MailboxType, Tone> = { PER: 'info', ORG: 'neutral', APP: 'warning', CAB: 'success' };

export interface RecipientPickerProps {
  /** Visible label, e.g. « Destinataires ». */
  label: string;
  value: readonly ChosenRecipient[];
  onChange: (recipients: ChosenRecipient[]) => void;
  /** Only these mailbox types (e.g. no APP for a letter to a colleague). */
  types?: readonly MailboxType[];
  disabled?: boolean;
}

function OptionContent({ option }: { option: PickerOption }) {
  if (option.kind === 'saisie') {
    return (
      <>
        <span className="recipient-option__line">
          <span className="recipient-option__name">Utiliser l’adresse saisie</span>
          <Badge>Adresse saisie</Badge>
        </span>
        <span className="recipient-option__address">{option.chosen.address}</span>
      </>
    );
  }
  const r = option.recipient;
  const meta = [r.specialty ?? r.profession, r.organisation, r.city].filter((part): part is string => Boolean(part));
  return (
    <>
      <span className="recipient-option__line">
        <span className="recipient-option__name">{r.displayName}</span>
        <Badge tone={typeTones[r.mailboxType]} title={`Boîte ${r.mailboxTypeLabel.toLowerCase()}`}>
          {r.mailboxTypeLabel}
        </Badge>
      </span>
      {meta.length > 0 ? <span className="recipient-option__meta">{meta.join(' · ')}</span> : null}
      {r.description ? <span className="recipient-option__meta">{r.description}</span> : null}
      <span className="recipient-option__address">{r.address}</span>
    </>
  );
}

export function RecipientPicker({ label, value, onChange, types, disabled = false }: RecipientPickerProps) {
  const [state, dispatch] = useReducer(pickerReducer, initialPickerState);
  const id = useId();
  const inputId = `${id}-saisie`;
  const listId = `${id}-liste`;
  const hintId = `${id}-aide`;
  const statusId = `${id}-etat`;
  const optionId = (index: number) => `${id}-option-${index}`;
  const searchCount = useRef(0);
  const input = useRef<HTMLInputElement>(null);
  const typesKey = types ? [...types].sort().join(',') : '';

  // Ask the directory a short pause after the last key; an answer to an older text is dropped by the reducer.
  const text = state.status === 'waiting' ? searchableText(state.input) : null;
  useEffect(() => {
    if (text === null) return;
    const timer = window.setTimeout(() => {
      const mine = ++searchCount.current;
      dispatch({ type: 'search-sent', id: mine });
      const wanted = typesKey ? (typesKey.split(',') as MailboxType[]) : undefined;
      void invoke('annuaire.search', { text, limit: PICKER_LIMIT, ...(wanted ? { types: wanted } : {}) }).then((outcome) => {
        if (outcome.ok) dispatch({ type: 'search-answered', id: mine, recipients: outcome.value.recipients, total: outcome.value.total });
        else dispatch({ type: 'search-failed', id: mine, message: outcome.message });
      });
    }, PICKER_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [text, typesKey]);

  const options = pickerOptions(state);
  const choose = useCallback(
    (option: PickerOption | undefined) => {
      if (!option) return;
      onChange(addRecipient(value, option.chosen));
      dispatch({ type: 'chosen' });
      input.current?.focus();
    },
    [onChange, value],
  );

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        dispatch({ type: 'move', to: event.altKey ? 'first' : 'next' });
        break;
      case 'ArrowUp':
        event.preventDefault();
        dispatch({ type: 'move', to: 'previous' });
        break;
      case 'Enter':
        if (state.open && state.active >= 0) {
          event.preventDefault();
          choose(options[state.active]);
        } else if (state.typed) {
          event.preventDefault();
          choose(options[0]);
        }
        break;
      case 'Escape':
        if (state.open || state.input) {
          event.preventDefault();
          dispatch({ type: 'escape' });
        }
        break;
      case 'Backspace':
        if (state.input === '' && value.length > 0) onChange(value.slice(0, -1));
        break;
    }
  };

  const listOpen = state.open && !disabled && (options.length > 0 || state.status === 'ready' || state.status === 'error');
  const activeId = listOpen && state.active >= 0 && state.active < options.length ? optionId(state.active) : undefined;
  const statusText = pickerStatusText(state);
  const busy = state.status === 'waiting' || state.status === 'loading';

  // Keep the active option in view when moving with the keyboard.
  useEffect(() => {
    if (activeId) document.getElementById(activeId)?.scrollIntoView({ block: 'nearest' });
  }, [activeId]);

  return (
    <div className="recipient-picker field">
      <label className="field__label" htmlFor={inputId}>
        {label}
      </label>
      <div className="recipient-picker__anchor">
        <div
          className={`recipient-picker__box${disabled ? ' recipient-picker__box--disabled' : ''}`}
          onClick={() => input.current?.focus()}
        >
          {value.length > 0 ? (
            <ul className="recipient-picker__chips" aria-label={`${label} choisis`}>
              {value.map((r) => (
                <li
                  key={r.address}
                  className="recipient-chip"
                  title={r.displayName === r.address ? r.address : `${r.displayName} <${r.address}>`}
                >
                  <span className="recipient-chip__name">{r.displayName}</span>
                  {r.displayName !== r.address ? <span className="recipient-chip__address">{r.address}</span> : null}
                  <button
                    type="button"
                    className="recipient-chip__remove"
                    aria-label={`Retirer ${r.displayName}`}
                    disabled={disabled}
                    onClick={(event) => {
                      event.stopPropagation();
                      onChange(removeRecipient(value, r.address));
                      input.current?.focus();
                    }}
                  >
                    <Icon name="effacer" />
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          <input
            ref={input}
            id={inputId}
            className="recipient-picker__input"
            type="text"
            role="combobox"
            aria-expanded={listOpen}
            aria-controls={listId}
            aria-autocomplete="list"
            aria-activedescendant={activeId}
            aria-describedby={`${hintId} ${statusId}`}
            aria-invalid={state.addressProblem ? true : undefined}
            autoComplete="off"
            spellCheck={false}
            disabled={disabled}
            value={state.input}
            placeholder={value.length === 0 ? 'Nom, RPPS ou adresse MSSanté' : ''}
            onChange={(event) => dispatch({ type: 'input', value: event.target.value })}
            onKeyDown={onKeyDown}
            onFocus={() => dispatch({ type: 'open' })}
            onBlur={() => dispatch({ type: 'close' })}
          />
        </div>
        <ul
          id={listId}
          role="listbox"
          aria-label={`${label} proposés`}
          className={`recipient-picker__list${busy ? ' recipient-picker__list--busy' : ''}`}
          hidden={!listOpen}
        >
          {options.map((option, index) => (
            <li
              key={`${option.kind}:${option.chosen.address}`}
              id={optionId(index)}
              role="option"
              aria-selected={index === state.active}
              className={`recipient-option${index === state.active ? ' recipient-option--active' : ''}`}
              // Keep the focus in the field: choosing happens on click, not on the blur that mousedown would cause.
              onMouseDown={(event) => event.preventDefault()}
              onMouseMove={() => index !== state.active && dispatch({ type: 'hover', index })}
              onClick={() => choose(option)}
            >
              <OptionContent option={option} />
            </li>
          ))}
        </ul>
      </div>
      <p id={hintId} className="field__help">
        Cherchez un professionnel ou une structure dans l’Annuaire Santé (nom, ville, RPPS), ou saisissez une adresse MSSanté complète.
      </p>
      <p
        id={statusId}
        className={`recipient-picker__status${state.addressProblem || state.status === 'error' ? ' recipient-picker__status--error' : ''}`}
        role="status"
        aria-live="polite"
      >
        {statusText}
      </p>
    </div>
  );
}
