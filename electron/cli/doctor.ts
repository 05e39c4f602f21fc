/**
 * `cabinet doctor`: what support asks first. Node version, data folder,
 * keychain, encrypted database, audit chain, configuration and each
 * endpoint. Exit 1 when a check fails; an unreachable service is only a
 * warning (Cabinet works offline and sends later).
 */
import fs from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import type { Command } from 'commander';
import { toFailure } from '../../shared/contract/outcome.js';
import { environmentLabels, nationalServices, serviceLabels, serviceStateLabels } from '../../shared/domain/services.js';
import { createServices, type Services } from '../app/services.js';
import { loadConfig } from '../platform/config/config.js';
import { OsKeychain, probeKeychain } from '../platform/keychain/keychain.js';
import { probeEndpoint } from '../platform/net/probe.js';
import { isPlaintextSqlite } from '../platform/store/database.js';
import { latestVersion } from '../platform/store/migrations/index.js';
import { jsonOption, run } from './output.js';

export type CheckStatus = 'ok' | 'avertissement' | 'echec';
export interface Check {
  id: string;
  label: string;
  status: CheckStatus;
  detail: string;
}

const MIN_NODE = [22, 12];

function nodeCheck(): Check {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const ok = major > MIN_NODE[0]! || (major === MIN_NODE[0] && minor >= MIN_NODE[1]!);
  return { id: 'node', label: 'Version de Node.js', status: ok ? 'ok' : 'echec', detail: ok ? `Node ${process.versions.node}` : `Node ${process.versions.node} : la version 22.12 ou plus récente est requise` };
}

function opensWithoutKey(file: string): boolean {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      return true;
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

export async function doctor(): Promise<{ checks: Check[]; ok: boolean }> {
  const checks: Check[] = [nodeCheck()];

  let config;
  try {
    config = loadConfig();
    checks.push({
      id: 'config',
      label: 'Configuration',
      status: 'ok',
      detail: `${environmentLabels[config.env]}${config.managedFile ? ` — fichier géré : ${config.managedFile}` : ' — aucun fichier géré'}`,
    });
  } catch (error) {
    checks.push({ id: 'config', label: 'Configuration', status: 'echec', detail: toFailure(error).message });
    return { checks, ok: false };
  }

  try {
    probeKeychain(new OsKeychain());
    checks.push({ id: 'keychain', label: 'Trousseau du système', status: 'ok', detail: 'accessible (écriture, lecture et suppression vérifiées)' });
  } catch (error) {
    checks.push({ id: 'keychain', label: 'Trousseau du système', status: 'echec', detail: toFailure(error).message });
  }

  let services: Services | null = null;
  try {
    services = await createServices({ host: 'cli' });
    const { store } = services;
    checks.push({ id: 'dataDir', label: 'Dossier de données', status: 'ok', detail: `${config.dataDir} (journal de diagnostic : ${services.diagnostics.file})` });
    const encrypted = !isPlaintextSqlite(store.file) && !opensWithoutKey(store.file);
    checks.push({
      id: 'database',
      label: 'Base locale chiffrée',
      status: encrypted ? 'ok' : 'echec',
      detail: encrypted ? `ouverte avec la clé du trousseau, illisible sans elle (SQLCipher 4, schéma ${store.schemaVersion}/${latestVersion})` : 'la base est lisible sans clé',
    });
    const mode = fs.statSync(store.file).mode & 0o777;
    if (process.platform !== 'win32' && mode !== 0o600) {
      checks.push({ id: 'permissions', label: 'Droits du fichier de base', status: 'avertissement', detail: `droits ${mode.toString(8)} au lieu de 600` });
    }
    const chain = services.audit.verify();
    checks.push({
      id: 'audit',
      label: 'Journal d’accès',
      status: chain.valid ? 'ok' : 'echec',
      detail: chain.valid ? `${chain.count} entrée(s), chaîne intacte` : `altéré à l’entrée #${chain.brokenAt} : ${chain.reason}`,
    });
  } catch (error) {
    checks.push({ id: 'database', label: 'Base locale chiffrée', status: 'echec', detail: toFailure(error).message });
  }

  const probes = await Promise.all(nationalServices.map((id) => probeEndpoint(config.endpoints[id].url, config.extraCa)));
  nationalServices.forEach((id, index) => {
    const result = probes[index]!;
    const url = config.endpoints[id].url;
    checks.push({
      id: `endpoint.${id}`,
      label: `Service ${serviceLabels[id]}`,
      status: result.state === 'connecte' ? 'ok' : 'avertissement',
      detail: `${serviceStateLabels[result.state]}${url ? ` — ${url}` : ''}${result.detail ? ` (${result.detail})` : ''}`,
    });
  });

  await services?.close();
  return { checks, ok: checks.every((c) => c.status !== 'echec') };
}

const marks: Record<CheckStatus, string> = { ok: '✔', avertissement: '!', echec: '✘' };

export function formatChecks(checks: Check[], ok: boolean): string {
  const lines = checks.map((c) => `${marks[c.status]} ${c.label} : ${c.detail}`);
  lines.unshift(ok ? 'Cabinet est prêt.' : 'Cabinet n’est pas prêt : au moins une vérification a échoué.');
  return lines.join('\n');
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('vérifie le poste : Node, dossier de données, trousseau, base chiffrée, journal, services nationaux')
    .addOption(jsonOption())
    .action((options: { json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const result = await doctor();
        return { value: result, ok: result.ok, text: formatChecks(result.checks, result.ok) };
      }),
    );
}
