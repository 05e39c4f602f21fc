/**
 * Reads one received mail (.eml, RFC 5322/MIME) with mailparser, in memory:
 * headers, X-MSS-* values, attachments, the IHE_XDM documents inside (via
 * readXdm) with their patient, and the receipt a `multipart/report` carries
 * (DSN or MDN, ./receipts.ts).
 *
 * Untrusted input: the raw size is capped before parsing; mailparser's own
 * bounds are tightened (header block, number of MIME parts); embedded
 * messages are never parsed recursively (kept as attachments); HTML is not
 * converted; a time bound applies. A mail that cannot be read at all is a
 * French INVALID_REQUEST; a part that cannot be read (a refused XDM, a
 * missing closing boundary) is a French remark in the result.
 */
import { simpleParser, type AddressObject, type Attachment, type HeaderValue, type ParsedMail, type StructuredHeader } from 'mailparser';
import { CabinetError } from '../../shared/contract/outcome.js';
import { parseMssAddress } from '../../shared/domain/mss/address.js';
import { describeMssHeaders, readMssHeaders, type MssHeaderLine, type ReadMssHeadersResult } from '../../shared/domain/mss/headers.js';
import { parseXdmSubject, type ParsedXdmSubject } from '../../shared/domain/mss/subject.js';
import { parseReceipt, type Receipt } from './receipts.js';
import { readXdm, type ReadXdmLimits, type XdmReadResult } from './xdm/index.js';

export interface ParseEmlLimits {
  /** Raw message size (MSSanté operators commonly cap attachments at 10 MB; base64 adds a third). */
  maxBytes: number;
  /** One MIME header block (mailparser `maxHeadSize`). */
  maxHeaderBytes: number;
  /** MIME parts in the whole message (mailparser `maxChildNodes`). */
  maxParts: number;
  timeBudgetMs: number;
  xdm: Partial<ReadXdmLimits>;
}

export const DEFAULT_EML_LIMITS: ParseEmlLimits = {
  maxBytes: 25 * 1024 * 1024,
  maxHeaderBytes: 64 * 1024,
  maxParts: 200,
  timeBudgetMs: 15_000,
  xdm: {},
};

export interface EmlAttachment {
  nom?: string;
  type: string;
  taille: number;
  disposition?: string;
  /** SHA-256 of the decoded content. */
  sha256: string;
}

export interface EmlXdm {
  piece: string;
  /** The archive read, contents included; or the French reason it was refused. */
  resultat?: XdmReadResult;
  erreur?: string;
}

export interface ParsedEml {
  messageId?: string;
  date?: string;
  from: string[];
  to: string[];
  cc: string[];
  subject?: string;
  /** The subject as shown: `XDM/1.0/DDM+` hidden. */
  sujet: ParsedXdmSubject;
  inReplyTo?: string;
  references: string[];
  /** `Disposition-Notification-To`: the sender asks for a read receipt (MDN). */
  accuseLectureDemandeA: string[];
  /** Recipients that are patient mailboxes, with the INS their address carries. */
  patientsDestinataires: { adresse: string; ins?: string }[];
  mss: ReadMssHeadersResult & { lignes: MssHeaderLine[] };
  pieces: EmlAttachment[];
  xdm: EmlXdm[];
  /** DSN or MDN when the mail is a `multipart/report`. */
  accuse?: Receipt;
  /** Plain text body, shortened to 20 000 characters. */
  texte?: string;
  remarques: string[];
}

const invalid = (reason: string, message: string) => new CabinetError('INVALID_REQUEST', `Courriel illisible : ${message}.`, { reason });

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const out: string[] = [];
  const walk = (entries: AddressObject['value']) => {
    for (const e of entries) {
      if (e.address) out.push(e.address);
      if (e.group) walk(e.group);
    }
  };
  for (const a of list) walk(a.value);
  return out.slice(0, 500);
}

function headerStrings(value: HeaderValue | undefined): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list
    .map((v) =>
      typeof v === 'string'
        ? v
        : v instanceof Date
          ? v.toISOString()
          : 'text' in v && typeof v.text === 'string'
            ? v.text
            : 'value' in v && typeof v.value === 'string'
              ? v.value
              : '',
    )
    .filter((s) => s !== '');
}

function looksLikeXdm(a: Attachment): boolean {
  if (/^ihe_xdm\.zip$/i.test(a.filename ?? '')) return true;
  return /zip|octet-stream/i.test(a.contentType) && a.content.subarray(0, 4).toString('latin1') === 'PK\u0003\u0004';
}

/** Checks that a multipart's closing delimiter exists in the raw text (mailparser tolerates its absence silently). */
function unterminatedBoundary(raw: Buffer, contentType: StructuredHeader | undefined): string | null {
  const boundary = contentType?.params.boundary;
  if (!contentType?.value.toLowerCase().startsWith('multipart/') || !boundary) return null;
  return raw.includes(Buffer.from(`--${boundary}--`, 'latin1')) ? null : boundary;
}

function mapParserError(error: unknown): CabinetError {
  if (error instanceof CabinetError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/head|header/i.test(message) && /size|large|exceed|max/i.test(message)) return invalid('entete', 'bloc d’en-têtes trop volumineux');
  if (/child ?nodes|nodes|parts/i.test(message)) return invalid('parties', 'trop de parties MIME (message piégé ?)');
  return invalid('mime', `structure MIME invalide (${message.slice(0, 120)})`);
}

/** Parses one .eml in memory. */
/** The MIME parse itself (mailparser), bounded in size, parts, header size and time. */
async function parseMime(raw: Buffer, l: ParseEmlLimits): Promise<ParsedMail> {
  if (raw.length === 0) throw invalid('vide', 'fichier vide');
  if (raw.length > l.maxBytes) throw invalid('taille', `plus de ${Math.round(l.maxBytes / 1024 / 1024)} Mio`);
  // A header block must come first: refuse binary junk early.
  const firstLine = raw.subarray(0, 1000).toString('latin1').split(/\r?\n/, 1)[0] ?? '';
  if (!/^[!-9;-~]+:/.test(firstLine) && !/^From /.test(firstLine))
    throw invalid('entete', 'le fichier ne commence pas par des en-têtes de courriel');

  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      simpleParser(raw, {
        skipHtmlToText: true,
        skipTextToHtml: true,
        skipImageLinks: true,
        skipTextLinks: true,
        keepCidLinks: true,
        keepDeliveryStatus: true,
        ignoreEmbedded: true,
        maxHtmlLengthToParse: 1024 * 1024,
        maxHeadSize: l.maxHeaderBytes,
        maxChildNodes: l.maxParts,
        checksumAlgo: 'sha256',
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(invalid('delai', `analyse trop longue (plus de ${l.timeBudgetMs} ms)`)), l.timeBudgetMs);
      }),
    ]);
  } catch (error) {
    throw mapParserError(error);
  } finally {
    clearTimeout(timer);
  }
}

/** One attachment's bytes, by its position in {@link ParsedEml.pieces}. */
export async function emlAttachment(
  raw: Buffer,
  index: number,
  limits: Partial<ParseEmlLimits> = {},
): Promise<{ filename: string; contentType: string; content: Buffer }> {
  const mail = await parseMime(raw, { ...DEFAULT_EML_LIMITS, ...limits });
  const a = mail.attachments[index];
  if (!a) throw new CabinetError('NOT_FOUND', 'Cette pièce jointe n’existe pas dans le message.');
  return { filename: (a.filename ?? `piece-${index + 1}`).slice(0, 255), contentType: a.contentType, content: a.content };
}

export async function parseEml(raw: Buffer, limits: Partial<ParseEmlLimits> = {}): Promise<ParsedEml> {
  const l: ParseEmlLimits = { ...DEFAULT_EML_LIMITS, ...limits };
  const mail = await parseMime(raw, l);

  const remarques: string[] = [];
  const contentType = mail.headers.get('content-type') as StructuredHeader | undefined;
  const open = unterminatedBoundary(raw, contentType);
  if (open !== null)
    remarques.push(
      `Structure MIME incomplète : la limite de fin « --${open.slice(0, 70)}-- » est absente (message tronqué ?). Les parties lues sont affichées.`,
    );

  const pieces: EmlAttachment[] = mail.attachments.map((a) => {
    const p: EmlAttachment = { type: a.contentType, taille: a.size, sha256: a.checksum };
    if (a.filename) p.nom = a.filename.slice(0, 255);
    if (a.contentDisposition) p.disposition = a.contentDisposition;
    return p;
  });

  const xdm: EmlXdm[] = [];
  for (const a of mail.attachments.filter(looksLikeXdm).slice(0, 5)) {
    const piece = a.filename ?? `(pièce ${a.partId ?? '?'})`;
    try {
      xdm.push({ piece, resultat: await readXdm(a.content, l.xdm) });
    } catch (error) {
      xdm.push({ piece, erreur: error instanceof CabinetError ? error.message : 'Archive IHE_XDM illisible : erreur inattendue.' });
    }
  }
  const hasCda = xdm.some((x) => x.resultat?.documents.some((d) => d.cda !== undefined))
    ? true
    : xdm.some((x) => x.erreur)
      ? undefined
      : false;

  const mss = readMssHeaders((name) => headerStrings(mail.headers.get(name.toLowerCase())), hasCda);
  const to = addresses(mail.to);
  const cc = addresses(mail.cc);
  const patientsDestinataires = [...to, ...cc]
    .map((a) => parseMssAddress(a))
    .filter((p) => p?.kind === 'patient')
    .map((p) => (p?.ins ? { adresse: p.address, ins: p.ins } : { adresse: p?.address ?? '' }));
  if (mss.headers.mes === 'FIN' && patientsDestinataires.length === 0)
    remarques.push('X-MSS-MES: FIN sur un message qui n’est adressé à aucun patient.');
  for (const p of patientsDestinataires)
    if (!p.ins) remarques.push(`Adresse patient ${p.adresse} : la partie locale n’est pas un INS valide.`);
  for (const x of xdm) {
    const ins = x.resultat?.patient?.ins?.valeur;
    if (ins && patientsDestinataires.length > 0 && !patientsDestinataires.some((p) => p.ins === ins)) {
      remarques.push(
        `Le patient des documents (INS ${ins}) n’est pas le patient destinataire (${patientsDestinataires.map((p) => p.adresse).join(', ')}).`,
      );
    }
  }

  let accuse: Receipt | undefined;
  if (contentType?.value.toLowerCase() === 'multipart/report') {
    const parts = mail.attachments.map((a) => ({ contentType: a.contentType, content: a.content }));
    accuse = parseReceipt(contentType.params['report-type'], parts) ?? undefined;
    if (!accuse) remarques.push('Rapport (multipart/report) sans partie d’état lisible.');
  }

  const references = headerStrings(mail.headers.get('references'))
    .flatMap((r) => r.split(/\s+/))
    .filter((r) => r !== '')
    .slice(0, 100);
  const dnt = mail.headers.get('disposition-notification-to');
  const result: ParsedEml = {
    from: addresses(mail.from),
    to,
    cc,
    sujet: parseXdmSubject(mail.subject),
    references,
    accuseLectureDemandeA:
      dnt && typeof dnt === 'object' && 'value' in dnt && Array.isArray(dnt.value) ? addresses(dnt as AddressObject) : headerStrings(dnt),
    patientsDestinataires,
    mss: { ...mss, lignes: describeMssHeaders(mss.headers) },
    pieces,
    xdm,
    remarques,
  };
  if (mail.messageId) result.messageId = mail.messageId;
  if (mail.date && mail.headers.has('date') && !Number.isNaN(mail.date.getTime())) result.date = mail.date.toISOString();
  if (mail.subject !== undefined) result.subject = mail.subject;
  if (mail.inReplyTo) result.inReplyTo = mail.inReplyTo;
  if (accuse) result.accuse = accuse;
  if (mail.text) result.texte = mail.text.length > 20_000 ? `${mail.text.slice(0, 20_000)}…` : mail.text;
  return result;
}
