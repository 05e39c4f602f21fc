import { describe, expect, it } from 'vitest';
import { composeErrors, composeTitle, patientFirst, quote } from './compose.js';

describe('the compose form’s rules', () => {
  it('names the form after its entry point and puts the patient first when writing about one', () => {
    expect(composeTitle({ kind: 'nouveau' })).toBe('Nouveau message');
    expect(composeTitle({ kind: 'patient', patientUid: 'u' })).toBe('Écrire au patient');
    expect(composeTitle({ kind: 'confrere', patientUid: 'u' })).toBe('Envoyer au médecin traitant');
    expect(patientFirst({ kind: 'nouveau' })).toBe(false);
    expect(patientFirst({ kind: 'confrere', patientUid: 'u' })).toBe(true);
  });

  it('quotes the message answered, line by line, 200 lines at most', () => {
    const text = quote({
      from: [{ name: 'Dr Paul BERNARD', address: 'paul.bernard@cabinet.test-mssante.fr' }],
      text: 'Bonjour\r\nà bientôt',
      date: null,
    });
    expect(text).toMatch(/Dr Paul BERNARD a écrit :\n> Bonjour\n> à bientôt$/);
    const long = quote({ from: [], text: Array.from({ length: 300 }, (_, i) => `ligne ${i}`).join('\n'), date: null });
    expect(long.split('\n').filter((l) => l.startsWith('> '))).toHaveLength(200);
  });

  it('refuses a mail without recipient or subject, and says how to write to the patient when one can', () => {
    expect(composeErrors({ recipients: 1, sendToPatient: false, qualifiedPatient: false, subject: 'Objet' })).toEqual({});
    expect(composeErrors({ recipients: 0, sendToPatient: true, qualifiedPatient: true, subject: 'Objet' })).toEqual({});
    expect(composeErrors({ recipients: 0, sendToPatient: false, qualifiedPatient: false, subject: '  ' })).toEqual({
      to: 'Choisissez au moins un destinataire.',
      subject: 'Indiquez l’objet du message.',
    });
    expect(composeErrors({ recipients: 0, sendToPatient: false, qualifiedPatient: true, subject: 'Objet' }).to).toMatch(
      /cochez « Envoyer au patient »/,
    );
  });
});
