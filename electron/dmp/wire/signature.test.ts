import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { issueLeaf, makeAuthority, softwareSigner, type TestAuthority, type TestLeaf } from '../../../test/support/throwaway-ca.js';
import { cardSubject } from '../../../test/support/vihf-samples.js';
import {
  MANIFEST_TYPE,
  PROOF_OF_ORIGIN,
  SIGNED_PROPERTIES_TYPE,
  SignatureRefused,
  XADES_NS,
  checkManifest,
  manifestUri,
  signSubmissionSet,
  verifySubmissionSignature,
} from './signature.js';

let dir: string;
let ca: TestAuthority;
let other: TestAuthority;
let leaf: TestLeaf;
let otherLeaf: TestLeaf;
const cda = Buffer.from('<ClinicalDocument xmlns="urn:hl7-org:v3"><title>Compte rendu</title></ClinicalDocument>', 'utf8');
const documents = [{ uniqueId: '2.25.329800735698586629295641978511506172918', content: cda }];
const SS = '2.25.1234567890';

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-dsg-'));
  ca = makeAuthority('Cabinet Test AC Personnes');
  other = makeAuthority('Autre AC');
  leaf = issueLeaf(ca, { subject: cardSubject, usage: 'signature' });
  otherLeaf = issueLeaf(other, { subject: cardSubject, usage: 'signature' });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** xmlsec1, independently: SignedInfo references (Manifest, XAdES SignedProperties, SignatureProperties) and the Manifest's document, mapped to a file. */
function xmlsec(signatureFile: string, trusted: string, documentFile: string): { ok: boolean; output: string } {
  const args = [
    '--verify',
    '--id-attr:Id',
    `${XADES_NS}:SignedProperties`,
    '--url-map:' + manifestUri(documents[0]!.uniqueId),
    documentFile,
    '--trusted-pem',
    trusted,
    signatureFile,
  ];
  const result = spawnSync('xmlsec1', args, { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SignatureRefused);
    return (error as Error).message;
  }
  throw new Error('aucun refus');
}

describe('submission set signature (IHE DSG detached XAdES-BES)', () => {
  it('signs a detached signature with the Manifest, XAdES properties and the submission set, and verifies it back', () => {
    const signer = softwareSigner(leaf);
    const now = new Date();
    const { content, signingTime } = signSubmissionSet({ documents, submissionSetUniqueId: SS, signer, now });
    expect(signer.signatures).toBe(1);
    expect(signingTime).toBe(now);
    const xml = content.toString('utf8');
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?><ds:Signature Id="sig-[0-9a-f-]{36}" xmlns:ds="http:\/\/www.w3.org\/2000\/09\/xmldsig#">/,
    );
    expect(xml).toContain(`<ds:Reference URI="#manifest-`);
    expect(xml).toContain(`Type="${MANIFEST_TYPE}"`);
    expect(xml).toContain(`Type="${SIGNED_PROPERTIES_TYPE}"`);
    expect(xml).toContain(
      `<ds:Reference URI="urn:oid:${documents[0]!.uniqueId}"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>`,
    );
    expect(xml).toContain(`<xades:Identifier>${PROOF_OF_ORIGIN}</xades:Identifier>`);
    expect(xml).toContain('<xades:SignaturePolicyImplied/>');
    expect(xml).toContain(`<cab:SubmissionSetUniqueId xmlns:cab="urn:cabinet:dmp:signature:1">${SS}</cab:SubmissionSetUniqueId>`);
    const verified = verifySubmissionSignature(content);
    expect(verified.submissionSetUniqueId).toBe(SS);
    expect(verified.signingTime.getTime()).toBe(Math.floor(now.getTime() / 1000) * 1000);
    expect(new X509Certificate(verified.certificatePem).fingerprint256).toBe(new X509Certificate(leaf.certPem).fingerprint256);
    expect([...verified.manifest.keys()]).toEqual([`urn:oid:${documents[0]!.uniqueId}`]);
    expect(() => checkManifest(verified.manifest, documents)).not.toThrow();
  });

  it('verifies with xmlsec1 (SignedInfo and Manifest references) against the issuing authority only, and not for other bytes', () => {
    const { content } = signSubmissionSet({ documents, submissionSetUniqueId: SS, signer: softwareSigner(leaf) });
    const signatureFile = write('signature.xml', content);
    const documentFile = write('cda.xml', cda);
    const good = xmlsec(signatureFile, write('ca.pem', ca.certPem), documentFile);
    expect(good.output).toContain('SignedInfo References (ok/all): 3/3');
    expect(good.output).toContain('Manifests References (ok/all): 1/1');
    expect(good.ok).toBe(true);
    expect(xmlsec(signatureFile, write('other.pem', other.certPem), documentFile).ok).toBe(false);
    const changed = xmlsec(signatureFile, write('ca.pem', ca.certPem), write('cda-changed.xml', Buffer.concat([cda, Buffer.from(' ')])));
    // XML-DSig leaves Manifest validation to the application: xmlsec1 still says OK for SignedInfo, and reports the Manifest failure.
    expect(changed.output).toContain('SignedInfo References (ok/all): 3/3');
    expect(changed.output).toContain('Manifests References (ok/all): 0/1');
  });

  it('refuses any change after signing (xml-crypto and xmlsec1 agree)', () => {
    const { content } = signSubmissionSet({ documents, submissionSetUniqueId: SS, signer: softwareSigner(leaf) });
    const xml = content.toString('utf8');
    const digest = /<ds:Reference URI="urn:oid:[^"]+">.*?<ds:DigestValue>([^<]+)</.exec(xml)![1]!;
    const tamperings: [string, string][] = [
      [digest, Buffer.alloc(32, 1).toString('base64')],
      [SS, '2.25.999'],
      ['<xades:SigningTime>20', '<xades:SigningTime>19'],
      [PROOF_OF_ORIGIN, 'urn:oid:1.2.840.10065.1.12.1.5'],
    ];
    for (const [from, to] of tamperings) {
      expect(xml).toContain(from);
      const tampered = Buffer.from(xml.replace(from, to));
      expect(refusal(() => verifySubmissionSignature(tampered))).toMatch(/signature XML invalide/);
      expect(xmlsec(write('tampered.xml', tampered), write('ca.pem', ca.certPem), write('cda.xml', cda)).ok).toBe(false);
    }
  });

  it('refuses a signature whose KeyInfo certificate is not the XAdES signing certificate, a DTD, a non-signature root, garbage', () => {
    const a = signSubmissionSet({ documents, submissionSetUniqueId: SS, signer: softwareSigner(leaf) }).content.toString('utf8');
    const b = signSubmissionSet({ documents, submissionSetUniqueId: SS, signer: softwareSigner(otherLeaf) }).content.toString('utf8');
    const certOf = (x: string) => /<ds:X509Certificate>([^<]+)</.exec(x)![1]!;
    expect(refusal(() => verifySubmissionSignature(Buffer.from(a.replace(certOf(a), certOf(b)))))).toMatch(/invalide/);
    expect(
      refusal(() => verifySubmissionSignature(Buffer.from(`<!DOCTYPE x [<!ENTITY e "x">]>${a.replace(/^<\?xml[^>]*>/, '')}`))),
    ).toMatch(/DTD/);
    expect(refusal(() => verifySubmissionSignature(Buffer.from('<a xmlns="urn:x"/>')))).toMatch(/ds:Signature/);
    expect(refusal(() => verifySubmissionSignature(Buffer.from('<ds:Signature')))).toMatch(/mal formé/);
    expect(refusal(() => verifySubmissionSignature(Buffer.from([0xff, 0xfe, 0x00])))).toMatch(/UTF-8/);
    expect(refusal(() => verifySubmissionSignature(Buffer.alloc(300 * 1024, 0x20)))).toMatch(/volumineux/);
    const deep = `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">${'<a>'.repeat(30_000)}${'</a>'.repeat(30_000)}</ds:Signature>`;
    expect(refusal(() => verifySubmissionSignature(Buffer.from(deep)))).toMatch(/imbrication de plus de 64 niveaux/);
  });

  it('refuses a signature with one reference removed from SignedInfo (re-signed by the same key)', () => {
    // A well-formed signature that only signs the Manifest: valid XML-DSig, but not the profile.
    const { content } = signSubmissionSet({ documents, submissionSetUniqueId: SS, signer: softwareSigner(leaf) });
    const xml = content.toString('utf8');
    const withoutXades = xml.replace(/<ds:Reference URI="#xades-[^"]*"[\s\S]*?<\/ds:Reference>/, '');
    expect(withoutXades).not.toBe(xml);
    // SignedInfo changed, so the signature value no longer matches: refused either way.
    expect(refusal(() => verifySubmissionSignature(Buffer.from(withoutXades)))).toMatch(/invalide|SignedInfo/);
  });

  it('checks the manifest against the documents received: missing, extra, different bytes', () => {
    const { manifest } = verifySubmissionSignature(
      signSubmissionSet({ documents, submissionSetUniqueId: SS, signer: softwareSigner(leaf) }).content,
    );
    expect(refusal(() => checkManifest(manifest, [{ uniqueId: documents[0]!.uniqueId, content: Buffer.from('autre') }]))).toMatch(
      /empreinte SHA-256/,
    );
    expect(refusal(() => checkManifest(manifest, [...documents, { uniqueId: '2.25.7', content: cda }]))).toMatch(
      /ne liste pas le document urn:oid:2.25.7/,
    );
    expect(refusal(() => checkManifest(manifest, []))).toMatch(/absent du lot/);
  });

  it('names documents by urn:oid, and a root^extension uniqueId by an escaped Cabinet URN', () => {
    expect(manifestUri('1.2.250.1.213.1.1.9')).toBe('urn:oid:1.2.250.1.213.1.1.9');
    expect(manifestUri('1.2.250.1.999^ABC-12')).toBe('urn:cabinet:dmp:uniqueId:1.2.250.1.999%5EABC-12');
    const ext = [{ uniqueId: '1.2.250.1.999^ABC-12', content: cda }];
    const { manifest } = verifySubmissionSignature(
      signSubmissionSet({ documents: ext, submissionSetUniqueId: SS, signer: softwareSigner(leaf) }).content,
    );
    expect(() => checkManifest(manifest, ext)).not.toThrow();
  });

  it('refuses to sign with a key that is not the certificate’s, an expired certificate, nothing to sign', () => {
    const mismatched = { ...softwareSigner(otherLeaf), certificatePem: leaf.certPem };
    const expect409 = (run: () => unknown, message: RegExp) => {
      let caught: unknown;
      try {
        run();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(CabinetError);
      expect((caught as CabinetError).message).toMatch(message);
    };
    expect409(() => signSubmissionSet({ documents, submissionSetUniqueId: SS, signer: mismatched }), /ne correspond pas au certificat/);
    const expired = issueLeaf(ca, {
      subject: cardSubject,
      usage: 'signature',
      notBefore: new Date(Date.now() - 3 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    expect409(
      () => signSubmissionSet({ documents, submissionSetUniqueId: SS, signer: softwareSigner(expired) }),
      /n’est pas valide à cette date/,
    );
    expect409(() => signSubmissionSet({ documents: [], submissionSetUniqueId: SS, signer: softwareSigner(leaf) }), /Aucun document/);
    expect409(() => signSubmissionSet({ documents, submissionSetUniqueId: 'pas-un-oid', signer: softwareSigner(leaf) }), /OID/);
  });
});
