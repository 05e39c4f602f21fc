/**
 * One DMP document: the viewer (a CDA rendered safely, its PDF inline) and,
 * for the practitioner's own documents, the actions: visibility (masked from
 * other professionals, hidden from the patient or the legal
 * representatives), archive, replace and delete — each confirmed.
 */
import { useId, useMemo, useState } from 'react';
import type { Failure } from '../../../shared/contract/index.js';
import { Alert } from '../../components/Alert.js';
import { FailureAlert } from '../../components/FormActions.js';
import { CdaView } from '../../components/CdaView.js';
import { Icon } from '../../components/Icon.js';
import { PdfViewer } from '../../components/PdfViewer.js';
import { formatDateTime, formatWhen } from '../../format.js';
import { base64ToBytes, looksLikePdf } from './cda-sections.js';
import { Dialog } from '../../components/Dialog.js';
import { useChannel } from '../../data/useChannel.js';
import { DmpFailure } from './DmpFailure.js';
import { dmp, useDmpReport, type DmpEntry, type DmpVisibility } from './dmp-api.js';
import { authorsLine, availabilityLabels, documentDate, typeLabel } from './dmp-labels.js';

export function DocumentViewerDialog({ uid, entry, onClose }: { uid: string; entry: DmpEntry; onClose: () => void }) {
  const report = useDmpReport();
  // A document is large and read once: not kept in the session cache.
  const { data: doc, failure } = useChannel('dmp.get', { uid, entryUuid: entry.entryUuid }, { noCache: true, report });

  const bytes = useMemo(() => (doc ? base64ToBytes(doc.contentBase64) : null), [doc]);
  const title = entry.title || typeLabel(entry.type.code, entry.type.display);

  return (
    <Dialog title={title} size="large" onClose={onClose}>
      <p className="dmp-viewer__meta">
        {typeLabel(entry.type.code, entry.type.display)} — {formatDateTime(documentDate(entry))} — {authorsLine(entry.authors)}
        {entry.status !== 'Approved' ? ` — ${availabilityLabels[entry.status]}` : ''}
      </p>
      {doc?.fromCache ? (
        <p className="dmp-viewer__cache">
          <Icon name="info" /> Copie enregistrée sur ce poste {formatWhen(doc.fetchedAt)}.
        </p>
      ) : null}
      {failure ? (
        <DmpFailure failure={failure} title="Impossible d’ouvrir ce document" />
      ) : !doc || !bytes ? (
        <p className="muted" role="status">
          Ouverture du document…
        </p>
      ) : doc.kind === 'cda-n1' || doc.kind === 'cda-n3' ? (
        <CdaView xml={bytes} fallbackTitle={title} />
      ) : doc.mimeType === 'application/pdf' || looksLikePdf(bytes) ? (
        <PdfViewer data={bytes} title={title} />
      ) : doc.mimeType.startsWith('text/plain') ? (
        <pre className="cda-view__plain">{new TextDecoder('utf-8').decode(bytes)}</pre>
      ) : (
        <Alert tone="info" title="Format non affiché">
          Ce document est au format {doc.mimeType}, que Cabinet n’affiche pas.
        </Alert>
      )}
    </Dialog>
  );
}

type Confirming = null | 'archive' | 'delete';

export function DocumentActionsDialog({
  uid,
  entry,
  onChanged,
  onReplace,
  onClose,
}: {
  uid: string;
  entry: DmpEntry;
  onChanged: (entry: DmpEntry, message: string) => void;
  onReplace: (entry: DmpEntry) => void;
  onClose: () => void;
}) {
  const report = useDmpReport();
  const id = useId();
  const [visibility, setVisibility] = useState<DmpVisibility>(entry.visibility);
  const [confirming, setConfirming] = useState<Confirming>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [current, setCurrent] = useState(entry);
  const changedVisibility =
    visibility.masquePs !== current.visibility.masquePs ||
    visibility.invisiblePatient !== current.visibility.invisiblePatient ||
    visibility.invisibleRepresentants !== current.visibility.invisibleRepresentants;

  async function run(action: () => ReturnType<typeof dmp<'setStatus'>>, message: string) {
    setBusy(true);
    setFailure(null);
    setNotice(null);
    const outcome = await action();
    setBusy(false);
    setConfirming(null);
    if (outcome.ok) {
      setCurrent(outcome.value);
      setVisibility(outcome.value.visibility);
      setNotice(message);
      onChanged(outcome.value, message);
    } else {
      setFailure(outcome);
      report(outcome);
    }
  }

  const title = current.title || typeLabel(current.type.code, current.type.display);
  const masqueMessage = visibility.masquePs ? 'Document masqué aux autres professionnels.' : 'Visibilité du document enregistrée.';

  return (
    <Dialog title={`Gérer « ${title} »`} onClose={onClose}>
      <p className="dmp-viewer__meta">
        {typeLabel(current.type.code, current.type.display)} — {formatDateTime(documentDate(current))} — état :{' '}
        {availabilityLabels[current.status]}
      </p>

      <fieldset className="fieldset dmp-actions__group" disabled={busy || current.status === 'Deleted'}>
        <legend className="field__label">Visibilité</legend>
        <div className="checkbox">
          <input
            id={`${id}-masque`}
            type="checkbox"
            checked={visibility.masquePs}
            onChange={(e) => setVisibility({ ...visibility, masquePs: e.target.checked })}
          />
          <label htmlFor={`${id}-masque`}>Masquer aux autres professionnels</label>
        </div>
        <div className="checkbox">
          <input
            id={`${id}-patient`}
            type="checkbox"
            checked={visibility.invisiblePatient}
            onChange={(e) => setVisibility({ ...visibility, invisiblePatient: e.target.checked })}
          />
          <label htmlFor={`${id}-patient`}>Masquer au patient (en attendant de le lui annoncer)</label>
        </div>
        <div className="checkbox">
          <input
            id={`${id}-representants`}
            type="checkbox"
            checked={visibility.invisibleRepresentants}
            onChange={(e) => setVisibility({ ...visibility, invisibleRepresentants: e.target.checked })}
          />
          <label htmlFor={`${id}-representants`}>Masquer aux représentants légaux</label>
        </div>
        <div className="form-actions">
          <button
            type="button"
            className="button button--primary button--small"
            disabled={!changedVisibility}
            onClick={() => void run(() => dmp('setVisibility', { uid, entryUuid: current.entryUuid, visibility }), masqueMessage)}
          >
            Enregistrer la visibilité
          </button>
        </div>
      </fieldset>

      <div className="dmp-actions__group">
        <p className="field__label">Autres actions</p>
        {confirming === null ? (
          <div className="form-actions">
            <button type="button" className="button button--secondary button--small" disabled={busy} onClick={() => onReplace(current)}>
              <Icon name="fichier" />
              Remplacer par un nouveau PDF…
            </button>
            {current.status === 'Archived' ? (
              <button
                type="button"
                className="button button--secondary button--small"
                disabled={busy}
                onClick={() =>
                  void run(() => dmp('setStatus', { uid, entryUuid: current.entryUuid, status: 'Approved' }), 'Document désarchivé.')
                }
              >
                Désarchiver
              </button>
            ) : (
              <button
                type="button"
                className="button button--secondary button--small"
                disabled={busy}
                onClick={() => setConfirming('archive')}
              >
                Archiver…
              </button>
            )}
            <button
              type="button"
              className="button button--danger-quiet button--small"
              disabled={busy}
              onClick={() => setConfirming('delete')}
            >
              Supprimer du DMP…
            </button>
          </div>
        ) : (
          <Alert
            tone={confirming === 'delete' ? 'error' : 'warning'}
            title={confirming === 'delete' ? `Supprimer « ${title} » du DMP ?` : `Archiver « ${title} » ?`}
            actions={
              <>
                <button
                  type="button"
                  className={confirming === 'delete' ? 'button button--danger button--small' : 'button button--primary button--small'}
                  disabled={busy}
                  autoFocus
                  onClick={() =>
                    void run(
                      () =>
                        dmp('setStatus', { uid, entryUuid: current.entryUuid, status: confirming === 'delete' ? 'Deleted' : 'Archived' }),
                      confirming === 'delete' ? 'Document supprimé du DMP.' : 'Document archivé.',
                    )
                  }
                >
                  {confirming === 'delete' ? 'Oui, supprimer' : 'Oui, archiver'}
                </button>
                <button type="button" className="button button--quiet button--small" disabled={busy} onClick={() => setConfirming(null)}>
                  Non
                </button>
              </>
            }
          >
            {confirming === 'delete'
              ? 'Ni le patient ni les professionnels ne le verront plus. Cette suppression ne peut pas être annulée depuis Cabinet.'
              : 'Il reste dans le DMP, mais n’apparaît plus parmi les documents récents.'}
          </Alert>
        )}
      </div>

      <p className="notice-slot" role="status">
        {notice ?? ''}
      </p>
      <FailureAlert failure={failure} title="Action refusée" />
      <div className="form-actions">
        <button type="button" className="button button--quiet" onClick={onClose}>
          Fermer
        </button>
      </div>
    </Dialog>
  );
}
