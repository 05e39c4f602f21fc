/** `cabinet ins lookup` and `cabinet ins check-key`. */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { CabinetError } from '../../shared/contract/outcome.js';
import { formatIns, parseIns } from '../../shared/domain/ins/index.js';
import { createServices } from '../app/services.js';
import { jsonOption, run } from './output.js';

const CLI_ACTOR = 'cli';

export function registerIns(program: Command): void {
  const ins = program.command('ins').description('identité nationale de santé (INS) et téléservice INSi');

  ins
    .command('lookup')
    .description('interroge INSi par les traits d’identité ou avec une carte Vitale de test')
    .addOption(new Option('--nom <nom>', 'nom de naissance'))
    .addOption(new Option('--prenoms <prenoms>', 'prénoms de naissance, dans l’ordre, séparés par des espaces'))
    .addOption(new Option('--sexe <sexe>', 'sexe').choices(['F', 'M']))
    .addOption(new Option('--naissance <date>', 'date de naissance AAAA-MM-JJ (00 si inconnu)'))
    .addOption(new Option('--lieu <cog>', 'code INSEE (COG) du lieu de naissance'))
    .addOption(new Option('--vitale <fichier>', 'carte Vitale de test (fichier JSON)'))
    .addOption(new Option('--beneficiaire <n>', 'bénéficiaire de la carte (0 = le premier)').default('0'))
    .addOption(new Option('--save', 'enregistre le patient (identité récupérée) si INSi trouve une identité'))
    .addOption(jsonOption())
    .action(
      (options: {
        nom?: string;
        prenoms?: string;
        sexe?: 'F' | 'M';
        naissance?: string;
        lieu?: string;
        vitale?: string;
        beneficiaire: string;
        save?: boolean;
        json?: boolean;
      }) =>
        run({ json: Boolean(options.json) }, async () => {
          const services = await createServices({ host: 'cli' });
          try {
            let result;
            if (options.vitale) {
              let content: Buffer;
              try {
                content = fs.readFileSync(options.vitale);
              } catch {
                throw new CabinetError('NOT_FOUND', `Fichier de carte Vitale introuvable : ${options.vitale}`);
              }
              result = await services.patients.lookupVitale(content, Number(options.beneficiaire), CLI_ACTOR);
            } else {
              if (!options.nom || !options.prenoms || !options.sexe || !options.naissance) {
                throw new CabinetError('INVALID_REQUEST', 'Indiquez --nom, --prenoms, --sexe et --naissance (ou --vitale FICHIER).');
              }
              result = await services.patients.lookupTraits(
                {
                  birthName: options.nom,
                  firstNames: options.prenoms,
                  sex: options.sexe,
                  birthDate: options.naissance,
                  ...(options.lieu ? { birthplace: options.lieu } : {}),
                },
                undefined,
                CLI_ACTOR,
              );
            }
            const saved = options.save && result.cr === '00' ? services.patients.acceptInsi(result.lookupId, undefined, CLI_ACTOR) : null;
            const individu = result.individu;
            const lines = [
              `INSi : ${result.label} (code ${result.cr})`,
              ...result.attempts.map((a) => `  essai « ${a.prenom} » : ${a.cr}`),
              ...(individu
                ? [
                    `INS : ${formatIns(individu.ins)} — ${individu.ins.oidLabel}`,
                    `Traits : ${individu.traits.birthName} ${individu.traits.firstNames}, ${individu.traits.sex}, né(e) le ${individu.traits.birthDate}${individu.traits.birthplace ? ` à ${individu.traits.birthplace}` : ''}`,
                    ...individu.history.map((h) => `  historique : ${formatIns(h)}${h.dateFin ? ` (jusqu’au ${h.dateFin})` : ''}`),
                    ...(result.differences.length ? [`Différences avec la saisie : ${result.differences.join(', ')}`] : []),
                  ]
                : []),
              ...(saved ? [`Patient enregistré : ${saved.statusLabel}.`] : []),
            ];
            const { lookupId: _lookupId, ...value } = result;
            return { value: { ...value, ...(saved ? { patient: saved } : {}) }, text: lines.join('\n') };
          } finally {
            await services.close();
          }
        }),
    );

  ins
    .command('check-key')
    .argument('<ins>', 'matricule (13 caractères) suivi de la clé (2 chiffres)')
    .description('vérifie la clé d’un INS (code de sortie 0 seulement si elle est juste)')
    .addOption(jsonOption())
    .action((value: string, options: { json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const parsed = parseIns(value);
        if (!parsed.ok) throw new CabinetError(parsed.code, parsed.message, parsed.details);
        return { value: parsed.value, text: `Clé correcte : ${formatIns(parsed.value)}` };
      }),
    );
}
