/**
 * The Mon espace santé stand-in for `patient.mssante.fr` (I/O): an LMTP
 * server (smtp-server) on loopback that Postfix delivers the patient domain
 * to, and the patient's side: replies (never a first message, never after
 * `X-MSS-MES: FIN`) and read receipts (RFC 8098), sent back through the
 * operator's inbound SMTP. Decisions live in `patient-rules.ts`.
 *
 * Patients' spaces are kept in memory (the sandbox's lifetime); messages are
 * written under `<dir>/patients/<INS>/` as .eml files.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { CabinetError } from '../../shared/contract/outcome.js';
import { PATIENT_MSS_DOMAIN, patientMssAddress } from '../../shared/domain/mss/address.js';
import {
  bareId,
  checkRecipient,
  checkSender,
  mayPatientReply,
  proAddress,
  wantsReadReceipt,
  type PatientSpace,
  type ReceivedSummary,
  type SmtpRefusal,
} from './patient-rules.js';

/** Largest message the stand-in accepts (the operator's own limit is 25 MiB). */
const MAX_MESSAGE_BYTES = 26 * 1024 * 1024;

export interface PatientReply {
  /** Address of the professional, who must have written to the patient. */
  to: string;
  /** Message-ID of the professional's message answered (mandatory: a patient never starts a thread). */
  inReplyTo: string;
  text: string;
  subject?: string;
  /** Ask the professional for a read receipt. */
  readReceipt?: boolean;
}

export interface PatientStandin {
  /** Activates (or re-opens) the patient's space. */
  activate(ins: string): void;
  /** Closes it: mail to the patient then fails with a DSN. */
  close(ins: string): void;
  /** Read receipts sent automatically (the patient "reads" every message that asks for one). */
  setReadReceipts(ins: string, on: boolean): void;
  /** Raw messages received by that patient, oldest first. */
  inbox(ins: string): Promise<string[]>;
  /** The patient replies; resolves to the reply's Message-ID. Throws CONFLICT when not allowed. */
  send(ins: string, reply: PatientReply): Promise<string>;
  /** Resolves once every read receipt triggered so far has been handed to the operator. */
  settled(): Promise<void>;
  readonly port: number;
  stop(): Promise<void>;
}

interface Received extends ReceivedSummary {
  file: string;
  subject: string;
}

const refusal = (r: SmtpRefusal) => Object.assign(new Error(`${r.status} ${r.text}`), { responseCode: r.code });

const firstAddress = (value: AddressObject | AddressObject[] | undefined): string | null => {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  for (const group of list) for (const entry of group.value) if (entry.address) return entry.address.toLowerCase();
  return null;
};

const normalizeIns = (ins: string): string => {
  const address = patientMssAddress(ins); // validates the form and the key, French error otherwise
  return address.slice(0, address.indexOf('@'));
};

export async function startPatientStandin(options: {
  dir: string;
  port: number;
  operatorSmtp: { host: string; port: number };
  proDomains: readonly string[];
}): Promise<PatientStandin> {
  const spaces = new Map<string, PatientSpace>();
  const received = new Map<string, Received[]>();
  const pending = new Set<Promise<unknown>>();
  fs.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const transport = nodemailer.createTransport({
    host: options.operatorSmtp.host,
    port: options.operatorSmtp.port,
    secure: false,
    ignoreTLS: true,
    name: 'mes.patient.mssante.fr',
    connectionTimeout: 10_000,
    socketTimeout: 30_000,
  });

  const sendMdn = async (ins: string, to: string, original: { messageId: string; subject: string; raw: Buffer }) => {
    const from = `${ins}@${PATIENT_MSS_DOMAIN}`;
    const boundary = `mdn-${crypto.randomBytes(12).toString('hex')}`;
    const messageId = `<${crypto.randomUUID()}@${PATIENT_MSS_DOMAIN}>`;
    const headerEnd = original.raw.indexOf('\r\n\r\n');
    const originalHeaders = (headerEnd >= 0 ? original.raw.subarray(0, headerEnd + 2) : original.raw).toString('latin1');
    const subjectLine = `=?UTF-8?B?${Buffer.from(`Accusé de lecture : ${original.subject}`, 'utf8').toString('base64')}?=`;
    const raw = [
      `From: ${from}`,
      `To: ${to}`,
      `Subject: ${subjectLine}`,
      `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: ${messageId}`,
      `In-Reply-To: ${original.messageId}`,
      `References: ${original.messageId}`,
      'MIME-Version: 1.0',
      'Auto-Submitted: auto-replied',
      `Content-Type: multipart/report; report-type=disposition-notification; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      `Le message ${original.messageId} a été affiché par le patient (Mon espace santé, bac à sable).`,
      '',
      `--${boundary}`,
      'Content-Type: message/disposition-notification',
      '',
      'Reporting-UA: mes.patient.mssante.fr; Cabinet bac a sable Mon espace sante',
      `Original-Recipient: rfc822;${from}`,
      `Final-Recipient: rfc822;${from}`,
      `Original-Message-ID: ${original.messageId}`,
      'Disposition: manual-action/MDN-sent-manually; displayed',
      '',
      `--${boundary}`,
      'Content-Type: text/rfc822-headers',
      '',
      originalHeaders.trimEnd(),
      '',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    await transport.sendMail({ envelope: { from, to: [to] }, raw });
  };

  const deliver = async (ins: string, raw: Buffer, envelopeFrom: string) => {
    const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
    const messageId = parsed.messageId ?? `<sans-id-${crypto.randomUUID()}@${PATIENT_MSS_DOMAIN}>`;
    const from = firstAddress(parsed.from) ?? envelopeFrom.toLowerCase();
    const references = Array.isArray(parsed.references) ? parsed.references : parsed.references ? [parsed.references] : [];
    const fin = /^\s*FIN\s*$/i.test(String(parsed.headers.get('x-mss-mes') ?? ''));
    const folder = path.join(options.dir, ins);
    fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
    const list = received.get(ins) ?? [];
    const file = path.join(folder, `${String(list.length + 1).padStart(5, '0')}.eml`);
    fs.writeFileSync(file, raw, { mode: 0o600 });
    list.push({ messageId, from, inReplyTo: parsed.inReplyTo ?? null, references, fin, file, subject: parsed.subject ?? '' });
    received.set(ins, list);
    const dnt =
      firstAddress(parsed.headers.get('disposition-notification-to') as AddressObject | undefined) ??
      (typeof parsed.headers.get('disposition-notification-to') === 'string'
        ? String(parsed.headers.get('disposition-notification-to'))
        : null);
    const space = spaces.get(ins);
    const mdnTo = space ? wantsReadReceipt(space, dnt, options.proDomains) : null;
    if (mdnTo) {
      const job = sendMdn(ins, mdnTo, { messageId, subject: parsed.subject ?? '', raw }).catch((error: unknown) => {
        fs.appendFileSync(
          path.join(options.dir, 'erreurs.log'),
          `${new Date().toISOString()} accusé de lecture non envoyé : ${String(error)}\n`,
        );
      });
      pending.add(job);
      void job.finally(() => pending.delete(job));
    }
  };

  const server = new SMTPServer({
    lmtp: true,
    name: 'mes.patient.mssante.fr',
    banner: 'Mon espace sante (bac a sable Cabinet)',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideDSN: true, // Postfix then reports the delivery itself (DSN « delivered »)
    hideENHANCEDSTATUSCODES: true, // our replies carry their own x.y.z status
    hideSMTPUTF8: true,
    size: MAX_MESSAGE_BYTES,
    maxClients: 20,
    socketTimeout: 60_000,
    logger: false,
    onConnect(session, callback) {
      if (session.remoteAddress !== '127.0.0.1' && session.remoteAddress !== '::ffff:127.0.0.1')
        return callback(refusal({ code: 554, status: '5.7.1', text: 'Connexion refusee' }));
      callback();
    },
    onMailFrom(address, _session, callback) {
      const refused = checkSender(address.address, options.proDomains);
      callback(refused ? refusal(refused) : undefined);
    },
    onRcptTo(address, _session, callback) {
      const decision = checkRecipient(address.address, spaces);
      callback('code' in decision ? refusal(decision) : undefined);
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded)
          return callback(refusal({ code: 552, status: '5.3.4', text: 'Message trop volumineux' }));
        const raw = Buffer.concat(chunks);
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const results = session.envelope.rcptTo.map(async (rcpt) => {
          const decision = checkRecipient(rcpt.address, spaces); // the space may have closed since RCPT
          if ('code' in decision) return refusal(decision);
          await deliver(decision.ins, raw, from);
          return `2.0.0 Remis dans Mon espace sante de ${decision.ins}`;
        });
        Promise.all(results).then(
          (replies) => callback(null, replies as unknown as string),
          (error: unknown) =>
            callback(refusal({ code: 451, status: '4.3.0', text: `Erreur temporaire du bac a sable : ${String(error).slice(0, 200)}` })),
        );
      });
    },
  });
  server.on('error', () => {
    /* a client that fails the handshake or drops must not bring the stand-in down */
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });

  const space = (ins: string) => {
    const key = normalizeIns(ins);
    const found = spaces.get(key);
    if (!found)
      throw new CabinetError('NOT_FOUND', `Aucun profil Mon espace santé pour l’INS ${key} dans le bac à sable : activez-le d’abord.`);
    return found;
  };

  return {
    port: options.port,
    activate(ins) {
      const key = normalizeIns(ins);
      const existing = spaces.get(key);
      spaces.set(key, { state: 'actif', readReceipts: existing?.readReceipts ?? false });
    },
    close(ins) {
      space(ins).state = 'clos';
    },
    setReadReceipts(ins, on) {
      space(ins).readReceipts = on;
    },
    async inbox(ins) {
      const key = normalizeIns(ins);
      return Promise.all((received.get(key) ?? []).map((m) => fs.promises.readFile(m.file, 'utf8')));
    },
    async send(ins, reply) {
      const key = normalizeIns(ins);
      const current = space(key);
      if (current.state !== 'actif')
        throw new CabinetError('CONFLICT', `Le profil Mon espace santé de ${key} est clos : le patient ne peut plus écrire.`);
      const to = proAddress(reply.to, options.proDomains);
      if (!to)
        throw new CabinetError('INVALID_REQUEST', `Destinataire refusé : ${reply.to} n’est pas une messagerie de professionnel MSSanté.`);
      const list = received.get(key) ?? [];
      const allowed = mayPatientReply(list, to, reply.inReplyTo);
      if (!allowed.ok) throw new CabinetError('CONFLICT', allowed.message);
      const original = allowed.thread.find((m) => bareId(m.messageId) === bareId(reply.inReplyTo))!;
      const from = `${key}@${PATIENT_MSS_DOMAIN}`;
      const messageId = `<${crypto.randomUUID()}@${PATIENT_MSS_DOMAIN}>`;
      const references = [...original.references, original.messageId].map((id) => `<${bareId(id)}>`);
      const subject = reply.subject ?? (/^re\s*:/i.test(original.subject) ? original.subject : `Re: ${original.subject}`);
      const composer = new MailComposer({
        from,
        to,
        subject,
        text: reply.text,
        messageId,
        inReplyTo: `<${bareId(original.messageId)}>`,
        references,
        headers: reply.readReceipt ? { 'Disposition-Notification-To': from } : {},
      });
      const raw = await new Promise<Buffer>((resolve, reject) =>
        composer.compile().build((error, message) => (error ? reject(error) : resolve(message))),
      );
      try {
        await transport.sendMail({ envelope: { from, to: [to] }, raw });
      } catch (error) {
        throw new CabinetError(
          'UNAVAILABLE',
          `L’opérateur a refusé la réponse du patient : ${String((error as Error).message ?? error).slice(0, 300)}`,
        );
      }
      return messageId;
    },
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      transport.close();
    },
  };
}
