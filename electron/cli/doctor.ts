/**
 * `cabinet doctor [--json]`: the same checks as the « Diagnostic » screen
 * (electron/app/diagnostic.ts), from the command line. Exit 1 when a check is
 * « échec »; an unreachable service is only « attention » (Cabinet works
 * offline and sends later). No session is open in the CLI: nothing personal.
 */
import type { Command } from 'commander';
import { standaloneDiagnostic } from '../app/diagnostic.js';
import { jsonOption, run } from './output.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('diagnostic du poste : carte, certificats, heure, services nationaux, trousseau, base, disque, envois')
    .addOption(jsonOption())
    .action((options: { json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const report = await standaloneDiagnostic('cli');
        return { value: report, ok: report.overall !== 'echec', text: report.text };
      }),
    );
}
