/** `cabinet audit verify`. */
import type { Command } from 'commander';
import { createServices } from '../app/services.js';
import { describeTrail } from '../platform/audit/anchors.js';
import { jsonOption, run } from './output.js';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('journal d’accès');
  audit
    .command('verify')
    .description('vérifie le chaînage du journal d’accès et ses points d’ancrage signés')
    .addOption(jsonOption())
    .action((options: { json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const services = await createServices({ host: 'cli' });
        try {
          // The chain, then every signed checkpoint in <data>/audit-anchors.jsonl against the trust store.
          const result = await services.verifyAudit();
          services.audit.append({
            actor: 'systeme',
            action: 'audit.verify',
            details: {
              valid: result.valid,
              count: result.count,
              origine: 'cli',
              ancrages: result.anchors.checkpoints,
              nonAncrees: result.anchors.unanchored,
            },
          });
          return { value: result, ok: result.valid, text: describeTrail(result) };
        } finally {
          await services.close();
        }
      }),
    );
}
