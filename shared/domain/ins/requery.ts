/**
 * « À réinterroger » (issue 15, procédure dégradée): an identity created
 * while INSi was unreachable (or never queried) has no INS; INSi must be
 * queried again when it answers. Until the identity is qualified, nothing is
 * shared for the patient (the INS is not shareable, see `insIfShareable`).
 */
export function needsInsiQuery(patient: { status: string; insiCheckedAt: string | null }): boolean {
  return (patient.status === 'PROV' || patient.status === 'VALI') && patient.insiCheckedAt === null;
}
