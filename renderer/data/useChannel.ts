/**
 * The renderer's data layer: every screen reads the services through
 * {@link useChannel} (a read, kept fresh) and acts through {@link useAction}
 * (a change). Both go through the typed contract only, never throw, hand
 * outages to the shell's banner, and ignore answers that arrive after the
 * screen moved on (cancellation by sequence number).
 *
 * Reads are cached per channel + request for the session: a screen opened
 * again shows the last answer at once while it refreshes
 * (stale-while-refreshing). The cache is emptied when the session changes
 * (logout, lock, another practitioner) — see {@link resetChannelCache}.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { InFlight } from './in-flight.js';
import type { ChannelName, EventName, EventPayload, Failure, Outcome, RequestOf, ResponseOf } from '../../shared/contract/index.js';
import { cabinet } from '../bridge/index.js';
import { call, useCabinet } from '../state/cabinet.js';
import { registerSessionCache } from '../state/session-caches.js';
import { requestKey } from './request-key.js';

type AnyMethod = (request?: unknown) => Promise<Outcome<unknown>>;

/** Calls one channel by name through the typed API; never throws. */
export function invoke<N extends ChannelName>(channel: N, request?: RequestOf<N>): Promise<Outcome<ResponseOf<N>>> {
  const [group, method] = channel.split('.') as [string, string];
  const groupApi = (cabinet as unknown as Record<string, Record<string, AnyMethod>>)[group];
  const run = groupApi?.[method];
  if (!run) return Promise.resolve({ ok: false, code: 'UNKNOWN_CHANNEL', message: `Action inconnue : « ${channel} ».` });
  return call(() => run(request ?? {})) as Promise<Outcome<ResponseOf<N>>>;
}

const cache = new Map<string, unknown>();
/** First reads in flight, by request key: screens that mount together (rows of a list) share one call. */
const inFlight = new InFlight<Outcome<unknown>>();
let cacheGeneration = 0;

/** Forgets every cached answer (called when the session changes: logout, lock, another practitioner). */
export function resetChannelCache(): void {
  cache.clear();
  inFlight.clear();
  cacheGeneration += 1;
}
registerSessionCache(resetChannelCache);

export interface ChannelOptions<E extends EventName> {
  /** Events after which the answer is read again (e.g. `['dmpChanged']`). */
  refreshOn?: readonly E[];
  /** Only refresh for the events' payloads this returns true for (e.g. the same patient uid). */
  refreshWhen?: (event: E, payload: EventPayload<E>) => boolean;
  /** Do not keep the answer in the session cache (large or one-off answers). */
  noCache?: boolean;
  /** Where failures go instead of the shell's `report` (e.g. a national service's UNAVAILABLE is not the services' outage). */
  report?: (failure: Failure) => void;
  /**
   * While a new request's first answer is awaited (another filter, the next page), keep showing the
   * previous request's answer. Only for requests about the same subject: key the component by it.
   */
  keepPrevious?: boolean;
}

export interface ChannelState<T> {
  /** The last answer (possibly from the cache while a refresh runs). */
  data: T | null;
  /** The last failure, null when the last call succeeded. */
  failure: Failure | null;
  /** True while the first answer for this request is awaited (nothing to show yet). */
  loading: boolean;
  /** True while a call runs and an older answer is shown. */
  refreshing: boolean;
  /** Reads again now; resolves with the outcome. */
  reload: () => Promise<Outcome<T> | null>;
  /** Replaces the shown answer (and the cache) with one a change returned. */
  setData: (value: T) => void;
}

/**
 * Reads one channel and keeps it fresh. `request` null means « nothing to
 * read yet » (e.g. no patient chosen): the state stays empty.
 */
export function useChannel<N extends ChannelName, E extends EventName = EventName>(
  channel: N,
  request: RequestOf<N> | null,
  options: ChannelOptions<E> = {},
): ChannelState<ResponseOf<N>> {
  type T = ResponseOf<N>;
  const { report: shellReport, reconnections } = useCabinet();
  const report = options.report ?? shellReport;
  const key = request === null ? null : requestKey(channel, request);
  const cached = key !== null && !options.noCache ? (cache.get(key) as T | undefined) : undefined;
  const [state, setState] = useState<{ key: string | null; data: T | null; failure: Failure | null; running: boolean }>(() => ({
    key,
    data: cached ?? null,
    failure: null,
    running: key !== null,
  }));
  const sequence = useRef(0);
  const latest = useRef({ channel, request, key, noCache: options.noCache, keepPrevious: options.keepPrevious, report });
  const refreshWhen = useRef(options.refreshWhen);
  // What the next call reads; updated after each render, before the effects run.
  useLayoutEffect(() => {
    latest.current = { channel, request, key, noCache: options.noCache, keepPrevious: options.keepPrevious, report };
    refreshWhen.current = options.refreshWhen;
  });

  // Set for a first read (mount, another request): it may share a call in flight for the same request (see InFlight).
  const firstRead = useRef(false);
  const load = useCallback(async (): Promise<Outcome<T> | null> => {
    const { channel: name, request: current, key: currentKey, noCache, keepPrevious } = latest.current;
    if (current === null || currentKey === null) return null;
    const mine = ++sequence.current;
    const generation = cacheGeneration;
    setState((previous) => (previous.key === currentKey ? { ...previous, running: true } : previous));
    const outcome = (await (take(firstRead)
      ? inFlight.share(currentKey, () => invoke(name, current))
      : invoke(name, current))) as Outcome<T>;
    if (mine !== sequence.current) return outcome; // a newer call (or unmount) superseded this one
    if (outcome.ok) {
      if (!noCache && generation === cacheGeneration) cache.set(currentKey, outcome.value);
      setState({ key: currentKey, data: outcome.value, failure: null, running: false });
    } else {
      latest.current.report(outcome);
      setState((previous) => ({
        key: currentKey,
        data: previous.key === currentKey || keepPrevious ? previous.data : null,
        failure: outcome,
        running: false,
      }));
    }
    return outcome;
  }, []);

  useEffect(() => {
    if (key === null) return;
    firstRead.current = true;
    void load();
    return () => {
      sequence.current += 1;
    };
  }, [key, reconnections, load]);

  const eventsKey = options.refreshOn?.join(',') ?? '';
  useEffect(() => {
    if (key === null || !eventsKey) return;
    const stops = (eventsKey.split(',') as E[]).map((event) =>
      cabinet.events[event]((payload: EventPayload<E>) => {
        const when = refreshWhen.current;
        if (!when || when(event, payload)) void load();
      }),
    );
    return () => {
      for (const stop of stops) stop();
    };
  }, [key, eventsKey, load]);

  const setData = useCallback((value: T) => {
    const currentKey = latest.current.key;
    if (currentKey !== null && !latest.current.noCache) cache.set(currentKey, value);
    // Newer than any read still in flight: that read's answer is dropped.
    sequence.current += 1;
    setState({ key: currentKey, data: value, failure: null, running: false });
  }, []);

  // Until the new request's first answer, show its cached answer (or the previous one if asked, or nothing).
  const current =
    state.key === key ? state : { data: cached ?? (options.keepPrevious ? state.data : null), failure: null, running: key !== null };
  return {
    data: current.data,
    failure: current.failure,
    loading: current.running && current.data === null,
    refreshing: current.running && current.data !== null,
    reload: load,
    setData,
  };
}

export interface ActionState<N extends ChannelName> {
  /** Runs the change; resolves with its outcome (failures are also kept in `failure`). */
  run: (request: RequestOf<N>) => Promise<Outcome<ResponseOf<N>>>;
  pending: boolean;
  failure: Failure | null;
  /** Clears the failure (e.g. when the user edits the form again). */
  clear: () => void;
}

/** A change through one channel: pending flag, failure kept for display, outages to the banner (or to `options.report`). */
export function useAction<N extends ChannelName>(channel: N, options: { report?: (failure: Failure) => void } = {}): ActionState<N> {
  const { report: shellReport } = useCabinet();
  const report = options.report ?? shellReport;
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(
    async (request: RequestOf<N>) => {
      setPending(true);
      setFailure(null);
      const outcome = await invoke(channel, request);
      if (mounted.current) {
        setPending(false);
        if (!outcome.ok) setFailure(outcome);
      }
      if (!outcome.ok) report(outcome);
      return outcome;
    },
    [channel, report],
  );
  const clear = useCallback(() => setFailure(null), []);
  return { run, pending, failure, clear };
}

/** Reads a one-shot flag and lowers it. */
function take(flag: { current: boolean }): boolean {
  const raised = flag.current;
  flag.current = false;
  return raised;
}
