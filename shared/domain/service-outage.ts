/**
 * A national service's outage, told apart from an action's failure: only a
 * network, TLS, timeout or 5xx cause means « the service is down ». A refused
 * document, a wrong PIN or an unknown patient say nothing about availability.
 * Pure rules; the health monitor (electron/app/health.ts) applies them to
 * every real call, and the renderer phrases the banner with them.
 */
import type { NationalService } from './services.js';
import { serviceLabels } from './services.js';
import { DEFAULT_PRACTICE_ZONE, formatInstant } from './civil-date.js';

export type OutageCause = 'reseau' | 'tls' | 'delai' | 'serveur';

const causes: readonly OutageCause[] = ['reseau', 'tls', 'delai', 'serveur'];
/** The mail client's reasons (electron/mss/client/imap.ts `explainMailError`) that mean the server is out of reach. */
const mailReasons: Record<string, OutageCause> = {
  injoignable: 'reseau',
  delai: 'delai',
  certificat_serveur: 'tls',
  connexion_fermee: 'reseau',
};

/** The outage cause of a failure (`{ code, details }` of a CabinetError or a Failure), or null when it is not an outage. */
export function outageCause(failure: { code?: unknown; details?: unknown } | null | undefined): OutageCause | null {
  if (!failure || failure.code !== 'UNAVAILABLE') return null;
  const details = (failure.details ?? {}) as { cause?: unknown; status?: unknown; reason?: unknown };
  if (typeof details.cause === 'string' && (causes as readonly string[]).includes(details.cause)) return details.cause as OutageCause;
  if (typeof details.status === 'number' && details.status >= 500 && details.status <= 599) return 'serveur';
  if (typeof details.reason === 'string' && mailReasons[details.reason]) return mailReasons[details.reason] ?? null;
  return null;
}

/** The practice's wall-clock time « HH:MM » (its time-zone setting, civil-date.ts). */
export function practiceTime(at: string | number | Date, timeZone: string = DEFAULT_PRACTICE_ZONE): string {
  const date = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(date.getTime())) return '';
  return formatInstant(date, timeZone, 'time');
}

export interface ServiceAvailability {
  id: NationalService;
  state: 'connecte' | 'indisponible' | 'non_configure';
  /** When it was first seen unavailable (ISO), while it is. */
  since?: string | null;
}

/** What still works while each service is down (one sentence, said in the banner). */
const queued = 'vos envois sont conservés et partiront automatiquement';
const stillWorks: Record<NationalService, string[]> = {
  insi: ['les identités déjà qualifiées restent utilisables'],
  dmp: [queued, 'les documents déjà lus restent consultables'],
  mssImap: ['les messages déjà relevés restent lisibles'],
  mssSmtp: [queued],
  annuaire: ['les destinataires déjà connus restent utilisables'],
  psc: ['la connexion par carte CPS ou certificat reste possible'],
};

/**
 * One banner line for the unavailable services among `only` (all when omitted):
 * « DMP indisponible depuis 10:42 — vos envois sont conservés et partiront automatiquement ».
 * Null when they all answer (or are not configured).
 */
export function outageBanner(
  services: readonly ServiceAvailability[],
  only?: readonly NationalService[],
  timeZone?: string,
): string | null {
  const down = services.filter((s) => s.state === 'indisponible' && (!only || only.includes(s.id)));
  if (down.length === 0) return null;
  const parts = down.map((s) => {
    const time = s.since ? practiceTime(s.since, timeZone) : '';
    return `${serviceLabels[s.id]} indisponible${time ? ` depuis ${time}` : ''}`;
  });
  const advice = [...new Set(down.flatMap((s) => stillWorks[s.id]))].join(' ; ');
  return `${parts.join(', ')} — ${advice}.`;
}
