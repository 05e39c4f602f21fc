/**
 * « À remettre sur papier » (issue 15): what did not reach the patient
 * electronically — a mail not delivered (DSN, error notice) or not read after
 * the delay, a DMP feed still queued — with the reason, one action to print,
 * and « remis en main propre » / « envoyé par courrier » (audited).
 */
import type { PaperHow } from '../../../shared/domain/paper-watch.js';
import { Alert } from '../../components/Alert.js';
import { PrintForPatient } from '../../components/PrintForPatient.js';
import { useAction, useChannel } from '../../data/useChannel.js';
import { formatInteger, formatWhen } from '../../format.js';

export function PaperList() {
  const list = useChannel('paper.list', {}, { refreshOn: ['outboxChanged', 'mssChanged'], noCache: true });
  const mark = useAction('paper.mark');
  const items = list.data?.items ?? [];

  async function handOver(key: string, how: PaperHow) {
    const outcome = await mark.run({ key, how });
    if (outcome.ok) void list.reload();
  }

  if (list.failure && !list.data) return null;
  return (
    <section className="paper-list" aria-labelledby="paper-list-title">
      <h2 id="paper-list-title" className="paper-list__title">
        À remettre sur papier {list.data ? <span className="filter-button__count">{formatInteger(items.length)}</span> : null}
      </h2>
      {items.length === 0 ? (
        <p className="muted">
          Rien à remettre sur papier : chaque patient a reçu ou lu ce qui lui a été envoyé (délai de {list.data?.delayHours ?? 72} h).
        </p>
      ) : (
        <ul className="paper-list__items">
          {items.map((item) => (
            <li key={item.key} className="paper-list__item">
              <p className="paper-list__summary">
                <strong>{item.summary}</strong>
              </p>
              <p className="paper-list__reason text-danger">{item.reason}</p>
              <p className="muted">Depuis {formatWhen(item.since)}</p>
              <div className="form-actions">
                {item.patientUid ? <PrintForPatient uid={item.patientUid} small /> : null}
                {(['main_propre', 'courrier'] as const).map((how) => (
                  <button
                    key={how}
                    type="button"
                    className="button button--quiet button--small"
                    disabled={mark.pending}
                    onClick={() => void handOver(item.key, how)}
                  >
                    {how === 'main_propre' ? 'Remis en main propre' : 'Envoyé par courrier'}
                  </button>
                ))}
              </div>
            </li>
          ))}
        </ul>
      )}
      {mark.failure ? <Alert tone="error">{mark.failure.message}</Alert> : null}
    </section>
  );
}
