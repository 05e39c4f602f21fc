/**
 * One message: headers, the text (never remote HTML: the services hand over
 * the plain-text part, and React prints it as text), attachments (download;
 * PDF shown inline with pdf.js), the XDM documents with their patient match
 * and « Importer dans le dossier », the read-receipt question when the
 * sender's Disposition-Notification-To differs from the Return-Path, the
 * receipts timeline of a mail we sent (read again when the mailbox changes),
 * and the conversation around it.
 */
import { useEffect, useLayoutEffect, useRef } from 'react';
import { Alert } from '../../components/Alert.js';
import { Icon } from '../../components/Icon.js';
import { LoadError } from '../../components/LoadError.js';
import { patientName } from '../../components/PatientName.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { useAction, useChannel } from '../../data/useChannel.js';
import { formatDateTime, formatDateTimeLong } from '../../format.js';
import type { PatientSummary } from '../../ins.js';
import { patientHrefs } from '../../routes.js';
import { displayAddress, formatInsValue, fullAddress, patientInsOf, type MailAddress } from './address.js';
import { Attachments } from './Attachments.js';
import { MdnPrompt } from './MdnPrompt.js';
import { attachmentsOf, mssLinesOf, remarksOf, xdmErrorsOf } from './message.js';
import type { MessageSummary, MssMessage, OutboxItem } from './model.js';
import { ReceiptsTimeline } from './ReceiptsTimeline.js';
import { byDate, displaySubject } from './threads.js';
import { usePatientByIns } from './usePatientByIns.js';
import { XdmDocuments } from './XdmDocuments.js';

export interface ReplyIntent {
  message: MssMessage;
  /** The patient (QUAL, found on this post) when the mail came from their mailbox. */
  patient: PatientSummary | null;
}

export function ReadingPane({
  id,
  outgoing = false,
  pending,
  onReply,
  onOpen,
  onChanged,
}: {
  id: number;
  /** A mail of « Envoyés »: its receipts first, no « Répondre ». */
  outgoing?: boolean;
  /** Sends still in the outbox (a mail of ours not yet sent shows « En attente d’envoi »). */
  pending: OutboxItem[];
  onReply: (intent: ReplyIntent) => void;
  onOpen: (message: MessageSummary) => void;
  onChanged: () => void;
}) {
  // Read when opened (not kept in the session cache: the body is patient data, and each opening is audited).
  const { data: message, failure, reload, setData: setMessage } = useChannel('mss.get', { id }, { noCache: true });
  const { run: runMarkRead } = useAction('mss.markRead');
  const headingRef = useRef<HTMLHeadingElement>(null);
  const onChangedRef = useRef(onChanged);
  useLayoutEffect(() => {
    onChangedRef.current = onChanged;
  });

  // Opening a message marks it read (on the server too) — once: « Marquer comme non lu » is not undone.
  const markedOnOpen = useRef<number | null>(null);
  useEffect(() => {
    if (!message || message.seen || markedOnOpen.current === message.id) return;
    markedOnOpen.current = message.id;
    void runMarkRead({ id: message.id, read: true }).then((marked) => {
      if (!marked.ok) return;
      setMessage({ ...message, seen: true });
      onChangedRef.current();
    });
  }, [message, runMarkRead, setMessage]);

  // New receipts (a sync, the outbox): only the timeline is read again, the pane stays as it is.
  const sentId = message?.receipts ? message.messageId : null;
  const { data: receipts } = useChannel('mss.receipts', sentId ? { messageId: sentId } : null, {
    refreshOn: ['mssChanged'],
    noCache: true,
  });

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
  const shown = (a: MailAddress) =>
    ins && patientInsOf(a) === ins ? `${patient ? patientName(patient) : 'Patient'} (Mon espace santé)` : fullAddress(a);
  const pendingSend = message.messageId ? (pending.find((p) => p.idempotencyKey === message.messageId) ?? null) : null;
  const timeline = receipts ?? message.receipts;
  const mail = message.mail;
  const receipt = mail?.accuse ?? null;
  const attachments = attachmentsOf(mail);
  const mssLines = mssLinesOf(mail);
  const remarks = remarksOf(mail);

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
            <button
              type="button"
              className="button button--secondary button--small"
              onClick={() => onReply({ message, patient: patient?.ins ? patient : null })}
            >
              <Icon name="retour" />
              Répondre
            </button>
          ) : null}
          {message.seen && !outgoing ? (
            <button
              type="button"
              className="button button--quiet button--small"
              onClick={() =>
                void runMarkRead({ id: message.id, read: false }).then((o) => {
                  if (o.ok) {
                    setMessage({ ...message, seen: false });
                    onChanged();
                  }
                })
              }
            >
              Marquer comme non lu
            </button>
          ) : null}
        </div>
      </header>

      {timeline && outgoing ? <ReceiptsTimeline timeline={timeline} pending={pendingSend} nameOf={nameOf} /> : null}

      <MdnPrompt message={message} onDone={(mdn) => setMessage({ ...message, mdn })} />

      {receipt ? (
        <Alert
          tone={/échec|erreur/i.test(receipt.libelle) ? 'warning' : 'info'}
          title={receipt.type === 'MDN' ? 'Accusé de lecture' : 'Accusé de remise'}
        >
          {receipt.libelle}
        </Alert>
      ) : null}
      {message.error ? (
        <Alert tone="warning" title="Ce message n’a pas pu être lu entièrement">
          {message.error}
        </Alert>
      ) : null}
      {xdmErrorsOf(mail).map((text) => (
        <Alert key={text} tone="warning" title="Document joint refusé">
          {text}
        </Alert>
      ))}
      {mssLines.length > 0 ? (
        <ul className="mss-reading__mss">
          {mssLines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      ) : null}

      {message.documents.length > 0 ? <XdmDocuments documents={message.documents} onChanged={() => void reload()} /> : null}

      <div className="mss-body" tabIndex={0} aria-label="Texte du message">
        {message.text?.trim() ? message.text : <span className="muted">Ce message n’a pas de texte.</span>}
      </div>

      {attachments.length > 0 ? <Attachments messageId={message.id} attachments={attachments} /> : null}

      {timeline && !outgoing ? <ReceiptsTimeline timeline={timeline} pending={pendingSend} nameOf={nameOf} /> : null}

      <Conversation message={message} onOpen={onOpen} />

      {remarks.length > 0 ? (
        <details className="mss-reading__remarks">
          <summary>Remarques techniques ({remarks.length})</summary>
          <ul>
            {remarks.map((r) => (
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

function Conversation({ message, onOpen }: { message: MssMessage; onOpen: (m: MessageSummary) => void }) {
  const others = message.thread.filter((m) => m.id !== message.id).sort(byDate);
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
