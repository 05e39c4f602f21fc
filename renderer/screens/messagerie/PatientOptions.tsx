/**
 * « Envoyer au patient » (their Mon espace santé mailbox, whose address comes
 * only from a qualified INS) and « Bloquer la réponse du patient » (FIN, only
 * towards the patient).
 */
import type { PatientSummary } from '../../ins.js';

export function PatientOptions({
  id,
  patient,
  qualified,
  sendToPatient,
  blockReply,
  onToPatient,
  onFin,
}: {
  id: string;
  patient: PatientSummary;
  qualified: boolean;
  sendToPatient: boolean;
  blockReply: boolean;
  onToPatient: (checked: boolean) => void;
  onFin: (checked: boolean) => void;
}) {
  return (
    <fieldset className="mss-compose__patient-options">
      <legend className="visually-hidden">Messagerie du patient</legend>
      <div className="checkbox checkbox--described">
        <input
          id={`${id}-au-patient`}
          type="checkbox"
          checked={sendToPatient}
          disabled={!qualified}
          onChange={(e) => onToPatient(e.target.checked)}
          aria-describedby={`${id}-au-patient-aide`}
        />
        <label htmlFor={`${id}-au-patient`}>Envoyer au patient, dans sa messagerie Mon espace santé</label>
        <p id={`${id}-au-patient-aide`} className="field__help">
          {qualified && patient.ins
            ? `Adresse calculée à partir de son INS qualifié : ${patient.ins.matricule}${patient.ins.cle}@patient.mssante.fr`
            : 'Impossible : l’identité de ce patient n’est pas qualifiée. Son adresse de messagerie ne peut venir que d’un INS qualifié (pièce d’identité contrôlée).'}
        </p>
      </div>
      <div className="checkbox checkbox--described">
        <input
          id={`${id}-fin`}
          type="checkbox"
          checked={blockReply}
          disabled={!sendToPatient}
          onChange={(e) => onFin(e.target.checked)}
          aria-describedby={`${id}-fin-aide`}
        />
        <label htmlFor={`${id}-fin`}>Bloquer la réponse du patient</label>
        <p id={`${id}-fin-aide`} className="field__help">
          {sendToPatient
            ? 'Le patient pourra lire ce message mais pas y répondre (fin de l’échange).'
            : 'Seulement pour un message envoyé au patient.'}
        </p>
      </div>
    </fieldset>
  );
}
