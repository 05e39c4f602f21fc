/**
 * The Diagnostic's look at one national service endpoint, step by step:
 * DNS resolution, then the TCP connection and TLS handshake (certificates
 * always verified: system authorities plus the given trust), then an HTTP
 * answer whose `Date` header tells this computer's clock offset. Mail
 * endpoints (imap/smtp) stop at the greeting (probe.ts). Never throws.
 */
import dns from 'node:dns';
import https from 'node:https';
import { clockVerdict, type DiagnosticCheck } from '../../../shared/domain/diagnostic.js';
import { serviceLabels, type NationalService } from '../../../shared/domain/services.js';
import { probeEndpoint, tlsTrust } from './probe.js';

export interface EndpointInspection {
  service: NationalService;
  url: string | null;
  dns: { ok: true; addresses: string[] } | { ok: false; detail: string } | null;
  /** TLS (or mail greeting) reached and verified. */
  connected: boolean;
  connectDetail?: string;
  http: { status: number; date: string | null; offsetMs: number | null } | null;
  /** Why there is no HTTP answer although the TLS handshake succeeded (client certificate required). */
  httpDetail?: string;
}

const dnsMessage = (code: string | undefined) =>
  code === 'ENOTFOUND'
    ? 'nom de serveur introuvable'
    : code === 'EAI_AGAIN'
      ? 'serveur DNS injoignable (réseau ?)'
      : `résolution impossible (${code ?? 'erreur'})`;

function lookup(host: string, timeoutMs: number): Promise<EndpointInspection['dns']> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, detail: 'pas de réponse du serveur DNS dans le délai imparti' }), timeoutMs);
    dns.promises.lookup(host, { all: true }).then(
      (addresses) => {
        clearTimeout(timer);
        resolve({ ok: true, addresses: addresses.map((a) => a.address) });
      },
      (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ ok: false, detail: dnsMessage(error.code) });
      },
    );
  });
}

const clientCertificateAlert = (error: NodeJS.ErrnoException) =>
  /ALERT_(CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|BAD_CERTIFICATE)/.test(error.code ?? '') || /certificate required/i.test(error.message);

/** GET on the endpoint without credentials: any HTTP status is an answer (401/403/404 included). */
function httpAnswer(
  url: string,
  trust: readonly string[],
  timeoutMs: number,
  now: () => number,
): Promise<{ http: EndpointInspection['http']; error?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const sentAt = now();
    const request = https.request(
      url,
      { method: 'GET', agent: false, ...tlsTrust(trust), rejectUnauthorized: true, headers: { 'User-Agent': 'Cabinet-Diagnostic' } },
      (response) => {
        const receivedAt = now();
        response.resume();
        request.destroy();
        const date = response.headers.date ?? null;
        const serverMs = date ? Date.parse(date) : NaN;
        // The Date header is truncated to the second: the server's time was on average half a second later.
        const offsetMs = Number.isFinite(serverMs) ? Math.round(serverMs + 500 - (sentAt + receivedAt) / 2) : null;
        resolve({ http: { status: response.statusCode ?? 0, date, offsetMs } });
      },
    );
    request.setTimeout(timeoutMs, () => request.destroy(Object.assign(new Error('délai dépassé'), { code: 'ETIMEDOUT' })));
    request.once('error', (error: NodeJS.ErrnoException) => resolve({ http: null, error }));
    request.end();
  });
}

export async function inspectEndpoint(
  service: NationalService,
  url: string | null,
  trust: readonly string[],
  timeoutMs = 5000,
  now: () => number = Date.now,
): Promise<EndpointInspection> {
  if (!url) return { service, url, dns: null, connected: false, http: null };
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const resolved = await lookup(host, timeoutMs);
  if (!resolved?.ok) return { service, url, dns: resolved, connected: false, http: null };
  const probe = await probeEndpoint(url, trust, timeoutMs);
  const connected = probe.state === 'connecte';
  const base: EndpointInspection = {
    service,
    url,
    dns: resolved,
    connected,
    ...(probe.detail ? { connectDetail: probe.detail } : {}),
    http: null,
  };
  if (!connected || target.protocol !== 'https:') return base;
  const answer = await httpAnswer(url, trust, timeoutMs, now);
  if (answer.http) return { ...base, http: answer.http };
  const error = answer.error!;
  return {
    ...base,
    httpDetail: clientCertificateAlert(error)
      ? 'le service ne répond qu’aux praticiens identifiés par leur carte ou certificat (normal)'
      : `pas de réponse HTTP (${error.code ?? error.message})`,
  };
}

const ACTION_UNREACHABLE =
  'Vérifiez la connexion à Internet de ce poste. Si elle fonctionne, le service est peut-être en maintenance : Cabinet garde les envois et les fera plus tard.';
const sandboxNames: Record<NationalService, string> = {
  insi: 'insi',
  dmp: 'dmp',
  mssImap: 'mss',
  mssSmtp: 'mss',
  annuaire: 'annuaire',
  psc: 'psc',
};

/** A service on this computer is a local sandbox: say how to start it rather than to check the Internet. */
function unreachableAction(service: NationalService, url: string): string {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const local = host === 'localhost' || host === '::1' || host.startsWith('127.');
  return local
    ? `Ce service est un bac à sable sur ce poste : démarrez-le (cabinet sandbox start ${sandboxNames[service]}), puis « Relancer ».`
    : ACTION_UNREACHABLE;
}

/** Verdict on reaching the endpoint. Unreachable is « attention », not « échec »: Cabinet works offline and sends later. */
export function endpointCheck(inspection: EndpointInspection): DiagnosticCheck {
  const { service, url } = inspection;
  const base = { id: `service.${service}`, area: 'services' as const, label: `Service ${serviceLabels[service]}` };
  if (!url) {
    return {
      ...base,
      verdict: 'non-applicable',
      detail: 'Aucune adresse configurée pour cet environnement.',
      action: 'Si vous utilisez ce service, demandez son adresse à votre administrateur (fichier de configuration gérée).',
      data: { url: null },
    };
  }
  const data: DiagnosticCheck['data'] = {
    url,
    dns: inspection.dns?.ok ? inspection.dns.addresses.join(', ') : false,
    tls: inspection.connected,
    http: inspection.http?.status ?? null,
  };
  if (!inspection.dns?.ok) {
    return {
      ...base,
      verdict: 'attention',
      detail: `${url} — DNS : ${inspection.dns?.detail ?? 'non résolu'}.`,
      action: unreachableAction(service, url),
      data,
    };
  }
  if (!inspection.connected) {
    const certificate = /certificat/.test(inspection.connectDetail ?? '');
    return {
      ...base,
      verdict: certificate ? 'echec' : 'attention',
      detail: `${url} — adresse trouvée, mais ${inspection.connectDetail ?? 'connexion impossible'}.`,
      action: certificate
        ? 'Le certificat présenté par ce serveur n’est pas reconnu : Cabinet refuse de lui parler. Contactez votre administrateur (un proxy ou un antivirus qui inspecte les connexions peut en être la cause).'
        : unreachableAction(service, url),
      data,
    };
  }
  const secure =
    url.startsWith('https:') || url.startsWith('imaps:') || url.startsWith('smtps:')
      ? 'connexion sécurisée vérifiée'
      : 'serveur prêt, la connexion sera ensuite sécurisée';
  // Any HTTP status is an answer (a request without credentials is expected to be refused): the code stays in `data`.
  const answer = inspection.http ? ', le service répond' : inspection.httpDetail ? `, ${inspection.httpDetail}` : '';
  return { ...base, verdict: 'ok', detail: `Adresse trouvée, ${secure}${answer} — ${url}.`, action: '', data };
}

/** Verdict on this computer's clock measured against the endpoint (HTTPS services only). */
export function clockCheck(inspection: EndpointInspection): DiagnosticCheck | null {
  const { service, url } = inspection;
  if (!url || !url.startsWith('https:')) return null;
  const base = { id: `horloge.${service}`, area: 'horloge' as const, label: `Heure comparée à ${serviceLabels[service]}` };
  const offsetMs = inspection.http?.offsetMs ?? null;
  if (offsetMs === null) {
    const why = !inspection.connected
      ? 'le service n’a pas pu être joint'
      : inspection.http
        ? 'le service ne donne pas son heure'
        : 'ce service n’accepte que les connexions faites avec une carte CPS ou un certificat, ce que le diagnostic ne fait pas';
    return {
      ...base,
      verdict: 'non-applicable',
      detail: `Non mesurée ici : ${why}. L’heure est comparée aux autres services de cette liste.`,
      action: '',
    };
  }
  return { ...base, ...clockVerdict(offsetMs), data: { ecartMs: offsetMs } };
}
