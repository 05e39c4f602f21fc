/**
 * `cabinet xdm`: IHE XDM archives (MSSanté).
 * - `cabinet xdm read FILE [--json]`: documents, metadata, patient, checks;
 * - `cabinet xdm build --cda FILE.xml [--pdf FILE] --out FILE.zip [--force]`.
 * Reading happens in memory; nothing is extracted.
 */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { CabinetError } from '../../shared/contract/outcome.js';
import { formatIns } from '../../shared/domain/ins/matricule.js';
import { MAX_PDF_BYTES } from '../../shared/domain/limits.js';
import { buildXdm, readXdm, type XdmReadResult } from '../mss/xdm/index.js';
import { APP_VERSION } from '../platform/version.js';
import { readInputFile } from './files.js';
import { jsonOption, run } from './output.js';

/** What the CLI shows of an XDM: everything but the document bytes. */
export function xdmSummary(result: XdmReadResult) {
  return {
    patient: result.patient ?? null,
    sousDossiers: result.sousDossiers.map((s) => ({ nom: s.nom, metadata: s.metadata, lot: s.lot ?? null })),
    documents: result.documents.map((d) => ({
      sousDossier: d.sousDossier,
      id: d.metadata.id,
      titre: d.metadata.title ?? null,
      type: d.metadata.mimeType,
      typeDocument: d.metadata.typeCode ?? null,
      chemin: d.chemin ?? null,
      taille: d.taille ?? null,
      verification: d.verification,
      patient: d.patient ?? null,
      metadata: d.metadata,
      cda: d.cda ? { code: d.cda.code, titre: d.cda.title ?? null, ins: d.cda.patient.ins ?? null, auteur: d.cda.author ?? null } : null,
    })),
    fichiers: result.fichiers,
    avertissements: result.avertissements,
  };
}

export function xdmText(result: XdmReadResult, indent = ''): string {
  const lines: string[] = [];
  const p = result.patient;
  if (p) {
    const who = [p.nom, p.prenom].filter(Boolean).join(' ');
    const ins = p.ins
      ? `INS ${formatIns(p.valeur)} (${p.ins.oidLabel}${p.ins.cleValide ? '' : ', clé incorrecte'})`
      : `identifiant ${p.valeur} (OID ${p.oid})`;
    lines.push(
      `Patient : ${who ? `${who}, ` : ''}${ins}${p.dateNaissance ? `, né(e) le ${p.dateNaissance.split('-').reverse().join('/')}` : ''}`,
    );
  } else {
    lines.push('Patient : non identifié');
  }
  lines.push(`Documents (${result.documents.length}) :`);
  for (const d of result.documents) {
    const type = d.metadata.typeCode
      ? ` [${d.metadata.typeCode.code}${d.metadata.typeCode.displayName ? ` ${d.metadata.typeCode.displayName}` : ''}]`
      : '';
    const check = d.chemin ? `${d.taille} octets, empreinte ${d.verification.empreinte.replace('_', ' ')}` : 'fichier absent';
    lines.push(
      `  - ${d.metadata.title ?? d.metadata.id}${type} — ${d.metadata.mimeType} — ${d.sousDossier}/${d.metadata.uri ?? '?'} (${check})`,
    );
  }
  if (result.avertissements.length > 0) {
    lines.push('Avertissements :');
    for (const a of result.avertissements) lines.push(`  ! ${a}`);
  }
  return lines.map((l) => indent + l).join('\n');
}

const MAX_INPUT = 50 * 1024 * 1024;

export function registerXdm(program: Command): void {
  const xdm = program.command('xdm').description('archives IHE XDM (IHE_XDM.ZIP) de la messagerie sécurisée');

  xdm
    .command('read')
    .description('lit une archive IHE_XDM.ZIP en mémoire : documents, métadonnées, patient')
    .argument('<fichier>', 'archive zip')
    .addOption(jsonOption())
    .action((file: string, options: { json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const result = await readXdm(readInputFile(file, MAX_INPUT, 'Archive'));
        return { value: xdmSummary(result), text: `Archive ${file}\n${xdmText(result)}` };
      }),
    );

  xdm
    .command('build')
    .description('construit une archive IHE_XDM.ZIP à partir d’un document CDA (et d’un PDF)')
    .addOption(new Option('--cda <fichier>', 'document CDA R2 (XML)').makeOptionMandatory())
    .addOption(new Option('--pdf <fichier>', 'copie PDF du document'))
    .addOption(new Option('--out <fichier>', 'archive à écrire').makeOptionMandatory())
    .addOption(new Option('--force', 'remplace le fichier de sortie s’il existe'))
    .addOption(jsonOption())
    .action((options: { cda: string; pdf?: string; out: string; force?: boolean; json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const cda = readInputFile(options.cda, 20 * 1024 * 1024, 'Document CDA');
        const pdf = options.pdf ? readInputFile(options.pdf, MAX_PDF_BYTES, 'PDF') : undefined;
        const zip = await buildXdm({
          cda: { xml: cda },
          ...(pdf ? { pdf: { data: pdf } } : {}),
          product: { name: 'Cabinet', version: APP_VERSION },
        });
        const check = await readXdm(zip);
        try {
          fs.writeFileSync(options.out, zip, { flag: options.force ? 'w' : 'wx', mode: 0o600 });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST')
            throw new CabinetError(
              'CONFLICT',
              `Le fichier ${options.out} existe déjà. Choisissez un autre nom, ou ajoutez --force pour le remplacer.`,
            );
          throw new CabinetError('UNAVAILABLE', `Impossible d’écrire ${options.out}.`);
        }
        return {
          value: { fichier: options.out, taille: zip.length, ...xdmSummary(check) },
          text: `Archive IHE_XDM écrite : ${options.out} (${zip.length} octets)\n${xdmText(check)}`,
        };
      }),
    );
}
