import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { STATUS } from '../../electron/dmp/wire/soap.js';
import { findDocuments, queryBody } from './client.test-support.js';
import { SEEDED } from './seeds.js';
import { parseValues, readQuery } from './stored-query.js';
import { RegistryFailure } from './submission.js';

const el = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
const code = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof RegistryFailure) return error.code;
    throw error;
  }
  return 'accepted';
};

describe('stored-query parameter syntax', () => {
  it('reads quoted values, lists, numbers and escaped quotes', () => {
    expect(parseValues("'a'")).toEqual(['a']);
    expect(parseValues("('a','b^^c')")).toEqual(['a', 'b^^c']);
    expect(parseValues('20240101')).toEqual(['20240101']);
    expect(parseValues("('l''arbre')")).toEqual(["l'arbre"]);
  });
  it('refuses garbage', () => {
    expect(code(() => parseValues("('a"))).toBe('XDSRegistryError');
  });
});

describe('readQuery', () => {
  it('reads FindDocuments', () => {
    const q = readQuery(el(findDocuments(SEEDED.valide)));
    expect(q.name).toBe('FindDocuments');
    expect(q.returnType).toBe('LeafClass');
    expect(q.params.get('$XDSDocumentEntryStatus')).toEqual([STATUS.Approved]);
  });
  it('refuses unknown queries, missing, unknown and repeated parameters, both ids of GetDocuments', () => {
    expect(code(() => readQuery(el(findDocuments(SEEDED.valide).replace('14d4debf', '00000000'))))).toBe('XDSUnknownStoredQuery');
    expect(code(() => readQuery(el(queryBody('FindDocuments', { $XDSDocumentEntryStatus: ["('x')"] }))))).toBe(
      'XDSStoredQueryMissingParam',
    );
    expect(code(() => readQuery(el(findDocuments(SEEDED.valide, { $Autre: ['1'] }))))).toBe('XDSStoredQueryParamNumber');
    expect(
      code(() => readQuery(el(queryBody('GetDocuments', { $XDSDocumentEntryEntryUUID: ["('a')"], $XDSDocumentEntryUniqueId: ["('b')"] })))),
    ).toBe('XDSStoredQueryParamNumber');
    expect(code(() => readQuery(el(findDocuments(SEEDED.valide).replace('returnType="LeafClass"', 'returnType="Tout"'))))).toBe(
      'XDSRegistryError',
    );
  });
});
