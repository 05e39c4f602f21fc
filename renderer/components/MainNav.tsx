/** The left navigation: one link per screen, the current one marked with aria-current="page". */
import './MainNav.css';
import { hrefOf, routeLabels, routes, type Route } from '../routes.js';
import { useMailAlerts } from '../screens/messagerie/alerts.js';
import { Icon } from './Icon.js';

const FAILED_ID = 'navigation-envois-echecs';
const UNREAD_ID = 'navigation-messagerie-non-lus';

export function MainNav({ current, failedSends }: { current: Route; failedSends: number }) {
  // Unread inbox messages (kept fresh, with a desktop notification for new mail when allowed).
  const unreadMail = useMailAlerts();
  const described = (route: Route): string | undefined =>
    route === 'envois' && failedSends > 0 ? FAILED_ID : route === 'messagerie' && unreadMail > 0 ? UNREAD_ID : undefined;
  return (
    <nav className="main-nav" aria-label="Navigation principale">
      <ul className="main-nav__list">
        {routes.map((route, index) => (
          <li key={route}>
            <a
              className="main-nav__link"
              href={hrefOf(route)}
              aria-current={route === current ? 'page' : undefined}
              aria-describedby={described(route)}
              aria-keyshortcuts={`Alt+${index + 1}`}
              title={`${routeLabels[route]} (Alt+${index + 1})`}
            >
              <Icon name={route} />
              <span className="main-nav__text">{routeLabels[route]}</span>
              {route === 'envois' && failedSends > 0 ? (
                // Described, not named: the link stays "Envois" for assistive technologies.
                <span className="main-nav__count" id={FAILED_ID} aria-hidden="true">
                  {failedSends}
                  <span className="visually-hidden"> en échec</span>
                </span>
              ) : null}
              {route === 'messagerie' && unreadMail > 0 ? (
                <span className="main-nav__count main-nav__count--info" id={UNREAD_ID} aria-hidden="true">
                  {unreadMail > 99 ? '99+' : unreadMail}
                  <span className="visually-hidden">
                    {' '}
                    {unreadMail > 99 ? `(${unreadMail}) ` : ''}
                    {unreadMail > 1 ? 'non lus' : 'non lu'}
                  </span>
                </span>
              ) : null}
            </a>
          </li>
        ))}
      </ul>
      <p className="main-nav__hint">Raccourcis : Alt+1 à {routes.length}</p>
    </nav>
  );
}
