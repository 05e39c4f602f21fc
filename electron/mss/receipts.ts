/**
 * Delivery and read receipts (notes mss.md §2.3), pure:
 * - **DSN**, RFC 3464: `multipart/report; report-type=delivery-status`, a
 *   `message/delivery-status` part (per-message fields, then one block per
 *   recipient: Final-Recipient, Action, Status, Diagnostic-Code…) and the
 *   original message or its headers;
 * - **MDN**, RFC 8098: `report-type=disposition-notification`, a
 *   `message/disposition-notification` part (Final-Recipient, Disposition,
 *   Original-Message-ID…) and the original.
 * The result carries French labels for the timeline: « remis », « échec : … »,
 * « lu »… Input is untrusted: sizes bounded, unknown values kept as written
 * (shortened), never an exception for content.
 */

export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

export interface DsnRecipient {
  finalRecipient?: string;
  originalRecipient?: string;
  /** As written, lower case (`failed`…); unknown actions are kept. */
  action: DsnAction | string;
  /** `5.1.1`. */
  status?: string;
  diagnostic?: string;
  remoteMta?: string;
  /** « remis », « échec : adresse inconnue (550 5.1.1 …) »… */
  libelle: string;
}

export interface DsnReceipt {
  type: 'DSN';
  reportingMta?: string;
  originalEnvelopeId?: string;
  arrivalDate?: string;
  recipients: DsnRecipient[];
  /** Message-ID of the message this receipt is about (from the returned original or its headers). */
  originalMessageId?: string;
  originalSubject?: string;
  /** Overall: the worst recipient outcome. */
  statut: 'remis' | 'echec' | 'en_attente' | 'relaye' | 'inconnu';
  libelle: string;
}

export type MdnType = 'displayed' | 'deleted' | 'dispatched' | 'processed';

export interface MdnReceipt {
  type: 'MDN';
  finalRecipient?: string;
  originalRecipient?: string;
  originalMessageId?: string;
  originalSubject?: string;
  reportingUa?: string;
  disposition: {
    /** `manual-action` | `automatic-action`. */
    actionMode?: string;
    /** `MDN-sent-manually` | `MDN-sent-automatically`. */
    sendingMode?: string;
    type?: MdnType | string;
    /** `error`, `failure`, `warning`… after `/`. */
    modifier?: string;
    /** The text after `Error:` (`902^Identifiant de patient inconnu^…`). */
    error?: { code?: string; texte: string };
    raw: string;
  };
  statut: 'lu' | 'supprime' | 'transmis' | 'traite' | 'erreur' | 'inconnu';
  libelle: string;
}

export type Receipt = DsnReceipt | MdnReceipt;

/** A part of a `multipart/report`, as the MIME parser gives it. */
export interface ReportPart {
  contentType: string;
  content: Buffer;
}

const MAX_REPORT_BYTES = 64 * 1024;
const MAX_RECIPIENTS = 200;
const MAX_VALUE = 500;

const short = (s: string, n = MAX_VALUE) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** Header-style fields: unfolded, blank-line separated groups; names lower case. */
export function parseFieldGroups(text: string): Map<string, string>[] {
  const groups: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let last: string | null = null;
  for (const line of text.slice(0, MAX_REPORT_BYTES).split(/\r?\n/)) {
    if (line.trim() === '') {
      if (current.size > 0) groups.push(current);
      current = new Map();
      last = null;
      if (groups.length > MAX_RECIPIENTS + 1) break;
      continue;
    }
    if (/^[ \t]/.test(line) && last !== null) {
      current.set(last, short(`${current.get(last) ?? ''} ${line.trim()}`));
      continue;
    }
    const m = /^([!-9;-~]+)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    last = (m[1] ?? '').toLowerCase();
    if (!current.has(last)) current.set(last, short((m[2] ?? '').trim()));
  }
  if (current.size > 0) groups.push(current);
  return groups;
}

/** `rfc822; a@b` → `a@b`. */
function typed(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const i = value.indexOf(';');
  return (i >= 0 ? value.slice(i + 1) : value).trim() || undefined;
}

/** The headers of an original message (a `message/rfc822` or `text/rfc822-headers` part). */
function originalHeaders(part: ReportPart | undefined): { messageId?: string; subject?: string } {
  if (!part) return {};
  const text = part.content.subarray(0, MAX_REPORT_BYTES).toString('utf8');
  const head = text.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const fields = parseFieldGroups(head)[0] ?? new Map<string, string>();
  const out: { messageId?: string; subject?: string } = {};
  const id = fields.get('message-id');
  const subject = fields.get('subject');
  if (id) out.messageId = id;
  if (subject) out.subject = subject;
  return out;
}

/** French meaning of an enhanced status code (RFC 3463), the most common ones. */
export function statusLabel(status: string | undefined): string {
  if (!status) return 'raison non précisée';
  const known: Record<string, string> = {
    '1.1': 'adresse inconnue',
    '1.2': 'domaine du destinataire inconnu',
    '1.3': 'adresse du destinataire mal formée',
    '1.6': 'le destinataire a changé d’adresse',
    '1.10': 'le domaine n’accepte pas de courriel',
    '2.1': 'boîte aux lettres désactivée',
    '2.2': 'boîte aux lettres pleine',
    '2.3': 'message trop volumineux pour ce destinataire',
    '3.4': 'message trop volumineux',
    '4.1': 'le serveur du destinataire ne répond pas',
    '4.4': 'acheminement impossible',
    '4.7': 'délai de remise dépassé',
    '7.1': 'remise refusée par le destinataire (politique de sécurité)',
    '7.0': 'refus de sécurité',
  };
  const m = /^([245])\.(\d{1,3}\.\d{1,3})$/.exec(status.trim());
  if (!m) return `code ${short(status, 20)}`;
  const label = known[m[2] ?? ''];
  if (m[1] === '2') return 'remis';
  const base = label ?? (m[1] === '4' ? 'incident temporaire' : 'erreur définitive');
  return m[1] === '4' ? `${base} (temporaire)` : base;
}

function recipientLabel(action: string, status: string | undefined, diagnostic: string | undefined): string {
  const why = diagnostic ? ` (${short(diagnostic, 200)})` : '';
  switch (action) {
    case 'delivered':
      return 'remis';
    case 'failed':
      return `échec : ${statusLabel(status)}${why}`;
    case 'delayed':
      return `en attente : remise retardée, ${statusLabel(status)}${why}`;
    case 'relayed':
      return 'relayé vers un système sans accusé de remise';
    case 'expanded':
      return 'remis à une liste de diffusion';
    default:
      return `action inconnue « ${short(action, 40)} »`;
  }
}

/** Reads a DSN from the parts of a `multipart/report; report-type=delivery-status`. Null when there is no status part. */
export function parseDsn(parts: readonly ReportPart[]): DsnReceipt | null {
  const statusPart = parts.find((p) => /^message\/(global-)?delivery-status$/i.test(p.contentType));
  if (!statusPart) return null;
  const groups = parseFieldGroups(statusPart.content.subarray(0, MAX_REPORT_BYTES).toString('utf8'));
  const perMessage = groups[0] && !groups[0].has('action') ? groups[0] : new Map<string, string>();
  const recipientGroups = groups.filter((g) => g.has('action') || g.has('final-recipient')).slice(0, MAX_RECIPIENTS);
  const recipients: DsnRecipient[] = recipientGroups.map((g) => {
    const action = (g.get('action') ?? '').toLowerCase().split(/\s/)[0] ?? '';
    const status = g.get('status')?.split(/\s/)[0];
    const diagnostic = typed(g.get('diagnostic-code'));
    const r: DsnRecipient = { action, libelle: recipientLabel(action, status, diagnostic) };
    const set = <K extends keyof DsnRecipient>(k: K, v: DsnRecipient[K] | undefined) => {
      if (v !== undefined) r[k] = v;
    };
    set('finalRecipient', typed(g.get('final-recipient')));
    set('originalRecipient', typed(g.get('original-recipient')));
    set('status', status);
    set('diagnostic', diagnostic);
    set('remoteMta', typed(g.get('remote-mta')));
    return r;
  });
  const original = originalHeaders(
    parts.find((p) => /^(message\/(global|rfc822)|text\/rfc822-headers|message\/global-headers)$/i.test(p.contentType)),
  );
  const actions = new Set(recipients.map((r) => r.action));
  const statut: DsnReceipt['statut'] = actions.has('failed')
    ? 'echec'
    : actions.has('delayed')
      ? 'en_attente'
      : actions.has('delivered') || actions.has('expanded')
        ? 'remis'
        : actions.has('relayed')
          ? 'relaye'
          : 'inconnu';
  const libelle =
    recipients.length === 1
      ? (recipients[0]?.libelle ?? '')
      : recipients.length === 0
        ? 'accusé de remise sans destinataire lisible'
        : recipients.map((r) => `${r.finalRecipient ?? '?'} : ${r.libelle}`).join(' ; ');
  const dsn: DsnReceipt = { type: 'DSN', recipients, statut, libelle };
  const reportingMta = typed(perMessage.get('reporting-mta'));
  const envid = perMessage.get('original-envelope-id');
  const arrival = perMessage.get('arrival-date');
  if (reportingMta) dsn.reportingMta = reportingMta;
  if (envid) dsn.originalEnvelopeId = envid;
  if (arrival) dsn.arrivalDate = arrival;
  if (original.messageId) dsn.originalMessageId = original.messageId;
  if (original.subject) dsn.originalSubject = original.subject;
  return dsn;
}

/** French names of the MSSanté integration error codes (HL7 ZAM, reused in MDN; notes §2.3). */
export const integrationErrors: Record<string, string> = {
  '900': 'version du message non prise en charge',
  '901': 'auteur non autorisé',
  '902': 'identifiant de patient inconnu',
  '903': 'INS absent',
  '904': 'INS discordant',
};

/** `manual-action/MDN-sent-manually; displayed`, `…; processed/Error: 902^…`. */
export function parseDisposition(raw: string): MdnReceipt['disposition'] {
  const out: MdnReceipt['disposition'] = { raw: short(raw) };
  const semi = raw.indexOf(';');
  const modes = semi >= 0 ? raw.slice(0, semi) : '';
  const rest = semi >= 0 ? raw.slice(semi + 1) : raw;
  const [actionMode, sendingMode] = modes.split('/').map((s) => s.trim());
  if (actionMode) out.actionMode = actionMode;
  if (sendingMode) out.sendingMode = sendingMode;
  const m = /^\s*([A-Za-z-]+)\s*(?:\/\s*([A-Za-z-]+)\s*(?::\s*([\s\S]*))?)?$/.exec(rest);
  if (m) {
    out.type = (m[1] ?? '').toLowerCase();
    if (m[2]) out.modifier = m[2].toLowerCase();
    if (m[3] !== undefined) {
      const texte = short(m[3].trim());
      const code = /^(\d{3})\b/.exec(texte)?.[1];
      out.error = code ? { code, texte } : { texte };
    }
  }
  return out;
}

/** Reads an MDN from the parts of a `multipart/report; report-type=disposition-notification`. */
export function parseMdn(parts: readonly ReportPart[]): MdnReceipt | null {
  const part = parts.find((p) => /^message\/(global-)?disposition-notification$/i.test(p.contentType));
  if (!part) return null;
  const fields = parseFieldGroups(part.content.subarray(0, MAX_REPORT_BYTES).toString('utf8'))[0] ?? new Map<string, string>();
  const disposition = parseDisposition(fields.get('disposition') ?? '');
  const original = originalHeaders(
    parts.find((p) => /^(message\/(global|rfc822)|text\/rfc822-headers|message\/global-headers)$/i.test(p.contentType)),
  );
  let statut: MdnReceipt['statut'];
  let libelle: string;
  if (disposition.error || disposition.modifier === 'error' || disposition.modifier === 'failure') {
    statut = 'erreur';
    const code = disposition.error?.code;
    const known = code ? integrationErrors[code] : undefined;
    const detail = disposition.error?.texte.split('^')[1]?.trim();
    libelle = `erreur d’intégration${code ? ` ${code}` : ''} : ${known ?? detail ?? disposition.error?.texte ?? 'non précisée'}`;
  } else {
    switch (disposition.type) {
      case 'displayed':
        statut = 'lu';
        libelle = 'lu';
        break;
      case 'deleted':
        statut = 'supprime';
        libelle = 'supprimé sans avoir été lu';
        break;
      case 'dispatched':
        statut = 'transmis';
        libelle = 'transmis sans avoir été lu';
        break;
      case 'processed':
        statut = 'traite';
        libelle = 'traité (intégré par le logiciel du destinataire)';
        break;
      default:
        statut = 'inconnu';
        libelle = `accusé de lecture illisible${disposition.raw ? ` (« ${short(disposition.raw, 60)} »)` : ''}`;
    }
  }
  const mdn: MdnReceipt = { type: 'MDN', disposition, statut, libelle };
  const set = <K extends keyof MdnReceipt>(k: K, v: MdnReceipt[K] | undefined) => {
    if (v !== undefined) mdn[k] = v;
  };
  set('finalRecipient', typed(fields.get('final-recipient')));
  set('originalRecipient', typed(fields.get('original-recipient')));
  set('reportingUa', typed(fields.get('reporting-ua')));
  set('originalMessageId', fields.get('original-message-id') ?? original.messageId);
  set('originalSubject', original.subject);
  return mdn;
}

/** The receipt a `multipart/report` carries, by its `report-type`. */
export function parseReceipt(reportType: string | undefined, parts: readonly ReportPart[]): Receipt | null {
  const type = (reportType ?? '').toLowerCase();
  if (type === 'delivery-status' || type === 'global-delivery-status') return parseDsn(parts);
  if (type === 'disposition-notification' || type === 'global-disposition-notification') return parseMdn(parts);
  return parseDsn(parts) ?? parseMdn(parts);
}
