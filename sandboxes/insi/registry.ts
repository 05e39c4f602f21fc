/**
 * The sandbox's "RNIV": every identity it knows, indexed, and the two
 * lookups of the INSi service.
 *
 * Traits (RECSANSVITALE), as the notes describe INSi (ins-cps.md §1.4):
 * birth name, sex and birth date must be equal; the given names match when
 * the request's single Prenom is one of the person's given names, or when
 * the request's given names (one Prenom holding the space-joined list, or
 * several Prenom elements) are the whole list in order; LieuNaissance, when
 * given, must be equal. 0 match → CR 01, 1 → CR 00, 2 or more → CR 02.
 * Comparison is exact after trimming and collapsing spaces: INSi's own
 * tolerance (accents, case, phonetics) is not published [I].
 *
 * Carte Vitale (RECVITALE) [I, see README]: the holder's NIR (MatriculeOD)
 * designates the card — a card file of `vitale/`, or, for any other known
 * person, an implicit card carrying only that person at rank 1 — and its
 * beneficiaries; MatriculeIndividu (the beneficiary's own NIR, matched
 * against the NIR on the card, the active INS and the history),
 * DateNaissance, RangNaissance and NomNaissance narrow them down. Without
 * MatriculeOD, MatriculeIndividu designates the person directly.
 *
 * Lookups are Map reads plus a filter over the (few) people sharing a birth
 * name, sex and date: constant time whatever the population size.
 */
import { cnamIdentities, deVinciTwins, type SandboxIdentity } from './identities.js';
import { generatePopulation, tripleKey } from './population.js';
import type { VitaleCard } from './vitale.js';

export type CodeCR = '00' | '01' | '02';
export const libelleCR: Record<CodeCR, string> = {
  '00': 'OK',
  '01': 'Aucune identite trouvee',
  '02': 'Plusieurs identites trouvees',
};

export interface TraitsQuery {
  nomNaissance: string;
  /** The Prenom elements of the request, in order. */
  prenoms: readonly string[];
  sexe: string;
  dateNaissance: string;
  lieuNaissance?: string | undefined;
}

export interface VitaleQuery {
  matriculeIndividu?: string | undefined;
  matriculeOD?: string | undefined;
  nomNaissance?: string | undefined;
  dateNaissance?: string | undefined;
  rangNaissance?: string | undefined;
}

export interface LookupResult {
  codeCR: CodeCR;
  /** The person, for CR 00 only. */
  identity: SandboxIdentity | null;
  /** How many people matched (CR 02: two or more). */
  matches: number;
}

const clean = (value: string | undefined): string => (value ?? '').trim().replace(/\s+/g, ' ');

function result(found: readonly SandboxIdentity[]): LookupResult {
  const unique = [...new Map(found.map((i) => [i.id, i])).values()];
  if (unique.length === 0) return { codeCR: '01', identity: null, matches: 0 };
  if (unique.length === 1) return { codeCR: '00', identity: unique[0]!, matches: 1 };
  return { codeCR: '02', identity: null, matches: unique.length };
}

interface Beneficiary {
  identity: SandboxIdentity;
  rangNaissance: number;
  nirCarte: string | null;
}

export interface RegistryOptions {
  /** Size of the generated population (default 10,000). */
  population?: number;
  seed?: number;
  cards?: readonly VitaleCard[];
}

export class InsRegistry {
  private readonly byTriple = new Map<string, SandboxIdentity[]>();
  private readonly byMatricule = new Map<string, SandboxIdentity[]>();
  private readonly byId = new Map<string, SandboxIdentity>();
  private readonly cardsByHolder = new Map<string, VitaleCard[]>();
  /** Everyone, in insertion order: CNAM, invented, Vitale cards, generated. */
  readonly identities: SandboxIdentity[] = [];
  readonly cards: readonly VitaleCard[];

  constructor(options: RegistryOptions = {}) {
    this.cards = options.cards ?? [];
    for (const identity of [...cnamIdentities, ...deVinciTwins]) this.add(identity);
    for (const card of this.cards) {
      for (const b of card.beneficiaries) b.identity = this.addShared(b.identity);
      const list = this.cardsByHolder.get(card.holder) ?? [];
      list.push(card);
      this.cardsByHolder.set(card.holder, list);
    }
    const generated = generatePopulation({
      size: options.population,
      seed: options.seed,
      taken: [...this.byTriple.keys()],
      takenMatricules: [...this.byMatricule.keys()],
    });
    for (const identity of generated) this.add(identity);
  }

  private add(identity: SandboxIdentity): void {
    if (this.byId.has(identity.id)) throw new Error(`identité en double : ${identity.id}`);
    this.byId.set(identity.id, identity);
    this.identities.push(identity);
    const triple = tripleKey(identity.traits.nomNaissance, identity.traits.sexe, identity.traits.dateNaissance);
    this.byTriple.set(triple, [...(this.byTriple.get(triple) ?? []), identity]);
    const matricules = new Set([identity.active.matricule, ...identity.history.map((h) => h.matricule)]);
    for (const m of matricules) this.byMatricule.set(m, [...(this.byMatricule.get(m) ?? []), identity]);
  }

  /** A person on several cards is one person: same INS → same identity (the traits must agree). */
  private addShared(identity: SandboxIdentity): SandboxIdentity {
    const existing = (this.byMatricule.get(identity.active.matricule) ?? []).find((i) => i.active.matricule === identity.active.matricule);
    if (!existing) {
      this.add(identity);
      return identity;
    }
    if (JSON.stringify(existing.traits) !== JSON.stringify(identity.traits)) {
      throw new Error(`INS ${identity.active.matricule} décrit deux fois avec des traits différents (${existing.id}, ${identity.id})`);
    }
    return existing;
  }

  get size(): number {
    return this.identities.length;
  }

  get(id: string): SandboxIdentity | undefined {
    return this.byId.get(id);
  }

  /** RECSANSVITALE. */
  lookupTraits(query: TraitsQuery): LookupResult {
    const candidates = this.byTriple.get(tripleKey(clean(query.nomNaissance), clean(query.sexe), clean(query.dateNaissance))) ?? [];
    const prenoms = query.prenoms.map(clean).filter(Boolean);
    const lieu = clean(query.lieuNaissance);
    const found = candidates.filter((identity) => {
      if (lieu && identity.traits.lieuNaissance !== lieu) return false;
      const list = identity.traits.prenoms.join(' ');
      if (prenoms.length === 1) return identity.traits.prenoms.includes(prenoms[0]!) || list === prenoms[0];
      return prenoms.length > 1 && prenoms.join(' ') === list;
    });
    return result(found);
  }

  /** The beneficiaries designated by a holder's NIR: its card files, else the person alone (implicit card). */
  private beneficiariesOf(holder: string): Beneficiary[] {
    const cards = this.cardsByHolder.get(holder);
    if (cards)
      return cards.flatMap((c) =>
        c.beneficiaries.map((b) => ({ identity: b.identity, rangNaissance: b.rangNaissance, nirCarte: b.nirCarte })),
      );
    return (this.byMatricule.get(holder) ?? []).map((identity) => ({ identity, rangNaissance: 1, nirCarte: holder }));
  }

  /** RECVITALE; the caller makes sure MatriculeOD or MatriculeIndividu is there. */
  lookupVitale(query: VitaleQuery): LookupResult {
    const od = clean(query.matriculeOD);
    const individual = clean(query.matriculeIndividu);
    let candidates: Beneficiary[] = od
      ? this.beneficiariesOf(od)
      : (this.byMatricule.get(individual) ?? []).map((identity) => ({ identity, rangNaissance: 1, nirCarte: individual }));
    if (od && individual) {
      candidates = candidates.filter(
        (b) =>
          b.nirCarte === individual ||
          b.identity.active.matricule === individual ||
          b.identity.history.some((h) => h.matricule === individual),
      );
    }
    const date = clean(query.dateNaissance);
    if (date) candidates = candidates.filter((b) => b.identity.traits.dateNaissance === date);
    const rank = clean(query.rangNaissance);
    if (rank) candidates = candidates.filter((b) => String(b.rangNaissance) === rank.replace(/^0+(?=\d)/, ''));
    const name = clean(query.nomNaissance);
    if (name) candidates = candidates.filter((b) => b.identity.traits.nomNaissance === name);
    return result(candidates.map((b) => b.identity));
  }
}
