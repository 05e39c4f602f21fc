/**
 * `cabinet cda build`: a level-1 CDA (the PDF in a CI-SIS header) for a
 * patient of this post whose identity is qualified, authored by the
 * practitioner logged in for the command (`--p12` or `--pkcs11`, PIN from
 * CABINET_PIN). The self-check (XSD + structuration minimale) runs before
 * anything is written; a non-conformant document is not written.
 */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { CabinetError } from '../../shared/contract/outcome.js';
import {
  CONFIDENTIALITY_CODES,
  DEFAULT_FACILITY_TYPE,
  DEFAULT_PRACTICE_SETTING,
  DEFAULT_TYPE_CODE,
  FACILITY_TYPE_CODES,
  PRACTICE_SETTING_CODES,
  TYPE_CODES,
  type ConfidentialityCode,
  type FacilityTypeCode,
  type PracticeSettingCode,
  type TypeCode,
} from '../../shared/domain/cda/index.js';
import { formatIns, parseIns } from '../../shared/domain/ins/index.js';
import { MAX_PDF_BYTES } from '../dmp/cda/builder.js';
import { createCheckedCda } from '../dmp/cda/document.js';
import { CdaSelfCheck } from '../dmp/cda/self-check.js';
import { addCredentialOptions, asPractitioner, type CredentialOptions } from './credentials.js';
import { readInputFile } from './files.js';
import { jsonOption, run } from './output.js';

interface BuildOptions extends CredentialOptions {
  ins: string;
  pdf: string;
  out: string;
  type: TypeCode;
  titre?: string;
  confidentialite: ConfidentialityCode;
  cadre: PracticeSettingCode;
  lieu: FacilityTypeCode;
  structure?: string;
  nomStructure?: string;
  json?: boolean;
}

export function registerCda(program: Command): void {
  const cda = program.command('cda').description('documents CDA (DMP, MSSanté)');
  addCredentialOptions(
    cda.command('build').description('produit un CDA de niveau 1 (PDF encapsulé) pour un patient à l’identité qualifiée'),
  )
    .requiredOption('--ins <ins>', 'INS du patient : matricule et clé (15 caractères)')
    .requiredOption('--pdf <fichier>', 'le document PDF (20 Mo au plus)')
    .requiredOption('--out <fichier>', 'le CDA à écrire (.xml ; n’écrase pas un fichier existant)')
    .addOption(new Option('--type <code>', 'type de document (JDV_J07)').choices(Object.keys(TYPE_CODES)).default(DEFAULT_TYPE_CODE))
    .addOption(new Option('--titre <titre>', 'titre du document (par défaut : le libellé du type)'))
    .addOption(
      new Option('--confidentialite <code>', 'N normal, R restreint, V très restreint')
        .choices(Object.keys(CONFIDENTIALITY_CODES))
        .default('N'),
    )
    .addOption(
      new Option('--cadre <code>', 'cadre d’exercice (JDV_J04)')
        .choices(Object.keys(PRACTICE_SETTING_CODES))
        .default(DEFAULT_PRACTICE_SETTING),
    )
    .addOption(
      new Option('--lieu <code>', 'type de structure (JDV_J02)').choices(Object.keys(FACILITY_TYPE_CODES)).default(DEFAULT_FACILITY_TYPE),
    )
    .addOption(new Option('--structure <id>', 'identifiant national de la structure (sinon celui de Réglages)'))
    .addOption(new Option('--nom-structure <nom>', 'nom de la structure'))
    .addOption(jsonOption())
    .action((options: BuildOptions) =>
      run({ json: Boolean(options.json) }, async () => {
        const parsed = parseIns(options.ins);
        if (!parsed.ok) throw new CabinetError(parsed.code, parsed.message, parsed.details);
        if (fs.existsSync(options.out))
          throw new CabinetError('CONFLICT', `Le fichier ${options.out} existe déjà : choisissez un autre nom.`);
        const pdf = readInputFile(options.pdf, MAX_PDF_BYTES, 'PDF');
        const checker = new CdaSelfCheck();
        try {
          const built = await asPractitioner(options, async (credentials, services) => {
            const practitioner = credentials.practitioner;
            const row = services.patients.repo
              .search(parsed.value.matricule, 5)
              .find((p) => p.ins_matricule === parsed.value.matricule && p.ins_cle === parsed.value.cle);
            if (!row) throw new CabinetError('NOT_FOUND', `Aucun patient de ce poste ne porte l’INS ${formatIns(parsed.value)}.`);
            const structureId = options.structure ?? practitioner.structureId;
            const document = await createCheckedCda(services.patients, checker, {
              uid: row.uid,
              actor: practitioner.idNatPs,
              author: practitioner,
              pdf,
              type: options.type,
              ...(options.titre !== undefined ? { title: options.titre } : {}),
              confidentiality: options.confidentialite,
              practiceSetting: options.cadre,
              healthcareFacilityType: options.lieu,
              ...(structureId ? { structure: { id: structureId, ...(options.nomStructure ? { name: options.nomStructure } : {}) } } : {}),
              // The CDA's times on the practice's clock (setting practice.timeZone), whatever TZ.
              now: services.clock.now(),
              timeZone: services.clock.zone(),
            });
            services.audit.append({
              actor: practitioner.idNatPs,
              action: 'cda.build',
              subject: row.uid,
              details: { type: document.type.code, uniqueId: document.uniqueId, octets: pdf.length },
            });
            return document;
          });
          fs.writeFileSync(options.out, built.xml, { flag: 'wx', mode: 0o600 });
          return {
            value: {
              out: options.out,
              uniqueId: built.uniqueId,
              setId: built.setId,
              versionNumber: built.versionNumber,
              type: built.type,
              title: built.title,
            },
            text: `CDA conforme écrit dans ${options.out} (${built.type.displayName}, identifiant ${built.uniqueId}).`,
          };
        } finally {
          checker.close();
        }
      }),
    );
}
