/**
 * The status bar's view of each national service: probed on demand and
 * periodically, and above all learnt from the real calls (`observe`): a call
 * that fails for a network, TLS, timeout or 5xx cause marks its service
 * « indisponible depuis HH:MM », the next call that succeeds marks it back.
 * An action's own failure (refused document, wrong PIN) changes nothing.
 */
import { nationalServices, serviceLabels, type NationalService, type ServiceState } from '../../shared/domain/services.js';
import { outageCause } from '../../shared/domain/service-outage.js';
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
  /** Since when the service is unavailable (ISO), while it is; null otherwise or while not yet checked. */
  since: string | null;
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
    private readonly clock: () => number = Date.now,
  ) {
    this.statuses = nationalServices.map((id) => {
      const url = config.endpoints[id].url;
      return url
        ? { id, label: serviceLabels[id], state: 'indisponible', detail: 'vérification en cours', url, checkedAt: null, since: null }
        : {
            id,
            label: serviceLabels[id],
            state: 'non_configure',
            detail: 'aucune adresse configurée pour cet environnement',
            url: null,
            checkedAt: null,
            since: null,
          };
    });
  }

  current(): ServiceStatus[] {
    return this.statuses;
  }

  private nowIso(): string {
    return new Date(this.clock()).toISOString();
  }

  /** The next state of one service: `since` is kept while it stays unavailable. */
  private next(previous: ServiceStatus, state: ServiceState, detail: string | undefined): ServiceStatus {
    const at = this.nowIso();
    const since = state === 'indisponible' ? (previous.state === 'indisponible' && previous.since ? previous.since : at) : null;
    return { id: previous.id, label: previous.label, url: previous.url, checkedAt: at, state, since, ...(detail ? { detail } : {}) };
  }

  /**
   * A real call's result: `error` null for a success. Only an outage cause
   * (network, TLS, timeout, 5xx) marks the service unavailable; the status
   * changes (and `statusChanged` is emitted) only when the state does.
   */
  observe(id: NationalService, error: unknown): void {
    const index = this.statuses.findIndex((s) => s.id === id);
    const previous = this.statuses[index];
    if (!previous || previous.state === 'non_configure') return;
    let update: ServiceStatus | null = null;
    if (error === null) {
      if (previous.state !== 'connecte') update = this.next(previous, 'connecte', undefined);
    } else if (outageCause(error as { code?: unknown; details?: unknown })) {
      const message = error instanceof Error ? error.message : 'service injoignable';
      if (previous.state !== 'indisponible' || !previous.since) update = this.next(previous, 'indisponible', message);
    }
    if (!update) return;
    this.statuses = this.statuses.map((s, i) => (i === index ? (update as ServiceStatus) : s));
    this.onChange(this.statuses);
  }

  /** Runs one real call of `id`, observing its outcome; the result or error is passed through untouched. */
  async watch<T>(id: NationalService, call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      this.observe(id, null);
      return result;
    } catch (error) {
      this.observe(id, error);
      throw error;
    }
  }

  /** Probes every configured service in parallel; concurrent calls share one round. */
  refresh(): Promise<ServiceStatus[]> {
    this.inFlight ??= this.probeAll().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async probeAll(): Promise<ServiceStatus[]> {
    const results = await Promise.all(
      nationalServices.map(async (id) => {
        const url = this.config.endpoints[id].url;
        const startedAt = new Date();
        const result = await this.probe(url, this.serverTrust);
        if (url) {
          this.tracer.record({
            service: id,
            operation: 'sonde',
            url,
            startedAt,
            durationMs: Date.now() - startedAt.getTime(),
            request: { type: 'connexion TLS' },
            response: result,
            outcome: result.state === 'connecte' ? 'ok' : 'erreur',
          });
        }
        return { id, result };
      }),
    );
    // Applied after the round, against the states real calls may have set meanwhile.
    this.statuses = this.statuses.map((previous) => {
      const found = results.find((r) => r.id === previous.id);
      return found ? this.next(previous, found.result.state, found.result.detail) : previous;
    });
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

/**
 * Wraps a client so that each of its asynchronous methods is a watched real
 * call of `id` (the DMP client: every ITI exchange).
 */
export function watchedClient<T extends object>(client: T, id: NationalService, health: Pick<HealthMonitor, 'observe'>): T {
  return new Proxy(client, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (result instanceof Promise) {
          return result.then(
            (v: unknown) => {
              health.observe(id, null);
              return v;
            },
            (error: unknown) => {
              health.observe(id, error);
              throw error;
            },
          );
        }
        return result;
      };
    },
  });
}
