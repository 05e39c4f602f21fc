/**
 * The directory as the app uses it: the configured Annuaire Santé endpoint
 * (`CABINET_ANNUAIRE_URL` or the environment's), its API key
 * (`CABINET_ANNUAIRE_API_KEY`; in the sandbox environment the local
 * sandbox's key by default), and the server trust of the composition root.
 *
 * Directory lookups are not patient data: they are not audited. A failed
 * lookup (service down, key refused, unreadable answer) goes to the
 * diagnostics log with its code and HTTP status only — never the search text
 * nor the key.
 */
import { CabinetError } from '../../shared/contract/outcome.js';
import type { AnnuaireSearchQuery, AnnuaireSearchResult } from '../../shared/contract/annuaire.js';
import type { CabinetConfig } from '../platform/config/config.js';
import { AnnuaireClient, type AnnuaireClientOptions } from './client.js';
import { SANDBOX_API_KEY } from './sandbox-key.js';

const REPORT_INTERVAL_MS = 60_000;

export interface AnnuaireServiceOptions {
  config: Pick<CabinetConfig, 'env' | 'endpoints'>;
  env: NodeJS.ProcessEnv;
  serverTrust: readonly string[];
  /** Failures worth a look by support (not the user's typing errors). */
  onFailure?: (error: CabinetError) => void;
  client?: Partial<AnnuaireClientOptions>;
}

export class AnnuaireService {
  private client: AnnuaireClient | null = null;
  /** Last time each failure code was reported: the picker searches as you type, the log must not fill up while the directory is down. */
  private readonly reported = new Map<string, number>();

  constructor(private readonly options: AnnuaireServiceOptions) {}

  /** The client, built at first use (a missing configuration is said then, not at start). */
  private get(): AnnuaireClient {
    if (this.client) return this.client;
    const url = this.options.config.endpoints.annuaire.url;
    if (!url)
      throw new CabinetError('UNAVAILABLE', 'Annuaire Santé non configuré dans cet environnement : saisissez l’adresse MSSanté complète.');
    const apiKey = this.options.env.CABINET_ANNUAIRE_API_KEY?.trim() || (this.options.config.env === 'sandbox' ? SANDBOX_API_KEY : '');
    if (!apiKey)
      throw new CabinetError(
        'CONFIG_INVALID',
        'Clé d’accès à l’Annuaire Santé absente : renseignez CABINET_ANNUAIRE_API_KEY (clé obtenue sur le portail de l’ANS).',
      );
    this.client = new AnnuaireClient({ baseUrl: url, apiKey, trust: { extraCa: this.options.serverTrust }, ...this.options.client });
    return this.client;
  }

  async search(query: AnnuaireSearchQuery, signal?: AbortSignal): Promise<AnnuaireSearchResult> {
    try {
      return await this.get().search(query, signal);
    } catch (error) {
      const failure = error instanceof CabinetError ? error : new CabinetError('UNAVAILABLE', 'L’Annuaire Santé ne répond pas.');
      if (failure.code !== 'INVALID_REQUEST' && failure.code !== 'CONFLICT') {
        const now = Date.now();
        if (now - (this.reported.get(failure.code) ?? -Infinity) >= REPORT_INTERVAL_MS) {
          this.reported.set(failure.code, now);
          this.options.onFailure?.(failure);
        }
      }
      throw failure;
    }
  }

  dispose(): void {
    this.client?.close();
    this.client = null;
  }
}
