import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../shared/contract/outcome.js';
import { annuaireSearchRequest } from '../../shared/contract/annuaire.js';
import { API_KEY_HEADER, IDNAT_PS_SYSTEM, RPPS_SYSTEM } from '../../shared/domain/annuaire/fhir.js';
import { AnnuaireClient, LruCache, nameWords, searchUrls, type HttpAnswer, type HttpGet } from './client.js';
import { buildDirectory, mailboxTelecom } from '../../sandboxes/annuaire/seed.js';
import { DirectoryIndex } from '../../sandboxes/annuaire/search.js';

const base = 'https://annuaire.test/fhir/v2';
const query = (input: Record<string, unknown>) => annuaireSearchRequest.parse(input);

/** A client whose HTTP answers come from the sandbox's search engine (or from `override`). */
function clientWith(override?: (url: URL) => HttpAnswer | undefined, calls: URL[] = []) {
  const index = new DirectoryIndex(buildDirectory());
  const get: HttpGet = async (url, headers) => {
    calls.push(url);
    expect(headers[API_KEY_HEADER]).toBe('cle-de-test');
    const custom = override?.(url);
    if (custom) return custom;
    const path = url.pathname.slice('/fhir/v2'.length).replace(/^\//, '');
    const answer = path === '' ? index.getPage(url.searchParams, base) : index.search(path, url.searchParams, base);
    return { status: answer.status, contentType: 'application/fhir+json;charset=utf-8', body: JSON.stringify(answer.body) };
  };
  return new AnnuaireClient({ baseUrl: base, apiKey: 'cle-de-test', trust: { extraCa: [] }, get });
}

const json = (status: number, body: unknown, contentType = 'application/fhir+json'): HttpAnswer => ({
  status,
  contentType,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

async function failure(promise: Promise<unknown>): Promise<CabinetError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CabinetError);
    return error as CabinetError;
  }
  throw new Error('aurait dû échouer');
}

describe('search URLs', () => {
  it('names become repeated name= (AND), structures use name:contains, a city filters structures', () => {
    const urls = searchUrls(base, query({ text: 'marie  martin', city: 'Lyon' }));
    expect(urls.practitioners?.searchParams.getAll('name')).toEqual(['marie', 'martin']);
    expect(urls.practitioners?.searchParams.get('_revinclude')).toBe('PractitionerRole:practitioner');
    expect(urls.practitioners?.searchParams.get('_include:iterate')).toBe('PractitionerRole:organization');
    expect(urls.organizations?.searchParams.getAll('name:contains')).toEqual(['marie', 'martin']);
    expect(urls.organizations?.searchParams.get('address-city')).toBe('Lyon');
  });

  it('an RPPS or an idNat_PS searches by identifier, practitioners only', () => {
    expect(searchUrls(base, query({ text: '99701000012' })).practitioners?.searchParams.get('identifier')).toBe(
      `${RPPS_SYSTEM}|99701000012`,
    );
    expect(searchUrls(base, query({ text: '899701000012' })).practitioners?.searchParams.get('identifier')).toBe(
      `${IDNAT_PS_SYSTEM}|899701000012`,
    );
    expect(searchUrls(base, query({ text: '99701000012' })).organizations).toBeNull();
  });

  it('mailbox types choose the searches', () => {
    expect(searchUrls(base, query({ text: 'lyon', types: ['ORG', 'APP'] })).practitioners).toBeNull();
    expect(searchUrls(base, query({ text: 'lyon', types: ['PER'] })).organizations).toBeNull();
  });

  it('at most four words of 40 characters', () => {
    expect(nameWords('a b c d e')).toEqual(['a', 'b', 'c', 'd']);
    expect(nameWords('x'.repeat(60))[0]).toHaveLength(40);
  });
});

describe('recipients', () => {
  it('a practitioner’s roles and own mailboxes, with profession, specialty, structure and city', async () => {
    const client = clientWith();
    const result = await client.search(query({ text: 'marie martin' }));
    expect(result.total).toBeGreaterThanOrEqual(1);
    expect(result.recipients.slice(0, 2)).toEqual([
      {
        address: 'marie.martin@cabinet.test-mssante.fr',
        mailboxType: 'PER',
        mailboxTypeLabel: 'Personnelle',
        displayName: 'Dr Marie MARTIN',
        profession: 'Médecin',
        specialty: 'Qualifié en Médecine générale',
        organisation: 'Cabinet médical Martin',
        city: 'Lyon',
        rpps: '99701000012',
        idNatPs: '899701000012',
        description: null,
      },
      expect.objectContaining({
        address: 'cabinet.martin@cabinet.test-mssante.fr',
        mailboxType: 'CAB',
        mailboxTypeLabel: 'Cabinet',
        organisation: 'Cabinet médical Martin',
      }),
    ]);
  });

  it('structures’ organisational and applicative mailboxes, filtered by type and city', async () => {
    const client = clientWith();
    const result = await client.search(query({ text: 'centre hospitalier', city: 'saint-etienne', types: ['ORG', 'APP'] }));
    expect(result.recipients.map((r) => `${r.mailboxType} ${r.address}`)).toEqual([
      'ORG secretariat.cardiologie.saint-etienne@hopital.test-mssante.fr',
      'ORG urgences.saint-etienne@hopital.test-mssante.fr',
      'APP resultats-biologie.saint-etienne@hopital.test-mssante.fr',
    ]);
    expect(result.recipients[0]).toMatchObject({
      displayName: 'Centre hospitalier de Saint-Étienne — Cardiologie',
      city: 'Saint-Étienne',
      mailboxTypeLabel: 'Organisationnelle',
    });
    const apps = await client.search(query({ text: 'centre hospitalier', types: ['APP'] }));
    expect(apps.recipients.every((r) => r.mailboxType === 'APP')).toBe(true);
  });

  it('by RPPS; the red-listed Dr LEROY has no recipient', async () => {
    const client = clientWith();
    expect((await client.search(query({ text: '99701000012' }))).recipients[0]?.address).toBe('marie.martin@cabinet.test-mssante.fr');
    const leroy = await client.search(query({ text: 'claire leroy' }));
    expect(leroy.total).toBe(1);
    expect(leroy.recipients).toEqual([]);
  });

  it('follows next links (same server only) until the limit', async () => {
    const calls: URL[] = [];
    const client = clientWith(undefined, calls);
    // Practitioners are filtered by city here: the first page holds few of Lyon's, so the next pages are read.
    const result = await client.search(query({ text: 'ma', city: 'Lyon', types: ['PER'], limit: 10 }));
    expect(result.recipients.length).toBeGreaterThan(2);
    expect(result.recipients.every((r) => r.city === 'Lyon' && r.mailboxType === 'PER')).toBe(true);
    const pages = calls.filter((u) => u.searchParams.has('_getpages'));
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.length).toBeLessThanOrEqual(2);

    const evil = clientWith((url) =>
      url.pathname.endsWith('/Practitioner')
        ? json(200, {
            resourceType: 'Bundle',
            type: 'searchset',
            total: 50,
            link: [{ relation: 'next', url: 'https://ailleurs.example/fhir/v2?_getpages=1' }],
            entry: [],
          })
        : undefined,
    );
    expect((await failure(evil.search(query({ text: 'martin', types: ['PER'] })))).details).toMatchObject({
      detail: expect.stringMatching(/hors du serveur/),
    });
  });

  it('drops a red-listed mailbox even if the server publishes it', async () => {
    const practitioner = {
      resourceType: 'Practitioner',
      id: 'p1',
      name: [{ family: 'ROUGE', given: ['Liste'] }],
      telecom: [
        mailboxTelecom({ address: 'liste.rouge@cabinet.test-mssante.fr', type: 'PER', listeRouge: true }),
        mailboxTelecom({ address: 'publie@cabinet.test-mssante.fr', type: 'CAB', listeRouge: false }),
      ],
    };
    const client = clientWith(() =>
      json(200, { resourceType: 'Bundle', type: 'searchset', total: 1, entry: [{ resource: practitioner, search: { mode: 'match' } }] }),
    );
    const result = await client.search(query({ text: 'rouge', types: ['PER', 'CAB'] }));
    expect(result.recipients.map((r) => r.address)).toEqual(['publie@cabinet.test-mssante.fr']);
  });
});

describe('malformed or refused answers → French errors', () => {
  const cases: [string, HttpAnswer, RegExp, string][] = [
    ['not JSON', json(200, '<html>oops</html>'), /illisible/, 'UNAVAILABLE'],
    [
      'over 4 MiB whatever the transport',
      json(200, `{"resourceType":"Bundle","x":"${'a'.repeat(4 * 1024 * 1024)}"}`),
      /trop volumineuse/,
      'UNAVAILABLE',
    ],
    ['HTML content type', json(200, '{}', 'text/html'), /illisible/, 'UNAVAILABLE'],
    ['not a Bundle', json(200, { resourceType: 'Patient' }), /illisible/, 'UNAVAILABLE'],
    ['a batch Bundle', json(200, { resourceType: 'Bundle', type: 'batch-response' }), /illisible/, 'UNAVAILABLE'],
    ['total negative', json(200, { resourceType: 'Bundle', type: 'searchset', total: -1 }), /illisible/, 'UNAVAILABLE'],
    [
      'bad Practitioner',
      json(200, { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Practitioner', id: 'a b/../c' } }] }),
      /illisible/,
      'UNAVAILABLE',
    ],
    [
      'unexpected resource',
      json(200, { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Patient', id: 'x' } }] }),
      /illisible/,
      'UNAVAILABLE',
    ],
    [
      'telecom not an array',
      json(200, {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [{ resource: { resourceType: 'Organization', id: 'o', telecom: 'a@b.fr' } }],
      }),
      /illisible/,
      'UNAVAILABLE',
    ],
    [
      '401',
      json(401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'security', diagnostics: 'Invalid API key' }] }),
      /clé d’accès/,
      'CONFIG_INVALID',
    ],
    [
      '400',
      json(400, {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'processing', diagnostics: 'Unknown search parameter "x"' }],
      }),
      /refusé la recherche : Unknown search parameter/,
      'INVALID_REQUEST',
    ],
    ['404', json(404, { resourceType: 'OperationOutcome', issue: [] }), /Adresse de l’Annuaire Santé incorrecte/, 'UNAVAILABLE'],
    ['429', json(429, 'Too many requests', 'text/plain'), /surchargé/, 'UNAVAILABLE'],
    ['503', json(503, '', 'text/plain'), /ne répond pas/, 'UNAVAILABLE'],
  ];
  it.each(cases)('%s', async (_name, answer, message, code) => {
    const client = clientWith(() => answer);
    const error = await failure(client.search(query({ text: 'martin' })));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('refuses a non-https, credentialed or parameterised base URL and a missing key', () => {
    const make =
      (baseUrl: string, apiKey = 'k') =>
      () =>
        new AnnuaireClient({ baseUrl, apiKey, trust: { extraCa: [] }, get: async () => json(200, {}) });
    expect(make('http://annuaire.test/fhir/v2')).toThrow(/non https/);
    expect(make('https://u:p@annuaire.test/fhir/v2')).toThrow(/identifiants/);
    expect(make('https://annuaire.test/fhir/v2?x=1')).toThrow(/paramètres/);
    expect(make('https://annuaire.test/fhir/v2', '')).toThrow(/Clé d’accès/);
    expect(make('https://annuaire.test/fhir/v2', 'a\r\nb')).toThrow(/Clé d’accès/);
  });
});

describe('cache', () => {
  it('a repeated search is answered from the cache (LRU, with a lifetime)', async () => {
    const calls: URL[] = [];
    const client = clientWith(undefined, calls);
    await client.search(query({ text: 'martin' }));
    const after = calls.length;
    await client.search(query({ text: 'MARTIN ' }));
    expect(calls.length).toBe(after);
    await client.search(query({ text: 'martin', city: 'Lyon' }));
    expect(calls.length).toBeGreaterThan(after);
  });

  it('LruCache evicts the least recently used and expired entries', () => {
    let now = 0;
    const cache = new LruCache<number>(2, 1000, () => now);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    now = 2000;
    expect(cache.get('c')).toBeUndefined();
    expect(cache.size).toBe(1);
  });
});
