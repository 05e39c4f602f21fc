/**
 * The service-level path from a patient of this post to a checked CDA: the
 * INS only through `PatientService.shareableIns()` (a qualified identity,
 * an OID allowed in this environment; anything else is refused there), the
 * traits from the store, the practitioner from the session, then
 * {@link buildCdaN1} and the self-check, which blocks a non-conformant
 * document with a French explanation.
 */
import { CabinetError } from '../../../shared/contract/outcome.js';
import type { Practitioner } from '../../../shared/domain/practitioner.js';
import type { PatientService } from '../../patients/service.js';
import { buildCdaN1, type BuiltCda, type CdaN1Input, type CdaPatient } from './builder.js';
import type { CdaProblem, CdaSelfCheck } from './self-check.js';

/** The patient as a CDA needs them; throws CONFLICT (French) unless the identity is qualified. */
export function cdaPatient(patients: Pick<PatientService, 'shareableIns' | 'get'>, uid: string, actor: string): CdaPatient {
  const ins = patients.shareableIns(uid);
  const p = patients.get(uid, actor);
  return {
    ins,
    traits: {
      birthName: p.birthName,
      usedName: p.usedName,
      firstName: p.firstName,
      firstNames: p.firstNames,
      sex: p.sex,
      birthDate: p.birthDate,
      birthplace: p.birthplace,
    },
  };
}

/** A short French list of the problems, for a refusal message. */
export function describeProblems(problems: CdaProblem[], max = 5): string {
  const lines = problems.slice(0, max).map((p) => `– ${p.message} (${p.rule}, ${p.location})`);
  if (problems.length > max) lines.push(`– et ${problems.length - max} autre(s) problème(s).`);
  return lines.join('\n');
}

export interface CreateCdaRequest extends Omit<CdaN1Input, 'patient' | 'author'> {
  uid: string;
  author: Practitioner;
  actor: string;
}

/** Builds the CDA of a qualified patient and checks it; throws CHECK_FAILED (with `details.problems`) when it does not conform. */
export async function createCheckedCda(
  patients: Pick<PatientService, 'shareableIns' | 'get'>,
  checker: CdaSelfCheck,
  request: CreateCdaRequest,
): Promise<BuiltCda> {
  const { uid, actor, ...rest } = request;
  const built = buildCdaN1({ ...rest, patient: cdaPatient(patients, uid, actor) });
  const result = await checker.check(built.xml);
  if (!result.ok) {
    throw new CabinetError(
      'CHECK_FAILED',
      `Le document CDA produit n’est pas conforme ; il n’a pas été enregistré.\n${describeProblems(result.problems)}`,
      { problems: result.problems },
    );
  }
  return built;
}
