/** Real services on a temp data folder, keyed through the real OS keychain. */
import { createServices, type Services } from '../../electron/app/services.js';
import { envFor, tempDir, TestKeychain } from './fixtures.js';

export async function testServices(extraEnv: Record<string, string> = {}): Promise<Services & { dispose(): Promise<void> }> {
  const keychain = new TestKeychain();
  const dataDir = tempDir();
  const services = await createServices({ host: 'navigateur', keychain, env: envFor(dataDir, extraEnv) });
  return Object.assign(services, {
    async dispose() {
      await services.close();
      keychain.cleanup();
    },
  });
}
