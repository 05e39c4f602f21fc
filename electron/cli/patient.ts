/** `cabinet patient list`, `cabinet patient piece` and `cabinet patient fiche`. */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { CabinetError } from '../../shared/contract/outcome.js';
import { formatIns, parseIns } from '../../shared/domain/ins/index.js';
import { createServices } from '../app/services.js';
import { patientSheet } from '../paper/print.js';
import { jsonOption, run } from './output.js';

const CLI_ACTOR = 'cli';

export function registerPatient(program: Command): void {
  const patient = program.command('patient').description('patients de ce poste');

  patient
    .command('fiche')
    .description('« Imprimer pour le patient » : PDF avec son identité, ses documents partagés et la fiche « Votre espace santé »')
    .requiredOption('--ins <ins>', 'INS du patient (15 chiffres et clé)')
    .requiredOption('--out <fichier>', 'fichier PDF à écrire')
    .addOption(jsonOption())
    .action((options: { ins: string; out: string; json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const services = await createServices({ host: 'cli' });
        try {
          const parsed = parseIns(options.ins);
          if (!parsed.ok) throw new CabinetError(parsed.code, parsed.message, parsed.details);
          const row = services.patients.repo
            .search(parsed.value.matricule, 5)
            .find((p) => p.ins_matricule === parsed.value.matricule && p.ins_cle === parsed.value.cle);
          if (!row) throw new CabinetError('NOT_FOUND', `Aucun patient de ce poste ne porte l’INS ${formatIns(parsed.value)}.`);
          const sheet = await patientSheet(services, row.uid, CLI_ACTOR, 'le cabinet');
          try {
            fs.writeFileSync(options.out, sheet.bytes);
          } catch {
            throw new CabinetError('INVALID_REQUEST', `Impossible d’écrire le fichier ${options.out}.`);
          }
          const text = [`Fiche écrite : ${options.out} (${sheet.pages} page(s)).`, ...sheet.problems].join('\n');
          return { value: { file: options.out, pages: sheet.pages, problems: sheet.problems }, text };
        } finally {
          await services.close();
        }
      }),
    );

  patient
    .command('list')
    .description('liste les patients (les plus récents, ou ceux qui correspondent à --recherche)')
    .addOption(new Option('--recherche <texte>', 'nom, prénom, date de naissance ou INS').default(''))
    .addOption(new Option('--max <n>', 'nombre maximum').default('100'))
    .addOption(jsonOption())
    .action((options: { recherche: string; max: string; json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const services = await createServices({ host: 'cli' });
        try {
          const max = Math.min(100, Math.max(1, Number(options.max) || 100));
          const patients = services.patients.search(options.recherche, max, CLI_ACTOR);
          const text = patients.length
            ? patients
                .map(
                  (p) =>
                    `${p.birthName} ${p.firstNames} — ${p.birthDate} — ${p.statusLabel}${p.insLocal ? ` — INS ${formatIns(p.insLocal)}` : ''}`,
                )
                .join('\n')
            : 'Aucun patient.';
          return { value: { patients }, text };
        } finally {
          await services.close();
        }
      }),
    );

  patient
    .command('piece')
    .description('enregistre le contrôle d’une pièce d’identité à haut niveau de confiance (identité récupérée → qualifiée)')
    .requiredOption('--ins <ins>', 'INS du patient : matricule et clé')
    .requiredOption('--type <type>', 'CNI, PASSEPORT, TITRE_SEJOUR, …')
    .requiredOption('--date <date>', 'date du contrôle AAAA-MM-JJ')
    .addOption(jsonOption())
    .action((options: { ins: string; type: string; date: string; json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const parsed = parseIns(options.ins);
        if (!parsed.ok) throw new CabinetError(parsed.code, parsed.message, parsed.details);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(options.date)) throw new CabinetError('INVALID_REQUEST', 'Date attendue au format AAAA-MM-JJ.');
        const services = await createServices({ host: 'cli' });
        try {
          const row = services.patients.repo
            .search(parsed.value.matricule, 5)
            .find((p) => p.ins_matricule === parsed.value.matricule && p.ins_cle === parsed.value.cle);
          if (!row) throw new CabinetError('NOT_FOUND', `Aucun patient de ce poste ne porte l’INS ${formatIns(parsed.value)}.`);
          const detail = services.patients.recordDocument(row.uid, options.type, options.date, CLI_ACTOR);
          return { value: detail, text: `${detail.birthName} ${detail.firstNames} : ${detail.statusLabel}.` };
        } finally {
          await services.close();
        }
      }),
    );
}
