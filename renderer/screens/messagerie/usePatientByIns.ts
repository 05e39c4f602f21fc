/**
 * The local patient a patient mailbox (`<INS>@patient.mssante.fr`) belongs
 * to, so that the Messagerie names patients (« ADRUN Zoé ») instead of
 * showing an INS. One search per INS for the whole screen: rows that mount
 * together share the call, and the answer stays in the data layer's session
 * cache (emptied when the session ends). Only patients of this post are found.
 */
import { useChannel } from '../../data/useChannel.js';
import type { PatientSummary } from '../../ins.js';

/** The patient of this post carrying this INS (undefined while looking, null when none). */
export function usePatientByIns(ins: string | null): PatientSummary | null | undefined {
  const { data } = useChannel('patients.search', ins ? { query: ins, limit: 5 } : null);
  if (!ins) return null;
  if (!data) return undefined;
  return data.patients.find((p) => `${p.insLocal?.matricule ?? ''}${p.insLocal?.cle ?? ''}` === ins) ?? null;
}
