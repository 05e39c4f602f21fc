/**
 * The compose form's rules (pure, tested): what each entry point shows
 * (title, patient first or recipients first), the quoted reply, and what the
 * form refuses before anything is sent.
 */
import { formatDateTime } from '../../format.js';
import type { PatientSummary } from '../../ins.js';
import { displayAddress } from './address.js';
import type { MssMessage } from './model.js';
import { displaySubject } from './threads.js';

export type ComposeIntent =
  | { kind: 'nouveau' }
  | { kind: 'reponse'; message: MssMessage; patient: PatientSummary | null }
  /** « Écrire au patient » from the patient's page. */
  | { kind: 'patient'; patientUid: string }
  /** « Envoyer au médecin traitant » from the patient's page: a colleague, about this patient. */
  | { kind: 'confrere'; patientUid: string };

export type ComposeErrors = Partial<Record<'to' | 'subject' | 'attachments' | 'patient', string>>;

export function composeTitle(intent: ComposeIntent): string {
  switch (intent.kind) {
    case 'reponse':
      return `Répondre : ${displaySubject(intent.message.subject)}`;
    case 'patient':
      return 'Écrire au patient';
    case 'confrere':
      return 'Envoyer au médecin traitant';
    default:
      return 'Nouveau message';
  }
}

/** Writing about a patient (from their page, or answering them): the patient first; otherwise the recipients first. */
export function patientFirst(intent: ComposeIntent): boolean {
  return intent.kind === 'patient' || intent.kind === 'confrere' || (intent.kind === 'reponse' && intent.patient !== null);
}

/** The text of a reply: the message quoted (200 lines at most) under « Le …, … a écrit : ». */
export function quote(message: Pick<MssMessage, 'from' | 'text' | 'date'>): string {
  const who = displayAddress(message.from[0] ?? {});
  const lines = (message.text ?? '').split(/\r?\n/).slice(0, 200);
  return `\n\nLe ${formatDateTime(message.date)}, ${who} a écrit :\n${lines.map((l) => `> ${l}`).join('\n')}`;
}

/** What the form refuses before sending: no recipient at all, no subject. */
export function composeErrors(input: {
  recipients: number;
  sendToPatient: boolean;
  qualifiedPatient: boolean;
  subject: string;
}): ComposeErrors {
  const errors: ComposeErrors = {};
  if (input.recipients === 0 && !input.sendToPatient) {
    errors.to = input.qualifiedPatient
      ? 'Choisissez au moins un destinataire, ou cochez « Envoyer au patient ».'
      : 'Choisissez au moins un destinataire.';
  }
  if (!input.subject.trim()) errors.subject = 'Indiquez l’objet du message.';
  return errors;
}
