/**
 * A separate Cabinet process for the mixed kill test (`../../kill/mixed.ts`):
 * the composition root's real services (encrypted store, outbox and its
 * worker, the DMP service over mutual TLS, the MSSanté client), the test GP
 * logged in with her .p12.
 *
 * Mode "enqueue": store the qualified patient and queue the planned actions
 * (« dmp »: a document for her DMP; « pro »: a mail to a professional;
 * « patient »: a mail to her Mon espace santé), print `ACTIONS=[…]` (each
 * action's DMP uniqueId or Message-ID) and exit without sending.
 * Mode "work": start as the app does at launch (log in, then the worker),
 * print `READY`, and once the outbox holds nothing waiting or in progress,
 * print `RESULT=…` (the outbox states) and exit 0. The test SIGKILLs it at
 * random moments before that.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createServices } from '../../../electron/app/services.js';
import { pdf } from '../../../electron/dmp/cda/fixtures.test-support.js';
import { OsKeychain } from '../../../electron/platform/keychain/keychain.js';
import { insertTestPatient, type TestPatient } from '../../support/patients.js';

export type MixedKind = 'dmp' | 'pro' | 'patient';

export interface MixedChildArgs {
  mode: 'enqueue' | 'work';
  keychainService: string;
  env: Record<string, string>;
  p12: string;
  password: string;
  plan: MixedKind[];
  proRecipient: string;
  patient: TestPatient;
}

const args = JSON.parse(process.argv[2] ?? '{}') as MixedChildArgs;
const services = await createServices({
  host: 'cli',
  keychain: new OsKeychain(args.keychainService),
  env: { ...args.env, CABINET_ENV: 'sandbox', CABINET_CONFIG: '' },
});
services.settings.set('identity.specialite', 'SM26');
services.settings.set('identity.structure', 'R99701');
await services.identity.loginP12(path.basename(args.p12), fs.readFileSync(args.p12), args.password);

if (args.mode === 'enqueue') {
  const p = args.patient;
  const uid = insertTestPatient(services.patients.repo, p);
  const actions: { kind: MixedKind; key: string }[] = [];
  for (const [i, kind] of args.plan.entries()) {
    if (kind === 'dmp') {
      const queued = await services.dmp.feed(uid, {
        pdf: pdf(2048),
        type: '11488-4',
        title: `Compte rendu ${i + 1} — test d’arrêts brutaux`,
      });
      actions.push({ kind, key: queued.uniqueId });
    } else {
      const body = `Action ${i + 1} : ce message ne doit arriver qu’une fois.`;
      const queued =
        kind === 'pro'
          ? await services.mss.send({ to: [args.proRecipient], subject: `Action ${i + 1}`, body })
          : await services.mss.send({ to: [], subject: `Action ${i + 1}`, body, patientUid: uid, toPatient: true });
      actions.push({ kind, key: queued.messageId });
    }
  }
  process.stdout.write(`ACTIONS=${JSON.stringify(actions)}\n`);
  await services.identity.logout();
  await services.close();
} else {
  services.worker.start();
  process.stdout.write('READY\n');
  await new Promise<void>((resolve) => {
    const wait = setInterval(() => {
      const counts = services.outbox.counts();
      if (counts.en_attente === 0 && counts.en_cours === 0) {
        clearInterval(wait);
        resolve();
      }
    }, 50);
  });
  await services.worker.stop();
  const items = services.outbox
    .list()
    .map((item) => ({ key: item.idempotencyKey, state: item.state, attempts: item.attempts, lastError: item.lastError }));
  process.stdout.write(`RESULT=${JSON.stringify(items)}\n`);
  await services.identity.logout();
  await services.close();
}
