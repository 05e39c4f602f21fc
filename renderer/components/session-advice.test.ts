import { describe, expect, it } from 'vitest';
import { refusalAdvice } from './session-advice.js';

describe('refusalAdvice', () => {
  it('gives the next step for a revoked or expired certificate', () => {
    expect(refusalAdvice({ code: 'CERTIFICATE_REFUSED', details: { reason: 'revoque' } })).toMatch(/autre carte.*e-CPS/);
    expect(refusalAdvice({ code: 'CERTIFICATE_REFUSED', details: { reason: 'expire' } })).toMatch(/nouvelle carte/);
    expect(refusalAdvice({ code: 'CERTIFICATE_REFUSED', details: { reason: 'pas_encore_valide' } })).toMatch(/date et l’heure/);
  });

  it('says nothing for another failure, an unknown reason or no details', () => {
    expect(refusalAdvice({ code: 'UNAUTHORIZED', details: { reason: 'revoque' } })).toBeNull();
    expect(refusalAdvice({ code: 'CERTIFICATE_REFUSED', details: { reason: 'inconnue' } })).toBeNull();
    expect(refusalAdvice({ code: 'CERTIFICATE_REFUSED' })).toBeNull();
  });
});
