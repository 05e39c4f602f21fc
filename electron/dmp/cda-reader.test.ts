import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCdaN1 } from './cda/builder.js';
import { input, pdf } from './cda/fixtures.test-support.js';
import { CabinetError } from '../../shared/contract/outcome.js';
import { MAX_CDA_BYTES, MAX_CDA_DEPTH, readCda } from './cda-reader.js';

const EXAMPLES = '/work/shared/reference/cda/examples';

describe('reading a retrieved CDA', () => {
  it('finds the level, the PDF of a level-1 document and the ids a replacement needs', () => {
    const body = pdf(300_000);
    const built = buildCdaN1(input({ pdf: body }));
    const reading = readCda(Buffer.from(built.xml));
    expect(reading).toMatchObject({ level: 'cda-n1', id: built.id, setId: built.setId, versionNumber: 1 });
    expect(Buffer.from(reading!.pdfBase64!, 'base64').equals(body)).toBe(true);
  });

  it('reads the ANS examples: level 1 with its PDF, level 3 structured', () => {
    const files = fs.existsSync(EXAMPLES) ? fs.readdirSync(EXAMPLES) : [];
    const n1 = files.find((f) => /N1\.xml$/i.test(f));
    const n3 = files.find(
      (f) => /\.xml$/i.test(f) && !/N1\.xml$/i.test(f) && fs.readFileSync(path.join(EXAMPLES, f), 'utf8').includes('structuredBody'),
    );
    expect(n1 && n3).toBeTruthy();
    const one = readCda(fs.readFileSync(path.join(EXAMPLES, n1!)));
    expect(one?.level).toBe('cda-n1');
    expect(Buffer.from(one!.pdfBase64!, 'base64').subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const three = readCda(fs.readFileSync(path.join(EXAMPLES, n3!)));
    expect(three).toMatchObject({ level: 'cda-n3', pdfBase64: null });
    expect(three?.id?.root).toMatch(/^[0-9.]+$/);
  });

  it('says « not a CDA » for other documents and refuses hostile or broken ones in French', () => {
    expect(readCda(Buffer.from('%PDF-1.7 …'))).toBeNull();
    expect(readCda(Buffer.from('<?xml version="1.0"?><autre/>'))).toBeNull();
    expect(readCda(Buffer.from([0xff, 0xfe, 0x00]))).toBeNull();
    expect(() =>
      readCda(Buffer.from('<!DOCTYPE x [<!ENTITY a "b">]><ClinicalDocument xmlns="urn:hl7-org:v3">&a;</ClinicalDocument>')),
    ).toThrow();
    expect(() => readCda(Buffer.from('<!-- x --><ClinicalDocument xmlns="urn:hl7-org:v3"><!DOCTYPE x></ClinicalDocument>'))).toThrow(
      /illisible/,
    );
    expect(readCda(Buffer.from('<ClinicalDocument xmlns="urn:autre"/>'))).toBeNull();
    expect(() => readCda(Buffer.from('<ClinicalDocument xmlns="urn:hl7-org:v3"><component>'))).toThrow(/XML mal formé/);
    expect(() =>
      readCda(
        Buffer.from(
          '<ClinicalDocument xmlns="urn:hl7-org:v3"><component><nonXMLBody><text mediaType="application/pdf" representation="B64">pas*du*base64</text></nonXMLBody></component></ClinicalDocument>',
        ),
      ),
    ).toThrow(/base64/);
  });
});

describe('a hostile CDA is refused quickly, in French', () => {
  const nested = (levels: number) =>
    Buffer.from(
      `<ClinicalDocument xmlns="urn:hl7-org:v3"><component>${'<a>'.repeat(levels)}${'</a>'.repeat(levels)}</component></ClinicalDocument>`,
    );

  it('refuses 40,000 nested elements (0.7 MB) at the depth limit', () => {
    const error = (() => {
      try {
        readCda(nested(40_000));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(CabinetError);
    expect((error as CabinetError).code).toBe('CHECK_FAILED');
    expect((error as CabinetError).message).toMatch(/Document CDA illisible : imbrication de plus de 256 niveaux/);
    expect((error as CabinetError).details).toMatchObject({ reason: 'profondeur' });
  });

  it('refuses 400,000 nested elements (4.4 MB) the same way', () => {
    expect(() => readCda(nested(400_000))).toThrow(/imbrication de plus de 256 niveaux/);
  });

  it('reads a document nested just under the limit', () => {
    const reading = readCda(nested(MAX_CDA_DEPTH - 2));
    expect(reading).toMatchObject({ level: null, pdfBase64: null });
  });

  it('refuses a document over the size limit before reading it', () => {
    expect(() => readCda(Buffer.alloc(MAX_CDA_BYTES + 1, 0x20))).toThrow(/plus de 40 Mo/);
  });
});
