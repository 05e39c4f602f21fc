/**
 * The `cabinet` command: the same services as the app, headless, for
 * administrators, support and scripts. `--json` prints typed outcomes;
 * the exit code is 0 on success, 1 on failure, 2 on a usage error.
 */
import { Command, CommanderError, Option } from 'commander';
import { outboxStates, outboxStateLabels } from '../../shared/domain/outbox.js';
import { createServices } from '../app/services.js';
import { APP_VERSION } from '../app/version.js';
import { doctor, formatChecks } from './doctor.js';
import { run } from './output.js';

const program = new Command()
  .name('cabinet')
  .description('Cabinet — outils d’administration et de support')
  .version(APP_VERSION, '-V, --version', 'affiche la version')
  .helpOption('-h, --help', 'affiche l’aide')
  .addHelpCommand(false)
  .exitOverride()
  .configureOutput({ outputError: () => undefined });

const json = new Option('--json', 'réponse au format JSON');

program
  .command('doctor')
  .description('vérifie le poste : Node, dossier de données, trousseau, base chiffrée, journal, services nationaux')
  .addOption(json)
  .action((options: { json?: boolean }) =>
    run({ json: Boolean(options.json) }, async () => {
      const result = await doctor();
      return { value: result, ok: result.ok, text: formatChecks(result.checks, result.ok) };
    }),
  );

const audit = program.command('audit').description('journal d’accès');
audit
  .command('verify')
  .description('vérifie l’intégrité du chaînage du journal d’accès')
  .addOption(json)
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

const outbox = program.command('outbox').description('envois en attente (DMP, MSSanté)');
outbox
  .command('list')
  .description('liste les envois et leur état')
  .addOption(new Option('--etat <etat>', 'filtre par état').choices([...outboxStates]))
  .addOption(json)
  .action((options: { json?: boolean; etat?: (typeof outboxStates)[number] }) =>
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

/** Commander's usage errors, said in French. */
function usageMessage(error: CommanderError): string {
  const quoted = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'commander.unknownCommand':
      return `commande inconnue : « ${quoted} »`;
    case 'commander.unknownOption':
      return `option inconnue : « ${quoted} »`;
    case 'commander.missingArgument':
      return `argument manquant : « ${quoted} »`;
    case 'commander.optionMissingArgument':
    case 'commander.missingMandatoryOptionValue':
      return `valeur manquante pour l’option « ${quoted} »`;
    case 'commander.invalidArgument': {
      const choice = /option '([^' ]+)[^']*' argument '([^']*)' is invalid\. Allowed choices are (.*)\.$/.exec(error.message);
      return choice ? `valeur « ${choice[2]} » refusée pour l’option ${choice[1]} (valeurs possibles : ${choice[3]})` : `valeur refusée : ${error.message.replace(/^error: /, '')}`;
    }
    case 'commander.excessArguments':
      return 'trop d’arguments';
    default:
      return error.message.replace(/^error: /, '');
  }
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  if (error.exitCode !== 0 && !['commander.help', 'commander.helpDisplayed', 'commander.version'].includes(error.code)) {
    process.stderr.write(`Erreur : ${usageMessage(error)}\n(cabinet --help pour l’aide)\n`);
  }
  process.exitCode = error.exitCode === 0 ? 0 : 2;
}
