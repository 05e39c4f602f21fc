import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { registeredObjects, soapEnvelope, TEST_INS } from './fixtures.test-support.js';
import { buildMtom, parseMtom, xopInclude } from './mtom.js';
import { patientCx } from './metadata.js';
import { readXdsResponse } from './query.js';
import { buildRetrieveRequest, readRetrieveResponse } from './retrieve.js';
import { ASSOCIATION, NS, SCHEME, STATUS } from './soap.js';
import { buildStatusUpdate, buildVisibilityUpdate } from './update.js';
import { xsdErrors } from './xsd.test-support.js';

const author = { idNat: '899701000012', family: 'MARTIN', given: 'Marie', specialty: null, institution: { id: 'R99701', name: 'Cabinet' } };
const ctx = { patientCx: patientCx(TEST_INS), author, sourceId: '1.2.250.1.999.1', now: new Date('2026-03-03T08:00:00Z') };

describe('ITI-57 Update Document Set', () => {
  it('archives / deletes with an UpdateAvailabilityStatus association (XSD-valid)', () => {
    const entry = 'urn:uuid:0b0b0b0b-1111-4222-8333-444444444444';
    const xml = buildStatusUpdate(ctx, { entryUuid: entry, status: 'Approved' }, 'Deleted');
    expect(xsdErrors(xml, 'lcm.xsd')).toBe('');
    expect(xml).toMatch(
      new RegExp(`associationType="${ASSOCIATION.updateAvailabilityStatus}" sourceObject="urn:uuid:[0-9a-f-]{36}" targetObject="${entry}"`),
    );
    expect(xml).toContain(`<rim:Slot name="OriginalStatus"><rim:ValueList><rim:Value>${STATUS.Approved}</rim:Value>`);
    expect(xml).toContain(`<rim:Slot name="NewStatus"><rim:ValueList><rim:Value>urn:asip:ci-sis:2010:StatusType:Deleted</rim:Value>`);
    expect(buildStatusUpdate(ctx, { entryUuid: entry, status: 'Archived' }, 'Approved')).toContain(
      `<rim:Value>${STATUS.Archived}</rim:Value>`,
    );
    expect(() => buildStatusUpdate(ctx, { entryUuid: entry, status: 'Archived' }, 'Archived')).toThrow(/déjà ce statut/);
    expect(() => buildStatusUpdate(ctx, { entryUuid: 'x', status: 'Approved' }, 'Archived')).toThrow(/entryUUID/);
  });

  it('changes visibility with a new version of the registry’s own entry (same lid, PreviousVersion, XSD-valid)', () => {
    const reg = registeredObjects({ masquePs: true });
    const answer = soapEnvelope(
      `<query:AdhocQueryResponse xmlns:query="${NS.query}" xmlns:rim="${NS.rim}" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"><rim:RegistryObjectList>${reg.xml}</rim:RegistryObjectList></query:AdhocQueryResponse>`,
    );
    const before = readXdsResponse(answer).documents[0]!;
    const xml = buildVisibilityUpdate(ctx, answer, reg.entryUuid, {
      masquePs: false,
      invisiblePatient: true,
      invisibleRepresentants: true,
    });
    expect(xsdErrors(xml, 'lcm.xsd')).toBe('');
    // Read back the new version as the registry would store it.
    const asAnswer = soapEnvelope(
      `<query:AdhocQueryResponse xmlns:query="${NS.query}" xmlns:rim="${NS.rim}">` +
        xml
          .replace(/^<lcm:SubmitObjectsRequest[^>]*>/, '')
          .replace(/<\/lcm:SubmitObjectsRequest>$/, '')
          .replace(/<rim:ExtrinsicObject /, `<rim:ExtrinsicObject status="${STATUS.Approved}" `) +
        '</query:AdhocQueryResponse>',
    );
    const after = readXdsResponse(asAnswer).documents[0]!;
    expect(after.entryUuid).not.toBe(before.entryUuid);
    expect(after.logicalId).toBe(before.logicalId);
    expect(after.uniqueId).toBe(before.uniqueId);
    expect(after.visibility).toEqual({ masquePs: false, invisiblePatient: true, invisibleRepresentants: true });
    expect(after.confidentiality.map((c) => c.code)).toEqual(['N', 'INVISIBLE_PATIENT', 'INVISIBLE_REPRESENTANTS_LEGAUX']);
    expect({ ...after, entryUuid: '', confidentiality: [], visibility: null, version: null, submissionTime: null }).toEqual({
      ...before,
      entryUuid: '',
      confidentiality: [],
      visibility: null,
      version: null,
      submissionTime: null,
    });
    expect(xml).toContain('<rim:Slot name="PreviousVersion"><rim:ValueList><rim:Value>1</rim:Value>');
    expect(xml).not.toContain('VersionInfo');
    expect(xml.match(new RegExp(`classifiedObject="${after.entryUuid}"`, 'g'))!.length).toBeGreaterThanOrEqual(8);
    expect(xml).toMatch(new RegExp(`registryObject="${after.entryUuid}"[^>]*value="${before.uniqueId}"`));
    expect(xml.split(SCHEME.docConfidentialityCode).length - 1).toBe(3);
    expect(() =>
      buildVisibilityUpdate(ctx, answer, 'urn:uuid:00000000-0000-4000-8000-000000000000', {
        masquePs: false,
        invisiblePatient: false,
        invisibleRepresentants: false,
      }),
    ).toThrow(/pas été trouvé/);
  });
});

describe('ITI-43 Retrieve Document Set', () => {
  it('builds a valid request and resolves the MTOM part', () => {
    const req = buildRetrieveRequest([{ uniqueId: '1.2.3^abc', repositoryUniqueId: '1.2.250.1.213.4.1.1.1' }]);
    expect(xsdErrors(req)).toBe('');
    expect(() => buildRetrieveRequest([{ uniqueId: '<x>', repositoryUniqueId: '1.2' }])).toThrow(/invalide/);
    const cda = Buffer.from('<ClinicalDocument/>');
    const env = soapEnvelope(
      `<xdsb:RetrieveDocumentSetResponse xmlns:xdsb="${NS.xdsb}"><rs:RegistryResponse xmlns:rs="${NS.rs}" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/>` +
        `<xdsb:DocumentResponse><xdsb:RepositoryUniqueId>1.2.250.1.213.4.1.1.1</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>1.2.3^abc</xdsb:DocumentUniqueId><xdsb:mimeType>text/xml</xdsb:mimeType><xdsb:Document>${xopInclude('doc@dmp')}</xdsb:Document></xdsb:DocumentResponse></xdsb:RetrieveDocumentSetResponse>`,
      'urn:ihe:iti:2007:RetrieveDocumentSetResponse',
    );
    const m = buildMtom({ envelope: env, attachments: [{ contentId: 'doc@dmp', contentType: 'text/xml', body: cda }] });
    const { documents } = readRetrieveResponse(parseMtom(m.contentType, m.body));
    expect(documents).toEqual([{ repositoryUniqueId: '1.2.250.1.213.4.1.1.1', uniqueId: '1.2.3^abc', mimeType: 'text/xml', content: cda }]);
    // inline base64 (non-MTOM peer)
    const inline = env.replace(xopInclude('doc@dmp'), cda.toString('base64'));
    expect(
      readRetrieveResponse({ envelope: inline, parts: new Map(), partTypes: new Map(), includes: [] }).documents[0]!.content.equals(cda),
    ).toBe(true);
    // a missing document
    const missing = soapEnvelope(
      `<xdsb:RetrieveDocumentSetResponse xmlns:xdsb="${NS.xdsb}"><rs:RegistryResponse xmlns:rs="${NS.rs}" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"><rs:RegistryErrorList><rs:RegistryError errorCode="XDSMissingDocument" codeContext="1.2.3^abc" severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"/></rs:RegistryErrorList></rs:RegistryResponse></xdsb:RetrieveDocumentSetResponse>`,
    );
    expect(() => readRetrieveResponse({ envelope: missing, parts: new Map(), partTypes: new Map(), includes: [] })).toThrow(
      /introuvable dans le DMP/,
    );
    const empty = env.replace(xopInclude('doc@dmp'), '');
    expect(() => readRetrieveResponse({ envelope: empty, parts: new Map(), partTypes: new Map(), includes: [] })).toThrow(CabinetError);
  });
});
