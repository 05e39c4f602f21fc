/**
 * A separate process for the database kill test (`../db-kill.test.ts`).
 * Mode "migrate": open a fresh store (every migration runs), print DONE.
 * Mode "refresh": DMP list refreshes of one patient, forever — each a full
 * refresh of 300 entries tagged with its generation and its cursor — printing
 * `GEN=n` after each commit. The test SIGKILLs it at a random moment.
 */
import { DmpCache } from '../../../electron/dmp/cache.js';
import { OsKeychain } from '../../../electron/platform/keychain/keychain.js';
import { openStore } from '../../../electron/platform/store/database.js';
import { dmpEntry } from '../../support/dmp-entries.js';

const [mode, dataDir, keychainService] = process.argv.slice(2) as [string, string, string];
const store = openStore({ dataDir, keychain: new OsKeychain(keychainService) });
if (mode === 'migrate') {
  process.stdout.write('DONE\n');
  store.close();
} else {
  const cache = new DmpCache(store.db);
  process.stdout.write('READY\n');
  for (let g = 1; ; g++) {
    cache.storeEntries('patient-1', Array.from({ length: 300 }, (_, i) => dmpEntry(i + g * 1000, { title: `G${g} document ${i}` })), { replaceAll: true, cursor: `g${g}` });
    process.stdout.write(`GEN=${g}\n`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
