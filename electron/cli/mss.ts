/**
 * `cabinet mss parse FILE.eml [--json]`: what Cabinet reads in a received
 * MSSanté mail — headers, X-MSS-* values, receipt (DSN/MDN) with the
 * original Message-ID, attachments, IHE_XDM documents and their patient.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { CabinetError } from '../../shared/contract/outcome.js';
import { assertIns, formatIns } from '../../shared/domain/ins/matricule.js';
import { MAX_PDF_BYTES } from '../../shared/domain/limits.js';
import { parseEml, type ParsedEml } from '../mss/parse.js';
import { addCredentialOptions, asPractitioner, type CredentialOptions } from './credentials.js';
import { jsonOption, run } from './output.js';
import { readInputFile } from './files.js';
import { xdmSummary, xdmText } from './xdm.js';

const CONTENT_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.xml': 'application/xml',
  '.txt': 'text/plain',
  '.zip': 'application/zip',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
};

function useAddress(address: string | undefined): void {
  if (address) process.env.CABINET_MSS_ADRESSE = address;
}

interface SendOptions extends CredentialOptions {
  to?: string[];
  subject: string;
  body?: string;
  attach?: string[];
  ins?: string;
  cda?: string;
  pdf?: string;
  auPatient?: boolean;
  accuseLecture?: boolean;
  fin?: boolean;
  adresse?: string;
  json?: boolean;
}

/** JSON shape: the parsed mail without the document bytes. */
export function emlSummary(mail: ParsedEml) {
  return {
    ...mail,
    xdm: mail.xdm.map((x) => ({ piece: x.piece, erreur: x.erreur ?? null, archive: x.resultat ? xdmSummary(x.resultat) : null })),
  };
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
  for (const p of mail.patientsDestinataires)
    lines.push(`Patient destinataire : ${p.adresse}${p.ins ? ` (INS ${formatIns(p.ins)})` : ' (INS invalide)'}`);
  lines.push('En-têtes MSSanté :');
  if (mail.mss.lignes.length === 0) lines.push('  (aucun)');
  for (const l of mail.mss.lignes) lines.push(`  ${l.header} = ${l.value} — ${l.label} : ${l.texte}`);
  for (const r of mail.mss.remarques) lines.push(`  ! ${r.message}`);
  const a = mail.accuse;
  if (a?.type === 'DSN') {
    lines.push(`Accusé de remise (DSN) : ${a.libelle}`);
    lines.push(
      `  message d’origine : ${a.originalMessageId ?? '(inconnu)'}${a.originalEnvelopeId ? ` — enveloppe ${a.originalEnvelopeId}` : ''}`,
    );
    for (const r of a.recipients)
      lines.push(`  - ${r.finalRecipient ?? '?'} : ${r.action}${r.status ? ` ${r.status}` : ''} — ${r.libelle}`);
  } else if (a?.type === 'MDN') {
    lines.push(`Accusé de lecture (MDN) : ${a.libelle}`);
    lines.push(
      `  message d’origine : ${a.originalMessageId ?? '(inconnu)'} — destinataire ${a.finalRecipient ?? '?'} — disposition « ${a.disposition.raw} »`,
    );
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

  addCredentialOptions(
    mss
      .command('sync')
      .description('synchronise la boîte aux lettres MSSanté (dossiers, messages, accusés) dans la base chiffrée')
      .option('--adresse <adresse>', 'votre adresse MSSanté (sinon CABINET_MSS_ADRESSE)')
      .addOption(jsonOption()),
  ).action((options: CredentialOptions & { adresse?: string; json?: boolean }) =>
    run({ json: Boolean(options.json) }, async () => {
      useAddress(options.adresse);
      return asPractitioner(options, async (_credentials, services) => {
        let lastPercent = -1;
        const result = await services.mss.sync((p) => {
          const percent = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 100;
          if (!options.json && process.stderr.isTTY && percent !== lastPercent) process.stderr.write(`\r${p.folder} : ${percent} %`);
          lastPercent = percent;
        });
        const folders = services.mss.folders();
        const text = [
          `Synchronisation terminée en ${result.ms} ms : ${result.added} nouveau(x), ${result.updated} modifié(s), ${result.removed} supprimé(s)${result.qresync ? ' (QRESYNC)' : result.condstore ? ' (CONDSTORE)' : ''}.`,
          ...folders.map((f) => `  ${f.path} : ${f.total} message(s), ${f.unread} non lu(s)`),
        ].join('\n');
        return { value: { ...result, dossiers: folders }, text };
      });
    }),
  );

  addCredentialOptions(
    mss
      .command('send')
      .description('envoie un message MSSanté (par la file d’envoi : idempotent, repris après une coupure)')
      .option('--to <adresse...>', 'destinataire(s) professionnel(s)')
      .requiredOption('--subject <objet>', 'objet (remplacé par la convention XDM/1.0/DDM+ avec --cda)')
      .option('--body <texte>', 'corps du message', '')
      .option('--attach <fichier...>', 'pièce(s) jointe(s)')
      .option('--ins <matricule+clé>', 'patient concerné (identité qualifiée de ce poste)')
      .option('--cda <fichier>', 'document CDA R2 à joindre dans une archive IHE_XDM (avec --ins)')
      .option('--pdf <fichier>', 'PDF joint à côté de l’archive (et dans l’archive)')
      .option('--au-patient', 'écrire aussi au patient (adresse issue de son INS qualifié)')
      .option('--accuse-lecture', 'demander un accusé de lecture (Disposition-Notification-To)')
      .option('--fin', 'bloquer la réponse du patient (X-MSS-MES: FIN)')
      .option('--adresse <adresse>', 'votre adresse MSSanté (sinon CABINET_MSS_ADRESSE)')
      .addOption(jsonOption()),
  ).action((options: SendOptions) =>
    run({ json: Boolean(options.json) }, async () => {
      useAddress(options.adresse);
      const attachments = (options.attach ?? []).map((file) => ({
        filename: path.basename(file),
        content: readInputFile(file, 10 * 1024 * 1024, 'Pièce jointe'),
        contentType: CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      }));
      if (options.cda && !options.ins)
        throw new CabinetError('INVALID_REQUEST', 'Un document CDA (--cda) s’envoie pour un patient : indiquez --ins.');
      if ((options.fin || options.auPatient) && !options.ins)
        throw new CabinetError('INVALID_REQUEST', 'Écrire au patient (--au-patient, --fin) demande son INS (--ins).');
      const cda = options.cda
        ? {
            xml: readInputFile(options.cda, 8 * 1024 * 1024, 'Document CDA'),
            ...(options.pdf ? { pdf: readInputFile(options.pdf, MAX_PDF_BYTES, 'PDF') } : {}),
          }
        : undefined;
      if (options.pdf && !cda)
        attachments.push({
          filename: path.basename(options.pdf),
          content: readInputFile(options.pdf, MAX_PDF_BYTES, 'PDF'),
          contentType: 'application/pdf',
        });
      // The shared INS rule (Corsica 2A/2B, the key), checked before any login.
      const ins = options.ins !== undefined ? assertIns(options.ins) : undefined;
      return asPractitioner(options, async (_credentials, services) => {
        let patientUid: string | undefined;
        if (ins) {
          const row = services.store.db
            .prepare('SELECT uid FROM patients WHERE ins_matricule = ? AND ins_cle = ?')
            .get(ins.matricule, ins.cle) as { uid: string } | undefined;
          if (!row) throw new CabinetError('NOT_FOUND', 'Aucun patient de ce poste ne porte cet INS.');
          patientUid = row.uid;
        }
        const queued = await services.mss.send({
          to: options.to ?? [],
          subject: options.subject,
          body: options.body ?? '',
          attachments,
          ...(patientUid ? { patientUid } : {}),
          toPatient: Boolean(options.auPatient || options.fin),
          ...(cda ? { cda } : {}),
          readReceipt: Boolean(options.accuseLecture),
          fin: Boolean(options.fin),
        });
        // One-shot command: send now rather than wait for the app's worker.
        await services.worker.drain();
        const item = services.outbox.get(queued.outboxId)!;
        const ok = item.state === 'envoye';
        const text = ok
          ? `Message envoyé : ${queued.messageId} → ${queued.recipients.join(', ')}`
          : `Message dans la file d’envoi (${item.state}) : ${item.lastError ?? 'nouvel essai plus tard'} — ${queued.messageId}`;
        return { value: { ...queued, etat: item.state, erreur: item.lastError }, ok, text };
      });
    }),
  );
}
