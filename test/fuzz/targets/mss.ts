/** MSSanté targets: MIME messages, receipts (DSN/MDN), IHE XDM zips. */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseEml } from '../../../electron/mss/parse.js';
import { parseReceipt, type ReportPart } from '../../../electron/mss/receipts.js';
import { craftZip } from '../../../electron/mss/testdata/craft-zip.js';
import { buildXdm, readXdm } from '../../../electron/mss/xdm/index.js';
import { mutatedBytes, mutatedText, TOKENS } from '../mutate.js';
import type { FuzzJson, FuzzTarget } from '../target.js';

const TESTDATA = path.resolve(import.meta.dirname, '../../../electron/mss/testdata');
const SHARED_XDM = path.resolve(import.meta.dirname, '../../../../shared/reference/mss/xdm/KA202401/IHE_XDM/SS000001/METADATA.XML');
const emls = () =>
  fs
    .readdirSync(TESTDATA)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => fs.readFileSync(path.join(TESTDATA, f)));
const cdaXml = () => fs.readFileSync(path.join(TESTDATA, 'cda-cr-consultation.xml'));

export const mime: FuzzTarget<Buffer> = {
  name: 'mime',
  parser: 'messages MIME (parseEml : pièces, accusés, XDM joint)',
  corpus: emls,
  arbitrary: (corpus) => mutatedBytes(corpus),
  run: (raw) => parseEml(raw),
};

/** `{ reportType, parts: [{ contentType, content }] }`, content as text. */
type ReceiptInput = { reportType: string; parts: { contentType: string; content: string }[] };

function reportTexts(): { contentType: string; content: string }[] {
  const out: { contentType: string; content: string }[] = [];
  for (const raw of emls()) {
    const text = raw.toString('utf8');
    for (const [marker, contentType] of [
      ['Reporting-MTA:', 'message/delivery-status'],
      ['Reporting-UA:', 'message/disposition-notification'],
    ] as const) {
      const start = text.indexOf(marker);
      if (start < 0) continue;
      const end = text.indexOf('\n--', start);
      out.push({ contentType, content: text.slice(start, end < 0 ? undefined : end) });
    }
  }
  return out;
}

export const receipts: FuzzTarget = {
  name: 'receipts',
  parser: 'accusés DSN/MDN (parseReceipt)',
  corpus: () =>
    reportTexts().map((p) => ({
      reportType: p.contentType === 'message/delivery-status' ? 'delivery-status' : 'disposition-notification',
      parts: [{ contentType: 'text/plain', content: 'Rapport' }, p],
    })),
  arbitrary: (corpus) => {
    const samples = corpus as ReceiptInput[];
    const contents = mutatedText(samples.flatMap((s) => s.parts.map((p) => p.content)));
    const part = fc.record({
      contentType: fc.constantFrom(
        'message/delivery-status',
        'message/global-delivery-status',
        'message/disposition-notification',
        'text/plain',
        'message/rfc822',
        '',
      ),
      content: contents,
    });
    return fc.record({
      reportType: fc.constantFrom('delivery-status', 'disposition-notification', 'DELIVERY-STATUS', '', 'x'),
      parts: fc.array(part, { maxLength: 5 }),
    }) as fc.Arbitrary<FuzzJson>;
  },
  run: (i) => {
    const { reportType, parts } = i as ReceiptInput;
    const report: ReportPart[] = parts.map((p) => ({ contentType: p.contentType, content: Buffer.from(p.content, 'utf8') }));
    return parseReceipt(reportType, report);
  },
};

/** Zips a real archiver would refuse to write: `../` names, lying sizes, encryption flags, wrong CRCs, duplicates. */
function craftedZip(metadata: Buffer, cda: Buffer): fc.Arbitrary<Buffer> {
  const name = fc.oneof(
    fc.constantFrom(
      'IHE_XDM/SUBSET01/METADATA.XML',
      'IHE_XDM/SUBSET01/DOC0001.XML',
      'INDEX.HTM',
      'README.TXT',
      '../../etc/passwd',
      'IHE_XDM/../../x',
      '/abs/path',
      'C:\\win\\x',
      'IHE_XDM\\SUBSET01\\DOC.XML',
      'a\u0000b',
      '',
    ),
    fc.string({ maxLength: 300 }),
  );
  const data = fc.oneof(
    fc.constant(metadata),
    fc.constant(cda),
    fc.constantFrom(...TOKENS).map((t) => Buffer.from(t)),
    fc.constantFrom(0, 1, 64 * 1024, 4 * 1024 * 1024).map((n) => Buffer.alloc(n, 0x41)),
  );
  const entry = fc.record(
    {
      name,
      data,
      store: fc.boolean(),
      declaredSize: fc.oneof(fc.nat({ max: 0xffffffff }), fc.constant(0)),
      flags: fc.constantFrom(0, 1, 8, 0x40),
      crc: fc.nat({ max: 0xffffffff }),
    },
    { requiredKeys: ['name', 'data'] },
  );
  return fc.array(entry, { minLength: 0, maxLength: 6 }).map((entries) => craftZip(entries));
}

export const xdm: FuzzTarget<Buffer> = {
  name: 'xdm',
  parser: 'archives IHE XDM (readXdm : zip + METADATA.XML + CDA)',
  corpus: async () => {
    const cda = cdaXml();
    const samples = [
      await buildXdm({ cda: { xml: cda }, now: new Date('2026-03-02T10:00:00Z') }),
      await buildXdm({ cda: { xml: cda }, pdf: { data: Buffer.from('%PDF-1.4\n%%EOF\n') }, now: new Date('2026-03-02T10:00:00Z') }),
    ];
    if (fs.existsSync(SHARED_XDM)) samples.push(craftZip([{ name: 'IHE_XDM/SS000001/METADATA.XML', data: fs.readFileSync(SHARED_XDM) }]));
    return samples;
  },
  arbitrary: (corpus) => {
    const metadata = fs.existsSync(SHARED_XDM) ? fs.readFileSync(SHARED_XDM) : Buffer.from('<x/>');
    return mutatedBytes(corpus, [craftedZip(metadata, cdaXml())]);
  },
  run: (zip) => readXdm(zip),
};
