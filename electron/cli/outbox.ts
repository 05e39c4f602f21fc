/** `cabinet outbox list`. */
import { Option, type Command } from 'commander';
import { outboxStateLabels, outboxStates, type OutboxState } from '../../shared/domain/outbox.js';
import { createServices } from '../app/services.js';
import { jsonOption, run } from './output.js';

export function registerOutbox(program: Command): void {
  const outbox = program.command('outbox').description('envois en attente (DMP, MSSanté)');
  outbox
    .command('list')
    .description('liste les envois et leur état')
    .addOption(new Option('--etat <etat>', 'filtre par état').choices([...outboxStates]))
    .addOption(jsonOption())
    .action((options: { json?: boolean; etat?: OutboxState }) =>
      run({ json: Boolean(options.json) }, async () => {
        const services = await createServices({ host: 'cli' });
        try {
          const items = services.outbox.list(options.etat, 500);
          const counts = services.outbox.counts();
          const text = items.length
            ? items.map((i) => `#${i.id} ${i.label} — ${i.summary} — ${outboxStateLabels[i.state]} (${i.attempts} tentative(s))${i.lastError ? ` — ${i.lastError}` : ''}`).join('\n')
            : 'Aucun envoi.';
          return { value: { items, counts }, text };
        } finally {
          await services.close();
        }
      }),
    );
}
