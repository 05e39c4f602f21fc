/**
 * Test Carte Vitale cards, one JSON file each in `vitale/` (format in the
 * README): the holder's NIR (MatriculeOD of a RECVITALE request) and the
 * beneficiaries the card carries, each with the NIR printed on the card when
 * it has one (a child often has none), the birth rank that tells twins
 * apart, and the person's INS and traits (what INSi returns).
 *
 * Files are read once at start, bounded in number and size, checked against
 * a strict schema and for consistency (keys computed, one holder entry,
 * twins with distinct ranks); a bad file stops the start with a French
 * message naming it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CabinetError, describeIssues } from '../../shared/contract/outcome.js';
import { INS_OID, type SandboxIdentity, type SandboxIns } from './identities.js';
import { MATRICULE_PATTERN, matriculeKey } from './nir.js';

export const DEFAULT_VITALE_DIR = path.join(import.meta.dirname, 'vitale');
const MAX_FILES = 100;
const MAX_FILE_BYTES = 64 * 1024;

/** Uppercase A–Z, single space, apostrophe, hyphen or double hyphen between parts (notes ins-cps.md §1.1). */
const NAME = /^[A-Z]+(?:(?:-{1,2}|[' ])[A-Z]+)*$/;

const matricule = z.string().regex(MATRICULE_PATTERN, 'matricule de 13 caractères attendu');
const cle = z.string().regex(/^[0-9]{2}$/, 'clé de 2 chiffres attendue');
const nirSchema = z.object({ matricule, cle }).strict();
const insSchema = z
  .object({
    matricule,
    cle,
    oid: z.literal(INS_OID.test),
    typeMatricule: z.string().max(10).optional(),
    dateDeb: z.iso.date().optional(),
    dateFin: z.iso.date().optional(),
  })
  .strict();
const traitsSchema = z
  .object({
    nomNaissance: z.string().max(100).regex(NAME),
    prenoms: z.array(z.string().max(60).regex(NAME)).min(1).max(10),
    sexe: z.enum(['M', 'F']),
    dateNaissance: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    lieuNaissance: z.string().regex(/^[0-9AB]{5}$/),
  })
  .strict();
const beneficiarySchema = z
  .object({
    qualite: z.enum(['assure', 'conjoint', 'enfant', 'autre']),
    /** Rang de naissance (1 unless twins, triplets…). */
    rangNaissance: z.number().int().min(1).max(9),
    /** NIR printed on the card for this beneficiary; null when the card carries none. */
    nirCarte: nirSchema.nullable(),
    ins: insSchema,
    historique: z.array(insSchema).max(5).optional(),
    traits: traitsSchema,
  })
  .strict();
export const vitaleCardSchema = z
  .object({
    description: z.string().min(1).max(300),
    /** Serial number of the card (fictitious). */
    numeroSerie: z.string().regex(/^[0-9]{1,20}$/),
    /** The insured holder: MatriculeOD of a RECVITALE request. */
    assure: nirSchema,
    beneficiaires: z.array(beneficiarySchema).min(1).max(12),
  })
  .strict();
export type VitaleCardFile = z.infer<typeof vitaleCardSchema>;

export interface VitaleBeneficiary {
  qualite: VitaleCardFile['beneficiaires'][number]['qualite'];
  rangNaissance: number;
  nirCarte: string | null;
  identity: SandboxIdentity;
}

export interface VitaleCard {
  /** File name without `.json`. */
  id: string;
  description: string;
  numeroSerie: string;
  holder: string;
  beneficiaries: VitaleBeneficiary[];
}

function bad(file: string, reason: string): CabinetError {
  return new CabinetError('CONFIG_INVALID', `Carte Vitale de test invalide (${file}) : ${reason}`);
}

function checkKey(file: string, what: string, value: { matricule: string; cle: string }): void {
  const computed = matriculeKey(value.matricule);
  if (computed !== value.cle)
    throw bad(file, `clé ${value.cle} de ${what} ${value.matricule} incorrecte (calculée : ${computed ?? 'aucune'}).`);
}

/** Checks one parsed card file and turns it into cards and identities. */
export function readVitaleCard(id: string, data: unknown): VitaleCard {
  const file = `${id}.json`;
  const parsed = vitaleCardSchema.safeParse(data);
  if (!parsed.success) {
    const first = describeIssues(parsed.error)[0];
    throw bad(file, first ? `${first.path} : ${first.message}` : 'format inattendu');
  }
  const card = parsed.data;
  checkKey(file, 'l’assuré', card.assure);
  const holders = card.beneficiaires.filter((b) => b.qualite === 'assure');
  if (holders.length !== 1) throw bad(file, 'la carte doit porter exactement un bénéficiaire de qualité « assure ».');
  if (holders[0]!.nirCarte?.matricule !== card.assure.matricule)
    throw bad(file, 'le NIR du bénéficiaire « assure » doit être celui de l’assuré.');
  const ranks = new Set<string>();
  const beneficiaries = card.beneficiaires.map((b, index): VitaleBeneficiary => {
    const label = `du bénéficiaire ${index + 1}`;
    if (b.nirCarte) checkKey(file, `la carte ${label}`, b.nirCarte);
    checkKey(file, `l’INS ${label}`, b.ins);
    for (const h of b.historique ?? []) checkKey(file, `l’INS historique ${label}`, h);
    const rank = `${b.traits.dateNaissance}|${b.rangNaissance}`;
    if (ranks.has(rank))
      throw bad(file, `deux bénéficiaires nés le ${b.traits.dateNaissance} ont le même rang de naissance ${b.rangNaissance}.`);
    ranks.add(rank);
    const sexDigit = b.ins.matricule[0];
    if ((b.traits.sexe === 'M') !== (sexDigit === '1')) throw bad(file, `le NIR ${label} ne correspond pas à son sexe.`);
    const ins = (i: z.infer<typeof insSchema>): SandboxIns => ({ ...i });
    return {
      qualite: b.qualite,
      rangNaissance: b.rangNaissance,
      nirCarte: b.nirCarte?.matricule ?? null,
      identity: {
        id: `vitale:${id}/${index + 1}`,
        source: 'vitale',
        origin: `carte Vitale de test ${file}`,
        active: ins(b.ins),
        history: (b.historique ?? []).map(ins),
        traits: { ...b.traits },
      },
    };
  });
  return { id, description: card.description, numeroSerie: card.numeroSerie, holder: card.assure.matricule, beneficiaries };
}

/** Reads every `*.json` of `dir` (sorted by name). */
export function loadVitaleCards(dir: string = DEFAULT_VITALE_DIR): VitaleCard[] {
  let names: string[];
  try {
    names = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.json'))
      .map((e) => e.name)
      .sort();
  } catch {
    throw new CabinetError('CONFIG_INVALID', `Dossier des cartes Vitale de test introuvable : ${dir}`);
  }
  if (names.length > MAX_FILES)
    throw new CabinetError('CONFIG_INVALID', `Trop de cartes Vitale de test dans ${dir} (${names.length}, maximum ${MAX_FILES}).`);
  const cards: VitaleCard[] = [];
  for (const name of names) {
    const full = path.join(dir, name);
    if (fs.statSync(full).size > MAX_FILE_BYTES) throw bad(name, `fichier trop volumineux (maximum ${MAX_FILE_BYTES / 1024} Kio).`);
    let data: unknown;
    try {
      data = JSON.parse(fs.readFileSync(full, 'utf8'));
    } catch {
      throw bad(name, 'JSON illisible.');
    }
    cards.push(readVitaleCard(name.slice(0, -'.json'.length), data));
  }
  return cards;
}
