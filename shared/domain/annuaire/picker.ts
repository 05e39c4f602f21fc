/**
 * The recipient picker's logic (pure): what is typed → whether to search the
 * Annuaire, which answer is current (stale answers dropped), the options
 * offered (a typed full MSSanté address first, then the directory's
 * mailboxes), the active option for the keyboard, and the chosen recipients.
 * renderer/screens/messagerie/RecipientPicker.tsx draws it.
 */
import type { Recipient } from '../../contract/annuaire.js';
import { parseMssAddress } from '../mss/address.js';
import { isTestMssDomain } from './fhir.js';

/** Pause after the last key before asking the directory (a remote service, unlike the local patient search). */
export const PICKER_DEBOUNCE_MS = 150;
export const PICKER_MIN_CHARS = 2;
export const PICKER_LIMIT = 20;

export interface ChosenRecipient {
  address: string;
  displayName: string;
  /** « Personnelle », « Organisationnelle »…; null for an address typed by hand. */
  mailboxTypeLabel: string | null;
  source: 'annuaire' | 'saisie';
}

export type PickerOption =
  { kind: 'saisie'; chosen: ChosenRecipient } | { kind: 'annuaire'; recipient: Recipient; chosen: ChosenRecipient };

export type PickerStatus = 'idle' | 'waiting' | 'loading' | 'ready' | 'error';

export interface PickerState {
  input: string;
  status: PickerStatus;
  /** The search whose answer is awaited; any other answer is stale. */
  pending: number | null;
  /** The text the shown results answer. */
  answered: string | null;
  results: Recipient[];
  total: number;
  error: string | null;
  /** A typed address that cannot be used, and why. */
  addressProblem: string | null;
  typed: ChosenRecipient | null;
  active: number;
  open: boolean;
}

export type PickerAction =
  | { type: 'input'; value: string }
  | { type: 'search-sent'; id: number }
  | { type: 'search-answered'; id: number; recipients: Recipient[]; total: number }
  | { type: 'search-failed'; id: number; message: string }
  | { type: 'move'; to: 'next' | 'previous' | 'first' | 'last' }
  | { type: 'hover'; index: number }
  | { type: 'escape' }
  | { type: 'open' }
  | { type: 'close' }
  | { type: 'chosen' };

export const initialPickerState: PickerState = {
  input: '',
  status: 'idle',
  pending: null,
  answered: null,
  results: [],
  total: 0,
  error: null,
  addressProblem: null,
  typed: null,
  active: -1,
  open: false,
};

/** A typed address: usable (professional MSSanté), or the reason it is not. */
export function readTypedAddress(text: string): { chosen: ChosenRecipient } | { problem: string } | null {
  const trimmed = text.trim();
  if (!trimmed.includes('@')) return null;
  const parsed = parseMssAddress(trimmed);
  if (!parsed) return trimmed.length > 3 && /@[^@]*\.[^@]+$/.test(trimmed) ? { problem: 'Adresse de messagerie mal formée.' } : null;
  if (parsed.kind === 'patient')
    return { problem: 'Adresse d’un patient : écrivez-lui depuis sa fiche (son adresse vient de son INS qualifiée).' };
  if (parsed.kind === 'hors_mssante' && !isTestMssDomain(parsed.domain))
    return { problem: 'Adresse hors de l’espace de confiance MSSanté : l’envoi y est impossible.' };
  return { chosen: { address: parsed.address, displayName: parsed.address, mailboxTypeLabel: null, source: 'saisie' } };
}

/** Whether this text is searched in the directory (a typed address is not). */
export function searchableText(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed.length < PICKER_MIN_CHARS || trimmed.includes('@')) return null;
  return trimmed.slice(0, 100);
}

export function toChosen(recipient: Recipient): ChosenRecipient {
  return {
    address: recipient.address,
    displayName: recipient.displayName,
    mailboxTypeLabel: recipient.mailboxTypeLabel,
    source: 'annuaire',
  };
}

export function pickerOptions(state: PickerState): PickerOption[] {
  const options: PickerOption[] = [];
  if (state.typed) options.push({ kind: 'saisie', chosen: state.typed });
  for (const recipient of state.results) options.push({ kind: 'annuaire', recipient, chosen: toChosen(recipient) });
  return options;
}

/** Adds a recipient unless its address is already there (case of the domain ignored). */
export function addRecipient(list: readonly ChosenRecipient[], recipient: ChosenRecipient): ChosenRecipient[] {
  const key = recipient.address.toLowerCase();
  return list.some((r) => r.address.toLowerCase() === key) ? [...list] : [...list, recipient];
}

export function removeRecipient(list: readonly ChosenRecipient[], address: string): ChosenRecipient[] {
  return list.filter((r) => r.address !== address);
}

export function pickerReducer(state: PickerState, action: PickerAction): PickerState {
  switch (action.type) {
    case 'input': {
      const typed = readTypedAddress(action.value);
      const searchable = searchableText(action.value);
      const base = {
        ...state,
        input: action.value,
        typed: typed && 'chosen' in typed ? typed.chosen : null,
        addressProblem: typed && 'problem' in typed ? typed.problem : null,
        error: null,
      };
      if (!searchable) {
        // Nothing to ask the directory: any answer still on its way is stale.
        const hasTyped = base.typed !== null;
        return { ...base, status: 'idle', pending: null, answered: null, results: [], total: 0, active: hasTyped ? 0 : -1, open: hasTyped };
      }
      // Results of the previous text stay on display (dimmed by the view) until the new answer.
      return { ...base, status: 'waiting', pending: null, open: true };
    }
    case 'search-sent':
      return state.status === 'waiting' ? { ...state, status: 'loading', pending: action.id } : state;
    case 'search-answered': {
      if (action.id !== state.pending) return state;
      const answered = {
        ...state,
        status: 'ready' as const,
        pending: null,
        answered: searchableText(state.input),
        results: action.recipients,
        total: action.total,
        error: null,
        open: true,
      };
      const count = pickerOptions(answered).length;
      return { ...answered, active: count > 0 ? 0 : -1 };
    }
    case 'search-failed':
      if (action.id !== state.pending) return state;
      return {
        ...state,
        status: 'error',
        pending: null,
        results: [],
        total: 0,
        error: action.message,
        active: state.typed ? 0 : -1,
        open: true,
      };
    case 'move': {
      const count = pickerOptions(state).length;
      if (count === 0) return { ...state, open: true };
      if (!state.open) return { ...state, open: true, active: action.to === 'previous' || action.to === 'last' ? count - 1 : 0 };
      const next =
        action.to === 'first'
          ? 0
          : action.to === 'last'
            ? count - 1
            : action.to === 'next'
              ? (state.active + 1) % count
              : state.active <= 0
                ? count - 1
                : state.active - 1;
      return { ...state, active: next };
    }
    case 'hover':
      return action.index >= 0 && action.index < pickerOptions(state).length ? { ...state, active: action.index } : state;
    case 'escape':
      // First Escape closes the list; a second one clears what was typed.
      if (state.open) return { ...state, open: false, active: -1 };
      return { ...initialPickerState };
    case 'open':
      return { ...state, open: pickerOptions(state).length > 0 || state.status !== 'idle' };
    case 'close':
      return { ...state, open: false, active: -1 };
    case 'chosen':
      return { ...initialPickerState };
  }
}

/** What the live region says (French), for screen readers and sighted users alike. */
export function pickerStatusText(state: PickerState): string {
  if (state.addressProblem) return state.addressProblem;
  switch (state.status) {
    case 'idle':
      return state.typed ? 'Adresse MSSanté saisie : Entrée pour l’ajouter.' : '';
    case 'waiting':
    case 'loading':
      return 'Recherche dans l’Annuaire Santé…';
    case 'error':
      return state.error ?? 'La recherche dans l’Annuaire Santé a échoué.';
    case 'ready': {
      const n = state.results.length;
      if (n === 0) return `Aucune boîte MSSanté trouvée pour « ${state.answered ?? ''} ».`;
      const more = state.total > n ? ` (${state.total} fiches dans l’annuaire : précisez la recherche)` : '';
      return `${n} destinataire${n > 1 ? 's' : ''} trouvé${n > 1 ? 's' : ''}${more}. Flèches pour parcourir, Entrée pour choisir.`;
    }
  }
}
