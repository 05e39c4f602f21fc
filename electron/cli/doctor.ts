/**
 * `cabinet doctor [--json]`: the same checks as the « Diagnostic » screen
 * (electron/app/diagnostic.ts), from the command line. Exit 1 when a check is
 * « échec »; an unreachable service is only « attention » (Cabinet works
 * offline and sends later). No session is open in the CLI: nothing personal.
 */
import type { Command } from 'commander';
import { toFailure } from '../../shared/contract/outcome.js';
import { runDiagnostic } from '../app/diagnostic.js';
import { createServices, type Services } from '../app/services.js';
import { loadConfig, type CabinetConfig } from '../platform/config/config.js';
import { OsKeychain } from '../platform/keychain/keychain.js';
import { jsonOption, run } from './output.js';

export async function doctor() {
  let config: CabinetConfig | null = null;
  let configError: string | undefined;
  try {
    config = loadConfig();
  } catch (error) {
    configError = toFailure(error).message;
  }
  let services: Services | null = null;
  let servicesError: string | undefined;
  if (config) {
    try {
      services = await createServices({ host: 'cli' });
    } catch (error) {
      servicesError = toFailure(error).message;
    }
  }
  try {
    return await runDiagnostic({ host: 'cli', config, keychain: services?.keychain ?? new OsKeychain(), services, ...(configError ? { configError } : {}), ...(servicesError ? { servicesError } : {}) });
  } finally {
    await services?.close();
  }
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('diagnostic du poste : carte, certificats, heure, services nationaux, trousseau, base, disque, envois')
    .addOption(jsonOption())
    .action((options: { json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const report = await doctor();
        return { value: report, ok: report.overall !== 'echec', text: report.text };
      }),
    );
}
