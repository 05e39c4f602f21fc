/**
 * ITI-57 Update Document Set (TD3.3): availability status (TD3.3c delete,
 * TD3.3d archive / unarchive) and a new metadata version for the visibility
 * (TD3.3a masking to practitioners, TD3.3b visibility to the patient and the
 * legal representatives). Notes dmp-cda.md §1.1, §1.6.
 *
 * - Status: a SubmissionSet and an `UpdateAvailabilityStatus` association
 *   from it to the entry, slots `OriginalStatus` / `NewStatus`.
 * - Visibility: a SubmissionSet, a copy of the current ExtrinsicObject (same
 *   `lid`, a new id, every child re-pointed, no status / VersionInfo) whose
 *   DMP visibility codes (TRE_A07) are replaced, and a HasMember association
 *   with `SubmissionSetStatus=Original` and `PreviousVersion`. The copy is made
 *   from the registry's own ExtrinsicObject (from a GetDocuments answer, a few
 *   KB: DOM is fine here), so no metadata is lost or re-derived.
 */
import { randomUUID } from 'node:crypto';
import { DOMParser, XMLSerializer, type Element } from '@xmldom/xmldom';
import { CabinetError } from '../../../shared/contract/outcome.js';
import type { DmpVisibility } from '../client/api.js';
import { buildSubmissionSet, confidentialityCodes, newUuidOid, type CdaHeader } from './metadata.js';
import { ASSOCIATION, DMP_CODES, NS, SCHEME, STATUS, urnUuid, xmlEscape, type StatusName } from './soap.js';
import { precheckXml } from '../../platform/xml/bounded.js';

export interface UpdateContext {
  /** Patient CX (`INS^^^&OID&ISO^NH`). */
  patientCx: string;
  /** The practitioner making the change (SubmissionSet author). */
  author: CdaHeader['author'];
  sourceId: string;
  now?: Date;
}

const slot = (name: string, value: string) =>
  `<rim:Slot name="${name}"><rim:ValueList><rim:Value>${xmlEscape(value)}</rim:Value></rim:ValueList></rim:Slot>`;

function wrap(objects: string): string {
  return `<lcm:SubmitObjectsRequest xmlns:lcm="${NS.lcm}" xmlns:rim="${NS.rim}"><rim:RegistryObjectList>${objects}</rim:RegistryObjectList></lcm:SubmitObjectsRequest>`;
}

function checkUuid(u: string): void {
  if (!/^urn:uuid:[0-9a-fA-F-]{36}$/.test(u)) throw new CabinetError('INVALID_REQUEST', 'Identifiant de document (entryUUID) invalide.');
}

/** ITI-57 availability status change. */
export function buildStatusUpdate(ctx: UpdateContext, entry: { entryUuid: string; status: StatusName }, newStatus: StatusName): string {
  checkUuid(entry.entryUuid);
  if (entry.status === newStatus) throw new CabinetError('CONFLICT', 'Le document a déjà ce statut.');
  const ssId = urnUuid(randomUUID());
  const ss = buildSubmissionSet({
    id: ssId,
    uniqueId: newUuidOid(),
    sourceId: ctx.sourceId,
    patientCx: ctx.patientCx,
    author: ctx.author,
    now: ctx.now ?? new Date(),
  });
  const assoc =
    `<rim:Association id="${urnUuid(randomUUID())}" associationType="${ASSOCIATION.updateAvailabilityStatus}" sourceObject="${ssId}" targetObject="${entry.entryUuid}">` +
    slot('OriginalStatus', STATUS[entry.status]) +
    slot('NewStatus', STATUS[newStatus]) +
    '</rim:Association>';
  return wrap(ss + assoc);
}

const RIM = NS.rim;

function childElements(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

/**
 * ITI-57 metadata update changing the visibility codes. `getDocumentsEnvelope`
 * is the SOAP answer of GetDocuments for this entry (LeafClass).
 */
export function buildVisibilityUpdate(
  ctx: UpdateContext,
  getDocumentsEnvelope: string,
  entryUuid: string,
  visibility: DmpVisibility,
): string {
  checkUuid(entryUuid);
  if (getDocumentsEnvelope.length > 1024 * 1024)
    throw new CabinetError('UNAVAILABLE', 'Réponse du DMP trop volumineuse pour une fiche de document.');
  // Depth, time, no DTD: checked by the bounded reader before the DOM sees the text.
  precheckXml(getDocumentsEnvelope, {
    label: 'Réponse du DMP',
    maxBytes: 4 * 1024 * 1024,
    maxDepth: 64,
    deadlineMs: 2_000,
    refuse: (message, reason) => new CabinetError('UNAVAILABLE', `Réponse du DMP illisible : ${message}.`, { reason }),
  });
  const doc = new DOMParser({ onError: () => undefined }).parseFromString(getDocumentsEnvelope, 'text/xml');
  const found = Array.from(doc.getElementsByTagNameNS(RIM, 'ExtrinsicObject')).find((e) => e.getAttribute('id') === entryUuid);
  if (!found) throw new CabinetError('NOT_FOUND', 'Le document n’a pas été trouvé dans le DMP (il a peut-être été modifié entre-temps).');
  const lid = found.getAttribute('lid');
  const previousVersion =
    childElements(found)
      .find((c) => c.localName === 'VersionInfo')
      ?.getAttribute('versionName') ?? null;
  if (!lid || !previousVersion)
    throw new CabinetError('UNAVAILABLE', 'Réponse du DMP illisible : identifiant logique ou version du document absents.');
  const eo = found.cloneNode(true) as Element;
  const newId = urnUuid(randomUUID());
  eo.setAttribute('id', newId);
  eo.removeAttribute('status');
  eo.removeAttribute('home');
  let hl7Level: { code: string; codeSystem: string; displayName: string } | null = null;
  let insertBefore: Element | null = null;
  for (const child of childElements(eo)) {
    if (child.localName === 'VersionInfo') {
      eo.removeChild(child);
      continue;
    }
    if (child.localName === 'Classification') {
      if (child.getAttribute('classificationScheme') === SCHEME.docConfidentialityCode) {
        const codingScheme = Array.from(child.getElementsByTagNameNS(RIM, 'Value'))[0]?.textContent ?? '';
        if (codingScheme === DMP_CODES.visibilityScheme) {
          eo.removeChild(child);
          continue;
        }
        if (!hl7Level) {
          hl7Level = {
            code: child.getAttribute('nodeRepresentation') ?? '',
            codeSystem: codingScheme,
            displayName: Array.from(child.getElementsByTagNameNS(RIM, 'LocalizedString'))[0]?.getAttribute('value') ?? '',
          };
          insertBefore = child;
        }
      }
      child.setAttribute('classifiedObject', newId);
      child.setAttribute('id', urnUuid(randomUUID()));
    } else if (child.localName === 'ExternalIdentifier') {
      child.setAttribute('registryObject', newId);
      child.setAttribute('id', urnUuid(randomUUID()));
    }
  }
  if (!hl7Level || !insertBefore) throw new CabinetError('UNAVAILABLE', 'Réponse du DMP illisible : code de confidentialité absent.');
  // New TRE_A07 codes, after the HL7 level.
  const extra = confidentialityCodes(hl7Level, visibility).slice(1);
  const parser = new DOMParser();
  let anchor: Element | null = insertBefore.nextSibling as Element | null;
  for (const c of extra) {
    const xml = `<rim:Classification xmlns:rim="${RIM}" id="${urnUuid(randomUUID())}" classificationScheme="${SCHEME.docConfidentialityCode}" classifiedObject="${newId}" nodeRepresentation="${xmlEscape(c.code)}"><rim:Slot name="codingScheme"><rim:ValueList><rim:Value>${c.codeSystem}</rim:Value></rim:ValueList></rim:Slot><rim:Name><rim:LocalizedString value="${xmlEscape(c.displayName)}"/></rim:Name></rim:Classification>`;
    const node = doc.importNode(parser.parseFromString(xml, 'text/xml').documentElement!, true);
    eo.insertBefore(node, anchor);
    anchor = node.nextSibling as Element | null;
  }
  const eoXml = new XMLSerializer().serializeToString(eo);
  const ssId = urnUuid(randomUUID());
  const ss = buildSubmissionSet({
    id: ssId,
    uniqueId: newUuidOid(),
    sourceId: ctx.sourceId,
    patientCx: ctx.patientCx,
    author: ctx.author,
    now: ctx.now ?? new Date(),
  });
  const member =
    `<rim:Association id="${urnUuid(randomUUID())}" associationType="${ASSOCIATION.hasMember}" sourceObject="${ssId}" targetObject="${newId}">` +
    slot('SubmissionSetStatus', 'Original') +
    slot('PreviousVersion', previousVersion) +
    '</rim:Association>';
  return wrap(ss + eoXml + member);
}
