/**
 * Annuaire Santé FHIR client: finds MSSanté recipients by name, RPPS /
 * idNat_PS and city. HTTPS only, the server certificate always verified
 * (system authorities + CABINET_EXTRA_CA, + the test PKI in the sandbox),
 * the API key in `ESANTE-API-KEY`, a deadline and a size limit on every
 * answer, redirects never followed, next links only on the same origin.
 *
 * Two searches run side by side (the API has no system-level search):
 * - `Practitioner?name=…` (or `identifier=…`) with their roles
 *   (`_revinclude=PractitionerRole:practitioner`) and the roles' structures
 *   (`_include:iterate=PractitionerRole:organization`): PER and CAB mailboxes;
 * - `Organization?name:contains=…[&address-city=…]`: ORG and APP mailboxes.
 * Mailbox types and the city of practitioners are filtered here (the live API
 * does not expose `mailbox-mss-type` yet, per the MSSanté FHIR IG).
 * Answers are cached (LRU, a few minutes): the picker asks again as you type.
 */
import https from 'node:https';
import { CabinetError } from '../../shared/contract/outcome.js';
import type { AnnuaireSearchQuery, AnnuaireSearchResult, Recipient } from '../../shared/contract/annuaire.js';
import { API_KEY_HEADER, IDNAT_PS_SYSTEM, isIdNatPs, isRpps, RPPS_SYSTEM } from '../../shared/domain/annuaire/fhir.js';
import { httpsAgent, type TlsTrustSettings } from '../platform/tls/client.js';
import { operationOutcome, searchBundle, type SearchBundle } from './fhir-schemas.js';
import { collectResources, toRecipients } from './recipients.js';

export const DEFAULT_TIMEOUT_MS = 8_000;
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const MAX_PAGES = 3;

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** One GET. Injected in tests to serve malformed answers. */
export type HttpGet = (url: URL, headers: Record<string, string>, signal: AbortSignal | undefined) => Promise<HttpAnswer>;

export interface AnnuaireClientOptions {
  /** e.g. `https://gateway.api.esante.gouv.fr/fhir/v2`. */
  baseUrl: string;
  apiKey: string;
  trust: TlsTrustSettings;
  timeoutMs?: number;
  maxResponseBytes?: number;
  cacheSize?: number;
  cacheTtlMs?: number;
  get?: HttpGet;
  now?: () => number;
}

export const annuaireMessages = {
  unavailable: 'L’Annuaire Santé ne répond pas. Vérifiez la connexion, ou saisissez l’adresse MSSanté complète.',
  timeout: 'L’Annuaire Santé n’a pas répondu à temps. Réessayez, ou saisissez l’adresse MSSanté complète.',
  untrusted: 'Le certificat du serveur de l’Annuaire Santé n’est pas reconnu : connexion refusée.',
  apiKey: 'L’Annuaire Santé a refusé la clé d’accès (ESANTE-API-KEY). Vérifiez CABINET_ANNUAIRE_API_KEY ou le fichier de configuration.',
  invalid: 'Réponse de l’Annuaire Santé illisible : la recherche n’a pas abouti.',
  tooLarge: 'Réponse de l’Annuaire Santé trop volumineuse : abandon.',
  refused: 'L’Annuaire Santé a refusé la recherche',
  notFound: 'Adresse de l’Annuaire Santé incorrecte (ressource introuvable). Vérifiez la configuration.',
  busy: 'L’Annuaire Santé est surchargé (trop de requêtes). Réessayez dans un instant.',
} as const;

function transportError(error: NodeJS.ErrnoException): CabinetError {
  const code = error.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code)) return new CabinetError('UNAVAILABLE', annuaireMessages.untrusted, { code });
  return new CabinetError('UNAVAILABLE', annuaireMessages.unavailable, { code: code || 'ERREUR_RESEAU' });
}

/** Node https GET over the verified agent, with a deadline for the whole exchange and a size limit. */
export function nodeGet(agent: https.Agent, timeoutMs: number, maxBytes: number): HttpGet {
  return (url, headers, signal) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      if (url.protocol !== 'https:') return reject(new CabinetError('CONFIG_INVALID', 'Adresse de l’Annuaire Santé non https : refusée.'));
      let settled = false;
      const finish = (error: CabinetError | null, answer?: HttpAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error) {
          request.destroy();
          reject(error);
        } else resolve(answer!);
      };
      const onAbort = () => finish(new CabinetError('CONFLICT', 'Recherche annulée.', { reason: 'annulee' }));
      const request = https.request(url, { method: 'GET', agent, headers, rejectUnauthorized: true }, (response) => {
        if (Number(response.headers['content-length'] ?? '0') > maxBytes)
          return finish(new CabinetError('UNAVAILABLE', annuaireMessages.tooLarge));
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) return finish(new CabinetError('UNAVAILABLE', annuaireMessages.tooLarge));
          chunks.push(chunk);
        });
        response.on('end', () =>
          finish(null, {
            status: response.statusCode ?? 0,
            contentType: String(response.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', (error) => finish(transportError(error)));
        response.on('aborted', () => finish(new CabinetError('UNAVAILABLE', annuaireMessages.unavailable, { code: 'ECONNRESET' })));
      });
      // Registered first: destroying the request on a deadline or a cancel emits an error that is already settled.
      request.on('error', (error) => finish(transportError(error)));
      const timer = setTimeout(
        () => finish(new CabinetError('UNAVAILABLE', annuaireMessages.timeout, { code: 'ETIMEDOUT', timeoutMs })),
        timeoutMs,
      );
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      request.end();
    });
}

/** A small LRU with a lifetime per entry. */
export class LruCache<V> {
  private readonly map = new Map<string, { value: V; expiresAt: number }>();
  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}
  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    this.map.delete(key);
    if (hit.expiresAt <= this.now()) return undefined;
    this.map.set(key, hit);
    return hit.value;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, { value, expiresAt: this.now() + this.ttlMs });
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
  }
  get size(): number {
    return this.map.size;
  }
  clear(): void {
    this.map.clear();
  }
}

/** Words of a name search: at most 4, each 1–40 characters. */
export function nameWords(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((w) => w.trim())
    .filter(Boolean)
    .slice(0, 4)
    .map((w) => w.slice(0, 40));
}

/** The two search URLs for a query (exported for tests). */
export function searchUrls(base: string, query: AnnuaireSearchQuery): { practitioners: URL | null; organizations: URL | null } {
  const text = query.text.trim();
  const count = String(Math.min(100, Math.max(query.limit, 10)));
  const wantsPeople = !query.types || query.types.some((t) => t === 'PER' || t === 'CAB');
  const wantsStructures = !query.types || query.types.some((t) => t === 'ORG' || t === 'APP');
  const byNumber = isRpps(text) || isIdNatPs(text);

  let practitioners: URL | null = null;
  if (wantsPeople || byNumber) {
    practitioners = new URL(`${base}/Practitioner`);
    const p = practitioners.searchParams;
    if (isRpps(text)) p.append('identifier', `${RPPS_SYSTEM}|${text}`);
    else if (isIdNatPs(text)) p.append('identifier', `${IDNAT_PS_SYSTEM}|${text}`);
    else for (const word of nameWords(text)) p.append('name', word);
    p.append('_revinclude', 'PractitionerRole:practitioner');
    p.append('_include:iterate', 'PractitionerRole:organization');
    p.append('_count', count);
  }
  let organizations: URL | null = null;
  if (wantsStructures && !byNumber) {
    organizations = new URL(`${base}/Organization`);
    const o = organizations.searchParams;
    for (const word of nameWords(text)) o.append('name:contains', word);
    if (query.city) o.append('address-city', query.city);
    o.append('_count', count);
  }
  return { practitioners, organizations };
}

export class AnnuaireClient {
  private readonly base: URL;
  private readonly get: HttpGet;
  private readonly agent: https.Agent | null;
  private readonly cache: LruCache<AnnuaireSearchResult>;

  constructor(private readonly options: AnnuaireClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl.replace(/\/+$/, ''));
    } catch {
      throw new CabinetError('CONFIG_INVALID', 'Adresse de l’Annuaire Santé invalide.');
    }
    if (base.protocol !== 'https:') throw new CabinetError('CONFIG_INVALID', 'Adresse de l’Annuaire Santé non https : refusée.');
    if (base.username || base.password || base.search || base.hash)
      throw new CabinetError('CONFIG_INVALID', 'L’adresse de l’Annuaire Santé ne doit contenir ni identifiants ni paramètres.');
    if (!options.apiKey || options.apiKey.length > 256 || /[\r\n]/.test(options.apiKey))
      throw new CabinetError('CONFIG_INVALID', 'Clé d’accès à l’Annuaire Santé absente ou invalide (CABINET_ANNUAIRE_API_KEY).');
    this.base = base;
    this.agent = options.get ? null : httpsAgent(null, options.trust, { maxSockets: 4 });
    this.get = options.get ?? nodeGet(this.agent!, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.maxResponseBytes ?? MAX_RESPONSE_BYTES);
    this.cache = new LruCache(options.cacheSize ?? 100, options.cacheTtlMs ?? 5 * 60_000, options.now);
  }

  get baseUrl(): string {
    return this.base.href.replace(/\/+$/, '');
  }

  async search(query: AnnuaireSearchQuery, signal?: AbortSignal): Promise<AnnuaireSearchResult> {
    const key = JSON.stringify([
      query.text.trim().toLowerCase(),
      query.city?.toLowerCase() ?? null,
      query.types ? [...query.types].sort() : null,
      query.limit,
    ]);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const urls = searchUrls(this.baseUrl, query);
    const streams = [urls.practitioners, urls.organizations]
      .filter((u): u is URL => u !== null)
      .map((url) => ({ next: url as URL | null, bundles: [] as SearchBundle[] }));
    const recipientsOf = () =>
      toRecipients(collectResources(streams.flatMap((s) => s.bundles)), { city: query.city, types: query.types, limit: query.limit });
    let recipients: Recipient[] = [];
    // First pages side by side; then further pages while the filters (types, city) leave fewer recipients than asked.
    for (let page = 0; page < MAX_PAGES; page++) {
      const pending = streams.filter((s) => s.next);
      if (pending.length === 0) break;
      await Promise.all(
        pending.map(async (stream) => {
          const bundle = await this.fetchBundle(stream.next!, signal);
          stream.bundles.push(bundle);
          stream.next = this.nextLink(bundle);
        }),
      );
      recipients = recipientsOf();
      if (recipients.length >= query.limit) break;
    }
    const total = streams.reduce((sum, s) => sum + (s.bundles[0]?.total ?? 0), 0);
    const result = { recipients, total };
    this.cache.set(key, result);
    return result;
  }

  close(): void {
    this.agent?.destroy();
    this.cache.clear();
  }

  /** The next page's URL, refused unless on the Annuaire's own server. */
  private nextLink(bundle: SearchBundle): URL | null {
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    if (!next) return null;
    let parsed: URL;
    try {
      parsed = new URL(next);
    } catch {
      throw new CabinetError('UNAVAILABLE', annuaireMessages.invalid, { detail: 'lien de page suivante invalide' });
    }
    if (parsed.origin !== this.base.origin)
      throw new CabinetError('UNAVAILABLE', annuaireMessages.invalid, { detail: 'lien de page suivante hors du serveur de l’Annuaire' });
    return parsed;
  }

  private async fetchBundle(url: URL, signal?: AbortSignal): Promise<SearchBundle> {
    const answer = await this.get(url, { accept: 'application/fhir+json', [API_KEY_HEADER]: this.options.apiKey }, signal);
    // Bounded here too, whatever transport brought the answer (the default one stops reading past the limit).
    if (Buffer.byteLength(answer.body) > (this.options.maxResponseBytes ?? MAX_RESPONSE_BYTES))
      throw new CabinetError('UNAVAILABLE', annuaireMessages.tooLarge);
    let json: unknown;
    try {
      json = JSON.parse(answer.body);
    } catch {
      json = undefined;
    }
    if (answer.status !== 200) throw this.statusError(answer.status, json);
    if (!/json/i.test(answer.contentType))
      throw new CabinetError('UNAVAILABLE', annuaireMessages.invalid, {
        detail: `type de contenu ${answer.contentType.slice(0, 60) || 'absent'}`,
      });
    if (json === undefined) throw new CabinetError('UNAVAILABLE', annuaireMessages.invalid, { detail: 'JSON invalide' });
    const parsed = searchBundle.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CabinetError('UNAVAILABLE', annuaireMessages.invalid, {
        detail: `Bundle inattendu (${issue ? `${issue.path.join('.') || 'racine'} : ${issue.code}` : 'forme'})`,
      });
    }
    return parsed.data;
  }

  private statusError(status: number, json: unknown): CabinetError {
    const outcome = operationOutcome.safeParse(json);
    const diagnostics = outcome.success ? (outcome.data.issue.find((i) => i.diagnostics)?.diagnostics ?? '').slice(0, 300) : '';
    const details = { status, ...(diagnostics ? { diagnostics } : {}) };
    if (status === 401 || status === 403) return new CabinetError('CONFIG_INVALID', annuaireMessages.apiKey, details);
    if (status === 400)
      return new CabinetError('INVALID_REQUEST', `${annuaireMessages.refused}${diagnostics ? ` : ${diagnostics}` : '.'}`, details);
    if (status === 404) return new CabinetError('UNAVAILABLE', annuaireMessages.notFound, details);
    if (status === 410)
      return new CabinetError('UNAVAILABLE', 'La page de résultats de l’Annuaire Santé a expiré : relancez la recherche.', details);
    if (status === 429) return new CabinetError('UNAVAILABLE', annuaireMessages.busy, details);
    return new CabinetError('UNAVAILABLE', annuaireMessages.unavailable, details);
  }
}
