/**
 * Test and bench support: realistic XDS answers built from Cabinet's own
 * metadata writer (so every entry carries the DMP's classifications, slots
 * and identifiers), as a registry would return them.
 */
import { randomUUID } from 'node:crypto';
import { buildCdaN1 } from '../cda/builder.js';
import { input } from '../cda/fixtures.test-support.js';
import { buildSubmitObjects, readCdaHeader } from './metadata.js';
import { NS, STATUS } from './soap.js';

export const TEST_INS = { value: '297022A02077878', oid: '1.2.250.1.213.1.4.8' };
export const REPOSITORY_ID = '1.2.250.1.213.4.1.1.1';

/** One registered submission (RegistryPackage + ExtrinsicObject + HasMember), registry-style (status, lid, version, repository). */
export function registeredObjects(options: { status?: string; masquePs?: boolean } = {}): {
  xml: string;
  entryUuid: string;
  submissionSetUuid: string;
  uniqueId: string;
} {
  const built = buildCdaN1(input({ serviceEvent: { start: new Date('2026-03-02T09:00:00Z') } }));
  const cda = Buffer.from(built.xml);
  const header = readCdaHeader(cda);
  const sub = buildSubmitObjects({
    header,
    cda,
    ins: TEST_INS,
    visibility: { masquePs: options.masquePs ?? false, invisiblePatient: false, invisibleRepresentants: false },
    sourceId: '1.2.250.1.999.1',
    now: new Date('2026-03-02T11:00:00Z'),
  });
  const status = options.status ?? STATUS.Approved;
  const lid = `urn:uuid:${randomUUID()}`;
  let xml = sub.xml
    .replace(/^<lcm:SubmitObjectsRequest[^>]*><rim:RegistryObjectList>/, '')
    .replace(/<\/rim:RegistryObjectList><\/lcm:SubmitObjectsRequest>$/, '');
  xml = xml.replace(
    /<rim:ExtrinsicObject ([^>]*)>/,
    `<rim:ExtrinsicObject $1 status="${status}" lid="${lid}"><rim:Slot name="repositoryUniqueId"><rim:ValueList><rim:Value>${REPOSITORY_ID}</rim:Value></rim:ValueList></rim:Slot>`,
  );
  xml = xml.replace(/(<rim:ExtrinsicObject[\s\S]*?<\/rim:Name>)/, '$1<rim:VersionInfo versionName="1"/>');
  xml = xml.replace(/<rim:RegistryPackage ([^>]*)>/, `<rim:RegistryPackage $1 status="${STATUS.Approved}">`);
  return { xml, entryUuid: sub.documentEntryId, submissionSetUuid: sub.submissionSetId, uniqueId: built.uniqueId };
}

export function soapEnvelope(body: string, action = 'urn:ihe:iti:2007:RegistryStoredQueryResponse'): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${NS.soap}" xmlns:a="${NS.wsa}">` +
    `<s:Header><a:Action s:mustUnderstand="1">${action}</a:Action><a:RelatesTo>urn:uuid:${randomUUID()}</a:RelatesTo></s:Header>` +
    `<s:Body>${body}</s:Body></s:Envelope>`
  );
}

/** An ITI-18 LeafClass answer with `count` entries (≈ 7 KB each: 2,000 ≈ 15 MB). Only DocumentEntries unless `withSubmissionSets`. */
export function queryResponse(count: number, options: { withSubmissionSets?: boolean; errors?: string } = {}): string {
  const base = registeredObjects();
  const [docPart] = base.xml.split('<rim:RegistryPackage');
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const u = randomUUID();
    let xml = options.withSubmissionSets ? base.xml : docPart!;
    xml = xml.split(base.entryUuid).join(`urn:uuid:${u}`).split(base.uniqueId).join(`${base.uniqueId}.${i}`);
    if (options.withSubmissionSets) xml = xml.split(base.submissionSetUuid).join(`urn:uuid:${randomUUID()}`);
    parts.push(xml);
  }
  return soapEnvelope(
    `<query:AdhocQueryResponse xmlns:query="${NS.query}" xmlns:rim="${NS.rim}" xmlns:rs="${NS.rs}" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:${options.errors ? 'Failure' : 'Success'}">` +
      `<rim:RegistryObjectList>${parts.join('')}</rim:RegistryObjectList>${options.errors ?? ''}</query:AdhocQueryResponse>`,
  );
}
