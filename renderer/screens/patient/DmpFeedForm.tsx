/**
 * « Ajouter un document au DMP »: drop a PDF (or choose it), then its type
 * (JDV_J07), title, date and visibility, « Vérifier avant l’envoi » (the
 * services build and self-check the CDA and return the metadata), and
 * « Envoyer au DMP » (through the outbox: sent even if the DMP is down for
 * a while; its progress shows in the list of sends). In replacement mode
 * the same form replaces one of the practitioner's own documents.
 */
import { useEffect, useId, useRef, useState, type DragEvent, type FormEvent } from 'react';
import type { Failure } from '../../../shared/contract/index.js';
import { Alert } from '../../components/Alert.js';
import { FailureAlert, SubmitCancel } from '../../components/FormActions.js';
import { Icon } from '../../components/Icon.js';
import { PdfViewer } from '../../components/PdfViewer.js';
import { dmp, useDmpReport, type DmpEntry, type DmpFeedResult, type DmpPreview, type DmpPreviewInput } from './dmp-api.js';
import { bytesToBase64, dateProblem, documentTypes, pdfProblem, sizeLabel, titleFromFileName, typeLabel } from './dmp-labels.js';
import { practiceToday } from '../../format.js';

interface Chosen {
  name: string;
  size: number;
  bytes: Uint8Array;
}

type Step = { kind: 'form' } | { kind: 'preview'; preview: DmpPreview; input: DmpPreviewInput };

export function DmpFeedForm({
  uid,
  replacing,
  onSent,
  onClose,
}: {
  uid: string;
  /** Replacement mode: the document this one replaces. */
  replacing?: DmpEntry;
  /** The document is in the outbox (the form closes; the panel follows its progress). */
  onSent: (result: DmpFeedResult, title: string) => void;
  onClose: () => void;
}) {
  const report = useDmpReport();
  const id = useId();
  const [file, setFile] = useState<Chosen | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [type, setType] = useState(
    replacing?.type.code && documentTypes.some((t) => t.code === replacing.type.code) ? replacing.type.code : '11488-4',
  );
  const [title, setTitle] = useState(replacing?.title ?? '');
  const [date, setDate] = useState(() => practiceToday());
  const [masquePs, setMasquePs] = useState(replacing?.visibility.masquePs ?? false);
  const [invisiblePatient, setInvisiblePatient] = useState(replacing?.visibility.invisiblePatient ?? false);
  const [invisibleRepresentants, setInvisibleRepresentants] = useState(replacing?.visibility.invisibleRepresentants ?? false);
  const [submitted, setSubmitted] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [step, setStep] = useState<Step>({ kind: 'form' });
  const fileRef = useRef<HTMLInputElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  const dateError = dateProblem(date);
  const titleError = title.trim().length > 250 ? 'Le titre est trop long (250 caractères au plus).' : null;

  useEffect(() => {
    if (step.kind !== 'form') headingRef.current?.focus();
  }, [step.kind]);

  async function choose(picked: File | undefined) {
    setFailure(null);
    if (!picked) return;
    const bytes = new Uint8Array(await picked.arrayBuffer());
    const problem = pdfProblem({ name: picked.name, size: picked.size, type: picked.type }, bytes.subarray(0, 8));
    if (problem) {
      setFile(null);
      setFileError(problem);
      return;
    }
    setFileError(null);
    setFile({ name: picked.name, size: picked.size, bytes });
    if (!title.trim()) setTitle(titleFromFileName(picked.name));
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    void choose(event.dataTransfer.files[0]);
  }

  function input(): DmpPreviewInput | null {
    if (!file) return null;
    return {
      uid,
      pdfBase64: bytesToBase64(file.bytes),
      type,
      ...(title.trim() ? { title: title.trim() } : {}),
      date,
      visibility: { masquePs, invisiblePatient, invisibleRepresentants },
      ...(replacing ? { replaces: replacing.entryUuid } : {}),
    };
  }

  async function check(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    setFailure(null);
    if (!file) {
      setFileError('Déposez ou choisissez le PDF à envoyer.');
      fileRef.current?.focus();
      return;
    }
    if (dateError || titleError) return;
    const request = input();
    if (!request) return;
    setBusy(true);
    const outcome = await dmp('previewFeed', request);
    setBusy(false);
    if (outcome.ok) setStep({ kind: 'preview', preview: outcome.value, input: request });
    else {
      setFailure(outcome);
      report(outcome);
    }
  }

  async function send() {
    if (step.kind !== 'preview') return;
    setBusy(true);
    setFailure(null);
    // The very document previewed (its CDA is kept by the services, replacement included).
    const outcome = await dmp('feed', { uid, previewId: step.preview.previewId });
    setBusy(false);
    if (outcome.ok) {
      onSent(
        outcome.value,
        step.preview.metadata.find((row) => row.label === 'Titre')?.value ?? step.input.title ?? typeLabel(step.input.type),
      );
    } else {
      setFailure(outcome);
      report(outcome);
    }
  }

  const heading = replacing ? `Remplacer « ${replacing.title} »` : 'Ajouter un document au DMP';

  if (step.kind === 'preview') {
    const rows = step.preview.metadata;
    return (
      <div className="panel dmp-feed" aria-labelledby={`${id}-titre`}>
        <h3 id={`${id}-titre`} ref={headingRef} tabIndex={-1} className="subsection__title">
          Vérifiez avant l’envoi
        </h3>
        <p className="section__intro">Le document a été préparé et contrôlé (format CDA du DMP). Voici ce que le DMP recevra :</p>
        <dl className="facts dmp-metadata">
          {rows.map((row) => (
            <div key={row.label} className="facts__row">
              <dt>{row.label}</dt>
              <dd className={row.label.startsWith('Identifiant') ? 'mono' : undefined}>{row.value}</dd>
            </div>
          ))}
        </dl>
        {file ? (
          <details className="dmp-feed__pdf">
            <summary>Voir le PDF ({file.name})</summary>
            <PdfViewer data={file.bytes} title={file.name} />
          </details>
        ) : null}
        <FailureAlert failure={failure} title="Envoi impossible" />
        <div className="form-actions">
          <button type="button" className="button button--primary" disabled={busy} onClick={() => void send()}>
            <Icon name="envois" />
            {busy ? 'Envoi en cours…' : replacing ? 'Remplacer dans le DMP' : 'Envoyer au DMP'}
          </button>
          <button type="button" className="button button--quiet" disabled={busy} onClick={() => setStep({ kind: 'form' })}>
            <Icon name="modifier" />
            Modifier
          </button>
          <button type="button" className="button button--quiet" disabled={busy} onClick={onClose}>
            Annuler
          </button>
        </div>
      </div>
    );
  }

  return (
    <form className="panel dmp-feed form-stack" aria-labelledby={`${id}-titre`} onSubmit={(event) => void check(event)} noValidate>
      <h3 id={`${id}-titre`} ref={headingRef} tabIndex={-1} className="subsection__title">
        {heading}
      </h3>
      <div
        className={`dmp-drop${dragging ? ' dmp-drop--over' : ''}${fileError ? ' dmp-drop--error' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <Icon name="fichier" className="dmp-drop__icon" />
        {file ? (
          <p className="dmp-drop__file">
            <strong>{file.name}</strong> — {sizeLabel(file.size)}
          </p>
        ) : (
          <p className="dmp-drop__hint">Déposez ici le PDF à envoyer au DMP</p>
        )}
        <label className="button button--secondary button--small dmp-drop__choose" htmlFor={`${id}-fichier`}>
          {file ? 'Choisir un autre PDF' : 'ou choisir un PDF…'}
        </label>
        <input
          ref={fileRef}
          id={`${id}-fichier`}
          className="visually-hidden"
          type="file"
          accept="application/pdf,.pdf"
          aria-label="PDF à envoyer au DMP"
          aria-invalid={fileError ? true : undefined}
          aria-describedby={fileError ? `${id}-fichier-erreur` : undefined}
          disabled={busy}
          onChange={(event) => void choose(event.target.files?.[0])}
        />
      </div>
      {fileError ? (
        <p id={`${id}-fichier-erreur`} className="field__error" role="alert">
          {fileError}
        </p>
      ) : null}

      <div className="dmp-feed__fields">
        <div className="field">
          <label className="field__label" htmlFor={`${id}-type`}>
            Type de document
          </label>
          <select id={`${id}-type`} className="input input--select" value={type} disabled={busy} onChange={(e) => setType(e.target.value)}>
            {documentTypes.map((t) => (
              <option key={t.code} value={t.code}>
                {t.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-titre-doc`}>
            Titre
          </label>
          <input
            id={`${id}-titre-doc`}
            className="input input--text"
            value={title}
            maxLength={250}
            disabled={busy}
            placeholder={typeLabel(type)}
            aria-invalid={titleError ? true : undefined}
            onChange={(e) => setTitle(e.target.value)}
          />
          {titleError ? <p className="field__error">{titleError}</p> : null}
        </div>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-date`}>
            Date du document
          </label>
          <input
            id={`${id}-date`}
            type="date"
            className="input input--date"
            value={date}
            max={practiceToday()}
            disabled={busy}
            aria-invalid={submitted && dateError ? true : undefined}
            aria-describedby={submitted && dateError ? `${id}-date-erreur` : undefined}
            onChange={(e) => setDate(e.target.value)}
          />
          {submitted && dateError ? (
            <p id={`${id}-date-erreur`} className="field__error">
              {dateError}
            </p>
          ) : null}
        </div>
      </div>

      <fieldset className="fieldset dmp-feed__visibility">
        <legend className="field__label">Visibilité</legend>
        <div className="checkbox">
          <input id={`${id}-masque`} type="checkbox" checked={masquePs} disabled={busy} onChange={(e) => setMasquePs(e.target.checked)} />
          <label htmlFor={`${id}-masque`}>Masquer aux autres professionnels</label>
        </div>
        <div className="checkbox">
          <input
            id={`${id}-patient`}
            type="checkbox"
            checked={invisiblePatient}
            disabled={busy}
            onChange={(e) => setInvisiblePatient(e.target.checked)}
          />
          <label htmlFor={`${id}-patient`}>Masquer au patient (en attendant de le lui annoncer)</label>
        </div>
        <div className="checkbox">
          <input
            id={`${id}-representants`}
            type="checkbox"
            checked={invisibleRepresentants}
            disabled={busy}
            onChange={(e) => setInvisibleRepresentants(e.target.checked)}
          />
          <label htmlFor={`${id}-representants`}>Masquer aux représentants légaux</label>
        </div>
      </fieldset>

      {failure ? (
        <Alert tone="error" title="Le document n’a pas pu être préparé">
          <p>{failure.message}</p>
          {failure.code === 'CHECK_FAILED' && failure.details?.problems ? (
            <ul>
              {failure.details.problems.slice(0, 8).map((p, i) => (
                <li key={i}>{p.message ?? String(p)}</li>
              ))}
            </ul>
          ) : null}
        </Alert>
      ) : null}

      <SubmitCancel icon="check" label="Vérifier avant l’envoi" busyLabel="Préparation du document…" busy={busy} onCancel={onClose} />
    </form>
  );
}
