/**
 * A separate process for the database kill test (`../db-kill.test.ts`).
 * Mode "migrate": open a fresh store (every migration runs), print DONE.
 * Mode "refresh": DMP list refreshes of one patient, forever — each a full
 * refresh of 300 entries tagged with its generation and its cursor — printing
 * `GEN=n` after each commit.
 * Mode "mss-sync": MSSanté syncs of one INBOX from the real IMAP server
 * (`syncMailbox` with the write worker, as the app does), forever — each
 * round empties the folder if it is whole, prints `SYNCING`, syncs every
 * message and prints `SYNCED=n` and how long it took.
 * Mode "mss-sync-once": one sync (resuming whatever is there), then exit.
 * The IMAP account comes in CABINET_TEST_IMAP (JSON: port, address, PEMs).
 * The test SIGKILLs it at a random moment.
 */
import { DmpCache } from '../../../electron/dmp/cache.js';
import { connectImap } from '../../../electron/mss/client/imap.js';
import { MssStore } from '../../../electron/mss/client/store.js';
import { syncMailbox } from '../../../electron/mss/client/sync.js';
import { WorkerWriter } from '../../../electron/mss/client/writer.js';
import { OsKeychain } from '../../../electron/platform/keychain/keychain.js';
import { openStore } from '../../../electron/platform/store/database.js';
import { dmpEntry } from '../../support/dmp-entries.js';

const [mode, dataDir, keychainService] = process.argv.slice(2) as [string, string, string];
const keychain = new OsKeychain(keychainService);
const store = openStore({ dataDir, keychain });
if (mode === 'migrate') {
  process.stdout.write('DONE\n');
  store.close();
} else if (mode === 'refresh') {
  const cache = new DmpCache(store.db);
  process.stdout.write('READY\n');
  for (let g = 1; ; g++) {
    cache.storeEntries(
      'patient-1',
      Array.from({ length: 300 }, (_, i) => dmpEntry(i + g * 1000, { title: `G${g} document ${i}` })),
      { replaceAll: true, cursor: `g${g}` },
    );
    process.stdout.write(`GEN=${g}\n`);
    await new Promise((resolve) => setImmediate(resolve));
  }
} else {
  const imap = JSON.parse(process.env.CABINET_TEST_IMAP ?? '{}') as {
    port: number;
    address: string;
    keyPem: string;
    certPem: string;
    ca: string;
    batchSize: number;
  };
  const mss = new MssStore(store.db, imap.address);
  const keyHex = keychain.get(`base-locale:${store.storeId}`)!;
  process.stdout.write('READY\n');
  for (let round = 1; ; round++) {
    // A mailbox already whole is emptied first (one transaction), so that each round writes every message again.
    const whole = mss.folder('INBOX');
    if (mode === 'mss-sync' && whole && whole.uidNext !== null) mss.clearFolder(whole.id);
    process.stdout.write('SYNCING\n');
    const started = performance.now();
    const client = await connectImap({
      endpoint: { host: '127.0.0.1', port: imap.port, secure: true },
      auth: { user: imap.address, tls: { kind: 'pem', keyPem: imap.keyPem, certPem: imap.certPem, chainPem: [] } },
      trust: { extraCa: [imap.ca] },
    });
    const writer = new WorkerWriter({ file: store.file, db: store.db, keyHex });
    try {
      await syncMailbox(client, mss, { folders: ['INBOX'], batchSize: imap.batchSize, maxPending: 2, writer });
    } finally {
      await writer.close();
      await client.logout().catch(() => client.close());
    }
    process.stdout.write(`SYNCED=${round}\nSYNC_MS=${Math.round(performance.now() - started)}\n`);
    if (mode === 'mss-sync-once') break;
  }
  store.close();
}
