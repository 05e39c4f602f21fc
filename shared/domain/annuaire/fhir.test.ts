import { describe, expect, it } from 'vitest';
import { foldName, isIdNatPs, isMailboxType, isRpps, isTestMssDomain, mailboxTypeLabels } from './fhir.js';

describe('Annuaire rules', () => {
  it('folds names as the directory’s string search does', () => {
    expect(foldName('  LÉVÊQUE ')).toBe('leveque');
    expect(foldName('Béranger-Ducros')).toBe('beranger ducros');
    expect(foldName('D’Argent')).toBe('d argent');
    expect(foldName("d'argent")).toBe('d argent');
    expect(foldName('NGUYỄN')).toBe('nguyen');
  });

  it('tells RPPS (11 digits) from idNat_PS (8 + RPPS, 0 + ADELI)', () => {
    expect(isRpps('99701000012')).toBe(true);
    expect(isRpps('899701000012')).toBe(false);
    expect(isIdNatPs('899701000012')).toBe(true);
    expect(isIdNatPs('0756012345')).toBe(true);
    expect(isIdNatPs('99701000012')).toBe(false);
  });

  it('mailbox types and their French labels; the sandbox test domains', () => {
    expect(mailboxTypeLabels).toEqual({ PER: 'Personnelle', ORG: 'Organisationnelle', APP: 'Applicative', CAB: 'Cabinet' });
    expect(isMailboxType('CAB')).toBe(true);
    expect(isMailboxType('cab')).toBe(false);
    expect(isTestMssDomain('cabinet.test-mssante.fr')).toBe(true);
    expect(isTestMssDomain('HOPITAL.TEST-MSSANTE.FR')).toBe(true);
    expect(isTestMssDomain('evil-test-mssante.fr')).toBe(false);
    expect(isTestMssDomain('ch-xyz.mssante.fr')).toBe(false);
  });
});
