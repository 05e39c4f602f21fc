/**
 * « Nouveau message »: recipients from the Annuaire Santé (or a typed
 * MSSanté address), the patient the mail is about (a qualified identity
 * only: the patient's own address comes from their INS, never typed),
 * « Envoyer aussi au patient », « Bloquer la réponse du patient » (FIN),
 * « Demander un accusé de lecture », subject, text and attachments.
 * « Envoyer » puts the mail in the outbox: the screen then shows
 * « En attente d’envoi » until the outbox says « Envoyé ».
 *
 * The form's rules are in ./compose.ts; its parts in PatientLink,
 * PatientOptions, ComposeAttachments and RecipientPicker.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { FailureAlert, SubmitCancel } from '../../components/FormActions.js';
import { LoadError } from '../../components/LoadError.js';
import { useAction, useChannel } from '../../data/useChannel.js';
import type { PatientSummary } from '../../ins.js';
import { displayAddress, fullAddress } from './address.js';
import { composeErrors, composeTitle, patientFirst, quote, type ComposeErrors, type ComposeIntent } from './compose.js';
import { ComposeAttachments } from './ComposeAttachments.js';
import { sendRequest } from './message.js';
import type { ComposeAttachmentInput, SendResult } from './model.js';
import { PatientLink } from './PatientLink.js';
import { PatientOptions } from './PatientOptions.js';
import { RecipientPicker, type ChosenRecipient } from './RecipientPicker.js';
import { replySubject } from './threads.js';

export type { ComposeIntent } from './compose.js';

interface ComposeProps {
  intent: ComposeIntent;
  onClose: () => void;
  onSent: (result: SendResult) => void;
}

/** From the patient's page, the patient is read first (the screen never sends an INS itself, only the patient's id). */
export function Compose(props: ComposeProps) {
  const { intent } = props;
  const prefillUid = intent.kind === 'patient' || intent.kind === 'confrere' ? intent.patientUid : null;
  const prefill = useChannel('patients.get', prefillUid ? { uid: prefillUid } : null, { noCache: true });
  if (prefillUid === null)
    return <ComposeForm {...props} initialPatient={intent.kind === 'reponse' ? intent.patient : null} knownDoctor={null} />;
  if (prefill.loading) {
    return (
      <div className="form-stack mss-compose">
        <h2 className="mss-compose__title">{composeTitle(intent)}</h2>
        <p className="muted" role="status">
          Chargement du patient…
        </p>
      </div>
    );
  }
  return (
    <>
      {prefill.failure ? <LoadError failure={prefill.failure} title="Impossible de lire le patient de ce message" /> : null}
      <ComposeForm
        {...props}
        initialPatient={prefill.data}
        knownDoctor={intent.kind === 'confrere' ? (prefill.data?.medecinTraitant ?? null) : null}
      />
    </>
  );
}

function ComposeForm({
  intent,
  onClose,
  onSent,
  initialPatient,
  knownDoctor,
}: ComposeProps & {
  initialPatient: PatientSummary | null;
  /** « Envoyer au médecin traitant »: the one this post knows for the patient. */
  knownDoctor: { address: string; displayName: string } | null;
}) {
  const id = useId();
  const send = useAction('mss.send');
  const saveDoctor = useAction('patients.setMedecinTraitant');
  const reply = intent.kind === 'reponse' ? intent.message : null;
  const toDoctor = intent.kind === 'confrere';
  const [to, setTo] = useState<ChosenRecipient[]>(() => initialRecipients(intent, knownDoctor));
  const [subject, setSubject] = useState(reply ? replySubject(reply.subject) : '');
  const [body, setBody] = useState(reply ? quote(reply) : '');
  const [attachments, setAttachments] = useState<ComposeAttachmentInput[]>([]);
  const [patient, setPatient] = useState<PatientSummary | null>(initialPatient);
  const [toPatient, setToPatient] = useState(intent.kind === 'patient' || (intent.kind === 'reponse' && intent.patient !== null));
  const [fin, setFin] = useState(false);
  const [readReceipt, setReadReceipt] = useState(false);
  const [errors, setErrors] = useState<ComposeErrors>({});
  // Whether to remember the colleague chosen as the patient's médecin traitant.
  const [rememberDoctor, setRememberDoctor] = useState(true);
  const titleRef = useRef<HTMLHeadingElement>(null);
  const busy = send.pending || saveDoctor.pending;

  useEffect(() => {
    titleRef.current?.focus();
  }, []);

  const qualified = patient?.status === 'QUAL' && patient.ins !== null;
  // One colleague chosen who is not the médecin traitant already known: offer to remember them.
  const doctorToRemember =
    toDoctor && patient && to.length === 1 && to[0] && to[0].address.toLowerCase() !== knownDoctor?.address.toLowerCase() ? to[0] : null;
  // What is asked is what can be done: the patient's mailbox only for a qualified identity, FIN only towards the patient.
  const sendToPatient = toPatient && qualified;
  const blockReply = fin && sendToPatient;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const next = composeErrors({ recipients: to.length, sendToPatient, qualifiedPatient: Boolean(patient && qualified), subject });
    setErrors(next);
    if (Object.keys(next).length > 0) {
      const firstField = next.to ? `${id}-to` : next.patient ? `${id}-patient` : `${id}-objet`;
      document.getElementById(firstField)?.focus();
      return;
    }
    const outcome = await send.run(
      sendRequest({
        to: to.map((r) => r.address),
        cc: [],
        subject: subject.trim(),
        body,
        attachments,
        // Only a qualified identity is linked (its INS may leave Cabinet); otherwise the mail goes without it.
        patientUid: patient && qualified ? patient.uid : null,
        toPatient: sendToPatient,
        readReceipt,
        fin: blockReply,
        inReplyToRow: reply?.id ?? null,
      }),
    );
    if (!outcome.ok) return;
    if (doctorToRemember && rememberDoctor && patient) {
      // The mail is in the outbox already: a failure here is reported, the send is not undone.
      await saveDoctor.run({
        uid: patient.uid,
        medecinTraitant: { address: doctorToRemember.address, displayName: doctorToRemember.displayName },
      });
    }
    onSent(outcome.value);
  };

  const patientPart = (
    <>
      <PatientLink
        id={`${id}-patient`}
        patient={patient}
        error={errors.patient}
        onChange={(p) => {
          setPatient(p);
          setErrors((e) => ({ ...e, patient: undefined }));
        }}
      />
      {patient ? (
        <PatientOptions
          id={id}
          patient={patient}
          qualified={qualified}
          sendToPatient={sendToPatient}
          blockReply={blockReply}
          onToPatient={setToPatient}
          onFin={setFin}
        />
      ) : null}
    </>
  );
  const recipientsPart = (
    <div className={`field${errors.to ? ' field--error' : ''}`} id={`${id}-to`} tabIndex={-1}>
      <RecipientPicker
        label={sendToPatient ? 'Autres destinataires (professionnels)' : 'Destinataires'}
        value={to}
        onChange={setTo}
        disabled={busy}
      />
      {errors.to ? <p className="field__error">{errors.to}</p> : null}
      {doctorToRemember ? (
        <div className="checkbox checkbox--described">
          <input
            id={`${id}-retenir`}
            type="checkbox"
            checked={rememberDoctor}
            onChange={(e) => setRememberDoctor(e.target.checked)}
            aria-describedby={`${id}-retenir-aide`}
          />
          <label htmlFor={`${id}-retenir`}>Retenir {doctorToRemember.displayName} comme médecin traitant de ce patient</label>
          <p id={`${id}-retenir-aide`} className="field__help">
            {knownDoctor ? `Remplace ${knownDoctor.displayName}. ` : ''}La prochaine fois, « Envoyer au médecin traitant » l’adressera
            directement.
          </p>
        </div>
      ) : null}
    </div>
  );

  return (
    <form className="form-stack mss-compose" onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${id}-titre`}>
      <h2 id={`${id}-titre`} ref={titleRef} tabIndex={-1} className="mss-compose__title">
        {composeTitle(intent)}
      </h2>
      {intent.kind === 'confrere' ? (
        <p className="field__help">
          {knownDoctor
            ? `Adressé au médecin traitant enregistré pour ce patient : ${knownDoctor.displayName}. Pour un autre confrère, retirez-le et cherchez dans l’annuaire. Le message sera rattaché au patient ci-dessous.`
            : 'Choisissez le médecin traitant du patient dans l’annuaire (nom, RPPS ou ville). Le message sera rattaché au patient ci-dessous.'}
        </p>
      ) : null}

      {patientFirst(intent) ? (
        <>
          {patientPart}
          {recipientsPart}
        </>
      ) : (
        <>
          {recipientsPart}
          {patientPart}
        </>
      )}

      <div className={`field${errors.subject ? ' field--error' : ''}`}>
        <label className="field__label" htmlFor={`${id}-objet`}>
          Objet
        </label>
        <input
          id={`${id}-objet`}
          className="input input--text mss-compose__subject"
          value={subject}
          maxLength={900}
          onChange={(e) => setSubject(e.target.value)}
          aria-invalid={errors.subject ? true : undefined}
          aria-describedby={errors.subject ? `${id}-objet-erreur` : undefined}
        />
        {errors.subject ? (
          <p id={`${id}-objet-erreur`} className="field__error">
            {errors.subject}
          </p>
        ) : null}
      </div>

      <div className="field">
        <label className="field__label" htmlFor={`${id}-texte`}>
          Message
        </label>
        <textarea
          id={`${id}-texte`}
          className="input mss-compose__body"
          value={body}
          rows={10}
          maxLength={1_000_000}
          onChange={(e) => setBody(e.target.value)}
        />
      </div>

      <ComposeAttachments
        id={id}
        attachments={attachments}
        error={errors.attachments}
        disabled={busy}
        onChange={setAttachments}
        onError={(problem) => setErrors((e) => ({ ...e, attachments: problem }))}
      />

      <div className="checkbox checkbox--described">
        <input
          id={`${id}-accuse`}
          type="checkbox"
          checked={readReceipt}
          onChange={(e) => setReadReceipt(e.target.checked)}
          aria-describedby={`${id}-accuse-aide`}
        />
        <label htmlFor={`${id}-accuse`}>Accusé de lecture</label>
        <p id={`${id}-accuse-aide`} className="field__help">
          Demander au destinataire de confirmer qu’il a lu le message (il peut refuser).
        </p>
      </div>

      <FailureAlert failure={send.failure} title="Message non envoyé" />

      <SubmitCancel icon="envois" label="Envoyer" busyLabel="Envoi…" busy={busy} onCancel={onClose} />
      {reply ? <p className="field__help">En réponse au message de {fullAddress(reply.from[0] ?? {})}.</p> : null}
    </form>
  );
}

/** Who the mail goes to at first: the sender answered (not a patient's mailbox), or the médecin traitant known for the patient. */
function initialRecipients(intent: ComposeIntent, knownDoctor: { address: string; displayName: string } | null): ChosenRecipient[] {
  if (intent.kind === 'reponse') {
    const from = intent.message.from[0];
    if (from?.address && !intent.message.patientAddress)
      return [{ address: from.address, displayName: displayAddress(from), mailboxTypeLabel: null, source: 'saisie' }];
    return [];
  }
  if (knownDoctor)
    return [{ address: knownDoctor.address, displayName: knownDoctor.displayName, mailboxTypeLabel: null, source: 'annuaire' }];
  return [];
}
