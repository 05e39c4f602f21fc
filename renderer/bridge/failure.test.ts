import { describe, expect, it } from 'vitest';
import { fail } from '../../shared/contract/outcome.js';
import { bridgeFailure, isBridgeFailure } from './failure.js';

describe('isBridgeFailure', () => {
  it('is true only for the bridge’s own failures', () => {
    expect(isBridgeFailure(bridgeFailure('UNAVAILABLE', 'Les services de Cabinet ne répondent pas.'))).toBe(true);
    expect(isBridgeFailure(bridgeFailure('UNAUTHORIZED', 'Jeton absent.'))).toBe(true);
  });

  it('is false for a national service that is down or refuses', () => {
    expect(isBridgeFailure(fail('UNAVAILABLE', 'INSi est indisponible (HTTP 503).', { status: 503 }))).toBe(false);
    expect(isBridgeFailure(fail('UNAVAILABLE', 'Messagerie MSSanté injoignable.', { reason: 'injoignable', server: 'IMAP' }))).toBe(false);
    expect(isBridgeFailure(fail('UNAUTHORIZED', 'Le DMP a refusé l’accès (HTTP 403).', { status: 403 }))).toBe(false);
    expect(isBridgeFailure(fail('UNAVAILABLE'))).toBe(false);
  });
});
