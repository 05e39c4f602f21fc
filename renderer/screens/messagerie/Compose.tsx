/**
 * « Nouveau message »: recipients from the Annuaire Santé (or a typed
 * MSSanté address), the patient the mail is about (a qualified identity
 * only: the patient's own address comes from their INS, never typed),
 * « Envoyer aussi au patient », « Bloquer la réponse du patient » (FIN),
 * « Demander un accusé de lecture », subject, text and attachments.
 * « Envoyer » puts the mail in the outbox: the screen then shows
 * « En attente d’envoi » until the outbox says « Envoyé ».
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { Failure } from '../../../shared/contract/index.js';
import { FailureAlert, SubmitCancel } from '../../components/FormActions.js';
import { Icon } from '../../components/Icon.js';
import { patientName } from '../../components/PatientName.js';
import { RecipientPicker, type ChosenRecipient } from '../../components/RecipientPicker.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { cabinet } from '../../bridge/index.js';
import { formatIns, type PatientSummary } from '../../ins.js';
import { call, useCabinet } from '../../state/cabinet.js';
import { displayAddress, fullAddress } from './address.js';
import { mssApi } from './api.js';
import { attachmentProblem, bytesToBase64, contentTypeOf, formatSize, safeFilename } from './files.js';
import type { ComposeAttachmentInput, MessageDetail, SendResult } from './model.js';
import { displaySubject, replySubject } from './threads.js';
import { formatDateTime } from '../../format.js';

export type ComposeIntent =
  | { kind: 'nouveau' }
  | { kind: 'reponse'; message: MessageDetail; patient: PatientSummary | null }
  /** « Écrire au patient » from the patient's page. */
  | { kind: 'patient'; patientUid: string }
  /** « Envoyer au médecin traitant » from the patient's page: a colleague, about this patient. */
  | { kind: 'confrere'; patientUid: string };

type Errors = Partial<Record<'to' | 'subject' | 'attachments' | 'patient', string>>;

/** Electron has `window.cabinet` from its preload; the browser host has the WebSocket bridge (1 MiB per message). */

function quote(message: MessageDetail): string {
  const who = displayAddress(message.from[0] ?? {});
  const lines = (message.text ?? '').split(/\r?\n/).slice(0, 200);
  return `\n\nLe ${formatDateTime(message.date)}, ${who} a écrit :\n${lines.map((l) => `> ${l}`).join('\n')}`;
}

export function Compose({ intent, onClose, onSent }: { intent: ComposeIntent; onClose: () => void; onSent: (result: SendResult) => void }) {
  const { report } = useCabinet();
  const id = useId();
  const reply = intent.kind === 'reponse' ? intent.message : null;
  const replyFrom = reply?.from[0]?.address ?? null;
  const replyToPatient = Boolean(reply?.patientAddress);
  const [to, setTo] = useState<ChosenRecipient[]>(() =>
    reply && replyFrom && !replyToPatient ? [{ address: replyFrom, displayName: displayAddress(reply.from[0] ?? {}), mailboxTypeLabel: null, source: 'saisie' }] : [],
  );
  const [subject, setSubject] = useState(reply ? replySubject(reply.subject) : '');
  const [body, setBody] = useState(reply ? quote(reply) : '');
  const [attachments, setAttachments] = useState<ComposeAttachmentInput[]>([]);
  const [patient, setPatient] = useState<PatientSummary | null>(intent.kind === 'reponse' ? intent.patient : null);
  const [toPatient, setToPatient] = useState(intent.kind === 'patient' || (intent.kind === 'reponse' && intent.patient !== null));
  const [fin, setFin] = useState(false);
  const [readReceipt, setReadReceipt] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const titleRef = useRef<HTMLHeadingElement>(null);
  const [prefilled, setPrefilled] = useState(false);
  // « Envoyer au médecin traitant »: the one this post knows for the patient, and whether to remember the one chosen.
  const [knownDoctor, setKnownDoctor] = useState<{ address: string; displayName: string } | null>(null);
  const [rememberDoctor, setRememberDoctor] = useState(true);

  useEffect(() => {
    titleRef.current?.focus();
  }, []);

  // From the patient's page: load the patient (the screen never sends an INS itself, only the patient's id).
  const prefillUid = intent.kind === 'patient' || intent.kind === 'confrere' ? intent.patientUid : null;
  const toDoctor = intent.kind === 'confrere';
  useEffect(() => {
    if (!prefillUid) return;
    let alive = true;
    void call(() => cabinet.patients.get({ uid: prefillUid })).then((outcome) => {
      if (!alive) return;
      setPrefilled(true);
      if (outcome.ok) {
        setPatient(outcome.value);
        const doctor = outcome.value.medecinTraitant;
        if (toDoctor && doctor) {
          setKnownDoctor(doctor);
          setTo([{ address: doctor.address, displayName: doctor.displayName, mailboxTypeLabel: null, source: 'annuaire' }]);
        }
      } else {
        setFailure(outcome);
        report(outcome);
      }
    });
    return () => {
      alive = false;
    };
  }, [prefillUid, toDoctor, report]);

  const qualified = patient?.status === 'QUAL' && patient.ins !== null;
  // One colleague chosen who is not the médecin traitant already known: offer to remember them.
  const doctorToRemember = toDoctor && patient && to.length === 1 && to[0] && to[0].address.toLowerCase() !== knownDoctor?.address.toLowerCase() ? to[0] : null;
  // What is asked is what can be done: the patient's mailbox only for a qualified identity, FIN only towards the patient.
  const sendToPatient = toPatient && qualified;
  const blockReply = fin && sendToPatient;

  const addFiles = async (list: FileList | null) => {
    if (!list || list.length === 0) return;
    const files = [...list];
    const problem = attachmentProblem(files, { count: attachments.length, bytes: attachments.reduce((s, a) => s + a.size, 0) });
    if (problem) {
      setErrors((e) => ({ ...e, attachments: problem }));
      return;
    }
    const read = await Promise.all(
      files.map(async (file) => ({
        filename: safeFilename(file.name),
        contentType: contentTypeOf(file),
        size: file.size,
        data: bytesToBase64(new Uint8Array(await file.arrayBuffer())),
      })),
    );
    setErrors((e) => ({ ...e, attachments: undefined }));
    setAttachments((previous) => [...previous, ...read]);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const next: Errors = {};
    if (to.length === 0 && !sendToPatient) {
      next.to = patient && qualified ? 'Choisissez au moins un destinataire, ou cochez « Envoyer au patient ».' : 'Choisissez au moins un destinataire.';
    }
    if (!subject.trim()) next.subject = 'Indiquez l’objet du message.';
    setErrors(next);
    if (Object.keys(next).length > 0) {
      const firstField = next.to ? `${id}-to` : next.patient ? `${id}-patient` : `${id}-objet`;
      document.getElementById(firstField)?.focus();
      return;
    }
    setBusy(true);
    setFailure(null);
    const outcome = await mssApi.send({
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
    });
    if (outcome.ok && doctorToRemember && rememberDoctor && patient) {
      // The mail is in the outbox already: a failure here is reported, the send is not undone.
      const saved = await call(() => cabinet.patients.setMedecinTraitant({ uid: patient.uid, medecinTraitant: { address: doctorToRemember.address, displayName: doctorToRemember.displayName } }));
      if (!saved.ok) report(saved);
    }
    setBusy(false);
    if (outcome.ok) onSent(outcome.value);
    else {
      setFailure(outcome);
      report(outcome);
    }
  };

  // Writing about a patient (from their page, or answering them): the patient first; otherwise the recipients first.
  const patientFirst = intent.kind === 'patient' || intent.kind === 'confrere' || (intent.kind === 'reponse' && intent.patient !== null);
  const title =
    intent.kind === 'reponse'
      ? `Répondre : ${displaySubject(intent.message.subject)}`
      : intent.kind === 'patient'
        ? 'Écrire au patient'
        : intent.kind === 'confrere'
          ? 'Envoyer au médecin traitant'
          : 'Nouveau message';

  const patientPart = (
    <>
      <PatientLink
        id={`${id}-patient`}
        patient={patient}
        error={errors.patient}
        loading={prefillUid !== null && !prefilled}
        onChange={(p) => {
          setPatient(p);
          setErrors((e) => ({ ...e, patient: undefined }));
        }}
      />

      {patient ? (
        <fieldset className="mss-compose__patient-options">
          <legend className="visually-hidden">Messagerie du patient</legend>
          <div className="checkbox checkbox--described">
            <input id={`${id}-au-patient`} type="checkbox" checked={sendToPatient} disabled={!qualified} onChange={(e) => setToPatient(e.target.checked)} aria-describedby={`${id}-au-patient-aide`} />
            <label htmlFor={`${id}-au-patient`}>Envoyer au patient, dans sa messagerie Mon espace santé</label>
            <p id={`${id}-au-patient-aide`} className="field__help">
              {qualified && patient.ins
                ? `Adresse calculée à partir de son INS qualifié : ${patient.ins.matricule}${patient.ins.cle}@patient.mssante.fr`
                : 'Impossible : l’identité de ce patient n’est pas qualifiée. Son adresse de messagerie ne peut venir que d’un INS qualifié (pièce d’identité contrôlée).'}
            </p>
          </div>
          <div className="checkbox checkbox--described">
            <input id={`${id}-fin`} type="checkbox" checked={blockReply} disabled={!sendToPatient} onChange={(e) => setFin(e.target.checked)} aria-describedby={`${id}-fin-aide`} />
            <label htmlFor={`${id}-fin`}>Bloquer la réponse du patient</label>
            <p id={`${id}-fin-aide`} className="field__help">
              {sendToPatient ? 'Le patient pourra lire ce message mais pas y répondre (fin de l’échange).' : 'Seulement pour un message envoyé au patient.'}
            </p>
          </div>
        </fieldset>
      ) : null}
    </>
  );
  const recipientsPart = (
    <div className={`field${errors.to ? ' field--error' : ''}`} id={`${id}-to`} tabIndex={-1}>
      <RecipientPicker label={sendToPatient ? 'Autres destinataires (professionnels)' : 'Destinataires'} value={to} onChange={setTo} disabled={busy} />
      {errors.to ? <p className="field__error">{errors.to}</p> : null}
      {doctorToRemember ? (
        <div className="checkbox checkbox--described">
          <input id={`${id}-retenir`} type="checkbox" checked={rememberDoctor} onChange={(e) => setRememberDoctor(e.target.checked)} aria-describedby={`${id}-retenir-aide`} />
          <label htmlFor={`${id}-retenir`}>Retenir {doctorToRemember.displayName} comme médecin traitant de ce patient</label>
          <p id={`${id}-retenir-aide`} className="field__help">
            {knownDoctor ? `Remplace ${knownDoctor.displayName}. ` : ''}La prochaine fois, « Envoyer au médecin traitant » l’adressera directement.
          </p>
        </div>
      ) : null}
    </div>
  );

  return (
    <form className="form-stack mss-compose" onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${id}-titre`}>
      <h2 id={`${id}-titre`} ref={titleRef} tabIndex={-1} className="mss-compose__title">
        {title}
      </h2>
      {intent.kind === 'confrere' ? (
        <p className="field__help">
          {knownDoctor
            ? `Adressé au médecin traitant enregistré pour ce patient : ${knownDoctor.displayName}. Pour un autre confrère, retirez-le et cherchez dans l’annuaire. Le message sera rattaché au patient ci-dessous.`
            : 'Choisissez le médecin traitant du patient dans l’annuaire (nom, RPPS ou ville). Le message sera rattaché au patient ci-dessous.'}
        </p>
      ) : null}

      {patientFirst ? (
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
        <textarea id={`${id}-texte`} className="input mss-compose__body" value={body} rows={10} maxLength={1_000_000} onChange={(e) => setBody(e.target.value)} />
      </div>

      <div className={`field${errors.attachments ? ' field--error' : ''}`}>
        <p className="field__label" id={`${id}-pj-titre`}>
          Pièces jointes
        </p>
        <div className="file-picker">
          <input
            id={`${id}-pj`}
            type="file"
            multiple
            className="file-picker__input visually-hidden"
            aria-labelledby={`${id}-pj-titre`}
            disabled={busy}
            onChange={(e) => void addFiles(e.target.files).finally(() => (e.target.value = ''))}
          />
          <label htmlFor={`${id}-pj`} className="button button--secondary button--small file-picker__button" aria-hidden="true">
            <Icon name="fichier" />
            Joindre un fichier…
          </label>
          {attachments.length === 0 ? <p className="file-picker__name file-picker__name--empty">Aucune pièce jointe</p> : null}
        </div>
        {errors.attachments ? <p className="field__error">{errors.attachments}</p> : null}
        {attachments.length > 0 ? (
          <ul className="mss-compose__attachments" aria-label="Pièces jointes ajoutées">
            {attachments.map((a, index) => (
              <li key={`${a.filename}-${index}`} className="mss-compose__attachment">
                <Icon name="fichier" />
                <span className="mss-compose__attachment-name">{a.filename}</span>
                <span className="muted">{formatSize(a.size)}</span>
                <button type="button" className="button button--quiet button--small" onClick={() => setAttachments((list) => list.filter((_, i) => i !== index))}>
                  Retirer<span className="visually-hidden"> {a.filename}</span>
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </div>

      <div className="checkbox checkbox--described">
        <input id={`${id}-accuse`} type="checkbox" checked={readReceipt} onChange={(e) => setReadReceipt(e.target.checked)} aria-describedby={`${id}-accuse-aide`} />
        <label htmlFor={`${id}-accuse`}>Accusé de lecture</label>
        <p id={`${id}-accuse-aide`} className="field__help">
          Demander au destinataire de confirmer qu’il a lu le message (il peut refuser).
        </p>
      </div>

      <FailureAlert failure={failure} title="Message non envoyé" />

      <SubmitCancel icon="envois" label="Envoyer" busyLabel="Envoi…" busy={busy} onCancel={onClose} />
      {reply ? <p className="field__help">En réponse au message de {fullAddress(reply.from[0] ?? {})}.</p> : null}
    </form>
  );
}

/** The patient the mail is about: searched among this post's patients; only a qualified identity can be linked. */
function PatientLink({
  id,
  patient,
  error,
  loading,
  onChange,
}: {
  id: string;
  patient: PatientSummary | null;
  error: string | undefined;
  loading: boolean;
  onChange: (patient: PatientSummary | null) => void;
}) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<PatientSummary[]>([]);
  const [searching, setSearching] = useState(false);
  const request = useRef(0);

  useEffect(() => {
    const text = query.trim();
    if (text.length < 2) {
      setResults([]);
      return;
    }
    const mine = ++request.current;
    setSearching(true);
    const timer = window.setTimeout(() => {
      void call(() => cabinet.patients.search({ query: text, limit: 8 })).then((outcome) => {
        if (mine !== request.current) return;
        setSearching(false);
        setResults(outcome.ok ? outcome.value.patients : []);
      });
    }, 120);
    return () => window.clearTimeout(timer);
  }, [query]);

  if (patient) {
    return (
      <div className={`mss-compose__patient${error ? ' field--error' : ''}`} id={id} tabIndex={-1}>
        <p className="field__label">Patient concerné</p>
        <p className="mss-compose__patient-who">
          <strong>{patientName(patient)}</strong> <StatusBadge status={patient.status} label={patient.statusLabel} />
          {patient.ins ? <span className="ins-number ins-number--small">INS {formatIns(patient.ins)}</span> : null}
          <button type="button" className="button button--quiet button--small" onClick={() => onChange(null)}>
            Retirer le patient
          </button>
        </p>
        {patient.status !== 'QUAL' || !patient.ins ? (
          <p className="field__help">
            Identité non qualifiée : le message partira sans être rattaché au patient (aucun INS transmis). Qualifiez l’identité pour le rattacher.
          </p>
        ) : null}
        {error ? <p className="field__error">{error}</p> : null}
      </div>
    );
  }
  if (loading) return <p className="muted">Chargement du patient…</p>;
  return (
    <div className="field mss-compose__patient-search" id={id} tabIndex={-1}>
      <label className="field__label" htmlFor={`${id}-recherche`}>
        Patient concerné <span className="muted">(facultatif)</span>
      </label>
      <input
        id={`${id}-recherche`}
        className="input input--text"
        type="search"
        value={query}
        placeholder="Nom, prénom, date de naissance ou INS"
        autoComplete="off"
        onChange={(e) => setQuery(e.target.value)}
      />
      <p className="field__help">Seule une identité qualifiée peut être rattachée à un message (l’INS ne sort de Cabinet que qualifié).</p>
      {searching ? <p className="muted">Recherche…</p> : null}
      {results.length > 0 ? (
        <ul className="mss-compose__patient-results" aria-label="Patients trouvés">
          {results.map((p) => {
            const ok = p.status === 'QUAL' && p.ins !== null;
            return (
              <li key={p.uid}>
                <button
                  type="button"
                  className="mss-compose__patient-choice"
                  disabled={!ok}
                  onClick={() => {
                    onChange(p);
                    setQuery('');
                  }}
                >
                  <span>{patientName(p)}</span> <StatusBadge status={p.status} label={p.statusLabel} />
                  {!ok ? <span className="muted"> — identité non qualifiée : ne peut pas être rattachée</span> : null}
                </button>
              </li>
            );
          })}
        </ul>
      ) : null}
    </div>
  );
}
