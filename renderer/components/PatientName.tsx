/**
 * A patient's name as the identity rules want it read: birth name in
 * capitals, then the first names (all, in civil-status order), then the used
 * name when there is one.
 */
import { titleCase } from '../format.js';

interface Named {
  birthName: string;
  usedName: string | null;
  firstNames: string;
}

/** "DUPONT Marie Claire" (plain text, for labels and titles). */
export function patientName(patient: Named): string {
  return `${patient.birthName} ${titleCase(patient.firstNames)}`.trim();
}

/** "nom utilisé : MARTIN", or null. */
export function usedNameText(patient: Named): string | null {
  return patient.usedName && patient.usedName !== patient.birthName ? `nom utilisé : ${patient.usedName}` : null;
}

export function PatientName({ patient, withUsedName = true }: { patient: Named; withUsedName?: boolean }) {
  const used = withUsedName ? usedNameText(patient) : null;
  return (
    <span className="patient-name">
      <span className="patient-name__main">
        <span className="patient-name__birth">{patient.birthName}</span>{' '}
        <span className="patient-name__first">{titleCase(patient.firstNames)}</span>
      </span>
      {used ? (
        <span className="patient-name__used">
          <span className="visually-hidden">, </span>
          {used}
        </span>
      ) : null}
    </span>
  );
}
