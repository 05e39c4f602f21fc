import { describe, expect, it } from 'vitest';
import { carteMarieMartin, sandboxPractitioners, testPkiPractitioners } from '../psc/practitioners.js';
import { rppsWithKey, type PkiIdentity } from '../pki/test-pki.js';
import { localPart, mailboxesFromPki } from './mailboxes.js';

const card = (
  id: string,
  role: PkiIdentity['role'],
  givenName: string,
  surname: string,
  idNatPs: string,
  extra: Partial<PkiIdentity> = {},
): PkiIdentity => ({
  id,
  role,
  label: id,
  issuer: 'fort-personnes',
  subject: '',
  serial: '01',
  notAfter: '2030-01-01T00:00:00Z',
  idNatPs,
  givenName,
  surname,
  p12: `cartes/${id}.p12`,
  password: 'cabinet-test',
  certPem: `cartes/${id}-authentification.pem`,
  ...extra,
});

describe('mailboxes', () => {
  it('prenom.nom, lower case, accents dropped', () => {
    expect(localPart('MARIE', 'MARTIN')).toBe('marie.martin');
    expect(localPart('Hélène', 'DE LA FONTAINE')).toBe('helene.de-la-fontaine');
    expect(() => localPart('', 'X')).toThrow();
  });
  it('one mailbox per card; refused cards keep their mailbox but do not open it', () => {
    const identities = [
      card('medecin-martin', 'medecin', 'MARIE', 'MARTIN', '899701000012'),
      card('infirmier-petit', 'infirmier', 'JULIEN', 'PETIT', '0756012345'),
      card('revoque-durand', 'revoque', 'PAUL', 'DURAND', '899701000020', { revoked: true }),
      card('expire-leroy', 'expire', 'CLAIRE', 'LEROY', '899701000038', { expired: true }),
      card('etranger-moreau', 'etranger', 'HUGO', 'MOREAU', '899701000046'),
      { ...card('insi-auto', 'insi-auto', '', '', ''), givenName: undefined, surname: undefined, idNatPs: undefined } as PkiIdentity,
    ];
    const boxes = mailboxesFromPki({ dir: '/pki', identities }, (r) => `/pki/${r}`);
    expect(boxes.map((b) => [b.address, b.idNatPs, b.opens, b.refusal])).toEqual([
      ['marie.martin@cabinet.test-mssante.fr', '899701000012', true, undefined],
      ['julien.petit@hopital.test-mssante.fr', '0756012345', true, undefined],
      ['paul.durand@cabinet.test-mssante.fr', '899701000020', false, 'certificat révoqué'],
      ['claire.leroy@cabinet.test-mssante.fr', '899701000038', false, 'certificat expiré'],
      ['hugo.moreau@hopital.test-mssante.fr', '899701000046', false, 'autorité de certification inconnue'],
    ]);
    expect(boxes[0]!.p12).toBe('/pki/cartes/medecin-martin.p12');
  });
  it('refuses two cards that would share a mailbox', () => {
    const identities = [card('a', 'medecin', 'MARIE', 'MARTIN', '1'), card('b', 'revoque', 'Marie', 'Martin', '2')];
    expect(() => mailboxesFromPki({ dir: '/pki', identities }, (r) => r)).toThrow(/double/);
  });
});

describe('e-CPS practitioners of the PSC sandbox for the test cards', () => {
  it('carry the idNat_PS of the valid cards (8 + RPPS with its key, 0 + ADELI), so a token maps to the same mailbox', () => {
    expect(testPkiPractitioners.map((p) => p.idNatPs)).toEqual([`8${rppsWithKey('9970100001')}`, '0756012345']);
    expect(carteMarieMartin).toMatchObject({ givenName: 'MARIE', familyName: 'MARTIN', origine: 'RPPS' });
    // Not in the sandbox's default list: its own Dr MARTIN keeps another idNat_PS.
    expect(sandboxPractitioners.some((p) => p.idNatPs === carteMarieMartin.idNatPs)).toBe(false);
  });
});
