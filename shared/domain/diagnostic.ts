/**
 * The « Diagnostic »: what a practitioner, an administrator or support needs
 * to know about this post, each check with a French verdict and what to do.
 * Pure: thresholds and wording here (tested beside), the I/O that measures
 * in electron/platform/diagnostics/checks.ts and the services' own folders.
 */

export const diagnosticVerdicts = ['ok', 'attention', 'echec', 'non-applicable'] as const;
export type DiagnosticVerdict = (typeof diagnosticVerdicts)[number];

/** A word for each verdict: the report must read in black and white. */
export const verdictLabels: Record<DiagnosticVerdict, string> = {
  ok: 'OK',
  attention: 'Attention',
  echec: 'Échec',
  'non-applicable': 'Non applicable',
};

export const diagnosticAreas = ['carte', 'certificats', 'services', 'horloge', 'poste'] as const;
export type DiagnosticArea = (typeof diagnosticAreas)[number];

export const areaLabels: Record<DiagnosticArea, string> = {
  carte: 'Carte CPS et lecteur',
  certificats: 'Certificats',
  horloge: 'Heure de l’ordinateur',
  services: 'Services nationaux',
  poste: 'Ce poste (trousseau, base, disque, envois)',
};

export interface DiagnosticCheck {
  id: string;
  area: DiagnosticArea;
  /** What is checked, in French. */
  label: string;
  verdict: DiagnosticVerdict;
  /** What was found, in French. */
  detail: string;
  /** What to do, in French ('' when nothing). */
  action: string;
  /** Measured values, for scripts (`--json`); never a secret, never patient data. */
  data?: Record<string, string | number | boolean | null>;
}

export type VerdictOnly = Pick<DiagnosticCheck, 'verdict' | 'detail' | 'action'>;

export interface DiagnosticReport {
  generatedAt: string;
  version: string;
  env: string;
  host: string;
  /** Whether a practitioner's session was open: without one, nothing personal is checked. */
  personal: boolean;
  checks: DiagnosticCheck[];
  /** Worst verdict: 'echec' if any, else 'attention' if any, else 'ok'. */
  overall: 'ok' | 'attention' | 'echec';
}

export function overallVerdict(checks: readonly Pick<DiagnosticCheck, 'verdict'>[]): DiagnosticReport['overall'] {
  if (checks.some((c) => c.verdict === 'echec')) return 'echec';
  if (checks.some((c) => c.verdict === 'attention')) return 'attention';
  return 'ok';
}

// ---------------------------------------------------------------- clock

/** A VIHF (SAML assertion) is valid a few minutes around its issue instant: beyond this the services refuse it. */
export const CLOCK_FAIL_MS = 5 * 60_000;
export const CLOCK_WARN_MS = 60_000;

function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${String(m % 60).padStart(2, '0')} min` : `${Math.floor(h / 24)} jours`;
}

/**
 * `offsetMs` = the service's clock minus this computer's (positive: this
 * computer is late). The HTTP Date header has a 1-second resolution.
 */
export function clockVerdict(offsetMs: number): VerdictOnly {
  const abs = Math.abs(offsetMs);
  const way = offsetMs > 0 ? 'en retard' : 'en avance';
  const fix =
    'Réglez l’heure de l’ordinateur en mode automatique (Windows : Paramètres › Heure et langue › « Régler l’heure automatiquement » ; macOS : Réglages › Général › Date et heure ; Linux : timedatectl set-ntp true).';
  if (abs > CLOCK_FAIL_MS) {
    return {
      verdict: 'echec',
      detail: `L’ordinateur est ${way} de ${duration(offsetMs)} sur ce service : les services nationaux refusent l’identité signée (VIHF), valable quelques minutes seulement autour de l’heure de sa signature.`,
      action: fix,
    };
  }
  if (abs > CLOCK_WARN_MS) {
    return {
      verdict: 'attention',
      detail: `L’ordinateur est ${way} de ${duration(offsetMs)} sur ce service. Au-delà de 5 minutes, l’identité signée (VIHF) est refusée.`,
      action: fix,
    };
  }
  return { verdict: 'ok', detail: `L’heure de l’ordinateur est juste (écart : ${duration(offsetMs)} ; tolérance : 1 minute).`, action: '' };
}

// ---------------------------------------------------------------- disk

export const DISK_FAIL_BYTES = 200 * 1024 * 1024;
export const DISK_WARN_BYTES = 1024 * 1024 * 1024;

export function formatBytes(bytes: number): string {
  const units = ['octets', 'Ko', 'Mo', 'Go', 'To'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text = unit === 0 ? String(Math.round(value)) : value.toLocaleString('fr-FR', { maximumFractionDigits: value < 10 ? 1 : 0 });
  return `${text} ${units[unit]}`;
}

export function diskVerdict(freeBytes: number, totalBytes: number): VerdictOnly {
  const detail = `${formatBytes(freeBytes)} libres sur ${formatBytes(totalBytes)}.`;
  if (freeBytes < DISK_FAIL_BYTES) {
    return {
      verdict: 'echec',
      detail: `${detail} La base locale et les documents reçus ne peuvent plus être enregistrés sans risque.`,
      action: 'Libérez de la place sur ce disque (au moins 1 Go) puis relancez le diagnostic.',
    };
  }
  if (freeBytes < DISK_WARN_BYTES) {
    return {
      verdict: 'attention',
      detail: `${detail} Il reste peu de place pour la base locale et les documents.`,
      action: 'Libérez de la place sur ce disque (au moins 1 Go conseillé).',
    };
  }
  return { verdict: 'ok', detail, action: '' };
}

// ---------------------------------------------------------------- outbox

/** A pending send older than this means the service has been unreachable for a while. */
export const OUTBOX_STALE_MS = 60 * 60_000;

export interface OutboxBacklog {
  enAttente: number;
  enCours: number;
  echec: number;
  /** Age of the oldest action still waiting or being sent, null when none. */
  oldestPendingMs: number | null;
}

export function outboxVerdict(backlog: OutboxBacklog): VerdictOnly {
  const pending = backlog.enAttente + backlog.enCours;
  const counts = `${pending} envoi(s) en attente, ${backlog.echec} en échec.`;
  if (backlog.echec > 0) {
    return {
      verdict: 'attention',
      detail: `${counts} Un envoi en échec n’est plus retenté automatiquement.`,
      action: 'Ouvrez l’écran Envois : lisez la dernière erreur de chaque envoi en échec, puis « Réessayer maintenant ».',
    };
  }
  if (pending > 0 && backlog.oldestPendingMs !== null && backlog.oldestPendingMs > OUTBOX_STALE_MS) {
    return {
      verdict: 'attention',
      detail: `${counts} Le plus ancien attend depuis ${duration(backlog.oldestPendingMs)} : le service destinataire ne répond pas depuis longtemps.`,
      action: 'Vérifiez ci-dessus l’état des services nationaux et la connexion à Internet ; les envois partiront seuls dès leur retour.',
    };
  }
  return {
    verdict: 'ok',
    detail: pending > 0 ? `${counts} Le plus ancien attend depuis ${duration(backlog.oldestPendingMs ?? 0)}.` : 'Aucun envoi en attente.',
    action: '',
  };
}

// ---------------------------------------------------------------- certificates

export const CERT_WARN_DAYS = 30;
const DAY_MS = 24 * 3600_000;

const dateFr = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Paris' });
export const frenchDay = (date: Date): string => dateFr.format(date);

/** The practitioner's certificate validity window. */
export function certificateExpiryVerdict(notBefore: Date, notAfter: Date, now: Date): VerdictOnly {
  if (now < notBefore) {
    return {
      verdict: 'echec',
      detail: `Certificat valable seulement à partir du ${frenchDay(notBefore)}.`,
      action: 'Vérifiez l’heure de l’ordinateur ; sinon, utilisez votre carte précédente jusqu’à cette date.',
    };
  }
  const left = notAfter.getTime() - now.getTime();
  if (left <= 0) {
    return {
      verdict: 'echec',
      detail: `Certificat expiré le ${frenchDay(notAfter)} : les services nationaux le refusent.`,
      action: 'Commandez une nouvelle carte CPS (ou un nouveau certificat) auprès de l’ANS (espace CPS sur esante.gouv.fr).',
    };
  }
  const days = Math.floor(left / DAY_MS);
  if (days < CERT_WARN_DAYS) {
    return {
      verdict: 'attention',
      detail: `Certificat valable jusqu’au ${frenchDay(notAfter)} (encore ${days} jour(s)).`,
      action: 'Vérifiez que votre nouvelle carte CPS est commandée : elle est normalement envoyée avant l’expiration.',
    };
  }
  return { verdict: 'ok', detail: `Certificat valable jusqu’au ${frenchDay(notAfter)}.`, action: '' };
}

/** Warn when a CRL expires within this delay: it should have been refreshed already. */
export const CRL_WARN_MS = 24 * 3600_000;

export function crlVerdict(crls: readonly { issuer: string; thisUpdate: Date; nextUpdate: Date | null }[], now: Date): VerdictOnly {
  if (crls.length === 0) {
    return {
      verdict: 'attention',
      detail: 'Aucune liste de révocation (CRL) n’est installée : la révocation des cartes ne peut pas être vérifiée.',
      action: 'Demandez à votre administrateur d’installer les CRL de l’IGC-Santé dans le dossier de confiance.',
    };
  }
  const stale = crls.filter((c) => c.nextUpdate !== null && c.nextUpdate.getTime() <= now.getTime());
  if (stale.length > 0) {
    return {
      verdict: 'echec',
      detail: `Liste(s) de révocation périmée(s) : ${stale.map((c) => `« ${c.issuer} » (à renouveler depuis le ${frenchDay(c.nextUpdate!)})`).join(', ')}. Les certificats qu’elles couvrent ne peuvent pas être vérifiés.`,
      action: 'Mettez à jour les CRL de l’IGC-Santé dans le dossier de confiance (votre administrateur ou votre prestataire informatique).',
    };
  }
  const soon = crls.filter((c) => c.nextUpdate !== null && c.nextUpdate.getTime() - now.getTime() < CRL_WARN_MS);
  if (soon.length > 0) {
    return {
      verdict: 'attention',
      detail: `Liste(s) de révocation bientôt périmée(s) : ${soon.map((c) => `« ${c.issuer} »`).join(', ')} (moins de 24 h).`,
      action: 'Vérifiez que la mise à jour automatique des CRL fonctionne.',
    };
  }
  return { verdict: 'ok', detail: `${crls.length} liste(s) de révocation à jour.`, action: '' };
}

// ---------------------------------------------------------------- report text

function line(check: DiagnosticCheck): string {
  const parts = [`[${verdictLabels[check.verdict]}] ${check.label} : ${check.detail}`];
  if (check.action) parts.push(`    À faire : ${check.action}`);
  return parts.join('\n');
}

/**
 * The plain-text report « Copier le rapport » puts on the clipboard, for
 * support. `redact` is the trace redaction (secrets); the checks never carry
 * patient data to begin with.
 */
export function reportText(report: DiagnosticReport, redact: (text: string) => string = (t) => t): string {
  const summary = {
    ok: 'Tout est en ordre.',
    attention: 'Au moins un point demande votre attention.',
    echec: 'Au moins une vérification a échoué.',
  }[report.overall];
  const out = [
    `Rapport de diagnostic Cabinet — ${report.generatedAt}`,
    `Version ${report.version} — environnement ${report.env} — ${report.host}`,
    report.personal
      ? 'Session ouverte : certificats du praticien vérifiés.'
      : 'Aucune session ouverte : les certificats du praticien ne sont pas vérifiés.',
    `Résultat : ${summary}`,
  ];
  for (const area of diagnosticAreas) {
    const checks = report.checks.filter((c) => c.area === area);
    if (checks.length === 0) continue;
    out.push('', `== ${areaLabels[area]} ==`, ...checks.map(line));
  }
  return redact(out.join('\n'));
}
