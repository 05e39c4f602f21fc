/**
 * A separate Cabinet process for the crash test. Mode "crash": enqueue one
 * action, deliver it to the (idempotent) receiver, then die by SIGKILL before
 * the outbox records the success — the worst moment. Mode "resume": start the
 * worker as the app does at launch and let it finish.
 */
import fs from 'node:fs';
import { OsKeychain } from '../../../electron/platform/keychain/keychain.js';
import { Outbox } from '../../../electron/platform/outbox/outbox.js';
import { OutboxWorker } from '../../../electron/platform/outbox/worker.js';
import { openStore } from '../../../electron/platform/store/database.js';

const [mode, dataDir, keychainService, receiverFile] = process.argv.slice(2) as [string, string, string, string];
const store = openStore({ dataDir, keychain: new OsKeychain(keychainService) });
const outbox = new Outbox(store.db);
const worker = new OutboxWorker(outbox, { pollMs: 50 });

/** The receiving service: records every delivery, stores each document once (by key). */
function deliver(key: string): void {
  const receiver = fs.existsSync(receiverFile)
    ? (JSON.parse(fs.readFileSync(receiverFile, 'utf8')) as { deliveries: number; documents: string[] })
    : { deliveries: 0, documents: [] };
  receiver.deliveries += 1;
  if (!receiver.documents.includes(key)) receiver.documents.push(key);
  fs.writeFileSync(receiverFile, JSON.stringify(receiver));
}

worker.register('test.echo', async (item) => {
  deliver(item.idempotencyKey);
  if (mode === 'crash') process.kill(process.pid, 'SIGKILL');
  return { recu: true };
});

if (mode === 'crash') {
  outbox.enqueue({ kind: 'test.echo', idempotencyKey: 'urn:uuid:doc-crash', summary: 'Compte rendu', payload: { pdf: 'JVBERi0' } });
  worker.start();
} else {
  worker.start();
  const wait = setInterval(() => {
    if (outbox.counts().en_attente === 0 && outbox.counts().en_cours === 0) {
      clearInterval(wait);
      void worker.stop().then(() => {
        process.stdout.write(JSON.stringify(outbox.list()));
        store.close();
      });
    }
  }, 20);
}
