/** Sends still in the outbox, above the « Envoyés » list. */
import { hrefOf } from '../../routes.js';
import type { OutboxItem } from './model.js';

export function PendingList({ pending }: { pending: OutboxItem[] }) {
  return (
    <section className="mss-pending" aria-labelledby="mss-pending-titre">
      <h3 id="mss-pending-titre" className="mss-section-title">
        Dans la file d’envoi ({pending.length})
      </h3>
      <ul className="mss-pending__list">
        {pending.map((p) => (
          <li key={p.id} className={`mss-pending__item mss-pending__item--${p.state}`}>
            <span className={`badge ${p.state === 'echec' ? 'badge--danger' : 'badge--info'}`}>
              {p.state === 'echec' ? 'Échec' : p.state === 'en_cours' ? 'Envoi en cours' : 'En attente d’envoi'}
            </span>
            <span className="mss-pending__summary">{p.summary}</span>
            {p.lastError ? <span className="mss-pending__error text-danger">{p.lastError}</span> : null}
            {p.state === 'echec' ? (
              <a className="button button--quiet button--small" href={hrefOf('envois')}>
                Voir dans Envois
              </a>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
