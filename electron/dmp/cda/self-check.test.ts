import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCdaN1 } from './builder.js';
import { CdaSelfCheck, splitPdf, xsdProblems, type CdaCheckResult } from './self-check.js';
import { input, nurse } from './fixtures.test-support.js';

const checker = new CdaSelfCheck();
afterAll(() => checker.close());

const EXAMPLES = path.resolve(import.meta.dirname, '../../../../shared/reference/cda/examples');
const good = buildCdaN1(input()).xml;

function problems(result: CdaCheckResult) {
  return result.ok ? [] : result.problems;
}
const rules = (result: CdaCheckResult) => problems(result).map((p) => p.rule);

/** One change to the good document; fails the test if the change did not apply. */
function broken(from: string | RegExp, to: string): string {
  const xml = good.replace(from, to);
  expect(xml, `la modification ${String(from)} ne s’applique pas`).not.toBe(good);
  return xml;
}

describe('checkCda on Cabinet’s own documents', () => {
  it('accepts the builder’s output (GP; nurse at home; a replacement)', async () => {
    expect(await checker.check(good)).toEqual({ ok: true });
    const v1 = buildCdaN1(input({ author: nurse, type: '11506-3', practiceSetting: 'SAD', confidentiality: 'V' }));
    expect(await checker.check(v1.xml)).toEqual({ ok: true });
    const v2 = buildCdaN1(input({ replaces: { id: v1.id, setId: v1.setId, versionNumber: 1 } }));
    expect(await checker.check(v2.xml)).toEqual({ ok: true });
  });

  it('accepts the ANS level-1 example', async () => {
    expect(await checker.check(fs.readFileSync(path.join(EXAMPLES, 'DOC_NON_STRUCTURE_CDA-R2-N1.xml'), 'utf8'))).toEqual({ ok: true });
  });
});

describe('checkCda refuses broken documents with the right rule and a French message', () => {
  it('a missing INS', async () => {
    const result = await checker.check(broken(/<id root="1\.2\.250\.1\.213\.1\.4\.8" extension="297022A02077878"\/>/, ''));
    expect(result.ok).toBe(false);
    expect(problems(result)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          rule: 'CABINET-INS-01',
          message: expect.stringContaining('doit porter l’INS du patient'),
          location: '/ClinicalDocument/recordTarget/patientRole',
        }),
        expect.objectContaining({ rule: 'd2485e36-false-d2536e0', message: expect.stringContaining('patientRole/id') }),
      ]),
    );
  });

  it('a wrong INS OID, and a wrong INS key', async () => {
    expect(problems(await checker.check(broken('root="1.2.250.1.213.1.4.8"', 'root="1.2.250.1.213.1.4.99"')))).toEqual([
      expect.objectContaining({ rule: 'CABINET-INS-01', message: expect.stringMatching(/OID d’une autorité INS/) }),
    ]);
    expect(problems(await checker.check(broken('extension="297022A02077878"', 'extension="297022A02077877"')))).toEqual([
      expect.objectContaining({ rule: 'CABINET-INS-02', message: expect.stringMatching(/clé/) }),
    ]);
  });

  it('a missing INS trait (birthplace) — the ANS INS assert', async () => {
    const result = await checker.check(broken(/<birthplace>.*?<\/birthplace>/, ''));
    expect(problems(result)).toEqual([
      expect.objectContaining({ rule: 'd152e10-false-d1610e0', message: expect.stringContaining('traits de l’INS') }),
    ]);
  });

  it('a typeCode outside JDV_J07, and a facility type outside J02', async () => {
    expect(problems(await checker.check(broken('<code code="11488-4"', '<code code="99999-9"')))).toEqual([
      expect.objectContaining({ rule: 'd152e75-false-d2268e0', message: expect.stringContaining('JDV_J07_XdsTypeCode_CISIS') }),
    ]);
    expect(rules(await checker.check(broken('code="SA07"', 'code="SA99"')))).toEqual(['d14937e492-false-d17844e0']);
  });

  it('a body that is not a PDF, or not declared as one', async () => {
    const notPdf = good.replace(/(representation="B64">)[^<]*/, `$1${Buffer.from('<html>bonjour</html>').toString('base64')}`);
    expect(problems(await checker.check(notPdf))).toEqual([
      expect.objectContaining({
        rule: 'CABINET-N1-03',
        message: expect.stringContaining('n’est pas un PDF'),
        location: '/ClinicalDocument/component/nonXMLBody/text',
      }),
    ]);
    expect(rules(await checker.check(broken('mediaType="application/pdf"', 'mediaType="text/plain"')))).toEqual(['CABINET-N1-02']);
    expect(rules(await checker.check(good.replace(/(representation="B64">)[^<]*/, '$1pas du base64 !')))).toEqual(['CABINET-N1-03']);
  });

  it('a missing author id (XSD, the ANS assert and Cabinet’s idNat_PS rule)', async () => {
    const xml = broken(/(<assignedAuthor>\n)<id [^>]*\/>\n/, '$1');
    const found = problems(await checker.check(xml));
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'XSD', message: expect.stringContaining('Non conforme au schéma CDA') }),
        expect.objectContaining({ rule: 'd4313e105-false-d4479e0', message: expect.stringContaining('identifiant de l’auteur') }),
        expect.objectContaining({ rule: 'CABINET-AUT-01', message: expect.stringContaining('idNat_PS') }),
      ]),
    );
  });

  it('an extra templateId in an N1 document, a missing legalAuthenticator, a bad languageCode', async () => {
    expect(
      rules(
        await checker.check(
          broken(
            '<templateId root="1.3.6.1.4.1.19376.1.2.20"/>',
            '<templateId root="1.3.6.1.4.1.19376.1.2.20"/><templateId root="1.2.250.1.213.1.1.1.13"/>',
          ),
        ),
      ),
    ).toEqual(['d152e10-false-d1610e0']);
    const noLegal = problems(await checker.check(broken(/<legalAuthenticator>[\s\S]*?<\/legalAuthenticator>\n/, '')));
    expect(noLegal).toEqual([
      expect.objectContaining({ rule: 'd152e10-false-d1610e0', message: expect.stringContaining('legalAuthenticator') }),
    ]);
    expect(rules(await checker.check(broken('<languageCode code="fr-FR"/>', '<languageCode code="francais"/>')))).toEqual([
      'd152e115-false-d2414e0',
    ]);
  });

  it('an element out of schema order (XSD only)', async () => {
    const found = problems(await checker.check(broken(/(<title>[^<]*<\/title>\n)(<effectiveTime [^>]*\/>\n)/, '$2$1')));
    expect(found.map((p) => p.rule)).toEqual(['XSD']);
    expect(found[0]!.location).toMatch(/^ligne \d+$/);
  });

  it('malformed XML and a DOCTYPE', async () => {
    expect(problems(await checker.check(good.replace('</ClinicalDocument>', '')))).toEqual([
      expect.objectContaining({ rule: 'XML', message: expect.stringContaining('mal formé') }),
    ]);
    expect(problems(await checker.check(good.replace('<ClinicalDocument', '<!DOCTYPE x [<!ENTITY a "b">]>\n<ClinicalDocument')))).toEqual([
      expect.objectContaining({ rule: 'XML', message: expect.stringContaining('DTD') }),
    ]);
    const deep = good.replace('</ClinicalDocument>', `${'<a>'.repeat(40_000)}${'</a>'.repeat(40_000)}</ClinicalDocument>`);
    expect(problems(await checker.check(deep))).toEqual([
      expect.objectContaining({ rule: 'XML', message: 'Document refusé : imbrication de plus de 256 niveaux.' }),
    ]);
  });
});

describe('self-check configuration', () => {
  it('refuses a reference folder without the schemas, in French', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-cda-ref-'));
    expect(() => new CdaSelfCheck({ referenceDir: empty })).toThrow(/dossier de référence introuvable/);
    fs.rmSync(empty, { recursive: true });
  });

  it('reads libxml2’s errors in French', () => {
    expect(xsdProblems([{ line: 12, message: "Element '{urn:hl7-org:v3}titre': This element is not expected." }])).toEqual([
      {
        rule: 'XSD',
        message: 'Non conforme au schéma CDA (CDA_extended.xsd) : élément {urn:hl7-org:v3}titre : This element is not expected.',
        location: 'ligne 12',
      },
    ]);
    expect(xsdProblems([{ line: 3, message: 'XML mal formé : Opening and ending tag mismatch', wellFormed: false }])[0]).toMatchObject({
      rule: 'XML',
      location: 'ligne 3',
    });
  });

  it('takes the PDF out for the schema and the rules, and keeps it for the body check', () => {
    const { xml, pdf } = splitPdf(good);
    expect(pdf!.length).toBeGreaterThan(1024);
    expect(xml.length).toBeLessThan(good.length - 1000);
    expect(xml).toContain('JVBERi0=');
    expect(splitPdf('<ClinicalDocument/>')).toEqual({ xml: '<ClinicalDocument/>', pdf: null });
  });
});
