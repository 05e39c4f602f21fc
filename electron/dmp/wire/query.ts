/**
 * ITI-18 Registry Stored Query (TD3.1): request builders and a **streaming**
 * reader of XDS answers (saxes, no DOM: 2,000 entries ≈ 15 MB).
 *
 * {@link readXdsResponse} reads any XDS answer body in one pass —
 * `query:AdhocQueryResponse` (ITI-18), `rs:RegistryResponse` (ITI-41/57),
 * `xdsb:RetrieveDocumentSetResponse` (ITI-43) — and a SOAP 1.2 `Fault`:
 * LeafClass objects (DocumentEntries, SubmissionSets, Associations,
 * ObjectRefs), the response status, the `rs:RegistryErrorList` split into
 * errors and warnings, and ITI-43 DocumentResponses. {@link registryError}
 * turns errors into one French `CabinetError` with `details.codes`.
 *
 * Element names are matched by local name (prefixes vary between stacks);
 * the envelope must be a SOAP 1.2 `Envelope`. DTDs are refused; the caller
 * bounds the size (the time of a synchronous parse follows the size: about
 * 0.1 s for 15 MB on the build machine).
 */
import { CabinetError, type ErrorCode } from '../../../shared/contract/outcome.js';
import { TYPE_CODES, isTypeCode } from '../../../shared/domain/cda/value-sets.js';
import { INS_VALUE_PATTERN } from '../../../shared/domain/ins/matricule.js';
import type { Coded, DmpAvailability, DmpDocumentEntry, DmpFindFilter, DmpIns, DmpSubmissionSet } from '../client/api.js';
import { readXml } from '../../platform/xml/bounded.js';
import { visibilityFromCodes } from './metadata.js';
import {
  ASSOCIATION,
  ERROR_SEVERITY,
  EXTERNAL_ID,
  NS,
  SCHEME,
  STATUS,
  STORED_QUERY,
  parseXdsTime,
  xdsTime,
  xmlEscape,
  type StoredQueryName,
} from './soap.js';

/** Maximum entry UUIDs in one GetDocuments / GetDocumentsAndAssociations / GetAssociations. */
export const MAX_UUIDS_PER_QUERY = 20;
/** Maximum objects read from one answer. */
export const MAX_OBJECTS = 20_000;

// ---------------------------------------------------------------------------
// Requests

type QueryValue = string | string[] | { raw: string };

const quote = (v: string): string => `'${v.replace(/'/g, "''")}'`;

function slotValue(value: QueryValue): string {
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return `(${value.map(quote).join(',')})`;
  return value.raw;
}

/** `query:AdhocQueryRequest` for a stored query, LeafClass. */
export function buildAdhocQuery(name: StoredQueryName, params: [string, QueryValue][]): string {
  const slots = params
    .map(
      ([n, v]) =>
        `<rim:Slot name="${xmlEscape(n)}"><rim:ValueList><rim:Value>${xmlEscape(slotValue(v))}</rim:Value></rim:ValueList></rim:Slot>`,
    )
    .join('');
  return (
    `<query:AdhocQueryRequest xmlns:query="${NS.query}" xmlns:rim="${NS.rim}">` +
    '<query:ResponseOption returnComposedObjects="true" returnType="LeafClass"/>' +
    `<rim:AdhocQuery id="${STORED_QUERY[name]}">${slots}</rim:AdhocQuery>` +
    '</query:AdhocQueryRequest>'
  );
}

function refuse(message: string): never {
  throw new CabinetError('INVALID_REQUEST', message);
}

/** CX of the patient, as stored queries expect it. */
export function queryPatientId(ins: DmpIns): string {
  if (!INS_VALUE_PATTERN.test(ins.value) || !/^[0-2](\.\d+)+$/.test(ins.oid)) refuse('INS invalide pour la recherche DMP.');
  return `${ins.value}^^^&${ins.oid}&ISO^NH`;
}

const statuses = (list: DmpAvailability[] | undefined): string[] =>
  (list && list.length > 0 ? list : (['Approved'] as DmpAvailability[])).map((s) => STATUS[s]);

function checkDate(d: Date | undefined, what: string): void {
  if (d !== undefined && Number.isNaN(d.getTime())) refuse(`La date « ${what} » est invalide.`);
}

/** FindDocuments with the DMP filters (status, typeCode, creation and service time, author). */
export function buildFindDocuments(ins: DmpIns, filter: DmpFindFilter = {}): string {
  const params: [string, QueryValue][] = [
    ['$XDSDocumentEntryPatientId', queryPatientId(ins)],
    ['$XDSDocumentEntryStatus', statuses(filter.status)],
  ];
  if (filter.typeCodes && filter.typeCodes.length > 0) {
    if (filter.typeCodes.length > 50) refuse('Trop de types de document dans le filtre (50 au plus).');
    params.push([
      '$XDSDocumentEntryTypeCode',
      filter.typeCodes.map((c) => {
        if (!isTypeCode(c)) refuse(`Type de document « ${c.slice(0, 40)} » inconnu.`);
        return `${c}^^${TYPE_CODES[c].codeSystem}`;
      }),
    ]);
  }
  const dates: [Date | undefined, string, string][] = [
    [filter.creationFrom, '$XDSDocumentEntryCreationTimeFrom', 'créé depuis'],
    [filter.creationTo, '$XDSDocumentEntryCreationTimeTo', 'créé avant'],
    [filter.serviceFrom, '$XDSDocumentEntryServiceStartTimeFrom', 'acte depuis'],
    [filter.serviceTo, '$XDSDocumentEntryServiceStartTimeTo', 'acte avant'],
  ];
  for (const [d, name, what] of dates) {
    checkDate(d, what);
    if (d) params.push([name, { raw: xdsTime(d) }]);
  }
  if (filter.authorIdNat !== undefined) {
    if (!/^\d{1,20}$/.test(filter.authorIdNat) && !/^[0-9A-Za-z]{1,20}$/.test(filter.authorIdNat))
      refuse('Identifiant national de l’auteur invalide.');
    params.push(['$XDSDocumentEntryAuthorPerson', [`${filter.authorIdNat}^%`]]);
  }
  return buildAdhocQuery('FindDocuments', params);
}

/** FindSubmissionSets submitted since a date (incremental refresh). */
export function buildFindSubmissionSets(ins: DmpIns, since: Date): string {
  checkDate(since, 'depuis');
  return buildAdhocQuery('FindSubmissionSets', [
    ['$XDSSubmissionSetPatientId', queryPatientId(ins)],
    ['$XDSSubmissionSetSubmissionTimeFrom', { raw: xdsTime(since) }],
    ['$XDSSubmissionSetStatus', [STATUS.Approved]],
  ]);
}

function checkUuids(uuids: string[]): void {
  if (uuids.length === 0) refuse('Aucun identifiant de document.');
  if (uuids.length > MAX_UUIDS_PER_QUERY) refuse(`Au plus ${MAX_UUIDS_PER_QUERY} identifiants par requête DMP.`);
  for (const u of uuids) if (!/^urn:uuid:[0-9a-fA-F-]{36}$/.test(u)) refuse(`Identifiant de document « ${u.slice(0, 60)} » invalide.`);
}

export function buildGetDocuments(uuids: string[]): string {
  checkUuids(uuids);
  return buildAdhocQuery('GetDocuments', [['$XDSDocumentEntryEntryUUID', uuids]]);
}

export function buildGetAssociations(uuids: string[]): string {
  checkUuids(uuids);
  return buildAdhocQuery('GetAssociations', [['$uuid', uuids]]);
}

export function buildGetDocumentsAndAssociations(uuids: string[]): string {
  checkUuids(uuids);
  return buildAdhocQuery('GetDocumentsAndAssociations', [['$XDSDocumentEntryEntryUUID', uuids]]);
}

// ---------------------------------------------------------------------------
// Responses

export interface XdsAssociation {
  id: string;
  type: string;
  source: string;
  target: string;
}

export interface RegistryErrorItem {
  code: string;
  context: string;
  severity: 'error' | 'warning';
  location: string | null;
}

export interface XdsDocumentResponse {
  repositoryUniqueId: string;
  documentUniqueId: string;
  mimeType: string;
  /** Content-ID of the `xop:Include`, when the document is an MTOM part. */
  contentId: string | null;
  /** The document inline in base64 (non-MTOM answer). */
  inline: Buffer | null;
}

export interface XdsResponse {
  /** `Success`, `Failure`, `PartialSuccess`, or null when absent. */
  status: 'Success' | 'Failure' | 'PartialSuccess' | null;
  errors: RegistryErrorItem[];
  warnings: RegistryErrorItem[];
  documents: DmpDocumentEntry[];
  submissionSets: DmpSubmissionSet[];
  associations: XdsAssociation[];
  objectRefs: string[];
  documentResponses: XdsDocumentResponse[];
  /** The body's first element (local name): AdhocQueryResponse, RegistryResponse… */
  bodyElement: string | null;
}

interface RawClassification {
  scheme: string;
  node: string;
  codingScheme: string;
  display: string;
  slots: Map<string, string[]>;
}

interface RawObject {
  kind: 'doc' | 'ss';
  id: string;
  lid: string | null;
  status: string;
  mimeType: string;
  slots: Map<string, string[]>;
  name: string;
  version: string | null;
  classifications: RawClassification[];
  externalIds: Map<string, string>;
}

/** The names the reader acts on, as literals: comparing with them is then a pointer comparison. */
const KNOWN_NAMES = new Map(
  [
    'Envelope',
    'Header',
    'Body',
    'Fault',
    'Value',
    'Text',
    'ExtrinsicObject',
    'RegistryPackage',
    'Association',
    'ObjectRef',
    'Classification',
    'ExternalIdentifier',
    'Slot',
    'Name',
    'LocalizedString',
    'VersionInfo',
    'RegistryError',
    'DocumentResponse',
    'RepositoryUniqueId',
    'DocumentUniqueId',
    'mimeType',
    'Document',
    'Include',
    'ValueList',
    'RegistryObjectList',
  ].map((n) => [n, n]),
);
/** Local names by qualified name: a few dozen distinct names, looked up once each per tag. */
const localNames = new Map<string, string>();
const local = (name: string): string => {
  let l = localNames.get(name);
  if (l === undefined) {
    const i = name.indexOf(':');
    l = i < 0 ? name : name.slice(i + 1);
    l = KNOWN_NAMES.get(l) ?? l;
    if (localNames.size < 512) localNames.set(name, l);
  }
  return l;
};

function responseStatus(value: string): XdsResponse['status'] {
  return value.endsWith(':Success')
    ? 'Success'
    : value.endsWith(':PartialSuccess')
      ? 'PartialSuccess'
      : value.endsWith(':Failure')
        ? 'Failure'
        : null;
}

function unreadable(message: string): CabinetError {
  return new CabinetError('UNAVAILABLE', `Réponse du DMP illisible : ${message}`);
}

function availability(status: string): DmpAvailability {
  if (status.endsWith(':Approved')) return 'Approved';
  if (status.endsWith(':Deprecated')) return 'Deprecated';
  if (status.endsWith(':Archived')) return 'Archived';
  if (status.endsWith(':Deleted')) return 'Deleted';
  throw unreadable(`statut de document « ${status.slice(0, 80)} » inconnu.`);
}

const codedOf = (c: RawClassification | undefined): Coded | null =>
  c ? { code: c.node, scheme: c.codingScheme, display: c.display } : null;

/** `idNat^FAMILY^Given^…` → name and idNat. */
function xcn(value: string): { name: string; idNat: string | null } {
  const parts = value.split('^');
  const name = [parts[2], parts[1]].filter((p) => p && p.trim() !== '').join(' ');
  return { name: name || value, idNat: parts[0] ? parts[0] : null };
}

function toEntry(o: RawObject): DmpDocumentEntry {
  const byScheme = (s: string) => o.classifications.filter((c) => c.scheme === s);
  const first = (n: string): string | null => o.slots.get(n)?.[0] ?? null;
  const time = (n: string): string | null => {
    const v = first(n);
    return v ? parseXdsTime(v) : null;
  };
  const status = availability(o.status);
  const type = codedOf(byScheme(SCHEME.docTypeCode)[0]);
  const uniqueId = o.externalIds.get(EXTERNAL_ID.docUniqueId);
  if (!uniqueId) throw unreadable(`document ${o.id.slice(0, 60)} sans uniqueId.`);
  const confidentiality = byScheme(SCHEME.docConfidentialityCode).map((c) => ({
    code: c.node,
    scheme: c.codingScheme,
    display: c.display,
  }));
  const sizeText = first('size');
  return {
    entryUuid: o.id,
    uniqueId,
    repositoryUniqueId: first('repositoryUniqueId') ?? '',
    status,
    title: o.name,
    type: type ?? { code: '', scheme: '', display: '' },
    class: codedOf(byScheme(SCHEME.docClassCode)[0]),
    format: codedOf(byScheme(SCHEME.docFormatCode)[0]),
    confidentiality,
    visibility: visibilityFromCodes(confidentiality.map((c) => ({ code: c.code, codeSystem: c.scheme }))),
    mimeType: o.mimeType,
    creationTime: time('creationTime'),
    serviceStart: time('serviceStartTime'),
    serviceStop: time('serviceStopTime'),
    submissionTime: null,
    authors: byScheme(SCHEME.docAuthor).map((a) => {
      const person = xcn(a.slots.get('authorPerson')?.[0] ?? '');
      const specialty = a.slots.get('authorSpecialty')?.[0]?.split('^')[0] ?? null;
      const institution = a.slots.get('authorInstitution')?.[0]?.split('^')[0] ?? null;
      return { name: person.name, idNat: person.idNat, specialty: specialty || null, institution: institution || null };
    }),
    size: sizeText && /^\d+$/.test(sizeText) ? Number(sizeText) : null,
    hash: first('hash'),
    logicalId: o.lid,
    version: o.version,
    replaces: null,
  };
}

function toSubmissionSet(o: RawObject): DmpSubmissionSet {
  const t = o.slots.get('submissionTime')?.[0];
  return {
    entryUuid: o.id,
    uniqueId: o.externalIds.get(EXTERNAL_ID.ssUniqueId) ?? '',
    submissionTime: t ? parseXdsTime(t) : null,
    documentUuids: [],
  };
}

/**
 * Reads an XDS answer envelope in one streaming pass. Throws a French
 * `CabinetError` for a SOAP fault or an unreadable answer; registry errors are
 * returned (see {@link registryError}).
 */
export interface ReadXdsOptions {
  maxObjects?: number;
  /**
   * Streaming: called with the DocumentEntries as they close, by `chunkSize`
   * (default {@link STREAM_CHUNK_ENTRIES}), while the parse goes on (the caller
   * can hand them to another thread). Entries later completed by an
   * association (submissionTime, replaces) are given again, completed, in a
   * last call: a consumer that upserts by entryUUID ends with exactly
   * `documents`. When the function throws (fault, malformed XML, too many
   * objects), chunks may already have been given: the caller must treat them
   * as unconfirmed until it returns.
   */
  onDocuments?: (chunk: DmpDocumentEntry[]) => void;
  chunkSize?: number;
  /** Size limit (bytes, default {@link MAX_XDS_RESPONSE_BYTES}). */
  maxBytes?: number;
  /** Time budget of the read (default {@link XDS_READ_BUDGET_MS}), checked while reading. */
  deadlineMs?: number;
}

/** Largest XDS answer read (ITI-43 answers with inline documents may reach 64 MB). */
export const MAX_XDS_RESPONSE_BYTES = 64 * 1024 * 1024;
/** ebRIM nests ~10 levels (Envelope/Body/…/Classification/Slot/ValueList/Value). */
export const MAX_XDS_DEPTH = 64;
/** Time budget of one read: a 64 MB answer reads in ~1.5 s here; the budget holds at the size limit. */
export const XDS_READ_BUDGET_MS = 20_000;

/** Entries per streamed chunk (see {@link ReadXdsOptions.onDocuments}). */
export const STREAM_CHUNK_ENTRIES = 100;

export function readXdsResponse(envelope: string, limits: ReadXdsOptions = {}): XdsResponse {
  const maxObjects = limits.maxObjects ?? MAX_OBJECTS;
  const onDocuments = limits.onDocuments;
  const chunkSize = Math.max(1, limits.chunkSize ?? STREAM_CHUNK_ENTRIES);
  let pendingChunk: DmpDocumentEntry[] = [];
  const res: XdsResponse = {
    status: null,
    errors: [],
    warnings: [],
    documents: [],
    submissionSets: [],
    associations: [],
    objectRefs: [],
    documentResponses: [],
    bodyElement: null,
  };
  const docs = new Map<string, DmpDocumentEntry>();
  const sets = new Map<string, DmpSubmissionSet>();
  let depth = 0;
  let bodyDepth = -1;
  let inHeader = false;
  let obj: RawObject | null = null;
  let cls: RawClassification | null = null;
  let slotName: string | null = null;
  let slotValues: string[] | null = null;
  let inValue = false;
  let text = '';
  let nameTarget: 'obj' | 'cls' | null = null;
  let inExternalId = false;
  // fault
  let inFault = false;
  const fault = { codes: [] as string[], reason: '' };
  let faultText: 'code' | 'reason' | null = null;
  // ITI-43
  let docResp: Partial<XdsDocumentResponse> | null = null;
  let docRespField: string | null = null;
  let objects = 0;

  // Local names of the open elements: closetag pops instead of looking the name up again.
  const names: string[] = [];
  const opentag = (tag: { name: string; attributes: Record<string, string> }) => {
    depth++;
    const name = local(tag.name);
    names.push(name);
    const a = tag.attributes as Record<string, string>;
    if (depth === 1) {
      if (name !== 'Envelope') throw unreadable('ce n’est pas une enveloppe SOAP.');
      if (a[tag.name.includes(':') ? `xmlns:${tag.name.slice(0, tag.name.indexOf(':'))}` : 'xmlns'] !== NS.soap)
        throw unreadable('enveloppe qui n’est pas SOAP 1.2.');
      return;
    }
    if (depth === 2) {
      if (name === 'Body') bodyDepth = 2;
      else if (name === 'Header') inHeader = true;
      return;
    }
    if (inHeader || bodyDepth < 0) return;
    if (depth === 3) {
      res.bodyElement = name;
      if (name === 'Fault') inFault = true;
      if (a.status) res.status = responseStatus(a.status);
    } else if (depth === 4 && res.bodyElement === 'RetrieveDocumentSetResponse' && name === 'RegistryResponse' && a.status) {
      // ITI-43 carries its status on the nested rs:RegistryResponse.
      res.status = responseStatus(a.status);
    }
    if (inFault) {
      if (name === 'Value') faultText = 'code';
      else if (name === 'Text') faultText = 'reason';
      text = '';
      return;
    }
    switch (name) {
      case 'ExtrinsicObject':
      case 'RegistryPackage':
        if (++objects > maxObjects) throw unreadable(`plus de ${maxObjects} objets.`);
        obj = {
          kind: name === 'ExtrinsicObject' ? 'doc' : 'ss',
          id: a.id ?? '',
          lid: a.lid ?? null,
          status: a.status ?? STATUS.Approved,
          mimeType: a.mimeType ?? '',
          slots: new Map(),
          name: '',
          version: null,
          classifications: [],
          externalIds: new Map(),
        };
        break;
      case 'Association':
        if (++objects > maxObjects) throw unreadable(`plus de ${maxObjects} objets.`);
        res.associations.push({
          id: a.id ?? '',
          type: a.associationType ?? '',
          source: a.sourceObject ?? '',
          target: a.targetObject ?? '',
        });
        break;
      case 'ObjectRef':
        if (++objects > maxObjects) throw unreadable(`plus de ${maxObjects} objets.`);
        if (a.id) res.objectRefs.push(a.id);
        break;
      case 'Classification':
        if (obj)
          cls = {
            scheme: a.classificationScheme ?? a.classificationNode ?? '',
            node: a.nodeRepresentation ?? '',
            codingScheme: '',
            display: '',
            slots: new Map(),
          };
        break;
      case 'ExternalIdentifier':
        inExternalId = true;
        if (obj && a.identificationScheme) obj.externalIds.set(a.identificationScheme, a.value ?? '');
        break;
      case 'Slot':
        slotName = a.name ?? '';
        slotValues = [];
        break;
      case 'Value':
        if (slotValues) {
          inValue = true;
          text = '';
        }
        break;
      case 'Name':
        nameTarget = cls ? 'cls' : obj && !inExternalId ? 'obj' : null;
        break;
      case 'LocalizedString':
        if (nameTarget === 'cls' && cls) cls.display = a.value ?? '';
        else if (nameTarget === 'obj' && obj) obj.name = a.value ?? '';
        break;
      case 'VersionInfo':
        if (obj && !cls) obj.version = a.versionName ?? null;
        break;
      case 'RegistryError': {
        if (++objects > maxObjects) throw unreadable(`plus de ${maxObjects} objets.`);
        const item: RegistryErrorItem = {
          code: a.errorCode ?? '',
          context: (a.codeContext ?? '').slice(0, 2000),
          severity: a.severity === ERROR_SEVERITY.warning ? 'warning' : 'error',
          location: a.location ?? null,
        };
        (item.severity === 'warning' ? res.warnings : res.errors).push(item);
        break;
      }
      case 'DocumentResponse':
        docResp = { contentId: null, inline: null, mimeType: 'application/octet-stream', repositoryUniqueId: '', documentUniqueId: '' };
        break;
      case 'RepositoryUniqueId':
      case 'DocumentUniqueId':
      case 'mimeType':
      case 'Document':
        if (docResp) {
          docRespField = name;
          text = '';
        }
        break;
      case 'Include':
        if (docResp && docRespField === 'Document' && a.href) {
          try {
            docResp.contentId = decodeURIComponent(a.href.replace(/^cid:/i, ''));
          } catch {
            throw unreadable('référence xop:Include mal encodée.');
          }
        }
        break;
    }
  };
  const ontext = (t: string) => {
    if (inValue || faultText || docRespField) text += t;
  };
  const closetag = () => {
    const name = names.pop()!;
    depth--;
    if (depth === 1 && name === 'Header') inHeader = false;
    if (inFault) {
      if (faultText === 'code' && name === 'Value') fault.codes.push(text.trim());
      if (faultText === 'reason' && name === 'Text' && !fault.reason) fault.reason = text.trim();
      faultText = null;
      if (depth === 2) inFault = false;
      return;
    }
    switch (name) {
      case 'Value':
        if (inValue && slotValues) slotValues.push(text);
        inValue = false;
        break;
      case 'Slot':
        if (slotName !== null && slotValues) {
          if (cls) {
            if (slotName === 'codingScheme') cls.codingScheme = slotValues[0] ?? '';
            else cls.slots.set(slotName, slotValues);
          } else if (obj) obj.slots.set(slotName, slotValues);
        }
        slotName = null;
        slotValues = null;
        break;
      case 'Name':
        nameTarget = null;
        break;
      case 'ExternalIdentifier':
        inExternalId = false;
        break;
      case 'Classification':
        if (cls && obj) obj.classifications.push(cls);
        cls = null;
        break;
      case 'ExtrinsicObject':
      case 'RegistryPackage':
        // Converted at once: the raw object (maps, classifications) dies young.
        if (obj) {
          if (obj.kind === 'doc') {
            const entry = toEntry(obj);
            docs.set(obj.id, entry);
            if (onDocuments) {
              pendingChunk.push(entry);
              if (pendingChunk.length >= chunkSize) {
                onDocuments(pendingChunk);
                pendingChunk = [];
              }
            }
          } else sets.set(obj.id, toSubmissionSet(obj));
        }
        obj = null;
        break;
      case 'RepositoryUniqueId':
      case 'DocumentUniqueId':
      case 'mimeType':
      case 'Document':
        if (docResp && docRespField === name) {
          const v = text.trim();
          if (name === 'RepositoryUniqueId') docResp.repositoryUniqueId = v;
          else if (name === 'DocumentUniqueId') docResp.documentUniqueId = v;
          else if (name === 'mimeType') docResp.mimeType = v;
          else if (!docResp.contentId && v) docResp.inline = Buffer.from(v, 'base64');
          docRespField = null;
        }
        break;
      case 'DocumentResponse':
        if (docResp) res.documentResponses.push(docResp as XdsDocumentResponse);
        docResp = null;
        break;
    }
  };
  readXml(
    envelope,
    {
      label: 'Réponse du DMP',
      maxBytes: limits.maxBytes ?? MAX_XDS_RESPONSE_BYTES,
      maxDepth: MAX_XDS_DEPTH,
      deadlineMs: limits.deadlineMs ?? XDS_READ_BUDGET_MS,
      refuse: (message, reason) => new CabinetError('UNAVAILABLE', `Réponse du DMP illisible : ${message}.`, { reason }),
    },
    { opentag, text: ontext, closetag },
    { xmlns: false },
  );
  if (bodyDepth < 0) throw unreadable('corps SOAP absent.');
  if (fault.codes.length > 0 || res.bodyElement === 'Fault') {
    const reason = fault.reason || 'aucun motif fourni';
    const receiver = fault.codes[0]?.endsWith(':Receiver') ?? false;
    throw new CabinetError(receiver ? 'UNAVAILABLE' : 'INVALID_REQUEST', `Le DMP a renvoyé une erreur SOAP : ${reason}`, {
      codes: fault.codes,
      reason,
    });
  }
  if (onDocuments && pendingChunk.length) onDocuments(pendingChunk);
  // Entries joined through associations.
  const completed = new Set<DmpDocumentEntry>();
  for (const as of res.associations) {
    if (as.type === ASSOCIATION.hasMember) {
      const ss = sets.get(as.source);
      if (ss) {
        ss.documentUuids.push(as.target);
        const d = docs.get(as.target);
        if (d && !d.submissionTime && ss.submissionTime) {
          d.submissionTime = ss.submissionTime;
          completed.add(d);
        }
      }
    } else if (as.type === ASSOCIATION.replace) {
      const d = docs.get(as.source);
      if (d) {
        d.replaces = as.target;
        completed.add(d);
      }
    }
  }
  if (onDocuments && completed.size) onDocuments([...completed]);
  res.documents = [...docs.values()];
  res.submissionSets = [...sets.values()];
  return res;
}

/** What the IHE / DMP codes mean, in French. */
const ERROR_MESSAGES: Record<string, { code: ErrorCode; message: string; transient?: boolean }> = {
  XDSDuplicateUniqueIdInRegistry: { code: 'CONFLICT', message: 'Un document portant le même identifiant existe déjà dans le DMP.' },
  XDSPatientIdDoesNotMatch: { code: 'INVALID_REQUEST', message: 'Le patient du document ne correspond pas à celui de la soumission.' },
  XDSUnknownPatientId: { code: 'NOT_FOUND', message: 'Ce patient n’est pas connu du DMP.' },
  XDSRegistryMetadataError: { code: 'INVALID_REQUEST', message: 'Les métadonnées du document ont été refusées par le DMP.' },
  XDSRepositoryMetadataError: { code: 'INVALID_REQUEST', message: 'Les métadonnées du document ont été refusées par l’entrepôt du DMP.' },
  XDSDocumentUniqueIdError: { code: 'INVALID_REQUEST', message: 'L’identifiant du document est refusé par le DMP.' },
  XDSMissingDocument: { code: 'NOT_FOUND', message: 'Le document demandé est introuvable dans le DMP.' },
  XDSMissingDocumentMetadata: { code: 'INVALID_REQUEST', message: 'Il manque les métadonnées d’un document.' },
  XDSNonIdenticalHash: { code: 'INVALID_REQUEST', message: 'L’empreinte du document ne correspond pas à son contenu.' },
  XDSNonIdenticalSize: { code: 'INVALID_REQUEST', message: 'La taille du document ne correspond pas à son contenu.' },
  XDSUnknownRepositoryId: { code: 'NOT_FOUND', message: 'L’entrepôt de documents indiqué est inconnu du DMP.' },
  XDSTooManyResults: { code: 'CONFLICT', message: 'La recherche renvoie trop de documents : précisez les critères.' },
  XDSStoredQueryParamNumber: { code: 'INVALID_REQUEST', message: 'La recherche DMP est mal formée (paramètres).' },
  XDSStoredQueryMissingParam: { code: 'INVALID_REQUEST', message: 'La recherche DMP est incomplète (paramètre manquant).' },
  XDSUnknownStoredQuery: { code: 'INVALID_REQUEST', message: 'Ce type de recherche n’est pas connu du DMP.' },
  XDSMetadataUpdateError: { code: 'CONFLICT', message: 'La mise à jour du document a été refusée par le DMP.' },
  XDSMetadataVersionError: { code: 'CONFLICT', message: 'Le document a été modifié entre-temps : actualisez puis recommencez.' },
  UnresolvedReferenceException: { code: 'NOT_FOUND', message: 'Le document visé n’existe pas (ou plus) dans le DMP.' },
  XDSRegistryBusy: { code: 'UNAVAILABLE', message: 'Le DMP est momentanément surchargé.', transient: true },
  XDSRepositoryBusy: { code: 'UNAVAILABLE', message: 'Le DMP est momentanément surchargé.', transient: true },
  XDSRegistryOutOfResources: { code: 'UNAVAILABLE', message: 'Le DMP est momentanément indisponible.', transient: true },
  XDSRepositoryOutOfResources: { code: 'UNAVAILABLE', message: 'Le DMP est momentanément indisponible.', transient: true },
  XDSRegistryError: { code: 'UNAVAILABLE', message: 'Le DMP a rencontré une erreur interne.', transient: true },
  XDSRepositoryError: { code: 'UNAVAILABLE', message: 'L’entrepôt du DMP a rencontré une erreur interne.', transient: true },
};

/**
 * The registry errors of an answer as one French `CabinetError`
 * (`details.codes`, `details.errors`, `details.transient`), or null when the
 * answer holds no error (warnings alone are not an error).
 */
export function registryError(res: XdsResponse): CabinetError | null {
  if (res.errors.length === 0 && res.status !== 'Failure') return null;
  const first = res.errors[0];
  const known = first ? ERROR_MESSAGES[first.code] : undefined;
  const base =
    known?.message ?? (first ? `Le DMP a refusé la demande (code ${first.code}).` : 'Le DMP a refusé la demande sans préciser de motif.');
  const context = first?.context ? ` Motif indiqué par le DMP : « ${first.context.slice(0, 300)} ».` : '';
  const transient = res.errors.length > 0 && res.errors.every((e) => ERROR_MESSAGES[e.code]?.transient === true);
  return new CabinetError(known?.code ?? 'INVALID_REQUEST', `${base}${context}`, {
    codes: res.errors.map((e) => e.code),
    errors: res.errors,
    warnings: res.warnings,
    transient,
  });
}
