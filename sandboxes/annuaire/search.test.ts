import { describe, expect, it } from 'vitest';
import { IDNAT_PS_SYSTEM, RPPS_SYSTEM, TYPE_BAL_SYSTEM, TYPE_MESSAGERIE_SYSTEM } from '../../shared/domain/annuaire/fhir.js';
import { buildDirectory } from './seed.js';
import { DirectoryIndex, MAX_COUNT } from './search.js';

const directory = buildDirectory();
const base = 'https://127.0.0.1:19445/fhir/v2';

/* eslint-disable @typescript-eslint/no-explicit-any -- FHIR JSON in assertions */
type Bundle = {
  resourceType: string;
  total: number;
  link: { relation: string; url: string }[];
  entry?: { resource: any; search: { mode: string } }[];
};

function search(index: DirectoryIndex, type: string, query: string): { status: number; body: any } {
  return index.search(type, new URLSearchParams(query), base);
}
function matches(body: Bundle): any[] {
  return (body.entry ?? []).filter((e) => e.search.mode === 'match').map((e) => e.resource);
}
function families(body: Bundle): string[] {
  return matches(body).map((r) => r.name[0].family);
}

describe('the sandbox directory', () => {
  it('holds a few hundred practitioners and structures, with every mailbox type, some red-listed', () => {
    expect(directory.practitioners.length).toBeGreaterThanOrEqual(300);
    expect(directory.organizations.length).toBeGreaterThanOrEqual(60);
    const types = new Set(directory.mailboxes.map((m) => m.type));
    expect([...types].sort()).toEqual(['APP', 'CAB', 'ORG', 'PER']);
    expect(directory.mailboxes.filter((m) => m.listeRouge).length).toBeGreaterThan(10);
    expect(directory.mailboxes.every((m) => /@(cabinet|hopital)\.test-mssante\.fr$/.test(m.address))).toBe(true);
    expect(new Set(directory.mailboxes.map((m) => m.address)).size).toBe(directory.mailboxes.length);
    // Deterministic: the same directory at every start.
    expect(buildDirectory().mailboxes).toEqual(directory.mailboxes);
  });

  it('holds the test PKI practitioners (Dr Marie MARTIN 899701000012, Julien PETIT 0756012345)', () => {
    const index = new DirectoryIndex(directory);
    const martin = search(index, 'Practitioner', `identifier=${IDNAT_PS_SYSTEM}|899701000012`).body;
    expect(martin.total).toBe(1);
    expect(matches(martin)[0].identifier).toEqual(
      expect.arrayContaining([expect.objectContaining({ system: RPPS_SYSTEM, value: '99701000012' })]),
    );
    expect(search(index, 'Practitioner', 'identifier=0756012345').body.total).toBe(1);
  });
});

describe('Practitioner search', () => {
  const index = new DirectoryIndex(directory);

  it('name, family and given: starts-with, ignoring case and accents', () => {
    expect(families(search(index, 'Practitioner', 'family=leveque').body)).toEqual(['LÉVÊQUE']);
    expect(families(search(index, 'Practitioner', 'family=LÉVÊ').body)).toEqual(['LÉVÊQUE']);
    expect(families(search(index, 'Practitioner', 'name=eloise').body)).toContain('LÉVÊQUE');
    expect(families(search(index, 'Practitioner', 'given=helene&family=beranger').body)).toEqual(['BÉRANGER-DUCROS']);
    expect(families(search(index, 'Practitioner', 'family=beranger ducros').body)).toEqual(['BÉRANGER-DUCROS']);
    expect(families(search(index, 'Practitioner', "family=d'argent").body)).toEqual(["D'ARGENT"]);
    expect(families(search(index, 'Practitioner', 'family=nguyen').body)).toEqual(['NGUYỄN']);
    // Starts-with, not contains.
    expect(families(search(index, 'Practitioner', 'family=eveque').body)).toEqual([]);
  });

  it(':exact and :contains', () => {
    expect(families(search(index, 'Practitioner', 'family:exact=LÉVÊQUE').body)).toEqual(['LÉVÊQUE']);
    expect(families(search(index, 'Practitioner', 'family:exact=leveque').body)).toEqual([]);
    expect(families(search(index, 'Practitioner', 'family:contains=eveq').body)).toEqual(['LÉVÊQUE']);
  });

  it('repeated parameters are AND, commas are OR', () => {
    const both = search(index, 'Practitioner', 'name=marie&name=martin').body;
    expect(matches(both).map((r) => r.id)).toEqual(['pra-899701000012']);
    const either = search(index, 'Practitioner', 'family=leveque,nguyen').body;
    expect(families(either).sort()).toEqual(['LÉVÊQUE', 'NGUYỄN']);
  });

  it('identifier: system|value, bare value, RPPS under FR Core’s system too', () => {
    expect(search(index, 'Practitioner', `identifier=${RPPS_SYSTEM}|99701000012`).body.total).toBe(1);
    expect(search(index, 'Practitioner', 'identifier=http://rpps.fr|99701000012').body.total).toBe(1);
    expect(search(index, 'Practitioner', 'identifier=99701000012').body.total).toBe(1);
    expect(search(index, 'Practitioner', `identifier=${IDNAT_PS_SYSTEM}|99701000012`).body.total).toBe(0);
  });

  it('_id, active, mailbox-mss and mailbox-mss-type (TRE_R257, or TRE_R256 as the IG examples write it)', () => {
    expect(search(index, 'Practitioner', '_id=pra-899701000012').body.total).toBe(1);
    expect(search(index, 'Practitioner', 'active=false').body.total).toBe(0);
    expect(search(index, 'Practitioner', 'active:not=false&_count=0').body.total).toBe(directory.practitioners.length);
    expect(matches(search(index, 'Practitioner', 'mailbox-mss=cabinet.martin@').body).map((r) => r.id)).toEqual(['pra-899701000012']);
    expect(search(index, 'Practitioner', 'mailbox-mss:exact=cabinet.martin@cabinet.test-mssante.fr').body.total).toBe(1);
    const cab257 = search(index, 'Practitioner', `mailbox-mss-type=${TYPE_BAL_SYSTEM}|CAB&_count=0`).body.total;
    const cab256 = search(index, 'Practitioner', `mailbox-mss-type=${TYPE_MESSAGERIE_SYSTEM}|CAB&_count=0`).body.total;
    const cabBare = search(index, 'Practitioner', 'mailbox-mss-type=CAB&_count=0').body.total;
    expect(cab257).toBeGreaterThan(0);
    expect(cab256).toBe(cab257);
    expect(cabBare).toBe(cab257);
    expect(search(index, 'Practitioner', 'mailbox-mss-type=ORG').body.total).toBe(0);
  });

  it('_revinclude roles and _include:iterate their structures (not counted in total)', () => {
    const body = search(
      index,
      'Practitioner',
      'identifier=99701000012&_revinclude=PractitionerRole:practitioner&_include:iterate=PractitionerRole:organization',
    ).body as Bundle;
    expect(body.total).toBe(1);
    const included = (body.entry ?? [])
      .filter((e) => e.search.mode === 'include')
      .map((e) => `${e.resource.resourceType}/${e.resource.id}`);
    expect(included).toEqual(['PractitionerRole/rol-899701000012', 'Organization/org-cabinet-martin']);
  });

  it('_elements trims resources and tags them SUBSETTED', () => {
    const body = search(index, 'Practitioner', 'identifier=99701000012&_elements=identifier,telecom').body as Bundle;
    const r = matches(body)[0];
    expect(Object.keys(r).sort()).toEqual(['id', 'identifier', 'meta', 'resourceType', 'telecom']);
    expect(r.meta.tag[0].code).toBe('SUBSETTED');
  });
});

describe('PractitionerRole and Organization search', () => {
  const index = new DirectoryIndex(directory);

  it('PractitionerRole by practitioner, organization, specialty, role; _include both references', () => {
    const body = search(
      index,
      'PractitionerRole',
      'practitioner=Practitioner/pra-899701000012&_include=PractitionerRole:practitioner&_include=PractitionerRole:organization',
    ).body as Bundle;
    expect(body.total).toBe(1);
    expect((body.entry ?? []).map((e) => `${e.search.mode}:${e.resource.resourceType}`)).toEqual([
      'match:PractitionerRole',
      'include:Practitioner',
      'include:Organization',
    ]);
    expect(search(index, 'PractitionerRole', 'organization=org-cabinet-martin').body.total).toBeGreaterThanOrEqual(2);
    const cardio = search(
      index,
      'PractitionerRole',
      'specialty=https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale|SM04&_count=0',
    ).body.total;
    expect(cardio).toBeGreaterThan(0);
    expect(search(index, 'PractitionerRole', 'role=60&_count=0').body.total).toBeGreaterThan(0);
  });

  it('Organization by name (:contains), address-city (accents ignored), postal code, identifier, type of mailbox', () => {
    const ch = search(index, 'Organization', 'name:contains=hospitalier&address-city=saint etienne').body;
    expect(matches(ch).map((o) => o.name)).toEqual(['Centre hospitalier de Saint-Étienne']);
    expect(search(index, 'Organization', 'address-city=EVREUX&_count=0').body.total).toBeGreaterThan(0);
    expect(search(index, 'Organization', 'address-postalcode=69003&_count=0').body.total).toBeGreaterThan(0);
    expect(search(index, 'Organization', 'identifier=49970036790900').body.total).toBe(1);
    expect(search(index, 'Organization', 'mailbox-mss-type=APP&_count=0').body.total).toBeGreaterThan(0);
    const withRoles = search(index, 'Organization', '_id=org-cabinet-martin&_revinclude=PractitionerRole:organization').body as Bundle;
    expect((withRoles.entry ?? []).filter((e) => e.search.mode === 'include').length).toBeGreaterThanOrEqual(2);
  });
});

describe('red list (liste rouge)', () => {
  const index = new DirectoryIndex(directory);
  const hidden = directory.mailboxes.filter((m) => m.listeRouge).map((m) => m.address);

  it('a red-listed mailbox is never returned nor matched', () => {
    expect(hidden).toContain('claire.leroy@hopital.test-mssante.fr');
    const everything = [
      search(index, 'Practitioner', `_count=${MAX_COUNT}&_revinclude=PractitionerRole:practitioner`),
      search(index, 'PractitionerRole', `_count=${MAX_COUNT}`),
      search(index, 'Organization', `_count=${MAX_COUNT}`),
    ];
    let text = everything.map((a) => JSON.stringify(a.body)).join('');
    // Every page of every type.
    for (const type of ['Practitioner', 'PractitionerRole', 'Organization']) {
      let page = search(
        index,
        type,
        `_count=${MAX_COUNT}&_revinclude=${type === 'Organization' ? 'PractitionerRole:organization' : type === 'Practitioner' ? 'PractitionerRole:practitioner' : ''}`.replace(
          /&_revinclude=$/,
          '',
        ),
      ).body as Bundle;
      for (;;) {
        text += JSON.stringify(page);
        const next = page.link.find((l) => l.relation === 'next');
        if (!next) break;
        page = index.getPage(new URL(next.url).searchParams, base).body as unknown as Bundle;
      }
    }
    for (const address of hidden) expect(text).not.toContain(address);
    expect(text).not.toContain('"listeRouge","valueBoolean":true');
    expect(search(index, 'Practitioner', 'mailbox-mss=claire.leroy').body.total).toBe(0);
    expect(search(index, 'Organization', 'mailbox-mss:contains=direction.&_count=0').body.total).toBe(0);
    // The practitioner herself is still in the directory, without that mailbox.
    const leroy = matches(search(index, 'Practitioner', 'family=leroy&given=claire&_revinclude=PractitionerRole:practitioner').body);
    expect(leroy).toHaveLength(1);
    expect(index.read('PractitionerRole', `rol-${leroy[0].identifier[0].value}`, base).body).not.toHaveProperty('telecom');
  });
});

describe('paging', () => {
  it('_count pages, next links walk every match once, total is the match count; _count above the maximum is capped', () => {
    const index = new DirectoryIndex(directory);
    const first = search(index, 'Practitioner', '_count=50').body as Bundle;
    expect(first.total).toBe(directory.practitioners.length);
    const ids: string[] = matches(first).map((r) => r.id);
    let page = first;
    for (;;) {
      const next = page.link.find((l) => l.relation === 'next');
      if (!next) break;
      expect(next.url.startsWith(`${base}?_getpages=`)).toBe(true);
      page = index.getPage(new URL(next.url).searchParams, base).body as unknown as Bundle;
      ids.push(...matches(page).map((r) => r.id));
    }
    expect(ids).toHaveLength(directory.practitioners.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect(matches(search(index, 'Practitioner', '_count=5000').body)).toHaveLength(MAX_COUNT);
    expect(search(index, 'Practitioner', '_count=0').body.entry).toBeUndefined();
  });

  it('an unknown or expired page is 410 Gone', () => {
    let now = 1_000_000;
    const index = new DirectoryIndex(directory, () => now);
    const first = search(index, 'Practitioner', '_count=10').body as Bundle;
    const next = new URL(first.link.find((l) => l.relation === 'next')!.url).searchParams;
    expect(index.getPage(next, base).status).toBe(200);
    now += 11 * 60_000;
    expect(index.getPage(next, base)).toMatchObject({ status: 410, body: { resourceType: 'OperationOutcome' } });
    expect(index.getPage(new URLSearchParams('_getpages=nope&_getpagesoffset=0'), base).status).toBe(410);
    expect(index.getPage(new URLSearchParams('_getpages=x&_getpagesoffset=-1'), base).status).toBe(400);
    expect(index.getPage(new URLSearchParams('_getpages=x&name=y'), base).status).toBe(400);
  });
});

describe('strict validation: 400 OperationOutcome', () => {
  const index = new DirectoryIndex(directory);
  it.each([
    ['Practitioner', 'foo=bar', /Unknown search parameter "foo"/],
    ['Practitioner', 'address-city=Lyon', /Unknown search parameter "address-city"/],
    ['Practitioner', 'name:fuzzy=x', /Invalid modifier/],
    ['Practitioner', 'identifier:contains=x', /Invalid modifier/],
    ['Practitioner', 'name=', /Empty value/],
    ['Practitioner', 'active=maybe', /Invalid boolean/],
    ['Practitioner', '_count=-1', /Invalid _count/],
    ['Practitioner', '_count=abc', /Invalid _count/],
    ['Practitioner', '_include=PractitionerRole:organization', /Invalid _include/],
    ['Organization', '_revinclude=PractitionerRole:practitioner', /Invalid _revinclude/],
    ['Organization', '_sort=name', /Unknown search parameter "_sort"/],
    ['Organization', '_elements=name;drop', /Invalid _elements/],
    ['Organization', `name=${'x'.repeat(300)}`, /too long/],
  ])('%s?%s', (type, query, message) => {
    const answer = search(index, type, query);
    expect(answer.status).toBe(400);
    expect(answer.body.resourceType).toBe('OperationOutcome');
    expect(answer.body.issue[0].diagnostics).toMatch(message);
  });

  it('an unsupported _format is 406, an unknown resource type or id is 404', () => {
    expect(search(index, 'Practitioner', '_format=xml').status).toBe(406);
    expect(search(index, 'Patient', '').status).toBe(404);
    expect(index.read('Practitioner', 'inconnu', base)).toMatchObject({
      status: 404,
      body: { resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] },
    });
    expect(index.read('Practitioner', 'pra-899701000012', base).status).toBe(200);
  });
});
