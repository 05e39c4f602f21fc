/** `cabinet login`, `cabinet whoami`: check a practitioner's card or certificate. */
import type { Command } from 'commander';
import { identitySourceLabels } from '../../shared/domain/practitioner.js';
import { formatInstant } from '../../shared/domain/civil-date.js';
import { addCredentialOptions, asPractitioner, type CredentialOptions } from './credentials.js';
import { jsonOption, run } from './output.js';

function describe(
  p: {
    displayName: string;
    idNatPs: string;
    professionLabel: string;
    specialtyLabel?: string;
    source: keyof typeof identitySourceLabels;
    certificateNotAfter?: string;
  },
  zone: string,
): string {
  return [
    `${p.displayName} — ${p.professionLabel}${p.specialtyLabel ? ` (${p.specialtyLabel})` : ''}`,
    `Identifiant national : ${p.idNatPs}`,
    `Source : ${identitySourceLabels[p.source]}`,
    ...(p.certificateNotAfter ? [`Certificat valable jusqu’au ${formatInstant(p.certificateNotAfter, zone, 'date')}`] : []),
  ].join('\n');
}

export function registerIdentity(program: Command): void {
  addCredentialOptions(
    program
      .command('login')
      .description('vérifie une connexion avec une carte CPS ou un certificat logiciel (PIN : CABINET_PIN ou entrée standard)'),
  )
    .addOption(jsonOption())
    .action((options: CredentialOptions & { json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const { practitioner, zone } = await asPractitioner(options, (credentials, services) => ({
          practitioner: credentials.practitioner,
          zone: services.clock.zone(),
        }));
        return { value: practitioner, text: `Connexion réussie.\n${describe(practitioner, zone)}` };
      }),
    );

  addCredentialOptions(program.command('whoami').description('affiche l’identité du praticien lue dans sa carte ou son certificat'))
    .addOption(jsonOption())
    .action((options: CredentialOptions & { json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const { practitioner, zone } = await asPractitioner(options, (credentials, services) => ({
          practitioner: credentials.practitioner,
          zone: services.clock.zone(),
        }));
        return { value: practitioner, text: describe(practitioner, zone) };
      }),
    );
}
