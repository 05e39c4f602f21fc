/**
 * Conversations for display (pure). The services give each message a thread
 * key (RFC 5322 §3.6.4: the first References entry, else In-Reply-To, else its
 * own Message-ID); here we order a conversation, count it, and show subjects
 * the way a practitioner reads them: no `Re:`/`TR:` pile, no `XDM/1.0/DDM+`
 * prefix (SC.MSS/UX.28).
 */
import { parseXdmSubject } from '../../../shared/domain/mss/subject.js';

export interface Threadable {
  id: number;
  /** Thread key, when known (summaries from the services do not carry it). */
  thread?: string | null;
  messageId: string | null;
  date: string | null;
  subject: string;
}

/**
 * Subjects written in English by mail servers (Postfix and others) on delivery reports: a French
 * practitioner reads them in French. Only exact, well-known server subjects are translated.
 */
const serverSubjects: Record<string, string> = {
  'undelivered mail returned to sender': 'Avis de non-remise : message non distribué',
  'delivery status notification (failure)': 'Avis de non-remise : message non distribué',
  'mail delivery failed: returning message to sender': 'Avis de non-remise : message non distribué',
  'successful mail delivery report': 'Avis de remise : message distribué',
  'delivery status notification (success)': 'Avis de remise : message distribué',
  'delivery status notification (delay)': 'Avis de retard : message pas encore distribué',
  'delayed mail (still being retried)': 'Avis de retard : message pas encore distribué',
};

/** The subject as shown: XDM prefix hidden, servers' delivery reports in French, empty → « (sans objet) ». */
export function displaySubject(subject: string | null | undefined): string {
  const shown = parseXdmSubject(subject ?? '').affichage.trim();
  return serverSubjects[shown.toLowerCase()] ?? (shown || '(sans objet)');
}

/** The subject of a reply: one « RE : » in front of the original subject, whatever was there before. */
export function replySubject(subject: string | null | undefined): string {
  const base = baseSubject(subject);
  return base ? `RE : ${base}` : 'RE :';
}

/** The subject without any `Re:`, `RE :`, `TR:`, `Fwd:` in front (for grouping and replies). */
export function baseSubject(subject: string | null | undefined): string {
  return displaySubject(subject)
    .replace(/^(?:\s*(?:re|tr|fwd?|réf)\s*(?:\[\d+\])?\s*:\s*)+/i, '')
    .replace(/^\(sans objet\)$/, '')
    .trim();
}

const time = (iso: string | null): number => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : t;
};

/** Oldest first; same date → by id (arrival order). */
export function byDate<T extends Threadable>(a: T, b: T): number {
  return time(a.date) - time(b.date) || a.id - b.id;
}

export interface Conversation<T extends Threadable> {
  key: string;
  /** Oldest first. */
  messages: T[];
  latest: T;
  subject: string;
}

/**
 * Groups messages into conversations, newest conversation first. A message
 * without a thread key is its own conversation. Duplicates of one Message-ID
 * (the same mail in two folders) are kept once, the first seen.
 */
export function groupThreads<T extends Threadable>(messages: readonly T[]): Conversation<T>[] {
  const groups = new Map<string, T[]>();
  const seenIds = new Set<string>();
  for (const m of messages) {
    if (m.messageId) {
      if (seenIds.has(m.messageId)) continue;
      seenIds.add(m.messageId);
    }
    const key = m.thread ?? m.messageId ?? `#${m.id}`;
    const list = groups.get(key);
    if (list) list.push(m);
    else groups.set(key, [m]);
  }
  const out: Conversation<T>[] = [];
  for (const [key, list] of groups) {
    list.sort(byDate);
    const first = list[0]!;
    const latest = list[list.length - 1]!;
    out.push({ key, messages: list, latest, subject: baseSubject(first.subject) || displaySubject(first.subject) });
  }
  return out.sort((a, b) => byDate(b.latest, a.latest));
}

/**
 * The conversation around one message, as the reading pane shows it: the
 * earlier messages (collapsed), the message itself, the later ones.
 */
export function conversationAround<T extends Threadable>(selected: T, related: readonly T[]): { before: T[]; after: T[] } {
  const others = groupThreads([selected, ...related.filter((m) => m.id !== selected.id)]).find((c) =>
    c.messages.some((m) => m.id === selected.id),
  );
  const list = (others?.messages ?? [selected]).filter((m) => m.id !== selected.id);
  return {
    before: list.filter((m) => byDate(m, selected) < 0),
    after: list.filter((m) => byDate(m, selected) > 0),
  };
}
