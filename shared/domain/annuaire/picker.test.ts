import { describe, expect, it } from 'vitest';
import type { Recipient } from '../../contract/annuaire.js';
import {
  addRecipient,
  initialPickerState,
  pickerOptions,
  pickerReducer,
  pickerStatusText,
  readTypedAddress,
  removeRecipient,
  searchableText,
  toChosen,
  type PickerAction,
  type PickerState,
} from './picker.js';

const recipient = (address: string, name = 'Dr Marie MARTIN'): Recipient => ({
  address,
  mailboxType: 'PER',
  mailboxTypeLabel: 'Personnelle',
  displayName: name,
  profession: 'Médecin',
  specialty: 'Qualifié en Médecine générale',
  organisation: 'Cabinet médical Martin',
  city: 'Lyon',
  rpps: '99701000012',
  idNatPs: '899701000012',
  description: null,
});

const run = (...actions: PickerAction[]): PickerState => actions.reduce(pickerReducer, initialPickerState);

describe('typing and searching', () => {
  it('searches from two characters, never an address', () => {
    expect(searchableText('m')).toBeNull();
    expect(searchableText(' ma ')).toBe('ma');
    expect(searchableText('marie.martin@cabinet.test-mssante.fr')).toBeNull();
    expect(run({ type: 'input', value: 'm' }).status).toBe('idle');
    expect(run({ type: 'input', value: 'ma' }).status).toBe('waiting');
  });

  it('waiting → loading → ready, the first option active', () => {
    const state = run(
      { type: 'input', value: 'martin' },
      { type: 'search-sent', id: 1 },
      { type: 'search-answered', id: 1, recipients: [recipient('a@x.mssante.fr'), recipient('b@x.mssante.fr')], total: 2 },
    );
    expect(state).toMatchObject({ status: 'ready', answered: 'martin', active: 0, open: true, pending: null });
    expect(pickerOptions(state).map((o) => o.chosen.address)).toEqual(['a@x.mssante.fr', 'b@x.mssante.fr']);
    expect(pickerStatusText(state)).toMatch(/^2 destinataires trouvés\./);
  });

  it('drops stale answers: only the latest search’s answer is shown', () => {
    let state = run(
      { type: 'input', value: 'mar' },
      { type: 'search-sent', id: 1 },
      { type: 'input', value: 'mart' },
      { type: 'search-sent', id: 2 },
    );
    state = pickerReducer(state, { type: 'search-answered', id: 1, recipients: [recipient('stale@x.mssante.fr')], total: 1 });
    expect(state.status).toBe('loading');
    expect(state.results).toEqual([]);
    state = pickerReducer(state, { type: 'search-answered', id: 2, recipients: [recipient('fresh@x.mssante.fr')], total: 1 });
    expect(state.results.map((r) => r.address)).toEqual(['fresh@x.mssante.fr']);
    // An answer arriving after the text was cleared is stale too.
    const cleared = run(
      { type: 'input', value: 'mar' },
      { type: 'search-sent', id: 3 },
      { type: 'input', value: '' },
      { type: 'search-answered', id: 3, recipients: [recipient('late@x.mssante.fr')], total: 1 },
    );
    expect(cleared.results).toEqual([]);
    expect(cleared.status).toBe('idle');
  });

  it('a search sent after the text changed again is not marked loading twice; failures show their French message', () => {
    expect(pickerReducer(run({ type: 'input', value: 'a' }), { type: 'search-sent', id: 9 }).status).toBe('idle');
    const failed = run(
      { type: 'input', value: 'martin' },
      { type: 'search-sent', id: 1 },
      { type: 'search-failed', id: 1, message: 'L’Annuaire Santé ne répond pas.' },
    );
    expect(failed).toMatchObject({ status: 'error', error: 'L’Annuaire Santé ne répond pas.', results: [] });
    expect(pickerStatusText(failed)).toBe('L’Annuaire Santé ne répond pas.');
    expect(
      pickerStatusText(
        run({ type: 'input', value: 'zz' }, { type: 'search-sent', id: 1 }, { type: 'search-answered', id: 1, recipients: [], total: 0 }),
      ),
    ).toBe('Aucune boîte MSSanté trouvée pour « zz ».');
  });
});

describe('typed addresses', () => {
  it('a professional MSSanté address (or a sandbox test domain) is offered first', () => {
    expect(readTypedAddress('Jean.Dupont@CH-Xyz.mssante.fr')).toEqual({
      chosen: {
        address: 'Jean.Dupont@ch-xyz.mssante.fr',
        displayName: 'Jean.Dupont@ch-xyz.mssante.fr',
        mailboxTypeLabel: null,
        source: 'saisie',
      },
    });
    const state = run({ type: 'input', value: 'marie.martin@cabinet.test-mssante.fr' });
    expect(state).toMatchObject({ status: 'idle', open: true, active: 0 });
    expect(pickerOptions(state)[0]).toMatchObject({ kind: 'saisie', chosen: { address: 'marie.martin@cabinet.test-mssante.fr' } });
  });

  it('a patient address, an address outside MSSanté or a malformed one is refused with a reason', () => {
    expect(readTypedAddress('288091234567823@patient.mssante.fr')).toEqual({ problem: expect.stringMatching(/patient/) });
    expect(readTypedAddress('quelqu.un@gmail.com')).toEqual({ problem: expect.stringMatching(/hors de l’espace de confiance/) });
    expect(readTypedAddress('a..b@x.mssante.fr')).toEqual({ problem: expect.stringMatching(/mal formée/) });
    expect(readTypedAddress('martin')).toBeNull();
    const state = run({ type: 'input', value: 'quelqu.un@gmail.com' });
    expect(pickerOptions(state)).toEqual([]);
    expect(pickerStatusText(state)).toMatch(/hors de l’espace de confiance/);
  });
});

describe('keyboard', () => {
  const ready = run(
    { type: 'input', value: 'martin' },
    { type: 'search-sent', id: 1 },
    {
      type: 'search-answered',
      id: 1,
      recipients: [recipient('a@x.mssante.fr'), recipient('b@x.mssante.fr'), recipient('c@x.mssante.fr')],
      total: 3,
    },
  );

  it('arrows move and wrap, Home/End jump', () => {
    expect(pickerReducer(ready, { type: 'move', to: 'next' }).active).toBe(1);
    expect(pickerReducer(ready, { type: 'move', to: 'previous' }).active).toBe(2);
    expect([1, 2, 3].reduce((s) => pickerReducer(s, { type: 'move', to: 'next' }), ready).active).toBe(0);
    expect(pickerReducer(ready, { type: 'move', to: 'last' }).active).toBe(2);
    expect(pickerReducer(pickerReducer(ready, { type: 'move', to: 'last' }), { type: 'move', to: 'first' }).active).toBe(0);
    expect(pickerReducer(ready, { type: 'hover', index: 2 }).active).toBe(2);
    expect(pickerReducer(ready, { type: 'hover', index: 7 }).active).toBe(0);
  });

  it('Escape closes, a second Escape clears; arrows reopen', () => {
    const closed = pickerReducer(ready, { type: 'escape' });
    expect(closed).toMatchObject({ open: false, active: -1, input: 'martin' });
    expect(pickerReducer(closed, { type: 'move', to: 'next' })).toMatchObject({ open: true, active: 0 });
    expect(pickerReducer(closed, { type: 'move', to: 'previous' })).toMatchObject({ open: true, active: 2 });
    expect(pickerReducer(closed, { type: 'escape' })).toEqual(initialPickerState);
  });

  it('choosing resets the field', () => {
    expect(pickerReducer(ready, { type: 'chosen' })).toEqual(initialPickerState);
  });
});

describe('chosen recipients', () => {
  it('no duplicate address; removal by address', () => {
    const a = toChosen(recipient('a@x.mssante.fr'));
    const list = addRecipient(addRecipient([], a), { ...a, address: 'A@x.mssante.fr', source: 'saisie' });
    expect(list).toHaveLength(1);
    const two = addRecipient(list, toChosen(recipient('b@x.mssante.fr', 'Dr B')));
    expect(two.map((r) => r.displayName)).toEqual(['Dr Marie MARTIN', 'Dr B']);
    expect(removeRecipient(two, 'a@x.mssante.fr').map((r) => r.address)).toEqual(['b@x.mssante.fr']);
  });
});
