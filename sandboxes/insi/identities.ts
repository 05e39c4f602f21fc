/**
 * The people the sandbox knows, and the CNAM test identities of the INSi
 * qualification environment (notes ins-cps.md, "Test vectors"), typed in from
 * the recorded responses of `padoa/tlsi-ins` (public source) — matricules,
 * keys, OIDs, history and traits exactly as recorded, including the keys that
 * the NIR algorithm disagrees with (HERMANN: 60 / 10 recorded, 76 / 26
 * computed): the sandbox answers what the real service answers.
 */

export const INS_OID = {
  /** INS-NIR, production; also what the qualification environment returns for its fictitious people. */
  nir: '1.2.250.1.213.1.4.8',
  nia: '1.2.250.1.213.1.4.9',
  /** INS-NIR de test: every identity the sandbox invents. */
  test: '1.2.250.1.213.1.4.10',
  demo: '1.2.250.1.213.1.4.11',
} as const;

/** One INS (INSACTIF or INSHISTO of the RESULTAT schema). */
export interface SandboxIns {
  /** 13 characters (NumIdentifiant). */
  matricule: string;
  /** Two digits (Cle), as the service gives it. */
  cle: string;
  oid: string;
  /** TypeMatricule, when the recorded answer carries it (e.g. NIR). */
  typeMatricule?: string;
  /** DateDeb / DateFin (xsd:date) of a historical INS. */
  dateDeb?: string;
  dateFin?: string;
}

/** The traits INSi returns (TIQ) and matches on. */
export interface SandboxTraits {
  nomNaissance: string;
  /** Given names in order: Prenom is the first, ListePrenom all of them space-joined. */
  prenoms: readonly string[];
  /** M or F. */
  sexe: string;
  /** DateLunaire `AAAA-MM-JJ` (`00` for an unknown day or month). */
  dateNaissance: string;
  /** INSEE COG code of the birthplace (5 characters, 2A/2B for Corsica, 99xxx abroad). */
  lieuNaissance: string;
}

export type IdentitySource = 'cnam' | 'inventee' | 'generee' | 'vitale';

export interface SandboxIdentity {
  /** Stable id, e.g. `cnam:adrtrois-dominique`, `gen:000042`, `vitale:famille-martineau/2`. */
  id: string;
  source: IdentitySource;
  /** Where the data comes from (recorded fixture, notes, generator). */
  origin: string;
  active: SandboxIns;
  history: readonly SandboxIns[];
  traits: SandboxTraits;
}

const recorded = (fixture: string) => `réponse enregistrée de la qualification INSi (padoa/tlsi-ins ${fixture})`;

/**
 * CNAM/CNDA test identities, as recorded. The INSi behaviours of the notes
 * follow from them and from the matching rules (registry.ts):
 * TCHITCHI / OLA → 01 (OLA is not one of "CATARINA BELLA"), CATARINA → 00;
 * HOUILLES is deliberately absent (01 for every try); DE VINCI LEONARDO is
 * two people (02), see {@link deVinciTwins}.
 */
export const cnamIdentities: readonly SandboxIdentity[] = [
  {
    id: 'cnam:adrtrois-dominique',
    source: 'cnam',
    origin: recorded('src/ins/fixtures/persons/adrtrois-dominique.fixture.ts'),
    active: { matricule: '297022A020778', cle: '78', oid: INS_OID.nir },
    history: [],
    traits: { nomNaissance: 'ADRTROIS', prenoms: ['DOMINIQUE'], sexe: 'F', dateNaissance: '1997-02-26', lieuNaissance: '2A020' },
  },
  {
    id: 'cnam:adrtrois-toussaint',
    source: 'cnam',
    origin: recorded('dist/fixtures/persons/adrtrois-toussaint.fixture.js'),
    active: { matricule: '160012B020777', cle: '13', oid: INS_OID.nir },
    history: [],
    traits: { nomNaissance: 'ADRTROIS', prenoms: ['TOUSSAINT'], sexe: 'M', dateNaissance: '1960-01-01', lieuNaissance: '2B020' },
  },
  {
    id: 'cnam:adrun-zoe',
    source: 'cnam',
    origin: recorded('virtual-mode/AdrunZoeVirtualMode'),
    active: { matricule: '2751263220749', cle: '74', oid: INS_OID.nir },
    history: [],
    traits: { nomNaissance: 'ADRUN', prenoms: ['ZOE'], sexe: 'F', dateNaissance: '1975-12-31', lieuNaissance: '63220' },
  },
  {
    id: 'cnam:tchitchi-catarina',
    source: 'cnam',
    origin: recorded('src/ins/fixtures/persons/tchitchi-ola-catarina.fixture.ts'),
    active: { matricule: '2360663220836', cle: '56', oid: INS_OID.nir },
    history: [],
    traits: { nomNaissance: 'TCHITCHI', prenoms: ['CATARINA', 'BELLA'], sexe: 'F', dateNaissance: '1936-06-21', lieuNaissance: '63220' },
  },
  {
    id: 'cnam:nessi-michelangelo',
    source: 'cnam',
    origin: recorded('virtual-mode/NessiMichelangeloVirtualMode'),
    active: { matricule: '1100863220830', cle: '60', oid: INS_OID.nir },
    history: [],
    traits: { nomNaissance: 'NESSI', prenoms: ['MICHELANGELO', 'ANTHONY'], sexe: 'M', dateNaissance: '2010-08-07', lieuNaissance: '63220' },
  },
  {
    // CNDA 2.04: union of the recorded variants — the CNDA file TEST_2.04_cas2 (two INSHISTO,
    // TypeMatricule NIR) and the dates of the live qualification answer, put in schema order.
    id: 'cnam:ecetinsi-pierre-alain',
    source: 'cnam',
    origin: recorded('src/fixtures/TEST_2.04_cas2.xml + persons/pierre-alain.fixture.ts'),
    active: { matricule: '1090763220834', cle: '89', oid: INS_OID.nir },
    history: [
      { matricule: '2090763220834', cle: '39', oid: INS_OID.nir, typeMatricule: 'NIR', dateDeb: '2019-03-01', dateFin: '2019-02-28' },
      { matricule: '2090663220123', cle: '55', oid: INS_OID.nir, typeMatricule: 'NIR' },
    ],
    traits: {
      nomNaissance: 'ECETINSI',
      prenoms: ['PIERRE-ALAIN', 'MURIEL', 'FLORIANT'],
      sexe: 'M',
      dateNaissance: '2009-07-14',
      lieuNaissance: '63220',
    },
  },
  {
    // CNDA 2.05: a NIA (OID .9), the response of responses/TEST_2.05.xml.
    id: 'cnam:provisoire-matricule',
    source: 'cnam',
    origin: recorded('src/ins/fixtures/TEST_2.05.xml'),
    active: { matricule: '1090763220888', cle: '35', oid: INS_OID.nia },
    history: [],
    traits: { nomNaissance: 'PROVISOIRE', prenoms: ['MATRICULE'], sexe: 'M', dateNaissance: '2009-07-01', lieuNaissance: '63220' },
  },
  {
    // CNDA 2.08 case 1: the history repeats the active INS.
    id: 'cnam:corse-anthony',
    source: 'cnam',
    origin: recorded('src/fixtures/TEST_2.08_cas1.xml'),
    active: { matricule: '180032B020401', cle: '23', oid: INS_OID.nir },
    history: [{ matricule: '180032B020401', cle: '23', oid: INS_OID.nir }],
    traits: { nomNaissance: 'CORSE', prenoms: ['ANTHONY'], sexe: 'M', dateNaissance: '1980-03-02', lieuNaissance: '2B020' },
  },
  {
    // CNDA 2.08 case 2: a change of sex; keys 60 and 10 as recorded (the algorithm gives 76 and 26).
    id: 'cnam:hermann-gatien',
    source: 'cnam',
    origin: recorded('dist/fixtures/TEST_2.08_cas2.xml'),
    active: { matricule: '1810363220456', cle: '60', oid: INS_OID.nir },
    history: [
      { matricule: '1810363220456', cle: '60', oid: INS_OID.nir },
      { matricule: '2810363220456', cle: '10', oid: INS_OID.nir },
    ],
    traits: { nomNaissance: 'HERMANN', prenoms: ['GATIEN'], sexe: 'M', dateNaissance: '1981-03-24', lieuNaissance: '63220' },
  },
];

/**
 * DE VINCI LEONARDO, M, 2014-02-01 gives CR 02 in qualification: at least two
 * people share these traits. Their INS are never shown by the real service,
 * so these two are invented (OID .10, computed keys); they differ by
 * birthplace, so that a request with LieuNaissance finds one of them.
 */
export const deVinciTwins: readonly SandboxIdentity[] = [
  {
    id: 'inventee:de-vinci-leonardo-1',
    source: 'inventee',
    origin: 'inventée (le CR 02 de la qualification suppose au moins deux personnes)',
    active: { matricule: '1140263220117', cle: '93', oid: INS_OID.test },
    history: [],
    traits: { nomNaissance: 'DE VINCI', prenoms: ['LEONARDO'], sexe: 'M', dateNaissance: '2014-02-01', lieuNaissance: '63220' },
  },
  {
    id: 'inventee:de-vinci-leonardo-2',
    source: 'inventee',
    origin: 'inventée (le CR 02 de la qualification suppose au moins deux personnes)',
    active: { matricule: '114022A004118', cle: '97', oid: INS_OID.test },
    history: [],
    traits: { nomNaissance: 'DE VINCI', prenoms: ['LEONARDO', 'PIERO'], sexe: 'M', dateNaissance: '2014-02-01', lieuNaissance: '2A004' },
  },
];

/** Traits for which qualification answers 01 whatever the given name (HOUILLES): never generated. */
export const reservedAbsent: readonly Pick<SandboxTraits, 'nomNaissance' | 'sexe' | 'dateNaissance'>[] = [
  { nomNaissance: 'HOUILLES', sexe: 'M', dateNaissance: '1993-01-27' },
];

export function listePrenom(traits: Pick<SandboxTraits, 'prenoms'>): string {
  return traits.prenoms.join(' ');
}
