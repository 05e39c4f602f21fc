/** A fresh encrypted store in a temp folder, keyed through the real OS keychain. */
import { openStore, type Store } from '../../electron/platform/store/database.js';
import { tempDir, TestKeychain } from './fixtures.js';

export function freshStore(): Store & { keychain: TestKeychain; dataDir: string; dispose(): void } {
  const keychain = new TestKeychain();
  const dataDir = tempDir();
  const store = openStore({ dataDir, keychain });
  return {
    ...store,
    keychain,
    dataDir,
    dispose() {
      store.close();
      keychain.cleanup();
    },
  };
}
