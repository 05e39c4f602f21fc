/**
 * The five screens and a tiny hash router (`#/patients`, `#/envois` …).
 *
 * Only hashes starting with `#/` are routes: the web bridge reads (and then
 * removes) a `#token=…` fragment at startup, which must never be mistaken for
 * a screen.
 */
import { useCallback, useEffect, useState } from 'react';

export const routes = ['patients', 'messagerie', 'envois', 'journal', 'reglages'] as const;
export type Route = (typeof routes)[number];

/** Navigation labels, in the order of the menu (Alt+1 … Alt+5). */
export const routeLabels: Record<Route, string> = {
  patients: 'Patients',
  messagerie: 'Messagerie',
  envois: 'Envois',
  journal: 'Journal',
  reglages: 'Réglages',
};

export const defaultRoute: Route = 'patients';

export function isRoute(value: string): value is Route {
  return (routes as readonly string[]).includes(value);
}

/**
 * `#/envois` → 'envois'; no hash (or an unknown `#/…`) → the default screen;
 * any other fragment (`#token=…`, `#contenu`) → null: not ours, ignore it.
 */
export function routeFromHash(hash: string): Route | null {
  if (hash === '' || hash === '#') return defaultRoute;
  if (!hash.startsWith('#/')) return null;
  const name = hash.slice(2).split(/[/?#]/, 1)[0] ?? '';
  return isRoute(name) ? name : defaultRoute;
}

export function hrefOf(route: Route): string {
  return `#/${route}`;
}

/** Current screen, kept in sync with `location.hash` (so Back/Forward work). */
export function useRoute(): [Route, (route: Route) => void] {
  const [route, setRoute] = useState<Route>(() => routeFromHash(window.location.hash) ?? defaultRoute);

  useEffect(() => {
    const onHashChange = () => {
      const next = routeFromHash(window.location.hash);
      if (next) setRoute(next);
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);

  const navigate = useCallback((next: Route) => {
    if (routeFromHash(window.location.hash) !== next) window.location.hash = hrefOf(next);
    setRoute(next);
  }, []);

  return [route, navigate];
}
