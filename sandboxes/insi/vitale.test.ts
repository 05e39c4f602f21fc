import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../shared/contract/outcome.js';
import { loadVitaleCards, readVitaleCard } from './vitale.js';

const holder = {
  qualite: 'assure',
  rangNaissance: 1,
  nirCarte: { matricule: '2480213055412', cle: '17' },
  ins: { matricule: '2480213055412', cle: '17', oid: '1.2.250.1.213.1.4.10' },
  traits: { nomNaissance: 'ROUSSEL', prenoms: ['MADELEINE'], sexe: 'F', dateNaissance: '1948-02-29', lieuNaissance: '13055' },
};
const card = (changes: Record<string, unknown> = {}) => ({
  description: 'test',
  numeroSerie: '1',
  assure: { matricule: '2480213055412', cle: '17' },
  beneficiaires: [holder],
  ...changes,
});

function refusal(run: () => unknown): CabinetError {
  try {
    run();
  } catch (error) {
    if (error instanceof CabinetError) return error;
    throw error;
  }
  throw new Error('accepté à tort');
}

describe('cartes Vitale de test', () => {
  it('charge les cartes livrées : famille avec jumeaux, assurée seule, famille corse, NIR historique', () => {
    const cards = loadVitaleCards();
    expect(cards.map((c) => c.id)).toEqual(['assuree-nir-historique', 'assuree-seule-roussel', 'famille-martineau', 'famille-santoni']);
    const martineau = cards.find((c) => c.id === 'famille-martineau')!;
    expect(martineau.beneficiaries.filter((b) => b.identity.traits.dateNaissance === '2019-11-02').map((b) => b.rangNaissance)).toEqual([
      1, 2,
    ]);
    expect(martineau.beneficiaries.filter((b) => b.nirCarte === null)).toHaveLength(3);
  });

  it('accepte une carte correcte', () => {
    expect(readVitaleCard('ok', card()).holder).toBe('2480213055412');
  });

  it('refuse, en nommant le fichier, une clé fausse, un champ inconnu, un OID autre que celui de test, deux assurés, deux jumeaux de même rang, un sexe incohérent', () => {
    const cases: [string, unknown][] = [
      ['clé', card({ assure: { matricule: '2480213055412', cle: '18' } })],
      ['champ', card({ inconnu: true })],
      ['oid', card({ beneficiaires: [{ ...holder, ins: { ...holder.ins, oid: '1.2.250.1.213.1.4.8' } }] })],
      ['assurés', card({ beneficiaires: [holder, holder] })],
      ['rang', card({ beneficiaires: [holder, { ...holder, qualite: 'enfant', nirCarte: null }] })],
      ['sexe', card({ beneficiaires: [{ ...holder, traits: { ...holder.traits, sexe: 'M' } }] })],
      ['nom', card({ beneficiaires: [{ ...holder, traits: { ...holder.traits, nomNaissance: 'Roussel' } }] })],
    ];
    for (const [name, data] of cases) {
      const error = refusal(() => readVitaleCard(`mauvaise-${name}`, data));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain(`mauvaise-${name}.json`);
    }
  });

  it('refuse un dossier absent', () => {
    expect(refusal(() => loadVitaleCards('/nonexistent/vitale')).code).toBe('CONFIG_INVALID');
  });
});
