/** The sends of documents to this patient's DMP: the one just sent (where it is now) and the latest five. */
import { Alert } from '../../components/Alert.js';
import { formatDateTime } from '../../format.js';
import type { DmpFeed } from './dmp-api.js';
import { feedStateLabels, typeLabel } from './dmp-labels.js';

/** Where the document just sent is: in the outbox, in the DMP, or failed (then « Envois » explains and retries). */
export function SentNotice({ sent, feeds, onClose }: { sent: { uniqueId: string; title: string }; feeds: DmpFeed[]; onClose: () => void }) {
  const state = feeds.find((f) => f.uniqueId === sent.uniqueId)?.state ?? 'en_attente';
  const close = (
    <button type="button" className="button button--quiet button--small" onClick={onClose}>
      Fermer
    </button>
  );
  if (state === 'envoye') {
    return (
      <Alert tone="success" className="dmp-notice" title={`« ${sent.title} » est dans le DMP.`} actions={close}>
        Il apparaît dans la liste des documents.
      </Alert>
    );
  }
  if (state === 'echec') {
    return (
      <Alert tone="error" className="dmp-notice" title={`« ${sent.title} » n’a pas pu être envoyé.`} actions={close}>
        Le DMP l’a refusé ou est resté injoignable : voyez le détail et réessayez depuis l’écran <a href="#/envois">Envois</a>.
      </Alert>
    );
  }
  return (
    <Alert tone="info" className="dmp-notice" title={`« ${sent.title} » part vers le DMP.`} actions={close}>
      Il est dans la file d’envoi : il partira même si le DMP est momentanément injoignable.
    </Alert>
  );
}

export function FeedList({ feeds }: { feeds: DmpFeed[] }) {
  return (
    <div className="dmp-feeds">
      <h3 className="subsection__title">Envois vers le DMP</h3>
      <ul className="dmp-feeds__list">
        {feeds.slice(0, 5).map((feed) => {
          const state = feedStateLabels[feed.state] ?? { label: feed.state, tone: 'info' as const };
          return (
            <li key={feed.uniqueId} className="dmp-feeds__item">
              <span className={`badge badge--${state.tone === 'error' ? 'danger' : state.tone}`}>{state.label}</span>
              <span className="dmp-feeds__title">{feed.title || typeLabel(feed.typeCode)}</span>
              <span className="muted">{formatDateTime(feed.createdAt)}</span>
              {feed.error ? <span className="text-danger">{feed.error}</span> : null}
              {feed.state === 'echec' ? (
                <a className="button button--quiet button--small" href="#/envois">
                  Voir dans Envois
                </a>
              ) : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
