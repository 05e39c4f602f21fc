/**
 * Issue 15, the DMP stopped during real work: the composition root's services
 * (encrypted store, outbox and worker, real XDS client over mutual TLS with a
 * signed VIHF), the test GP logged in with her .p12, the DMP sandbox.
 *
 * The sandbox is stopped, three documents are fed for one patient and one for
 * another: the app keeps working (each is queued), the DMP is « indisponible
 * depuis HH:MM » from the real call (no probe), the banner says what still
 * works. The sandbox comes back on the same port: the drain sends every item
 * exactly once (counted at the receiver, by ITI-41 and by uniqueId), in order
 * for the patient, and the recovery is announced once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../electron/app/services.js';
import { pdf } from '../../electron/dmp/cda/fixtures.test-support.js';
import { SEEDED } from '../../sandboxes/dmp/seeds.js';
import { startDmpSandbox, type DmpSandbox } from '../../sandboxes/dmp/server.js';
import { createTestPki, identity, pkiPath, type PkiManifest } from '../../sandboxes/pki/test-pki.js';
import type { SandboxIdentity } from '../../sandboxes/insi/identities.js';
import { outageBanner } from '../../shared/domain/service-outage.js';
import { envFor, tempDir, TestKeychain } from '../support/fixtures.js';
import { insertTestPatient, testPatientOf } from '../support/patients.js';

const keychain = new TestKeychain();
let pki: PkiManifest;
let sandbox: DmpSandbox | null = null;
let port = 0;
let services: Services;
/** ITI-41 submissions registered by the DMP, whichever sandbox instance took them. */
const registered: string[] = [];
const recoveries: { count: number; at: string }[] = [];

async function startSandbox(): Promise<DmpSandbox> {
  const s = await startDmpSandbox({
    pki,
    port,
    volume: 0,
    beforeAnswer: async (request) => {
      if (request.transaction === 'ITI41' && request.outcome === 'Success') registered.push(request.at);
    },
  });
  port = s.port;
  return s;
}

function qualified(p: SandboxIdentity): string {
  return insertTestPatient(services.patients.repo, testPatientOf(p));
}

beforeAll(async () => {
  const dataDir = tempDir('cabinet-degrade-dmp-');
  pki = await createTestPki(path.join(dataDir, 'pki-test'));
  sandbox = await startSandbox();
  services = await createServices({ host: 'navigateur', keychain, env: envFor(dataDir, { CABINET_DMP_URL: sandbox.url }) });
  services.events.on('outboxRecovered', (r) => recoveries.push(r));
  services.settings.set('identity.specialite', 'SM26');
  services.settings.set('identity.structure', 'R99701');
  const martin = identity(pki, 'medecin-martin');
  await services.identity.loginP12('martin.p12', fs.readFileSync(pkiPath(pki, martin.p12!)), martin.password!);
}, 120_000);

afterAll(async () => {
  await services?.identity.logout();
  await services?.close();
  await sandbox?.close();
  keychain.cleanup();
});

const dmpState = () => services.health.current().find((s) => s.id === 'dmp')!;

describe('DMP stopped during real work', () => {
  it('queues the feeds, says the DMP is down since the failed call, and sends each exactly once, in order, when it is back', async () => {
    const first = qualified(SEEDED.valide);
    const other = qualified(SEEDED.valide2);

    // A real call while the DMP answers: connected, from the call itself.
    await services.dmp.status(first);
    expect(dmpState().state).toBe('connecte');

    await sandbox!.close();
    sandbox = null;

    const queued: { uniqueId: string; outboxId: number }[] = [];
    for (const n of [1, 2, 3])
      queued.push(await services.dmp.feed(first, { pdf: pdf(4096 + n), type: '11488-4', title: `Compte rendu ${n} — panne du DMP` }));
    queued.push(await services.dmp.feed(other, { pdf: pdf(5000), type: '11488-4', title: 'Compte rendu — autre patient' }));
    await services.worker.drain();

    // Work continues: everything is queued, nothing failed for good.
    expect(services.outbox.counts()).toMatchObject({ en_attente: 4, echec: 0, envoye: 0 });
    // The patient's later documents were not even tried while the first waits (order per patient).
    const attempts = queued.map((q) => services.outbox.get(q.outboxId)!.attempts);
    expect(attempts).toEqual([1, 0, 0, 1]);
    // The state comes from the failed real call, with its time; the banner says what still works.
    expect(dmpState()).toMatchObject({ state: 'indisponible' });
    expect(dmpState().since).toBeTruthy();
    expect(
      outageBanner(
        services.health.current().map((s) => ({ id: s.id, state: s.state, since: s.since })),
        ['dmp'],
      ),
    ).toMatch(/^DMP indisponible depuis \d\d:\d\d — vos envois sont conservés et partiront automatiquement/);

    sandbox = await startSandbox();
    const result = await services.worker.drainUntilEmpty(60_000);
    expect(result).toMatchObject({ empty: true, sent: 4 });
    expect(dmpState().state).toBe('connecte');

    // Exactly once at the receiver: four ITI-41 accepted, each uniqueId held once.
    expect(registered).toHaveLength(4);
    for (const q of queued) expect(sandbox.registry.entryByUniqueId(q.uniqueId)).not.toBeNull();
    // In order for the patient: the outbox completed them in the order they were queued.
    const sentOrder = services.outbox
      .list('envoye')
      .filter((i) => queued.slice(0, 3).some((q) => q.outboxId === i.id))
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.id - b.id)
      .map((i) => i.id);
    expect(sentOrder).toEqual(queued.slice(0, 3).map((q) => q.outboxId));
    // Recovery announced: the held-back ones (the two tried during the outage) at least.
    expect(recoveries.reduce((n, r) => n + r.count, 0)).toBeGreaterThanOrEqual(2);
    // A second drain sends nothing more.
    await services.worker.drain();
    expect(registered).toHaveLength(4);
    console.log(
      `[panne DMP] en file : ${queued.length}, remis : ${registered.length}, doublons : ${registered.length - new Set(queued.map((q) => q.uniqueId)).size}`,
    );
  }, 120_000);
});
