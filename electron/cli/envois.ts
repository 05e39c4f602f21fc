/** `cabinet envois a-remettre`, `cabinet envois marquer` — the paper circuit of the degraded mode (issue 15). */
import { Option, type Command } from 'commander';
import { paperHowLabels, type PaperHow } from '../../shared/domain/paper-watch.js';
import { formatInstant } from '../../shared/domain/civil-date.js';
import { createServices } from '../app/services.js';
import { addCredentialOptions, asPractitioner, type CredentialOptions } from './credentials.js';
import { jsonOption, run } from './output.js';

const howOf: Record<string, PaperHow> = { 'main-propre': 'main_propre', courrier: 'courrier' };

export function registerEnvois(program: Command): void {
  const envois = program.command('envois').description('suivi des envois : ce qui est à remettre sur papier');
  envois
    .command('a-remettre')
    .description('messages au patient non distribués ou non lus après le délai, documents encore en file vers le DMP')
    .addOption(jsonOption())
    .action((options: { json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const services = await createServices({ host: 'cli' });
        try {
          const items = services.paper.list();
          const delayHours = services.settings.get('paper.delayHours');
          const zone = services.clock.zone();
          const text = items.length
            ? items
                .map(
                  (i) =>
                    `${i.key}\n  ${i.summary}\n  ${i.reason} (depuis le ${formatInstant(i.since, zone, 'date')} à ${formatInstant(i.since, zone, 'time')})`,
                )
                .join('\n')
            : 'Rien à remettre sur papier.';
          return { value: { items, delayHours }, text };
        } finally {
          await services.close();
        }
      }),
    );
  addCredentialOptions(
    envois
      .command('marquer <id>')
      .description('indique qu’un élément « à remettre sur papier » a été remis (journalisé)')
      .addOption(new Option('--remis <comment>', 'comment il a été remis').choices(Object.keys(howOf)).makeOptionMandatory())
      .addOption(jsonOption()),
  ).action((id: string, options: CredentialOptions & { remis: string; json?: boolean }) =>
    run({ json: Boolean(options.json) }, async () =>
      asPractitioner(options, (credentials, services) => {
        const how = howOf[options.remis]!;
        const item = services.paper.mark(id, how, credentials.practitioner.idNatPs);
        return { value: { ...item, remise: how }, text: `${item.summary} : ${paperHowLabels[how]}.` };
      }),
    ),
  );
}
