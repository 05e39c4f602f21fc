/** Step 3 of « Identifier un patient » (the identity document checked) and the end of the flow. */
import { Alert } from '../../components/Alert.js';
import { DocumentCheckForm } from '../../components/DocumentCheckForm.js';
import { patientHrefs } from '../../routes.js';
import { Icon } from '../../components/Icon.js';
import { PatientName } from '../../components/PatientName.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { formatBirthDate, sexLabel } from '../../format.js';
import { formatIns, type PatientDetail } from '../../ins.js';

/* ---------- Step 3: the identity document ---------- */

function PatientRecap({ patient, large = false }: { patient: PatientDetail; large?: boolean }) {
  return (
    <div className={`patient-recap${large ? ' patient-recap--large' : ''}`}>
      <div className="patient-recap__who">
        <p className="patient-recap__name">
          <PatientName patient={patient} />
        </p>
        <p className="muted">
          {sexLabel(patient.sex)} · né{patient.sex === 'F' ? 'e' : ''} le {formatBirthDate(patient.birthDate)}
        </p>
      </div>
      <StatusBadge status={patient.status} label={patient.statusLabel} size={large ? 'large' : 'normal'} />
      {patient.ins ? (
        <p className="patient-recap__ins">
          <span className="muted">INS : </span>
          <span className="ins-number">{formatIns(patient.ins)}</span>
          <span className="muted"> — {patient.ins.oidLabel}</span>
        </p>
      ) : null}
    </div>
  );
}

export function DocumentStep({
  patient,
  arrival,
  onRecorded,
}: {
  patient: PatientDetail;
  arrival: 'accepted' | 'created';
  onRecorded: (patient: PatientDetail) => void;
}) {
  const recovered = patient.status === 'RECUP';
  return (
    <div className="form-stack">
      <Alert tone="success" title={arrival === 'accepted' ? 'Identité INSi acceptée' : 'Identité provisoire créée'}>
        <p>
          {arrival === 'accepted'
            ? 'Le patient est enregistré avec le statut « Identité récupérée ». Contrôlez maintenant sa pièce d’identité pour qualifier son identité.'
            : 'Le patient est enregistré avec le statut « Identité provisoire ». Si vous avez contrôlé sa pièce d’identité, enregistrez-le : l’identité sera validée, mais restera non qualifiée sans INS.'}
        </p>
      </Alert>
      <PatientRecap patient={patient} />
      <p className="section__intro">
        {recovered
          ? 'Avec l’INS récupéré et une pièce d’identité à haut niveau de confiance contrôlée, l’identité devient qualifiée.'
          : 'Indiquez la pièce d’identité présentée par le patient et la date du contrôle.'}
      </p>
      <DocumentCheckForm
        patient={patient}
        onRecorded={onRecorded}
        secondary={
          <a className="button button--quiet" href={patientHrefs.patient(patient.uid)}>
            Plus tard : ouvrir la fiche du patient
          </a>
        }
      />
    </div>
  );
}

/* ---------- Done ---------- */

export function DoneStep({ patient, onAnother }: { patient: PatientDetail; onAnother: (() => void) | null }) {
  const qualified = patient.status === 'QUAL';
  return (
    <div className="form-stack">
      {qualified ? (
        <Alert tone="success" title="Identité qualifiée : l’INS peut être utilisé pour le DMP et la messagerie." className="alert--large" />
      ) : (
        <Alert
          tone={patient.status === 'VALI' ? 'success' : 'info'}
          title={`${patient.statusLabel} : la pièce d’identité est contrôlée.`}
          className="alert--large"
        >
          <p>
            Sans INS récupéré auprès d’INSi, l’identité n’est pas qualifiée : l’INS ne peut pas encore être utilisé. Interrogez INSi depuis
            la fiche du patient.
          </p>
        </Alert>
      )}
      <PatientRecap patient={patient} large />
      <div className="form-actions">
        <a className="button button--primary" href={patientHrefs.patient(patient.uid)}>
          Ouvrir la fiche du patient
        </a>
        {onAnother ? (
          <button type="button" className="button button--secondary" onClick={onAnother}>
            <Icon name="ajouter" />
            Identifier un autre patient
          </button>
        ) : null}
        <a className="button button--quiet" href={patientHrefs.list}>
          Retour à la liste des patients
        </a>
      </div>
    </div>
  );
}
