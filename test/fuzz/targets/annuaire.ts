/** Annuaire Santé target: the FHIR search bundles (and error answers) the client reads, page after page. */
import fc from 'fast-check';
import { AnnuaireClient, annuaireMessages, MAX_RESPONSE_BYTES, type HttpAnswer } from '../../../electron/annuaire/client.js';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { DirectoryIndex } from '../../../sandboxes/annuaire/search.js';
import { buildDirectory } from '../../../sandboxes/annuaire/seed.js';
import { mutatedJsonText } from '../mutate.js';
import type { FuzzJson, FuzzTarget } from '../target.js';

const BASE = 'https://annuaire.test/fhir/v2';
type Page = { status: number; contentType: string; body: string };
type AnnuaireInput = { pages: Page[] };

function sandboxBodies(): unknown[] {
  const index = new DirectoryIndex(buildDirectory({ practitioners: 30, structures: 10 }), () => Date.parse('2026-11-01T08:00:00Z'));
  const ask = (type: string, query: string) => index.search(type, new URLSearchParams(query), BASE).body;
  return [
    ask(
      'PractitionerRole',
      'practitioner.name=martin&_include=PractitionerRole:practitioner&_include=PractitionerRole:organization&_count=10',
    ),
    ask('Practitioner', 'name=ma&_count=10'),
    ask('Organization', 'name=centre&_count=10'),
    ask('PractitionerRole', '_count=2'),
    ask('Nothing', ''),
    ask('Practitioner', '_count=abc'),
  ];
}

export const annuaire: FuzzTarget = {
  name: 'annuaire',
  parser: 'Annuaire Santé FHIR (Bundle, OperationOutcome, pages)',
  corpus: () =>
    sandboxBodies().map((body) => ({
      pages: [{ status: 200, contentType: 'application/fhir+json;charset=utf-8', body: JSON.stringify(body) }],
    })),
  arbitrary: (corpus) => {
    const bodies = (corpus as AnnuaireInput[]).map((c) => JSON.parse(c.pages[0]!.body) as unknown);
    const page = fc.record({
      status: fc.oneof(
        { arbitrary: fc.constant(200), weight: 6 },
        { arbitrary: fc.constantFrom(400, 401, 404, 410, 429, 500, 302, 0), weight: 1 },
      ),
      contentType: fc.oneof(
        { arbitrary: fc.constant('application/fhir+json'), weight: 6 },
        { arbitrary: fc.constantFrom('text/html', '', 'application/json; charset=ISO-8859-1'), weight: 1 },
      ),
      body: mutatedJsonText(bodies),
    });
    return fc.record({ pages: fc.array(page, { minLength: 1, maxLength: 4 }) }) as fc.Arbitrary<FuzzJson>;
  },
  run: async (i) => {
    const { pages } = i as AnnuaireInput;
    let n = 0;
    const client = new AnnuaireClient({
      baseUrl: BASE,
      apiKey: 'cle-de-test',
      trust: { extraCa: [] },
      // As the real transport (nodeGet): an answer over MAX_RESPONSE_BYTES never reaches the reader. Feeding 100 MB
      // bodies past it crashed the whole fuzz process (V8 out of memory in JSON.parse, seed 20261208).
      get: async (): Promise<HttpAnswer> => {
        const page = pages[Math.min(n++, pages.length - 1)]!;
        if (Buffer.byteLength(page.body) > MAX_RESPONSE_BYTES) throw new CabinetError('UNAVAILABLE', annuaireMessages.tooLarge);
        return page;
      },
    });
    try {
      await client.search({ text: 'martin', limit: 20 });
      await client.search({ text: '10101010101', types: ['PER', 'ORG'], city: 'Lyon', limit: 5 });
    } finally {
      client.close();
    }
  },
};
