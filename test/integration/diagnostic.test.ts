/**
 * The Diagnostic against real local services: the Annuaire Santé sandbox over
 * HTTPS (test PKI), a server whose clock is 10 minutes late (its own CA given
 * through CABINET_EXTRA_CA), a closed port, the encrypted store and keychain,
 * the outbox — through the `diagnostic.run` channel (answer validated against
 * the contract), before and after a practitioner logs in.
 */
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosticCommand } from '../../electron/app/diagnostic.js';
import { createDispatcher } from '../../electron/app/dispatch.js';
import { contextOf, createHandlers } from '../../electron/app/handlers.js';
import { createServices, type Services } from '../../electron/app/services.js';
import { startAnnuaireSandbox, type AnnuaireSandbox } from '../../sandboxes/annuaire/server.js';
import { createTestPki, identity, pkiPath, type PkiManifest } from '../../sandboxes/pki/test-pki.js';
import type { Outcome } from '../../shared/contract/outcome.js';
import type { ResponseOf } from '../../shared/contract/index.js';
import { makeServerCertificates } from '../support/certs.js';
import { KEYCHAIN_SERVICE, OsKeychain } from '../../electron/platform/keychain/keychain.js';
import { STORE_ID_FILE } from '../../electron/platform/store/database.js';
import { envFor, tempDir, TestKeychain } from '../support/fixtures.js';

type Report = ResponseOf<'diagnostic.run'>;

let pki: PkiManifest;
let sandbox: AnnuaireSandbox;
let lateServer: https.Server;
let services: Services;
const keychain = new TestKeychain();
const TEN_MINUTES = 10 * 60_000;

beforeAll(async () => {
  const dataDir = tempDir();
  pki = await createTestPki(path.join(dataDir, 'pki-test'));
  sandbox = await startAnnuaireSandbox({ pki, port: 0 });
  const certs = makeServerCertificates();
  const caFile = path.join(dataDir, 'ca-supplementaire.pem');
  fs.writeFileSync(caFile, certs.caPem);
  lateServer = https.createServer({ cert: certs.certPem, key: certs.keyPem }, (_request, response) => {
    response.setHeader('Date', new Date(Date.now() - TEN_MINUTES).toUTCString());
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => lateServer.listen(0, '127.0.0.1', resolve));
  const latePort = (lateServer.address() as AddressInfo).port;
  services = await createServices({
    host: 'navigateur',
    keychain,
    env: envFor(dataDir, {
      CABINET_ANNUAIRE_URL: sandbox.url,
      CABINET_PSC_URL: `https://localhost:${latePort}/auth`,
      CABINET_EXTRA_CA: caFile,
      // Nothing listens on port 9 (discard): a service that is down.
      CABINET_DMP_URL: 'https://127.0.0.1:9/dmp',
      CABINET_INSI_URL: 'https://127.0.0.1:9/lps',
    }),
  });
  // A pending send about a patient: the report counts it, never says what it is.
  services.outbox.enqueue({ idempotencyKey: 'diag-1', kind: 'mss.send', summary: 'Courrier pour DUPONTEL Gisèle', payload: { x: 1 } });
}, 120_000);

afterAll(async () => {
  await services?.close();
  await sandbox?.close();
  lateServer?.close();
  keychain.cleanup();
});

async function run(): Promise<Report> {
  const outcome = (await createDispatcher(createHandlers(services))('diagnostic.run', {}, contextOf(services)())) as Outcome<Report>;
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.value;
}

const find = (report: Report, id: string) => {
  const check = report.checks.find((c) => c.id === id);
  if (!check) throw new Error(`vérification ${id} absente : ${report.checks.map((c) => c.id).join(', ')}`);
  return check;
};

describe('diagnostic.run against local services', () => {
  it('before login: services, clock, keychain, database, disk and outbox — nothing personal', async () => {
    const report = await run();
    expect(report.personal).toBe(false);

    expect(find(report, 'service.annuaire')).toMatchObject({
      verdict: 'ok',
      detail: expect.stringContaining('connexion sécurisée vérifiée, le service répond'),
      data: { tls: true, http: expect.any(Number) },
    });
    expect(find(report, 'horloge.annuaire')).toMatchObject({ verdict: 'ok' });
    expect(Math.abs(Number(find(report, 'horloge.annuaire').data?.ecartMs))).toBeLessThan(60_000);

    // The late server: reached and verified through CABINET_EXTRA_CA, but its clock says ours is 10 min ahead.
    expect(find(report, 'service.psc')).toMatchObject({ verdict: 'ok', data: { http: 404 } });
    const late = find(report, 'horloge.psc');
    expect(late).toMatchObject({ verdict: 'echec', detail: expect.stringMatching(/en avance de (9 min 5\d s|10 min 0\d s).*VIHF/) });
    expect(late.action).toMatch(/automatique/);

    expect(find(report, 'service.dmp')).toMatchObject({
      verdict: 'attention',
      detail: expect.stringContaining('connexion refusée'),
      action: expect.stringContaining('cabinet sandbox start dmp'),
    });
    expect(find(report, 'horloge.dmp')).toMatchObject({ verdict: 'non-applicable' });

    expect(find(report, 'certificats.crl')).toMatchObject({ verdict: 'ok' });
    expect(find(report, 'certificats.praticien')).toMatchObject({ verdict: 'non-applicable' });
    expect(find(report, 'poste.trousseau')).toMatchObject({ verdict: 'ok' });
    expect(find(report, 'poste.base')).toMatchObject({
      verdict: 'ok',
      detail: expect.stringContaining('contrôle d’intégrité rapide sans anomalie'),
    });
    expect(find(report, 'poste.disque').verdict).toMatch(/^(ok|attention)$/);
    expect(find(report, 'poste.envois')).toMatchObject({ verdict: 'ok', data: { enAttente: 1, echec: 0 } });
    expect(find(report, 'carte.module').verdict).not.toBe('echec');

    expect(report.overall).toBe('echec');
    expect(report.text).toContain('[Échec] Heure comparée à Pro Santé Connect');
    expect(report.text).toContain('Aucune session ouverte');
    expect(report.text).not.toContain('DUPONTEL');
    expect(report.text).not.toMatch(/MARTIN/i);
  });

  it('after login: the practitioner’s certificate, dates, chain and revocation', async () => {
    const martin = identity(pki, 'medecin-martin');
    await services.identity.loginP12(path.basename(martin.p12!), fs.readFileSync(pkiPath(pki, martin.p12!)), martin.password!);
    const report = await run();
    expect(report.personal).toBe(true);
    expect(find(report, 'certificats.authentification')).toMatchObject({
      verdict: 'ok',
      detail: expect.stringContaining('Chaîne de certification et révocation vérifiées'),
    });
    expect(report.text).toContain('Session ouverte');
    expect(report.text).not.toContain('DUPONTEL');
    await services.identity.logout();
  });
});

describe('`Cabinet --diagnostic --json` / `cabinet doctor` without running services', () => {
  it('an invalid configuration is reported as an « échec », with exit code 1 — not a crash', async () => {
    const { output, exitCode } = await diagnosticCommand('electron', true, {
      env: envFor(tempDir(), { CABINET_CONFIG: '/nulle/part/cabinet.json' }),
    });
    expect(exitCode).toBe(1);
    const report = JSON.parse(output) as Report;
    expect(report.host).toBe('electron');
    expect(report.checks.find((c) => c.id === 'poste.config')).toMatchObject({
      verdict: 'echec',
      detail: expect.stringContaining('/nulle/part/cabinet.json'),
    });
  });

  it('opens the services itself, in text, and closes them', async () => {
    const dataDir = tempDir();
    try {
      const { output, exitCode } = await diagnosticCommand('electron', false, { env: envFor(dataDir) });
      // No test PKI in this data folder: no trust anchors, so card and certificate logins are impossible.
      expect(exitCode).toBe(1);
      expect(output).toMatch(/^Rapport de diagnostic Cabinet/);
      expect(output).toContain('[OK] Base locale chiffrée');
      expect(output).toContain('[Échec] Listes de révocation (CRL) de l’IGC-Santé');
    } finally {
      const idFile = path.join(dataDir, STORE_ID_FILE);
      if (fs.existsSync(idFile)) new OsKeychain(KEYCHAIN_SERVICE).delete(`base-locale:${fs.readFileSync(idFile, 'utf8').trim()}`);
    }
  });
});
