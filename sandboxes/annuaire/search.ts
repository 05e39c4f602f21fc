/**
 * FHIR R4 search over the sandbox directory, as strict as a HAPI server with
 * strict handling (Annuaire Santé v2 runs HAPI FHIR): an unknown parameter,
 * modifier or `_include` is a 400 OperationOutcome, never silently ignored.
 * Pure apart from the paging store (a Map with a lifetime): the HTTP layer
 * (server.ts) turns {@link FhirAnswer}s into responses.
 *
 * Supported (per resource type, see `parameters`):
 * - string parameters (`name`, `family`, `given`, `address-city`, `mailbox-mss`…):
 *   starts-with by default, `:exact`, `:contains`; case, accents, hyphens and
 *   apostrophes ignored except with `:exact`; comma = OR, repeated = AND;
 * - token parameters (`identifier`, `_id`, `active`, `mailbox-mss-type`,
 *   `specialty`, `role`): `system|code`, `code`, `|code`;
 * - reference parameters of PractitionerRole (`practitioner`, `organization`);
 * - `_include`, `_include:iterate`, `_revinclude`, `_count`, `_elements`,
 *   `_format`, `_pretty`; paging through `_getpages` / `_getpagesoffset`.
 *
 * Red-listed (liste rouge) mailboxes are removed when the directory is
 * loaded: they can be neither returned nor matched.
 */
import { randomUUID } from 'node:crypto';
import {
  EMAIL_TYPE_EXTENSION,
  foldName,
  MAILBOX_METADATA_EXTENSION,
  RPPS_SYSTEM,
  RPPS_SYSTEM_FR_CORE,
  TYPE_BAL_SYSTEM,
  TYPE_MESSAGERIE_SYSTEM,
} from '../../shared/domain/annuaire/fhir.js';
import type { Directory, FhirResource } from './seed.js';

export const resourceTypes = ['Practitioner', 'PractitionerRole', 'Organization'] as const;
export type ResourceType = (typeof resourceTypes)[number];

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 100;
const PAGING_LIFETIME_MS = 10 * 60_000;
const MAX_STORED_SEARCHES = 2000;

export interface FhirAnswer {
  status: number;
  body: Record<string, unknown>;
}

type ParamKind = 'string' | 'token' | 'reference';

interface ParamDef {
  kind: ParamKind;
  /** Values of the resource the parameter reads. */
  values: (resource: FhirResource) => TokenValue[] | string[];
}

interface TokenValue {
  system?: string;
  code: string;
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/* eslint-disable @typescript-eslint/no-explicit-any -- FHIR JSON */
function mailboxes(resource: FhirResource): any[] {
  return asArray(resource.telecom).filter(
    (t: any) =>
      t?.system === 'email' && asArray(t.extension).some((e: any) => e?.url === EMAIL_TYPE_EXTENSION && e.valueCoding?.code === 'MSSANTE'),
  );
}

function mailboxType(telecom: any): string | undefined {
  const metadata = asArray(telecom.extension).find((e: any) => e?.url === MAILBOX_METADATA_EXTENSION);
  const type = asArray(metadata?.extension).find((e: any) => e?.url === 'type');
  return type?.valueCodeableConcept?.coding?.[0]?.code;
}

function isRedListed(telecom: any): boolean {
  const metadata = asArray(telecom.extension).find((e: any) => e?.url === MAILBOX_METADATA_EXTENSION);
  return asArray(metadata?.extension).some((e: any) => e?.url === 'listeRouge' && e.valueBoolean === true);
}

const identifierTokens = (r: FhirResource): TokenValue[] =>
  asArray(r.identifier).map((i: any) => ({ system: i.system, code: String(i.value) }));
const idToken = (r: FhirResource): TokenValue[] => [{ code: r.id }];
const activeToken = (r: FhirResource): TokenValue[] => [{ code: String(r.active !== false) }];
const mailboxAddresses = (r: FhirResource): string[] => mailboxes(r).map((t: any) => String(t.value));
/** The IG's examples write TRE_R256 as the system of the type; the type's own code system is TRE_R257: both are accepted. */
const mailboxTypeTokens = (r: FhirResource): TokenValue[] =>
  mailboxes(r).flatMap((t: any) => {
    const code = mailboxType(t);
    return code
      ? [
          { system: TYPE_BAL_SYSTEM, code },
          { system: TYPE_MESSAGERIE_SYSTEM, code },
        ]
      : [];
  });
const codings = (concepts: any): TokenValue[] =>
  asArray(concepts).flatMap((c: any) => asArray(c?.coding).map((k: any) => ({ system: k.system, code: String(k.code) })));
const humanNameParts = (r: FhirResource, part: 'family' | 'given' | 'all'): string[] =>
  asArray(r.name).flatMap((n: any) =>
    part === 'family'
      ? asArray(n.family)
      : part === 'given'
        ? asArray(n.given)
        : [...asArray(n.text), ...asArray(n.family), ...asArray(n.given), ...asArray(n.prefix), ...asArray(n.suffix)],
  );
const reference = (value: any): string[] => (typeof value?.reference === 'string' ? [value.reference] : []);
/* eslint-enable @typescript-eslint/no-explicit-any */

const common: Record<string, ParamDef> = {
  _id: { kind: 'token', values: idToken },
  active: { kind: 'token', values: activeToken },
  'mailbox-mss': { kind: 'string', values: mailboxAddresses },
  'mailbox-mss-type': { kind: 'token', values: mailboxTypeTokens },
};

const parameters: Record<ResourceType, Record<string, ParamDef>> = {
  Practitioner: {
    ...common,
    identifier: { kind: 'token', values: identifierTokens },
    name: { kind: 'string', values: (r) => humanNameParts(r, 'all') },
    family: { kind: 'string', values: (r) => humanNameParts(r, 'family') },
    given: { kind: 'string', values: (r) => humanNameParts(r, 'given') },
  },
  PractitionerRole: {
    ...common,
    practitioner: { kind: 'reference', values: (r) => reference(r.practitioner) },
    organization: { kind: 'reference', values: (r) => reference(r.organization) },
    role: { kind: 'token', values: (r) => codings(r.code) },
    specialty: { kind: 'token', values: (r) => codings(r.specialty) },
  },
  Organization: {
    ...common,
    identifier: { kind: 'token', values: identifierTokens },
    name: { kind: 'string', values: (r) => [...asArray<string>(r.name), ...asArray<string>(r.alias)] },
    'address-city': { kind: 'string', values: (r) => asArray(r.address).map((a: { city?: string }) => a.city ?? '') },
    'address-postalcode': { kind: 'string', values: (r) => asArray(r.address).map((a: { postalCode?: string }) => a.postalCode ?? '') },
    type: { kind: 'token', values: (r) => codings(r.type) },
  },
};

/** `_include` / `_revinclude` values each resource type accepts. */
const includes: Record<ResourceType, { include: string[]; revinclude: string[] }> = {
  Practitioner: { include: [], revinclude: ['PractitionerRole:practitioner'] },
  PractitionerRole: { include: ['PractitionerRole:practitioner', 'PractitionerRole:organization'], revinclude: [] },
  Organization: { include: [], revinclude: ['PractitionerRole:organization'] },
};
/** `_include:iterate` applies to the resources already included (Practitioner → its roles → their structures). */
const iterateIncludes = ['PractitionerRole:organization', 'PractitionerRole:practitioner'];

const controlParameters = new Set(['_count', '_include', '_include:iterate', '_revinclude', '_elements', '_format', '_pretty']);
const acceptedFormats = new Set(['json', 'application/json', 'application/fhir+json']);

export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly diagnostics: string,
  ) {
    super(diagnostics);
  }
}

export function operationOutcome(severity: 'error' | 'fatal', code: string, diagnostics: string): Record<string, unknown> {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}

export function errorAnswer(error: FhirError): FhirAnswer {
  return { status: error.status, body: operationOutcome('error', error.code, error.diagnostics) };
}

interface StoredSearch {
  resourceType: ResourceType;
  matches: FhirResource[];
  includes: string[];
  revincludes: string[];
  iterate: string[];
  elements: string[] | null;
  selfQuery: string;
  expiresAt: number;
}

interface Criterion {
  name: string;
  modifier: string | null;
  /** Comma-separated alternatives (OR). */
  values: string[];
}

/** `a\,b,c` → [`a,b`, `c`] (FHIR escapes commas in values with a backslash). */
function splitAlternatives(raw: string): string[] {
  const values: string[] = [];
  let current = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\\' && i + 1 < raw.length) {
      current += raw[++i];
    } else if (ch === ',') {
      values.push(current);
      current = '';
    } else current += ch;
  }
  values.push(current);
  return values;
}

function stringMatches(modifier: string | null, query: string, value: string): boolean {
  if (modifier === 'exact') return value === query;
  const q = foldName(query);
  const v = foldName(value);
  if (modifier === 'contains') return v.includes(q);
  return v.startsWith(q);
}

function tokenMatches(query: string, token: TokenValue): boolean {
  const bar = query.indexOf('|');
  if (bar < 0) return token.code === query;
  const system = query.slice(0, bar);
  const code = query.slice(bar + 1);
  if (system === '') return token.system === undefined && token.code === code;
  const sameSystem = token.system === system || (system === RPPS_SYSTEM_FR_CORE && token.system === RPPS_SYSTEM);
  return sameSystem && (code === '' || token.code === code);
}

function referenceMatches(query: string, target: ResourceType, value: string): boolean {
  const wanted = query.includes('/') ? query : `${target}/${query}`;
  return value === wanted;
}

const referenceTargets: Record<string, ResourceType> = { practitioner: 'Practitioner', organization: 'Organization' };

/** The sandbox directory, published (red-listed mailboxes removed), and its searches. */
export class DirectoryIndex {
  private readonly byType: Record<ResourceType, FhirResource[]>;
  private readonly byKey = new Map<string, FhirResource>();
  private readonly stored = new Map<string, StoredSearch>();

  constructor(
    directory: Directory,
    private readonly now: () => number = Date.now,
  ) {
    const publish = (resource: FhirResource): FhirResource => {
      if (!Array.isArray(resource.telecom)) return structuredClone(resource);
      const copy = structuredClone(resource);
      copy.telecom = (copy.telecom as unknown[]).filter((t) => !isRedListed(t));
      if ((copy.telecom as unknown[]).length === 0) delete copy.telecom;
      return copy;
    };
    this.byType = {
      Practitioner: directory.practitioners.map(publish),
      PractitionerRole: directory.roles.map(publish),
      Organization: directory.organizations.map(publish),
    };
    for (const type of resourceTypes) for (const r of this.byType[type]) this.byKey.set(`${type}/${r.id}`, r);
  }

  get size(): Record<ResourceType, number> {
    return {
      Practitioner: this.byType.Practitioner.length,
      PractitionerRole: this.byType.PractitionerRole.length,
      Organization: this.byType.Organization.length,
    };
  }

  read(type: string, id: string, base: string): FhirAnswer {
    if (!(resourceTypes as readonly string[]).includes(type))
      return errorAnswer(
        new FhirError(
          404,
          'not-supported',
          `Unknown resource type '${type}' - Server knows how to handle: [Organization, Practitioner, PractitionerRole]`,
        ),
      );
    const resource = this.byKey.get(`${type}/${id}`);
    if (!resource) return errorAnswer(new FhirError(404, 'not-found', `Resource ${type}/${id} is not known`));
    void base;
    return { status: 200, body: resource };
  }

  /** `GET [base]/[type]?…` */
  search(type: string, params: URLSearchParams, base: string): FhirAnswer {
    try {
      if (!(resourceTypes as readonly string[]).includes(type))
        throw new FhirError(
          404,
          'not-supported',
          `Unknown resource type '${type}' - Server knows how to handle: [Organization, Practitioner, PractitionerRole]`,
        );
      const resourceType = type as ResourceType;
      const defs = parameters[resourceType];
      const criteria: Criterion[] = [];
      const control = {
        count: DEFAULT_COUNT,
        include: [] as string[],
        revinclude: [] as string[],
        iterate: [] as string[],
        elements: null as string[] | null,
      };
      for (const [key, raw] of params) {
        if (controlParameters.has(key)) {
          this.control(resourceType, key, raw, control);
          continue;
        }
        const [name = '', modifier = null, ...rest] = key.split(':');
        const def = defs[name];
        if (!def || rest.length > 0) {
          throw new FhirError(
            400,
            'processing',
            `Unknown search parameter "${key}" for resource type "${resourceType}". Valid search parameters for this search are: [${Object.keys(defs).sort().join(', ')}]`,
          );
        }
        if (
          modifier !== null &&
          !(def.kind === 'string' && (modifier === 'exact' || modifier === 'contains')) &&
          !(def.kind === 'token' && modifier === 'not')
        ) {
          throw new FhirError(400, 'processing', `Invalid modifier ":${modifier}" for search parameter "${name}"`);
        }
        if (raw.length > 256) throw new FhirError(400, 'too-long', `Value of parameter "${name}" is too long`);
        const values = splitAlternatives(raw);
        if (values.some((v) => v.trim() === '')) throw new FhirError(400, 'processing', `Empty value for search parameter "${name}"`);
        if (name === 'active' && values.some((v) => v !== 'true' && v !== 'false'))
          throw new FhirError(400, 'processing', `Invalid boolean value for "active": ${raw}`);
        criteria.push({ name, modifier, values });
      }
      const matches = this.byType[resourceType].filter((resource) =>
        criteria.every((c) => {
          const def = defs[c.name]!;
          const any = c.values.some((query) => {
            if (def.kind === 'string') return (def.values(resource) as string[]).some((v) => stringMatches(c.modifier, query, v));
            if (def.kind === 'token') return (def.values(resource) as TokenValue[]).some((t) => tokenMatches(query, t));
            return (def.values(resource) as string[]).some((v) => referenceMatches(query, referenceTargets[c.name]!, v));
          });
          return c.modifier === 'not' ? !any : any;
        }),
      );
      const selfQuery = params.toString();
      const stored: StoredSearch = {
        resourceType,
        matches,
        includes: control.include,
        revincludes: control.revinclude,
        iterate: control.iterate,
        elements: control.elements,
        selfQuery: `${base}/${resourceType}${selfQuery ? `?${selfQuery}` : ''}`,
        expiresAt: this.now() + PAGING_LIFETIME_MS,
      };
      return { status: 200, body: this.page(this.remember(stored), stored, 0, control.count, base, true) };
    } catch (error) {
      if (error instanceof FhirError) return errorAnswer(error);
      throw error;
    }
  }

  /** `GET [base]?_getpages=…&_getpagesoffset=…&_count=…` (the next links). */
  getPage(params: URLSearchParams, base: string): FhirAnswer {
    const allowed = new Set(['_getpages', '_getpagesoffset', '_count', '_bundletype', '_pretty', '_format']);
    for (const key of params.keys()) {
      if (!allowed.has(key)) return errorAnswer(new FhirError(400, 'processing', `Unknown parameter "${key}" for a page request`));
    }
    const id = params.get('_getpages') ?? '';
    const offset = Number(params.get('_getpagesoffset') ?? '0');
    const count = Number(params.get('_count') ?? String(DEFAULT_COUNT));
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(count) || count < 0)
      return errorAnswer(new FhirError(400, 'processing', 'Invalid paging parameters'));
    if (params.has('_bundletype') && params.get('_bundletype') !== 'searchset')
      return errorAnswer(new FhirError(400, 'processing', 'Invalid _bundletype'));
    const stored = this.stored.get(id);
    if (!stored || stored.expiresAt < this.now()) {
      this.stored.delete(id);
      return errorAnswer(new FhirError(410, 'not-found', `Search ID "${id}" does not exist and may have expired`));
    }
    return { status: 200, body: this.page(id, stored, offset, Math.min(count, MAX_COUNT), base, false) };
  }

  private control(
    type: ResourceType,
    key: string,
    raw: string,
    control: { count: number; include: string[]; revinclude: string[]; iterate: string[]; elements: string[] | null },
  ): void {
    switch (key) {
      case '_count': {
        if (!/^\d{1,6}$/.test(raw)) throw new FhirError(400, 'processing', `Invalid _count value: "${raw}"`);
        control.count = Math.min(Number(raw), MAX_COUNT);
        return;
      }
      case '_include':
      case '_revinclude': {
        const accepted = key === '_include' ? includes[type].include : includes[type].revinclude;
        if (!accepted.includes(raw))
          throw new FhirError(
            400,
            'processing',
            `Invalid ${key} parameter value: "${raw}". Valid values for ${type} are: [${accepted.join(', ')}]`,
          );
        (key === '_include' ? control.include : control.revinclude).push(raw);
        return;
      }
      case '_include:iterate': {
        if (!iterateIncludes.includes(raw)) throw new FhirError(400, 'processing', `Invalid _include:iterate parameter value: "${raw}"`);
        control.iterate.push(raw);
        return;
      }
      case '_elements': {
        const names = raw.split(',').map((s) => s.trim());
        if (names.some((n) => !/^[a-zA-Z]{1,40}$/.test(n))) throw new FhirError(400, 'processing', `Invalid _elements value: "${raw}"`);
        control.elements = names;
        return;
      }
      case '_format':
        if (!acceptedFormats.has(raw))
          throw new FhirError(406, 'not-supported', `Unsupported _format "${raw}": this server answers in JSON only`);
        return;
      case '_pretty':
        if (raw !== 'true' && raw !== 'false') throw new FhirError(400, 'processing', `Invalid _pretty value: "${raw}"`);
        return;
    }
  }

  private remember(search: StoredSearch): string {
    const now = this.now();
    for (const [id, s] of this.stored) if (s.expiresAt < now) this.stored.delete(id);
    while (this.stored.size >= MAX_STORED_SEARCHES) {
      const oldest = this.stored.keys().next().value;
      if (oldest === undefined) break;
      this.stored.delete(oldest);
    }
    const id = randomUUID();
    this.stored.set(id, search);
    return id;
  }

  private page(id: string, stored: StoredSearch, offset: number, count: number, base: string, first: boolean): Record<string, unknown> {
    const slice = stored.matches.slice(offset, offset + count);
    const entries: Record<string, unknown>[] = slice.map((resource) => ({
      fullUrl: `${base}/${stored.resourceType}/${resource.id}`,
      resource: this.subset(resource, stored.elements),
      search: { mode: 'match' },
    }));
    const seen = new Set(slice.map((r) => `${stored.resourceType}/${r.id}`));
    const included: FhirResource[] = [];
    const add = (r: FhirResource | undefined) => {
      if (!r) return;
      const key = `${r.resourceType}/${r.id}`;
      if (seen.has(key)) return;
      seen.add(key);
      included.push(r);
    };
    for (const spec of stored.includes) {
      const field = spec === 'PractitionerRole:practitioner' ? 'practitioner' : 'organization';
      for (const r of slice) for (const ref of reference(r[field])) add(this.byKey.get(ref));
    }
    for (const spec of stored.revincludes) {
      const field = spec === 'PractitionerRole:practitioner' ? 'practitioner' : 'organization';
      const targets = new Set(slice.map((r) => `${stored.resourceType}/${r.id}`));
      for (const role of this.byType.PractitionerRole) if (reference(role[field]).some((ref) => targets.has(ref))) add(role);
    }
    for (const spec of stored.iterate) {
      const field = spec === 'PractitionerRole:practitioner' ? 'practitioner' : 'organization';
      const roles = [
        ...(stored.resourceType === 'PractitionerRole' ? slice : []),
        ...included.filter((r) => r.resourceType === 'PractitionerRole'),
      ];
      for (const role of roles) for (const ref of reference(role[field])) add(this.byKey.get(ref));
    }
    for (const r of included) entries.push({ fullUrl: `${base}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'include' } });

    const links: { relation: string; url: string }[] = [];
    const pageUrl = (at: number) => `${base}?_getpages=${id}&_getpagesoffset=${at}&_count=${count}&_bundletype=searchset`;
    links.push({ relation: 'self', url: first ? stored.selfQuery : pageUrl(offset) });
    if (count > 0 && offset + count < stored.matches.length) links.push({ relation: 'next', url: pageUrl(offset + count) });
    if (offset > 0) links.push({ relation: 'previous', url: pageUrl(Math.max(0, offset - count)) });
    return {
      resourceType: 'Bundle',
      id: randomUUID(),
      meta: { lastUpdated: new Date(this.now()).toISOString() },
      type: 'searchset',
      total: stored.matches.length,
      link: links,
      ...(entries.length ? { entry: entries } : {}),
    };
  }

  private subset(resource: FhirResource, elements: string[] | null): FhirResource {
    if (!elements) return resource;
    const keep = new Set(['resourceType', 'id', 'meta', ...elements]);
    const copy = Object.fromEntries(Object.entries(resource).filter(([k]) => keep.has(k))) as FhirResource;
    copy.meta = {
      ...(resource.meta as object),
      tag: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' }],
    };
    return copy;
  }
}
