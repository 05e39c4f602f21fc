/**
 * Diagnostic: is this post ready? The card reader and its module, the
 * certificates, the computer's clock against each national service, each
 * service (name, secure connection, answer), the keychain, the local
 * database, the disk and the outbox — each with a verdict in words and an
 * icon (readable in black and white) and what to do. « Copier le rapport »
 * puts the plain-text report (secrets masked, no patient data) on the
 * clipboard for support. Reachable from the navigation and, before login,
 * from the login screen.
 */
import './diagnostic.css';
import { useEffect, useRef, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract/index.js';
import { areaLabels, diagnosticAreas, verdictLabels, type DiagnosticVerdict } from '../../../shared/domain/diagnostic.js';
import { Alert } from '../../components/Alert.js';
import { Icon, type IconName } from '../../components/Icon.js';
import { LoadError } from '../../components/LoadError.js';
import { Screen } from '../../components/Screen.js';
import { useChannel } from '../../data/useChannel.js';
import { defaultRoute, hrefOf } from '../../routes.js';
import { formatWhen } from '../../format.js';

type Report = ResponseOf<'diagnostic.run'>;
type Check = Report['checks'][number];

const verdictIcons: Record<DiagnosticVerdict, IconName> = {
  ok: 'check',
  attention: 'alert',
  echec: 'echec',
  'non-applicable': 'sansObjet',
};
/** Problems first inside each group. */
const verdictOrder: Record<DiagnosticVerdict, number> = { echec: 0, attention: 1, ok: 2, 'non-applicable': 3 };

function VerdictMark({ verdict }: { verdict: DiagnosticVerdict }) {
  return (
    <span className={`verdict verdict--${verdict}`}>
      <Icon name={verdictIcons[verdict]} />
      {verdictLabels[verdict]}
    </span>
  );
}

function Summary({ report }: { report: Report }) {
  const count = (v: DiagnosticVerdict) => report.checks.filter((c) => c.verdict === v).length;
  const failed = count('echec');
  const warned = count('attention');
  const title =
    report.overall === 'echec'
      ? `${failed} vérification${failed > 1 ? 's' : ''} en échec${warned ? `, ${warned} point${warned > 1 ? 's' : ''} à surveiller` : ''}`
      : report.overall === 'attention'
        ? `Cabinet fonctionne ; ${warned} point${warned > 1 ? 's demandent' : ' demande'} votre attention`
        : 'Tout est en ordre';
  return (
    <div className={`diagnostic-summary diagnostic-summary--${report.overall}`} role="status">
      <VerdictMark verdict={report.overall} />
      <div>
        <p className="diagnostic-summary__title">{title}</p>
        <p className="diagnostic-summary__meta">
          Vérifié {formatWhen(report.generatedAt)}
          {report.personal ? '' : ' — sans session ouverte : vos certificats seront vérifiés une fois connecté.'}
        </p>
      </div>
    </div>
  );
}

function CheckRow({ check }: { check: Check }) {
  return (
    <li className={`diagnostic-check diagnostic-check--${check.verdict}`}>
      <VerdictMark verdict={check.verdict} />
      <div className="diagnostic-check__body">
        <p className="diagnostic-check__label">{check.label}</p>
        <p className="diagnostic-check__detail">{check.detail}</p>
        {check.action ? (
          <p className="diagnostic-check__action">
            <strong>À faire :</strong> {check.action}
          </p>
        ) : null}
      </div>
    </li>
  );
}

type Notice = { tone: 'success' | 'warning'; text: string } | null;

export function Diagnostic({ beforeLogin = false }: { subpath: string; beforeLogin?: boolean }) {
  // Run afresh each time the screen opens (never from a cache), and again on « Relancer ».
  const diagnostic = useChannel('diagnostic.run', {}, { noCache: true });
  const report = diagnostic.data;
  const failure = diagnostic.failure;
  const running = diagnostic.loading || diagnostic.refreshing;
  const [notice, setNotice] = useState<Notice>(null);
  const [showText, setShowText] = useState(false);
  const textRef = useRef<HTMLTextAreaElement>(null);

  function runIt() {
    setNotice(null);
    void diagnostic.reload();
  }

  useEffect(() => {
    if (showText) textRef.current?.select();
  }, [showText]);

  async function copy() {
    if (!report) return;
    try {
      await navigator.clipboard.writeText(report.text);
      setNotice({
        tone: 'success',
        text: 'Rapport copié. Collez-le (Ctrl+V) dans votre message au support : il ne contient ni mot de passe ni donnée de patient.',
      });
    } catch {
      setShowText(true);
      setNotice({
        tone: 'warning',
        text: 'La copie automatique n’est pas permise ici : le rapport est sélectionné ci-dessous, copiez-le avec Ctrl+C.',
      });
    }
  }

  return (
    <div className={beforeLogin ? 'diagnostic diagnostic--gate' : 'diagnostic'}>
      {beforeLogin ? (
        <p className="diagnostic__back">
          <a href={hrefOf(defaultRoute)}>
            <Icon name="retour" />
            Retour à la connexion
          </a>
        </p>
      ) : null}
      <Screen
        title="Diagnostic"
        intro="Vérifie la carte CPS, les certificats, l’heure de l’ordinateur, les services nationaux et ce poste. En cas de problème, suivez « À faire », ou copiez le rapport pour le support."
        actions={
          <>
            <button type="button" className="button button--secondary" onClick={runIt} disabled={running}>
              <Icon name="refresh" className={running ? 'icon--spin' : undefined} />
              {running ? 'Vérification…' : 'Relancer'}
            </button>
            <button type="button" className="button button--primary" onClick={() => void copy()} disabled={!report}>
              <Icon name="copier" />
              Copier le rapport
            </button>
          </>
        }
      >
        <div aria-live="polite" aria-atomic="true" className="notice-slot">
          {notice ? <Alert tone={notice.tone}>{notice.text}</Alert> : null}
        </div>

        {failure && !report ? (
          <LoadError failure={failure} title="Le diagnostic n’a pas pu être fait" />
        ) : !report ? (
          <p className="muted" role="status">
            Vérification en cours (quelques secondes)…
          </p>
        ) : (
          <div className={running ? 'diagnostic__results diagnostic__results--stale' : 'diagnostic__results'} aria-busy={running}>
            <Summary report={report} />
            {diagnosticAreas.map((area) => {
              const checks = report.checks.filter((c) => c.area === area).sort((a, b) => verdictOrder[a.verdict] - verdictOrder[b.verdict]);
              if (checks.length === 0) return null;
              return (
                <section key={area} className="diagnostic-area" aria-labelledby={`diagnostic-${area}`}>
                  <h2 id={`diagnostic-${area}`} className="diagnostic-area__title">
                    {areaLabels[area]}
                  </h2>
                  <ul className="diagnostic-area__list">
                    {checks.map((check) => (
                      <CheckRow key={check.id} check={check} />
                    ))}
                  </ul>
                </section>
              );
            })}
            <details className="diagnostic__text" open={showText} onToggle={(event) => setShowText(event.currentTarget.open)}>
              <summary>Voir le rapport en texte</summary>
              <textarea ref={textRef} readOnly value={report.text} rows={16} aria-label="Rapport de diagnostic (texte)" />
            </details>
          </div>
        )}
      </Screen>
    </div>
  );
}
