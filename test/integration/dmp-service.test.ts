/**
 * The DMP service as the patient screen uses it, end to end below the UI:
 * the composition root's services (encrypted store, audit, outbox worker),
 * the test PKI's GP logged in with her .p12, the real DMP client (mutual TLS,
 * signed VIHF, SOAP 1.2, MTOM) against the protocol-faithful DMP sandbox
 * seeded with the CNAM test patients and a 2,000-document DMP.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../electron/app/dispatch.js';
import { contextOf, createHandlers } from '../../electron/app/handlers.js';
import { createServices, type Services } from '../../electron/app/services.js';
import { pdf as smallPdf } from '../../electron/dmp/cda/fixtures.test-support.js';
import { startDmpSandbox, type DmpSandbox } from '../../sandboxes/dmp/server.js';
import { OTHER_AUTHOR, SEEDED } from '../../sandboxes/dmp/seeds.js';
import { DMP_FEED_KIND } from '../../electron/dmp/service.js';
import { loadCardIntoSoftHsm, SOFTHSM_MODULE, type SoftHsmCard } from '../../sandboxes/pki/softhsm.js';
import { createTestPki, identity, pkiPath, type PkiManifest } from '../../sandboxes/pki/test-pki.js';
import { deVinciTwins, type SandboxIdentity } from '../../sandboxes/insi/identities.js';
import { KEYCHAIN_SERVICE, OsKeychain } from '../../electron/platform/keychain/keychain.js';
import { STORE_ID_FILE } from '../../electron/platform/store/database.js';
import { envFor, tempDir, TestKeychain } from '../support/fixtures.js';
import { spawnCli } from '../support/cli.js';
import { insertTestPatient, testPatientOf } from '../support/patients.js';

let pki: PkiManifest;
let sandbox: DmpSandbox;
let services: Services;
let card: SoftHsmCard;
const keychain = new TestKeychain();
const uids = new Map<string, string>();

/** A patient of this post with a qualified identity (as after INSi + identity document), straight into the store. */
function qualified(p: SandboxIdentity, status: 'QUAL' | 'RECUP' = 'QUAL'): string {
  return insertTestPatient(services.patients.repo, testPatientOf(p), { status });
}

beforeAll(async () => {
  const dataDir = tempDir();
  pki = await createTestPki(path.join(dataDir, 'pki-test'));
  sandbox = await startDmpSandbox({ pki, port: 0 });
  services = await createServices({ host: 'navigateur', keychain, env: envFor(dataDir, { CABINET_DMP_URL: sandbox.url }) });
  services.settings.set('identity.specialite', 'SM26');
  services.settings.set('identity.structure', 'R99701');
  services.settings.set('identity.pkcs11Module', SOFTHSM_MODULE);
  // The GP's CPS card (SoftHSM2): mutual TLS through the OpenSSL pkcs11 engine, VIHF signed on the card (Authentification_Mode DIRECTE).
  const martin = identity(pki, 'medecin-martin');
  card = await loadCardIntoSoftHsm({
    p12Path: pkiPath(pki, martin.p12!),
    password: martin.password!,
    pin: '1234',
    label: 'CPS MARTIN',
    softhsmConf: path.join(tempDir('cabinet-softhsm-'), 'softhsm2.conf'),
  });
  process.env.SOFTHSM2_CONF = card.conf;
  await services.identity.loginCard(0, '1234');
  for (const [key, person] of Object.entries(SEEDED)) uids.set(key, qualified(person));
}, 120_000);

afterAll(async () => {
  await services?.identity.logout();
  await services?.close();
  await sandbox?.close();
  keychain.cleanup();
});

const uid = (key: keyof typeof SEEDED) => uids.get(key)!;

describe('DMP service ↔ real client ↔ DMP sandbox', () => {
  it('status, list (masked documents of others hidden), and the viewer for level 1 and level 3', async () => {
    const status = await services.dmp.status(uid('valide'));
    expect(status).toMatchObject({
      offline: false,
      status: { exists: true, authorization: 'VALIDE', medecinTraitant: true },
      message: expect.stringMatching(/médecin traitant DMP/),
    });

    const listed = await services.dmp.list(uid('valide'), { limit: 100 });
    expect(listed.offline).toBe(false);
    expect(listed.total).toBeGreaterThanOrEqual(5);
    expect(listed.entries.every((e) => !e.visibility.masquePs || e.own)).toBe(true);
    expect(listed.entries.some((e) => e.authors.some((a) => a.idNat === OTHER_AUTHOR) && e.visibility.masquePs)).toBe(false);

    const n1 = listed.entries.find((e) => e.format?.code === 'urn:ihe:iti:xds-sd:pdf:2008')!;
    const opened = await services.dmp.get(uid('valide'), n1.entryUuid);
    expect(opened).toMatchObject({ kind: 'cda-n1', fromCache: false });
    expect(Buffer.from(opened.pdfBase64!, 'base64').subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect((await services.dmp.get(uid('valide'), n1.entryUuid)).fromCache).toBe(true);
    const n3 = listed.entries.find((e) => e.format && e.format.code !== 'urn:ihe:iti:xds-sd:pdf:2008')!;
    expect((await services.dmp.get(uid('valide'), n3.entryUuid)).kind).toBe('cda-n3');
    const actions = services.audit.list(50).entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['dmp.status', 'dmp.list', 'dmp.read']));
  });

  it('feeds through the outbox, sees the document come back as our own, masks it and deletes it; a resend is « already »', async () => {
    const patient = uid('valide2');
    const first = await services.dmp.list(patient);
    const before = first.total;
    const preview = await services.dmp.previewFeed(patient, { pdf: smallPdf(4096), type: '11488-4', title: 'Consultation de test' });
    expect(preview.metadata.find((m) => m.label === 'Auteur')?.value).toMatch(/899701000012/);
    const queued = await services.dmp.feed(patient, { previewId: preview.previewId });
    await services.worker.drain();
    expect(services.outbox.get(queued.outboxId)).toMatchObject({ state: 'envoye' });
    expect(services.outbox.resultOf(queued.outboxId)).toMatchObject({ outcome: 'created', uniqueId: preview.uniqueId });

    // Sending the same document again (a retry after a crash) is « already », not a second document.
    const payload = JSON.parse(
      services.store.db.prepare('SELECT payload FROM outbox WHERE id = ?').pluck().get(queued.outboxId) as string,
    ) as unknown;
    const again = services.outbox.enqueue({
      kind: DMP_FEED_KIND,
      idempotencyKey: `test-renvoi:${preview.uniqueId}`,
      summary: 'renvoi',
      payload,
    }).item;
    await services.worker.drain();
    expect(services.outbox.get(again.id)).toMatchObject({ state: 'envoye' });
    expect(services.outbox.resultOf(again.id)).toMatchObject({ outcome: 'already', uniqueId: preview.uniqueId });

    const after = await services.dmp.list(patient);
    expect(after.total).toBe(before + 1);
    const mine = after.entries.find((e) => e.uniqueId === preview.uniqueId)!;
    expect(mine).toMatchObject({ own: true, title: 'Consultation de test' });

    const masked = await services.dmp.setVisibility(patient, mine.entryUuid, {
      masquePs: true,
      invisiblePatient: false,
      invisibleRepresentants: false,
    });
    expect(masked.visibility.masquePs).toBe(true);
    const refreshed = await services.dmp.list(patient, { visibility: 'masquees_ps' });
    expect(refreshed.entries.map((e) => e.uniqueId)).toEqual([preview.uniqueId]);

    const current = refreshed.entries[0]!;
    const deleted = await services.dmp.setStatus(patient, current.entryUuid, 'Deleted');
    expect(deleted.status).toBe('Deleted');
    expect((await services.dmp.list(patient, {}, 'complet')).total).toBe(before);
    expect(services.audit.list(50).entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(['dmp.feed', 'dmp.feed_sent', 'dmp.visibility', 'dmp.delete']),
    );
  });

  it('without authorisation: refused; after the patient’s consent (TD0.3): allowed', async () => {
    const patient = uid('nonExiste');
    await expect(services.dmp.list(patient)).rejects.toMatchObject({ message: expect.any(String) });
    await expect(services.dmp.addAuthorization(patient, { consentConfirmed: false })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    const added = await services.dmp.addAuthorization(patient, { consentConfirmed: true });
    expect(added.status.authorization).toBe('VALIDE');
    expect((await services.dmp.list(patient)).offline).toBe(false);
  });

  it('bris de glace: with a reason the DMP opens without authorisation and records it; a blocked practitioner stays refused', async () => {
    const patient = uid('expire');
    await expect(services.dmp.list(patient)).rejects.toBeDefined();
    services.dmp.declareAccess(patient, 'bris_de_glace', 'Patiente inconsciente, prise en charge urgente');
    const listed = await services.dmp.list(patient);
    expect(listed.access).toMatchObject({ purpose: 'bris_de_glace' });
    expect(sandbox.requests().at(-1)).toMatchObject({ purpose: 'bris_de_glace' });
    services.dmp.declareAccess(uid('interdit'), 'bris_de_glace', 'Patiente inconsciente, prise en charge urgente');
    await expect(services.dmp.list(uid('interdit'))).rejects.toBeDefined();
  });

  it('loads a 2,000-document DMP (2-year window) and lists the newest 50 from the cache', async () => {
    const patient = uid('volume');
    const started = performance.now();
    const listed = await services.dmp.list(patient, { limit: 50 });
    const firstMs = performance.now() - started;
    // First opening: the newest documents of a recent window at once, the full 2-year search in the background.
    expect(listed.message).toMatch(/recherche sur deux ans en cours/);
    await services.dmp.searched(patient);
    const cachedStart = performance.now();
    const cached = await services.dmp.list(patient, { limit: 50 }, 'cache');
    const cachedMs = performance.now() - cachedStart;
    console.log(
      `dmp service: first screen of the volume patient (${listed.total} recent entries) in ${firstMs.toFixed(0)} ms; after the 2-year search ${cached.total} entries, newest 50 from the cache in ${cachedMs.toFixed(1)} ms`,
    );
    expect(cached.total).toBeGreaterThan(500);
    expect(listed.entries).toHaveLength(50);
    expect(cached.entries.map((e) => e.entryUuid)).toEqual(listed.entries.map((e) => e.entryUuid));
  });

  it('answers through the contract: every dmp.* answer matches its schema; bad requests are refused in French', async () => {
    const internal: unknown[] = [];
    const dispatch = createDispatcher(createHandlers(services), { onInternalError: (_c, e) => internal.push(e) });
    const ctx = contextOf(services)(); // the logged-in GP
    expect(ctx).toMatchObject({ actor: '899701000012', session: 'connecte' });
    const patient = uid('valide');
    expect(await dispatch('dmp.status', { uid: patient }, ctx)).toMatchObject({ ok: true, value: { status: { authorization: 'VALIDE' } } });
    const listed = await dispatch('dmp.list', { uid: patient, filter: { limit: 10, visibility: 'normales' } }, ctx);
    expect(listed).toMatchObject({ ok: true, value: { offline: false } });
    const first = (listed as { value: { entries: { entryUuid: string }[] } }).value.entries[0]!;
    expect(await dispatch('dmp.get', { uid: patient, entryUuid: first.entryUuid }, ctx)).toMatchObject({
      ok: true,
      value: { contentBase64: expect.any(String) },
    });
    const preview = await dispatch(
      'dmp.previewFeed',
      { uid: patient, pdfBase64: smallPdf().toString('base64'), type: '11488-4', title: 'Par le contrat' },
      ctx,
    );
    expect(preview).toMatchObject({ ok: true, value: { metadata: expect.arrayContaining([{ label: 'Titre', value: 'Par le contrat' }]) } });
    const fed = await dispatch('dmp.feed', { uid: patient, previewId: (preview as { value: { previewId: string } }).value.previewId }, ctx);
    expect(fed).toMatchObject({ ok: true, value: { state: 'en_attente' } });
    await services.worker.drain();
    expect(await dispatch('dmp.brisDeGlace', { uid: patient, purpose: 'bris_de_glace', reason: 'court' }, ctx)).toMatchObject({
      ok: false,
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/raison/),
    });
    expect(await dispatch('dmp.feed', { uid: patient, pdfBase64: 'JVBERi0=', type: 'inconnu' }, ctx)).toMatchObject({
      ok: false,
      code: 'INVALID_REQUEST',
    });
    expect(await dispatch('dmp.list', { uid: patient, filter: { limit: 10 }, inconnu: 1 }, ctx)).toMatchObject({
      ok: false,
      code: 'INVALID_REQUEST',
    });
    expect(internal).toEqual([]);
  });

  it('refuses to delete another author’s document before asking the DMP', async () => {
    const listed = await services.dmp.list(uid('volume'), { limit: 100, author: 'DUPONT' }, 'cache');
    const theirs = listed.entries.find((e) => !e.own)!;
    const asked = sandbox.requests().length;
    await expect(services.dmp.setStatus(uid('volume'), theirs.entryUuid, 'Deleted')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: /Seul l’auteur/,
    });
    expect(sandbox.requests()).toHaveLength(asked);
  });

  it('a RECUP identity is refused before anything leaves', async () => {
    const recup = qualified(
      deVinciTwins.find((p) => p.id === 'inventee:de-vinci-leonardo-2')!,
      'RECUP',
    );
    await expect(services.dmp.status(recup)).rejects.toMatchObject({ message: /qualifiée/ });
  });
});

describe('cabinet dmp (its own process, the card through SoftHSM2)', () => {
  const cliData = tempDir();
  const pdfFile = path.join(cliData, 'cr.pdf');
  beforeAll(async () => {
    // The CLI uses the OS keychain's own entry for its store: prepare that store (a qualified patient, Réglages) the same way.
    const cli = await createServices({ host: 'cli', env: envFor(cliData, { CABINET_TRUST_DIR: pki.dir }) });
    try {
      cli.settings.set('identity.specialite', 'SM26');
      cli.settings.set('identity.structure', 'R99701');
      const p = SEEDED.valide;
      insertTestPatient(cli.patients.repo, testPatientOf(p), { insiCheckedAt: null });
    } finally {
      await cli.close();
    }
    fs.writeFileSync(pdfFile, smallPdf(8192));
  }, 60_000);
  afterAll(() => {
    const idFile = path.join(cliData, STORE_ID_FILE);
    if (fs.existsSync(idFile)) new OsKeychain(KEYCHAIN_SERVICE).delete(`base-locale:${fs.readFileSync(idFile, 'utf8').trim()}`);
  });
  const cabinet = async (args: string[]) => {
    const run = await spawnCli(
      ['dmp', ...args, '--json'],
      {
        CABINET_DATA_DIR: cliData,
        CABINET_ENV: 'sandbox',
        CABINET_CONFIG: '',
        CABINET_TRUST_DIR: pki.dir,
        CABINET_DMP_URL: sandbox.url,
        CABINET_PIN: '1234',
        SOFTHSM2_CONF: card.conf,
      },
      { tsx: true, timeoutMs: 60_000 },
    );
    let json = { ok: false } as { ok: boolean; value?: Record<string, unknown>; code?: string; message?: string };
    try {
      json = JSON.parse(run.stdout) as typeof json;
    } catch {
      /* the assertion below shows stdout/stderr */
    }
    return { ...run, json };
  };
  const card11 = ['--pkcs11', SOFTHSM_MODULE];
  const ins = `${SEEDED.valide.active.matricule}${SEEDED.valide.active.cle}`;

  it('status, list, get (never overwriting), feed through the outbox', async () => {
    const status = await cabinet(['status', ...card11, '--ins', ins]);
    expect(status.status, status.stderr + status.stdout).toBe(0);
    expect(status.json).toMatchObject({ ok: true, value: { status: { authorization: 'VALIDE' }, offline: false } });

    const list = await cabinet(['list', ...card11, '--ins', ins]);
    expect(list.status, list.stderr + list.stdout).toBe(0);
    const entries = (list.json.value as { entries: { uniqueId: string; format: { code: string } | null }[] }).entries;
    expect(entries.length).toBeGreaterThanOrEqual(5);

    const n1 = entries.find((e) => e.format?.code === 'urn:ihe:iti:xds-sd:pdf:2008')!;
    const out = path.join(cliData, 'document.pdf');
    const got = await cabinet(['get', ...card11, '--uid', n1.uniqueId, '--out', out, '--pdf']);
    expect(got.status, got.stderr + got.stdout).toBe(0);
    expect(fs.readFileSync(out).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const again = await cabinet(['get', ...card11, '--uid', n1.uniqueId, '--out', out]);
    expect(again).toMatchObject({ status: 1, json: { ok: false, code: 'CONFLICT', message: expect.stringContaining('existe déjà') } });

    const fed = await cabinet([
      'feed',
      ...card11,
      '--ins',
      ins,
      '--pdf',
      pdfFile,
      '--type',
      '11488-4',
      '--masque-ps',
      '--titre',
      'Envoyé par la CLI',
    ]);
    expect(fed.status, fed.stderr + fed.stdout).toBe(0);
    expect(fed.json).toMatchObject({ ok: true, value: { state: 'envoye', outcome: 'created' } });

    const refused = await cabinet(['feed', ...card11, '--ins', '297022A02077878', '--pdf', path.join(cliData, 'absent.pdf')]);
    expect(refused).toMatchObject({ status: 1, json: { ok: false, code: 'NOT_FOUND' } });
  }, 180_000);
});

describe('offline', () => {
  it('serves the cache with its age once the DMP is unreachable', async () => {
    await sandbox.close();
    const listed = await services.dmp.list(uid('valide'));
    expect(listed).toMatchObject({ offline: true, message: expect.stringMatching(/^DMP injoignable : liste enregistrée il y a/) });
    expect(listed.total).toBeGreaterThanOrEqual(5);
    const status = await services.dmp.status(uid('valide'));
    expect(status.offline).toBe(true);
  });
});
