import { describe, expect, it } from 'vitest';
import { outageBanner, outageCause, practiceTime } from './service-outage.js';

describe('outageCause', () => {
  it('sees network, TLS, timeout and 5xx causes as outages', () => {
    expect(outageCause({ code: 'UNAVAILABLE', details: { cause: 'reseau' } })).toBe('reseau');
    expect(outageCause({ code: 'UNAVAILABLE', details: { cause: 'tls' } })).toBe('tls');
    expect(outageCause({ code: 'UNAVAILABLE', details: { cause: 'delai' } })).toBe('delai');
    expect(outageCause({ code: 'UNAVAILABLE', details: { status: 503 } })).toBe('serveur');
    expect(outageCause({ code: 'UNAVAILABLE', details: { reason: 'injoignable' } })).toBe('reseau');
    expect(outageCause({ code: 'UNAVAILABLE', details: { reason: 'certificat_serveur' } })).toBe('tls');
  });

  it('does not see an action’s own failure as an outage', () => {
    expect(outageCause({ code: 'INVALID_REQUEST', details: { cause: 'reseau' } })).toBeNull();
    expect(outageCause({ code: 'UNAUTHORIZED', details: { status: 403 } })).toBeNull();
    expect(outageCause({ code: 'UNAVAILABLE', details: { status: 400 } })).toBeNull();
    expect(outageCause({ code: 'UNAVAILABLE' })).toBeNull();
    expect(outageCause({ code: 'UNAVAILABLE', details: { reason: 'authentification' } })).toBeNull();
    expect(outageCause(null)).toBeNull();
  });
});

describe('practiceTime', () => {
  it('gives the practice’s HH:MM (Paris, summer and winter)', () => {
    expect(practiceTime('2026-07-01T08:42:00Z')).toBe('10:42');
    expect(practiceTime('2026-12-01T09:42:00Z')).toBe('10:42');
    expect(practiceTime('pas une date')).toBe('');
  });
});

describe('outageBanner', () => {
  it('names the service, since when, and what still works', () => {
    const banner = outageBanner([
      { id: 'dmp', state: 'indisponible', since: '2026-12-01T09:42:00Z' },
      { id: 'insi', state: 'connecte', since: null },
    ]);
    expect(banner).toBe(
      'DMP indisponible depuis 10:42 — vos envois sont conservés et partiront automatiquement ; les documents déjà lus restent consultables.',
    );
  });

  it('is null when every service answers, and filters on the screen’s services', () => {
    expect(
      outageBanner([
        { id: 'dmp', state: 'connecte' },
        { id: 'psc', state: 'non_configure' },
      ]),
    ).toBeNull();
    expect(outageBanner([{ id: 'dmp', state: 'indisponible' }], ['mssSmtp'])).toBeNull();
    expect(
      outageBanner([
        { id: 'mssSmtp', state: 'indisponible' },
        { id: 'dmp', state: 'indisponible' },
      ]),
    ).toBe(
      'MSSanté (envoi) indisponible, DMP indisponible — vos envois sont conservés et partiront automatiquement ; les documents déjà lus restent consultables.',
    );
  });
});
