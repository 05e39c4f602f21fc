import fs from 'node:fs';
import path from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { FACILITY_TYPE_CODES, TYPE_CODES } from '../../../shared/domain/cda/index.js';
import { MAX_PDF_BYTES, buildCdaN1, hl7BirthDate, hl7Timestamp, newUuidOid, xmlEscape } from './builder.js';
import { gp, input, nurse } from './fixtures.test-support.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../../shared/reference/cda/examples/DOC_NON_STRUCTURE_CDA-R2-N1.xml');
const HL7 = 'urn:hl7-org:v3';

const parse = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml');
const children = (el: Element) =>
  Array.from({ length: el.childNodes.length }, (_, i) => el.childNodes[i]!).filter((n): n is Element => n.nodeType === 1);

/** Every element path (`recordTarget/patientRole/id`) of a document, body text excluded. */
function paths(el: Element, prefix = ''): Set<string> {
  const out = new Set<string>();
  for (const child of children(el)) {
    const p = prefix ? `${prefix}/${child.localName}` : child.localName!;
    out.add(p);
    for (const q of paths(child, p)) out.add(q);
  }
  return out;
}

const first = (xml: string, tag: string) => parse(xml).getElementsByTagNameNS(HL7, tag)[0]!;

describe('buildCdaN1: structure', () => {
  const example = parse(fs.readFileSync(EXAMPLE, 'utf8')).documentElement!;
  const built = buildCdaN1(input());
  const doc = parse(built.xml).documentElement!;

  it('has the ANS N1 example’s header elements in the same order (participants apart)', () => {
    const ours = children(doc).map((e) => e.localName);
    const theirs = children(example)
      .map((e) => e.localName)
      .filter((n) => n !== 'participant');
    expect(ours).toEqual(theirs);
  });

  it('uses only element paths of the ANS example, plus the two J01 codes the schematron allows (d9067e141, d13023e658)', () => {
    const theirs = paths(example);
    const extra = [...paths(doc)].filter((p) => !theirs.has(p));
    expect(extra).toEqual(['legalAuthenticator/assignedEntity/code', 'documentationOf/serviceEvent/performer/assignedEntity/code']);
  });

  it('writes the header values as the notes say', () => {
    const x = built.xml;
    expect(x).toContain('<realmCode code="FR"/>');
    expect(x).toContain('<typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>');
    expect(x).toMatch(
      /<templateId root="2\.16\.840\.1\.113883\.2\.8\.2\.1"\/>\n<templateId root="1\.2\.250\.1\.213\.1\.1\.1\.1"\/>\n<templateId root="1\.3\.6\.1\.4\.1\.19376\.1\.2\.20"\/>/,
    );
    expect(x).toContain(
      '<code code="11488-4" displayName="CR ou fiche de consultation ou de visite" codeSystem="2.16.840.1.113883.6.1" codeSystemName="LOINC"/>',
    );
    expect(x).toContain('<confidentialityCode code="N" displayName="Normal" codeSystem="2.16.840.1.113883.5.25"/>');
    expect(x).toContain('<languageCode code="fr-FR"/>');
    expect(x).toContain('<versionNumber value="1"/>');
    expect(x).toContain('<id root="1.2.250.1.213.1.4.8" extension="297022A02077878"/>');
    expect(x).toContain(
      '<family qualifier="BR">ADRTROIS</family><given>DOMINIQUE MARIE</given><given qualifier="BR">DOMINIQUE</given><family qualifier="CL">MARTIN</family>',
    );
    expect(x).toContain('<birthTime value="19970226"/>');
    expect(x).toContain('<county>2A020</county>');
    expect(x).toContain('<id root="1.2.250.1.71.4.2.1" extension="899701000012"/>');
    expect(x).toContain(
      '<code code="G15_10/SM26" displayName="Médecin - Qualifié en Médecine Générale (SM)" codeSystem="1.2.250.1.213.1.1.4.5"/>',
    );
    expect(x).toContain('<representedOrganization><id root="1.2.250.1.71.4.2.2" extension="R99701"/><name>Cabinet du Dr Martin</name>');
    expect(x).toContain('<signatureCode code="S"/>');
    expect(x).toContain('<standardIndustryClassCode code="AMBULATOIRE" displayName="Ambulatoire" codeSystem="1.2.250.1.213.1.1.4.9"/>');
    expect(x).toContain('<code code="SA07" displayName="Cabinet individuel" codeSystem="1.2.250.1.71.4.2.4"/>');
    expect(x).toContain('<text mediaType="application/pdf" representation="B64">JVBERi0x');
    expect(first(x, 'text').textContent).toBe(input().pdf.toString('base64'));
    expect(built.id.root).toMatch(/^2\.25\.\d{1,39}$/);
    expect(built.setId.root).not.toBe(built.id.root);
    expect(built.uniqueId).toBe(built.id.root);
    expect(built.effectiveTime).toBe(hl7Timestamp(new Date('2026-03-02T10:15:00Z')));
  });

  it('is reproducible given ids and a clock', () => {
    const fixed = input({ id: { root: '1.2.250.1.999.1', extension: 'DOC1' } });
    const a = buildCdaN1(fixed).xml.replace(/<setId[^>]*>/, '');
    const b = buildCdaN1(fixed).xml.replace(/<setId[^>]*>/, '');
    expect(a).toBe(b);
    expect(buildCdaN1(fixed).uniqueId).toBe('1.2.250.1.999.1^DOC1');
  });

  it('numbers under a given root, and writes a replacement (same setId, version + 1, RPLC)', () => {
    const v1 = buildCdaN1(input({ idRoot: '1.2.250.1.999.7' }));
    expect(v1.id).toMatchObject({ root: '1.2.250.1.999.7', extension: expect.stringMatching(/^[0-9A-F]{32}$/) });
    const v2 = buildCdaN1(input({ idRoot: '1.2.250.1.999.7', replaces: { id: v1.id, setId: v1.setId, versionNumber: v1.versionNumber } }));
    expect(v2.setId).toEqual(v1.setId);
    expect(v2.versionNumber).toBe(2);
    expect(v2.xml).toContain(
      `<relatedDocument typeCode="RPLC"><parentDocument><id root="1.2.250.1.999.7" extension="${v1.id.extension}"/></parentDocument></relatedDocument>`,
    );
    expect(v2.xml.indexOf('<relatedDocument')).toBeGreaterThan(v2.xml.indexOf('</documentationOf>'));
    expect(v2.xml.indexOf('<relatedDocument')).toBeLessThan(v2.xml.indexOf('<componentOf>'));
    expect(() => buildCdaN1(input({ id: v1.id, replaces: { id: v1.id, setId: v1.setId, versionNumber: 1 } }))).toThrow(
      /identifiant différent/,
    );
  });

  it('writes a nurse at home (G15_60, SAD) and other types / facilities', () => {
    const built2 = buildCdaN1(
      input({
        author: nurse,
        type: '11506-3',
        practiceSetting: 'SAD',
        healthcareFacilityType: 'SA08',
        confidentiality: 'R',
        title: 'Suivi de soins',
      }),
    );
    expect(built2.xml).toContain('code="G15_60" displayName="Infirmier"');
    expect(built2.xml).toContain('code="SAD"');
    expect(built2.xml).toContain(`code="SA08" displayName="${FACILITY_TYPE_CODES.SA08.displayName}"`);
    expect(built2.xml).toContain('<confidentialityCode code="R" displayName="Restreint"');
    expect(built2.xml).toContain(`<title>Suivi de soins</title>`);
    expect(buildCdaN1(input({ type: 'PRESC-INF' })).xml).toContain(
      `<code code="PRESC-INF" displayName="${TYPE_CODES['PRESC-INF'].displayName.replace("'", '&apos;')}" codeSystem="1.2.250.1.213.1.1.4.12"/>`,
    );
  });
});

describe('buildCdaN1: escaping and refusals (French)', () => {
  it('escapes every value', () => {
    const built = buildCdaN1(input({ title: `CR <script>&"'`, structure: { id: 'R&1', name: 'A < B' } }));
    expect(built.xml).not.toContain('<script>');
    expect(first(built.xml, 'title').textContent).toBe(`CR <script>&"'`);
    expect(built.xml).toContain('extension="R&amp;1"');
    expect(() => buildCdaN1(input({ title: 'bip\u0007' }))).toThrow(/Caractère interdit \(U\+0007\) dans « Le titre »/);
    expect(xmlEscape('a"b')).toBe('a&quot;b');
  });

  it.each([
    ['an empty PDF', { pdf: Buffer.alloc(0) }, /PDF est vide/],
    ['a file that is not a PDF', { pdf: Buffer.from('GIF89a…') }, /n’est pas un PDF/],
    ['a PDF over 20 MB', { pdf: Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(MAX_PDF_BYTES)]) }, /trop volumineux/],
    ['an unknown type', { type: '12345-6' as never }, /Type de document inconnu/],
    ['an empty title', { title: '  ' }, /titre du document est vide/],
    ['an unknown practice setting', { practiceSetting: 'HOPITAL' as never }, /Cadre d’exercice inconnu/],
    ['a bad id root', { id: { root: 'pas-un-oid' } }, /n’est pas un OID/],
  ])('refuses %s', (_what, overrides, message) => {
    expect(() => buildCdaN1(input(overrides))).toThrow(message);
  });

  it('refuses a bad INS, an unknown OID, a missing birthplace, an unknown profession, a missing structure', () => {
    const base = input();
    const withPatient = (ins: Partial<typeof base.patient.ins>, traits: Partial<typeof base.patient.traits> = {}) =>
      input({ patient: { ins: { ...base.patient.ins, ...ins }, traits: { ...base.patient.traits, ...traits } } });
    expect(() => buildCdaN1(withPatient({ cle: '77' }))).toThrow(/INS du patient invalide.*clé/);
    expect(() => buildCdaN1(withPatient({ oid: '1.2.3.4' }))).toThrow(/OID de l’INS inconnu/);
    expect(() => buildCdaN1(withPatient({}, { birthplace: null }))).toThrow(/lieu de naissance/);
    expect(() => buildCdaN1(input({ author: { ...gp, professionCode: '99' } }))).toThrow(/J01/);
    expect(() => buildCdaN1(input({ structure: undefined, author: { ...gp, structureId: undefined } }))).toThrow(/structure/);
  });

  it('formats dates', () => {
    expect(hl7BirthDate('1990-00-00')).toBe('1990');
    expect(hl7BirthDate('1990-05-00')).toBe('199005');
    expect(() => hl7BirthDate('26/02/1997')).toThrow(/AAAA-MM-JJ/);
    // The practice's wall clock with its offset, whatever the machine's zone.
    expect(hl7Timestamp(new Date('2026-12-07T23:30:05Z'))).toBe('20261208003005+0100');
    expect(hl7Timestamp(new Date('2026-07-14T22:30:05Z'))).toBe('20260715003005+0200');
    expect(hl7Timestamp(new Date('2026-12-07T23:30:05Z'), 'America/Martinique')).toBe('20261207193005-0400');
    expect(hl7Timestamp(new Date('2026-12-07T23:30:05Z'), 'Pacific/Marquesas')).toBe('20261207140005-0930');
    expect(newUuidOid().length).toBeLessThanOrEqual(44);
  });
});
