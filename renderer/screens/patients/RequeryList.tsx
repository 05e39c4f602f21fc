/**
 * « À réinterroger » (issue 15): identities created while INSi did not answer.
 * Shown on the Patients screen when there are some, with a link to query INSi
 * again for each (traits prefilled). Nothing is shared for them until qualified.
 */
import { Alert } from '../../components/Alert.js';
import { PatientName } from '../../components/PatientName.js';
import { useChannel } from '../../data/useChannel.js';
import { patientHrefs } from '../../routes.js';

export function RequeryList() {
  const list = useChannel('patients.toRequery', {}, { refreshOn: ['patientsChanged'], noCache: true });
  const patients = list.data?.patients ?? [];
  if (patients.length === 0) return null;
  return (
    <Alert tone="warning" title={`À réinterroger auprès d’INSi : ${patients.length} identité${patients.length > 1 ? 's' : ''} sans INS`}>
      <ul className="requery-list">
        {patients.slice(0, 20).map((p) => (
          <li key={p.uid}>
            <PatientName patient={p} /> — <a href={patientHrefs.identifyExisting(p.uid)}>interroger INSi</a>
          </li>
        ))}
      </ul>
    </Alert>
  );
}
