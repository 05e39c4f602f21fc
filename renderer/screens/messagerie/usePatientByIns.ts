/**
 * The local patient a patient mailbox (`<INS>@patient.mssante.fr`) belongs
 * to, so that the Messagerie names patients (« ADRUN Zoé ») instead of
 * showing an INS. One search per INS for the whole screen (shared cache,
 * in-flight requests shared); only patients of this post are found.
 */
import { useEffect, useState } from 'react';
import { cabinet } from '../../bridge/index.js';
import type { PatientSummary } from '../../ins.js';
import { call } from '../../state/cabinet.js';
import { registerSessionCache } from '../../state/session-caches.js';

const known = new Map<string, PatientSummary | null>();
const inFlight = new Map<string, Promise<PatientSummary | null>>();
/** Bumped when the caches are emptied: an answer to a search started before is not kept. */
let generation = 0;

async function lookup(ins: string): Promise<PatientSummary | null> {
  const cached = known.get(ins);
  if (cached !== undefined) return cached;
  let pending = inFlight.get(ins);
  if (!pending) {
    const asked = generation;
    pending = call(() => cabinet.patients.search({ query: ins, limit: 5 })).then((outcome) => {
      if (asked !== generation) return null; // the session ended meanwhile
      inFlight.delete(ins);
      if (!outcome.ok) return null; // not cached: asked again later
      const match = outcome.value.patients.find((p) => `${p.insLocal?.matricule ?? ''}${p.insLocal?.cle ?? ''}` === ins) ?? null;
      known.set(ins, match);
      return match;
    });
    inFlight.set(ins, pending);
  }
  return pending;
}

/** The patient of this post carrying this INS (undefined while looking, null when none). */
export function usePatientByIns(ins: string | null): PatientSummary | null | undefined {
  const [patient, setPatient] = useState<PatientSummary | null | undefined>(() => (ins ? known.get(ins) : null));
  useEffect(() => {
    if (!ins) {
      setPatient(null);
      return;
    }
    let alive = true;
    setPatient(known.get(ins));
    void lookup(ins).then((p) => {
      if (alive) setPatient(p);
    });
    return () => {
      alive = false;
    };
  }, [ins]);
  return patient;
}

/** After a patient changed (or the session), names are looked up again. */
export function forgetPatients(): void {
  known.clear();
}

registerSessionCache(() => {
  generation += 1;
  known.clear();
  inFlight.clear();
});
