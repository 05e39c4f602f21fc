/**
 * CDA reading for the viewer, on the ANS example documents (level 3 and
 * level 1) and on hand-written narratives (every StrucDoc.Text element, and
 * what must never come through: scripts, links, external media).
 */
// The tests run in Node; the renderer's rule against Node modules is for the app code.
// eslint-disable-next-line no-restricted-imports
import fs from 'node:fs';
// eslint-disable-next-line no-restricted-imports
import path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import {
  base64ToBytes,
  CdaReadError,
  cdaTime,
  countSections,
  looksLikePdf,
  MAX_DEPTH,
  readCdaDocument,
  type CdaBlock,
  type CdaFlow,
  type CdaReading,
  type CdaSection,
  type XmlNodeLike,
} from './cda-sections.js';

const examples = '/work/shared/reference/cda/examples';
const haveExamples = fs.existsSync(examples);

function parse(xml: string): CdaReading {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  return readCdaDocument(doc.documentElement as unknown as XmlNodeLike);
}

// TextDecoder drops the byte order mark, as the viewer does (one example starts with one).
const read = (name: string) => parse(new TextDecoder('utf-8').decode(fs.readFileSync(path.join(examples, name))));

function flowText(flow: CdaFlow): string {
  return flow
    .map((item) => {
      switch (item.kind) {
        case 'text':
          return item.text;
        case 'br':
          return '\n';
        case 'paragraph':
          return flowText(item.content);
        case 'list':
          return item.items.map(flowText).join(' | ');
        case 'table':
          return [...item.head, ...item.body].map((row) => row.map((c) => flowText(c.content)).join(' ; ')).join(' / ');
        case 'media':
          return '[media]';
      }
    })
    .join('');
}

function allSections(sections: CdaSection[]): CdaSection[] {
  return sections.flatMap((s) => [s, ...allSections(s.sections)]);
}

function blocks(sections: CdaSection[]): CdaBlock[] {
  const out: CdaBlock[] = [];
  const walk = (flow: CdaFlow) => {
    for (const item of flow) {
      if (item.kind === 'text' || item.kind === 'br') continue;
      out.push(item);
      if (item.kind === 'paragraph') walk(item.content);
      if (item.kind === 'list') item.items.forEach(walk);
      if (item.kind === 'table') [...item.head, ...item.body, ...item.foot].forEach((row) => row.forEach((c) => walk(c.content)));
    }
  };
  for (const s of allSections(sections)) walk(s.content);
  return out;
}

const doc = (body: string, header = '<title>Essai</title>') =>
  `<?xml version="1.0" encoding="UTF-8"?><ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${header}<component><structuredBody>${body}</structuredBody></component></ClinicalDocument>`;
const section = (title: string, text: string, inner = '') =>
  `<component><section><title>${title}</title><text>${text}</text>${inner}</section></component>`;

describe.skipIf(!haveExamples)('ANS example documents', () => {
  it('reads the VSM (synthèse médicale) sections, nested, with their tables', () => {
    const reading = read('VSM_1.4_2022.01.xml');
    expect(reading.level).toBe(3);
    if (reading.level !== 3) return;
    expect(reading.header.type?.code).toBe('SYNTH');
    expect(reading.header.title).toMatch(/synth/i);
    expect(reading.header.patient).toBeTruthy();
    expect(reading.header.authors.length).toBeGreaterThan(0);
    // The 13 <section> elements of the file, nested as in the document.
    expect(countSections(reading.sections)).toBe(13);
    const first = reading.sections[0]!;
    expect(first.title).toBe('Pathologie en cours, antécédents, allergies et facteurs de risques');
    const active = allSections(reading.sections).find((s) => s.title === 'Pathologie en cours')!;
    expect(active).toBeDefined();
    const table = active.content.find((b): b is Extract<CdaBlock, { kind: 'table' }> => b.kind === 'table')!;
    expect(table.head[0]!.map((c) => flowText(c.content))).toEqual(['Date', 'Pathologie en cours']);
    expect(table.head[0]!.every((c) => c.header)).toBe(true);
    expect(table.body.map((row) => flowText(row[1]!.content))).toContain('Accident ischémique cérébral transitoire');
  });

  it('reads the LDL-SES (lettre de liaison) with line breaks kept', () => {
    const reading = read('LDL-SES_2022.01.xml');
    expect(reading.level).toBe(3);
    if (reading.level !== 3) return;
    expect(reading.header.type?.code).toBe('11490-0');
    expect(reading.header.effectiveTime).toBe('2019-12-03T13:30');
    // Names for reading: qualifiers BR/CL shown once; « Dr » from the suffix.
    expect(reading.header.patient).toBe('PAT-TROIS Dominique');
    expect(reading.header.authors[0]).toEqual({ name: 'Dr Charles DAVID', organisation: 'Hôpital Européen Georges Pompidou' });
    expect(countSections(reading.sections)).toBe(9);
    const withBreaks = allSections(reading.sections).some((s) => JSON.stringify(s.content).includes('"kind":"br"'));
    expect(withBreaks).toBe(true);
    // Every section has a title.
    expect(allSections(reading.sections).every((s) => s.title)).toBe(true);
  });

  it('reads the prescription and the certificate, and shows media as a placeholder only', () => {
    const presc = read('eP-MED-DM_2024.01_PosoNonStruct.xml');
    expect(presc.level).toBe(3);
    if (presc.level !== 3) return;
    expect(countSections(presc.sections)).toBe(7);
    expect(blocks(presc.sections).some((b) => b.kind === 'media')).toBe(true);
    const cert = read('CSE-MDE_2023.01.xml');
    expect(cert.level).toBe(3);
    if (cert.level === 3) expect(countSections(cert.sections)).toBe(1);
  });

  it('extracts the PDF of the level-1 document', () => {
    const reading = read('DOC_NON_STRUCTURE_CDA-R2-N1.xml');
    expect(reading.level).toBe(1);
    if (reading.level !== 1) return;
    expect(reading.mediaType).toBe('application/pdf');
    const bytes = base64ToBytes(reading.base64);
    expect(looksLikePdf(bytes)).toBe(true);
    expect(bytes.length).toBeGreaterThan(100_000);
  });
});

describe('narrative block', () => {
  it('keeps paragraphs, lists, styles, sub/sup and captions; collapses whitespace', () => {
    const reading = parse(
      doc(
        section(
          'Conclusion',
          `<paragraph><caption>Avis</caption>Patient   <content styleCode="Bold">stable</content>,
             HbA<sub>1c</sub> à 6,5 %<sup>*</sup>.</paragraph>
           <list listType="ordered"><caption>Conduite à tenir</caption><item>Contrôle à <content styleCode="Italics Underline">3 mois</content></item><item>Régime</item></list>`,
        ),
      ),
    );
    if (reading.level !== 3) throw new Error('level 3 expected');
    const [paragraph, list] = reading.sections[0]!.content;
    expect(paragraph).toMatchObject({ kind: 'paragraph', caption: 'Avis' });
    if (paragraph?.kind !== 'paragraph') return;
    expect(flowText(paragraph.content)).toBe('Patient stable, HbA1c à 6,5 %*.');
    expect(paragraph.content).toContainEqual({ kind: 'text', text: 'stable', styles: ['gras'] });
    expect(paragraph.content).toContainEqual({ kind: 'text', text: '1c', styles: ['indice'] });
    expect(paragraph.content).toContainEqual({ kind: 'text', text: '*', styles: ['exposant'] });
    expect(list).toMatchObject({ kind: 'list', ordered: true, caption: 'Conduite à tenir' });
    if (list?.kind !== 'list') return;
    expect(list.items.map(flowText)).toEqual(['Contrôle à 3 mois', 'Régime']);
    expect(list.items[0]).toContainEqual({ kind: 'text', text: '3 mois', styles: ['italique', 'souligne'] });
  });

  it('reads table spans, head, body and foot', () => {
    const reading = parse(
      doc(
        section(
          'Résultats',
          `<table><caption>Biologie</caption><thead><tr><th colspan="2">Examen</th></tr></thead>
           <tbody><tr><td rowspan="2">Glycémie</td><td>1,02 g/l</td></tr><tr><td>5,6 mmol/l</td></tr></tbody>
           <tfoot><tr><td colspan="x">fin</td></tr></tfoot></table>`,
        ),
      ),
    );
    if (reading.level !== 3) throw new Error('level 3 expected');
    const table = reading.sections[0]!.content[0];
    if (table?.kind !== 'table') throw new Error('table expected');
    expect(table.caption).toBe('Biologie');
    expect(table.head[0]![0]).toMatchObject({ header: true, colSpan: 2 });
    expect(table.body[0]![0]).toMatchObject({ header: false, rowSpan: 2 });
    expect(table.body).toHaveLength(2);
    expect(table.foot[0]![0]!.colSpan).toBe(1); // an invalid span is 1
  });

  it('never lets a link, a script, an image source or foreign markup through: text only', () => {
    const reading = parse(
      doc(
        section(
          'Piège',
          `Voir <linkHtml href="javascript:alert(1)">ce lien</linkHtml>
           <script xmlns="http://www.w3.org/1999/xhtml">alert(2)</script>
           <img xmlns="http://www.w3.org/1999/xhtml" src="https://exemple.fr/x.png"/>
           <renderMultiMedia referencedObject="IMG1"><caption>Radiographie</caption></renderMultiMedia>
           <content onclick="alert(3)" styleCode="Bold">fin</content>`,
        ),
      ),
    );
    if (reading.level !== 3) throw new Error('level 3 expected');
    const json = JSON.stringify(reading);
    expect(json).not.toMatch(/javascript:|https:|href|onclick|alert\(2\)|src/);
    const content = reading.sections[0]!.content;
    expect(flowText(content)).toContain('Voir ce lien');
    expect(content).toContainEqual({ kind: 'media', caption: 'Radiographie' });
  });

  it('refuses what is not a CDA, and documents nested too deep', () => {
    expect(() => parse('<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>')).toThrow(CdaReadError);
    expect(() => parse('<ClinicalDocument/>')).toThrow(/pas un CDA/); // no HL7 namespace
    const deep = '<content>'.repeat(MAX_DEPTH + 5) + 'x' + '</content>'.repeat(MAX_DEPTH + 5);
    expect(() => parse(doc(section('Profond', deep)))).toThrow(/imbriqué/);
  });

  it('says why a level-1 body cannot be shown', () => {
    const n1 = (text: string) =>
      `<ClinicalDocument xmlns="urn:hl7-org:v3"><title>N1</title><component><nonXMLBody>${text}</nonXMLBody></component></ClinicalDocument>`;
    expect(parse(n1('<text mediaType="application/pdf" representation="TXT">abc</text>'))).toMatchObject({
      level: 0,
      reason: expect.stringMatching(/base64/),
    });
    expect(parse(n1('<text mediaType="application/pdf" representation="B64">@@@</text>'))).toMatchObject({
      level: 0,
      reason: expect.stringMatching(/illisible/),
    });
    expect(parse(n1('<text mediaType="application/pdf" representation="B64">JVBE\n Ri0x</text>'))).toMatchObject({
      level: 1,
      base64: 'JVBERi0x',
    });
    expect(parse('<ClinicalDocument xmlns="urn:hl7-org:v3"><title>Vide</title></ClinicalDocument>')).toMatchObject({ level: 0 });
  });

  it('formats CDA times without converting time zones', () => {
    expect(cdaTime('20191203133000+0100')).toBe('2019-12-03T13:30');
    expect(cdaTime('20191203')).toBe('2019-12-03');
    expect(cdaTime('201912')).toBe('2019-12');
    expect(cdaTime('x')).toBeNull();
    expect(cdaTime(null)).toBeNull();
  });
});
