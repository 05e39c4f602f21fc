import { describe, expect, it } from 'vitest';
import { buildXdmSubject, displaySubject, parseXdmSubject } from './subject.js';

describe('XDM subject convention', () => {
  it('builds the ANS example shape', () => {
    expect(
      buildXdmSubject({ libelles: ['ECHOGRAPHIE ABDOMINOPELVIENNE'], nom: 'Corse', prenom: 'FIGATELLIX', dateNaissance: '1988-10-12' }),
    ).toBe('XDM/1.0/DDM+ECHOGRAPHIE ABDOMINOPELVIENNE CORSE FIGATELLIX 12/10/1988');
  });

  it('cuts the libellé at 40 characters, says « N documents » for several, strips line breaks', () => {
    const long = 'Compte rendu de consultation de cardiologie pédiatrique';
    expect(buildXdmSubject({ libelles: [long], nom: 'Martin', prenom: 'Léa', dateNaissance: '2001-02-03' })).toBe(
      `XDM/1.0/DDM+${long.slice(0, 40).trim()} MARTIN Léa 03/02/2001`,
    );
    expect(buildXdmSubject({ libelles: ['A', 'B', 'C'], nom: 'Martin\r\nBcc: x', prenom: 'Léa', dateNaissance: '2001-02-03' })).toBe(
      'XDM/1.0/DDM+3 documents MARTIN BCC: X Léa 03/02/2001',
    );
    expect(() => buildXdmSubject({ libelles: [], nom: 'M', prenom: 'L', dateNaissance: '2001-02-03' })).toThrow(
      'Objet XDM impossible : aucun libellé de document.',
    );
    expect(() => buildXdmSubject({ libelles: ['A'], nom: 'M', prenom: 'L', dateNaissance: '03/02/2001' })).toThrow(
      /date de naissance invalide/,
    );
  });

  it('recognises it, with reply and integration-error markers, and hides the prefix', () => {
    expect(parseXdmSubject('XDM/1.0/DDM+ECHOGRAPHIE ABDOMINOPELVIENNE CORSE FIGATELLIX 12/10/1988')).toEqual({
      xdm: true,
      affichage: 'ECHOGRAPHIE ABDOMINOPELVIENNE CORSE FIGATELLIX 12/10/1988',
      libelleEtPatient: 'ECHOGRAPHIE ABDOMINOPELVIENNE CORSE FIGATELLIX',
      dateNaissance: '1988-10-12',
    });
    const ko = parseXdmSubject('[KO Intégration système !][902] XDM/1.0/DDM+CR MARTIN Léa 03/02/2001');
    expect(ko).toMatchObject({
      xdm: true,
      erreurIntegration: '902',
      affichage: '[KO Intégration système !][902] CR MARTIN Léa 03/02/2001',
    });
    expect(displaySubject('Re: XDM/1.0/DDM+CR MARTIN Léa 03/02/2001')).toBe('Re: CR MARTIN Léa 03/02/2001');
    expect(parseXdmSubject('Bonjour docteur')).toEqual({ xdm: false, affichage: 'Bonjour docteur' });
    expect(parseXdmSubject(undefined)).toEqual({ xdm: false, affichage: '' });
  });
});
