/**
 * The main window: skip link, header (product and environment), connection
 * banner, left navigation, the current screen, and the status bar.
 */
import { useEffect, useRef, type ComponentType } from 'react';
import { ConnectionBanner } from './components/ConnectionBanner.js';
import { EnvironmentBadge, splitEnvironmentLabel } from './components/EnvironmentBadge.js';
import { MainNav } from './components/MainNav.js';
import { StatusBar } from './components/StatusBar.js';
import { routeLabels, routes, useRoute, type Route } from './routes.js';
import { Envois } from './screens/Envois.js';
import { Journal } from './screens/Journal.js';
import { Messagerie } from './screens/Messagerie.js';
import { Patients } from './screens/Patients.js';
import { Reglages } from './screens/Reglages.js';
import { CabinetProvider, useCabinet } from './state/cabinet.js';

const screens: Record<Route, ComponentType> = {
  patients: Patients,
  messagerie: Messagerie,
  envois: Envois,
  journal: Journal,
  reglages: Reglages,
};

/** Alt+1 … Alt+5 open the screens in menu order. Uses the physical key so it works on AZERTY too. */
function useShortcuts(navigate: (route: Route) => void): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      const match = /^Digit([1-5])$/.exec(event.code);
      const route = match ? routes[Number(match[1]) - 1] : undefined;
      if (!route) return;
      event.preventDefault();
      navigate(route);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [navigate]);
}

function focusScreenHeading(): void {
  const heading = document.querySelector<HTMLElement>('#contenu h1');
  (heading ?? document.getElementById('contenu'))?.focus();
}

function Shell() {
  const [route, navigate] = useRoute();
  const { info, status, outage, reconnect } = useCabinet();
  const env = info?.env ?? status?.env ?? null;
  const CurrentScreen = screens[route];
  useShortcuts(navigate);

  // After a navigation (not at startup), move focus to the new screen's title.
  const shownRoute = useRef(route);
  useEffect(() => {
    if (shownRoute.current === route) return;
    shownRoute.current = route;
    focusScreenHeading();
  }, [route]);

  useEffect(() => {
    const suffix = env && env !== 'production' ? ` — ${splitEnvironmentLabel(env)[0]}` : '';
    document.title = `${routeLabels[route]} · Cabinet${suffix}`;
  }, [route, env]);

  return (
    <div className={`app${env ? ` app--${env}` : ''}`}>
      <a
        className="skip-link"
        href="#contenu"
        onClick={(event) => {
          // Keep the route in the hash: move focus instead of following the link.
          event.preventDefault();
          focusScreenHeading();
        }}
      >
        Aller au contenu
      </a>
      <header className="app-header">
        <p className="app-header__brand">
          <span className="app-header__name">Cabinet</span>
          {info ? <span className="app-header__version">version {info.version}</span> : null}
        </p>
        {env ? <EnvironmentBadge env={env} /> : null}
      </header>
      {outage ? <ConnectionBanner failure={outage} onRetry={reconnect} /> : null}
      <div className="app-body">
        <MainNav current={route} failedSends={status?.outbox.echec ?? 0} />
        <main id="contenu" className="app-main" tabIndex={-1}>
          <CurrentScreen key={route} />
        </main>
      </div>
      <StatusBar />
    </div>
  );
}

export function App() {
  return (
    <CabinetProvider>
      <Shell />
    </CabinetProvider>
  );
}
