/**
 * Rules of the Mon espace santé stand-in (pure): who receives, who may
 * reply, when a read receipt goes back. Notes mss.md §2.4: only
 * professionals start a conversation; `X-MSS-MES: FIN` closes it; the
 * patient's mailbox is `<INS>@patient.mssante.fr`.
 */
import { PATIENT_MSS_DOMAIN, parseMssAddress } from '../../shared/domain/mss/address.js';

export type PatientSpaceState = 'actif' | 'clos';

export interface PatientSpace {
  state: PatientSpaceState;
  readReceipts: boolean;
}

/** An SMTP/LMTP reply: code, enhanced status, ASCII text (SMTP replies are 7-bit). */
export interface SmtpRefusal {
  code: number;
  status: string;
  text: string;
}

/**
 * A professional's address of the trust space: `*.mssante.fr`, or one of the
 * test operator's own domains (`*.test-mssante.fr`, which the shared address
 * rules class as outside MSSanté). Returns the lower-cased address or null.
 */
export function proAddress(raw: string, proDomains: readonly string[]): string | null {
  const parsed = parseMssAddress(raw);
  if (!parsed || parsed.domain === PATIENT_MSS_DOMAIN) return null;
  return parsed.kind === 'professionnel' || proDomains.includes(parsed.domain) ? parsed.address.toLowerCase() : null;
}

/** Is this sender allowed to write to Mon espace santé? Only the MSSanté trust space (and the null sender of reports). */
export function checkSender(sender: string, proDomains: readonly string[]): SmtpRefusal | null {
  if (sender === '') return null;
  if (!proAddress(sender, proDomains)) {
    return {
      code: 550,
      status: '5.7.1',
      text: "Expediteur refuse : seules les messageries de l'espace de confiance MSSante ecrivent aux patients",
    };
  }
  return null;
}

/**
 * May this recipient receive? Unknown INS, closed space, malformed address →
 * a permanent failure (Postfix turns it into a DSN failure with this text).
 */
export function checkRecipient(recipient: string, spaces: ReadonlyMap<string, PatientSpace>): { ins: string } | SmtpRefusal {
  const parsed = parseMssAddress(recipient);
  if (!parsed || parsed.domain !== PATIENT_MSS_DOMAIN) {
    return { code: 550, status: '5.1.2', text: `Domaine non servi ici : seul ${PATIENT_MSS_DOMAIN} l'est` };
  }
  if (!parsed.ins) {
    return { code: 550, status: '5.1.3', text: 'Adresse invalide : la partie locale doit etre un INS (matricule + cle, 15 caracteres)' };
  }
  const space = spaces.get(parsed.ins);
  if (!space) {
    return { code: 550, status: '5.1.1', text: 'Destinataire inconnu : aucun profil Mon espace sante active pour cet INS' };
  }
  if (space.state === 'clos') {
    return { code: 550, status: '5.2.1', text: 'Profil Mon espace sante clos : le patient ne recoit plus de messages' };
  }
  return { ins: parsed.ins };
}

/** What the stand-in remembers of each message a patient received. */
export interface ReceivedSummary {
  messageId: string;
  /** Lower-cased address of the professional (From header). */
  from: string;
  inReplyTo: string | null;
  references: readonly string[];
  /** `X-MSS-MES: FIN` present. */
  fin: boolean;
}

/** Message-IDs compared without angle brackets, case-sensitive (RFC 5322 msg-id). */
export const bareId = (id: string) => id.trim().replace(/^<|>$/g, '');

/**
 * May the patient reply to `inReplyTo` for `to`? Only to a message they
 * received from that professional (never a new thread), and not when the
 * thread is closed: the latest message from that professional in the
 * thread carries `X-MSS-MES: FIN`.
 */
export function mayPatientReply<T extends ReceivedSummary>(
  received: readonly T[],
  to: string,
  inReplyTo: string | undefined,
): { ok: true; thread: T[] } | { ok: false; message: string } {
  if (!inReplyTo) {
    return {
      ok: false,
      message: 'Un patient ne peut pas commencer une conversation : il répond seulement à un message reçu d’un professionnel.',
    };
  }
  const target = bareId(inReplyTo);
  const pro = to.trim().toLowerCase();
  const original = received.find((m) => bareId(m.messageId) === target);
  if (!original || original.from !== pro) {
    return {
      ok: false,
      message: `Réponse refusée : le patient n’a reçu aucun message ${target} de ${pro}. Un patient ne peut pas commencer une conversation.`,
    };
  }
  // The thread: every message from this professional linked to the original by Message-ID, In-Reply-To or References.
  const ids = new Set([target, ...original.references.map(bareId)]);
  if (original.inReplyTo) ids.add(bareId(original.inReplyTo));
  let grew = true;
  const thread = new Set<T>([original]);
  while (grew) {
    grew = false;
    for (const m of received) {
      if (thread.has(m) || m.from !== pro) continue;
      const links = [m.messageId, ...(m.inReplyTo ? [m.inReplyTo] : []), ...m.references].map(bareId);
      if (links.some((id) => ids.has(id))) {
        thread.add(m);
        for (const id of links) ids.add(id);
        grew = true;
      }
    }
  }
  const ordered = received.filter((m) => thread.has(m));
  const latest = ordered[ordered.length - 1]!;
  if (latest.fin) {
    return {
      ok: false,
      message: 'Réponse refusée : le professionnel a clos cet échange (X-MSS-MES: FIN), le patient ne peut plus y répondre.',
    };
  }
  return { ok: true, thread: ordered };
}

/** Should the stand-in send a read receipt (MDN) for this message? Only when asked and the patient's flag is on. */
export function wantsReadReceipt(
  space: PatientSpace,
  dispositionNotificationTo: string | null,
  proDomains: readonly string[],
): string | null {
  if (!space.readReceipts || space.state !== 'actif' || !dispositionNotificationTo) return null;
  return proAddress(dispositionNotificationTo, proDomains);
}
