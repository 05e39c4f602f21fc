import { beforeAll, describe, expect, it } from 'vitest';
import { INS_OID } from './identities.js';
import { InsRegistry, type TraitsQuery } from './registry.js';
import { loadVitaleCards } from './vitale.js';

let registry: InsRegistry;
beforeAll(() => {
  registry = new InsRegistry({ cards: loadVitaleCards() });
});

const traits = (nomNaissance: string, prenoms: string[], sexe: string, dateNaissance: string, lieuNaissance?: string): TraitsQuery => ({
  nomNaissance,
  prenoms,
  sexe,
  dateNaissance,
  lieuNaissance,
});

describe('recherche par traits : identités de test CNAM', () => {
  const found = (q: TraitsQuery) => {
    const r = registry.lookupTraits(q);
    expect(r.codeCR).toBe('00');
    return r.identity!;
  };

  it('ADRTROIS DOMINIQUE et TOUSSAINT (naissances en Corse), ADRUN ZOE, NESSI', () => {
    expect(found(traits('ADRTROIS', ['DOMINIQUE'], 'F', '1997-02-26')).active).toEqual({
      matricule: '297022A020778',
      cle: '78',
      oid: INS_OID.nir,
    });
    const toussaint = found(traits('ADRTROIS', ['TOUSSAINT'], 'M', '1960-01-01'));
    expect(toussaint.active).toEqual({ matricule: '160012B020777', cle: '13', oid: INS_OID.nir });
    expect(toussaint.traits.lieuNaissance).toBe('2B020');
    expect(
      found(traits('ADRUN', ['ZOE'], 'F', '1975-12-31')).active.matricule + found(traits('ADRUN', ['ZOE'], 'F', '1975-12-31')).active.cle,
    ).toBe('275126322074974');
    const nessi = found(traits('NESSI', ['MICHELANGELO'], 'M', '2010-08-07'));
    expect(`${nessi.active.matricule}${nessi.active.cle}`).toBe('110086322083060');
    expect(nessi.traits.prenoms.join(' ')).toBe('MICHELANGELO ANTHONY');
  });

  it('TCHITCHI : OLA → 01, CATARINA → 00 (liste « CATARINA BELLA »), BELLA et la liste entière → 00', () => {
    expect(registry.lookupTraits(traits('TCHITCHI', ['OLA'], 'F', '1936-06-21')).codeCR).toBe('01');
    const catarina = found(traits('TCHITCHI', ['CATARINA'], 'F', '1936-06-21'));
    expect(catarina.active).toEqual({ matricule: '2360663220836', cle: '56', oid: INS_OID.nir });
    expect(catarina.traits.prenoms.join(' ')).toBe('CATARINA BELLA');
    expect(found(traits('TCHITCHI', ['BELLA'], 'F', '1936-06-21')).id).toBe(catarina.id);
    expect(found(traits('TCHITCHI', ['CATARINA BELLA'], 'F', '1936-06-21')).id).toBe(catarina.id);
    expect(found(traits('TCHITCHI', ['CATARINA', 'BELLA'], 'F', '1936-06-21')).id).toBe(catarina.id);
    // The whole list the patient gave (OLA CATARINA BELLA) is not the registered list.
    expect(registry.lookupTraits(traits('TCHITCHI', ['OLA CATARINA BELLA'], 'F', '1936-06-21')).codeCR).toBe('01');
  });

  it('HOUILLES : 01 pour chaque prénom et pour la liste entière', () => {
    for (const prenom of ['PIERRE', 'PAUL', 'JACQUES', 'PIERRE PAUL JACQUES'])
      expect(registry.lookupTraits(traits('HOUILLES', [prenom], 'M', '1993-01-27')).codeCR).toBe('01');
  });

  it('DE VINCI LEONARDO → 02 ; le lieu de naissance départage', () => {
    const r = registry.lookupTraits(traits('DE VINCI', ['LEONARDO'], 'M', '2014-02-01'));
    expect(r).toMatchObject({ codeCR: '02', identity: null, matches: 2 });
    expect(found(traits('DE VINCI', ['LEONARDO'], 'M', '2014-02-01', '2A004')).active.matricule).toBe('114022A004118');
  });

  it('ECETINSI (2.04), PROVISOIRE (NIA, 2.05), CORSE et HERMANN (2.08) avec leur historique tel qu’enregistré', () => {
    const ecetinsi = found(traits('ECETINSI', ['PIERRE-ALAIN'], 'M', '2009-07-14'));
    expect(ecetinsi.active).toEqual({ matricule: '1090763220834', cle: '89', oid: INS_OID.nir });
    expect(ecetinsi.history.map((h) => [h.matricule, h.cle, h.dateDeb, h.dateFin])).toEqual([
      ['2090763220834', '39', '2019-03-01', '2019-02-28'],
      ['2090663220123', '55', undefined, undefined],
    ]);
    expect(found(traits('ECETINSI', ['MURIEL'], 'M', '2009-07-14')).id).toBe(ecetinsi.id);
    expect(found(traits('ECETINSI', ['PIERRE-ALAIN MURIEL FLORIANT'], 'M', '2009-07-14')).id).toBe(ecetinsi.id);
    expect(registry.lookupTraits(traits('ECETINSI', ['PIERRE'], 'M', '2009-07-14')).codeCR).toBe('01');
    expect(registry.lookupTraits(traits('ECETINSI', ['MURIEL PIERRE-ALAIN FLORIANT'], 'M', '2009-07-14')).codeCR).toBe('01');

    expect(found(traits('PROVISOIRE', ['MATRICULE'], 'M', '2009-07-01')).active).toEqual({
      matricule: '1090763220888',
      cle: '35',
      oid: INS_OID.nia,
    });

    const corse = found(traits('CORSE', ['ANTHONY'], 'M', '1980-03-02'));
    expect(corse.active).toEqual({ matricule: '180032B020401', cle: '23', oid: INS_OID.nir });
    expect(corse.history).toEqual([{ matricule: '180032B020401', cle: '23', oid: INS_OID.nir }]);

    const hermann = found(traits('HERMANN', ['GATIEN'], 'M', '1981-03-24'));
    expect(hermann.active.cle).toBe('60');
    expect(hermann.history.map((h) => `${h.matricule}/${h.cle}`)).toEqual(['1810363220456/60', '2810363220456/10']);
  });

  it('exige nom, sexe, date, et le lieu quand il est donné', () => {
    expect(registry.lookupTraits(traits('ADRTROIS', ['DOMINIQUE'], 'M', '1997-02-26')).codeCR).toBe('01');
    expect(registry.lookupTraits(traits('ADRTROIS', ['DOMINIQUE'], 'F', '1997-02-27')).codeCR).toBe('01');
    expect(registry.lookupTraits(traits('ADRTROI', ['DOMINIQUE'], 'F', '1997-02-26')).codeCR).toBe('01');
    expect(registry.lookupTraits(traits('ADRTROIS', ['DOMINIQUE'], 'F', '1997-02-26', '2B020')).codeCR).toBe('01');
    expect(registry.lookupTraits(traits('ADRTROIS', ['DOMINIQUE'], 'F', '1997-02-26', '2A020')).codeCR).toBe('00');
    expect(registry.lookupTraits(traits('ADRTROIS', [], 'F', '1997-02-26')).codeCR).toBe('01');
  });
});

describe('recherche par traits : population générée', () => {
  it('retrouve chaque personne générée seule, par chaque prénom et par la liste entière', () => {
    const generated = registry.identities.filter((i) => i.source === 'generee');
    expect(generated.length).toBeGreaterThanOrEqual(10_000);
    const started = performance.now();
    let lookups = 0;
    for (const person of generated) {
      const { nomNaissance, prenoms, sexe, dateNaissance, lieuNaissance } = person.traits;
      for (const prenom of [...prenoms, prenoms.join(' ')]) {
        const r = registry.lookupTraits({ nomNaissance, prenoms: [prenom], sexe, dateNaissance, lieuNaissance });
        lookups += 1;
        expect(r.identity?.id).toBe(person.id);
      }
    }
    const perLookupUs = ((performance.now() - started) * 1000) / lookups;
    // An index, not a scan: a lookup stays in microseconds.
    expect(perLookupUs).toBeLessThan(200);
  });
});

describe('recherche par carte Vitale', () => {
  it('famille MARTINEAU : l’assuré, la conjointe, l’enfant ; les jumeaux → 02 sans rang, 00 avec', () => {
    const od = '1840544109123';
    expect(registry.lookupVitale({ matriculeOD: od, matriculeIndividu: od, dateNaissance: '1984-05-12' }).identity?.traits.prenoms[0]).toBe(
      'JULIEN',
    );
    expect(registry.lookupVitale({ matriculeOD: od, matriculeIndividu: '2860935238045' }).identity?.traits.nomNaissance).toBe('LEBRETON');
    expect(registry.lookupVitale({ matriculeOD: od, dateNaissance: '2015-03-20' }).identity?.active.matricule).toBe('2150344109311');
    expect(registry.lookupVitale({ matriculeOD: od, dateNaissance: '2019-11-02' })).toMatchObject({ codeCR: '02', matches: 2 });
    expect(registry.lookupVitale({ matriculeOD: od, dateNaissance: '2019-11-02', rangNaissance: '1' }).identity?.traits.prenoms).toEqual([
      'LOUIS',
    ]);
    expect(registry.lookupVitale({ matriculeOD: od, dateNaissance: '2019-11-02', rangNaissance: '2' }).identity?.traits.prenoms).toEqual([
      'JULES',
    ]);
    expect(registry.lookupVitale({ matriculeOD: od, dateNaissance: '2019-11-02', rangNaissance: '3' }).codeCR).toBe('01');
    expect(registry.lookupVitale({ matriculeOD: od, dateNaissance: '2000-01-01' }).codeCR).toBe('01');
    // Without anything narrowing: the whole card.
    expect(registry.lookupVitale({ matriculeOD: od })).toMatchObject({ codeCR: '02', matches: 5 });
  });

  it('un bénéficiaire absent de la carte de l’assuré n’est pas trouvé', () => {
    expect(registry.lookupVitale({ matriculeOD: '1840544109123', matriculeIndividu: '2480213055412' }).codeCR).toBe('01');
  });

  it('NIR corses, ancien NIR de la carte → INS actif et historique', () => {
    expect(registry.lookupVitale({ matriculeOD: '179072A004033', matriculeIndividu: '212042B033101' }).identity?.traits.lieuNaissance).toBe(
      '2B033',
    );
    const lefort = registry.lookupVitale({ matriculeOD: '2901059350066', dateNaissance: '1990-10-10' }).identity!;
    expect(lefort.active.matricule).toBe('2901059350077');
    expect(lefort.history.map((h) => h.matricule)).toEqual(['2901059350066']);
    expect(registry.lookupVitale({ matriculeIndividu: '2901059350066' }).identity?.id).toBe(lefort.id);
  });

  it('sans fichier de carte : la personne seule (carte implicite), pour toute identité connue', () => {
    const person = registry.identities.find((i) => i.source === 'generee')!;
    const m = person.active.matricule;
    expect(registry.lookupVitale({ matriculeOD: m, matriculeIndividu: m, dateNaissance: person.traits.dateNaissance }).identity?.id).toBe(
      person.id,
    );
    expect(registry.lookupVitale({ matriculeOD: m, rangNaissance: '2' }).codeCR).toBe('01');
    expect(registry.lookupVitale({ matriculeOD: '1999999999999' }).codeCR).toBe('01');
    expect(registry.lookupVitale({ matriculeIndividu: '2360663220836', nomNaissance: 'TCHITCHI' }).identity?.id).toBe(
      'cnam:tchitchi-catarina',
    );
    expect(registry.lookupVitale({ matriculeIndividu: '2360663220836', nomNaissance: 'AUTRE' }).codeCR).toBe('01');
  });
});
