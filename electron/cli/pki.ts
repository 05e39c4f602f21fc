/** `cabinet pki init`: the IGC-Santé-shaped test PKI for the sandboxes and tests. */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CabinetError } from '../../shared/contract/outcome.js';
import { professionLabel, specialtyLabels } from '../../shared/domain/practitioner.js';
import { DEFAULT_PRACTICE_ZONE, formatInstant } from '../../shared/domain/civil-date.js';
import { createTestPki, type IdentityRole, type PkiManifest } from '../../sandboxes/pki/test-pki.js';
import { jsonOption, run } from './output.js';

const roleLabels: Record<IdentityRole, string> = {
  medecin: 'médecin',
  infirmier: 'infirmier',
  revoque: 'carte révoquée',
  expire: 'carte expirée',
  etranger: 'autorité inconnue',
  'insi-auto': 'logiciel INSI-AUTO',
  'insi-manu': 'logiciel INSI-MANU',
  'dmp-auth': 'DMP authentification',
  'dmp-signature': 'DMP signature',
  serveur: 'serveur',
};

export function formatManifest(manifest: PkiManifest, seconds: number): string {
  const lines = [
    `IGC de test créée dans ${manifest.dir} en ${seconds.toLocaleString('fr-FR', { maximumFractionDigits: 1 })} s.`,
    '(chemins relatifs à ce dossier ; tout est décrit dans manifest.json)',
    '',
    'Autorités :',
  ];
  for (const a of manifest.authorities)
    lines.push(
      `  ${a.trusted ? '✔' : '✘'} ${a.subject} — ${a.certPem ?? a.certDer}${a.trusted ? '' : ' (hors de la racine de test : pour les refus)'}`,
    );
  lines.push('', 'Listes de révocation :');
  for (const c of manifest.crls) {
    lines.push(
      `  ${c.der} (+ ${c.pem}) — n° ${c.number}, valable jusqu’au ${formatInstant(c.nextUpdate, DEFAULT_PRACTICE_ZONE, 'date')}, ${c.revokedSerials.length} certificat(s) révoqué(s)`,
    );
  }
  lines.push('', 'Identités :');
  for (const i of manifest.identities) {
    lines.push(`  • ${i.id} [${roleLabels[i.role]}] — ${i.label}`);
    if (i.idNatPs) {
      const national = i.rpps ? `RPPS ${i.rpps}` : `ADELI ${i.adeli ?? ''}`;
      const specialty = i.specialtyCode ? `, spécialité ${i.specialtyCode} (${specialtyLabels[i.specialtyCode] ?? '?'})` : '';
      lines.push(
        `      idNat_PS ${i.idNatPs} (${national}), profession ${i.professionCode ?? '?'} ${professionLabel(i.professionCode ?? '')}${specialty}`,
      );
    }
    if (i.structureId) lines.push(`      structure ${i.structureId}`);
    if (i.p12)
      lines.push(`      .p12 : ${i.p12} — mot de passe « ${i.password ?? ''} »${i.pin ? ` ; PIN de la carte SoftHSM : ${i.pin}` : ''}`);
    if (i.certPem) lines.push(`      certificat : ${i.certPem}${i.signatureCertPem ? ` ; signature : ${i.signatureCertPem}` : ''}`);
    if (i.keyPem) lines.push(`      clé : ${i.keyPem} ; chaîne : ${i.chainPem ?? ''}`);
    if (i.revoked) lines.push('      révoquée (listée dans la liste de révocation de FORT PERSONNES)');
    if (i.expired) lines.push(`      expirée le ${formatInstant(i.notAfter, DEFAULT_PRACTICE_ZONE, 'date')}`);
  }
  return lines.join('\n');
}

export function registerPki(program: Command): void {
  const pki = program.command('pki').description('IGC-Santé de test (bacs à sable et tests ; rien de réel)');
  pki
    .command('init')
    .description('crée une IGC de test : autorités, cartes CPS, certificats logiciels et serveurs, listes de révocation')
    .argument('<dossier>', 'dossier où créer l’IGC (vide, ou avec --force)')
    .option('--force', 'remplace l’IGC de test déjà présente dans le dossier (les autres fichiers sont laissés)')
    .addOption(jsonOption())
    .action((dir: string, options: { json?: boolean; force?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const target = path.resolve(dir);
        if (fs.existsSync(target)) {
          if (!fs.statSync(target).isDirectory()) throw new CabinetError('INVALID_REQUEST', `${target} existe et n’est pas un dossier.`);
          if (fs.readdirSync(target).length > 0 && !options.force) {
            throw new CabinetError(
              'CONFLICT',
              `Le dossier ${target} n’est pas vide. Choisissez un dossier vide, ou ajoutez --force pour y remplacer l’IGC de test.`,
            );
          }
        }
        const started = performance.now();
        const manifest = await createTestPki(target);
        const seconds = (performance.now() - started) / 1000;
        return { value: manifest, text: formatManifest(manifest, seconds) };
      }),
    );
}
