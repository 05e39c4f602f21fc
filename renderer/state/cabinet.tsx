/**
 * Application-wide state shared by the shell and the screens: what the
 * services told us about the app and the national services, and whether the
 * services answer at all.
 *
 * Screens call `cabinet.<group>.<method>()` themselves (through {@link call})
 * and hand any failure to `report()`: a lost connection (UNAVAILABLE) or a
 * refused session (UNAUTHORIZED) then shows one full-width banner instead of
 * each screen breaking on its own.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Failure, Outcome, ResponseOf } from '../../shared/contract/index.js';
import { cabinet } from '../bridge/index.js';
import { setPracticeZone } from '../format.js';
import { bridgeFailure, isBridgeFailure } from '../bridge/failure.js';

export type AppInfo = ResponseOf<'app.info'>;
export type Status = ResponseOf<'status.get'>;

/**
 * "Cabinet's own services are out of reach (or refuse this page)", not "this
 * action failed" and not "a national service is down": only the bridge's own
 * failures. A national service's UNAVAILABLE goes to the status bar's banner.
 */
export function isOutage(failure: Failure): boolean {
  return isBridgeFailure(failure);
}

/**
 * Runs one call and never throws: a rejected promise (e.g. an IPC handler
 * that crashed) becomes a French {@link Failure} like any other.
 */
export async function call<T>(run: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    const outcome = await run();
    if (outcome && typeof outcome === 'object' && 'ok' in outcome) return outcome;
    return { ok: false, code: 'INTERNAL', message: 'Réponse inattendue des services de Cabinet.' };
  } catch {
    return bridgeFailure('UNAVAILABLE', 'Les services de Cabinet ne répondent pas.');
  }
}

/** Delay between automatic reconnection attempts while the services are out of reach. */
const RETRY_MS = 10_000;

interface CabinetState {
  info: AppInfo | null;
  status: Status | null;
  /** Why the status could not be read, if not an outage (shown in the status bar). */
  statusError: string | null;
  /** Set while the services are unreachable or refuse the session. */
  outage: Failure | null;
  /** True while "Vérifier" is asking the services to re-check the national services. */
  checking: boolean;
  /** Asks the services to re-check every national service now. */
  checkServices: () => Promise<void>;
  /** Re-reads app info and status (the banner's "Réessayer"). */
  reconnect: () => Promise<void>;
  /** Hand any failure here; outages raise the banner. */
  report: (failure: Failure) => void;
  /** Increments each time the services answer again after an outage: screens reload on it. */
  reconnections: number;
  /** The version the installed app downloaded, installed when Cabinet closes (status bar). */
  updateVersion: string | null;
}

const CabinetContext = createContext<CabinetState | null>(null);

export function CabinetProvider({ children }: { children: ReactNode }) {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [statusError, setStatusError] = useState<string | null>(null);
  const [outage, setOutage] = useState<Failure | null>(null);
  const [checking, setChecking] = useState(false);
  const [reconnections, setReconnections] = useState(0);
  const [updateVersion, setUpdateVersion] = useState<string | null>(null);
  const hadOutage = useRef(false);
  const mounted = useRef(true);

  useEffect(() => {
    if (outage) hadOutage.current = true;
    else if (hadOutage.current) {
      hadOutage.current = false;
      setReconnections((n) => n + 1);
    }
  }, [outage]);

  const report = useCallback((failure: Failure) => {
    if (isOutage(failure)) setOutage(failure);
  }, []);

  const reconnect = useCallback(async () => {
    const [infoOutcome, statusOutcome] = await Promise.all([call(() => cabinet.app.info()), call(() => cabinet.status.get())]);
    if (!mounted.current) return;
    if (infoOutcome.ok) {
      // The practice's time zone: « today » and the displayed dates of every screen (format.ts).
      setPracticeZone(infoOutcome.value.timeZone);
      setInfo(infoOutcome.value);
    }
    if (statusOutcome.ok) {
      setStatus(statusOutcome.value);
      setStatusError(null);
    } else if (!isOutage(statusOutcome)) {
      setStatusError(statusOutcome.message);
    }
    const failure = [infoOutcome, statusOutcome].find((o): o is Failure => !o.ok && isOutage(o));
    setOutage(failure ?? null);
  }, []);

  const checkServices = useCallback(async () => {
    setChecking(true);
    const outcome = await call(() => cabinet.status.refresh());
    if (!mounted.current) return;
    setChecking(false);
    if (outcome.ok) {
      setStatus(outcome.value);
      setStatusError(null);
      setOutage(null);
    } else if (isOutage(outcome)) {
      setOutage(outcome);
    } else {
      setStatusError(outcome.message);
    }
  }, []);

  useEffect(() => {
    mounted.current = true;
    void reconnect();
    const unsubscribe = [
      cabinet.events.statusChanged((next) => {
        setStatus(next);
        setStatusError(null);
        setOutage(null);
      }),
      cabinet.events.outboxChanged((counts) => {
        setStatus((previous) => (previous ? { ...previous, outbox: counts } : previous));
      }),
      cabinet.events.updateAvailable(({ version }) => setUpdateVersion(version)),
    ];
    return () => {
      mounted.current = false;
      for (const stop of unsubscribe) stop();
    };
  }, [reconnect]);

  // While the services are out of reach, try again quietly every few seconds.
  useEffect(() => {
    if (!outage) return;
    const timer = window.setInterval(() => void reconnect(), RETRY_MS);
    return () => window.clearInterval(timer);
  }, [outage, reconnect]);

  const value = useMemo<CabinetState>(
    () => ({ info, status, statusError, outage, checking, checkServices, reconnect, report, reconnections, updateVersion }),
    [info, status, statusError, outage, checking, checkServices, reconnect, report, reconnections, updateVersion],
  );
  return <CabinetContext.Provider value={value}>{children}</CabinetContext.Provider>;
}

export function useCabinet(): CabinetState {
  const state = useContext(CabinetContext);
  if (!state) throw new Error('useCabinet() hors de <CabinetProvider>');
  return state;
}
