import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../contract/outcome.js';
import {
  assertIns,
  assertInsiKeysConsistent,
  formatIns,
  INS_MATRICULE_PATTERN,
  INS_VALUE_PATTERN,
  insKey,
  insKeyMismatches,
  isValidIns,
  parseIns,
  type InsParseResult,
} from './matricule.js';

function refusal(result: InsParseResult): { reason: string; message: string; cleAttendue?: string } {
  if (result.ok) throw new Error(`accepted: ${result.value.valeur}`);
  return { reason: result.details.reason, message: result.message, cleAttendue: result.details.cleAttendue };
}

describe('insKey (notes §1.3)', () => {
  // Every vector of the notes whose key INSi returns consistently.
  const vectors: [string, string, string][] = [
    ['297022A020778', '78', 'ADRTROIS DOMINIQUE, Corse 2A'],
    ['160012B020777', '13', 'ADRTROIS TOUSSAINT, Corse 2B'],
    ['180032B020401', '23', 'CORSE ANTHONY, Corse 2B (CNDA 2.08 cas 1)'],
    ['1090763220834', '89', 'ECETINSI PIERRE-ALAIN (CNDA 2.04)'],
    ['2090763220834', '39', 'ECETINSI INSHISTO'],
    ['2090663220123', '55', 'ECETINSI INSHISTO'],
    ['2751263220749', '74', 'ADRUN ZOE'],
    ['1090763220888', '35', 'PROVISOIRE MATRICULE, NIA (CNDA 2.05)'],
    ['2360663220836', '56', 'TCHITCHI CATARINA'],
    ['1100863220830', '60', 'NESSI MICHELANGELO'],
    ['2790351215189', '89', 'the VIHF samples’ test patient'],
  ];
  it.each(vectors)('%s → %s (%s)', (matricule, key) => {
    expect(insKey(matricule)).toBe(key);
  });

  it('maps 2A to 19 and 2B to 18 (equivalently: letter → 0 minus 1 or 2 million)', () => {
    const n2a = 2970219020778n;
    expect(insKey('297022A020778')).toBe(String(97n - (n2a % 97n)));
    const alt = 2970220020778n - 1_000_000n;
    expect(insKey('297022A020778')).toBe(String(97n - (alt % 97n)));
    const alt2b = 1600120020777n - 2_000_000n;
    expect(insKey('160012B020777')).toBe(String(97n - (alt2b % 97n)));
  });

  it('pads to two digits and gives 97 for a multiple of 97', () => {
    expect(1000000000047 % 97).toBe(0);
    expect(insKey('1000000000047')).toBe('97');
    expect(insKey('1000000000046')).toBe('01');
  });

  it('throws a CabinetError on a matricule that cannot carry a key', () => {
    expect(() => insKey('12345')).toThrow(CabinetError);
    expect(() => insKey('297023A020778')).toThrow(/Corse/);
  });
});

describe('parseIns', () => {
  it('reads the Corsica vector with spaces, as typed', () => {
    const r = parseIns('2 97 02 2A 020 778 78');
    expect(r).toEqual({
      ok: true,
      value: {
        matricule: '297022A020778',
        cle: '78',
        valeur: '297022A02077878',
        sexeChiffre: '2',
        sexe: 'F',
        anneeNaissance: '97',
        moisNaissance: '02',
        codeLieu: '2A020',
        ordre: '778',
        corse: true,
      },
    });
  });

  it.each([
    ['297022A02077878'],
    ['297022a02077878'],
    ['2 97 02 2a 020 778 — 78'],
    ['  2\u00a097\u00a002\u00a02A\u00a0020\u00a0778\u00a078 '],
    ['2-97-02-2A-020-778-78'],
  ])('accepts %j', (input) => {
    const r = parseIns(input);
    expect(r.ok && r.value.valeur).toBe('297022A02077878');
  });

  it('reads every good vector of the notes (15-character form and parts apart)', () => {
    for (const [valeur, sexe] of [
      ['160012B02077713', 'M'],
      ['180032B02040123', 'M'],
      ['109076322083489', 'M'],
      ['275126322074974', 'F'],
      ['109076322088835', 'M'],
      ['236066322083656', 'F'],
      ['110086322083060', 'M'],
    ] as const) {
      const r = parseIns(valeur);
      expect(r.ok, valeur).toBe(true);
      if (r.ok) expect(r.value.sexe).toBe(sexe);
      expect(parseIns({ matricule: valeur.slice(0, 13), cle: valeur.slice(13) }).ok).toBe(true);
    }
    const corse = parseIns({ matricule: '180032b020401', cle: '23' });
    expect(corse.ok && corse.value).toMatchObject({ matricule: '180032B020401', codeLieu: '2B020', corse: true });
  });

  it('says the key is wrong on the HERMANN fixture (CNDA 2.08 cas 2): INSi’s 60 and 10 compute to 76 and 26', () => {
    expect(refusal(parseIns({ matricule: '1810363220456', cle: '60' }))).toEqual({
      reason: 'cle',
      message: 'INS invalide : clé INS incorrecte : attendue 76.',
      cleAttendue: '76',
    });
    expect(refusal(parseIns('2 81 03 63 220 456 10'))).toMatchObject({ reason: 'cle', cleAttendue: '26' });
    expect(parseIns('181036322045676').ok).toBe(true);
    expect(parseIns('281036322045626').ok).toBe(true);
  });

  it('refuses the nir-validation README counter-example 2 84 05 88 321 025 30 (key 32)', () => {
    const r = refusal(parseIns('2 84 05 88 321 025 30'));
    expect(r.reason).toBe('cle');
    expect(r.message).toContain('clé INS incorrecte : attendue 32');
    expect(parseIns('2 84 05 88 321 025 32').ok).toBe(true);
  });

  it('refuses wrong lengths', () => {
    expect(refusal(parseIns('2 97 02 2A 020 77 78')).message).toContain('13 caractères attendus');
    expect(refusal(parseIns('2970222A02077878')).reason).toBe('longueur');
    expect(refusal(parseIns({ matricule: '297022A02077', cle: '78' })).message).toContain('13 caractères attendus');
    expect(refusal(parseIns('297022A020778'))).toMatchObject({ reason: 'cle_absente' });
    expect(refusal(parseIns('   '))).toMatchObject({ reason: 'vide' });
    expect(refusal(parseIns({ matricule: '297022A020778', cle: '7' }))).toMatchObject({ reason: 'cle_format' });
    expect(refusal(parseIns({ matricule: '297022A020778', cle: '7A' }))).toMatchObject({ reason: 'cle_format' });
  });

  it('allows a letter only as the 7th character, and only 2A / 2B', () => {
    const msg = 'le 7e caractère ne peut être une lettre que pour la Corse (2A ou 2B)';
    expect(refusal(parseIns('297023A02077878')).message).toContain(msg); // 3A
    expect(refusal(parseIns('297022C02077878')).message).toContain(msg); // 2C
    expect(refusal(parseIns('2970A2202077878')).message).toContain(msg); // letter elsewhere
    expect(refusal(parseIns('297022A0207787A')).reason).toBe('cle_format');
  });

  it('names a character that is not allowed', () => {
    expect(refusal(parseIns('2 97 02 2A 020 778/78')).message).toBe('INS invalide : caractère non autorisé : « / ».');
    expect(refusal(parseIns('297022A0207787\u00078')).message).toContain('U+0007');
    expect(refusal(parseIns('297022É02077878')).reason).toBe('caractere');
  });

  it('refuses a first character that is no sex digit', () => {
    expect(refusal(parseIns({ matricule: '597022A020778', cle: insKey('597022A020778') })).reason).toBe('sexe');
    expect(parseIns({ matricule: '797022A020778', cle: insKey('797022A020778') }).ok).toBe(true);
  });

  it('assertIns throws INVALID_REQUEST with the reason; isValidIns says yes or no', () => {
    expect(assertIns('297022A02077878').cle).toBe('78');
    try {
      assertIns('297022A02077877');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CabinetError);
      expect((error as CabinetError).code).toBe('INVALID_REQUEST');
      expect((error as CabinetError).details).toEqual({ field: 'ins', reason: 'cle', cleAttendue: '78' });
    }
    expect(isValidIns('297022A02077878')).toBe(true);
    expect(isValidIns('297022A02077877')).toBe(false);
  });
});

describe('formatIns', () => {
  it('groups for display and round-trips through parseIns', () => {
    expect(formatIns('297022A02077878')).toBe('2 97 02 2A 020 778 — 78');
    expect(formatIns({ matricule: '297022a020778', cle: '78' })).toBe('2 97 02 2A 020 778 — 78');
    expect(formatIns({ matricule: '297022A020778' })).toBe('2 97 02 2A 020 778');
    expect(formatIns('2 97 02 2A 020 778 78')).toBe('2 97 02 2A 020 778 — 78');
    const again = parseIns(formatIns('275126322074974'));
    expect(again.ok && again.value.valeur).toBe('275126322074974');
  });
  it('returns anything else as given', () => {
    expect(formatIns(' 12345 ')).toBe('12345');
  });
});

describe('INS format patterns (the one rule for schemas, CLI and wire codecs)', () => {
  it('accept digits, and 2A / 2B at the 6th–7th characters only', () => {
    for (const value of ['297022A02077878', '160012B02077713', '109076322083489']) {
      expect(INS_VALUE_PATTERN.test(value), value).toBe(true);
      expect(INS_MATRICULE_PATTERN.test(value.slice(0, 13)), value).toBe(true);
      expect(isValidIns(value), value).toBe(true);
    }
    for (const value of [
      '29702A202077878',
      '297023A02077878',
      '2970222A0207787',
      '10907632208348',
      '1090763220834899',
      '297022a02077878',
    ]) {
      expect(INS_VALUE_PATTERN.test(value), value).toBe(false);
    }
  });
});

describe('INS keys of an INSi answer', () => {
  const hermann = { matricule: '1810363220456', cle: '60' };
  it('lists every wrong key (active and history), never the matricule; absent history keys are not checked', () => {
    expect(insKeyMismatches(hermann, [hermann, { matricule: '2810363220456', cle: '10' }, { matricule: '1090763220834' }])).toEqual([
      { ou: 'actif', recue: '60', attendue: '76' },
      { ou: 'historique', rang: 1, recue: '60', attendue: '76' },
      { ou: 'historique', rang: 2, recue: '10', attendue: '26' },
    ]);
    expect(insKeyMismatches({ matricule: '297022A020778', cle: '78' }, [{ matricule: '160012B020777', cle: '13' }])).toEqual([]);
  });

  it('refuses with CHECK_FAILED and a French message saying what to do', () => {
    expect(() => assertInsiKeysConsistent({ matricule: '1090763220834', cle: '89' }, [])).not.toThrow();
    let error: unknown;
    try {
      assertInsiKeysConsistent(hermann, []);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CabinetError);
    expect(error).toMatchObject({ code: 'CHECK_FAILED', details: { reason: 'cle_ins_incoherente' } });
    expect((error as Error).message).toMatch(/clé reçue 60, clé calculée 76.*ni enregistré ni transmis.*identité provisoire/);
  });
});
