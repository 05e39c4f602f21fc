import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { buildCdaN1 } from '../cda/builder.js';
import { input, nurse } from '../cda/fixtures.test-support.js';
import {
  buildProvideAndRegister,
  buildSubmitObjects,
  confidentialityCodes,
  hl7TsToIso,
  readCdaHeader,
  visibilityFromCodes,
} from './metadata.js';
import { ASSOCIATION, EXTERNAL_ID, SCHEME } from './soap.js';
import { xsdErrors } from './xsd.test-support.js';

const INS = { value: '297022A02077878', oid: '1.2.250.1.213.1.4.8' };
const noMask = { masquePs: false, invisiblePatient: false, invisibleRepresentants: false };

describe('CDA header → XDS metadata', () => {
  const built = buildCdaN1(input({ serviceEvent: { start: new Date('2026-03-02T09:00:00Z'), end: new Date('2026-03-02T09:30:00Z') } }));
  const cda = Buffer.from(built.xml);

  it('reads the header with the streaming parser', () => {
    const h = readCdaHeader(cda);
    expect(h.uniqueId).toBe(built.uniqueId);
    expect(h.type.code).toBe('11488-4');
    expect(h.title).toBe(built.title);
    expect(h.effectiveTime).toBe('2026-03-02T10:15:00.000Z');
    expect(h.confidentiality.code).toBe('N');
    expect(h.patientIds).toEqual([{ root: INS.oid, extension: INS.value }]);
    expect(h.patient).toEqual({ family: 'ADRTROIS', given: 'DOMINIQUE MARIE', gender: 'F', birthTime: '19970226' });
    expect(h.author).toEqual({
      idNat: '899701000012',
      family: 'MARTIN',
      given: 'Marie',
      specialty: { code: 'G15_10/SM26', codeSystem: '1.2.250.1.213.1.1.4.5', displayName: 'Médecin - Qualifié en Médecine Générale (SM)' },
      institution: { id: 'R99701', name: 'Cabinet du Dr Martin' },
    });
    expect(h.legalAuthenticator?.idNat).toBe('899701000012');
    expect(h.serviceStart).toBe('2026-03-02T09:00:00.000Z');
    expect(h.serviceStop).toBe('2026-03-02T09:30:00.000Z');
    expect(h.practiceSetting?.code).toBe('AMBULATOIRE');
    expect(h.healthcareFacilityType?.code).toBe('SA07');
    expect(h.replaces).toBeNull();
  });

  it('builds a SubmitObjectsRequest valid against the official XSDs, with the DMP values', () => {
    const header = readCdaHeader(cda);
    const sub = buildSubmitObjects({
      header,
      cda,
      ins: INS,
      visibility: { masquePs: true, invisiblePatient: true, invisibleRepresentants: false },
      sourceId: '1.2.250.1.999.1',
      now: new Date('2026-03-02T11:00:00Z'),
    });
    expect(xsdErrors(sub.xml, 'lcm.xsd')).toBe('');
    expect(sub.hash).toBe(createHash('sha1').update(cda).digest('hex'));
    expect(sub.size).toBe(cda.length);
    const x = sub.xml;
    expect(x).toContain(
      `identificationScheme="${EXTERNAL_ID.docPatientId}" registryObject="${sub.documentEntryId}" value="297022A02077878^^^&amp;1.2.250.1.213.1.4.8&amp;ISO^NH"`,
    );
    expect(x).toContain(`value="${built.uniqueId}"`);
    expect(x).toContain('<rim:Value>899701000012^MARTIN^Marie^^^^^^&amp;1.2.250.1.71.4.2.1&amp;ISO^D^^^IDNPS</rim:Value>');
    expect(x).toContain('<rim:Value>Cabinet du Dr Martin^^^^^&amp;1.2.250.1.71.4.2.2&amp;ISO^IDNST^^^R99701</rim:Value>');
    expect(x).toContain('<rim:Value>G15_10/SM26^Médecin - Qualifié en Médecine Générale (SM)^1.2.250.1.213.1.1.4.5</rim:Value>');
    expect(x).toContain('<rim:Slot name="creationTime"><rim:ValueList><rim:Value>20260302101500</rim:Value>');
    expect(x).toContain('<rim:Slot name="submissionTime"><rim:ValueList><rim:Value>20260302110000</rim:Value>');
    expect(x).toContain('<rim:Slot name="serviceStopTime"><rim:ValueList><rim:Value>20260302093000</rim:Value>');
    expect(x).toMatch(new RegExp(`classificationScheme="${SCHEME.docConfidentialityCode}"[^>]*nodeRepresentation="MASQUE_PS"`));
    expect(x).toMatch(new RegExp(`classificationScheme="${SCHEME.docConfidentialityCode}"[^>]*nodeRepresentation="INVISIBLE_PATIENT"`));
    expect(x).not.toContain('INVISIBLE_REPRESENTANTS_LEGAUX');
    expect(x).toMatch(new RegExp(`classificationScheme="${SCHEME.docClassCode}"[^>]*nodeRepresentation="10"`));
    expect(x).toMatch(new RegExp(`classificationScheme="${SCHEME.docFormatCode}"[^>]*nodeRepresentation="urn:ihe:iti:xds-sd:pdf:2008"`));
    expect(x).toMatch(new RegExp(`classificationScheme="${SCHEME.ssContentTypeCode}"[^>]*nodeRepresentation="07"`));
    expect(x).toContain(
      `associationType="${ASSOCIATION.hasMember}" sourceObject="${sub.submissionSetId}" targetObject="${sub.documentEntryId}"`,
    );
    expect(x).not.toContain(ASSOCIATION.replace);
    expect(sub.submissionSetUniqueId).toMatch(/^2\.25\.\d+$/);
  });

  it('adds the signature document (Mediboard’s shape, IHE DSG codes) with HasMember and signs, still valid against the XSDs', () => {
    const header = readCdaHeader(cda);
    const signature = {
      content: Buffer.from('<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>'),
      signingTime: new Date('2026-03-02T11:00:05Z'),
    };
    const sub = buildSubmitObjects({
      header,
      cda,
      ins: INS,
      visibility: noMask,
      sourceId: '1.2.250.1.999.1',
      submissionSetUniqueId: '2.25.42',
      signature,
      now: new Date('2026-03-02T11:00:00Z'),
    });
    expect(sub.submissionSetUniqueId).toBe('2.25.42');
    const sig = sub.signatureEntryId!;
    expect(sig).toMatch(/^urn:uuid:/);
    expect(xsdErrors(sub.xml, 'lcm.xsd')).toBe('');
    const eo = new RegExp(`<rim:ExtrinsicObject id="${sig}"[\\s\\S]*?</rim:ExtrinsicObject>`).exec(sub.xml)?.[0] ?? '';
    expect(eo).toContain('mimeType="text/xml"');
    expect(eo).toMatch(
      new RegExp(
        `classificationScheme="${SCHEME.docClassCode}"[^>]*nodeRepresentation="urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1"><rim:Slot name="codingScheme"><rim:ValueList><rim:Value>URN</rim:Value>`,
      ),
    );
    expect(eo).toMatch(
      new RegExp(`classificationScheme="${SCHEME.docFormatCode}"[^>]*nodeRepresentation="http://www.w3.org/2000/09/xmldsig#"`),
    );
    expect(eo).toMatch(new RegExp(`classificationScheme="${SCHEME.docTypeCode}"[^>]*nodeRepresentation="E1762"`));
    expect(eo).toMatch(new RegExp(`classificationScheme="${SCHEME.docConfidentialityCode}"[^>]*nodeRepresentation="N"`));
    expect(eo).toMatch(new RegExp(`classificationScheme="${SCHEME.docHealthcareFacilityTypeCode}"[^>]*nodeRepresentation="SA07"`));
    expect(eo).toContain('<rim:Slot name="languageCode"><rim:ValueList><rim:Value>art</rim:Value>');
    expect(eo).toContain('<rim:LocalizedString xml:lang="fr-FR" charset="UTF-8" value="Source"/>');
    expect(eo).toContain('<rim:Slot name="creationTime"><rim:ValueList><rim:Value>20260302110005</rim:Value>');
    expect(eo).toContain(
      `<rim:Slot name="hash"><rim:ValueList><rim:Value>${createHash('sha1').update(signature.content).digest('hex')}</rim:Value>`,
    );
    expect(eo).toContain(`<rim:Slot name="size"><rim:ValueList><rim:Value>${signature.content.length}</rim:Value>`);
    expect(sub.xml).toContain(`associationType="${ASSOCIATION.hasMember}" sourceObject="${sub.submissionSetId}" targetObject="${sig}"`);
    expect(sub.xml).toContain(`associationType="${ASSOCIATION.signs}" sourceObject="${sig}" targetObject="${sub.submissionSetId}"`);
    const body = buildProvideAndRegister(sub);
    expect(body).toContain(
      `<xdsb:Document id="${sig}"><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:signature-1@cabinet"/></xdsb:Document>`,
    );
    expect(xsdErrors(body.replace(/<xop:Include[^>]*\/>/g, 'AAAA'))).toBe('');
    // Without the option: no signature entry.
    const unsigned = buildSubmitObjects({ header, cda, ins: INS, visibility: noMask, sourceId: '1.2.250.1.999.1' });
    expect(unsigned.signatureEntryId).toBeUndefined();
    expect(unsigned.xml).not.toContain(ASSOCIATION.signs);
    expect(buildProvideAndRegister(unsigned)).not.toContain('signature-1@cabinet');
  });

  it('adds the RPLC association for a replacement, and the ITI-41 body validates once the include is inlined', () => {
    const replacement = buildCdaN1(input({ author: nurse, replaces: { id: built.id, setId: built.setId, versionNumber: 1 } }));
    const rcda = Buffer.from(replacement.xml);
    const header = readCdaHeader(rcda);
    expect(header.replaces).toEqual(built.id);
    expect(header.versionNumber).toBe(2);
    expect(header.author.specialty?.code).toBe('G15_60');
    const old = 'urn:uuid:11111111-2222-3333-4444-555555555555';
    const sub = buildSubmitObjects({
      header,
      cda: rcda,
      ins: INS,
      visibility: noMask,
      sourceId: '1.2.250.1.999.1',
      replaces: { entryUuid: old, uniqueId: built.uniqueId },
    });
    expect(sub.xml).toContain(`associationType="${ASSOCIATION.replace}" sourceObject="${sub.documentEntryId}" targetObject="${old}"`);
    const body = buildProvideAndRegister(sub);
    expect(body).toContain('<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:cda-1@cabinet"/>');
    const inlined = body.replace(/<xop:Include[^>]*\/>/, rcda.toString('base64'));
    expect(xsdErrors(inlined)).toBe('');
    expect(() =>
      buildSubmitObjects({ header, cda: rcda, ins: INS, visibility: noMask, sourceId: 'x', replaces: { entryUuid: old, uniqueId: '' } }),
    ).toThrow(/sourceId/);
    expect(() =>
      buildSubmitObjects({
        header,
        cda: rcda,
        ins: INS,
        visibility: noMask,
        sourceId: '1.2.3',
        replaces: { entryUuid: 'pas-un-uuid', uniqueId: '' },
      }),
    ).toThrow(/entryUUID/);
  });

  it('refuses a patient other than the CDA’s, non-CDA documents, DTDs and broken XML', () => {
    const header = readCdaHeader(cda);
    expect(() =>
      buildSubmitObjects({ header, cda, ins: { ...INS, value: '197022A02077800' }, visibility: noMask, sourceId: '1.2.3' }),
    ).toThrow(/ne correspond pas/);
    const cases: [string, RegExp][] = [
      ['<html/>', /n’est pas un CDA/],
      ['<!DOCTYPE x [<!ENTITY a "b">]><ClinicalDocument xmlns="urn:hl7-org:v3"/>', /DTD/],
      ['<ClinicalDocument xmlns="urn:hl7-org:v3"><id root="1.2"/>', /bien formé|identifiant|code/],
      [built.xml.replace(/<id root="2\.25[^>]*\/>/, ''), /identifiant \(id@root\)/],
      [
        built.xml
          .replace('extension="899701000012"', 'extension=""')
          .replace(/<author>[\s\S]*?<\/author>/, '<author><assignedAuthor><id root="1.2.3"/></assignedAuthor></author>'),
        /idNat_PS/,
      ],
      ['', /n’est pas un CDA|bien formé/],
      // 400,000 nested elements in the header: refused at the depth limit, on the opening tag.
      [
        `<ClinicalDocument xmlns="urn:hl7-org:v3">${'<a>'.repeat(400_000)}${'</a>'.repeat(400_000)}</ClinicalDocument>`,
        /En-tête du CDA illisible : imbrication de plus de 64 niveaux/,
      ],
      [
        `<ClinicalDocument xmlns="urn:hl7-org:v3"><title>${'x'.repeat(5 * 1024 * 1024)}</title></ClinicalDocument>`,
        /plus de 4 Mo avant le corps/,
      ],
    ];
    for (const [xml, msg] of cases) {
      let error: unknown;
      try {
        readCdaHeader(xml);
      } catch (e) {
        error = e;
      }
      expect(error, xml.slice(0, 60)).toBeInstanceOf(CabinetError);
      expect((error as Error).message).toMatch(msg);
    }
  });

  it('maps visibility both ways and HL7 timestamps to UTC', () => {
    const codes = confidentialityCodes(
      { code: 'R', codeSystem: '2.16.840.1.113883.5.25', displayName: 'Restreint' },
      { masquePs: false, invisiblePatient: true, invisibleRepresentants: true },
    );
    expect(codes.map((c) => c.code)).toEqual(['R', 'INVISIBLE_PATIENT', 'INVISIBLE_REPRESENTANTS_LEGAUX']);
    expect(visibilityFromCodes(codes)).toEqual({ masquePs: false, invisiblePatient: true, invisibleRepresentants: true });
    expect(hl7TsToIso('20260302101500+0100')).toBe('2026-03-02T09:15:00.000Z');
    expect(hl7TsToIso('20260302')).toBe('2026-03-02T00:00:00.000Z');
    expect(hl7TsToIso('2026-03-02')).toBeNull();
  });
});
