import { afterEach, describe, expect, it } from 'vitest';
import { TestKeychain } from '../../../test/support/fixtures.js';
import { OsKeychain, probeKeychain } from './keychain.js';

const k = new TestKeychain();
afterEach(() => k.cleanup());

describe('OS keychain', () => {
  it('stores, returns and deletes a secret (real Secret Service / Keychain / Credential Manager)', () => {
    expect(k.get('compte')).toBeNull();
    k.set('compte', 'secret-é-123');
    expect(k.get('compte')).toBe('secret-é-123');
    // A second handle on the same service sees the same secret: it is really in the OS keychain.
    expect(new OsKeychain(k.service).get('compte')).toBe('secret-é-123');
    expect(k.delete('compte')).toBe(true);
    expect(k.get('compte')).toBeNull();
  });

  it('passes the doctor probe and leaves nothing behind', () => {
    expect(() => probeKeychain(k)).not.toThrow();
  });
});
