/**
 * `cabinet mss parse FILE.eml [--json]`: what Cabinet reads in a received
 * MSSanté mail — headers, X-MSS-* values, receipt (DSN/MDN) with the
 * original Message-ID, attachments, IHE_XDM documents and their patient.
 */
import type { Command } from 'commander';
import { formatIns } from '../../shared/domain/ins/matricule.js';
import { parseEml, type ParsedEml } from '../mss/parse.js';
import { jsonOption, run } from './output.js';
import { readInputFile, xdmSummary, xdmText } from './xdm.js';

/** JSON shape: the parsed mail without the document bytes. */
export function emlSummary(mail: ParsedEml) {
  return { ...mail, xdm: mail.xdm.map((x) => ({ piece: x.piece, erreur: x.erreur ?? null, archive: x.resultat ? xdmSummary(x.resultat) : null })) };
}

export function emlText(mail: ParsedEml): string {
  const lines: string[] = [];
  lines.push(`Message-ID : ${mail.messageId ?? '(absent)'}`);
  if (mail.date) lines.push(`Date : ${mail.date}`);
  lines.push(`De : ${mail.from.join(', ') || '(absent)'}`);
  lines.push(`À : ${mail.to.join(', ') || '(absent)'}`);
  if (mail.cc.length > 0) lines.push(`Cc : ${mail.cc.join(', ')}`);
  lines.push(`Objet : ${mail.sujet.affichage || '(vide)'}${mail.sujet.xdm ? ' (convention XDM/1.0/DDM+)' : ''}`);
  if (mail.inReplyTo) lines.push(`En réponse à : ${mail.inReplyTo}`);
  if (mail.accuseLectureDemandeA.length > 0) lines.push(`Accusé de lecture demandé à : ${mail.accuseLectureDemandeA.join(', ')}`);
  for (const p of mail.patientsDestinataires) lines.push(`Patient destinataire : ${p.adresse}${p.ins ? ` (INS ${formatIns(p.ins)})` : ' (INS invalide)'}`);
  lines.push('En-têtes MSSanté :');
  if (mail.mss.lignes.length === 0) lines.push('  (aucun)');
  for (const l of mail.mss.lignes) lines.push(`  ${l.header} = ${l.value} — ${l.label} : ${l.texte}`);
  for (const r of mail.mss.remarques) lines.push(`  ! ${r.message}`);
  const a = mail.accuse;
  if (a?.type === 'DSN') {
    lines.push(`Accusé de remise (DSN) : ${a.libelle}`);
    lines.push(`  message d’origine : ${a.originalMessageId ?? '(inconnu)'}${a.originalEnvelopeId ? ` — enveloppe ${a.originalEnvelopeId}` : ''}`);
    for (const r of a.recipients) lines.push(`  - ${r.finalRecipient ?? '?'} : ${r.action}${r.status ? ` ${r.status}` : ''} — ${r.libelle}`);
  } else if (a?.type === 'MDN') {
    lines.push(`Accusé de lecture (MDN) : ${a.libelle}`);
    lines.push(`  message d’origine : ${a.originalMessageId ?? '(inconnu)'} — destinataire ${a.finalRecipient ?? '?'} — disposition « ${a.disposition.raw} »`);
  }
  lines.push(`Pièces jointes (${mail.pieces.length}) :`);
  for (const p of mail.pieces) lines.push(`  - ${p.nom ?? '(sans nom)'} — ${p.type} — ${p.taille} octets`);
  for (const x of mail.xdm) {
    lines.push(`Archive ${x.piece} :`);
    if (x.erreur) lines.push(`  ! ${x.erreur}`);
    if (x.resultat) lines.push(xdmText(x.resultat, '  '));
  }
  if (mail.remarques.length > 0) {
    lines.push('Remarques :');
    for (const r of mail.remarques) lines.push(`  ! ${r}`);
  }
  return lines.join('\n');
}

export function registerMss(program: Command): void {
  const mss = program.command('mss').description('messagerie sécurisée de santé (MSSanté)');
  mss
    .command('parse')
    .description('analyse un courriel reçu (.eml) : en-têtes, X-MSS-*, accusés, pièces jointes, documents XDM')
    .argument('<fichier>', 'courriel au format .eml')
    .addOption(jsonOption())
    .action((file: string, options: { json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        const mail = await parseEml(readInputFile(file, 25 * 1024 * 1024, 'Courriel'));
        return { value: emlSummary(mail), text: emlText(mail) };
      }),
    );
}
