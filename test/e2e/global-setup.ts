/**
 * Starts the browser host (`dist/node/host.cjs`, built by `npm run build`)
 * on a temporary data folder, waits for its CABINET_WEB_URL line and hands
 * the URL to the tests. Returns the teardown.
 */
import { spawn } from 'node:child_process';
import type { FullConfig } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestPki, identity, pkiPath } from '../../sandboxes/pki/test-pki.js';
import { startPscSandbox } from '../../sandboxes/psc/server.js';
import { startInsiSandbox } from '../../sandboxes/insi/server.js';
import { startMssForE2e } from './mss-setup.js';
import { startDmpSandbox } from '../../sandboxes/dmp/server.js';
import { KEYCHAIN_SERVICE, OsKeychain } from '../../electron/platform/keychain/keychain.js';
import { STORE_ID_FILE } from '../../electron/platform/store/database.js';

const root = path.resolve(import.meta.dirname, '..', '..');

export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  // One browser time zone per run (playwright.config.ts): the specs change the host's state, a second project would find it changed.
  if (config.filteredProjects.length > 1) {
    throw new Error(
      `Un seul fuseau du navigateur par exécution : ajoutez --project=${config.filteredProjects.map((p) => p.name).join(' ou --project=')} (npm test les enchaîne).`,
    );
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-e2e-'));
  // The sandbox trusts the test IGC-Santé PKI found in <data>/pki-test; e-CPS goes to a local Pro Santé Connect.
  const pki = await createTestPki(path.join(dataDir, 'pki-test'));
  const pscServer = identity(pki, 'serveur-psc');
  const read = (relative: string) => fs.readFileSync(pkiPath(pki, relative), 'utf8');
  const psc = await startPscSandbox({
    certPem: read(pscServer.certPem!) + read(pscServer.chainPem!),
    keyPem: read(pscServer.keyPem!),
    port: 0,
    autoApproveAfterMs: 2500,
  });
  const insi = await startInsiSandbox({ pki, port: 0, population: 1000 });
  // The DMP sandbox seeded with the CNAM test patients' DMPs (ANS example documents) and the 2,000-document patient.
  const dmpSandbox = await startDmpSandbox({ pki, port: 0 });
  process.env.CABINET_E2E_DMP_SEED_MS = String(Math.round(dmpSandbox.seedMs));
  // MSSanté: the real test operator (Dovecot + Postfix) when installed, the Annuaire sandbox, a filled inbox.
  const mss = await startMssForE2e(pki);
  process.env.CABINET_E2E_PKI_DIR = pki.dir;

  const started = performance.now();
  const host = spawn(process.execPath, [path.join(root, 'dist', 'node', 'host.cjs')], {
    cwd: root,
    env: {
      ...process.env,
      CABINET_DATA_DIR: dataDir,
      CABINET_ENV: 'sandbox',
      CABINET_CONFIG: '',
      CABINET_PSC_URL: psc.url,
      CABINET_INSI_URL: insi.url,
      CABINET_DMP_URL: dmpSandbox.url,
      ...mss.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  host.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`l’hôte navigateur n’a pas démarré en 20 s\n${stderr}`)), 20_000);
    host.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^CABINET_WEB_URL=(\S+)$/m.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    host.once('exit', (code) => reject(new Error(`l’hôte navigateur s’est arrêté (code ${code})\n${stderr}`)));
  });

  process.env.CABINET_E2E_URL = url;
  process.env.CABINET_E2E_DATA_DIR = dataDir;
  process.env.CABINET_E2E_HOST_READY_MS = String(Math.round(performance.now() - started));
  process.env.CABINET_E2E_HOST_STARTED_AT = String(Date.now() - Math.round(performance.now() - started));

  return async () => {
    await psc.close();
    await insi.close();
    await mss.close();
    await dmpSandbox.close();
    host.kill('SIGTERM');
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        host.kill('SIGKILL');
        resolve(undefined);
      }, 5000);
      host.once('exit', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    const idFile = path.join(dataDir, STORE_ID_FILE);
    if (fs.existsSync(idFile)) new OsKeychain(KEYCHAIN_SERVICE).delete(`base-locale:${fs.readFileSync(idFile, 'utf8').trim()}`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
