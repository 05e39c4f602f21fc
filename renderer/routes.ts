/**
 * The screens and a tiny hash router (`#/patients`, `#/envois` …).
 *
 * A screen may have pages below it: `#/patients/identifier`,
 * `#/patients/<uid>`. The part after the screen's name is its `subpath`
 * ('' for the screen itself); the left navigation only looks at the screen.
 *
 * Only hashes starting with `#/` are routes: the web bridge reads (and then
 * removes) a `#token=…` fragment at startup, which must never be mistaken for
 * a screen.
 */
import { useCallback, useEffect, useState } from 'react';

export const routes = ['patients', 'messagerie', 'envois', 'journal', 'reglages', 'diagnostic'] as const;
export type Route = (typeof routes)[number];

/** Navigation labels, in the order of the menu (Alt+1 … Alt+6). */
export const routeLabels: Record<Route, string> = {
  patients: 'Patients',
  messagerie: 'Messagerie',
  envois: 'Envois',
  journal: 'Journal',
  reglages: 'Réglages',
  diagnostic: 'Diagnostic',
};

export const defaultRoute: Route = 'patients';

/** Where the user is: a screen, and the page inside it ('' for the screen itself). */
export interface Place {
  route: Route;
  subpath: string;
}

function isRoute(value: string): value is Route {
  return (routes as readonly string[]).includes(value);
}

/**
 * `#/patients/identifier` → { route: 'patients', subpath: 'identifier' };
 * no hash (or an unknown `#/…`) → the default screen; any other fragment
 * (`#token=…`, `#contenu`) → null: not ours, ignore it.
 */
function placeFromHash(hash: string): Place | null {
  if (hash === '' || hash === '#') return { route: defaultRoute, subpath: '' };
  if (!hash.startsWith('#/')) return null;
  const path = hash.slice(2).split(/[?#]/, 1)[0] ?? '';
  const [name = '', ...rest] = path.split('/');
  if (!isRoute(name)) return { route: defaultRoute, subpath: '' };
  return { route: name, subpath: rest.filter(Boolean).join('/') };
}

export function hrefOf(route: Route, subpath = ''): string {
  return subpath ? `#/${route}/${subpath}` : `#/${route}`;
}

/** Pages of the Patients screen. */
export const patientHrefs = {
  list: hrefOf('patients'),
  identify: hrefOf('patients', 'identifier'),
  patient: (uid: string) => hrefOf('patients', encodeURIComponent(uid)),
  /** A new INSi query for a patient already on this post (traits prefilled). */
  identifyExisting: (uid: string) => hrefOf('patients', `${encodeURIComponent(uid)}/identifier`),
};

/** Goes to a page by its href (`#/patients/…`); Back/Forward keep working. */
export function go(href: string): void {
  if (window.location.hash !== href) window.location.hash = href;
}

function samePlace(a: Place, b: Place): boolean {
  return a.route === b.route && a.subpath === b.subpath;
}

/** Current place, kept in sync with `location.hash` (so Back/Forward work); `navigate` opens a screen. */
export function usePlace(): [Place, (route: Route) => void] {
  const [place, setPlace] = useState<Place>(() => placeFromHash(window.location.hash) ?? { route: defaultRoute, subpath: '' });

  useEffect(() => {
    const onHashChange = () => {
      const next = placeFromHash(window.location.hash);
      if (next) setPlace((previous) => (samePlace(previous, next) ? previous : next));
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);

  const navigate = useCallback((route: Route) => {
    const next: Place = { route, subpath: '' };
    const current = placeFromHash(window.location.hash);
    if (!current || !samePlace(current, next)) window.location.hash = hrefOf(route);
    setPlace((previous) => (samePlace(previous, next) ? previous : next));
  }, []);

  return [place, navigate];
}
