/**
 * Every code Cabinet uses must be in the official JDV file with the same code
 * system and display name: read from the reference folder beside the repo
 * (never copied into it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import {
  AUTHOR_SPECIALTY_CODES,
  CHECKED_VALUE_SETS,
  CLASS_FOR_TYPE,
  TYPE_CODES,
  VALUE_SET_FILES,
  authorSpecialtyFor,
  isTypeCode,
  type ValueSetKey,
} from './value-sets.js';

const JDV_DIR = path.resolve(import.meta.dirname, '../../../../shared/reference/cda/jeuxDeValeurs');
const SVS = 'urn:ihe:iti:svs:2008';

function readValueSet(key: ValueSetKey): { id: string; concepts: Map<string, { codeSystem: string; displayName: string }> } {
  const xml = fs.readFileSync(path.join(JDV_DIR, VALUE_SET_FILES[key].file), 'utf8');
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const valueSet = doc.getElementsByTagNameNS(SVS, 'ValueSet')[0]!;
  const concepts = new Map<string, { codeSystem: string; displayName: string }>();
  const list = doc.getElementsByTagNameNS(SVS, 'Concept');
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    concepts.set(c.getAttribute('code')!, { codeSystem: c.getAttribute('codeSystem')!, displayName: c.getAttribute('displayName')! });
  }
  return { id: valueSet.getAttribute('id')!, concepts };
}

/** The differences between our constants and the file: empty when they agree. */
function mismatches(key: ValueSetKey, values: Record<string, { code: string; codeSystem: string; displayName: string }>): string[] {
  const { concepts } = readValueSet(key);
  const problems: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (name !== value.code) problems.push(`${key} ${name}: clé ≠ code ${value.code}`);
    const official = concepts.get(value.code);
    if (!official) problems.push(`${key} ${value.code}: absent du JDV`);
    else {
      if (official.displayName !== value.displayName)
        problems.push(`${key} ${value.code}: « ${value.displayName} » ≠ « ${official.displayName} »`);
      if (official.codeSystem !== value.codeSystem)
        problems.push(`${key} ${value.code}: système ${value.codeSystem} ≠ ${official.codeSystem}`);
    }
  }
  return problems;
}

describe('ANS value sets', () => {
  it.each(CHECKED_VALUE_SETS.map((s) => [s.key, s] as const))(
    '%s: every constant is in the JDV file, same system and display name',
    (key, set) => {
      expect(readValueSet(key).id).toBe(VALUE_SET_FILES[key].oid);
      expect(Object.keys(set.values).length).toBeGreaterThan(0);
      expect(mismatches(key, set.values)).toEqual([]);
    },
  );

  it('notices a typo, a wrong code system and an unknown code (the check can fail)', () => {
    expect(
      mismatches('J07', { '11488-4': { code: '11488-4', codeSystem: '2.16.840.1.113883.6.1', displayName: 'CR de consultation' } }),
    ).toEqual([expect.stringContaining('≠')]);
    expect(mismatches('J08', { N: { code: 'N', codeSystem: '1.2.3', displayName: 'Normal' } })).toEqual([
      expect.stringContaining('système'),
    ]);
    expect(mismatches('J02', { SA99: { code: 'SA99', codeSystem: '1.2.250.1.71.4.2.4', displayName: 'X' } })).toEqual([
      expect.stringContaining('absent'),
    ]);
  });

  it('maps a practitioner to the J01 code (GP SM26, nurse)', () => {
    expect(authorSpecialtyFor('10', 'SM26')).toBe(AUTHOR_SPECIALTY_CODES['G15_10/SM26']);
    expect(authorSpecialtyFor('10', 'SM99')).toBe(AUTHOR_SPECIALTY_CODES.G15_10);
    expect(authorSpecialtyFor('60')).toBe(AUTHOR_SPECIALTY_CODES.G15_60);
    expect(authorSpecialtyFor('99')).toBeNull();
  });

  it('gives every type a class', () => {
    for (const code of Object.keys(TYPE_CODES)) expect(CLASS_FOR_TYPE[code as keyof typeof TYPE_CODES]).toBeDefined();
    expect(isTypeCode('11488-4')).toBe(true);
    expect(isTypeCode('toString')).toBe(false);
  });
});
