/**
 * The practitioner's session as the renderer sees it. The services own it:
 * `session.get()` once at startup (and after an outage), then every
 * `sessionChanged` event replaces the view. The shell shows the login screen,
 * the lock screen or the application from `view.state` alone.
 *
 * While connected, user activity (key presses, clicks) is reported to the
 * services at most every 30 seconds, so that the inactivity lock counts real
 * use of the window.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Failure, ResponseOf } from '../../shared/contract/index.js';
import type { IdentitySource } from '../../shared/domain/practitioner.js';
import { cabinet } from '../bridge/index.js';
import { call, useCabinet } from './cabinet.js';
import { clearSessionCaches } from './session-caches.js';

export type SessionView = ResponseOf<'session.get'>;

/** At most one activity report per this delay. */
export const ACTIVITY_THROTTLE_MS = 30_000;

/** What the login screen should preselect (the source used last, the e-CPS identifier to reuse). */
export interface LoginHint {
  source: IdentitySource;
  idNatPs?: string;
}

interface SessionContextValue {
  /** Null until the services answered `session.get()` once. */
  view: SessionView | null;
  /** Why the session could not be read (the shell's banner says more when it is an outage). */
  loadError: Failure | null;
  /** Applies a view returned by a call (login, unlock…); the event carries the same one. */
  apply: (view: SessionView) => void;
  lock: () => Promise<Failure | null>;
  logout: () => Promise<Failure | null>;
  /** Logs out, then opens the login screen on e-CPS with the same identifier. */
  reconnectWithEcps: () => Promise<Failure | null>;
  loginHint: LoginHint | null;
}

const SessionContext = createContext<SessionContextValue | null>(null);

/** Reports activity while connected: leading call, then at most one every {@link ACTIVITY_THROTTLE_MS} (trailing included). */
function useActivityReporter(connected: boolean): void {
  useEffect(() => {
    if (!connected) return;
    // Logging in or unlocking counts as activity: start the clock now.
    let lastSent = Date.now();
    let trailing: number | null = null;
    const send = () => {
      lastSent = Date.now();
      void call(() => cabinet.session.activity());
    };
    const onActivity = () => {
      if (trailing !== null) return;
      const wait = lastSent + ACTIVITY_THROTTLE_MS - Date.now();
      if (wait <= 0) {
        send();
        return;
      }
      trailing = window.setTimeout(() => {
        trailing = null;
        send();
      }, wait);
    };
    const options = { capture: true, passive: true } as const;
    window.addEventListener('keydown', onActivity, options);
    window.addEventListener('pointerdown', onActivity, options);
    return () => {
      window.removeEventListener('keydown', onActivity, options);
      window.removeEventListener('pointerdown', onActivity, options);
      if (trailing !== null) window.clearTimeout(trailing);
    };
  }, [connected]);
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const { report, reconnections } = useCabinet();
  const [view, setView] = useState<SessionView | null>(null);
  const [loadError, setLoadError] = useState<Failure | null>(null);
  const [loginHint, setLoginHint] = useState<LoginHint | null>(null);
  const previous = useRef<SessionView | null>(null);

  const apply = useCallback((next: SessionView) => {
    // Leaving a session: preselect its source on the login screen (never a secret).
    const before = previous.current;
    if (next.state === 'deconnecte' && before && before.state !== 'deconnecte' && before.source) {
      const source = before.source;
      setLoginHint((hint) => (hint?.idNatPs && hint.source === source ? hint : { source }));
    }
    // Locked or logged out: no patient data stays in the renderer's caches.
    if (next.state !== 'connecte') clearSessionCaches();
    previous.current = next;
    setView(next);
    setLoadError(null);
  }, []);

  useEffect(() => {
    let live = true;
    void call(() => cabinet.session.get()).then((outcome) => {
      if (!live) return;
      if (outcome.ok) apply(outcome.value);
      else {
        setLoadError(outcome);
        report(outcome);
      }
    });
    return () => {
      live = false;
    };
  }, [apply, report, reconnections]);

  useEffect(() => cabinet.events.sessionChanged(apply), [apply]);

  const lock = useCallback(async () => {
    const outcome = await call(() => cabinet.session.lock());
    if (outcome.ok) apply(outcome.value);
    return outcome.ok ? null : outcome;
  }, [apply]);

  const logout = useCallback(async () => {
    const outcome = await call(() => cabinet.session.logout());
    if (outcome.ok) apply(outcome.value);
    return outcome.ok ? null : outcome;
  }, [apply]);

  const reconnectWithEcps = useCallback(async () => {
    const idNatPs = previous.current?.practitioner?.idNatPs;
    setLoginHint(idNatPs ? { source: 'e_cps', idNatPs } : { source: 'e_cps' });
    return logout();
  }, [logout]);

  useActivityReporter(view?.state === 'connecte');

  const value = useMemo<SessionContextValue>(
    () => ({ view, loadError, apply, lock, logout, reconnectWithEcps, loginHint }),
    [view, loadError, apply, lock, logout, reconnectWithEcps, loginHint],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession() hors de <SessionProvider>');
  return value;
}

/** The number of tries left on the card, when the services said it (`details.essaisRestants`). */
export function triesLeft(failure: Failure): number | 'peu' | null {
  if (failure.code !== 'CREDENTIALS_REFUSED') return null;
  return failure.details?.essaisRestants ?? null;
}
