import { describe, expect, it } from 'vitest';
import {
  addressKind,
  cleanName,
  displayAddress,
  formatInsValue,
  fullAddress,
  initials,
  involvesPatient,
  patientInsOf,
  shortList,
} from './address.js';

// A valid INS (key 97 − N mod 97): 2 55 08 75 123 456 + key.
const matricule = '2550875123456';
const ins = `${matricule}${String(97 - Number(BigInt(matricule) % 97n)).padStart(2, '0')}`;

describe('address display', () => {
  it('prefers the display name, falls back to the address', () => {
    expect(displayAddress({ name: 'Dr Marie MARTIN', address: 'marie.martin@cabinet.test-mssante.fr' })).toBe('Dr Marie MARTIN');
    expect(displayAddress({ name: '', address: 'secretariat@hopital.test-mssante.fr' })).toBe('secretariat@hopital.test-mssante.fr');
    expect(displayAddress({ name: 'x@y.fr', address: 'X@y.fr' })).toBe('X@y.fr');
    expect(displayAddress({})).toBe('expéditeur inconnu');
  });

  it('cleans names of quotes and control characters', () => {
    expect(cleanName('"Dr\u0000 Martin"')).toBe('Dr Martin');
    expect(cleanName('\u202eevil')).toBe('evil');
    expect(fullAddress({ name: 'Dr Martin', address: 'm@a.mssante.fr' })).toBe('Dr Martin <m@a.mssante.fr>');
    expect(fullAddress({ address: 'm@a.mssante.fr' })).toBe('m@a.mssante.fr');
  });

  it('recognises patient mailboxes only with a valid INS key', () => {
    expect(addressKind(`${ins}@patient.mssante.fr`)).toBe('patient');
    expect(patientInsOf({ address: `${ins}@patient.mssante.fr` })).toBe(ins);
    expect(patientInsOf(`${matricule}00@patient.mssante.fr`)).toBeNull();
    expect(addressKind('dr@ch-xyz.mssante.fr')).toBe('professionnel');
    expect(addressKind('someone@gmail.com')).toBe('hors_mssante');
    expect(addressKind('pas une adresse')).toBeNull();
    expect(involvesPatient([{ address: 'a@b.mssante.fr' }, { address: `${ins}@patient.mssante.fr` }])).toBe(true);
    expect(involvesPatient([{ address: 'a@b.mssante.fr' }])).toBe(false);
  });

  it('groups the INS for reading', () => {
    expect(formatInsValue(ins)).toBe(`2 55 08 75 123 456 — ${ins.slice(13)}`);
    expect(formatInsValue('abc')).toBe('abc');
  });

  it('shortens recipient lists in French', () => {
    const a = { name: 'Dr A', address: 'a@x.mssante.fr' };
    const b = { name: 'Dr B', address: 'b@x.mssante.fr' };
    const c = { address: 'c@x.mssante.fr' };
    const d = { address: 'd@x.mssante.fr' };
    expect(shortList([])).toBe('aucun destinataire');
    expect(shortList([a])).toBe('Dr A');
    expect(shortList([a, b])).toBe('Dr A et Dr B');
    expect(shortList([a, b, c])).toBe('Dr A, Dr B et 1 autre');
    expect(shortList([a, b, c, d])).toBe('Dr A, Dr B et 2 autres');
  });

  it('makes initials without titles', () => {
    expect(initials({ name: 'Dr Marie Martin' })).toBe('MM');
    expect(initials({ address: 'secretariat@h.fr' })).toBe('SE');
  });
});
