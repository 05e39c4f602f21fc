/** `cabinet config show [--json]`: the effective configuration and the source of each value (see platform/config/provenance.ts). */
import type { Command } from 'commander';
import { toFailure } from '../../shared/contract/outcome.js';
import { createServices } from '../app/services.js';
import { loadConfig } from '../platform/config/config.js';
import { effectiveConfiguration, formatConfiguration } from '../platform/config/provenance.js';
import type { ResolvedSetting } from '../platform/config/settings.js';
import { jsonOption, run } from './output.js';

export async function configShow(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig({ env });
  // Réglages live in the encrypted store: without it (no keychain…), the rest is still shown.
  let settings: ResolvedSetting[] | null = null;
  let note: string | undefined;
  try {
    const services = await createServices({ host: 'cli', env });
    try {
      settings = services.settings.resolve();
    } finally {
      await services.close();
    }
  } catch (error) {
    note = `Réglages non lus (base locale inaccessible : ${toFailure(error).message})`;
  }
  const entries = effectiveConfiguration(config, env, settings);
  return { entries, ...(note ? { note } : {}) };
}

export function registerConfig(program: Command): void {
  const group = program.command('config').description('configuration de Cabinet');
  group
    .command('show')
    .description('configuration effective et origine de chaque valeur (défaut, fichier géré, Réglages, environnement) ; secrets masqués')
    .addOption(jsonOption())
    .action((options: { json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const result = await configShow();
        return { value: result, text: formatConfiguration(result.entries, result.note) };
      }),
    );
}
