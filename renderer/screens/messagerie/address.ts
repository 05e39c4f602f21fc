/**
 * Addresses as the Messagerie shows them (pure): a display name when the
 * mail carries one, the address otherwise; patient mailboxes (Mon espace
 * santé, `<INS>@patient.mssante.fr`) recognised so that the screen can mark
 * them; short recipient lists (« Dr Martin, Dr Durand et 2 autres »).
 */
import { formatIns } from '../../../shared/domain/ins/matricule.js';
import { parseMssAddress, type MssAddressKind } from '../../../shared/domain/mss/address.js';

export interface MailAddress {
  name?: string | null;
  address?: string | null;
}

/** A display name without quotes, angle brackets or control characters; empty when there is none. */
export function cleanName(name: string | null | undefined): string {
  return (name ?? '')
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .replace(/^["'\s]+|["'\s]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** `Dr Marie MARTIN` when named (and the name is not just the address again), else the address. */
export function displayAddress(a: MailAddress): string {
  const name = cleanName(a.name);
  const address = (a.address ?? '').trim();
  if (name && name.toLowerCase() !== address.toLowerCase()) return name;
  return address || 'expéditeur inconnu';
}

/** `Dr Marie MARTIN <marie.martin@cabinet.test-mssante.fr>` (full form, for headers and tooltips). */
export function fullAddress(a: MailAddress): string {
  const name = cleanName(a.name);
  const address = (a.address ?? '').trim();
  if (!address) return name || 'adresse inconnue';
  return name && name.toLowerCase() !== address.toLowerCase() ? `${name} <${address}>` : address;
}

export function addressKind(a: MailAddress | string): MssAddressKind | null {
  const raw = typeof a === 'string' ? a : (a.address ?? '');
  return parseMssAddress(raw)?.kind ?? null;
}

/** The INS a patient mailbox carries (key checked), or null. */
export function patientInsOf(a: MailAddress | string): string | null {
  const raw = typeof a === 'string' ? a : (a.address ?? '');
  return parseMssAddress(raw)?.ins ?? null;
}

/** Whether any address of the list is a patient mailbox. */
export function involvesPatient(list: readonly MailAddress[]): boolean {
  return list.some((a) => addressKind(a) === 'patient');
}

/** `2 55 08 75 123 456 — 45`: the INS grouped as it is read aloud (display only). */
export function formatInsValue(ins: string): string {
  return formatIns(ins);
}

/** « Dr Martin », « Dr Martin et Dr Durand », « Dr Martin, Dr Durand et 2 autres ». */
export function shortList(list: readonly MailAddress[], shown = 2): string {
  const names = list.map(displayAddress);
  if (names.length === 0) return 'aucun destinataire';
  if (names.length === 1) return names[0] ?? '';
  if (names.length <= shown) return `${names.slice(0, -1).join(', ')} et ${names[names.length - 1] ?? ''}`;
  const rest = names.length - shown;
  return `${names.slice(0, shown).join(', ')} et ${rest} ${rest > 1 ? 'autres' : 'autre'}`;
}

/** Two letters for an avatar-like mark: « MM » for Marie Martin, « MA » for martin@… */
export function initials(a: MailAddress): string {
  const name = cleanName(a.name).replace(/^(dr|pr|mme|m\.|docteur|professeur)\s+/i, '');
  const words = name.split(/\s+/).filter((w) => /\p{L}/u.test(w));
  if (words.length >= 2) return `${words[0]?.[0] ?? ''}${words[words.length - 1]?.[0] ?? ''}`.toLocaleUpperCase('fr-FR');
  const base = words[0] ?? (a.address ?? '?').split('@')[0] ?? '?';
  return base.slice(0, 2).toLocaleUpperCase('fr-FR');
}
