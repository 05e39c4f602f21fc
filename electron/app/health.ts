/** The status bar's view of each national service, probed on demand and periodically. */
import { nationalServices, serviceLabels, type NationalService, type ServiceState } from '../../shared/domain/services.js';
import type { CabinetConfig } from '../platform/config/config.js';
import { probeEndpoint, type ProbeResult } from '../platform/net/probe.js';
import type { Tracer } from '../platform/trace/trace.js';

export interface ServiceStatus {
  id: NationalService;
  label: string;
  state: ServiceState;
  detail?: string;
  url: string | null;
  checkedAt: string | null;
}

export class HealthMonitor {
  private statuses: ServiceStatus[];
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<ServiceStatus[]> | null = null;

  constructor(
    private readonly config: CabinetConfig,
    private readonly tracer: Tracer,
    private readonly onChange: (statuses: ServiceStatus[]) => void,
    /** Authorities trusted for servers' TLS (CABINET_EXTRA_CA, and in the sandbox the test PKI). */
    private readonly serverTrust: readonly string[] = config.extraCa,
    private readonly probe: (url: string | null, extraCa: readonly string[]) => Promise<ProbeResult> = probeEndpoint,
  ) {
    this.statuses = nationalServices.map((id) => {
      const url = config.endpoints[id].url;
      return url
        ? { id, label: serviceLabels[id], state: 'indisponible', detail: 'vérification en cours', url, checkedAt: null }
        : { id, label: serviceLabels[id], state: 'non_configure', detail: 'aucune adresse configurée pour cet environnement', url: null, checkedAt: null };
    });
  }

  current(): ServiceStatus[] {
    return this.statuses;
  }

  /** Probes every configured service in parallel; concurrent calls share one round. */
  refresh(): Promise<ServiceStatus[]> {
    this.inFlight ??= this.probeAll().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async probeAll(): Promise<ServiceStatus[]> {
    this.statuses = await Promise.all(
      nationalServices.map(async (id): Promise<ServiceStatus> => {
        const url = this.config.endpoints[id].url;
        const startedAt = new Date();
        const result = await this.probe(url, this.serverTrust);
        if (url) {
          this.tracer.record({ service: id, operation: 'sonde', url, startedAt, durationMs: Date.now() - startedAt.getTime(), request: { type: 'connexion TLS' }, response: result, outcome: result.state === 'connecte' ? 'ok' : 'erreur' });
        }
        return { id, label: serviceLabels[id], url, checkedAt: new Date().toISOString(), state: result.state, ...(result.detail ? { detail: result.detail } : {}) };
      }),
    );
    this.onChange(this.statuses);
    return this.statuses;
  }

  start(intervalMs = 5 * 60_000): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
