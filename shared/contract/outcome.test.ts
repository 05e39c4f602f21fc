/**
 * Each error code's `details` has a schema. The shapes below are the ones the
 * code base emits (inventoried from every `new CabinetError(code, message,
 * details)`); the dispatcher checks live failures against the same schemas
 * and reports any mismatch to the diagnostics log.
 */
import { describe, expect, it } from 'vitest';
import { CabinetError, detailsProblem, failureSchema, toFailure, type ErrorCode } from './outcome.js';

const emitted: [ErrorCode, unknown][] = [
  ['INVALID_REQUEST', { channel: 'audit.list', problemes: [{ path: 'limit', message: 'valeur trop grande (maximum 500)' }] }],
  ['INVALID_REQUEST', { field: 'to' }],
  ['INVALID_REQUEST', { key: 'identity.pkcs11Module', field: 'identity.pkcs11Module' }],
  ['INVALID_REQUEST', { reason: 'sans_metadata', fichiers: ['IHE_XDM/SUBSET01/DOC0001.XML'] }],
  ['INVALID_REQUEST', { errors: [{ field: 'birthDate', message: 'Date invalide.' }] }],
  ['INVALID_REQUEST', { field: 'oid', oid: '1.2.3', env: 'production' }],
  ['INVALID_REQUEST', { status: 400, diagnostics: 'paramètre inconnu' }],
  ['INVALID_REQUEST', [{ path: 'prenoms', message: 'prénom manquant' }]],
  ['UNAUTHORIZED', { reason: 'certificat_refuse' }],
  ['UNAUTHORIZED', { status: 403 }],
  ['UNAUTHORIZED', { faute: 'soap:Sender', erreur: 'desir_560' }],
  ['NOT_FOUND', { codes: ['XDSMissingDocument'] }],
  ['NOT_FOUND', { cr: '01', libelle: 'Aucune identité trouvée' }],
  ['CONFLICT', { uid: '3f2c1a9e-0000-4000-8000-000000000001' }],
  ['CONFLICT', { reason: 'annulee' }],
  ['CONFLICT', { codes: ['XDSDuplicateUniqueIdInRegistry'] }],
  ['CONFLICT', { status: 'PROV', attributes: ['DOUTEUSE'] }],
  ['UNAVAILABLE', { code: 'ETIMEDOUT', timeoutMs: 10000 }],
  ['UNAVAILABLE', { detail: 'JSON invalide' }],
  ['UNAVAILABLE', { service: 'psc', reason: 'indisponible' }],
  ['UNAVAILABLE', { reason: 'connexion_fermee', cause: 'ECONNRESET' }],
  ['UNAVAILABLE', { status: 503 }],
  ['KEYCHAIN_UNAVAILABLE', { reason: 'Secret Service absent' }],
  ['STORE_UNAVAILABLE', { schemaVersion: 9, supported: 5 }],
  ['STORE_UNAVAILABLE', { file: '/data/cabinet.db' }],
  ['CONFIG_INVALID', { status: 401 }],
  ['CHECK_FAILED', { problems: [{ rule: 'CI-SIS-01', message: 'Élément manquant' }] }],
  ['CREDENTIALS_REFUSED', { essaisRestants: 1 }],
  ['CREDENTIALS_REFUSED', { essaisRestants: 'peu' }],
  ['SESSION_REQUIRED', { reason: 'absent' }],
  ['SESSION_REQUIRED', { reason: 'locked' }],
  ['CERTIFICATE_REFUSED', { reason: 'expire', notAfter: '2026-01-01T00:00:00Z' }],
];

describe('typed failure details', () => {
  it.each(emitted)('%s details as emitted fit their schema', (code, details) => {
    expect(detailsProblem(code, details)).toBeNull();
    expect(failureSchema.safeParse({ ok: false, code, message: 'Message.', details }).success).toBe(true);
  });

  it('refuses details of the wrong shape, naming the field', () => {
    expect(detailsProblem('SESSION_REQUIRED', { reason: 'peut-être' })).toMatch(/reason/);
    expect(detailsProblem('SESSION_REQUIRED', {})).toMatch(/reason/);
    expect(detailsProblem('CERTIFICATE_REFUSED', { motif: 'expire' })).toMatch(/reason/);
    expect(detailsProblem('CREDENTIALS_REFUSED', { essaisRestants: 'beaucoup' })).toMatch(/essaisRestants/);
    expect(detailsProblem('CONFLICT', { uid: 42 })).toMatch(/uid/);
    expect(detailsProblem('INTERNAL', { stack: 'at x.ts:1' })).not.toBeNull();
    expect(detailsProblem('NOT_FOUND', 'texte')).not.toBeNull();
    expect(failureSchema.safeParse({ ok: false, code: 'SESSION_REQUIRED', message: 'x', details: { reason: 'autre' } }).success).toBe(
      false,
    );
  });

  it('toFailure drops details outside their schema and says so', () => {
    const reported: string[] = [];
    const failure = toFailure(new CabinetError('CONFLICT', 'Conflit.', { uid: 42 }), (code, problem) =>
      reported.push(`${code} ${problem}`),
    );
    expect(failure).toEqual({ ok: false, code: 'CONFLICT', message: 'Conflit.' });
    expect(reported).toEqual([expect.stringMatching(/^CONFLICT uid/)]);
    expect(toFailure(new CabinetError('CONFLICT', 'Conflit.', { uid: 'u1' }))).toEqual({
      ok: false,
      code: 'CONFLICT',
      message: 'Conflit.',
      details: { uid: 'u1' },
    });
  });
});
