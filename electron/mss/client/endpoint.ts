/**
 * MSSanté operator endpoints from the configuration (`imaps://host[:port]`,
 * `imap://host[:port]` = STARTTLS, `smtps://…`, `smtp://…` = STARTTLS).
 * Pure: no I/O.
 */
import { CabinetError } from '../../../shared/contract/outcome.js';

export interface MailEndpoint {
  host: string;
  port: number;
  /** Implicit TLS (imaps/smtps); false = STARTTLS, which is then required. */
  secure: boolean;
}

const DEFAULT_PORTS: Record<string, number> = { 'imaps:': 993, 'imap:': 143, 'smtps:': 465, 'smtp:': 587 };

export function parseMailEndpoint(url: string | null | undefined, kind: 'imap' | 'smtp'): MailEndpoint {
  const what = kind === 'imap' ? 'IMAP (réception)' : 'SMTP (envoi)';
  if (!url)
    throw new CabinetError('UNAVAILABLE', `Le serveur ${what} de la messagerie MSSanté n’est pas configuré pour cet environnement.`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CabinetError('CONFIG_INVALID', `Adresse du serveur ${what} invalide : ${url}`);
  }
  const allowed = kind === 'imap' ? ['imaps:', 'imap:'] : ['smtps:', 'smtp:'];
  if (!allowed.includes(parsed.protocol))
    throw new CabinetError('CONFIG_INVALID', `Adresse du serveur ${what} invalide : ${allowed.join(' ou ')} attendu.`);
  if (parsed.username || parsed.password)
    throw new CabinetError('CONFIG_INVALID', `L’adresse du serveur ${what} ne doit pas contenir d’identifiant.`);
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORTS[parsed.protocol]!;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return { host, port, secure: parsed.protocol.endsWith('s:') };
}
