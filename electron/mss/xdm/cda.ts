/**
 * The CDA R2 header, read from untrusted bytes (bounded, no DTD: see
 * ../xml.ts): what the XDS metadata of an XDM needs (notes mss.md §2.1) and
 * the patient's INS (`recordTarget/patientRole/id` with one of the four INS
 * OIDs). The body is not interpreted.
 */
import { CabinetError } from '../../../shared/contract/outcome.js';
import { insOidLabel, isInsOid } from '../../../shared/domain/ins/oids.js';
import { parseIns } from '../../../shared/domain/ins/matricule.js';
import { attr, child, children, parseXml, path, type XmlElement, type XmlLimits } from '../xml.js';

export const HL7_V3_NS = 'urn:hl7-org:v3';
/** RPPS / ADELI national identifier of a health professional (idNat_PS). */
export const IDNPS_OID = '1.2.250.1.71.4.2.1';
/** National identifier of a structure (idNat_Struct). */
export const IDNST_OID = '1.2.250.1.71.4.2.2';

export interface Coded {
  code: string;
  codeSystem?: string;
  displayName?: string;
}

export interface CdaPerson {
  /** `id/@extension` (idNat_PS for a professional). */
  id?: string;
  idRoot?: string;
  nom?: string;
  prenom?: string;
  organisation?: { id?: string; idRoot?: string; nom?: string };
}

export interface PatientIns {
  /** 15 characters: matricule + key, as carried. */
  valeur: string;
  oid: string;
  oidLabel: string;
  /** Whether the key is right (shared/domain/ins `parseIns`). */
  cleValide: boolean;
}

export interface CdaPatient {
  ins?: PatientIns;
  ids: { root: string; extension?: string }[];
  /** Birth name (`family qualifier="BR"`, else the first family). */
  nomNaissance?: string;
  nomUtilise?: string;
  prenoms?: string;
  sexe?: string;
  /** YYYYMMDD as written. */
  dateNaissance?: string;
}

export interface CdaHeader {
  id: { root: string; extension?: string };
  /** XDS uniqueId: `root^extension`, or `root` alone. */
  uniqueId: string;
  code: Coded;
  title?: string;
  effectiveTime?: string;
  confidentiality?: Coded;
  languageCode?: string;
  templateIds: string[];
  patient: CdaPatient;
  author?: CdaPerson;
  legalAuthenticator?: CdaPerson;
  serviceStart?: string;
  serviceStop?: string;
  healthcareFacilityType?: Coded;
  practiceSetting?: Coded;
  /** `component/nonXMLBody` (a level-1 CDA, usually an embedded PDF). */
  nonXmlBody: boolean;
}

const refused = (reason: string) => new CabinetError('INVALID_REQUEST', `Document CDA refusé : ${reason}.`, { reason: 'cda' });

function coded(element: XmlElement | undefined): Coded | undefined {
  const code = attr(element, 'code');
  if (!code) return undefined;
  const out: Coded = { code };
  const system = attr(element, 'codeSystem');
  const display = attr(element, 'displayName');
  if (system) out.codeSystem = system;
  if (display) out.displayName = display;
  return out;
}

const textOf = (e: XmlElement | undefined) => e?.text.replace(/\s+/g, ' ').trim() || undefined;

function person(entity: XmlElement | undefined, personLocal: string, orgLocal: string): CdaPerson | undefined {
  if (!entity) return undefined;
  const out: CdaPerson = {};
  const id = child(entity, 'id');
  if (attr(id, 'extension')) out.id = attr(id, 'extension');
  if (attr(id, 'root')) out.idRoot = attr(id, 'root');
  const name = path(entity, personLocal, 'name');
  const nom = textOf(child(name, 'family'));
  const prenom = textOf(child(name, 'given'));
  if (nom) out.nom = nom;
  if (prenom) out.prenom = prenom;
  const org = child(entity, orgLocal);
  if (org) {
    const orgId = child(org, 'id');
    out.organisation = {};
    if (attr(orgId, 'extension')) out.organisation.id = attr(orgId, 'extension');
    if (attr(orgId, 'root')) out.organisation.idRoot = attr(orgId, 'root');
    const orgName = textOf(child(org, 'name'));
    if (orgName) out.organisation.nom = orgName;
  }
  return out;
}

/** Reads `value` as an INS carried with `oid`; null when the OID is not an INS OID. */
export function insFrom(value: string, oid: string): PatientIns | null {
  if (!isInsOid(oid)) return null;
  return { valeur: value, oid, oidLabel: insOidLabel(oid), cleValide: parseIns(value).ok };
}

export function readCdaHeader(bytes: Uint8Array | string, limits: Partial<XmlLimits> = {}): CdaHeader {
  const { root, prefixesNonDeclares } = parseXml(bytes, 'Document CDA', limits);
  if (root.local !== 'ClinicalDocument' || (!prefixesNonDeclares && root.uri !== HL7_V3_NS)) {
    throw refused(`l’élément racine doit être ClinicalDocument dans l’espace de noms ${HL7_V3_NS}`);
  }
  const idEl = child(root, 'id');
  const idRoot = attr(idEl, 'root');
  if (!idRoot) throw refused('identifiant du document (id/@root) absent');
  const idExt = attr(idEl, 'extension');
  const code = coded(child(root, 'code'));
  if (!code) throw refused('type de document (code/@code) absent');
  const patientRole = path(root, 'recordTarget', 'patientRole');
  if (!patientRole) throw refused('patient (recordTarget/patientRole) absent');

  const patient: CdaPatient = { ids: [] };
  for (const id of children(patientRole, 'id')) {
    const r = attr(id, 'root');
    if (!r) continue;
    const ext = attr(id, 'extension');
    patient.ids.push(ext ? { root: r, extension: ext } : { root: r });
    if (!patient.ins && ext) {
      const ins = insFrom(ext, r);
      if (ins) patient.ins = ins;
    }
  }
  const p = child(patientRole, 'patient');
  const name = child(p, 'name');
  const families = children(name, 'family');
  const birth = families.find((f) => attr(f, 'qualifier') === 'BR') ?? families[0];
  const used = families.find((f) => attr(f, 'qualifier') === 'SP' || attr(f, 'qualifier') === 'CL');
  if (textOf(birth)) patient.nomNaissance = textOf(birth);
  if (textOf(used)) patient.nomUtilise = textOf(used);
  const given = children(name, 'given')
    .map(textOf)
    .filter((g): g is string => g !== undefined);
  if (given.length > 0) patient.prenoms = given.join(' ');
  const sexe = attr(child(p, 'administrativeGenderCode'), 'code');
  if (sexe) patient.sexe = sexe;
  const birthTime = attr(child(p, 'birthTime'), 'value');
  if (birthTime) patient.dateNaissance = birthTime;

  const header: CdaHeader = {
    id: idExt ? { root: idRoot, extension: idExt } : { root: idRoot },
    uniqueId: idExt ? `${idRoot}^${idExt}` : idRoot,
    code,
    templateIds: children(root, 'templateId')
      .map((t) => attr(t, 'root'))
      .filter((r): r is string => r !== undefined),
    patient,
    nonXmlBody: child(child(root, 'component'), 'nonXMLBody') !== undefined,
  };
  const title = textOf(child(root, 'title'));
  if (title) header.title = title;
  const effective = attr(child(root, 'effectiveTime'), 'value');
  if (effective) header.effectiveTime = effective;
  const conf = coded(child(root, 'confidentialityCode'));
  if (conf) header.confidentiality = conf;
  const lang = attr(child(root, 'languageCode'), 'code');
  if (lang) header.languageCode = lang;
  const author = person(path(root, 'author', 'assignedAuthor'), 'assignedPerson', 'representedOrganization');
  if (author) header.author = author;
  const legal = person(path(root, 'legalAuthenticator', 'assignedEntity'), 'assignedPerson', 'representedOrganization');
  if (legal) header.legalAuthenticator = legal;
  const serviceEvent = path(root, 'documentationOf', 'serviceEvent');
  const start = attr(path(serviceEvent, 'effectiveTime', 'low'), 'value');
  const stop = attr(path(serviceEvent, 'effectiveTime', 'high'), 'value');
  if (start) header.serviceStart = start;
  if (stop) header.serviceStop = stop;
  const practice = coded(path(serviceEvent, 'performer', 'assignedEntity', 'representedOrganization', 'standardIndustryClassCode'));
  if (practice) header.practiceSetting = practice;
  const facility = coded(path(root, 'componentOf', 'encompassingEncounter', 'location', 'healthCareFacility', 'code'));
  if (facility) header.healthcareFacilityType = facility;
  return header;
}

/**
 * A CDA/HL7 TS (`20240116151112+0100`, `20240116`) as an XDS DTM in UTC
 * (`20240116141112`). Without a zone the digits are kept as written.
 * Returns undefined for anything else.
 */
export function toXdsTime(ts: string | undefined): string | undefined {
  if (!ts) return undefined;
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?$/.exec(ts.trim());
  if (!m) return undefined;
  const zone = m[7];
  const digits = ts.trim().replace(/(?:\.\d+)?([+-]\d{4})?$/, '');
  if (!zone || digits.length < 12) return digits;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '00'].map(Number) as [number, number, number, number, number, number];
  const sign = zone.startsWith('-') ? -1 : 1;
  const offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  const utc = new Date(Date.UTC(y, mo - 1, d, h, mi, s) - offset * 60_000);
  return utc.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
