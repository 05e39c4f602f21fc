/**
 * On a patient's page: « Écrire au patient » (their Mon espace santé mailbox,
 * whose address comes only from a qualified INS) and « Envoyer au médecin
 * traitant » (a colleague chosen in the Annuaire, the mail linked to the
 * patient; the one chosen the first time is remembered). Both open the
 * Messagerie's compose, prefilled.
 */
import { Icon } from '../../components/Icon.js';
import { Section } from '../../components/Screen.js';
import { messagerieHrefs } from './hrefs.js';

export function PatientMail({
  patient,
}: {
  patient: { uid: string; status: string; hasIns: boolean; medecinTraitant: { address: string; displayName: string } | null };
}) {
  const qualified = patient.status === 'QUAL' && patient.hasIns;
  return (
    <Section id="messagerie-patient" title="Messagerie sécurisée">
      <div className="form-actions">
        {qualified ? (
          <a className="button button--secondary" href={messagerieHrefs.writeToPatient(patient.uid)}>
            <Icon name="messagerie" />
            Écrire au patient
          </a>
        ) : (
          <button type="button" className="button button--secondary" disabled aria-describedby="messagerie-patient-pourquoi">
            <Icon name="messagerie" />
            Écrire au patient
          </button>
        )}
        <a className="button button--secondary" href={messagerieHrefs.sendToDoctor(patient.uid)}>
          <Icon name="envois" />
          Envoyer au médecin traitant
        </a>
      </div>
      <p className="field__help">
        {patient.medecinTraitant
          ? `Médecin traitant : ${patient.medecinTraitant.displayName} (${patient.medecinTraitant.address}).`
          : 'Médecin traitant : pas encore renseigné sur ce poste (il sera retenu au premier envoi, dans l’annuaire).'}
      </p>
      {!qualified ? (
        <p id="messagerie-patient-pourquoi" className="field__help">
          Écrire au patient n’est possible qu’avec une identité qualifiée : son adresse Mon espace santé est calculée à partir de son INS,
          qui ne sort de Cabinet que qualifié (INS récupéré auprès d’INSi et pièce d’identité contrôlée).
        </p>
      ) : (
        <p className="field__help">Le message part dans la messagerie Mon espace santé du patient ; vous pouvez bloquer sa réponse.</p>
      )}
    </Section>
  );
}
