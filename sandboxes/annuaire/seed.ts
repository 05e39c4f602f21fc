/**
 * The sandbox's directory: a deterministic population of practitioners,
 * their roles and structures, with MSSanté mailboxes of every type in the
 * `*.test-mssante.fr` domains, shaped as the Annuaire Santé FHIR API v2
 * publishes them (see README.md and shared/domain/annuaire/fhir.ts).
 *
 * It holds the test PKI's practitioners (Dr Marie MARTIN, idNat_PS
 * 899701000012; Julien PETIT, 0756012345) so that a logged-in test
 * practitioner finds themselves, and a few red-listed (liste rouge)
 * mailboxes, which the server never publishes.
 */
import { rppsWithKey } from '../pki/test-pki.js';
import {
  EMAIL_TYPE_EXTENSION,
  FINESS_SYSTEM,
  IDNAT_PS_SYSTEM,
  MAILBOX_METADATA_EXTENSION,
  PROFESSION_SYSTEM,
  RPPS_SYSTEM,
  SIRET_SYSTEM,
  SPECIALITE_SYSTEM,
  TYPE_BAL_SYSTEM,
  TYPE_MESSAGERIE_SYSTEM,
  type MailboxType,
} from '../../shared/domain/annuaire/fhir.js';

export const CABINET_DOMAIN = 'cabinet.test-mssante.fr';
export const HOPITAL_DOMAIN = 'hopital.test-mssante.fr';

/* eslint-disable @typescript-eslint/no-explicit-any -- FHIR resources are plain JSON here */
export type FhirResource = { resourceType: 'Practitioner' | 'PractitionerRole' | 'Organization'; id: string; [key: string]: any };
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface Mailbox {
  address: string;
  type: MailboxType;
  listeRouge: boolean;
  description?: string;
  service?: string;
  digitization?: boolean;
}

export interface Directory {
  practitioners: FhirResource[];
  roles: FhirResource[];
  organizations: FhirResource[];
  /** Every mailbox of the seed, red-listed ones included (for tests: they must never be served). */
  mailboxes: Mailbox[];
  lastUpdated: string;
}

export const professions = {
  '10': 'Médecin',
  '21': 'Pharmacien',
  '50': 'Sage-Femme',
  '60': 'Infirmier',
  '70': 'Masseur-Kinésithérapeute',
} as const;
type ProfessionCode = keyof typeof professions;

/** TRE_R38-SpecialiteOrdinale (displays from the ANS terminology, without the « (SM) » suffix). */
export const specialties = {
  SM26: 'Qualifié en Médecine générale',
  SM04: 'Cardiologie et Maladies vasculaires',
  SM40: 'Pédiatrie',
  SM41: 'Pneumologie',
  SM42: 'Psychiatrie',
  SM38: 'Ophtalmologie',
  SM15: 'Dermatologie et Vénéréologie',
  SM20: 'Gynécologie-obstétrique',
  SM32: 'Neurologie',
} as const;
type SpecialtyCode = keyof typeof specialties;

const cities = [
  { name: 'Lyon', postalCode: '69003' },
  { name: 'Paris', postalCode: '75014' },
  { name: 'Marseille', postalCode: '13005' },
  { name: 'Bordeaux', postalCode: '33000' },
  { name: 'Lille', postalCode: '59000' },
  { name: 'Nantes', postalCode: '44000' },
  { name: 'Toulouse', postalCode: '31000' },
  { name: 'Strasbourg', postalCode: '67000' },
  { name: 'Saint-Étienne', postalCode: '42000' },
  { name: 'Évreux', postalCode: '27000' },
  { name: 'Orléans', postalCode: '45000' },
  { name: 'Besançon', postalCode: '25000' },
] as const;

const families = [
  'BERNARD',
  'THOMAS',
  'ROBERT',
  'RICHARD',
  'DUBOIS',
  'MOREAU',
  'LAURENT',
  'SIMON',
  'MICHEL',
  'LEFÈVRE',
  'GARCIA',
  'DAVID',
  'BERTRAND',
  'ROUX',
  'VINCENT',
  'FOURNIER',
  'MOREL',
  'GIRARD',
  'ANDRÉ',
  'MERCIER',
  'DUPONT',
  'LAMBERT',
  'BONNET',
  'FRANÇOIS',
  'MARTINEZ',
  'LEGRAND',
  'GARNIER',
  'FAURE',
  'ROUSSEAU',
  'BLANC',
  'GUÉRIN',
  'MULLER',
  'HENRY',
  'ROUSSEL',
  'NICOLAS',
  'PERRIN',
  'MORIN',
  'MATHIEU',
  'CLÉMENT',
  'GAUTHIER',
  'DUMONT',
  'LOPEZ',
  'FONTAINE',
  'CHEVALIER',
  'ROBIN',
  'MASSON',
  'SANCHEZ',
  'BOYER',
];
const givens = [
  'Camille',
  'Léa',
  'Manon',
  'Chloé',
  'Inès',
  'Sarah',
  'Louise',
  'Élodie',
  'Hélène',
  'Anaïs',
  'Zoé',
  'Juliette',
  'Lucas',
  'Hugo',
  'Louis',
  'Nathan',
  'Gabriel',
  'Jules',
  'Arthur',
  'Raphaël',
  'Théo',
  'Noé',
  'Benoît',
  'Jérôme',
];

/** Small deterministic generator (mulberry32): the same directory at every start. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `Saint-Étienne` → `saint-etienne`, `LEFÈVRE` → `lefevre`: the local part of an address. */
export function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function mailboxTelecom(box: Mailbox, rank?: number): Record<string, unknown> {
  const metadata: Record<string, unknown>[] = [
    { url: 'type', valueCodeableConcept: { coding: [{ system: TYPE_BAL_SYSTEM, code: box.type }] } },
    { url: 'listeRouge', valueBoolean: box.listeRouge },
  ];
  if (box.description) metadata.push({ url: 'description', valueString: box.description });
  if (box.service) metadata.push({ url: 'service', valueString: box.service });
  if (box.digitization !== undefined) metadata.push({ url: 'digitization', valueBoolean: box.digitization });
  return {
    extension: [
      { url: EMAIL_TYPE_EXTENSION, valueCoding: { system: TYPE_MESSAGERIE_SYSTEM, code: 'MSSANTE' } },
      { url: MAILBOX_METADATA_EXTENSION, extension: metadata },
    ],
    system: 'email',
    value: box.address,
    ...(rank ? { rank } : {}),
  };
}

const idnpsType = { coding: [{ system: 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203', code: 'IDNPS' }] };

export interface SeedOptions {
  /** Generated practitioners besides the test PKI's (default 300). */
  practitioners?: number;
  /** Generated structures besides the test PKI's (default 60: 12 hospitals, 48 practices). */
  structures?: number;
}

export function buildDirectory(options: SeedOptions = {}): Directory {
  const random = generator(0xa11ae);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const lastUpdated = '2026-11-01T08:00:00.000+01:00';
  const meta = (profile: string) => ({
    lastUpdated,
    profile: [`https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/${profile}`],
  });
  const practitioners: FhirResource[] = [];
  const roles: FhirResource[] = [];
  const organizations: FhirResource[] = [];
  const mailboxes: Mailbox[] = [];
  const used = new Set<string>();

  const address = (local: string, domain: string): string => {
    let candidate = `${local}@${domain}`;
    for (let n = 2; used.has(candidate); n++) candidate = `${local}${n}@${domain}`;
    used.add(candidate);
    return candidate;
  };
  const box = (b: Mailbox): Record<string, unknown> => {
    mailboxes.push(b);
    return mailboxTelecom(b);
  };

  // Structures: hospitals (FINESS) with organisational and applicative mailboxes; practices (SIRET).
  const structureCount = options.structures ?? 60;
  const hospitalCount = Math.min(cities.length, Math.max(1, Math.round(structureCount / 5)));
  const organization = (
    id: string,
    name: string,
    city: (typeof cities)[number],
    identifier: Record<string, unknown>,
    telecom: Record<string, unknown>[],
    line: string,
  ): FhirResource => ({
    resourceType: 'Organization',
    id,
    meta: meta('as-organization'),
    identifier: [identifier],
    active: true,
    name,
    address: [{ use: 'work', line: [line], postalCode: city.postalCode, city: city.name, country: 'FRA' }],
    telecom,
  });

  for (let i = 0; i < hospitalCount; i++) {
    const city = cities[i]!;
    const s = slug(city.name);
    const telecom = [
      box({
        address: address(`secretariat.cardiologie.${s}`, HOPITAL_DOMAIN),
        type: 'ORG',
        listeRouge: false,
        service: 'Cardiologie',
        description: 'Secrétariat du service de cardiologie',
      }),
      box({
        address: address(`urgences.${s}`, HOPITAL_DOMAIN),
        type: 'ORG',
        listeRouge: false,
        service: 'Urgences',
        description: 'Accueil des urgences',
      }),
      box({
        address: address(`resultats-biologie.${s}`, HOPITAL_DOMAIN),
        type: 'APP',
        listeRouge: false,
        service: 'Laboratoire',
        description: 'Réception automatique des résultats de biologie',
      }),
      box({
        address: address(`direction.${s}`, HOPITAL_DOMAIN),
        type: 'ORG',
        listeRouge: true,
        service: 'Direction',
        description: 'Direction (liste rouge)',
      }),
    ];
    organizations.push(
      organization(
        `org-ch-${s}`,
        `Centre hospitalier de ${city.name}`,
        city,
        { use: 'official', system: FINESS_SYSTEM, value: `${String(690000010 + i * 7).padStart(9, '0')}` },
        telecom,
        '1 place de l’Hôpital',
      ),
    );
  }

  // The test PKI's practice (TEST_STRUCTURE_ID's structure) in Lyon.
  const lyon = cities[0];
  organizations.push(
    organization(
      'org-cabinet-martin',
      'Cabinet médical Martin',
      lyon,
      { use: 'official', system: SIRET_SYSTEM, value: '49970036790900' },
      [
        box({
          address: address('secretariat.cabinet-martin', CABINET_DOMAIN),
          type: 'ORG',
          listeRouge: false,
          description: 'Secrétariat du cabinet',
        }),
      ],
      '12 rue de la République',
    ),
  );

  const streets = ['du Parc', 'de la Gare', 'des Tilleuls', 'Pasteur', 'Victor-Hugo', 'de la Mairie', 'des Écoles', 'Jean-Jaurès'];
  for (let i = 0; i < structureCount - hospitalCount; i++) {
    const city = pick(cities);
    const msp = i % 4 === 0;
    const street = pick(streets);
    const name = msp ? `Maison de santé pluriprofessionnelle ${street} — ${city.name}` : `Cabinet médical ${street}`;
    const telecom =
      i % 3 === 0
        ? [
            box({
              address: address(`secretariat.${slug(street)}.${slug(city.name)}`, CABINET_DOMAIN),
              type: 'ORG',
              listeRouge: false,
              description: 'Secrétariat',
            }),
          ]
        : [];
    organizations.push(
      organization(
        `org-cab-${i + 1}`,
        name,
        city,
        { use: 'official', system: SIRET_SYSTEM, value: String(80000000000000 + i * 131) },
        telecom,
        `${1 + (i % 40)} rue ${street}`,
      ),
    );
  }

  const professionCoding = (code: ProfessionCode) => ({ coding: [{ system: PROFESSION_SYSTEM, code, display: professions[code] }] });
  const specialtyCoding = (code: SpecialtyCode) => ({ coding: [{ system: SPECIALITE_SYSTEM, code, display: specialties[code] }] });

  interface Person {
    family: string;
    given: string;
    idNatPs: string;
    rpps: string | null;
    profession: ProfessionCode;
    specialty: SpecialtyCode | null;
    org: FhirResource;
    perListeRouge: boolean;
    cab: boolean;
    practitionerLevelPer: boolean;
  }
  const addPerson = (p: Person) => {
    const id = `pra-${p.idNatPs}`;
    const domain = p.org.id.startsWith('org-ch-') ? HOPITAL_DOMAIN : CABINET_DOMAIN;
    const per = box({
      address: address(`${slug(p.given)}.${slug(p.family)}`, domain),
      type: 'PER',
      listeRouge: p.perListeRouge,
      digitization: random() < 0.5,
    });
    const practitionerTelecom: Record<string, unknown>[] = [];
    if (p.cab)
      practitionerTelecom.push(
        box({
          address: address(`cabinet.${slug(p.family)}`, CABINET_DOMAIN),
          type: 'CAB',
          listeRouge: false,
          description: `Cabinet de ${p.given} ${p.family}`,
        }),
      );
    if (p.practitionerLevelPer)
      practitionerTelecom.push(
        box({ address: address(`${slug(p.given)}.${slug(p.family)}.perso`, CABINET_DOMAIN), type: 'PER', listeRouge: false }),
      );
    const identifier: Record<string, unknown>[] = [{ use: 'official', type: idnpsType, system: IDNAT_PS_SYSTEM, value: p.idNatPs }];
    if (p.rpps) identifier.push({ use: 'official', system: RPPS_SYSTEM, value: p.rpps });
    practitioners.push({
      resourceType: 'Practitioner',
      id,
      meta: meta('as-practitioner'),
      identifier,
      active: true,
      name: [{ use: 'official', family: p.family, given: [p.given], ...(p.profession === '10' ? { prefix: ['Dr'] } : {}) }],
      ...(practitionerTelecom.length ? { telecom: practitionerTelecom } : {}),
      qualification: [{ code: professionCoding(p.profession) }, ...(p.specialty ? [{ code: specialtyCoding(p.specialty) }] : [])],
    });
    roles.push({
      resourceType: 'PractitionerRole',
      id: `rol-${p.idNatPs}`,
      meta: meta('as-practitionerrole'),
      active: true,
      practitioner: { reference: `Practitioner/${id}` },
      organization: { reference: `Organization/${p.org.id}` },
      code: [professionCoding(p.profession)],
      ...(p.specialty ? { specialty: [specialtyCoding(p.specialty)] } : {}),
      telecom: [per],
    });
  };

  const cabinetMartin = organizations.find((o) => o.id === 'org-cabinet-martin')!;
  const martinRpps = rppsWithKey('9970100001');
  addPerson({
    family: 'MARTIN',
    given: 'Marie',
    idNatPs: `8${martinRpps}`,
    rpps: martinRpps,
    profession: '10',
    specialty: 'SM26',
    org: cabinetMartin,
    perListeRouge: false,
    cab: true,
    practitionerLevelPer: false,
  });
  // Julien PETIT works at a hospital: his mailbox is where the MSSanté test operator hosts it (hopital.test-mssante.fr).
  const hospital = organizations.find((o) => o.id.startsWith('org-ch-'))!;
  addPerson({
    family: 'PETIT',
    given: 'Julien',
    idNatPs: '0756012345',
    rpps: null,
    profession: '60',
    specialty: null,
    org: hospital,
    perListeRouge: false,
    cab: false,
    practitionerLevelPer: false,
  });
  // Red-listed: Dr Claire LEROY is in the directory, her personal mailbox is not published.
  const leroyRpps = rppsWithKey('9970100003');
  addPerson({
    family: 'LEROY',
    given: 'Claire',
    idNatPs: `8${leroyRpps}`,
    rpps: leroyRpps,
    profession: '10',
    specialty: 'SM26',
    org: organizations[0]!,
    perListeRouge: true,
    cab: false,
    practitionerLevelPer: false,
  });
  // Accents, hyphens and apostrophes, for searches that ignore them.
  const accented: [string, string][] = [
    ['LÉVÊQUE', 'Éloïse'],
    ['BÉRANGER-DUCROS', 'Hélène'],
    ["D'ARGENT", 'François'],
    ['NGUYỄN', 'Anh'],
  ];
  accented.forEach(([family, given], i) => {
    const rpps = rppsWithKey(`99702${String(90000 + i).padStart(5, '0')}`);
    addPerson({
      family,
      given,
      idNatPs: `8${rpps}`,
      rpps,
      profession: '10',
      specialty: i === 0 ? 'SM04' : 'SM26',
      org: organizations[i % organizations.length]!,
      perListeRouge: false,
      cab: false,
      practitionerLevelPer: false,
    });
  });

  const professionMix: ProfessionCode[] = ['10', '10', '10', '10', '10', '60', '60', '70', '50', '21'];
  const specialtyCodes = Object.keys(specialties) as SpecialtyCode[];
  const count = options.practitioners ?? 300;
  for (let i = 0; i < count; i++) {
    const profession = pick(professionMix);
    const rpps = rppsWithKey(`99702${String(i + 1).padStart(5, '0')}`);
    addPerson({
      family: pick(families),
      given: pick(givens),
      idNatPs: `8${rpps}`,
      rpps,
      profession,
      specialty: profession === '10' ? (random() < 0.55 ? 'SM26' : pick(specialtyCodes)) : null,
      org: pick(organizations),
      perListeRouge: random() < 0.08,
      cab: profession === '10' && random() < 0.12,
      practitionerLevelPer: random() < 0.05,
    });
  }

  return { practitioners, roles, organizations, mailboxes, lastUpdated };
}
