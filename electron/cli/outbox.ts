/** `cabinet outbox list`, `cabinet outbox drain`. */
import { Option, type Command } from 'commander';
import { CabinetError } from '../../shared/contract/outcome.js';
import { outboxStateLabels, outboxStates, type OutboxState } from '../../shared/domain/outbox.js';
import { createServices } from '../app/services.js';
import { addCredentialOptions, asPractitioner, type CredentialOptions } from './credentials.js';
import { jsonOption, run } from './output.js';

/** Longest `--timeout` of `outbox drain`: one hour. */
const MAX_DRAIN_SECONDS = 3600;

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
            ? items
                .map(
                  (i) =>
                    `#${i.id} ${i.label} — ${i.summary} — ${outboxStateLabels[i.state]} (${i.attempts} tentative(s))${i.lastError ? ` — ${i.lastError}` : ''}`,
                )
                .join('\n')
            : 'Aucun envoi.';
          return { value: { items, counts }, text };
        } finally {
          await services.close();
        }
      }),
    );
  addCredentialOptions(
    outbox
      .command('drain')
      .description(
        'envoie ce que la file contient (reprise des envois interrompus comprise) jusqu’à ce qu’elle soit vide ou que le délai soit écoulé ; code 0 si elle est vide',
      )
      .addOption(new Option('--timeout <secondes>', `délai maximal en secondes (${MAX_DRAIN_SECONDS} au plus)`).default('60'))
      .addOption(jsonOption()),
  ).action((options: CredentialOptions & { timeout: string; json?: boolean }) =>
    run({ json: Boolean(options.json) }, async () => {
      const seconds = Number(options.timeout);
      if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_DRAIN_SECONDS) {
        throw new CabinetError('INVALID_REQUEST', `--timeout doit être un nombre de secondes entre 0 et ${MAX_DRAIN_SECONDS}.`);
      }
      return asPractitioner(options, async (_credentials, services) => {
        const result = await services.worker.drainUntilEmpty(seconds * 1000);
        const counts = services.outbox.counts();
        const value = { ...result, counts };
        const text = result.empty
          ? `File d’envoi vide : ${result.sent} envoi(s) parti(s).${counts.echec > 0 ? ` ${counts.echec} envoi(s) en échec attendent votre décision (cabinet outbox list --etat echec).` : ''}`
          : `Délai écoulé : ${result.sent} envoi(s) parti(s), ${result.pending} encore en attente (ils repartiront automatiquement).`;
        return { value, ok: result.empty, text };
      });
    }),
  );
}
