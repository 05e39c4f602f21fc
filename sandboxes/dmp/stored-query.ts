/**
 * ITI-18 Registry Stored Query on the sandbox's registry: FindDocuments (with
 * the DMP's filters), FindSubmissionSets, GetDocuments, GetAssociations,
 * GetDocumentsAndAssociations; `LeafClass` or `ObjectRef`. Parameters are read
 * in the stored-query syntax (`'value'`, `('a','b')`, DTM numbers), unknown or
 * repeated parameters refused (XDSStoredQueryParamNumber), missing required
 * ones too (XDSStoredQueryMissingParam).
 */
import type { Element } from '@xmldom/xmldom';
import { NS, STORED_QUERY, XDS_ERRORS, statusName, type StatusName } from '../../electron/dmp/wire/soap.js';
import {
  associationXml,
  registryPackageXml,
  type DmpRegistry,
  type StoredAssociation,
  type StoredEntry,
  type StoredSubmissionSet,
} from './registry.js';
import { visibleTo } from './rules.js';
import { RegistryFailure } from './submission.js';

export interface QueryRequest {
  name: keyof typeof STORED_QUERY;
  returnType: 'LeafClass' | 'ObjectRef';
  params: Map<string, string[]>;
}

const PARAMS: Partial<Record<keyof typeof STORED_QUERY, { required: string[]; optional: string[]; oneOf?: string[] }>> = {
  FindDocuments: {
    required: ['$XDSDocumentEntryPatientId', '$XDSDocumentEntryStatus'],
    optional: [
      '$XDSDocumentEntryClassCode',
      '$XDSDocumentEntryTypeCode',
      '$XDSDocumentEntryPracticeSettingCode',
      '$XDSDocumentEntryCreationTimeFrom',
      '$XDSDocumentEntryCreationTimeTo',
      '$XDSDocumentEntryServiceStartTimeFrom',
      '$XDSDocumentEntryServiceStartTimeTo',
      '$XDSDocumentEntryServiceStopTimeFrom',
      '$XDSDocumentEntryServiceStopTimeTo',
      '$XDSDocumentEntryHealthcareFacilityTypeCode',
      '$XDSDocumentEntryConfidentialityCode',
      '$XDSDocumentEntryFormatCode',
      '$XDSDocumentEntryAuthorPerson',
      '$XDSDocumentEntryType',
    ],
  },
  FindSubmissionSets: {
    required: ['$XDSSubmissionSetPatientId', '$XDSSubmissionSetStatus'],
    optional: [
      '$XDSSubmissionSetSourceId',
      '$XDSSubmissionSetSubmissionTimeFrom',
      '$XDSSubmissionSetSubmissionTimeTo',
      '$XDSSubmissionSetAuthorPerson',
      '$XDSSubmissionSetContentType',
    ],
  },
  GetDocuments: { required: [], optional: ['$homeCommunityId'], oneOf: ['$XDSDocumentEntryEntryUUID', '$XDSDocumentEntryUniqueId'] },
  GetDocumentsAndAssociations: {
    required: [],
    optional: ['$homeCommunityId'],
    oneOf: ['$XDSDocumentEntryEntryUUID', '$XDSDocumentEntryUniqueId'],
  },
  GetAssociations: { required: ['$uuid'], optional: ['$homeCommunityId'] },
};

function kids(parent: Element, ns: string, name: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === name) out.push(n as Element);
  }
  return out;
}

/** `'a'`, `('a','b')`, `20240101` → values (quotes removed, `''` unescaped). */
export function parseValues(raw: string): string[] {
  let text = raw.trim();
  if (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1);
  const out: string[] = [];
  const re = /\s*(?:'((?:[^']|'')*)'|([^,'\s()][^,'()]*))\s*(?:,|$)/y;
  let match: RegExpExecArray | null;
  while (re.lastIndex < text.length && (match = re.exec(text)))
    out.push(match[1] !== undefined ? match[1].replace(/''/g, "'") : match[2]!.trim());
  if (re.lastIndex < text.length) throw new RegistryFailure(XDS_ERRORS.registry, `Valeur de paramètre illisible : ${raw.slice(0, 80)}`);
  return out;
}

export function readQuery(request: Element): QueryRequest {
  const options = kids(request, NS.rim, 'ResponseOption')[0] ?? kids(request, NS.query, 'ResponseOption')[0];
  const returnType = options?.getAttribute('returnType') ?? 'ObjectRef';
  if (returnType !== 'LeafClass' && returnType !== 'ObjectRef')
    throw new RegistryFailure(XDS_ERRORS.registry, `returnType « ${returnType} » non pris en charge (LeafClass ou ObjectRef).`);
  const adhoc = kids(request, NS.rim, 'AdhocQuery')[0];
  if (!adhoc) throw new RegistryFailure(XDS_ERRORS.registry, 'AdhocQuery absente.');
  const id = adhoc.getAttribute('id') ?? '';
  const name = (Object.keys(STORED_QUERY) as (keyof typeof STORED_QUERY)[]).find((k) => STORED_QUERY[k] === id);
  if (!name || !PARAMS[name])
    throw new RegistryFailure(
      XDS_ERRORS.unknownStoredQuery,
      `Requête enregistrée ${id.slice(0, 60)} inconnue ou non prise en charge par le DMP.`,
    );
  const params = new Map<string, string[]>();
  const spec = PARAMS[name]!;
  const allowed = new Set([...spec.required, ...spec.optional, ...(spec.oneOf ?? [])]);
  for (const s of kids(adhoc, NS.rim, 'Slot')) {
    const slotName = s.getAttribute('name') ?? '';
    if (!allowed.has(slotName))
      throw new RegistryFailure(XDS_ERRORS.storedQueryParamNumber, `Paramètre ${slotName.slice(0, 60)} inconnu pour ${name}.`);
    const list = kids(s, NS.rim, 'ValueList')[0];
    const values = (list ? kids(list, NS.rim, 'Value') : []).flatMap((v) => parseValues(v.textContent ?? ''));
    if (params.has(slotName)) throw new RegistryFailure(XDS_ERRORS.storedQueryParamNumber, `Paramètre ${slotName} présent plusieurs fois.`);
    params.set(slotName, values);
  }
  for (const r of spec.required)
    if (!params.get(r)?.length) throw new RegistryFailure(XDS_ERRORS.storedQueryMissingParam, `Paramètre obligatoire ${r} absent.`);
  if (spec.oneOf && spec.oneOf.filter((p) => params.has(p)).length !== 1)
    throw new RegistryFailure(XDS_ERRORS.storedQueryParamNumber, `Un et un seul de ${spec.oneOf.join(', ')} attendu.`);
  return { name, returnType, params };
}

function statuses(values: string[]): Set<StatusName> {
  const out = new Set<StatusName>();
  for (const v of values) {
    const s = statusName(v);
    if (!s) throw new RegistryFailure(XDS_ERRORS.registry, `Statut ${v.slice(0, 80)} inconnu.`);
    out.add(s);
  }
  return out;
}

/** `code^^scheme` values (one per code, OR) */
function codeFilter(values: string[] | undefined): ((c: { code: string; scheme: string }[]) => boolean) | null {
  if (!values?.length) return null;
  const wanted = values.map((v) => {
    const [code = '', , scheme = ''] = v.split('^');
    return { code, scheme };
  });
  return (codes) => codes.some((c) => wanted.some((w) => w.code === c.code && (!w.scheme || w.scheme === c.scheme)));
}

function dtm(values: string[] | undefined): string | null {
  const v = values?.[0];
  if (v === undefined) return null;
  if (!/^\d{4,14}$/.test(v)) throw new RegistryFailure(XDS_ERRORS.registry, `Date ${v.slice(0, 30)} illisible (AAAAMMJJhhmmss attendu).`);
  return v;
}

/** DTM comparison on the common precision (IHE: "greater than or equal", truncated to the shorter). */
const geq = (value: string | null, bound: string | null) =>
  bound === null || (value !== null && value.padEnd(14, '0') >= bound.padEnd(14, '0'));
const lt = (value: string | null, bound: string | null) =>
  bound === null || (value !== null && value.padEnd(14, '0') < bound.padEnd(14, '0'));

function like(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      .replace(/%/g, '.*')
      .replace(/_/g, '.')}$`,
    'i',
  );
}

export interface QueryContext {
  registry: DmpRegistry;
  practitioner: string;
  /** The VIHF's patient (CX): every result must belong to it. */
  patient: string;
}

export interface QueryResult {
  /** LeafClass/ObjectRef XML of the RegistryObjectList content. */
  xml: string;
  count: number;
}

function documentsXml(ctx: QueryContext, entries: StoredEntry[], returnType: QueryRequest['returnType']): string {
  if (returnType === 'ObjectRef') return entries.map((e) => `<rim:ObjectRef id="${e.entryUuid}"/>`).join('');
  const parts = new Array<string>(entries.length);
  for (let i = 0; i < entries.length; i += 1) parts[i] = ctx.registry.extrinsicObject(entries[i]!);
  return parts.join('');
}

/** The patient id the query names (FindDocuments / FindSubmissionSets), for the authorisation check; null for by-id queries. */
export function queryPatient(query: QueryRequest): string | null {
  return query.params.get('$XDSDocumentEntryPatientId')?.[0] ?? query.params.get('$XDSSubmissionSetPatientId')?.[0] ?? null;
}

export function runQuery(ctx: QueryContext, query: QueryRequest, maxResults = 5000): QueryResult {
  const { registry, practitioner } = ctx;
  const p = (name: string) => query.params.get(name);
  const visible = (e: StoredEntry) => e.patient === ctx.patient && visibleTo(e, practitioner);
  switch (query.name) {
    case 'FindDocuments': {
      const wanted = statuses(p('$XDSDocumentEntryStatus')!);
      const type = codeFilter(p('$XDSDocumentEntryTypeCode'));
      const klass = codeFilter(p('$XDSDocumentEntryClassCode'));
      const practice = codeFilter(p('$XDSDocumentEntryPracticeSettingCode'));
      const facility = codeFilter(p('$XDSDocumentEntryHealthcareFacilityTypeCode'));
      const conf = codeFilter(p('$XDSDocumentEntryConfidentialityCode'));
      const format = codeFilter(p('$XDSDocumentEntryFormatCode'));
      const authors = (p('$XDSDocumentEntryAuthorPerson') ?? []).map(like);
      const [cFrom, cTo] = [dtm(p('$XDSDocumentEntryCreationTimeFrom')), dtm(p('$XDSDocumentEntryCreationTimeTo'))];
      const [sFrom, sTo] = [dtm(p('$XDSDocumentEntryServiceStartTimeFrom')), dtm(p('$XDSDocumentEntryServiceStartTimeTo'))];
      const [eFrom, eTo] = [dtm(p('$XDSDocumentEntryServiceStopTimeFrom')), dtm(p('$XDSDocumentEntryServiceStopTimeTo'))];
      const found = registry
        .patientEntries(ctx.patient)
        .filter(
          (e) =>
            wanted.has(e.status) &&
            visible(e) &&
            (!type || type([e.typeCode])) &&
            (!klass || klass([e.classCode])) &&
            (!practice || practice([e.practiceSettingCode])) &&
            (!facility || facility([e.healthcareFacilityTypeCode])) &&
            (!conf || conf(e.confidentiality)) &&
            (!format || format([e.formatCode])) &&
            (authors.length === 0 || e.authors.some((a) => authors.some((re) => re.test(a.person)))) &&
            geq(e.creationTime, cFrom) &&
            lt(e.creationTime, cTo) &&
            geq(e.serviceStartTime, sFrom) &&
            lt(e.serviceStartTime, sTo) &&
            geq(e.serviceStopTime, eFrom) &&
            lt(e.serviceStopTime, eTo),
        );
      if (found.length > maxResults)
        throw new RegistryFailure(XDS_ERRORS.tooManyResults, `Plus de ${maxResults} documents : précisez la recherche (dates, types).`);
      return { xml: documentsXml(ctx, found, query.returnType), count: found.length };
    }
    case 'FindSubmissionSets': {
      statuses(p('$XDSSubmissionSetStatus')!);
      const [from, to] = [dtm(p('$XDSSubmissionSetSubmissionTimeFrom')), dtm(p('$XDSSubmissionSetSubmissionTimeTo'))];
      const sources = p('$XDSSubmissionSetSourceId');
      const content = codeFilter(p('$XDSSubmissionSetContentType'));
      const authors = (p('$XDSSubmissionSetAuthorPerson') ?? []).map(like);
      const sets: StoredSubmissionSet[] = [];
      for (const s of registry.submissionSets.values()) {
        if (s.patient !== ctx.patient || !geq(s.submissionTime, from) || !lt(s.submissionTime, to)) continue;
        if (sources?.length && !sources.includes(s.sourceId)) continue;
        if (content && !content([s.contentTypeCode])) continue;
        if (authors.length && !s.authors.some((a) => authors.some((re) => re.test(a.person)))) continue;
        sets.push(s);
      }
      if (query.returnType === 'ObjectRef')
        return { xml: sets.map((s) => `<rim:ObjectRef id="${s.entryUuid}"/>`).join(''), count: sets.length };
      return { xml: sets.map(registryPackageXml).join(''), count: sets.length };
    }
    case 'GetDocuments':
    case 'GetDocumentsAndAssociations': {
      const uuids = p('$XDSDocumentEntryEntryUUID');
      const uids = p('$XDSDocumentEntryUniqueId');
      const entries = (uuids ? uuids.map((u) => registry.entries.get(u)) : uids!.map((u) => registry.entryByUniqueId(u))).filter(
        (e): e is StoredEntry => Boolean(e) && visible(e!),
      );
      let xml = documentsXml(ctx, entries, query.returnType);
      let count = entries.length;
      if (query.name === 'GetDocumentsAndAssociations') {
        const assocs = associationsOf(
          ctx,
          entries.map((e) => e.entryUuid),
        );
        xml +=
          query.returnType === 'ObjectRef'
            ? assocs.map((a) => `<rim:ObjectRef id="${a.id}"/>`).join('')
            : assocs.map(associationXml).join('');
        count += assocs.length;
      }
      return { xml, count };
    }
    case 'GetAssociations': {
      const assocs = associationsOf(ctx, p('$uuid')!);
      return {
        xml:
          query.returnType === 'ObjectRef'
            ? assocs.map((a) => `<rim:ObjectRef id="${a.id}"/>`).join('')
            : assocs.map(associationXml).join(''),
        count: assocs.length,
      };
    }
    default:
      throw new RegistryFailure(XDS_ERRORS.unknownStoredQuery, 'Requête enregistrée non prise en charge.');
  }
}

/** Associations touching these objects, when every document end is visible to the caller and of the VIHF's patient. */
function associationsOf(ctx: QueryContext, uuids: string[]): StoredAssociation[] {
  const seen = new Set<string>();
  const out: StoredAssociation[] = [];
  const allowed = (id: string) => {
    const entry = ctx.registry.entries.get(id);
    if (entry) return entry.patient === ctx.patient && visibleTo(entry, ctx.practitioner);
    const set = ctx.registry.submissionSets.get(id);
    return set ? set.patient === ctx.patient : true;
  };
  for (const uuid of uuids) {
    for (const a of ctx.registry.associationsByObject.get(uuid) ?? []) {
      if (seen.has(a.id) || !allowed(a.source) || !allowed(a.target)) continue;
      seen.add(a.id);
      out.push(a);
    }
  }
  return out;
}
