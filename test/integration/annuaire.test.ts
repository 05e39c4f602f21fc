/**
 * The directory end to end: the Annuaire Santé sandbox over HTTPS with the
 * test PKI's `serveur-annuaire` certificate, the client trusting the test PKI
 * as the sandbox environment does, the `annuaire.search` channel through the
 * dispatcher (request and answer validated against the contract), and the
 * CLI (`cabinet annuaire search`, `cabinet sandbox start annuaire`).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../electron/app/dispatch.js';
import { contextOf, createHandlers, systemContext, type CallContext } from '../../electron/app/handlers.js';
import { createServices, type Services } from '../../electron/app/services.js';
import { AnnuaireService } from '../../electron/annuaire/service.js';
import { startAnnuaireSandbox, type AnnuaireSandbox } from '../../sandboxes/annuaire/server.js';
import { createTestPki, identity, pkiPath, type PkiManifest } from '../../sandboxes/pki/test-pki.js';
import { loadTrustStore } from '../../electron/identity/trust-store.js';
import { loadConfig } from '../../electron/platform/config/config.js';
import type { Outcome } from '../../shared/contract/outcome.js';
import type { AnnuaireSearchResult } from '../../shared/contract/annuaire.js';
import { envFor, tempDir, TestKeychain } from '../support/fixtures.js';
import { spawnCli } from '../support/cli.js';

let pki: PkiManifest;
let sandbox: AnnuaireSandbox;
let services: Services;
let dataDir: string;
const keychain = new TestKeychain();

beforeAll(async () => {
  dataDir = tempDir();
  pki = await createTestPki(path.join(dataDir, 'pki-test'));
  sandbox = await startAnnuaireSandbox({ pki, port: 0 });
  services = await createServices({ host: 'navigateur', keychain, env: envFor(dataDir, { CABINET_ANNUAIRE_URL: sandbox.url }) });
  // annuaire.search is a practitioner's channel: the test PKI's GP logs in with her .p12.
  const martin = identity(pki, 'medecin-martin');
  await services.identity.loginP12(path.basename(martin.p12!), fs.readFileSync(pkiPath(pki, martin.p12!)), martin.password!);
  context = contextOf(services)();
}, 90_000);

afterAll(async () => {
  await services?.close();
  await sandbox?.close();
  keychain.cleanup();
});

let context: CallContext;

describe('annuaire.search through the contract (sandbox over HTTPS, test PKI trusted)', () => {
  const dispatch = () => createDispatcher(createHandlers(services));

  it('is refused when nobody is logged in', async () => {
    expect(await dispatch()('annuaire.search', { text: 'martin' }, systemContext)).toMatchObject({
      ok: false,
      code: 'SESSION_REQUIRED',
      details: { reason: 'absent' },
    });
  });

  it('finds Dr Marie MARTIN by name, accents and case ignored, with her PER and CAB mailboxes', async () => {
    const outcome = (await dispatch()('annuaire.search', { text: 'MARIE martin' }, context)) as Outcome<AnnuaireSearchResult>;
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.value.recipients.slice(0, 2)).toEqual([
      expect.objectContaining({
        address: 'marie.martin@cabinet.test-mssante.fr',
        mailboxType: 'PER',
        displayName: 'Dr Marie MARTIN',
        specialty: 'Qualifié en Médecine générale',
        organisation: 'Cabinet médical Martin',
        city: 'Lyon',
        rpps: '99701000012',
        idNatPs: '899701000012',
      }),
      expect.objectContaining({ address: 'cabinet.martin@cabinet.test-mssante.fr', mailboxType: 'CAB' }),
    ]);
    const accents = (await dispatch()('annuaire.search', { text: 'eloise leveque' }, context)) as Outcome<AnnuaireSearchResult>;
    expect(accents.ok && accents.value.recipients.map((r) => r.displayName)).toEqual(['Dr Éloïse LÉVÊQUE']);
  });

  it('by RPPS, by city and mailbox type', async () => {
    const byRpps = (await dispatch()('annuaire.search', { text: '99701000012' }, context)) as Outcome<AnnuaireSearchResult>;
    expect(byRpps.ok && byRpps.value.recipients[0]?.address).toBe('marie.martin@cabinet.test-mssante.fr');
    const org = (await dispatch()(
      'annuaire.search',
      { text: 'hospitalier', city: 'Évreux', types: ['ORG'] },
      context,
    )) as Outcome<AnnuaireSearchResult>;
    expect(org.ok).toBe(true);
    if (!org.ok) return;
    expect(org.value.recipients.length).toBeGreaterThan(0);
    expect(org.value.recipients.every((r) => r.mailboxType === 'ORG' && r.city === 'Évreux')).toBe(true);
  });

  it('never returns a red-listed mailbox', async () => {
    const hidden = new Set(sandbox.directory.mailboxes.filter((m) => m.listeRouge).map((m) => m.address));
    const found: string[] = [];
    for (const text of ['leroy', 'centre hospitalier', 'ma', 'be', 'lu', 'ca', 'da']) {
      const outcome = (await dispatch()('annuaire.search', { text, limit: 100 }, context)) as Outcome<AnnuaireSearchResult>;
      expect(outcome.ok).toBe(true);
      if (outcome.ok) found.push(...outcome.value.recipients.map((r) => r.address));
    }
    expect(found.length).toBeGreaterThan(100);
    expect(found.filter((a) => hidden.has(a))).toEqual([]);
  });

  it('refuses an invalid request before asking the directory', async () => {
    expect(await dispatch()('annuaire.search', { text: 'a' }, context)).toMatchObject({ ok: false, code: 'INVALID_REQUEST' });
    expect(await dispatch()('annuaire.search', { text: 'martin', types: ['XYZ'] }, context)).toMatchObject({
      ok: false,
      code: 'INVALID_REQUEST',
    });
    expect(await dispatch()('annuaire.search', { text: 'martin', extra: 1 }, context)).toMatchObject({
      ok: false,
      code: 'INVALID_REQUEST',
    });
  });

  it('a wrong API key and an unreachable directory are said in French', async () => {
    const config = loadConfig({ env: envFor(dataDir, { CABINET_ANNUAIRE_URL: sandbox.url }) });
    const serverTrust = [...config.extraCa, ...loadTrustStore(config.trustDir).anchorsPem];
    const failures: string[] = [];
    const wrongKey = new AnnuaireService({
      config,
      env: { CABINET_ANNUAIRE_API_KEY: 'cle-inconnue' },
      serverTrust,
      onFailure: (e) => failures.push(e.code),
    });
    await expect(wrongKey.search({ text: 'martin', limit: 20 })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/refusé la clé d’accès/),
    });
    expect(failures).toEqual(['CONFIG_INVALID']);
    wrongKey.dispose();

    const down = loadConfig({ env: envFor(dataDir, { CABINET_ANNUAIRE_URL: 'https://127.0.0.1:9/fhir/v2' }) });
    const unreachable = new AnnuaireService({ config: down, env: {}, serverTrust });
    await expect(unreachable.search({ text: 'martin', limit: 20 })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/ne répond pas/),
    });
    unreachable.dispose();

    const production = loadConfig({ env: envFor(dataDir, { CABINET_ENV: 'production' }) });
    const noKey = new AnnuaireService({ config: production, env: {}, serverTrust: [] });
    await expect(noKey.search({ text: 'martin', limit: 20 })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/CABINET_ANNUAIRE_API_KEY/),
    });
  });

  it('round trip time (uncached searches, kept-alive connection)', async () => {
    const times: number[] = [];
    const words = ['bernard', 'thomas', 'robert', 'richard', 'dubois', 'moreau', 'laurent', 'simon', 'michel', 'garcia', 'david', 'roux'];
    for (const text of words) {
      const started = performance.now();
      await services.annuaire.search({ text, limit: 20 });
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    const cachedStart = performance.now();
    await services.annuaire.search({ text: 'bernard', limit: 20 });
    const cached = performance.now() - cachedStart;
    console.log(
      `annuaire: recherche non cachée médiane ${median.toFixed(1)} ms (max ${times.at(-1)!.toFixed(1)} ms), en cache ${cached.toFixed(2)} ms`,
    );
  });
});

describe('cabinet annuaire / sandbox CLI', () => {
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    spawnCli(args, {
      CABINET_DATA_DIR: dataDir,
      CABINET_ENV: 'sandbox',
      CABINET_CONFIG: '',
      CABINET_TRUST_DIR: pki.dir,
      CABINET_ANNUAIRE_URL: sandbox.url,
      ...extra,
    });

  it('search --nom / --rpps / --ville / --type, --json', async () => {
    const byName = await cli(['annuaire', 'search', '--nom', 'marie martin', '--json']);
    expect(byName.status).toBe(0);
    expect(JSON.parse(byName.stdout)).toMatchObject({
      ok: true,
      value: { recipients: [{ address: 'marie.martin@cabinet.test-mssante.fr' }, { mailboxType: 'CAB' }] },
    });
    const byRpps = await cli(['annuaire', 'search', '--rpps', '99701000012']);
    expect(byRpps.status).toBe(0);
    expect(byRpps.stdout).toMatch(
      /Dr Marie MARTIN <marie\.martin@cabinet\.test-mssante\.fr> — \[Personnelle\] — Qualifié en Médecine générale — Cabinet médical Martin — Lyon/,
    );
    const apps = await cli(['annuaire', 'search', '--nom', 'centre', '--ville', 'lyon', '--type', 'app', '--json']);
    expect(JSON.parse(apps.stdout).value.recipients).toEqual([
      expect.objectContaining({ address: 'resultats-biologie.lyon@hopital.test-mssante.fr', mailboxType: 'APP' }),
    ]);
  }, 60_000);

  it('usage errors exit 1 with a French message', async () => {
    const none = await cli(['annuaire', 'search', '--json']);
    expect(none.status).toBe(1);
    expect(JSON.parse(none.stdout)).toMatchObject({
      ok: false,
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/--nom ou --rpps/),
    });
    const badType = await cli(['annuaire', 'search', '--nom', 'martin', '--type', 'XYZ', '--json']);
    expect(JSON.parse(badType.stdout)).toMatchObject({ ok: false, code: 'INVALID_REQUEST' });
    const badRpps = await cli(['annuaire', 'search', '--rpps', '123', '--json']);
    expect(JSON.parse(badRpps.stdout)).toMatchObject({ ok: false, message: expect.stringMatching(/11 chiffres/) });
  }, 60_000);

  it('`cabinet sandbox start annuaire` prints its URL and serves the directory until stopped', async () => {
    const child = spawn(process.execPath, [path.resolve('electron/cli/cabinet.mjs'), 'sandbox', 'start', 'annuaire', '--port', '0'], {
      env: { ...process.env, CABINET_DATA_DIR: dataDir, CABINET_ENV: 'sandbox', CABINET_CONFIG: '', CABINET_TRUST_DIR: pki.dir },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`pas d’URL : ${out}`)), 30_000);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const match = /^URL=(\S+)$/m.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/fhir\/v2$/);
      const found = await cli(['annuaire', 'search', '--nom', 'petit', '--json'], { CABINET_ANNUAIRE_URL: url });
      expect(JSON.parse(found.stdout).value.recipients).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ address: 'julien.petit@hopital.test-mssante.fr', idNatPs: '0756012345', profession: 'Infirmier' }),
        ]),
      );
    } finally {
      const closed = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      await closed;
    }
  }, 90_000);
});
