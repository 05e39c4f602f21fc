/**
 * The `cabinet` command: the same services as the app, headless, for
 * administrators, support and scripts. `--json` prints typed outcomes;
 * the exit code is 0 on success, 1 on failure, 2 on a usage error. Each
 * command group lives in its own file and registers itself here.
 */
import { Command, CommanderError } from 'commander';
import { APP_VERSION } from '../platform/version.js';
import { registerAnnuaire } from './annuaire.js';
import { registerAudit } from './audit.js';
import { registerCda } from './cda.js';
import { registerConfig } from './config.js';
import { registerDmp } from './dmp.js';
import { registerDoctor } from './doctor.js';
import { registerIdentity } from './identity.js';
import { registerIns } from './ins.js';
import { registerPatient } from './patient.js';
import { registerSandbox } from './sandbox.js';
import { registerMss } from './mss.js';
import { registerOutbox } from './outbox.js';
import { registerEnvois } from './envois.js';
import { registerPki } from './pki.js';
import { registerVihf } from './vihf.js';
import { registerXdm } from './xdm.js';

const program = new Command()
  .name('cabinet')
  .description('Cabinet — outils d’administration et de support')
  .version(APP_VERSION, '-V, --version', 'affiche la version')
  .helpOption('-h, --help', 'affiche l’aide')
  .addHelpCommand(false)
  .exitOverride()
  .configureOutput({ outputError: () => undefined });

registerDoctor(program);
registerConfig(program);
registerAudit(program);
registerOutbox(program);
registerEnvois(program);
registerIdentity(program);
registerVihf(program);
registerPki(program);
registerIns(program);
registerPatient(program);
registerSandbox(program);
registerCda(program);
registerDmp(program);
registerMss(program);
registerXdm(program);
registerAnnuaire(program);

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
      return choice
        ? `valeur « ${choice[2]} » refusée pour l’option ${choice[1]} (valeurs possibles : ${choice[3]})`
        : `valeur refusée : ${error.message.replace(/^error: /, '')}`;
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
