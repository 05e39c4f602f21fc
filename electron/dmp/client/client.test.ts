import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { makeServerCertificates } from '../../../test/support/certs.js';
import { issueLeaf, makeAuthority, softwareSigner } from '../../../test/support/throwaway-ca.js';
import { cardSubject } from '../../../test/support/vihf-samples.js';
import { nodeHttpsTransport, type HttpsExchange, type HttpsReply, type HttpsTransport } from '../../platform/tls/transport.js';
import type { Exchange, Tracer } from '../../platform/trace/trace.js';
import { buildCdaN1 } from '../cda/builder.js';
import { input } from '../cda/fixtures.test-support.js';
import { ACCESS_OPERATIONS, buildAccessFault, buildStatusResponse } from '../wire/access.js';
import { queryResponse, registeredObjects, soapEnvelope, TEST_INS } from '../wire/fixtures.test-support.js';
import { buildMtom, parseMtom, parseSoapMessage, xopInclude } from '../wire/mtom.js';
import { checkManifest, SIGNATURE_CONTENT_ID, verifySubmissionSignature } from '../wire/signature.js';
import { ACTIONS, ASSOCIATION, DMP_CODES, NS, STATUS } from '../wire/soap.js';
import { xsdErrors } from '../wire/xsd.test-support.js';
import type { DmpCall, DmpDocumentEntry } from './api.js';
import { XdsDmpClient, type XdsDmpClientOptions } from './client.js';

const ASSERTION =
  '<?xml version="1.0"?><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" Version="2.0" IssueInstant="2026-03-02T10:00:00Z"><saml2:Issuer>CN=test</saml2:Issuer></saml2:Assertion>';
const call: DmpCall = { ins: TEST_INS };
const author = { idNat: '899701000012', family: 'MARTIN', given: 'Marie', specialty: null, institution: { id: 'R99701', name: 'Cabinet' } };
const noMask = { masquePs: false, invisiblePatient: false, invisibleRepresentants: false };

const success = (body = '') =>
  soapEnvelope(
    `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success">${body}</rs:RegistryResponse>`,
    ACTIONS.iti41.response,
  );
const failure = (code: string, context = '') =>
  soapEnvelope(
    `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"><rs:RegistryErrorList highestSeverity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"><rs:RegistryError errorCode="${code}" codeContext="${context}" severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"/></rs:RegistryErrorList></rs:RegistryResponse>`,
  );
const soapReply = (xml: string, status = 200): HttpsReply => ({
  status,
  headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
  body: Buffer.from(xml),
});

interface Received {
  exchange: HttpsExchange;
  action: string;
  envelope: string;
  parts: Map<string, Buffer>;
}

/** A scripted transport: records each request (parsed as the sandbox would) and answers with the next handler. */
function fakeTransport(handlers: ((r: Received) => HttpsReply | Promise<HttpsReply>)[]): HttpsTransport & { received: Received[] } {
  const received: Received[] = [];
  return {
    received,
    async request(exchange) {
      const message = parseSoapMessage(exchange.headers?.['content-type'], exchange.body as Buffer);
      const action = /<wsa:Action[^>]*>([^<]*)<\/wsa:Action>/.exec(message.envelope)?.[1] ?? '';
      const r = { exchange, action, envelope: message.envelope, parts: message.parts };
      received.push(r);
      const handler = handlers.shift();
      if (!handler) throw new Error('unexpected request');
      return handler(r);
    },
    close() {},
  };
}

function client(transport: HttpsTransport, extra: Partial<XdsDmpClientOptions> = {}): XdsDmpClient {
  return new XdsDmpClient({ url: 'https://dmp.test/dmp', transport, vihf: () => ASSERTION, author, sourceId: '1.2.250.1.999.1', ...extra });
}

const cdaBuilt = buildCdaN1(input());
const cda = Buffer.from(cdaBuilt.xml);

describe('XdsDmpClient — ITI-41 feed', () => {
  it('sends an MTOM Provide and Register with WS-Addressing, the VIHF, XSD-valid metadata and the CDA part', async () => {
    const t = fakeTransport([() => soapReply(success())]);
    const traces: Exchange[] = [];
    const tracer: Tracer = { record: (e) => traces.push(e) };
    const result = await client(t, { tracer }).feed(call, {
      cda,
      uniqueId: cdaBuilt.uniqueId,
      visibility: { ...noMask, invisiblePatient: true },
    });
    expect(result.outcome).toBe('created');
    expect(result.uniqueId).toBe(cdaBuilt.uniqueId);
    const r = t.received[0]!;
    expect(r.exchange.headers!['content-type']).toMatch(
      /^multipart\/related; boundary=.*type="application\/xop\+xml".*action="urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"/,
    );
    expect(r.action).toBe(ACTIONS.iti41.request);
    expect(r.envelope).toMatch(/<wsa:MessageID>urn:uuid:[0-9a-f-]{36}<\/wsa:MessageID>/);
    expect(r.envelope).toContain('<wsa:To soap:mustUnderstand="1">https://dmp.test/dmp</wsa:To>');
    expect(r.envelope).toContain(`<wsse:Security xmlns:wsse="${NS.wsse}" soap:mustUnderstand="1"><saml2:Assertion`);
    expect(r.envelope).not.toContain('<?xml version="1.0"?><saml2');
    expect([...r.parts.values()][0]!.equals(cda)).toBe(true);
    const body = /<soap:Body>([\s\S]*)<\/soap:Body>/.exec(r.envelope)![1]!;
    expect(xsdErrors(body.replace(/<xop:Include[^>]*\/>/, cda.toString('base64')))).toBe('');
    expect(body).toContain('INVISIBLE_PATIENT');
    expect(body).toContain(`<rim:Value>${createHash('sha1').update(cda).digest('hex')}</rim:Value>`);
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({ service: 'dmp', operation: 'ITI-41', outcome: 'ok' });
  });

  it('treats a duplicate uniqueId of our own document as already done, a different content as a conflict', async () => {
    const sameHash = createHash('sha1').update(cda).digest('hex');
    const registered = (hash: string) => {
      const reg = registeredObjects();
      const xml = reg.xml
        .replace(/<rim:Slot name="hash"><rim:ValueList><rim:Value>[0-9a-f]+</, `<rim:Slot name="hash"><rim:ValueList><rim:Value>${hash}<`)
        .split(reg.uniqueId)
        .join(cdaBuilt.uniqueId);
      return soapEnvelope(
        `<query:AdhocQueryResponse xmlns:query="${NS.query}" xmlns:rim="${NS.rim}" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"><rim:RegistryObjectList>${xml}</rim:RegistryObjectList></query:AdhocQueryResponse>`,
      );
    };
    const ours = fakeTransport([() => soapReply(failure('XDSDuplicateUniqueIdInRegistry')), () => soapReply(registered(sameHash))]);
    expect((await client(ours).feed(call, { cda, uniqueId: cdaBuilt.uniqueId, visibility: noMask })).outcome).toBe('already');
    expect(ours.received[1]!.envelope).toContain('$XDSDocumentEntryUniqueId');
    const theirs = fakeTransport([() => soapReply(failure('XDSDuplicateUniqueIdInRegistry')), () => soapReply(registered('0'.repeat(40)))]);
    await expect(client(theirs).feed(call, { cda, uniqueId: cdaBuilt.uniqueId, visibility: noMask })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { codes: ['XDSDuplicateUniqueIdInRegistry'] },
    });
    // no consultation right: the retry is taken as done
    const unreadable = fakeTransport([
      () => soapReply(failure('XDSDuplicateUniqueIdInRegistry')),
      () => soapReply(failure('DMP_AUTORISATION', 'Accès refusé')),
    ]);
    expect((await client(unreadable).feed(call, { cda, uniqueId: cdaBuilt.uniqueId, visibility: noMask })).outcome).toBe('already');
  });

  it('refuses before sending: uniqueId not the CDA’s, INS not the CDA’s, bris de glace without a reason', async () => {
    const t = fakeTransport([]);
    await expect(client(t).feed(call, { cda, uniqueId: '1.2.3', visibility: noMask })).rejects.toThrow(/ne correspond pas à celui du CDA/);
    await expect(
      client(t).feed({ ins: { value: '197022A02077801', oid: TEST_INS.oid } }, { cda, uniqueId: cdaBuilt.uniqueId, visibility: noMask }),
    ).rejects.toThrow(/INS du patient ne correspond pas/);
    await expect(client(t).findDocuments({ ...call, purpose: 'bris_de_glace' }, {})).rejects.toThrow(/bris de glace exige un motif/);
    expect(t.received).toHaveLength(0);
    expect(() => client(t, { url: 'http://dmp.test' })).toThrow(/https:\/\//);
    expect(() => client(t, { sourceId: 'cabinet' })).toThrow(/source XDS/);
  });

  it('with a signer, signs the submission set: the signature document goes as a second part, its Manifest covers the CDA sent', async () => {
    const ca = makeAuthority('AC de test');
    const signer = softwareSigner(issueLeaf(ca, { subject: cardSubject, usage: 'signature' }));
    const t = fakeTransport([() => soapReply(success())]);
    const now = new Date();
    const result = await client(t, { signer: () => signer, now: () => now }).feed(call, {
      cda,
      uniqueId: cdaBuilt.uniqueId,
      visibility: noMask,
    });
    expect(result.outcome).toBe('created');
    expect(signer.signatures).toBe(1);
    const r = t.received[0]!;
    const signature = r.parts.get(SIGNATURE_CONTENT_ID)!;
    expect(r.parts.get('cda-1@cabinet')).toEqual(cda);
    const verified = verifySubmissionSignature(signature);
    expect(verified.submissionSetUniqueId).toBe(result.submissionSetUniqueId);
    expect(verified.signingTime.toISOString()).toBe(now.toISOString().replace(/\.\d{3}Z$/, '.000Z'));
    expect(() => checkManifest(verified.manifest, [{ uniqueId: cdaBuilt.uniqueId, content: cda }])).not.toThrow();
    expect(r.envelope).toContain(`<rim:Value>${createHash('sha1').update(signature).digest('hex')}</rim:Value>`);
    expect(r.envelope).toContain(ASSOCIATION.signs);
    // No signer (e-CPS: no key on this computer): unsigned, as before.
    const u = fakeTransport([() => soapReply(success())]);
    await client(u, { signer: () => null }).feed(call, { cda, uniqueId: cdaBuilt.uniqueId, visibility: noMask });
    expect(u.received[0]!.parts.has(SIGNATURE_CONTENT_ID)).toBe(false);
    expect(u.received[0]!.envelope).not.toContain(ASSOCIATION.signs);
  });

  it('passes registry errors on as French errors with the IHE codes', async () => {
    const t = fakeTransport([() => soapReply(failure('XDSPatientIdDoesNotMatch', 'INS différent'))]);
    const error = await client(t)
      .feed(call, { cda, uniqueId: cdaBuilt.uniqueId, visibility: noMask })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CabinetError);
    expect((error as CabinetError).message).toBe(
      'Le patient du document ne correspond pas à celui de la soumission. Motif indiqué par le DMP : « INS différent ».',
    );
    expect((error as CabinetError).details).toMatchObject({ codes: ['XDSPatientIdDoesNotMatch'], transient: false });
  });
});

describe('XdsDmpClient — ITI-18, ITI-43, ITI-57, TD0.2/TD0.3', () => {
  it('finds documents (2,000 entries) and submission sets', async () => {
    const t = fakeTransport([() => soapReply(queryResponse(2000)), () => soapReply(queryResponse(2, { withSubmissionSets: true }))]);
    const c = client(t);
    const docs = await c.findDocuments(call, { typeCodes: ['11488-4'], serviceFrom: new Date('2024-03-02T00:00:00Z') });
    expect(docs).toHaveLength(2000);
    expect(t.received[0]!.action).toBe(ACTIONS.iti18.request);
    expect(t.received[0]!.exchange.headers!['content-type']).toBe(`application/soap+xml; charset=UTF-8; action="${ACTIONS.iti18.request}"`);
    expect(t.received[0]!.envelope).toContain('$XDSDocumentEntryServiceStartTimeFrom');
    const sets = await c.findSubmissionSets(call, new Date('2026-01-01T00:00:00Z'));
    expect(sets).toHaveLength(2);
    // The submission sets' signature documents are entries too, never shown as the patient's documents.
    const withSignature = queryResponse(3).replace(
      /(<rim:ExtrinsicObject [^>]*>(?:(?!<\/rim:ExtrinsicObject>)[\s\S])*?nodeRepresentation=")10(")/,
      `$1${DMP_CODES.signatureClassCode}$2`,
    );
    expect(withSignature).toContain(DMP_CODES.signatureClassCode);
    const listed = await client(fakeTransport([() => soapReply(withSignature), () => soapReply(withSignature)])).findDocuments(call, {});
    expect(listed).toHaveLength(2);
    expect(listed.every((d) => d.class?.code !== DMP_CODES.signatureClassCode)).toBe(true);
    await expect(
      c.getDocuments(
        call,
        Array.from({ length: 21 }, () => 'urn:uuid:00000000-0000-4000-8000-000000000000'),
      ),
    ).rejects.toThrow(/Au plus 20/);
  });

  it('retrieves a document from an MTOM answer, and says so when the part is missing', async () => {
    const content = Buffer.from(cdaBuilt.xml);
    const answer = (include: string) =>
      soapEnvelope(
        `<xdsb:RetrieveDocumentSetResponse xmlns:xdsb="${NS.xdsb}"><rs:RegistryResponse xmlns:rs="${NS.rs}" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/><xdsb:DocumentResponse><xdsb:RepositoryUniqueId>1.2.250.1.213.4.1.1.1</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>${cdaBuilt.uniqueId}</xdsb:DocumentUniqueId><xdsb:mimeType>text/xml</xdsb:mimeType><xdsb:Document>${xopInclude(include)}</xdsb:Document></xdsb:DocumentResponse></xdsb:RetrieveDocumentSetResponse>`,
        ACTIONS.iti43.response,
      );
    const good = buildMtom({ envelope: answer('d1@dmp'), attachments: [{ contentId: 'd1@dmp', contentType: 'text/xml', body: content }] });
    const broken = buildMtom({
      envelope: answer('d2@dmp'),
      attachments: [{ contentId: 'd1@dmp', contentType: 'text/xml', body: content }],
    });
    const t = fakeTransport([
      () => ({ status: 200, headers: { 'content-type': good.contentType }, body: good.body }),
      () => ({ status: 200, headers: { 'content-type': broken.contentType }, body: broken.body }),
      () => ({ status: 200, headers: { 'content-type': 'multipart/related; boundary="nope"' }, body: good.body }),
      () => ({ status: 200, headers: { 'content-type': 'multipart/related; type="application/xop+xml"' }, body: good.body }),
    ]);
    const c = client(t);
    const doc = { uniqueId: cdaBuilt.uniqueId, repositoryUniqueId: '1.2.250.1.213.4.1.1.1' };
    const got = await c.retrieve(call, doc);
    expect(got.mimeType).toBe('text/xml');
    expect(got.content.equals(content)).toBe(true);
    expect(t.received[0]!.action).toBe(ACTIONS.iti43.request);
    expect(t.received[0]!.exchange.headers!['content-type']).toMatch(/^multipart\/related/);
    await expect(c.retrieve(call, doc)).rejects.toThrow(
      /Réponse du DMP illisible : Message MTOM invalide : la pièce référencée « d2@dmp » est absente/,
    );
    await expect(c.retrieve(call, doc)).rejects.toThrow(/frontière \(boundary\) annoncée est absente/);
    await expect(c.retrieve(call, doc)).rejects.toThrow(/boundary absent/);
  });

  it('updates status and visibility (ITI-57)', async () => {
    const reg = registeredObjects();
    const getDocs = soapEnvelope(
      `<query:AdhocQueryResponse xmlns:query="${NS.query}" xmlns:rim="${NS.rim}" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"><rim:RegistryObjectList>${reg.xml}</rim:RegistryObjectList></query:AdhocQueryResponse>`,
    );
    const t = fakeTransport([
      () => soapReply(success()),
      () => soapReply(getDocs),
      () => soapReply(success()),
      () => soapReply(failure('XDSMetadataVersionError')),
    ]);
    const c = client(t);
    const entry = { entryUuid: reg.entryUuid, status: 'Approved' } as DmpDocumentEntry;
    await c.setStatus(call, entry, 'Archived');
    expect(t.received[0]!.action).toBe(ACTIONS.iti57.request);
    expect(t.received[0]!.envelope).toContain(ASSOCIATION.updateAvailabilityStatus);
    expect(t.received[0]!.envelope).toContain(STATUS.Archived);
    await c.setVisibility(call, entry, { masquePs: true, invisiblePatient: false, invisibleRepresentants: false });
    expect(t.received[1]!.envelope).toContain('$XDSDocumentEntryEntryUUID');
    const update = /<soap:Body>([\s\S]*)<\/soap:Body>/.exec(t.received[2]!.envelope)![1]!;
    expect(xsdErrors(update, 'lcm.xsd')).toBe('');
    expect(update).toContain('MASQUE_PS');
    expect(update).toContain('PreviousVersion');
    await expect(c.setStatus(call, entry, 'Deleted')).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { codes: ['XDSMetadataVersionError'] },
    });
  });

  it('reads TD0.2 / TD0.3 through the access codec, faults in French', async () => {
    const statusAnswer = soapEnvelope(
      buildStatusResponse({
        state: 'ACTIF',
        espaceSante: true,
        authorization: 'VALIDE',
        medecinTraitant: true,
        authorizationEnd: '2027-01-01T00:00:00.000Z',
      }),
      ACCESS_OPERATIONS.td02.responseAction,
    );
    const t = fakeTransport([
      () => soapReply(statusAnswer),
      () => soapReply(soapEnvelope(buildAccessFault({ code: 'ACCES_INTERDIT', message: 'Le patient a interdit l’accès.' })), 500),
    ]);
    const c = client(t);
    expect(await c.status(call)).toMatchObject({ exists: true, authorization: 'VALIDE', medecinTraitant: true, espaceSanteActive: true });
    expect(t.received[0]!.action).toBe(ACCESS_OPERATIONS.td02.action);
    await expect(c.addAuthorization(call)).rejects.toThrow(/interdit/);
    expect(t.received[1]!.envelope).toContain('<acc:Consentement>true</acc:Consentement>');
  });
});

describe('XdsDmpClient — transport and malformed answers', () => {
  it('maps HTTP errors, non-SOAP bodies, SOAP faults and deadlines to French errors, never a crash', async () => {
    const fault = soapEnvelope(
      '<s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text xml:lang="fr">Service en maintenance</s:Text></s:Reason></s:Fault>',
    );
    const t = fakeTransport([
      () => ({ status: 502, headers: { 'content-type': 'text/html' }, body: Buffer.from('<html>Bad gateway</html>') }),
      () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: Buffer.from('<html/>') }),
      () => soapReply(fault, 500),
      () => ({ status: 403, headers: {}, body: Buffer.alloc(0) }),
      () => soapReply('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><oops'),
      () => soapReply(success()),
      () => new Promise<HttpsReply>(() => undefined),
    ]);
    const c = client(t, { timeoutMs: 200 });
    await expect(c.findDocuments(call, {})).rejects.toThrow('Le DMP est indisponible (HTTP 502) : réessayez plus tard.');
    await expect(c.findDocuments(call, {})).rejects.toThrow('ce n’est pas un message SOAP');
    await expect(c.findDocuments(call, {})).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'Le DMP a renvoyé une erreur SOAP : Service en maintenance',
    });
    await expect(c.findDocuments(call, {})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(c.findDocuments(call, {})).rejects.toThrow(/XML mal formé/);
    await expect(c.findDocuments(call, {})).rejects.toThrow(/AdhocQueryResponse attendu, RegistryResponse reçu/);
    await expect(c.findDocuments(call, {})).rejects.toThrow('Le DMP n’a pas répondu dans le délai imparti (200 ms) : réessayez plus tard.');
  });

  describe('over real HTTPS (Node transport, local server)', () => {
    const certs = makeServerCertificates();
    let server: https.Server;
    let url = '';
    let next: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void = () => undefined;
    beforeAll(async () => {
      server = https.createServer({ key: certs.keyPem, cert: certs.certPem }, (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => next(req, res, Buffer.concat(chunks)));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `https://localhost:${(server.address() as AddressInfo).port}/dmp`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('feeds over TLS, refuses an unknown authority, aborts on a huge answer', async () => {
      const transport = nodeHttpsTransport(null, { extraCa: [certs.caPem] }, { maxResponseBytes: 2 * 1024 * 1024 });
      try {
        next = (req, res, body) => {
          const m = parseMtom(String(req.headers['content-type']), body);
          expect(m.parts.size).toBe(1);
          res.writeHead(200, { 'content-type': 'application/soap+xml; charset=utf-8' }).end(success());
        };
        const c = client(transport, { url });
        expect((await c.feed(call, { cda, uniqueId: cdaBuilt.uniqueId, visibility: noMask })).outcome).toBe('created');
        next = (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/soap+xml' });
          const chunk = Buffer.alloc(256 * 1024, 0x20);
          for (let i = 0; i < 16; i++) res.write(chunk);
          res.end();
        };
        await expect(c.findDocuments(call, {})).rejects.toThrow(/trop volumineuse/);
      } finally {
        transport.close();
      }
      const untrusted = nodeHttpsTransport(null, { extraCa: [] });
      try {
        next = (_req, res) => res.end();
        await expect(client(untrusted, { url }).findDocuments(call, {})).rejects.toThrow(/autorité non reconnue/);
      } finally {
        untrusted.close();
      }
    });
  });
});
