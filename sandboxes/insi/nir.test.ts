import { describe, expect, it } from 'vitest';
import { matriculeKey } from './nir.js';

describe('clé NIR / NIA', () => {
  it('retrouve les clés vérifiées des notes (Corse 2A/2B, NIA compris)', () => {
    expect(matriculeKey('297022A020778')).toBe('78');
    expect(matriculeKey('160012B020777')).toBe('13');
    expect(matriculeKey('180032B020401')).toBe('23');
    expect(matriculeKey('1090763220834')).toBe('89');
    expect(matriculeKey('2751263220749')).toBe('74');
    expect(matriculeKey('1090763220888')).toBe('35');
  });

  it('donne 76 / 26 pour HERMANN, là où la qualification renvoie 60 / 10', () => {
    expect(matriculeKey('1810363220456')).toBe('76');
    expect(matriculeKey('2810363220456')).toBe('26');
  });

  it('donne 32 pour le contre-exemple de nir-validation, et 97 quand N est multiple de 97', () => {
    expect(matriculeKey('2840588321025')).toBe('32');
    expect(matriculeKey('114022A004118')).toBe('97');
  });

  it('refuse un matricule mal formé', () => {
    for (const bad of ['', '123', '12345678901234', '29702AA020778', '2970X2A020778', '2970220A20778', '297022C020778'])
      expect(matriculeKey(bad)).toBeNull();
  });
});
