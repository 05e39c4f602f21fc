/** `cabinet vihf`: prints a signed VIHF assertion for the given practitioner. */
import { Option, type Command } from 'commander';
import { assertIns } from '../../shared/domain/ins/matricule.js';
import { purposesOfUse, type PurposeOfUse } from '../identity/vihf/vihf.js';
import { addCredentialOptions, asPractitioner, type CredentialOptions } from './credentials.js';
import { jsonOption, run } from './output.js';

const insOids = {
  nir: '1.2.250.1.213.1.4.8',
  nia: '1.2.250.1.213.1.4.9',
  test: '1.2.250.1.213.1.4.10',
  demo: '1.2.250.1.213.1.4.11',
} as const;

export function registerVihf(program: Command): void {
  addCredentialOptions(program.command('vihf').description('imprime une assertion VIHF signée (SAML 2.0) pour le praticien'))
    .addOption(new Option('--patient <ins>', 'INS du patient : matricule et clé (15 caractères)'))
    .addOption(new Option('--oid <type>', 'autorité de l’INS').choices(Object.keys(insOids)).default('test'))
    .addOption(new Option('--mode <mode>', 'mode d’accès').choices([...purposesOfUse]).default('normal'))
    .addOption(new Option('--structure <id>', 'identifiant de la structure (sinon celui de Réglages)'))
    .addOption(new Option('--specialite <code>', 'spécialité du praticien, ex. SM26 (sinon celle de Réglages)'))
    .addOption(jsonOption())
    .action(
      (
        options: CredentialOptions & {
          patient?: string;
          oid: keyof typeof insOids;
          mode: PurposeOfUse;
          structure?: string;
          specialite?: string;
          json?: boolean;
        },
      ) =>
        run({ json: Boolean(options.json) }, async () => {
          // The shared INS rule (Corsica 2A/2B, the key).
          const patient = options.patient !== undefined ? assertIns(options.patient).valeur : undefined;
          const assertion = await asPractitioner(options, (_credentials, services) =>
            services.identity.vihf({
              purposeOfUse: options.mode,
              ...(patient ? { patientIns: { value: patient, oid: insOids[options.oid] } } : {}),
              ...(options.structure ? { structureId: options.structure } : {}),
              ...(options.specialite ? { specialtyCode: options.specialite.toUpperCase() } : {}),
            }),
          );
          return { value: { assertion }, text: assertion };
        }),
    );
}
