/**
 * The main window: skip link, header (product, environment, and who is logged
 * in), connection banner, then — from the session's state alone — the login
 * screen, the lock screen, or the application (left navigation and the
 * current screen), and the status bar.
 */
import { useEffect, useRef, useState, type ComponentType } from 'react';
import type { CabinetEnvironment } from '../shared/domain/services.js';
import { ConnectionBanner } from './components/ConnectionBanner.js';
import { EnvironmentBadge, splitEnvironmentLabel } from './components/EnvironmentBadge.js';
import { IdentityBadge } from './components/IdentityBadge.js';
import { LoadError } from './components/LoadError.js';
import { MainNav } from './components/MainNav.js';
import { StatusBar } from './components/StatusBar.js';
import { routeLabels, routes, usePlace, type Place, type Route } from './routes.js';
import { Connexion } from './screens/connexion/Connexion.js';
import { Diagnostic } from './screens/diagnostic/Diagnostic.js';
import { Envois } from './screens/envois/Envois.js';
import { IdentifierPatient } from './screens/identifier/IdentifierPatient.js';
import { Journal } from './screens/journal/Journal.js';
import { Messagerie } from './screens/messagerie/Messagerie.js';
import { Patient } from './screens/patient/Patient.js';
import { Patients } from './screens/patients/Patients.js';
import { Reglages } from './screens/reglages/Reglages.js';
import { Verrouillage } from './screens/connexion/Verrouillage.js';
import { CabinetProvider, isOutage, useCabinet } from './state/cabinet.js';
import { SessionProvider, useSession } from './state/session.js';

/**
 * The pages of the Patients screen: the list, `identifier` (a new patient),
 * `<uid>` (a patient's page) and `<uid>/identifier` (a new INSi query for a
 * patient already on this post).
 */
function PatientsPages({ subpath }: { subpath: string }) {
  const [first = '', second] = subpath.split('/');
  if (!first) return <Patients />;
  if (first === 'identifier' && second === undefined) return <IdentifierPatient />;
  const uid = decodeURIComponent(first);
  if (second === 'identifier') return <IdentifierPatient uid={uid} />;
  return <Patient uid={uid} />;
}

/** The window's title: the screen, or the page inside it (never a patient's name). */
function pageTitle(place: Place): string {
  if (place.route === 'patients' && place.subpath) {
    return place.subpath.endsWith('identifier') ? 'Identifier un patient' : 'Fiche patient';
  }
  return routeLabels[place.route];
}

const screens: Record<Route, ComponentType<{ subpath: string }>> = {
  patients: PatientsPages,
  messagerie: Messagerie,
  envois: Envois,
  journal: Journal,
  reglages: Reglages,
  diagnostic: Diagnostic,
};

/** Alt+1 … Alt+6 open the screens in menu order. Uses the physical key so it works on AZERTY too. */
function useShortcuts(navigate: (route: Route) => void): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      const match = /^Digit([1-9])$/.exec(event.code);
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

function titleSuffix(env: CabinetEnvironment | null): string {
  return env && env !== 'production' ? ` — ${splitEnvironmentLabel(env)[0]}` : '';
}

/** The application itself, only while the session is open: navigation and the current screen. */
function Workspace({ env, enteredFromGate }: { env: CabinetEnvironment | null; enteredFromGate: boolean }) {
  const [place, navigate] = usePlace();
  const route = place.route;
  const pageKey = `${place.route}/${place.subpath}`;
  const { status } = useCabinet();
  const CurrentScreen = screens[route];
  useShortcuts(navigate);

  // Just logged in or unlocked (the focused field is gone): start on the screen's title.
  const focusFirst = useRef(enteredFromGate);
  useEffect(() => {
    if (focusFirst.current) focusScreenHeading();
  }, []);

  // After a navigation (not at startup), move focus to the new page's title.
  const shownPage = useRef(pageKey);
  useEffect(() => {
    if (shownPage.current === pageKey) return;
    shownPage.current = pageKey;
    focusScreenHeading();
  }, [pageKey]);

  const title = pageTitle(place);
  useEffect(() => {
    document.title = `${title} · Cabinet${titleSuffix(env)}`;
  }, [title, env]);

  return (
    <div className="app-body">
      <MainNav current={route} failedSends={status?.outbox.echec ?? 0} />
      <main id="contenu" className="app-main" tabIndex={-1}>
        <CurrentScreen key={pageKey} subpath={place.subpath} />
      </main>
    </div>
  );
}

/** Before the session is known (or when it cannot be read). */
function SessionPending() {
  const { loadError } = useSession();
  return (
    <div className="gate">
      <div className="gate__panel gate__panel--quiet">
        <h1 className="gate__title" tabIndex={-1}>
          Ouverture de Cabinet
        </h1>
        {loadError && isOutage(loadError) ? (
          // The banner above says why and what to do; here, only what comes next.
          <p className="muted">L’écran de connexion s’affichera dès que les services de Cabinet répondront.</p>
        ) : loadError ? (
          <LoadError failure={loadError} title="Impossible de lire la session" />
        ) : (
          <p className="muted" role="status">
            Lecture de la session…
          </p>
        )}
      </div>
    </div>
  );
}

function Shell() {
  const { info, status, outage, reconnect } = useCabinet();
  const { view } = useSession();
  const env = info?.env ?? status?.env ?? null;
  const state = view?.state ?? null;
  // The Diagnostic is reachable before login (card reader problems happen there): `#/diagnostic` from the login screen.
  const [place] = usePlace();
  const gateDiagnostic = (state === 'deconnecte' || state === 'verrouille') && place.route === 'diagnostic';
  // Whether the login or lock screen was shown before the application (then focus its first screen).
  const [gateSeen, setGateSeen] = useState(false);
  if ((state === 'deconnecte' || state === 'verrouille') && !gateSeen) setGateSeen(true);

  useEffect(() => {
    if (state === 'connecte') return;
    const title = gateDiagnostic
      ? 'Diagnostic'
      : state === 'verrouille'
        ? 'Session verrouillée'
        : state === 'deconnecte'
          ? 'Connexion'
          : 'Ouverture';
    document.title = `${title} · Cabinet${titleSuffix(env)}`;
  }, [state, env, gateDiagnostic]);

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
        {view?.state === 'connecte' ? <IdentityBadge view={view} /> : null}
      </header>
      {outage ? <ConnectionBanner failure={outage} onRetry={reconnect} /> : null}
      {state === 'connecte' ? (
        <Workspace env={env} enteredFromGate={gateSeen} />
      ) : (
        // Logged out or locked: nothing of the application (no patient data) is rendered.
        <main id="contenu" className="app-main app-main--gate" tabIndex={-1}>
          {gateDiagnostic ? (
            <Diagnostic subpath="" beforeLogin />
          ) : view?.state === 'deconnecte' ? (
            <Connexion />
          ) : view?.state === 'verrouille' ? (
            <Verrouillage view={view} />
          ) : (
            <SessionPending />
          )}
        </main>
      )}
      <StatusBar />
    </div>
  );
}

export function App() {
  return (
    <CabinetProvider>
      <SessionProvider>
        <Shell />
      </SessionProvider>
    </CabinetProvider>
  );
}
