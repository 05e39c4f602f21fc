import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../contract/outcome.js';
import { environments } from '../services.js';
import { INS_OIDS, assertInsOidAllowed, insOidInfo, insOidLabel, insOidLabels, insOids, isInsOid, isInsOidAllowed } from './oids.js';

describe('INS OIDs', () => {
  it('are the four of the notes, with French labels and FR Core types', () => {
    expect(insOids).toEqual(['1.2.250.1.213.1.4.8', '1.2.250.1.213.1.4.9', '1.2.250.1.213.1.4.10', '1.2.250.1.213.1.4.11']);
    expect(INS_OIDS.nia).toBe('1.2.250.1.213.1.4.9');
    expect(insOidLabels['1.2.250.1.213.1.4.10']).toBe('INS-NIR de test (patient fictif)');
    expect(insOidInfo['1.2.250.1.213.1.4.9']).toMatchObject({ kind: 'nia', fhirType: 'INS-NIA', fhirUse: 'temp' });
    expect(insOidLabel('1.2.3')).toBe('OID inconnu 1.2.3');
    expect(isInsOid('1.2.250.1.213.1.4.8')).toBe(true);
    expect(isInsOid('1.2.250.1.213.1.4.1')).toBe(false);
    expect(isInsOid('toString')).toBe(false);
  });

  it('allows every INS OID in the sandbox and in qualification', () => {
    for (const env of ['sandbox', 'qualification'] as const) {
      for (const oid of insOids) expect(isInsOidAllowed(oid, env), `${oid} ${env}`).toBe(true);
    }
  });

  it('refuses test and demo OIDs in production, with a French message', () => {
    expect(isInsOidAllowed(INS_OIDS.nir, 'production')).toBe(true);
    expect(isInsOidAllowed(INS_OIDS.nia, 'production')).toBe(true);
    expect(isInsOidAllowed(INS_OIDS.test, 'production')).toBe(false);
    expect(isInsOidAllowed(INS_OIDS.demo, 'production')).toBe(false);
    expect(() => assertInsOidAllowed(INS_OIDS.test, 'production')).toThrow(
      'Un INS de test (OID 1.2.250.1.213.1.4.10) ne peut pas être utilisé en production : il désigne un patient fictif.',
    );
    expect(() => assertInsOidAllowed(INS_OIDS.demo, 'production')).toThrow(/de démonstration/);
    expect(() => assertInsOidAllowed(INS_OIDS.nir, 'production')).not.toThrow();
  });

  it('refuses unknown OIDs everywhere', () => {
    for (const env of environments) {
      expect(isInsOidAllowed('1.2.250.1.213.1.4.2', env)).toBe(false);
      try {
        assertInsOidAllowed('1.2.250.1.213.1.4.2', env);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(CabinetError);
        expect((error as CabinetError).code).toBe('INVALID_REQUEST');
        expect((error as CabinetError).message).toMatch(/^OID de l’INS inconnu/);
      }
    }
  });
});
