/**
 * The practitioners the Pro Santé Connect sandbox knows, and the userinfo
 * claims it answers for them. Exported so that tests and the other services'
 * sandboxes (INSi, DMP, MSSanté) use the same people.
 *
 * Claim names and the `SubjectRefPro` structure follow the userinfo mock
 * published by ANS (`ansforge/PSC-POC api-proxy/src/test/java/fr/ans/psc/
 * VihfBuilderTest.java`, notes ins-cps §5) key for key, including the empty
 * strings PSC sends for absent fields. Marked [I] below: what is inferred.
 *
 * All people are fictitious. RPPS values are in the `997…` range that ANS
 * uses for its test identities (the PSC test user 899700366240) and carry a
 * valid Luhn key, like real RPPS numbers [I: Luhn key inferred from that
 * sample, which checks].
 */

/** One place of activity (`SubjectRefPro.exercices[].activities[]`). */
export interface SandboxActivity {
  /** L libéral, S salarié… */
  codeModeExercice: string;
  /** SA07 = cabinet individuel [I: label], SA01 = établissement de santé [I]. */
  codeSecteurDactivite: string;
  identifiantTechniqueDeLaStructure: string;
  raisonSocialeSite: string;
  numeroVoie?: string;
  codeTypeDeVoie?: string;
  libelleVoie?: string;
  codePostal?: string;
  bureauCedex?: string;
  codePays?: string;
  numeroFinessSite?: string;
  numeroFinessetablissementJuridique?: string;
  numeroSiretSite?: string;
  ancienIdentifiantDeLaStructure?: string;
  autoriteDenregistrement?: string;
  complementDestinataire?: string;
}

/** One professional practice (`SubjectRefPro.exercices[]`). */
export interface SandboxExercice {
  /** TRE_G15: 10 médecin, 60 infirmier… */
  codeProfession: string;
  /** C civil [I: label]. */
  codeCategorieProfessionnelle: string;
  /** DR, or '' when the profession has no title. */
  codeCiviliteDexercice: string;
  nomDexercice: string;
  prenomDexercice: string;
  /** S = spécialité ordinale (TRE_R38), '' when none. */
  codeTypeSavoirFaire: string;
  codeSavoirFaire: string;
  activities: SandboxActivity[];
}

export interface SandboxPractitioner {
  /** idNat_PS: `8` + RPPS (11 digits) or `0` + ADELI (9 characters). */
  idNatPs: string;
  /** `SubjectRefPro.codeCivilite`: M, MME [I: MME inferred, the mock shows M]. */
  codeCivilite: string;
  givenName: string;
  familyName: string;
  /** `otherIds[].origine`: RPPS in the mock; ADELI for ADELI-based ids [I]. */
  origine: 'RPPS' | 'ADELI';
  exercices: SandboxExercice[];
}

/** Dr Marie MARTIN, general practitioner, alone in her practice (RPPS). */
export const drMarieMartin: SandboxPractitioner = {
  idNatPs: '899700012349',
  codeCivilite: 'MME',
  givenName: 'MARIE',
  familyName: 'MARTIN',
  origine: 'RPPS',
  exercices: [
    {
      codeProfession: '10',
      codeCategorieProfessionnelle: 'C',
      codeCiviliteDexercice: 'DR',
      nomDexercice: 'MARTIN',
      prenomDexercice: 'MARIE',
      codeTypeSavoirFaire: 'S',
      codeSavoirFaire: 'SM54',
      activities: [
        {
          codeModeExercice: 'L',
          codeSecteurDactivite: 'SA07',
          identifiantTechniqueDeLaStructure: 'R99701',
          raisonSocialeSite: 'CABINET DU DR MARIE MARTIN',
          numeroVoie: '12',
          codeTypeDeVoie: 'R',
          libelleVoie: 'DES TILLEULS',
          codePostal: '69003',
          bureauCedex: '69003 LYON',
          codePays: '99000',
          ancienIdentifiantDeLaStructure: '499700012349001',
          autoriteDenregistrement: 'CNOM/CNOM/CNOM',
        },
      ],
    },
  ],
};

/** Sophie DURAND, home-care nurse, identified by an ADELI number (no specialty). */
export const sophieDurand: SandboxPractitioner = {
  idNatPs: '0996012345',
  codeCivilite: 'MME',
  givenName: 'SOPHIE',
  familyName: 'DURAND',
  origine: 'ADELI',
  exercices: [
    {
      codeProfession: '60',
      codeCategorieProfessionnelle: 'C',
      codeCiviliteDexercice: '',
      nomDexercice: 'DURAND',
      prenomDexercice: 'SOPHIE',
      codeTypeSavoirFaire: '',
      codeSavoirFaire: '',
      activities: [
        {
          codeModeExercice: 'L',
          codeSecteurDactivite: 'SA07',
          identifiantTechniqueDeLaStructure: 'R99702',
          raisonSocialeSite: 'CABINET INFIRMIER DURAND',
          numeroVoie: '3',
          codeTypeDeVoie: 'PL',
          libelleVoie: 'DE LA MAIRIE',
          codePostal: '35000',
          bureauCedex: '35000 RENNES',
          codePays: '99000',
        },
      ],
    },
  ],
};

/**
 * The ANS PSC test user, as in ANS's published userinfo mock (two identical
 * exercices, each with a libéral and a salarié activity) — lets the client be
 * tested against the exact published shape.
 */
export const kitDoc0036624: SandboxPractitioner = {
  idNatPs: '899700366240',
  codeCivilite: 'M',
  givenName: 'KIT',
  familyName: 'DOC0036624',
  origine: 'RPPS',
  exercices: [0, 1].map(() => ({
    codeProfession: '10',
    codeCategorieProfessionnelle: 'C',
    codeCiviliteDexercice: 'DR',
    nomDexercice: 'DOC0036624',
    prenomDexercice: 'KIT',
    codeTypeSavoirFaire: 'S',
    codeSavoirFaire: 'SM26',
    activities: [
      {
        codeModeExercice: 'L',
        codeSecteurDactivite: 'SA07',
        identifiantTechniqueDeLaStructure: 'R95141',
        raisonSocialeSite: 'CABINET M DOC0036624',
        complementDestinataire: 'CABINET M DOC',
        numeroVoie: '1',
        codeTypeDeVoie: 'R',
        libelleVoie: 'NOIR',
        bureauCedex: '75009 PARIS',
        codePostal: '75009',
        codePays: '99000',
        ancienIdentifiantDeLaStructure: '499700366240007',
        autoriteDenregistrement: 'CNOM/CNOM/CNOM',
      },
      {
        codeModeExercice: 'S',
        codeSecteurDactivite: 'SA01',
        numeroFinessSite: '0B0172805',
        numeroFinessetablissementJuridique: '1B0062023',
        identifiantTechniqueDeLaStructure: 'F0B0172805',
        raisonSocialeSite: 'HOPITAL GENERIQUE  FIN VARI',
        numeroVoie: '10',
        codeTypeDeVoie: 'R',
        libelleVoie: 'DE PARIS',
        bureauCedex: 'PARIS',
        codePostal: '75009',
        ancienIdentifiantDeLaStructure: '10B0172805',
        autoriteDenregistrement: 'CNOM/CNOM/ARS',
      },
    ],
  })),
};

export const sandboxPractitioners: readonly SandboxPractitioner[] = [drMarieMartin, sophieDurand, kitDoc0036624];

/** The confidential client registered in the sandbox (client_secret_basic). Not a real credential. */
export { sandboxClient } from '../../electron/identity/psc/sandbox-client.js';

/**
 * Keycloak's `sub` for a user federated from the PSC directory:
 * `f:<provider id>:<idNat_PS>` [V: shape of the ANS mock's `sub`; the UUID
 * here is the sandbox's own].
 */
export function sandboxSubject(idNatPs: string): string {
  return `f:7c1f5c2e-6d0b-4b8e-9a51-0c5a6b1e2f3d:${idNatPs}`;
}

const OID_SECTEUR = '1.2.250.1.71.4.2.4';
const OID_ROLE = '1.2.250.1.213.1.1.5.5';

const activityKeys = [
  'codeModeExercice',
  'codeSecteurDactivite',
  'codeSectionPharmacien',
  'codeRole',
  'numeroSiretSite',
  'numeroSirenSite',
  'numeroFinessSite',
  'numeroFinessetablissementJuridique',
  'identifiantTechniqueDeLaStructure',
  'raisonSocialeSite',
  'enseigneCommercialeSite',
  'complementDestinataire',
  'complementPointGeographique',
  'numeroVoie',
  'indiceRepetitionVoie',
  'codeTypeDeVoie',
  'libelleVoie',
  'mentionDistribution',
  'bureauCedex',
  'codePostal',
  'codeCommune',
  'codePays',
  'telephone',
  'telephone2',
  'telecopie',
  'adresseEMail',
  'codeDepartement',
  'ancienIdentifiantDeLaStructure',
  'autoriteDenregistrement',
] as const;

/** The userinfo document, in the order and with the keys of the ANS mock. */
export function userinfoClaims(p: SandboxPractitioner): Record<string, unknown> {
  const first = p.exercices[0];
  const firstActivity = first?.activities[0];
  const roles = [...new Set(p.exercices.map((e) => `${e.codeProfession}^${OID_ROLE}`))];
  return {
    Secteur_Activite: firstActivity ? `${firstActivity.codeSecteurDactivite}^${OID_SECTEUR}` : '',
    sub: sandboxSubject(p.idNatPs),
    email_verified: false,
    SubjectOrganization: firstActivity?.raisonSocialeSite ?? '',
    Mode_Acces_Raison: '',
    preferred_username: p.idNatPs,
    given_name: p.givenName,
    Acces_Regulation_Medicale: 'FAUX',
    UITVersion: '1.0',
    Palier_Authentification: 'APPPRIP3^1.2.250.1.213.1.5.1.1.1',
    SubjectRefPro: {
      codeCivilite: p.codeCivilite,
      exercices: p.exercices.map((e) => ({
        codeProfession: e.codeProfession,
        codeCategorieProfessionnelle: e.codeCategorieProfessionnelle,
        codeCiviliteDexercice: e.codeCiviliteDexercice,
        nomDexercice: e.nomDexercice,
        prenomDexercice: e.prenomDexercice,
        codeTypeSavoirFaire: e.codeTypeSavoirFaire,
        codeSavoirFaire: e.codeSavoirFaire,
        activities: e.activities.map((a) =>
          Object.fromEntries(activityKeys.map((k) => [k, (a as unknown as Record<string, string | undefined>)[k] ?? ''])),
        ),
      })),
    },
    SubjectOrganizationID: firstActivity?.identifiantTechniqueDeLaStructure ?? '',
    SubjectRole: roles,
    PSI_Locale: '1.2.250.1.213.1.3.1.1',
    otherIds: [{ identifiant: p.idNatPs, origine: p.origine, qualite: 1 }],
    SubjectNameID: p.idNatPs,
    family_name: p.familyName,
  };
}

/**
 * The practitioners of the test IGC-Santé's valid cards (`cabinet pki init`:
 * `medecin-martin`, `infirmier-petit`), with the same idNat_PS as their
 * cards, so that an e-CPS login opens the same MSSanté mailbox as the card
 * on the test operator. Not in `sandboxPractitioners` (the default list):
 * pass them in `practitioners` where needed.
 */
export const carteMarieMartin: SandboxPractitioner = {
  ...drMarieMartin,
  idNatPs: '899701000012',
  exercices: drMarieMartin.exercices.map((e) => ({ ...e, codeSavoirFaire: 'SM26' })),
};

/** Julien PETIT, home-care nurse (ADELI 756012345), as on his test card. */
export const carteJulienPetit: SandboxPractitioner = {
  idNatPs: '0756012345',
  codeCivilite: 'M',
  givenName: 'JULIEN',
  familyName: 'PETIT',
  origine: 'ADELI',
  exercices: [{ ...sophieDurand.exercices[0]!, nomDexercice: 'PETIT', prenomDexercice: 'JULIEN' }],
};

export const testPkiPractitioners: readonly SandboxPractitioner[] = [carteMarieMartin, carteJulienPetit];
