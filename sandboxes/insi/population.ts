/**
 * A fictitious population for the sandbox: deterministic (same seed, same
 * people), every INS with the test OID 1.2.250.1.213.1.4.10 and a valid key,
 * NIR consistent with the traits (sex digit, year and month of birth, birth
 * place = characters 6–10), traits unique on (birth name, sex, birth date) so
 * that each generated person is found alone (CR 00) by its own traits.
 *
 * Names: common French family and given names, with the separators INSi
 * accepts (space, hyphen, apostrophe, double hyphen `--`), uppercase without
 * accents. Birthplaces: INSEE COG codes of mainland France, Corsica
 * (2A/2B), overseas departments and a few countries (99xxx). A small share
 * has an unknown birth day (DateLunaire `…-00`) or an INS history.
 */
import { INS_OID, reservedAbsent, type SandboxIdentity, type SandboxIns } from './identities.js';
import { matriculeKey } from './nir.js';

export const DEFAULT_POPULATION_SIZE = 10_000;
export const DEFAULT_POPULATION_SEED = 0x1_45_c0de;
/** Generation refuses more than this (memory and start time stay bounded). */
export const MAX_POPULATION_SIZE = 200_000;

/** Family names of the generated population (the patient-search bench takes the first 50). */
export const FAMILY_NAMES = [
  'MARTIN',
  'BERNARD',
  'THOMAS',
  'PETIT',
  'ROBERT',
  'RICHARD',
  'DURAND',
  'DUBOIS',
  'MOREAU',
  'LAURENT',
  'SIMON',
  'MICHEL',
  'LEFEBVRE',
  'LEROY',
  'ROUX',
  'DAVID',
  'BERTRAND',
  'MOREL',
  'FOURNIER',
  'GIRARD',
  'BONNET',
  'DUPONT',
  'LAMBERT',
  'FONTAINE',
  'ROUSSEAU',
  'VINCENT',
  'MULLER',
  'LEFEVRE',
  'FAURE',
  'ANDRE',
  'MERCIER',
  'BLANC',
  'GUERIN',
  'BOYER',
  'GARNIER',
  'CHEVALIER',
  'FRANCOIS',
  'LEGRAND',
  'GAUTHIER',
  'GARCIA',
  'PERRIN',
  'ROBIN',
  'CLEMENT',
  'MORIN',
  'NICOLAS',
  'HENRY',
  'ROUSSEL',
  'MATHIEU',
  'GAUTIER',
  'MASSON',
  'MARCHAND',
  'DUVAL',
  'DENIS',
  'DUMONT',
  'MARIE',
  'LEMAIRE',
  'NOEL',
  'MEYER',
  'DUFOUR',
  'MEUNIER',
  'BRUN',
  'BLANCHARD',
  'GIRAUD',
  'JOLY',
  'RIVIERE',
  'LUCAS',
  'BRUNET',
  'GAILLARD',
  'BARBIER',
  'ARNAUD',
  'MARTINEZ',
  'GERARD',
  'ROCHE',
  'RENARD',
  'SCHMITT',
  'ROY',
  'LEROUX',
  'COLIN',
  'VIDAL',
  'CARON',
  'PICARD',
  'ROGER',
  'FABRE',
  'AUBERT',
  'LEMOINE',
  'RENAUD',
  'DUMAS',
  'LACROIX',
  'OLIVIER',
  'PHILIPPE',
  'BOURGEOIS',
  'PIERRE',
  'BENOIT',
  'REY',
  'LECLERC',
  'PAYET',
  'ROLLAND',
  'LECLERCQ',
  'GUILLAUME',
  'LECOMTE',
  'LOPEZ',
  'JEAN',
  'DUPUY',
  'GUILLOT',
  'HUBERT',
  'BERGER',
  'CARPENTIER',
  'SANCHEZ',
  'DUPUIS',
  'MOULIN',
  'LOUIS',
  'DESCHAMPS',
  'HUET',
  'VASSEUR',
  'PEREZ',
  'BOUCHER',
  'FLEURY',
  'ROYER',
  'KLEIN',
  'JACQUET',
  'ADAM',
  'PARIS',
  'POIRIER',
  'MARTY',
  'AUBRY',
  'GUYOT',
  'CARRE',
  'CHARLES',
  'RENAULT',
  'CHARPENTIER',
  'MENARD',
  'MAILLARD',
  'BARON',
  'BERTIN',
  'BAILLY',
  'HERVE',
  'SCHNEIDER',
  'FERNANDEZ',
  'LE GALL',
  'COLLET',
  'LEGER',
  'BOUVIER',
  'JULIEN',
  'PREVOST',
  'MILLET',
  'PERROT',
  'DANIEL',
  'LE ROUX',
  'COUSIN',
  'GERMAIN',
  'BRETON',
  'BESSON',
  'LANGLOIS',
  'REMY',
  'LE GOFF',
  'PELLETIER',
  'LEVEQUE',
  'PERRIER',
  'LEBLANC',
  'BARRE',
  'LEBRUN',
  'MARCHAL',
  'WEBER',
  'MALLET',
  'HAMON',
  'BOULANGER',
  'JACOB',
  'MONNIER',
  'MICHAUD',
  'RODRIGUEZ',
  'GUICHARD',
  'GILLET',
  'ETIENNE',
  'GRONDIN',
  'POULAIN',
  'TESSIER',
  'CHEVALLIER',
  'COLLIN',
  'CHAUVIN',
  'DA SILVA',
  'BOUCHET',
  'GAY',
  'LEMAITRE',
  'BENARD',
  'MARECHAL',
  'HUMBERT',
  'REYNAUD',
  'ANTOINE',
  'HOARAU',
  'PERRET',
  'BARTHELEMY',
  'CORDIER',
  "D'ALMEIDA",
  "N'DIAYE",
  "L'HERMITE",
  'DE LA FONTAINE',
  'LE BIHAN',
  'SAINT-MARTIN',
  'MARTIN--DURAND',
  'LEROY--PETIT',
  'BEN ALI',
  'VAN DER BERG',
] as const;

const MALE_NAMES = [
  'JEAN',
  'PIERRE',
  'MICHEL',
  'ANDRE',
  'PHILIPPE',
  'ALAIN',
  'BERNARD',
  'JACQUES',
  'DANIEL',
  'CHRISTIAN',
  'NICOLAS',
  'PATRICK',
  'FRANCOIS',
  'ERIC',
  'LAURENT',
  'FREDERIC',
  'STEPHANE',
  'DAVID',
  'OLIVIER',
  'SEBASTIEN',
  'JULIEN',
  'THOMAS',
  'ALEXANDRE',
  'ANTOINE',
  'MAXIME',
  'LUCAS',
  'HUGO',
  'LOUIS',
  'GABRIEL',
  'ARTHUR',
  'RAPHAEL',
  'JULES',
  'ADAM',
  'LEO',
  'NATHAN',
  'THEO',
  'PAUL',
  'ETIENNE',
  'VINCENT',
  'GUILLAUME',
  'MATHIEU',
  'ROMAIN',
  'BENOIT',
  'CEDRIC',
  'YANNICK',
  'DIDIER',
  'GERARD',
  'ROGER',
  'JEAN-PIERRE',
  'JEAN-LUC',
  'JEAN-MARC',
  'PAUL-HENRI',
  'MARC',
  'YVES',
  'HENRI',
  'MARCEL',
  'RENE',
  'LUC',
  'NOE',
  'SACHA',
] as const;

const FEMALE_NAMES = [
  'MARIE',
  'NATHALIE',
  'ISABELLE',
  'SYLVIE',
  'CATHERINE',
  'FRANCOISE',
  'CHRISTINE',
  'MONIQUE',
  'VALERIE',
  'SANDRINE',
  'STEPHANIE',
  'CELINE',
  'CAROLINE',
  'AURELIE',
  'JULIE',
  'CAMILLE',
  'EMMA',
  'JADE',
  'LOUISE',
  'ALICE',
  'CHLOE',
  'LINA',
  'LEA',
  'MANON',
  'ROSE',
  'ANNA',
  'INES',
  'AMBRE',
  'JULIETTE',
  'LENA',
  'ZOE',
  'CLARA',
  'SARAH',
  'LAURA',
  'PAULINE',
  'MATHILDE',
  'ANNE',
  'HELENE',
  'SOPHIE',
  'AGNES',
  'JEANNE',
  'MADELEINE',
  'ODETTE',
  'SIMONE',
  'SUZANNE',
  'GENEVIEVE',
  'COLETTE',
  'YVETTE',
  'MARIE-CLAIRE',
  'ANNE-SOPHIE',
  'MARIE-HELENE',
  'MARIE-PIERRE',
  'EMILIE',
  'ELODIE',
  'MARGAUX',
  'NOEMIE',
  'MAELYS',
  'ELISE',
  'LUCIE',
  'AGATHE',
] as const;

/** COG codes: weight by repetition. The NIR carries the same five characters. */
const BIRTHPLACES = [
  '75115',
  '75118',
  '75120',
  '69383',
  '13055',
  '13055',
  '33063',
  '31555',
  '44109',
  '67482',
  '59350',
  '35238',
  '34172',
  '06088',
  '63113',
  '63113',
  '63220',
  '21231',
  '37261',
  '38185',
  '51454',
  '57463',
  '64445',
  '76540',
  '80021',
  '86194',
  '87085',
  '29019',
  '2A004',
  '2A004',
  '2B033',
  '2B033',
  '97411',
  '97209',
  '97105',
  '97302',
  '99350',
  '99352',
  '99351',
  '99134',
  '99127',
  '99109',
  '99139',
] as const;

/** mulberry32: small, fast, good enough for fixtures; deterministic across platforms. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const tripleKey = (nomNaissance: string, sexe: string, dateNaissance: string): string => `${nomNaissance}|${sexe}|${dateNaissance}`;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const pad = (value: number, width: number) => String(value).padStart(width, '0');

export interface GeneratePopulationOptions {
  size?: number;
  seed?: number;
  /** Triples (tripleKey) already taken by other identities: never generated again. */
  taken?: Iterable<string>;
  /** Matricules already taken. */
  takenMatricules?: Iterable<string>;
}

export function generatePopulation(options: GeneratePopulationOptions = {}): SandboxIdentity[] {
  const size = options.size ?? DEFAULT_POPULATION_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_POPULATION_SIZE) {
    throw new RangeError(`Taille de population invalide : ${size} (0 à ${MAX_POPULATION_SIZE}).`);
  }
  const random = seededRandom(options.seed ?? DEFAULT_POPULATION_SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const triples = new Set<string>(options.taken ?? []);
  for (const r of reservedAbsent) triples.add(tripleKey(r.nomNaissance, r.sexe, r.dateNaissance));
  const matricules = new Set<string>(options.takenMatricules ?? []);
  const people: SandboxIdentity[] = [];

  const newMatricule = (sexDigit: string, year: number, month: number, place: string): string => {
    for (;;) {
      const order = pad(1 + Math.floor(random() * 999), 3);
      const matricule = `${sexDigit}${pad(year % 100, 2)}${pad(month, 2)}${place}${order}`;
      if (!matricules.has(matricule)) {
        matricules.add(matricule);
        return matricule;
      }
    }
  };

  while (people.length < size) {
    const sexe = random() < 0.5 ? 'M' : 'F';
    const nomNaissance = pick(FAMILY_NAMES);
    const year = 1930 + Math.floor(random() * 95);
    const month = 1 + Math.floor(random() * 12);
    const unknownDay = random() < 0.005;
    const day = unknownDay ? 0 : 1 + Math.floor(random() * daysIn(year, month));
    const dateNaissance = `${year}-${pad(month, 2)}-${pad(day, 2)}`;
    const triple = tripleKey(nomNaissance, sexe, dateNaissance);
    if (triples.has(triple)) continue;
    triples.add(triple);

    const names = sexe === 'M' ? MALE_NAMES : FEMALE_NAMES;
    const count = 1 + Math.floor(random() * random() * 3.5);
    const prenoms: string[] = [];
    while (prenoms.length < count) {
      const name = pick(names);
      if (!prenoms.includes(name)) prenoms.push(name);
    }
    const lieuNaissance = pick(BIRTHPLACES);
    const sexDigit = sexe === 'M' ? '1' : '2';
    const matricule = newMatricule(sexDigit, year, month, lieuNaissance);
    const active: SandboxIns = { matricule, cle: matriculeKey(matricule)!, oid: INS_OID.test };

    // About 2 %: an earlier INS (another order number), closed on a date after birth.
    const history: SandboxIns[] = [];
    if (random() < 0.02) {
      const previous = newMatricule(sexDigit, year, month, lieuNaissance);
      const closedYear = Math.min(2024, year + 1 + Math.floor(random() * 20));
      history.push({
        matricule: previous,
        cle: matriculeKey(previous)!,
        oid: INS_OID.test,
        typeMatricule: 'NIR',
        dateFin: `${closedYear}-${pad(1 + Math.floor(random() * 12), 2)}-01`,
      });
    }
    people.push({
      id: `gen:${pad(people.length + 1, 6)}`,
      source: 'generee',
      origin: 'population fictive générée (graine déterministe)',
      active,
      history,
      traits: { nomNaissance, prenoms, sexe, dateNaissance, lieuNaissance },
    });
  }
  return people;
}
