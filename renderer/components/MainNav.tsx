/** The left navigation: five links, the current one marked with aria-current="page". */
import { hrefOf, routeLabels, routes, type Route } from '../routes.js';
import { Icon } from './Icon.js';

export function MainNav({ current, failedSends }: { current: Route; failedSends: number }) {
  return (
    <nav className="main-nav" aria-label="Navigation principale">
      <ul className="main-nav__list">
        {routes.map((route, index) => (
          <li key={route}>
            <a
              className="main-nav__link"
              href={hrefOf(route)}
              aria-current={route === current ? 'page' : undefined}
              aria-keyshortcuts={`Alt+${index + 1}`}
              title={`${routeLabels[route]} (Alt+${index + 1})`}
            >
              <Icon name={route} />
              <span className="main-nav__text">{routeLabels[route]}</span>
              {route === 'envois' && failedSends > 0 ? (
                <span className="main-nav__count">
                  {failedSends}
                  <span className="visually-hidden"> en échec</span>
                </span>
              ) : null}
            </a>
          </li>
        ))}
      </ul>
      <p className="main-nav__hint">Raccourcis : Alt+1 à 5</p>
    </nav>
  );
}
