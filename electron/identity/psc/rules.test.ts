import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { drMarieMartin, kitDoc0036624, sophieDurand, userinfoClaims } from '../../../sandboxes/psc/practitioners.js';
import { bindingCode, discoverySchema, errorFromOAuth, practitionerFromUserinfo, pscMessages, userinfoSchema } from './rules.js';

const parse = (claims: Record<string, unknown>) => userinfoSchema.parse(claims);

function failureOf(fn: () => unknown): CabinetError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CabinetError) return error;
    throw error;
  }
  throw new Error('aucune erreur levée');
}

describe('PSC userinfo → Practitioner', () => {
  it('maps the GP (RPPS, specialty, structure, "Dr" title)', () => {
    expect(practitionerFromUserinfo(parse(userinfoClaims(drMarieMartin)), drMarieMartin.idNatPs)).toEqual({
      idNatPs: '899700012349',
      rpps: '99700012349',
      givenName: 'MARIE',
      surname: 'MARTIN',
      displayName: 'Dr Marie MARTIN',
      professionCode: '10',
      professionLabel: 'Médecin',
      specialtyCode: 'SM54',
      specialtyLabel: 'Médecine générale',
      structureId: 'R99701',
      source: 'e_cps',
    });
  });

  it('maps the nurse (ADELI, no specialty, no title)', () => {
    expect(practitionerFromUserinfo(parse(userinfoClaims(sophieDurand)), sophieDurand.idNatPs)).toEqual({
      idNatPs: '0996012345',
      adeli: '996012345',
      givenName: 'SOPHIE',
      surname: 'DURAND',
      displayName: 'Sophie DURAND',
      professionCode: '60',
      professionLabel: 'Infirmier',
      structureId: 'R99702',
      source: 'e_cps',
    });
  });

  it('maps ANS’s published PSC test user (two exercices)', () => {
    const p = practitionerFromUserinfo(parse(userinfoClaims(kitDoc0036624)), '899700366240');
    expect(p).toMatchObject({
      rpps: '99700366240',
      displayName: 'Dr Kit DOC0036624',
      specialtyCode: 'SM26',
      specialtyLabel: 'Qualifié en médecine générale',
      structureId: 'R95141',
    });
  });

  it('refuses a userinfo for someone other than the requested practitioner', () => {
    const error = failureOf(() => practitionerFromUserinfo(parse(userinfoClaims(drMarieMartin)), sophieDurand.idNatPs));
    expect(error.message).toBe(pscMessages.invalidResponse);
    expect(error.details).toMatchObject({ reason: 'invalide', detail: expect.stringContaining('SubjectNameID') });
  });

  it('falls back on SubjectRole for the profession, and refuses a userinfo without any', () => {
    const claims = userinfoClaims(drMarieMartin);
    delete claims.SubjectRefPro;
    expect(practitionerFromUserinfo(parse(claims), drMarieMartin.idNatPs)).toMatchObject({ professionCode: '10', structureId: 'R99701' });
    delete claims.SubjectRole;
    expect(failureOf(() => practitionerFromUserinfo(parse(claims), drMarieMartin.idNatPs)).details).toMatchObject({
      detail: expect.stringContaining('profession'),
    });
  });

  it('bounds what it reads: an oversized claim fails validation', () => {
    expect(userinfoSchema.safeParse({ ...userinfoClaims(drMarieMartin), given_name: 'A'.repeat(10_000) }).success).toBe(false);
    expect(userinfoSchema.safeParse({ ...userinfoClaims(drMarieMartin), SubjectNameID: undefined }).success).toBe(false);
  });
});

describe('PSC discovery schema', () => {
  const valid = {
    issuer: 'https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet',
    token_endpoint: 'https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet/protocol/openid-connect/token',
    userinfo_endpoint: 'https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet/protocol/openid-connect/userinfo',
    jwks_uri: 'https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet/protocol/openid-connect/certs',
    backchannel_authentication_endpoint:
      'https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet/protocol/openid-connect/ext/ciba/auth',
    grant_types_supported: ['authorization_code', 'urn:openid:params:grant-type:ciba'],
    backchannel_token_delivery_modes_supported: ['poll', 'ping'],
  };
  it('accepts the shape of ANS’s mock and refuses http endpoints or a realm without CIBA poll', () => {
    expect(discoverySchema.safeParse(valid).success).toBe(true);
    expect(discoverySchema.safeParse({ ...valid, token_endpoint: 'http://auth.bas.psc.esante.gouv.fr/token' }).success).toBe(false);
    expect(discoverySchema.safeParse({ ...valid, grant_types_supported: ['authorization_code'] }).success).toBe(false);
    expect(discoverySchema.safeParse({ ...valid, backchannel_token_delivery_modes_supported: ['push'] }).success).toBe(false);
  });
});

describe('PSC errors in French', () => {
  it.each([
    ['unknown_user_id', undefined, 'NOT_FOUND', pscMessages.unknownUser],
    ['invalid_request', 'invalid user', 'NOT_FOUND', pscMessages.unknownUser],
    ['access_denied', 'not authorized', 'CREDENTIALS_REFUSED', pscMessages.denied],
    ['expired_token', 'authentication timed out', 'CONFLICT', pscMessages.expired],
    ['invalid_client', undefined, 'CONFIG_INVALID', pscMessages.badClient],
    ['invalid_grant', 'Session not active', 'UNAUTHORIZED', pscMessages.sessionEnded],
    ['invalid_token', undefined, 'UNAUTHORIZED', pscMessages.sessionEnded],
    ['server_error', undefined, 'UNAVAILABLE', pscMessages.serverError],
  ])('%s (%s) → %s', (error, description, code, message) => {
    const e = errorFromOAuth(error, description, 400);
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
  });

  it('names an unexpected error code without trusting its length', () => {
    expect(errorFromOAuth('x'.repeat(500), undefined, 400).message.length).toBeLessThan(120);
  });
});

describe('binding message', () => {
  it('is 4 unambiguous characters, within Keycloak’s binding_message rule', () => {
    for (let i = 0; i < 200; i++) {
      const code = bindingCode();
      expect(code).toMatch(/^[A-HJKMNP-Z2-9]{4}$/);
      expect(code).toMatch(/^[a-zA-Z0-9-._+/!?#]{1,50}$/);
    }
    expect(bindingCode(4, () => 0)).toBe('AAAA');
  });
});
