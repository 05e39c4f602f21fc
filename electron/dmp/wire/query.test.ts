import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { queryResponse, registeredObjects, REPOSITORY_ID, soapEnvelope, TEST_INS } from './fixtures.test-support.js';
import {
  buildFindDocuments,
  buildFindSubmissionSets,
  buildGetAssociations,
  buildGetDocuments,
  buildGetDocumentsAndAssociations,
  readXdsResponse,
  registryError,
} from './query.js';
import { ASSOCIATION, NS, STATUS, STORED_QUERY } from './soap.js';
import { xsdErrors } from './xsd.test-support.js';

const uuid = (n: number) => `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('ITI-18 requests', () => {
  it('FindDocuments carries the DMP filters and validates against query.xsd', () => {
    const xml = buildFindDocuments(TEST_INS, {
      status: ['Approved', 'Archived'],
      typeCodes: ['11488-4', 'PRESC-INF'],
      creationFrom: new Date('2024-01-01T00:00:00Z'),
      creationTo: new Date('2026-01-01T00:00:00Z'),
      serviceFrom: new Date('2024-03-02T00:00:00Z'),
      serviceTo: new Date('2026-03-02T00:00:00Z'),
      authorIdNat: '899701000012',
    });
    expect(xsdErrors(xml, 'query.xsd')).toBe('');
    expect(xml).toContain(`<rim:AdhocQuery id="${STORED_QUERY.FindDocuments}">`);
    expect(xml).toContain(
      '<rim:Slot name="$XDSDocumentEntryPatientId"><rim:ValueList><rim:Value>&apos;297022A02077878^^^&amp;1.2.250.1.213.1.4.8&amp;ISO^NH&apos;</rim:Value>',
    );
    expect(xml).toContain(`&apos;${STATUS.Archived}&apos;)`);
    expect(xml).toContain('(&apos;11488-4^^2.16.840.1.113883.6.1&apos;,&apos;PRESC-INF^^1.2.250.1.213.1.1.4.12&apos;)');
    expect(xml).toContain('<rim:Slot name="$XDSDocumentEntryCreationTimeFrom"><rim:ValueList><rim:Value>20240101000000</rim:Value>');
    expect(xml).toContain('<rim:Slot name="$XDSDocumentEntryServiceStartTimeTo"><rim:ValueList><rim:Value>20260302000000</rim:Value>');
    expect(xml).toContain('(&apos;899701000012^%&apos;)');
    expect(xml).toContain('returnType="LeafClass"');
  });

  it('defaults to Approved, and builds the other stored queries', () => {
    expect(buildFindDocuments(TEST_INS)).toContain(`(&apos;${STATUS.Approved}&apos;)`);
    const fs = buildFindSubmissionSets(TEST_INS, new Date('2026-03-01T12:00:00Z'));
    expect(xsdErrors(fs, 'query.xsd')).toBe('');
    expect(fs).toContain('$XDSSubmissionSetSubmissionTimeFrom"><rim:ValueList><rim:Value>20260301120000<');
    for (const [build, id, slot] of [
      [buildGetDocuments, STORED_QUERY.GetDocuments, '$XDSDocumentEntryEntryUUID'],
      [buildGetAssociations, STORED_QUERY.GetAssociations, '$uuid'],
      [buildGetDocumentsAndAssociations, STORED_QUERY.GetDocumentsAndAssociations, '$XDSDocumentEntryEntryUUID'],
    ] as const) {
      const xml = build([uuid(1), uuid(2)]);
      expect(xsdErrors(xml, 'query.xsd')).toBe('');
      expect(xml).toContain(id);
      expect(xml).toContain(`name="${slot}"><rim:ValueList><rim:Value>(&apos;${uuid(1)}&apos;,&apos;${uuid(2)}&apos;)`);
    }
  });

  it('refuses more than 20 uuids, bad uuids, unknown type codes, bad INS or dates', () => {
    expect(() => buildGetDocuments(Array.from({ length: 21 }, (_, i) => uuid(i)))).toThrow(/Au plus 20/);
    expect(() => buildGetDocuments([])).toThrow(/Aucun/);
    expect(() => buildGetDocuments(["urn:uuid:x') or 1=1"])).toThrow(/invalide/);
    expect(() => buildFindDocuments(TEST_INS, { typeCodes: ['ZZZ'] })).toThrow(/inconnu/);
    expect(() => buildFindDocuments({ value: "1'", oid: '1.2' })).toThrow(/INS invalide/);
    expect(() => buildFindSubmissionSets(TEST_INS, new Date('x'))).toThrow(/invalide/);
    expect(() => buildFindDocuments(TEST_INS, { authorIdNat: "8'%" })).toThrow(/auteur/);
  });
});

describe('ITI-18 answers (streaming)', () => {
  it('reads DocumentEntries with every field the screens need', () => {
    const reg = registeredObjects({ masquePs: true });
    const rplcTarget = uuid(99);
    const envelope = soapEnvelope(
      `<query:AdhocQueryResponse xmlns:query="${NS.query}" xmlns:rim="${NS.rim}" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"><rim:RegistryObjectList>${reg.xml}` +
        `<rim:Association id="${uuid(7)}" associationType="${ASSOCIATION.replace}" sourceObject="${reg.entryUuid}" targetObject="${rplcTarget}"/></rim:RegistryObjectList></query:AdhocQueryResponse>`,
    );
    const res = readXdsResponse(envelope);
    expect(res.status).toBe('Success');
    expect(res.bodyElement).toBe('AdhocQueryResponse');
    expect(res.documents).toHaveLength(1);
    const d = res.documents[0]!;
    expect(d.entryUuid).toBe(reg.entryUuid);
    expect(d.uniqueId).toBe(reg.uniqueId);
    expect(d.repositoryUniqueId).toBe(REPOSITORY_ID);
    expect(d.status).toBe('Approved');
    expect(d.title).toBe('CR ou fiche de consultation ou de visite');
    expect(d.type).toEqual({ code: '11488-4', scheme: '2.16.840.1.113883.6.1', display: 'CR ou fiche de consultation ou de visite' });
    expect(d.class?.code).toBe('10');
    expect(d.format?.code).toBe('urn:ihe:iti:xds-sd:pdf:2008');
    expect(d.confidentiality.map((c) => c.code)).toEqual(['N', 'MASQUE_PS']);
    expect(d.visibility).toEqual({ masquePs: true, invisiblePatient: false, invisibleRepresentants: false });
    expect(d.mimeType).toBe('text/xml');
    expect(d.creationTime).toBe('2026-03-02T10:15:00.000Z');
    expect(d.serviceStart).toBe('2026-03-02T09:00:00.000Z');
    expect(d.serviceStop).toBeNull();
    expect(d.submissionTime).toBe('2026-03-02T11:00:00.000Z');
    expect(d.authors).toEqual([
      { name: 'Marie MARTIN', idNat: '899701000012', specialty: 'G15_10/SM26', institution: 'Cabinet du Dr Martin' },
    ]);
    expect(d.size).toBeGreaterThan(1000);
    expect(d.hash).toMatch(/^[0-9a-f]{40}$/);
    expect(d.logicalId).toMatch(/^urn:uuid:/);
    expect(d.version).toBe('1');
    expect(d.replaces).toBe(rplcTarget);
    expect(res.submissionSets).toEqual([
      {
        entryUuid: reg.submissionSetUuid,
        uniqueId: expect.stringMatching(/^2\.25\./),
        submissionTime: '2026-03-02T11:00:00.000Z',
        documentUuids: [reg.entryUuid],
      },
    ]);
  });

  it('reads 2,000 entries (~15 MB)', () => {
    const envelope = queryResponse(2000);
    expect(envelope.length).toBeGreaterThan(10_000_000);
    const res = readXdsResponse(envelope);
    expect(res.documents).toHaveLength(2000);
    expect(new Set(res.documents.map((d) => d.uniqueId)).size).toBe(2000);
    expect(() => readXdsResponse(envelope, { maxObjects: 100 })).toThrow(/plus de 100 objets/);
  });

  it('splits registry errors and warnings into a French error with the IHE codes', () => {
    const errors =
      `<rs:RegistryErrorList highestSeverity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error">` +
      `<rs:RegistryError errorCode="XDSTooManyResults" codeContext="Plus de 1000 documents" severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"/>` +
      `<rs:RegistryError errorCode="DMP_AVERTISSEMENT" codeContext="Avertissement" severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Warning"/>` +
      '</rs:RegistryErrorList>';
    const res = readXdsResponse(queryResponse(0, { errors }));
    expect(res.status).toBe('Failure');
    expect(res.errors.map((e) => e.code)).toEqual(['XDSTooManyResults']);
    expect(res.warnings.map((e) => e.code)).toEqual(['DMP_AVERTISSEMENT']);
    const err = registryError(res)!;
    expect(err).toBeInstanceOf(CabinetError);
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe(
      'La recherche renvoie trop de documents : précisez les critères. Motif indiqué par le DMP : « Plus de 1000 documents ».',
    );
    expect((err.details as { codes: string[] }).codes).toEqual(['XDSTooManyResults']);
    const busy = readXdsResponse(
      soapEnvelope(
        `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"><rs:RegistryErrorList><rs:RegistryError errorCode="XDSRegistryBusy" codeContext="" severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"/></rs:RegistryErrorList></rs:RegistryResponse>`,
      ),
    );
    expect(registryError(busy)!.details).toMatchObject({ codes: ['XDSRegistryBusy'], transient: true });
    const unknown = readXdsResponse(
      soapEnvelope(
        `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"><rs:RegistryErrorList><rs:RegistryError errorCode="DMP_0042" codeContext="Accès refusé" severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"/></rs:RegistryErrorList></rs:RegistryResponse>`,
      ),
    );
    expect(registryError(unknown)!.message).toBe(
      'Le DMP a refusé la demande (code DMP_0042). Motif indiqué par le DMP : « Accès refusé ».',
    );
    const warningsOnly = readXdsResponse(
      soapEnvelope(
        `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"><rs:RegistryErrorList><rs:RegistryError errorCode="W" codeContext="" severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Warning"/></rs:RegistryErrorList></rs:RegistryResponse>`,
      ),
    );
    expect(registryError(warningsOnly)).toBeNull();
  });

  it('turns SOAP faults and unreadable answers into French errors', () => {
    const fault = soapEnvelope(
      '<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>wsse:InvalidSecurityToken</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="fr">VIHF expiré</s:Text></s:Reason></s:Fault>',
    );
    expect(() => readXdsResponse(fault)).toThrow('Le DMP a renvoyé une erreur SOAP : VIHF expiré');
    try {
      readXdsResponse(fault);
    } catch (e) {
      expect((e as CabinetError).details).toEqual({ codes: ['s:Sender', 'wsse:InvalidSecurityToken'], reason: 'VIHF expiré' });
    }
    const cases: [string, RegExp][] = [
      ['<html/>', /pas une enveloppe SOAP/],
      ['<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>', /pas SOAP 1\.2/],
      [`<s:Envelope xmlns:s="${NS.soap}"><s:Header/></s:Envelope>`, /corps SOAP absent/],
      [`<s:Envelope xmlns:s="${NS.soap}"><s:Body><a>`, /mal formé/],
      [`<!DOCTYPE s [<!ENTITY x "y">]><s:Envelope xmlns:s="${NS.soap}"/>`, /DTD/],
      [
        soapEnvelope(
          `<q:AdhocQueryResponse xmlns:q="${NS.query}" xmlns:rim="${NS.rim}"><rim:RegistryObjectList><rim:ExtrinsicObject id="x" status="urn:bad:Foo"/></rim:RegistryObjectList></q:AdhocQueryResponse>`,
        ),
        /statut de document/,
      ],
      [
        soapEnvelope(
          `<q:AdhocQueryResponse xmlns:q="${NS.query}" xmlns:rim="${NS.rim}"><rim:RegistryObjectList><rim:ExtrinsicObject id="x"/></rim:RegistryObjectList></q:AdhocQueryResponse>`,
        ),
        /sans uniqueId/,
      ],
    ];
    for (const [xml, msg] of cases) {
      let error: unknown;
      try {
        readXdsResponse(xml);
      } catch (e) {
        error = e;
      }
      expect(error, xml.slice(0, 80)).toBeInstanceOf(CabinetError);
      expect((error as Error).message).toMatch(msg);
    }
  });

  it('reads submission sets and their HasMember associations', () => {
    const envelope = queryResponse(3, { withSubmissionSets: true });
    const res = readXdsResponse(envelope);
    expect(res.submissionSets).toHaveLength(3);
    for (const ss of res.submissionSets) expect(ss.documentUuids).toHaveLength(1);
    expect(res.associations.filter((a) => a.type === ASSOCIATION.hasMember)).toHaveLength(3);
  });
});
