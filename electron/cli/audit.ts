/** `cabinet audit verify`. */
import type { Command } from 'commander';
import { createServices } from '../app/services.js';
import { jsonOption, run } from './output.js';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('journal d’accès');
  audit
    .command('verify')
    .description('vérifie l’intégrité du chaînage du journal d’accès')
    .addOption(jsonOption())
    .action((options: { json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const services = await createServices({ host: 'cli' });
        try {
          const result = services.audit.verify();
          services.audit.append({ actor: 'systeme', action: 'audit.verify', details: { valid: result.valid, count: result.count, origine: 'cli' } });
          return {
            value: result,
            ok: result.valid,
            text: result.valid ? `Journal intact : ${result.count} entrée(s) vérifiée(s).` : `Journal altéré à l’entrée #${result.brokenAt} : ${result.reason}.`,
          };
        } finally {
          await services.close();
        }
      }),
    );
}
