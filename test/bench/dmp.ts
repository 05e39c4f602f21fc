/**
 * DMP benches (run by run.ts, or alone: `npx tsx test/bench/dmp.ts`):
 * (a) a 2,000-entry ITI-18 answer (~15 MB) read by the streaming reader,
 *     against a bare saxes pass over the same text;
 * (b) a 1 MB PDF → CDA N1 → XDS metadata → signed VIHF → ITI-41 MTOM message,
 *     against SHA-1 + base64 of the same PDF alone.
 */
import { createHash } from 'node:crypto';
import { SaxesParser } from 'saxes';
import { buildCdaN1 } from '../../electron/dmp/cda/builder.js';
import { input, pdf } from '../../electron/dmp/cda/fixtures.test-support.js';
import { soapRequest } from '../../electron/dmp/client/client.js';
import { queryResponse } from '../../electron/dmp/wire/fixtures.test-support.js';
import { buildProvideAndRegister, buildSubmitObjects, CDA_CONTENT_ID, readCdaHeader } from '../../electron/dmp/wire/metadata.js';
import { buildMtom } from '../../electron/dmp/wire/mtom.js';
import { readXdsResponse } from '../../electron/dmp/wire/query.js';
import { ACTIONS } from '../../electron/dmp/wire/soap.js';
import { VihfCache } from '../../electron/identity/vihf/cache.js';
import { buildVihf } from '../../electron/identity/vihf/vihf.js';
import { issueLeaf, makeAuthority, softwareSigner } from '../support/throwaway-ca.js';
import { cardSubject, doctorInput } from '../support/vihf-samples.js';
import { compare, report, type Row } from './harness.js';

export async function benchDmp(): Promise<Row[]> {
  const rows: Row[] = [];
  // (a)
  {
    const envelope = queryResponse(2000);
    const bare = () => {
      const p = new SaxesParser({ position: false });
      p.write(envelope).close();
    };
    const withHandlers = () => {
      const p = new SaxesParser({ position: false });
      let n = 0;
      p.on('opentag', () => n++);
      p.on('text', () => n++);
      p.on('closetag', () => n++);
      p.write(envelope).close();
      return n;
    };
    let count = 0;
    const { subject, reference } = await compare(15, () => (count = readXdsResponse(envelope).documents.length), bare, 3);
    const events = await compare(15, () => readXdsResponse(envelope), withHandlers, 2);
    rows.push({
      name: `DMP ITI-18 : réponse de 2 000 fiches (${(envelope.length / 1e6).toFixed(1)} Mo) lue en flux en DmpDocumentEntry[] (${count} fiches)`,
      baseline: 'passe saxes nue sur le même texte (sans gestionnaire)',
      subject,
      reference,
      budget: 1.5,
      notes: [`contre une passe saxes avec gestionnaires vides (opentag/text/closetag) : ${(events.subject.median / events.reference.median).toFixed(2)}× (${events.reference.median.toFixed(1)} ms)`],
    });
  }
  // (b)
  {
    const authority = makeAuthority();
    const signer = softwareSigner(issueLeaf(authority, { subject: cardSubject, usage: 'signature' }));
    const bytes = pdf(1024 * 1024);
    const ins = { value: '297022A02077878', oid: '1.2.250.1.213.1.4.8' as const };
    const vihfInput = { ...doctorInput, patientIns: ins };
    const cache = new VihfCache();
    const feed = (cached = false) => {
      const built = buildCdaN1(input({ pdf: bytes }));
      const cda = Buffer.from(built.xml);
      const header = readCdaHeader(cda);
      const submission = buildSubmitObjects({ header, cda, ins, visibility: { masquePs: false, invisiblePatient: false, invisibleRepresentants: false }, sourceId: '1.2.250.1.999.1' });
      const assertion = cached ? cache.get(vihfInput, signer) : buildVihf(vihfInput, signer);
      const envelope = soapRequest(ACTIONS.iti41.request, 'https://localhost:19444/dmp', assertion, buildProvideAndRegister(submission));
      return buildMtom({ envelope, attachments: [{ contentId: CDA_CONTENT_ID, contentType: 'text/xml', body: cda }], action: ACTIONS.iti41.request }).body.length;
    };
    const hashAndBase64 = () => {
      createHash('sha1').update(bytes).digest('hex');
      return bytes.toString('base64').length;
    };
    const { subject, reference } = await compare(40, () => feed(false), hashAndBase64, 5);
    rows.push({
      name: 'DMP ITI-41 : PDF de 1 Mo → CDA N1 + métadonnées XDS + VIHF signé + message MTOM',
      baseline: 'SHA-1 + base64 du même PDF seuls',
      subject,
      reference,
      budgetMs: { ms: 25, label: '25 ms' },
    });
    const cached = await compare(40, () => feed(true), hashAndBase64, 5);
    rows.push({
      name: 'DMP ITI-41 : même chaîne, VIHF repris du cache de 20 min (cas du client)',
      baseline: 'SHA-1 + base64 du même PDF seuls',
      subject: cached.subject,
      reference: cached.reference,
      budgetMs: { ms: 25, label: '25 ms' },
    });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(report(await benchDmp()));
}
