/**
 * The practitioner as Cabinet knows them: read from the CPS / software
 * certificate (or Pro Santé Connect), shown in the status bar, put in every
 * VIHF. Pure and shared by both sides.
 */
import { z } from 'zod';

/** TRE_G15 ProfessionSante (OID 1.2.250.1.71.1.2.7), the codes Cabinet's users carry. */
export const professionLabels: Record<string, string> = {
  '10': 'Médecin',
  '21': 'Pharmacien',
  '40': 'Chirurgien-dentiste',
  '50': 'Sage-femme',
  '60': 'Infirmier',
  '70': 'Masseur-kinésithérapeute',
  '80': 'Pédicure-podologue',
  '91': 'Orthophoniste',
  '92': 'Orthoptiste',
  '96': 'Psychomotricien',
};
export const PROFESSION_OID = '1.2.250.1.71.1.2.7';
/** TRE_R38 SpecialiteOrdinale (OID 1.2.250.1.71.4.2.5). */
export const SPECIALTY_OID = '1.2.250.1.71.4.2.5';
export const specialtyLabels: Record<string, string> = {
  SM26: 'Qualifié en médecine générale',
  SM54: 'Médecine générale',
  SM53: 'Spécialiste en médecine générale',
};

export const identitySources = ['carte_cps', 'certificat_logiciel', 'e_cps'] as const;
export type IdentitySource = (typeof identitySources)[number];
export const identitySourceLabels: Record<IdentitySource, string> = {
  carte_cps: 'Carte CPS',
  certificat_logiciel: 'Certificat logiciel',
  e_cps: 'e-CPS (Pro Santé Connect)',
};

export const practitionerSchema = z.object({
  /** National identifier as in the certificate CN: `8` + RPPS or `0` + ADELI. */
  idNatPs: z.string().regex(/^[0-9][0-9A-Za-z]{5,20}$/),
  rpps: z.string().optional(),
  adeli: z.string().optional(),
  givenName: z.string(),
  surname: z.string(),
  /** "Dr Marie MARTIN", as shown in the status bar. */
  displayName: z.string(),
  professionCode: z.string(),
  professionLabel: z.string(),
  specialtyCode: z.string().optional(),
  specialtyLabel: z.string().optional(),
  /** Structure identifier (e.g. the cabinet's FINESS/SIRET-based id) when known. */
  structureId: z.string().optional(),
  source: z.enum(identitySources),
  /** Subject DN of the authentication certificate, for the VIHF Issuer. */
  certificateSubject: z.string().optional(),
  certificateNotAfter: z.string().optional(),
});
export type Practitioner = z.infer<typeof practitionerSchema>;

/** Splits a national identifier into RPPS / ADELI. */
export function parseIdNatPs(idNatPs: string): { rpps?: string; adeli?: string } {
  if (/^8\d{11}$/.test(idNatPs)) return { rpps: idNatPs.slice(1) };
  if (/^0[0-9A-Za-z]{9}$/.test(idNatPs)) return { adeli: idNatPs.slice(1) };
  return {};
}

export function professionLabel(code: string): string {
  return professionLabels[code] ?? `Profession ${code}`;
}
