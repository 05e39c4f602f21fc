/**
 * A separate Cabinet process for the DMP crash test (`../dmp-crash.test.ts`):
 * the composition root's real services (encrypted store, audit, outbox and
 * its worker, the DMP service and its outbox sender, the real XdsDmpClient
 * over mutual TLS with a signed VIHF), the test GP logged in with her .p12.
 *
 * Mode "feed": store the qualified patient, queue one document for the DMP
 * (« Envoyer au DMP »), start the worker and print `UNIQUE_ID=…`; the test
 * kills this process with SIGKILL while the sandbox holds the ITI-41 answer.
 * Mode "resume": start as the app does at launch (log in, then the worker)
 * and, once the outbox is empty, print the outbox items and the feed record
 * as JSON.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createServices } from '../../../electron/app/services.js';
import { pdf } from '../../../electron/dmp/cda/fixtures.test-support.js';
import { OsKeychain } from '../../../electron/platform/keychain/keychain.js';
import { insertTestPatient, type TestPatient } from '../../support/patients.js';

interface Args {
  mode: 'feed' | 'resume';
  dataDir: string;
  keychainService: string;
  dmpUrl: string;
  p12: string;
  password: string;
  patient: TestPatient;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const services = await createServices({
  host: 'navigateur',
  keychain: new OsKeychain(args.keychainService),
  env: { CABINET_DATA_DIR: args.dataDir, CABINET_ENV: 'sandbox', CABINET_CONFIG: '', CABINET_DMP_URL: args.dmpUrl },
});
// Réglages read at login: the specialty and the structure go into the CDA's author.
services.settings.set('identity.specialite', 'SM26');
services.settings.set('identity.structure', 'R99701');
await services.identity.loginP12(path.basename(args.p12), fs.readFileSync(args.p12), args.password);

if (args.mode === 'feed') {
  const p = args.patient;
  const uid = insertTestPatient(services.patients.repo, p);
  const queued = await services.dmp.feed(uid, { pdf: pdf(8192), type: '11488-4', title: 'Compte rendu — test de panne' });
  process.stdout.write(`UNIQUE_ID=${queued.uniqueId}\n`);
  services.worker.start();
  // Stays alive: the test kills this process while the DMP holds its answer.
} else {
  services.worker.start();
  const wait = setInterval(() => {
    const counts = services.outbox.counts();
    if (counts.en_attente === 0 && counts.en_cours === 0) {
      clearInterval(wait);
      const items = services.outbox.list().map((item) => ({ ...item, result: services.outbox.resultOf(item.id) }));
      const feeds = items.map((item) => services.dmp.cache.feeds({ uniqueId: item.idempotencyKey.replace(/^dmp:/, '') })[0] ?? null);
      process.stdout.write(`RESULT=${JSON.stringify({ items, feeds })}\n`);
      void services.close().then(() => process.exit(0));
    }
  }, 20);
}
