/**
 * The sandbox's check of the submission set signature (IHE DSG detached
 * XAdES, `../wire/signature.ts`) on ITI-41, over mutual TLS with the test
 * PKI: the request is built with the client's own wire functions (metadata,
 * signature, MTOM) so each test can break one thing.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/fixtures.js';
import { p12Pair } from '../../test/support/insi-soap.js';
import { KeySigner } from '../../electron/identity/login/key-signer.js';
import { createTestPki, type PkiManifest } from '../pki/test-pki.js';
import type { Signer } from '../../electron/identity/types.js';
import { soapRequest } from '../../electron/dmp/client/client.js';
import {
  buildProvideAndRegister,
  buildSubmitObjects,
  CDA_CONTENT_ID,
  newUuidOid,
  readCdaHeader,
} from '../../electron/dmp/wire/metadata.js';
import { buildMtom } from '../../electron/dmp/wire/mtom.js';
import { SIGNATURE_CONTENT_ID, signSubmissionSet, type SignedDocument } from '../../electron/dmp/wire/signature.js';
import { ACTIONS, ASSOCIATION, DMP_CODES } from '../../electron/dmp/wire/soap.js';
import {
  DmpTestClient,
  cardCaller,
  cdaFor,
  cx,
  errorCodes,
  responseStatus,
  vihfFor,
  type Caller,
  type RawAnswer,
} from './client.test-support.js';
import { SEEDED, insOf } from './seeds.js';
import { startDmpSandbox, type DmpSandbox } from './server.js';

let dir: string;
let manifest: PkiManifest;
let sandbox: DmpSandbox;
let lenient: DmpSandbox;
let martin: Caller;
let client: DmpTestClient;
let lenientClient: DmpTestClient;
const noMask = { masquePs: false, invisiblePatient: false, invisibleRepresentants: false };

beforeAll(async () => {
  dir = tempDir('cabinet-dmp-signature-');
  manifest = await createTestPki(dir);
  sandbox = await startDmpSandbox({ pki: manifest, port: 0, volume: 0 });
  lenient = await startDmpSandbox({ pki: manifest, port: 0, volume: 0, requireSignature: false });
  const caPem = fs.readFileSync(sandbox.anchorFile, 'utf8');
  martin = cardCaller(manifest, 'medecin-martin', '899701000012');
  client = new DmpTestClient(sandbox.url, caPem, martin.tls);
  lenientClient = new DmpTestClient(lenient.url, caPem, martin.tls);
}, 120_000);

afterAll(async () => {
  client?.close();
  lenientClient?.close();
  await sandbox?.close();
  await lenient?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const cardSigner = (id: string): Signer => {
  const pair = p12Pair(manifest, id, 'signature');
  return new KeySigner(pair.keyPem, pair.certPem, []);
};

interface SignedFeedOptions {
  signer?: Signer | null;
  /** Signing time (default now). */
  signedAt?: Date;
  /** What the signature covers, when it should differ from what is sent. */
  signedDocuments?: (cda: SignedDocument) => SignedDocument[];
  signedSubmissionSet?: string;
  editBody?: (xml: string) => string;
  /** Changes the signature document after signing (before its hash goes in the metadata). */
  tamperSignature?: (xml: string) => string;
}

/** An ITI-41 request for SEEDED.valide, as the client builds it, signed unless `signer` is null. */
function signedFeed(o: SignedFeedOptions = {}): { contentType: string; body: Buffer } {
  const patient = SEEDED.valide;
  const cda = Buffer.from(cdaFor(patient).xml, 'utf8');
  const header = readCdaHeader(cda);
  const submissionSetUniqueId = newUuidOid();
  const signer = o.signer === undefined ? martin.signer : o.signer;
  const signed: SignedDocument = { uniqueId: header.uniqueId, content: cda };
  const signature = signer
    ? signSubmissionSet({
        documents: o.signedDocuments?.(signed) ?? [signed],
        submissionSetUniqueId: o.signedSubmissionSet ?? submissionSetUniqueId,
        signer,
        now: o.signedAt ?? new Date(),
      })
    : null;
  if (signature && o.tamperSignature) signature.content = Buffer.from(o.tamperSignature(signature.content.toString('utf8')), 'utf8');
  const submission = buildSubmitObjects({
    header,
    cda,
    ins: insOf(patient),
    visibility: noMask,
    sourceId: '1.2.250.1.213.1.999.1',
    submissionSetUniqueId,
    ...(signature ? { signature: { content: signature.content, signingTime: signature.signingTime } } : {}),
  });
  let body = buildProvideAndRegister(submission);
  if (o.editBody) body = o.editBody(body);
  const envelope = soapRequest(ACTIONS.iti41.request, sandbox.url, vihfFor(martin, patient), body);
  const attachments: { contentId: string; contentType: string; body: Buffer }[] = [
    { contentId: CDA_CONTENT_ID, contentType: 'text/xml', body: cda },
  ];
  if (signature) attachments.push({ contentId: SIGNATURE_CONTENT_ID, contentType: 'text/xml', body: signature.content });
  return buildMtom({ envelope, attachments, action: ACTIONS.iti41.request });
}

const send = (built: { contentType: string; body: Buffer }, c = client) => c.post(built.body, built.contentType);

function refusal(answer: RawAnswer): { codes: string[]; text: string } {
  return { codes: errorCodes(answer), text: /codeContext="([^"]*)"/.exec(answer.text)?.[1] ?? '' };
}

describe('ITI-41: the signed submission set', () => {
  it('accepts a submission set signed with the VIHF practitioner’s card, and registers the signature document with its associations', async () => {
    const before = sandbox.registry.patientEntries(cx(SEEDED.valide)).length;
    const answer = await send(signedFeed());
    expect(refusal(answer)).toEqual({ codes: [], text: '' });
    expect(responseStatus(answer)).toBe('Success');
    const entries = sandbox.registry.patientEntries(cx(SEEDED.valide));
    expect(entries).toHaveLength(before + 2);
    const signature = entries.find((e) => e.classCode.code === DMP_CODES.signatureClassCode)!;
    expect(signature.formatCode.code).toBe(DMP_CODES.signatureFormatCode);
    expect(signature.title).toBe('Source');
    const signs = [...sandbox.registry.associations.values()].filter(
      (a) => a.type === ASSOCIATION.signs && a.source === signature.entryUuid,
    );
    expect(signs).toHaveLength(1);
    expect(signs[0]!.target).toBe(signature.submissionSetUuid);
  });

  it('refuses an unsigned submission set (the DMP requires the signature), unless the sandbox is told not to', async () => {
    const refused = refusal(await send(signedFeed({ signer: null })));
    expect(refused.codes).toEqual(['XDSRegistryMetadataError']);
    expect(refused.text).toMatch(/n’est pas signé/);
    expect(responseStatus(await send(signedFeed({ signer: null }), lenientClient))).toBe('Success');
  });

  it('still verifies a signature present when it is not required', async () => {
    const refused = refusal(await send(signedFeed({ signer: cardSigner('infirmier-petit') }), lenientClient));
    expect(refused.codes).toEqual(['XDSRegistryMetadataError']);
    expect(refused.text).toMatch(/n’est pas le professionnel du VIHF/);
  });

  it('refuses a signature by another card than the VIHF’s practitioner', async () => {
    const refused = refusal(await send(signedFeed({ signer: cardSigner('infirmier-petit') })));
    expect(refused.codes).toEqual(['XDSRegistryMetadataError']);
    expect(refused.text).toMatch(/signataire .* n’est pas le professionnel du VIHF \(899701000012\)/);
  });

  it('refuses a revoked card’s signature, and the structure’s software signature certificate', async () => {
    const revoked = refusal(await send(signedFeed({ signer: cardSigner('revoque-durand') })));
    expect(revoked.text).toMatch(/certificat du signataire refusé.*révoqué/i);
    const software = refusal(await send(signedFeed({ signer: cardSigner('dmp-signature') })));
    expect(software.text).toMatch(/pas celui d’une carte de professionnel/);
  });

  it('refuses a manifest that does not match the documents received', async () => {
    const otherBytes = refusal(
      await send(signedFeed({ signedDocuments: (d) => [{ ...d, content: Buffer.concat([d.content, Buffer.from(' ')]) }] })),
    );
    expect(otherBytes.text).toMatch(/empreinte SHA-256 du Manifest ne correspond pas/);
    const extra = refusal(await send(signedFeed({ signedDocuments: (d) => [d, { uniqueId: '2.25.77', content: d.content }] })));
    expect(extra.text).toMatch(/liste un document absent du lot/);
  });

  it('refuses a signature of another submission set, or signed too long ago or in the future', async () => {
    expect(refusal(await send(signedFeed({ signedSubmissionSet: '2.25.1' }))).text).toMatch(/autre lot de soumission/);
    expect(refusal(await send(signedFeed({ signedAt: new Date(Date.now() - 20 * 60_000) }))).text).toMatch(/hors de la fenêtre/);
    expect(refusal(await send(signedFeed({ signedAt: new Date(Date.now() + 5 * 60_000) }))).text).toMatch(/hors de la fenêtre/);
  });

  it('refuses a signature document changed after signing (metadata hash and size consistent with the change)', async () => {
    const refused = refusal(await send(signedFeed({ tamperSignature: (x) => x.replace('<xades:SigningTime>2', '<xades:SigningTime>1') })));
    expect(refused.codes).toEqual(['XDSRegistryMetadataError']);
    expect(refused.text).toMatch(/signature XML invalide/);
  });

  it('refuses a signature entry without the signs association, or with a wrong formatCode', async () => {
    const noSigns = refusal(
      await send(
        signedFeed({
          editBody: (x) => x.replace(/<rim:Association [^>]*associationType="urn:ihe:iti:2007:AssociationType:signs"[^>]*\/>/, ''),
        }),
      ),
    );
    expect(noSigns.text).toMatch(/association « signs »/);
    const format = refusal(
      await send(
        signedFeed({
          editBody: (x) =>
            x.replace('nodeRepresentation="http://www.w3.org/2000/09/xmldsig#"', 'nodeRepresentation="urn:ihe:iti:xds-sd:pdf:2008"'),
        }),
      ),
    );
    expect(format.text).toMatch(/formatCode/);
  });
});
