/** Shared inputs of the CDA unit tests (a GP, a qualified patient, a small PDF). */
import type { Practitioner } from '../../../shared/domain/practitioner.js';
import type { CdaN1Input } from './builder.js';

export const gp: Practitioner = {
  idNatPs: '899701000012',
  rpps: '99701000012',
  givenName: 'Marie',
  surname: 'MARTIN',
  displayName: 'Dr Marie MARTIN',
  professionCode: '10',
  professionLabel: 'Médecin',
  specialtyCode: 'SM26',
  structureId: 'R99701',
  source: 'certificat_logiciel',
};

export const nurse: Practitioner = {
  ...gp,
  idNatPs: '899701000029',
  rpps: '99701000029',
  givenName: 'Paul',
  surname: 'DURAND',
  displayName: 'Paul DURAND',
  professionCode: '60',
  professionLabel: 'Infirmier',
  specialtyCode: undefined,
};

export const pdf = (size = 2048) => Buffer.concat([Buffer.from('%PDF-1.7\n%âãÏÓ\n'), Buffer.alloc(size, 0x41), Buffer.from('\n%%EOF\n')]);

export function input(overrides: Partial<CdaN1Input> = {}): CdaN1Input {
  return {
    pdf: pdf(),
    patient: {
      ins: { matricule: '297022A020778', cle: '78', oid: '1.2.250.1.213.1.4.8' },
      traits: {
        birthName: 'ADRTROIS',
        usedName: 'MARTIN',
        firstName: 'DOMINIQUE',
        firstNames: 'DOMINIQUE MARIE',
        sex: 'F',
        birthDate: '1997-02-26',
        birthplace: '2A020',
      },
    },
    author: gp,
    structure: { id: 'R99701', name: 'Cabinet du Dr Martin' },
    now: new Date('2026-03-02T10:15:00Z'),
    ...overrides,
  };
}
