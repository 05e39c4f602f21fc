import { describe, expect, it } from 'vitest';
import { cnamIdentities, INS_OID } from './identities.js';
import { matriculeKey } from './nir.js';
import { DEFAULT_POPULATION_SIZE, generatePopulation, tripleKey } from './population.js';

const NAME = /^[A-Z]+(?:(?:-{1,2}|[' ])[A-Z]+)*$/;

describe('population fictive générée', () => {
  const people = generatePopulation();

  it('compte 10 000 personnes par défaut, toutes avec l’OID de test et une clé juste', () => {
    expect(DEFAULT_POPULATION_SIZE).toBeGreaterThanOrEqual(10_000);
    expect(people).toHaveLength(DEFAULT_POPULATION_SIZE);
    for (const p of people) {
      expect(p.active.oid).toBe(INS_OID.test);
      expect(p.active.cle).toBe(matriculeKey(p.active.matricule));
      for (const h of p.history) {
        expect(h.oid).toBe(INS_OID.test);
        expect(h.cle).toBe(matriculeKey(h.matricule));
      }
    }
  });

  it('a des NIR cohérents avec les traits (sexe, année, mois, lieu de naissance)', () => {
    for (const { active, traits } of people) {
      const m = active.matricule;
      expect(m[0]).toBe(traits.sexe === 'M' ? '1' : '2');
      expect(m.slice(1, 3)).toBe(traits.dateNaissance.slice(2, 4));
      expect(m.slice(3, 5)).toBe(traits.dateNaissance.slice(5, 7));
      expect(m.slice(5, 10)).toBe(traits.lieuNaissance);
    }
  });

  it('a des traits et des matricules uniques, des noms au jeu de caractères INSi, sans collision avec les identités CNAM ni HOUILLES', () => {
    const triples = new Set(people.map((p) => tripleKey(p.traits.nomNaissance, p.traits.sexe, p.traits.dateNaissance)));
    expect(triples.size).toBe(people.length);
    const matricules = people.flatMap((p) => [p.active.matricule, ...p.history.map((h) => h.matricule)]);
    expect(new Set(matricules).size).toBe(matricules.length);
    for (const c of cnamIdentities)
      expect(triples.has(tripleKey(c.traits.nomNaissance, c.traits.sexe, c.traits.dateNaissance))).toBe(false);
    expect(triples.has(tripleKey('HOUILLES', 'M', '1993-01-27'))).toBe(false);
    for (const p of people) {
      expect(p.traits.nomNaissance).toMatch(NAME);
      for (const prenom of p.traits.prenoms) expect(prenom).toMatch(NAME);
      expect(p.traits.dateNaissance).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('couvre les cas utiles : Corse, étranger, outre-mer, jour inconnu, plusieurs prénoms, noms composés, historique', () => {
    const has = (test: (p: (typeof people)[number]) => boolean) => people.some(test);
    expect(has((p) => p.traits.lieuNaissance.startsWith('2A'))).toBe(true);
    expect(has((p) => p.traits.lieuNaissance.startsWith('2B'))).toBe(true);
    expect(has((p) => p.traits.lieuNaissance.startsWith('99'))).toBe(true);
    expect(has((p) => p.traits.lieuNaissance.startsWith('97'))).toBe(true);
    expect(has((p) => p.traits.dateNaissance.endsWith('-00'))).toBe(true);
    expect(has((p) => p.traits.prenoms.length === 3)).toBe(true);
    expect(has((p) => p.traits.nomNaissance.includes('--'))).toBe(true);
    expect(has((p) => p.traits.nomNaissance.includes("'"))).toBe(true);
    expect(people.filter((p) => p.history.length > 0).length).toBeGreaterThan(50);
  });

  it('est déterministe : même graine, mêmes personnes ; autre graine, autres personnes', () => {
    const again = generatePopulation();
    expect(again.map((p) => p.active.matricule)).toEqual(people.map((p) => p.active.matricule));
    const other = generatePopulation({ seed: 42, size: 100 });
    expect(other.map((p) => p.active.matricule)).not.toEqual(people.slice(0, 100).map((p) => p.active.matricule));
  });

  it('refuse une taille absurde', () => {
    expect(() => generatePopulation({ size: -1 })).toThrow(RangeError);
    expect(() => generatePopulation({ size: 10_000_000 })).toThrow(RangeError);
  });
});
