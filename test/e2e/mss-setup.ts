/**
 * The MSSanté side of the end-to-end tests: the real test operator (Dovecot +
 * Postfix, sandboxes/mss-operator) on free ports, the Annuaire Santé sandbox,
 * and Dr Marie MARTIN's inbox filled before the host starts:
 *  - `FILLER_COUNT` ordinary messages from colleagues and hospitals (the
 *    virtualised list and the first-sync progress bar have something to do);
 *  - a hospital report with a PDF attached whose sender asks a read receipt
 *    to an address other than its Return-Path (the MDN question);
 *  - an IHE_XDM document (CDA + PDF) about ADRUN Zoé, a CNAM test identity
 *    the spec qualifies first (« Patient reconnu »).
 * Returns the host's environment variables; without Dovecot/Postfix it
 * returns none and says so (the Messagerie then shows its plain message).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAnnuaireSandbox } from '../../sandboxes/annuaire/server.js';
import type { PkiManifest } from '../../sandboxes/pki/test-pki.js';
import { composeMail } from '../../electron/mss/client/compose.js';
import { freePorts, mailServersAvailable, startMssOperator } from '../../sandboxes/mss-operator/index.js';
import { buildXdm } from '../../electron/mss/xdm/index.js';
import { buildXdmSubject } from '../../shared/domain/mss/subject.js';

const root = path.resolve(import.meta.dirname, '..', '..');

export const MSS_E2E = {
  address: 'marie.martin@cabinet.test-mssante.fr',
  /** CNAM test identity ADRUN Zoé (INSi sandbox), whose Mon espace santé is active and sends read receipts. */
  patient: { nom: 'ADRUN', prenom: 'ZOE', sexe: 'F', naissance: '1975-12-31', lieu: '63220', ins: '275126322074974' },
  fillerCount: Number(process.env.CABINET_E2E_MSS_FILLER ?? 1200),
  pdfSubject: 'Compte rendu d’hospitalisation — Mme ADRUN',
  xdmTitle: 'Compte rendu de consultation',
} as const;

/** A one-page PDF that pdf.js draws (text in Helvetica), with a correct cross-reference table. */
export function simplePdf(lines: readonly string[]): Buffer {
  const esc = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?');
  const text = lines.map((line, i) => `BT /F1 ${i === 0 ? 18 : 12} Tf 60 ${760 - i * 28} Td (${esc(line)}) Tj ET`).join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${Buffer.byteLength(text, 'latin1')} >>\nstream\n${text}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const colleagues = [
  ['Secrétariat de cardiologie', 'secretariat.cardiologie.lyon@hopital.test-mssante.fr'],
  ['Dr Paul BERNARD', 'paul.bernard@cabinet.test-mssante.fr'],
  ['Laboratoire de biologie', 'resultats-biologie.lyon@hopital.test-mssante.fr'],
  ['Julien PETIT', 'julien.petit@hopital.test-mssante.fr'],
  ['Accueil des urgences', 'urgences.lyon@hopital.test-mssante.fr'],
] as const;
const topics = [
  'Résultats de biologie',
  'Demande d’avis',
  'Sortie d’hospitalisation',
  'Rendez-vous de contrôle',
  'Ordonnance renouvelée',
  'Lettre de liaison',
  'Compte rendu opératoire',
];

function filler(i: number, now: number): Buffer {
  const [name, address] = colleagues[i % colleagues.length]!;
  const date = new Date(now - (i + 10) * 37 * 60_000).toUTCString().replace('GMT', '+0000');
  return Buffer.from(
    [
      `From: ${name} <${address}>`,
      `To: Dr Marie MARTIN <${MSS_E2E.address}>`,
      `Subject: ${topics[i % topics.length]} n° ${i + 1}`,
      `Date: ${date}`,
      `Message-ID: <remplissage-${i}@hopital.test-mssante.fr>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      `Bonjour Docteur,\r\n\r\nMessage de test n° ${i + 1}.\r\n\r\nBien confraternellement.`,
      '',
    ].join('\r\n'),
  );
}

async function specialMails(now: Date): Promise<{ raw: Buffer; from: string }[]> {
  const pdf = simplePdf([
    'Compte rendu d hospitalisation',
    'Patiente : ADRUN Zoe, nee le 31/12/1975',
    'Service de cardiologie - Hopital de Lyon',
    'Sortie le 20/11/2026. Traitement inchange.',
  ]);
  const report = await composeMail({
    from: 'secretariat.cardiologie.lyon@hopital.test-mssante.fr',
    to: [MSS_E2E.address],
    subject: MSS_E2E.pdfSubject,
    text: 'Bonjour Docteur,\n\nVeuillez trouver ci-joint le compte rendu d’hospitalisation de votre patiente Mme ADRUN.\n\nLe secrétariat de cardiologie',
    attachments: [{ filename: 'CR-hospitalisation-ADRUN.pdf', content: pdf, contentType: 'application/pdf' }],
    nil: 'CABINET-BAS-0001',
    date: new Date(now.getTime() - 5 * 60_000),
  });
  // Disposition-Notification-To another address than the Return-Path: the practitioner is asked (RFC 8098 §2.1).
  const reportRaw = Buffer.from(
    report.raw
      .toString('utf8')
      .replace(/\r\nSubject:/, '\r\nDisposition-Notification-To: <dr.bernard@hopital.test-mssante.fr>\r\nSubject:'),
  );

  const cda = fs
    .readFileSync(path.join(root, 'electron/mss/testdata/cda-cr-consultation.xml'), 'utf8')
    .replace(
      '<id root="1.2.250.1.213.1.4.10" extension="279035121518989"/>',
      `<id root="1.2.250.1.213.1.4.8" extension="${MSS_E2E.patient.ins}"/>`,
    )
    .replace('<given>Zoé</given>\n          <given>Marie</given>', '<given>ZOE</given>')
    .replace('<family qualifier="BR">GARCIA</family>', '<family qualifier="BR">ADRUN</family>')
    .replace('<family qualifier="SP">DUPONT</family>\n', '')
    .replace('<birthTime value="19790312"/>', '<birthTime value="19751231"/>');
  const zip = await buildXdm({
    cda: { xml: cda },
    pdf: { data: simplePdf(['Compte rendu de consultation', 'ADRUN Zoe - consultation de cardiologie']) },
    product: { name: 'Cabinet e2e', version: '0' },
  });
  const xdm = await composeMail({
    from: 'paul.bernard@cabinet.test-mssante.fr',
    to: [MSS_E2E.address],
    subject: buildXdmSubject({ libelles: [MSS_E2E.xdmTitle], nom: 'ADRUN', prenom: 'Zoé', dateNaissance: '1975-12-31' }),
    text: 'Chère consœur,\n\nVoici le compte rendu de consultation de Mme ADRUN.\n\nDr Paul BERNARD',
    xdm: { zip, cdaCodes: ['11488-4'], insQualifie: true },
    nil: 'CABINET-BAS-0001',
    date: new Date(now.getTime() - 2 * 60_000),
  });
  return [
    { raw: reportRaw, from: 'secretariat.cardiologie.lyon@hopital.test-mssante.fr' },
    { raw: xdm.raw, from: 'paul.bernard@cabinet.test-mssante.fr' },
  ];
}

/** Synchronous last resort: SIGTERM to the Dovecot and Postfix masters recorded in the operator's state file. */
function stopDaemonsNow(dir: string): void {
  try {
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'operateur.json'), 'utf8')) as {
      dovecot?: number | null;
      postfix?: number | null;
    };
    for (const pid of [state.dovecot, state.postfix]) {
      if (typeof pid === 'number' && pid > 1) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
    }
  } catch {
    /* no state file: nothing started */
  }
}

export interface MssE2e {
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startMssForE2e(pki: PkiManifest): Promise<MssE2e> {
  const annuaire = await startAnnuaireSandbox({ pki, port: 0 });
  const env: Record<string, string> = { CABINET_ANNUAIRE_URL: annuaire.url };
  const available = mailServersAvailable();
  if (!available.ok) {
    process.env.CABINET_E2E_MSS = 'absent';
    return { env, close: () => annuaire.close() };
  }
  const [imaps, imap, submission, smtp, lmtp, patient] = await freePorts(6);
  const started = performance.now();
  // Its own folder: the mail servers' system users must traverse it (the data folder is 0700).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-e2e-mss-'));
  const operator = await startMssOperator({
    dir,
    pkiDir: pki.dir,
    ports: { imaps: imaps!, imap: imap!, submission: submission!, smtp: smtp!, lmtp: lmtp!, patient: patient! },
    patients: [{ ins: MSS_E2E.patient.ins, readReceipts: true }],
  });
  // If this process ends without close() (the host failed to start…), the mail servers must not outlive it.
  const killOnExit = () => stopDaemonsNow(dir);
  process.once('exit', killOnExit);
  try {
    const now = Date.now();
    const t0 = performance.now();
    const queue = [...Array(MSS_E2E.fillerCount).keys()];
    await Promise.all(
      [...Array(8).keys()].map(async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) await operator.deliverRaw(MSS_E2E.address, filler(i, now));
      }),
    );
    for (const mail of await specialMails(new Date())) await operator.deliverRaw(MSS_E2E.address, mail.raw, mail.from);
    process.env.CABINET_E2E_MSS_DELIVER_MS = String(Math.round(performance.now() - t0));
  } catch (error) {
    process.removeListener('exit', killOnExit);
    await operator.stop();
    await annuaire.close();
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  process.env.CABINET_E2E_MSS = 'present';
  process.env.CABINET_E2E_MSS_START_MS = String(Math.round(performance.now() - started));
  env.CABINET_MSS_IMAP_URL = `imaps://localhost:${operator.imap.port}`;
  env.CABINET_MSS_SMTP_URL = `smtp://localhost:${operator.smtp.port}`;
  env.CABINET_MSS_ADRESSE = MSS_E2E.address;
  return {
    env,
    async close() {
      process.removeListener('exit', killOnExit);
      await operator.stop();
      await annuaire.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
