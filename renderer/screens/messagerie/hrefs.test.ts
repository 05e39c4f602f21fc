import { describe, expect, it } from 'vitest';
import { intentFromSubpath, messagerieHrefs } from './hrefs.js';

const uid = '0b7d3c1e-5a4f-4c3b-9d2e-8f1a6b5c4d3e';

describe('compose links', () => {
  it('round-trips the patient pages', () => {
    expect(messagerieHrefs.writeToPatient(uid)).toBe(`#/messagerie/ecrire/patient/${uid}`);
    expect(intentFromSubpath(`ecrire/patient/${uid}`)).toEqual({ kind: 'patient', patientUid: uid });
    expect(intentFromSubpath(`ecrire/confrere/${uid}`)).toEqual({ kind: 'confrere', patientUid: uid });
  });
  it('falls back to a blank compose, and ignores other pages', () => {
    expect(intentFromSubpath('ecrire')).toEqual({ kind: 'nouveau' });
    expect(intentFromSubpath('ecrire/patient/pas-un-uid')).toEqual({ kind: 'nouveau' });
    expect(intentFromSubpath('')).toBeNull();
    expect(intentFromSubpath('autre')).toBeNull();
  });
});
