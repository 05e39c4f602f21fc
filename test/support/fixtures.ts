/** Helpers shared by unit and integration tests: temp folders, a real keychain that cleans up. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CabinetError } from '../../shared/contract/outcome.js';
import { OsKeychain, type Keychain } from '../../electron/platform/keychain/keychain.js';

export function tempDir(prefix = 'cabinet-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * The real OS keychain under a test service name; remembers what it stored
 * so that `cleanup()` leaves the keychain as it found it.
 */
export class TestKeychain implements Keychain {
  readonly service = `Cabinet-test-${randomBytes(4).toString('hex')}`;
  private readonly inner = new OsKeychain(this.service);
  private readonly accounts = new Set<string>();

  get(account: string): string | null {
    return this.inner.get(account);
  }
  set(account: string, secret: string): void {
    this.accounts.add(account);
    this.inner.set(account, secret);
  }
  delete(account: string): boolean {
    this.accounts.delete(account);
    return this.inner.delete(account);
  }
  cleanup(): void {
    for (const account of [...this.accounts]) this.delete(account);
  }
}

/** A keychain that fails as OsKeychain does when no Secret Service answers. */
export const brokenKeychain: Keychain = {
  get: () => {
    throw new CabinetError('KEYCHAIN_UNAVAILABLE');
  },
  set: () => {
    throw new CabinetError('KEYCHAIN_UNAVAILABLE');
  },
  delete: () => {
    throw new CabinetError('KEYCHAIN_UNAVAILABLE');
  },
};

export function envFor(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { CABINET_DATA_DIR: dataDir, CABINET_ENV: 'sandbox', CABINET_CONFIG: '', ...extra };
}
