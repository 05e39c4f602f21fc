import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../contract/outcome.js';
import { insFromPatientMssAddress, isPatientMssAddress, parseMssAddress, patientMssAddress } from './address.js';

describe('patient MSSanté address', () => {
  it('is the 15-character INS at patient.mssante.fr (ANS examples)', () => {
    expect(patientMssAddress('279035121518989')).toBe('279035121518989@patient.mssante.fr');
    expect(patientMssAddress('2 79 03 51 215 189 — 89')).toBe('279035121518989@patient.mssante.fr');
    expect(patientMssAddress({ matricule: '2790351215189', cle: '89' })).toBe('279035121518989@patient.mssante.fr');
  });

  it('keeps the Corsican letter upper case', () => {
    expect(patientMssAddress('297022a02077878')).toBe('297022A02077878@patient.mssante.fr');
  });

  it('refuses a wrong key or a bare matricule, in French', () => {
    expect(() => patientMssAddress('279035121518988')).toThrow(CabinetError);
    expect(() => patientMssAddress('279035121518988')).toThrow(
      /Adresse MSSanté du patient impossible à construire : INS invalide : clé INS incorrecte : attendue 89/,
    );
    expect(() => patientMssAddress('2790351215189')).toThrow(/la clé \(2 chiffres\) manque/);
  });

  it('recognises patient, professional and outside addresses', () => {
    expect(parseMssAddress('Mme X <279035121518989@Patient.MSSante.fr>')).toEqual({
      address: '279035121518989@patient.mssante.fr',
      local: '279035121518989',
      domain: 'patient.mssante.fr',
      kind: 'patient',
      ins: '279035121518989',
    });
    expect(parseMssAddress('adam.hoda@test-ci-sis.mssante.fr')?.kind).toBe('professionnel');
    expect(parseMssAddress('someone@gmail.com')?.kind).toBe('hors_mssante');
    expect(parseMssAddress('marie.martin@cabinet.test-mssante.fr')).toMatchObject({ kind: 'professionnel', test: true });
    expect(parseMssAddress('adam.hoda@test-ci-sis.mssante.fr')?.test).toBeUndefined();
    expect(parseMssAddress('x@test-mssante.fr.example.com')?.kind).toBe('hors_mssante');
    expect(parseMssAddress('pas une adresse')).toBeNull();
    expect(parseMssAddress('a..b@x.fr')).toBeNull();
    expect(isPatientMssAddress('279035121518989@patient.mssante.fr')).toBe(true);
    expect(isPatientMssAddress('279035121518988@patient.mssante.fr')).toBe(false);
    expect(parseMssAddress('279035121518988@patient.mssante.fr')).toEqual({
      address: '279035121518988@patient.mssante.fr',
      local: '279035121518988',
      domain: 'patient.mssante.fr',
      kind: 'patient',
    });
    expect(insFromPatientMssAddress('<288091234567894@patient.mssante.fr>')).toBe('288091234567894');
    // An address found in ANS HL7v2 examples: its key is wrong (94 expected), so it carries no INS.
    expect(insFromPatientMssAddress('288091234567823@patient.mssante.fr')).toBeNull();
  });
});
