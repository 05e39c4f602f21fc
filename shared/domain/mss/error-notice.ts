/**
 * The ANS « courriel standard » error notice (HL7v2 / MSSanté implementation
 * guide, struct-email-standard; notes: shared/reference/notes/mss.md §2.3):
 * when the receiving software cannot integrate a document and no MDN was
 * asked for, it answers with an ordinary mail whose subject starts with
 * `[Erreur d’intégration !][CODE]` (the MDN variant: `[KO Intégration
 * système !][CODE]`). The codes are the HL7 integration error codes.
 */
export const integrationErrorCodes: Record<string, string> = {
  '900': 'version du format non prise en charge',
  '901': 'auteur non autorisé',
  '902': 'identifiant de patient inconnu',
  '903': 'INS absent',
  '904': 'INS discordant',
  '905': 'erreur d’intégration (code 905)',
};

export interface ErrorNotice {
  code: string;
  meaning: string;
  /** The rest of the subject (usually the original subject, e.g. `XDM/1.0/DDM+…`). */
  originalSubject: string;
}

const NOTICE = /^\s*\[(?:Erreur d['’]int[ée]gration|KO Int[ée]gration syst[èe]me)\s*!\s*\]\s*\[(\d{3})\]\s*(.*)$/i;

/** The error notice's code and meaning, or null for any other subject. */
export function parseErrorNotice(subject: string | null | undefined): ErrorNotice | null {
  const match = NOTICE.exec((subject ?? '').slice(0, 2000));
  if (!match) return null;
  const code = match[1]!;
  return { code, meaning: integrationErrorCodes[code] ?? `erreur d’intégration (code ${code})`, originalSubject: match[2]!.trim() };
}

/** The French line shown in the mail's timeline. */
export function errorNoticeLabel(notice: ErrorNotice): string {
  return `Erreur d’intégration ${notice.code} chez le destinataire : ${notice.meaning}`;
}
