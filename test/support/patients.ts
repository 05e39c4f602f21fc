/**
 * A qualified test patient (as after INSi and an identity document) written
 * straight into a store — one shape for the tests and their child processes.
 */
import type { PatientRepository } from '../../electron/patients/repository.js';
import type { SandboxIdentity } from '../../sandboxes/insi/identities.js';

/** What a child process receives (JSON) to store the same patient. */
export interface TestPatient {
  birthName: string;
  firstNames: string[];
  sex: 'M' | 'F';
  birthDate: string;
  birthplace: string | null;
  matricule: string;
  cle: string;
  oid: string;
}

export function testPatientOf(p: SandboxIdentity): TestPatient {
  return {
    birthName: p.traits.nomNaissance,
    firstNames: [...p.traits.prenoms],
    sex: p.traits.sexe === 'M' ? 'M' : 'F',
    birthDate: p.traits.dateNaissance,
    birthplace: p.traits.lieuNaissance ?? null,
    matricule: p.active.matricule,
    cle: p.active.cle,
    oid: p.active.oid,
  };
}

/** Stores the patient (QUAL by default, with a checked identity document); returns its uid. */
export function insertTestPatient(
  repo: PatientRepository,
  p: TestPatient,
  options: { status?: 'QUAL' | 'RECUP'; insiCheckedAt?: string | null } = {},
): string {
  const status = options.status ?? 'QUAL';
  const checked = status === 'QUAL';
  return repo.insert(
    {
      birth_name: p.birthName,
      first_name: p.firstNames[0]!,
      first_names: p.firstNames.join(' '),
      used_name: null,
      sex: p.sex,
      birth_date: p.birthDate,
      birthplace: p.birthplace,
      ins_matricule: p.matricule,
      ins_cle: p.cle,
      ins_oid: p.oid,
      ins_history: '[]',
      status,
      attributes: '[]',
      document_type: checked ? 'CN' : null,
      document_date: checked ? '2026-11-01' : null,
      document_checked_by: checked ? 'test' : null,
      insi_checked_at: options.insiCheckedAt === undefined ? '2026-11-01T00:00:00.000Z' : options.insiCheckedAt,
    },
    { actor: 'test', reason: 'patient de test' },
  ).uid;
}
