/**
 * Builds the exact bytes of an outgoing MSSanté mail, once, before it enters
 * the outbox: the Message-ID is fixed here, so a retry re-sends the very same
 * message and the Sent-folder check can recognise it. nodemailer's
 * MailComposer writes the MIME; the MSSanté rules come from shared/domain/mss.
 */
import { randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { buildMssHeaders, isPatientMssAddress, PATIENT_MSS_DOMAIN } from '../../../shared/domain/mss/index.js';
import { XDM_FILE_NAME } from '../xdm/index.js';

export interface ComposeAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

export interface ComposeInput {
  from: string;
  to: readonly string[];
  cc?: readonly string[];
  subject: string;
  text: string;
  attachments?: readonly ComposeAttachment[];
  /** IHE_XDM.ZIP and the codes of the CDA(s) it carries (X-MSS-CODECDA, X-MSS-INS). */
  xdm?: { zip: Buffer; cdaCodes: readonly string[]; insQualifie: boolean };
  /** `Disposition-Notification-To: <from>` (read receipt). */
  readReceipt?: boolean;
  /** « Bloquer la réponse du patient »: X-MSS-MES: FIN (patient recipients only). */
  fin?: boolean;
  inReplyTo?: string;
  references?: readonly string[];
  /** X-MSS-NIL: the LPS reference. */
  nil: string;
  messageId?: string;
  date?: Date;
}

export interface ComposedMail {
  messageId: string;
  raw: Buffer;
  envelope: { from: string; to: string[] };
  /** ENVID for DSN correlation (Original-Envelope-Id). */
  envelopeId: string;
}

export const MAX_MAIL_BYTES = 20 * 1024 * 1024;
const MAX_RECIPIENTS = 50;
const ADDRESS = /^[^\s@<>()",;:\\[\]]{1,64}@[A-Za-z0-9.-]{1,253}$/;

export function newMessageId(from: string): string {
  const domain = from.split('@')[1] ?? 'cabinet.invalid';
  return `<${randomUUID()}@${domain.toLowerCase()}>`;
}

function checkAddress(a: string, role: string): string {
  const v = a.trim();
  if (!ADDRESS.test(v)) throw new CabinetError('INVALID_REQUEST', `Adresse ${role} invalide : « ${v.slice(0, 100)} ».`, { field: role });
  return v;
}

const clean = (s: string) => s.replace(/[\r\n]+/g, ' ').trim();

const CANONICAL: Record<string, string> = {
  'x-mss-nil': 'X-MSS-NIL',
  'x-mss-codecda': 'X-MSS-CODECDA',
  'x-mss-ins': 'X-MSS-INS',
  'x-mss-mes': 'X-MSS-MES',
};

/**
 * nodemailer writes header names as `X-Mss-Nil`; names are case-insensitive
 * (RFC 5322 §1.2.2), but the MSSanté texts spell them `X-MSS-NIL`, and an
 * operator's filter may compare them as written: the top-level header block
 * gets the canonical spelling.
 */
export function canonicalMssHeaderNames(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return raw;
  const head = raw
    .subarray(0, end)
    .toString('latin1')
    .replace(/^(x-mss-(?:nil|codecda|ins|mes)):/gim, (_m, name: string) => `${CANONICAL[name.toLowerCase()]}:`);
  return Buffer.concat([Buffer.from(head, 'latin1'), raw.subarray(end)]);
}

export async function composeMail(input: ComposeInput): Promise<ComposedMail> {
  const from = checkAddress(input.from, 'de l’expéditeur');
  const to = input.to.map((a) => checkAddress(a, 'du destinataire'));
  const cc = (input.cc ?? []).map((a) => checkAddress(a, 'en copie'));
  const all = [...to, ...cc];
  if (to.length === 0) throw new CabinetError('INVALID_REQUEST', 'Indiquez au moins un destinataire.', { field: 'to' });
  if (all.length > MAX_RECIPIENTS)
    throw new CabinetError('INVALID_REQUEST', `Trop de destinataires (${all.length}, ${MAX_RECIPIENTS} au plus).`);
  if (new Set(all.map((a) => a.toLowerCase())).size !== all.length)
    throw new CabinetError('INVALID_REQUEST', 'Un destinataire figure deux fois.');
  const patients = all.filter((a) => a.toLowerCase().endsWith(`@${PATIENT_MSS_DOMAIN}`));
  // One patient per message (ECO.2.1.1); a patient mail goes to the patient alone.
  if (patients.length > 1) throw new CabinetError('INVALID_REQUEST', 'Un message ne peut être adressé qu’à un seul patient.');
  for (const p of patients)
    if (!isPatientMssAddress(p)) throw new CabinetError('INVALID_REQUEST', `Adresse patient invalide (INS incorrect) : ${p}.`);
  if (input.fin && patients.length === 0)
    throw new CabinetError('INVALID_REQUEST', '« Bloquer la réponse du patient » ne s’applique qu’à un message adressé à un patient.', {
      field: 'fin',
    });
  const subject = clean(input.subject);
  if (subject === '') throw new CabinetError('INVALID_REQUEST', 'L’objet du message est vide.', { field: 'subject' });
  const mss = buildMssHeaders({
    nil: input.nil,
    cdaCodes: input.xdm?.cdaCodes ?? [],
    ...(input.xdm ? { insQualifie: input.xdm.insQualifie } : {}),
    toPatient: patients.length > 0,
    finEchange: Boolean(input.fin),
  });
  const messageId = input.messageId ?? newMessageId(from);
  if (!/^<[^<>\s]{3,250}>$/.test(messageId)) throw new CabinetError('INVALID_REQUEST', 'Message-ID invalide.');
  const headers: Record<string, string> = { ...mss };
  if (input.readReceipt) headers['Disposition-Notification-To'] = from;
  const attachments = [
    ...(input.xdm ? [{ filename: XDM_FILE_NAME, content: input.xdm.zip, contentType: 'application/zip' }] : []),
    ...(input.attachments ?? []).map((a) => ({
      filename: clean(a.filename).slice(0, 200) || 'piece-jointe',
      content: a.content,
      contentType: a.contentType,
    })),
  ];
  const composer = new MailComposer({
    from,
    to: [...to],
    ...(cc.length ? { cc: [...cc] } : {}),
    subject,
    text: input.text,
    messageId,
    date: input.date ?? new Date(),
    headers,
    attachments,
    ...(input.inReplyTo ? { inReplyTo: input.inReplyTo } : {}),
    ...(input.references?.length ? { references: [...input.references] } : {}),
    textEncoding: 'quoted-printable',
  });
  const built = await new Promise<Buffer>((resolve, reject) =>
    composer.compile().build((error, message) => (error ? reject(error) : resolve(message))),
  );
  const raw = canonicalMssHeaderNames(built);
  if (raw.length > MAX_MAIL_BYTES)
    throw new CabinetError('INVALID_REQUEST', `Message trop volumineux (${Math.round(raw.length / 1024 / 1024)} Mo, 20 Mo au plus).`);
  return { messageId, raw, envelope: { from, to: all }, envelopeId: messageId.slice(1, -1) };
}
