/**
 * One message: headers, the text (never remote HTML: the services hand over
 * the plain-text part, and React prints it as text), attachments (download;
 * PDF shown inline with pdf.js), the XDM documents with their patient match
 * and « Importer dans le dossier », the read-receipt question when the
 * sender's Disposition-Notification-To differs from the Return-Path, the
 * receipts timeline of a mail we sent, and the conversation around it.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Failure } from '../../../shared/contract/index.js';
import { Alert } from '../../components/Alert.js';
import { Icon } from '../../components/Icon.js';
import { LoadError } from '../../components/LoadError.js';
import { patientName } from '../../components/PatientName.js';
import { PdfViewer } from '../../components/PdfViewer.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { formatDateTime, formatDateTimeLong } from '../../format.js';
import { cabinet } from '../../bridge/index.js';
import type { PatientSummary } from '../../ins.js';
import { patientHrefs } from '../../routes.js';
import { call, useCabinet } from '../../state/cabinet.js';
import { displayAddress, formatInsValue, fullAddress, patientInsOf, type MailAddress } from './address.js';
import { mssApi } from './api.js';
import { base64ToBytes, formatSize, isPdf, safeFilename } from './files.js';
import type { AttachmentView, MessageDetail, MessageSummary, PendingSend, XdmDocumentView } from './model.js';
import { ReceiptsTimeline } from './ReceiptsTimeline.js';
import { usePatientByIns } from './usePatientByIns.js';
import { byDate, displaySubject } from './threads.js';

export interface ReplyIntent {
  message: MessageDetail;
  /** The patient (QUAL, found on this post) when the mail came from their mailbox. */
  patient: PatientSummary | null;
}

export function ReadingPane({
  id,
  version = 0,
  outgoing = false,
  pending,
  onReply,
  onOpen,
  onChanged,
}: {
  id: number;
  /** Changes when the mailbox changed (a sync brought receipts): the timeline is read again. */
  version?: number;
  /** A mail of « Envoyés »: its receipts first, no « Répondre ». */
  outgoing?: boolean;
  pending: PendingSend[];
  onReply: (intent: ReplyIntent) => void;
  onOpen: (message: MessageSummary) => void;
  onChanged: () => void;
}) {
  const { report } = useCabinet();
  const [message, setMessage] = useState<MessageDetail | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  // The message is read again only when another one is opened, not when the screen around it re-renders.
  const onChangedRef = useRef(onChanged);
  onChangedRef.current = onChanged;

  const load = useCallback(async () => {
    const outcome = await mssApi.get(id);
    if (!outcome.ok) {
      setFailure(outcome);
      report(outcome);
      return;
    }
    setFailure(null);
    setMessage(outcome.value);
    if (!outcome.value.seen) {
      // Opening a message marks it read (on the server too).
      const marked = await mssApi.markRead(id, true);
      if (marked.ok) {
        setMessage((m) => (m && m.id === id ? { ...m, seen: true } : m));
        onChangedRef.current();
      }
    }
  }, [id, report]);

  useEffect(() => {
    setMessage(null);
    setFailure(null);
    void load();
  }, [load]);

  // New receipts (a sync, the outbox): only the timeline is read again, the pane stays as it is.
  const messageId = message?.timeline ? message.messageId : null;
  useEffect(() => {
    if (!messageId || version === 0) return;
    let alive = true;
    void mssApi.receipts(messageId).then((outcome) => {
      if (alive && outcome.ok && outcome.value) {
        const timeline = outcome.value;
        setMessage((m) => (m && m.messageId === messageId ? { ...m, timeline } : m));
      }
    });
    return () => {
      alive = false;
    };
  }, [messageId, version]);

  // A patient mail: who it is, from the INS its address carries (only a local identity is shown).
  const ins = message?.patientAddress ? patientInsOf(message.patientAddress) : null;
  const patient = usePatientByIns(ins) ?? null;

  if (failure) return <LoadError failure={failure} title="Impossible d’ouvrir ce message" />;
  if (!message) {
    return (
      <p className="muted" role="status">
        Ouverture du message…
      </p>
    );
  }

  const from = message.from[0] ?? {};
  const nameOf = (address: string) => (ins && patient && patientInsOf(address) === ins ? patientName(patient) : null);
  // The patient's mailbox is named after the patient (never shown as a bare INS).
  const shown = (a: MailAddress) => (ins && patientInsOf(a) === ins ? `${patient ? patientName(patient) : 'Patient'} (Mon espace santé)` : fullAddress(a));
  const pendingSend = message.messageId ? (pending.find((p) => p.messageId === message.messageId) ?? null) : null;

  return (
    <article className={`mss-reading${ins ? ' mss-reading--patient' : ''}`} aria-labelledby="mss-lecture-objet">
      <header className="mss-reading__header">
        <h2 id="mss-lecture-objet" ref={headingRef} tabIndex={-1} className="mss-reading__subject">
          {displaySubject(message.subject)}
        </h2>
        {ins ? <PatientBanner ins={ins} patient={patient} /> : null}
        <dl className="mss-headers">
          <div>
            <dt>De</dt>
            <dd title={fullAddress(from)}>
              {ins && patientInsOf(from) === ins ? shown(from) : displayAddress(from)}
              {from.name && from.address ? <span className="mss-headers__address"> {from.address}</span> : null}
            </dd>
          </div>
          <div>
            <dt>À</dt>
            <dd>{message.to.map(shown).join(', ') || '—'}</dd>
          </div>
          {message.cc.length > 0 ? (
            <div>
              <dt>Copie</dt>
              <dd>{message.cc.map(shown).join(', ')}</dd>
            </div>
          ) : null}
          <div>
            <dt>Date</dt>
            <dd>
              <time dateTime={message.date ?? undefined} title={formatDateTimeLong(message.date)}>
                {formatDateTime(message.date)}
              </time>
            </dd>
          </div>
        </dl>
        <div className="cluster">
          {!outgoing ? (
            <button type="button" className="button button--secondary button--small" onClick={() => onReply({ message, patient: patient?.ins ? patient : null })}>
              <Icon name="retour" />
              Répondre
            </button>
          ) : null}
          {message.seen && !outgoing ? (
            <button
              type="button"
              className="button button--quiet button--small"
              onClick={() =>
                void mssApi.markRead(message.id, false).then((o) => {
                  if (o.ok) {
                    setMessage({ ...message, seen: false });
                    onChanged();
                  } else report(o);
                })
              }
            >
              Marquer comme non lu
            </button>
          ) : null}
        </div>
      </header>

      {message.timeline && outgoing ? <ReceiptsTimeline timeline={message.timeline} pending={pendingSend} nameOf={nameOf} /> : null}

      <MdnPrompt message={message} onDone={(mdn) => setMessage({ ...message, mdn })} />

      {message.receipt ? (
        <Alert tone={/échec|erreur/i.test(message.receipt.label) ? 'warning' : 'info'} title={message.receipt.type === 'MDN' ? 'Accusé de lecture' : 'Accusé de remise'}>
          {message.receipt.label}
        </Alert>
      ) : null}
      {message.error ? (
        <Alert tone="warning" title="Ce message n’a pas pu être lu entièrement">
          {message.error}
        </Alert>
      ) : null}
      {message.xdmErrors.map((text) => (
        <Alert key={text} tone="warning" title="Document joint refusé">
          {text}
        </Alert>
      ))}
      {message.mssLines.length > 0 ? (
        <ul className="mss-reading__mss">
          {message.mssLines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      ) : null}

      {message.documents.length > 0 ? <Documents documents={message.documents} onChanged={() => void load()} /> : null}

      <div className="mss-body" tabIndex={0} aria-label="Texte du message">
        {message.text?.trim() ? message.text : <span className="muted">Ce message n’a pas de texte.</span>}
      </div>

      {message.attachments.length > 0 ? <Attachments messageId={message.id} attachments={message.attachments} /> : null}

      {message.timeline && !outgoing ? <ReceiptsTimeline timeline={message.timeline} pending={pendingSend} nameOf={nameOf} /> : null}

      <Conversation message={message} onOpen={onOpen} />

      {message.remarks.length > 0 ? (
        <details className="mss-reading__remarks">
          <summary>Remarques techniques ({message.remarks.length})</summary>
          <ul>
            {message.remarks.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </article>
  );
}

/** A mail from or to a patient's mailbox: who (name, first name, INS), unmistakably. */
function PatientBanner({ ins, patient }: { ins: string; patient: PatientSummary | null }) {
  return (
    <div className="mss-patient" role="note" aria-label="Message patient">
      <Icon name="patients" className="mss-patient__icon" />
      <div className="mss-patient__body">
        <p className="mss-patient__kind">Message patient (Mon espace santé)</p>
        {patient ? (
          <p className="mss-patient__who">
            <a className="mss-patient__name" href={patientHrefs.patient(patient.uid)}>
              {patientName(patient)}
            </a>{' '}
            <StatusBadge status={patient.status} label={patient.statusLabel} />
          </p>
        ) : (
          <p className="mss-patient__who">Patient non enregistré sur ce poste</p>
        )}
        <p className="mss-patient__ins">
          INS <span className="ins-number">{formatInsValue(ins)}</span>
        </p>
      </div>
    </div>
  );
}

function MdnPrompt({ message, onDone }: { message: MessageDetail; onDone: (mdn: MessageDetail['mdn']) => void }) {
  const { report } = useCabinet();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  if (message.mdn === 'envoye') return <p className="mss-note">Accusé de lecture envoyé.</p>;
  if (message.mdn !== 'a_demander') return null;

  const act = async (send: boolean) => {
    setBusy(true);
    setFailure(null);
    const outcome = send ? await mssApi.sendMdn(message.id) : await mssApi.refuseMdn(message.id);
    setBusy(false);
    if (outcome.ok) onDone(outcome.value.mdn);
    else {
      setFailure(outcome);
      report(outcome);
    }
  };

  return (
    <Alert
      tone="info"
      title="L’expéditeur demande un accusé de lecture"
      actions={
        <>
          <button type="button" className="button button--primary button--small" disabled={busy} onClick={() => void act(true)}>
            Envoyer l’accusé de lecture
          </button>
          <button type="button" className="button button--quiet button--small" disabled={busy} onClick={() => void act(false)}>
            Ne pas envoyer
          </button>
        </>
      }
    >
      <p>
        L’accusé serait envoyé à <strong>{message.mdnTo ?? 'une autre adresse'}</strong>, qui n’est pas l’adresse de retour du message. Vérifiez que
        vous connaissez ce destinataire avant d’accepter.
      </p>
      {failure ? <p className="text-danger">{failure.message}</p> : null}
    </Alert>
  );
}

function Documents({ documents, onChanged }: { documents: XdmDocumentView[]; onChanged: () => void }) {
  return (
    <section className="mss-documents" aria-labelledby="mss-documents-titre">
      <h3 id="mss-documents-titre" className="mss-section-title">
        {documents.length > 1 ? `${documents.length} documents de santé joints` : 'Document de santé joint'}
      </h3>
      <ul className="mss-documents__list">
        {documents.map((doc) => (
          <DocumentItem key={doc.id} doc={doc} onChanged={onChanged} />
        ))}
      </ul>
    </section>
  );
}

function DocumentItem({ doc, onChanged }: { doc: XdmDocumentView; onChanged: () => void }) {
  const { report } = useCabinet();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [pdf, setPdf] = useState<Uint8Array | null>(null);
  const [who, setWho] = useState<string | null>(null);
  const matched = doc.patientUid !== null;

  // Name the recognised patient (a qualified identity of this post).
  useEffect(() => {
    const uid = doc.patientUid;
    if (!uid) return;
    let alive = true;
    void call(() => cabinet.patients.get({ uid })).then((outcome) => {
      if (alive && outcome.ok) setWho(patientName(outcome.value));
    });
    return () => {
      alive = false;
    };
  }, [doc.patientUid]);

  const importIt = async () => {
    setBusy(true);
    setFailure(null);
    const outcome = await mssApi.importDocument(doc.id);
    setBusy(false);
    if (outcome.ok) onChanged();
    else {
      setFailure(outcome);
      report(outcome);
    }
  };

  const show = async () => {
    setFailure(null);
    const outcome = await mssApi.documentPdf(doc.id);
    if (!outcome.ok) {
      setFailure(outcome);
      return;
    }
    setPdf(base64ToBytes(outcome.value.data));
  };

  return (
    <li className="mss-document">
      <div className="mss-document__head">
        <Icon name="fichier" />
        <span className="mss-document__title">{doc.title ?? 'Document sans titre'}</span>
        {doc.state === 'importe' ? (
          <span className="badge badge--success">Importé dans le dossier</span>
        ) : matched ? (
          <span className="badge badge--success">Patient reconnu</span>
        ) : (
          <span className="badge badge--warning">À rapprocher</span>
        )}
      </div>
      <p className="mss-document__patient">
        {doc.ins ? (
          <>
            INS du document : <span className="ins-number">{formatInsValue(doc.ins)}</span>.{' '}
          </>
        ) : (
          'Le document ne porte pas d’INS. '
        )}
        {doc.state === 'importe' && doc.patientUid ? (
          <>
            Importé {doc.importedAt ? `le ${formatDateTime(doc.importedAt)}` : ''} dans le dossier de{' '}
            <a href={patientHrefs.patient(doc.patientUid)}>{who ?? 'ce patient'}</a>.
          </>
        ) : matched && doc.patientUid ? (
          <>
            Il correspond à l’identité qualifiée de <a href={patientHrefs.patient(doc.patientUid)}>{who ?? 'un patient de ce poste'}</a>.
          </>
        ) : (
          'Aucune identité qualifiée de ce poste ne porte cet INS : qualifiez l’identité du patient (Patients), puis revenez l’importer.'
        )}
      </p>
      <div className="cluster">
        {doc.state !== 'importe' ? (
          <button type="button" className="button button--primary button--small" disabled={!matched || busy} onClick={() => void importIt()}>
            {busy ? 'Import…' : 'Importer dans le dossier'}
          </button>
        ) : null}
        {doc.hasPdf && !pdf ? (
          <button type="button" className="button button--secondary button--small" onClick={() => void show()}>
            Afficher le PDF
          </button>
        ) : null}
      </div>
      {failure ? <p className="text-danger">{failure.message}</p> : null}
      {pdf ? <PdfViewer data={pdf} title={doc.title ?? 'Document'} /> : null}
    </li>
  );
}

function Attachments({ messageId, attachments }: { messageId: number; attachments: AttachmentView[] }) {
  return (
    <section className="mss-attachments" aria-labelledby="mss-pj-titre">
      <h3 id="mss-pj-titre" className="mss-section-title">
        {attachments.length > 1 ? `${attachments.length} pièces jointes` : 'Pièce jointe'}
      </h3>
      <ul className="mss-attachments__list">
        {attachments.map((a) => (
          <AttachmentItem key={a.index} messageId={messageId} attachment={a} />
        ))}
      </ul>
    </section>
  );
}

function AttachmentItem({ messageId, attachment }: { messageId: number; attachment: AttachmentView }) {
  const [pdf, setPdf] = useState<Uint8Array | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const pdfFile = isPdf(attachment.contentType, attachment.filename);
  const name = safeFilename(attachment.filename);

  const fetchBytes = async (): Promise<{ bytes: Uint8Array; type: string } | null> => {
    setBusy(true);
    setFailure(null);
    const outcome = await mssApi.attachment(messageId, attachment.index);
    setBusy(false);
    if (!outcome.ok) {
      setFailure(outcome.message);
      return null;
    }
    try {
      return { bytes: base64ToBytes(outcome.value.data), type: outcome.value.contentType };
    } catch {
      setFailure('La pièce jointe reçue est illisible.');
      return null;
    }
  };

  const download = async () => {
    const got = await fetchBytes();
    if (!got) return;
    const url = URL.createObjectURL(new Blob([got.bytes as BlobPart], { type: got.type }));
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    link.rel = 'noopener';
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  return (
    <li className="mss-attachment">
      <div className="mss-attachment__head">
        <Icon name="fichier" />
        <span className="mss-attachment__name">{name}</span>
        <span className="mss-attachment__size muted">{formatSize(attachment.size)}</span>
        <span className="mss-attachment__actions">
          {pdfFile && !pdf ? (
            <button
              type="button"
              className="button button--secondary button--small"
              disabled={busy}
              onClick={() => void fetchBytes().then((got) => got && setPdf(got.bytes))}
            >
              Afficher
              <span className="visually-hidden"> {name}</span>
            </button>
          ) : null}
          {pdf ? (
            <button type="button" className="button button--quiet button--small" onClick={() => setPdf(null)}>
              Masquer
              <span className="visually-hidden"> {name}</span>
            </button>
          ) : null}
          <button type="button" className="button button--quiet button--small" disabled={busy} onClick={() => void download()}>
            Télécharger
            <span className="visually-hidden"> {name}</span>
          </button>
        </span>
      </div>
      {failure ? <p className="text-danger">{failure}</p> : null}
      {pdf ? <PdfViewer data={pdf} title={name} /> : null}
    </li>
  );
}

function Conversation({ message, onOpen }: { message: MessageDetail; onOpen: (m: MessageSummary) => void }) {
  const others = message.conversation.filter((m) => m.id !== message.id).sort(byDate);
  if (others.length === 0) return null;
  return (
    <section className="mss-conversation" aria-labelledby="mss-conversation-titre">
      <h3 id="mss-conversation-titre" className="mss-section-title">
        Dans la même conversation ({others.length})
      </h3>
      <ul className="mss-conversation__list">
        {others.map((m) => (
          <li key={m.id}>
            <button type="button" className="mss-conversation__item" onClick={() => onOpen(m)}>
              <span className="mss-conversation__who">{displayAddress(m.from[0] ?? {})}</span>
              <span className="mss-conversation__subject">{displaySubject(m.subject)}</span>
              <span className="mss-conversation__date">{formatDateTime(m.date)}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
