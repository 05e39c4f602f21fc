import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../contract/outcome.js';
import {
  assertTraits,
  compareTraits,
  formatDateLunaire,
  insTraitsInputSchema,
  insTraitsSchema,
  insiFirstNameAttempts,
  isBornAbroad,
  isValidDateLunaire,
  normaliseLieuNaissance,
  normaliseName,
  normaliseSexe,
  normaliseTraits,
  parseDateLunaire,
  traitsInputFromContract,
  type InsTraitsInput,
} from './traits.js';

const TODAY = '2025-06-15';

function name(raw: string, field: Parameters<typeof normaliseName>[1] = 'nomNaissance'): string {
  const r = normaliseName(raw, field);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}
function nameError(raw: string, field: Parameters<typeof normaliseName>[1] = 'nomNaissance'): string {
  const r = normaliseName(raw, field);
  if (r.ok) throw new Error(`accepted: ${r.value}`);
  return r.message;
}

describe('normaliseName', () => {
  it('keeps names INSi already accepts (notes fixtures)', () => {
    for (const n of [
      'ADRTROIS',
      'DE VINCI',
      'PIERRE-ALAIN',
      'PIERRE-ALAIN MURIEL FLORIANT',
      'CATARINA BELLA',
      "D'ARTAGNAN",
      'DUPONT--DURAND',
    ]) {
      expect(name(n)).toBe(n);
    }
  });

  it('upper-cases and removes diacritics', () => {
    expect(name('Hélène')).toBe('HELENE');
    expect(name('françois')).toBe('FRANCOIS');
    expect(name('Zoë Müller-Łukasz')).toBe('ZOE MULLER-LUKASZ');
    expect(name('NUÑEZ Ångström')).toBe('NUNEZ ANGSTROM');
    // decomposed input (e + combining acute)
    expect(name('Jose\u0301')).toBe('JOSE');
  });

  it('expands ligatures: œ → OE, æ → AE, ß → SS', () => {
    expect(name('Lætitia')).toBe('LAETITIA');
    expect(name('Cœur')).toBe('COEUR');
    expect(name('ŒDIPE')).toBe('OEDIPE');
    expect(name('Strauß')).toBe('STRAUSS');
  });

  it('maps typographic apostrophes and hyphens, trims and collapses spaces', () => {
    expect(name('d’Artagnan')).toBe("D'ARTAGNAN");
    expect(name('  de   Vinci  ')).toBe('DE VINCI');
    expect(name('de\u00a0Vinci')).toBe('DE VINCI');
    expect(name('D \u2019 Artagnan')).toBe("D'ARTAGNAN");
    expect(name('Jean \u2010 Pierre')).toBe('JEAN-PIERRE');
    expect(name('Dupont -- Durand')).toBe('DUPONT--DURAND');
    expect(name('Dupont\u2013Durand')).toBe('DUPONT-DURAND');
    expect(name('Jean\u00adPierre')).toBe('JEANPIERRE'); // soft hyphen is invisible formatting
  });

  it('refuses digits, naming them', () => {
    expect(nameError('Dupont2')).toBe(
      'Le nom de naissance contient un chiffre : « 2 ». Seuls les lettres, l’espace, l’apostrophe et le tiret sont admis.',
    );
    expect(nameError('L0u1s', 'prenom')).toMatch(/^Le premier prénom contient des chiffres : « 0 », « 1 »/);
  });

  it('refuses other characters, naming them', () => {
    expect(nameError('Dupont, Jean')).toContain('contient un caractère non autorisé : « , »');
    expect(nameError('Dupont.')).toContain('« . »');
    expect(nameError('Müller_Smith')).toContain('« _ »');
    expect(nameError('Иванов')).toContain('caractères non autorisés : « И », « в »');
    expect(nameError('Du\u0007pont')).toContain('U+0007');
    expect(nameError('A2 B@', 'listePrenoms')).toMatch(/^La liste des prénoms contient des caractères non autorisés : « 2 », « @ »/);
    expect(nameError('²')).toContain('« ² »');
  });

  it('refuses misplaced separators', () => {
    expect(nameError('-Dupont')).toBe('Le nom de naissance ne peut ni commencer ni finir par un tiret ou une apostrophe.');
    expect(nameError("Dupont'")).toContain('ni commencer ni finir');
    expect(nameError('Dupont---Durand')).toContain('séparateurs consécutifs (« --- »)');
    expect(nameError("Dupont-'Durand")).toContain("« -' »");
    expect(nameError("D''Artagnan")).toContain("« '' »");
  });

  it('requires a value and bounds the length', () => {
    expect(nameError('   ')).toBe('Le nom de naissance est obligatoire.');
    expect(nameError("'-")).toContain('ni commencer');
    expect(nameError('A'.repeat(101))).toBe('Le nom de naissance est trop long (100 caractères au plus).');
    expect(nameError('A '.repeat(101), 'listePrenoms')).toBe('La liste des prénoms est trop longue (200 caractères au plus).');
  });
});

describe('insiFirstNameAttempts (notes §1.4)', () => {
  it('each given name in turn, then the whole list', () => {
    expect(insiFirstNameAttempts('PIERRE PAUL JACQUES')).toEqual(['PIERRE', 'PAUL', 'JACQUES', 'PIERRE PAUL JACQUES']);
    expect(insiFirstNameAttempts('OLA CATARINA BELLA')).toEqual(['OLA', 'CATARINA', 'BELLA', 'OLA CATARINA BELLA']);
    expect(insiFirstNameAttempts('DOMINIQUE')).toEqual(['DOMINIQUE']);
    expect(insiFirstNameAttempts('PIERRE-ALAIN')).toEqual(['PIERRE-ALAIN']);
  });
});

describe('sexe', () => {
  it('M or F only', () => {
    expect(normaliseSexe(' f ')).toEqual({ ok: true, value: 'F' });
    expect(normaliseSexe('M')).toEqual({ ok: true, value: 'M' });
    expect(normaliseSexe('I')).toEqual({ ok: false, message: 'Le sexe doit être M (masculin) ou F (féminin).' });
    expect(normaliseSexe('')).toEqual({ ok: false, message: 'Le sexe est obligatoire.' });
  });
});

describe('DateLunaire', () => {
  const ok = (raw: string) => parseDateLunaire(raw, TODAY);
  it('accepts full and partially unknown dates', () => {
    expect(ok('1997-02-26')).toEqual({ ok: true, value: '1997-02-26' });
    expect(ok('1960-00-00')).toEqual({ ok: true, value: '1960-00-00' });
    expect(ok('1960-05-00')).toEqual({ ok: true, value: '1960-05-00' });
    expect(ok('1960-00-15')).toEqual({ ok: true, value: '1960-00-15' });
    expect(ok('2000-02-29')).toEqual({ ok: true, value: '2000-02-29' });
    expect(ok(TODAY)).toEqual({ ok: true, value: TODAY });
    expect(ok('2025-06-00')).toEqual({ ok: true, value: '2025-06-00' });
    expect(ok('2025-00-00')).toEqual({ ok: true, value: '2025-00-00' });
  });
  it('accepts the French order typed in forms', () => {
    expect(ok('26/02/1997')).toEqual({ ok: true, value: '1997-02-26' });
    expect(ok('1.2.1997')).toEqual({ ok: true, value: '1997-02-01' });
    expect(ok('00/00/1960')).toEqual({ ok: true, value: '1960-00-00' });
    expect(ok(' 31-12-1975 ')).toEqual({ ok: true, value: '1975-12-31' });
  });
  it('refuses impossible months, days and calendar dates', () => {
    expect(ok('1997-13-01')).toEqual({
      ok: false,
      message: 'Le mois de naissance doit être compris entre 01 et 12, ou 00 s’il est inconnu (saisi : 13).',
    });
    expect(ok('1997-01-32')).toMatchObject({ ok: false, message: expect.stringContaining('Le jour de naissance') });
    expect(ok('1900-02-29')).toEqual({ ok: false, message: 'La date de naissance n’existe pas : le 29/02/1900.' });
    expect(ok('2023-04-31')).toMatchObject({ ok: false });
    expect(ok('1960-00-32')).toMatchObject({ ok: false });
  });
  it('refuses the future (unknown parts never are) and very old years', () => {
    const future = { ok: false, message: 'La date de naissance ne peut pas être dans le futur.' };
    expect(ok('2025-06-16')).toEqual(future);
    expect(ok('2025-07-00')).toEqual(future);
    expect(ok('2026-00-00')).toEqual(future);
    expect(ok('1849-01-01')).toMatchObject({ ok: false, message: expect.stringContaining('postérieure à 1849') });
  });
  it('refuses other shapes', () => {
    expect(ok('')).toEqual({ ok: false, message: 'La date de naissance est obligatoire.' });
    expect(ok('26 février 1997')).toMatchObject({ ok: false, message: expect.stringContaining('JJ/MM/AAAA') });
    expect(ok('1997-2-26')).toMatchObject({ ok: false });
    expect(isValidDateLunaire('26/02/1997')).toBe(false);
    expect(isValidDateLunaire('1997-02-26')).toBe(true);
  });
  it('formats for display without substituting unknown parts', () => {
    expect(formatDateLunaire('1997-02-26')).toBe('26/02/1997');
    expect(formatDateLunaire('1960-00-00')).toBe('00/00/1960');
  });
});

describe('lieu de naissance (COG)', () => {
  it('5 digits, 2A/2B + 3 digits, 99 + 3 digits', () => {
    for (const [raw, value] of [
      ['63220', '63220'],
      ['2a020', '2A020'],
      ['2B 020', '2B020'],
      ['99134', '99134'],
      ['97411', '97411'],
    ]) {
      expect(normaliseLieuNaissance(raw ?? '')).toEqual({ ok: true, value });
    }
    for (const raw of ['6322', '632200', '2C020', '2A02', 'ABCDE', '2A0B0']) {
      expect(normaliseLieuNaissance(raw).ok, raw).toBe(false);
    }
    expect(isBornAbroad('99134')).toBe(true);
    expect(isBornAbroad('63220')).toBe(false);
  });
});

describe('normaliseTraits', () => {
  it('normalises a full entry', () => {
    const r = normaliseTraits(
      {
        nomNaissance: 'Adrtrois',
        nomUtilise: '  ',
        listePrenoms: 'Dominique',
        sexe: 'f',
        dateNaissance: '26/02/1997',
        lieuNaissance: '2a020',
      },
      { today: TODAY },
    );
    expect(r).toEqual({
      ok: true,
      traits: {
        nomNaissance: 'ADRTROIS',
        prenom: 'DOMINIQUE',
        listePrenoms: 'DOMINIQUE',
        sexe: 'F',
        dateNaissance: '1997-02-26',
        lieuNaissance: '2A020',
      },
    });
    if (r.ok) expect(insTraitsSchema.parse(r.traits)).toEqual(r.traits);
  });

  it('derives the first name from the list, and the list from the first name', () => {
    const base = { nomNaissance: 'Ecetinsi', sexe: 'M', dateNaissance: '2009-07-14' };
    expect(normaliseTraits({ ...base, listePrenoms: 'Pierre-Alain  Muriel Floriant' }, { today: TODAY })).toMatchObject({
      ok: true,
      traits: { prenom: 'PIERRE-ALAIN', listePrenoms: 'PIERRE-ALAIN MURIEL FLORIANT' },
    });
    expect(normaliseTraits({ ...base, prenom: 'pierre-alain' }, { today: TODAY })).toMatchObject({
      ok: true,
      traits: { prenom: 'PIERRE-ALAIN', listePrenoms: 'PIERRE-ALAIN' },
    });
    expect(
      normaliseTraits({ ...base, prenom: 'Pierre-Alain', listePrenoms: 'PIERRE-ALAIN MURIEL', nomUtilise: 'Martin' }, { today: TODAY }),
    ).toMatchObject({
      ok: true,
      traits: { prenom: 'PIERRE-ALAIN', nomUtilise: 'MARTIN' },
    });
  });

  it('gives every field’s French message at once', () => {
    const r = normaliseTraits(
      { nomNaissance: 'Dupont3', prenom: '', sexe: 'X', dateNaissance: '2030-01-01', lieuNaissance: '123' },
      { today: TODAY },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.field)).toEqual(['nomNaissance', 'prenom', 'sexe', 'dateNaissance', 'lieuNaissance']);
    expect(r.errors[0]?.message).toContain('« 3 »');
    expect(r.errors[1]?.message).toBe('Saisissez au moins un prénom.');
    expect(r.errors[3]?.message).toBe('La date de naissance ne peut pas être dans le futur.');
  });

  it('puts a missing first name on listePrenoms when the form has that field', () => {
    const r = normaliseTraits({ nomNaissance: 'A', listePrenoms: ' ', sexe: 'M', dateNaissance: '2000-01-01' }, { today: TODAY });
    expect(r).toEqual({ ok: false, errors: [{ field: 'listePrenoms', message: 'Saisissez au moins un prénom.' }] });
  });

  it('requires everything but the used name and the birthplace', () => {
    const r = normaliseTraits({}, { today: TODAY });
    expect(!r.ok && r.errors.map((e) => e.field)).toEqual(['nomNaissance', 'listePrenoms', 'sexe', 'dateNaissance']);
  });

  it('keeps prenom to one given name, the first of the list', () => {
    const base = { nomNaissance: 'Houilles', sexe: 'M', dateNaissance: '1993-01-27' };
    const space = normaliseTraits({ ...base, prenom: 'Pierre Paul' }, { today: TODAY });
    expect(!space.ok && space.errors[0]?.message).toMatch(/^Le premier prénom est un seul prénom/);
    const notFirst = normaliseTraits({ ...base, prenom: 'Paul', listePrenoms: 'Pierre Paul Jacques' }, { today: TODAY });
    expect(!notFirst.ok && notFirst.errors).toEqual([
      { field: 'prenom', message: 'Le premier prénom doit être le premier de la liste des prénoms (PIERRE).' },
    ]);
  });

  it('refuses values that are not strings', () => {
    const r = normaliseTraits(
      { nomNaissance: 42 as unknown as string, listePrenoms: 'A', sexe: 'M', dateNaissance: '2000-01-01' },
      { today: TODAY },
    );
    expect(!r.ok && r.errors[0]).toEqual({ field: 'nomNaissance', message: 'Nom de naissance : valeur invalide.' });
  });

  it('assertTraits throws INVALID_REQUEST with every error in details', () => {
    expect(
      assertTraits({ nomNaissance: 'de vinci', listePrenoms: 'leonardo', sexe: 'M', dateNaissance: '2014-02-01' }, { today: TODAY })
        .nomNaissance,
    ).toBe('DE VINCI');
    try {
      assertTraits({ nomNaissance: 'de vinci', listePrenoms: 'leonardo', sexe: 'H', dateNaissance: '2014-02-01' }, { today: TODAY });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CabinetError);
      expect((error as CabinetError).message).toBe('Le sexe doit être M (masculin) ou F (féminin).');
      expect((error as CabinetError).details).toEqual({
        errors: [{ field: 'sexe', message: 'Le sexe doit être M (masculin) ou F (féminin).' }],
      });
    }
  });

  it('has a zod schema that normalises, with French issues on each field', () => {
    expect(
      insTraitsInputSchema.parse({
        nomNaissance: 'Nessi',
        listePrenoms: 'Michelangelo Anthony',
        sexe: 'M',
        dateNaissance: '2010-08-07',
        lieuNaissance: null,
      }),
    ).toEqual({
      nomNaissance: 'NESSI',
      prenom: 'MICHELANGELO',
      listePrenoms: 'MICHELANGELO ANTHONY',
      sexe: 'M',
      dateNaissance: '2010-08-07',
    });
    const bad = insTraitsInputSchema.safeParse({ nomNaissance: 'Nessi!', listePrenoms: 'M', sexe: 'M', dateNaissance: '2010-08-07' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ path: ['nomNaissance'], message: expect.stringContaining('« ! »') });
    expect(
      insTraitsInputSchema.safeParse({ nomNaissance: 'A', listePrenoms: 'B', sexe: 'M', dateNaissance: '2000-01-01', autre: 1 }).success,
    ).toBe(false);
  });

  it('has a strict zod schema for normalised traits', () => {
    const good = {
      nomNaissance: 'ADRUN',
      prenom: 'ZOE',
      listePrenoms: 'ZOE',
      sexe: 'F',
      dateNaissance: '1975-12-31',
      lieuNaissance: '63220',
    };
    expect(insTraitsSchema.parse(good)).toEqual(good);
    expect(insTraitsSchema.safeParse({ ...good, nomNaissance: 'Adrun' }).success).toBe(false);
    expect(insTraitsSchema.safeParse({ ...good, sexe: 'I' }).success).toBe(false);
    expect(insTraitsSchema.safeParse({ ...good, dateNaissance: '1975-02-30' }).success).toBe(false);
    expect(insTraitsSchema.safeParse({ ...good, lieuNaissance: '2C020' }).success).toBe(false);
    expect(insTraitsSchema.safeParse({ ...good, extra: 'x' }).success).toBe(false);
  });

  it('maps the contract’s English field names', () => {
    const input = traitsInputFromContract({
      birthName: 'Corse',
      firstNames: 'Anthony',
      sex: 'M',
      birthDate: '1980-03-02',
      birthplace: '2B020',
    });
    expect(normaliseTraits(input, { today: TODAY })).toMatchObject({
      ok: true,
      traits: { nomNaissance: 'CORSE', prenom: 'ANTHONY', lieuNaissance: '2B020' },
    });
  });
});

describe('compareTraits', () => {
  const tchitchi = {
    nomNaissance: 'TCHITCHI',
    prenom: 'CATARINA',
    listePrenoms: 'CATARINA BELLA',
    sexe: 'F',
    dateNaissance: '1936-06-21',
    lieuNaissance: '63220',
  };

  it('finds no difference when the entry matches after normalisation', () => {
    const entered: InsTraitsInput = {
      nomNaissance: 'Tchitchi',
      listePrenoms: 'Catarina  Bella',
      sexe: 'f',
      dateNaissance: '21/06/1936',
      lieuNaissance: '63220',
    };
    expect(compareTraits(entered, tchitchi)).toEqual([]);
  });

  it('matches the first name against the list of first names', () => {
    expect(
      compareTraits(
        { nomNaissance: 'TCHITCHI', prenom: 'Bella', listePrenoms: null, sexe: 'F', dateNaissance: '1936-06-21' },
        tchitchi,
      ).map((d) => d.field),
    ).toEqual(['listePrenoms']);
    expect(compareTraits({ nomNaissance: 'TCHITCHI', prenom: 'Catarina', sexe: 'F', dateNaissance: '1936-06-21' }, tchitchi)).toEqual([
      { field: 'listePrenoms', label: 'Prénoms', saisi: 'CATARINA', renvoye: 'CATARINA BELLA' },
    ]);
  });

  it('highlights every differing field (TCHITCHI typed with OLA)', () => {
    const diffs = compareTraits(
      { nomNaissance: 'Tchitchy', listePrenoms: 'Ola Catarina Bella', sexe: 'M', dateNaissance: '1936-06-00', lieuNaissance: '63221' },
      tchitchi,
    );
    expect(diffs).toEqual([
      { field: 'nomNaissance', label: 'Nom de naissance', saisi: 'TCHITCHY', renvoye: 'TCHITCHI' },
      { field: 'prenom', label: 'Premier prénom', saisi: 'OLA', renvoye: 'CATARINA' },
      { field: 'listePrenoms', label: 'Prénoms', saisi: 'OLA CATARINA BELLA', renvoye: 'CATARINA BELLA' },
      { field: 'sexe', label: 'Sexe', saisi: 'M', renvoye: 'F' },
      { field: 'dateNaissance', label: 'Date de naissance', saisi: '1936-06-00', renvoye: '1936-06-21' },
      { field: 'lieuNaissance', label: 'Lieu de naissance (code COG)', saisi: '63221', renvoye: '63220' },
    ]);
  });

  it('ignores accents, apostrophes and the birthplace when one side has none', () => {
    const returned = {
      nomNaissance: "D'ARTAGNAN",
      prenom: 'HELENE',
      listePrenoms: 'HELENE',
      sexe: 'F',
      dateNaissance: '1950-01-01',
      lieuNaissance: '2A020',
    };
    expect(
      compareTraits(
        { nomNaissance: 'd’Artagnan', prenom: 'Hélène', listePrenoms: 'Hélène', sexe: 'F', dateNaissance: '1950-01-01' },
        returned,
      ),
    ).toEqual([]);
    expect(
      compareTraits(
        { nomNaissance: "D'ARTAGNAN", prenom: 'HELENE', sexe: 'F', dateNaissance: '1950-01-01', lieuNaissance: '2a020' },
        { ...returned, lieuNaissance: null },
      ),
    ).toEqual([]);
  });

  it('still compares an entry that does not normalise', () => {
    expect(
      compareTraits(
        { nomNaissance: 'Dupont2', listePrenoms: 'A', sexe: 'M', dateNaissance: '2000-01-01' },
        { nomNaissance: 'DUPONT', prenom: 'A', listePrenoms: 'A', sexe: 'M', dateNaissance: '2000-01-01' },
      ),
    ).toEqual([{ field: 'nomNaissance', label: 'Nom de naissance', saisi: 'DUPONT2', renvoye: 'DUPONT' }]);
  });
});
