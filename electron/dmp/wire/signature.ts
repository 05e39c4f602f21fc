/**
 * The signature of an ITI-41 submission set (TD2.1), as far as public
 * material allows (issue 5; notes dmp-cda.md §1.6):
 *
 * - **IHE ITI DSG (public)**: a *detached* XML-DSig `ds:Signature` whose
 *   `SignedInfo` references a `ds:Manifest` (in a `ds:Object`) listing each
 *   signed document by URI = its uniqueId (`urn:oid:<uniqueId>`) with the
 *   SHA-256 of its bytes, and XAdES-BES `QualifyingProperties`
 *   (v1.3.2): `SigningTime`, `SigningCertificate` (SHA-256 of the
 *   certificate + issuer/serial) and `CommitmentTypeIndication` « Proof of
 *   origin » (`urn:oid:1.2.840.10065.1.12.1.1`, `AllSignedDataObjects`).
 *   The signature policy is implied (`SignaturePolicyImplied`).
 * - **Cabinet's choices (unknown in the DMPi guide)**: exclusive c14n,
 *   rsa-sha256 / sha256; the submission set bound by its uniqueId in a signed
 *   `ds:SignatureProperty` (`cab:SubmissionSetUniqueId`, namespace
 *   `urn:cabinet:dmp:signature:1`); a uniqueId with an extension
 *   (`root^ext`) as `urn:cabinet:dmp:uniqueId:<percent-encoded>`; the
 *   practitioner's signature certificate (the CPS card's nonRepudiation key)
 *   signs. The policy identifier the DMP expects, if any, is not public.
 *
 * Signing goes through xml-crypto with a custom algorithm that hands the
 * canonical SignedInfo to the {@link Signer}: a card key signs on the card
 * (as for the VIHF, `identity/vihf/vihf.ts`). Verification (the sandbox)
 * believes only what xml-crypto reports as signed.
 */
import crypto from 'node:crypto';
import { DOMParser, XMLSerializer, type Element } from '@xmldom/xmldom';
import { SignedXml, createOptionalCallbackFunction, type SignatureAlgorithm as XmlSignatureAlgorithm } from 'xml-crypto';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { formatName, parseCertificate } from '../../identity/certificates/der.js';
import type { Signer } from '../../identity/types.js';
import { DSIG_NS, EXC_C14N, RSA_SHA256, SHA256 } from '../../identity/vihf/vihf.js';
import { xmlEscape } from './soap.js';
import { precheckXml } from '../../platform/xml/bounded.js';

export const XADES_NS = 'http://uri.etsi.org/01903/v1.3.2#';
export const CABINET_SIGNATURE_NS = 'urn:cabinet:dmp:signature:1';
export const MANIFEST_TYPE = 'http://www.w3.org/2000/09/xmldsig#Manifest';
export const SIGNATURE_PROPERTIES_TYPE = 'http://www.w3.org/2000/09/xmldsig#SignatureProperties';
export const SIGNED_PROPERTIES_TYPE = 'http://uri.etsi.org/01903#SignedProperties';
/** ASTM E1762 / ISO 17090 « Proof of origin » (IHE DSG commitment type). */
export const PROOF_OF_ORIGIN = 'urn:oid:1.2.840.10065.1.12.1.1';
/** Content-ID of the signature document in the ITI-41 MTOM message. */
export const SIGNATURE_CONTENT_ID = 'signature-1@cabinet';
/** A signature document is a few KB; anything bigger is refused unread. */
export const MAX_SIGNATURE_BYTES = 256 * 1024;

const OID = /^[0-2](\.(0|[1-9]\d*))+$/;

/** The Manifest URI of a document: `urn:oid:<uniqueId>` (IHE DSG); `root^ext` has no URN of its own. */
export function manifestUri(uniqueId: string): string {
  return OID.test(uniqueId) ? `urn:oid:${uniqueId}` : `urn:cabinet:dmp:uniqueId:${encodeURIComponent(uniqueId)}`;
}

export interface SignedDocument {
  uniqueId: string;
  content: Buffer;
}

export interface SubmissionSignatureInput {
  documents: readonly SignedDocument[];
  submissionSetUniqueId: string;
  signer: Signer;
  now?: Date;
}

export interface SubmissionSignature {
  /** The signature document (UTF-8 XML, detached `ds:Signature` as root). */
  content: Buffer;
  /** Its own uniqueId (a new `2.25.` OID) and signing time. */
  signingTime: Date;
  signatureId: string;
}

const sha256 = (data: Buffer | string) => crypto.createHash('sha256').update(data).digest('base64');

function signerAlgorithm(signer: Signer, publicKey: crypto.KeyObject): new () => XmlSignatureAlgorithm {
  return class SubmissionSignerRsaSha256 implements XmlSignatureAlgorithm {
    getSignature = createOptionalCallbackFunction((signedInfo: crypto.BinaryLike): string => {
      const data = typeof signedInfo === 'string' ? Buffer.from(signedInfo, 'utf8') : Buffer.from(signedInfo as Uint8Array);
      const signature = signer.sign(data, 'RSA-SHA256');
      if (!crypto.verify('sha256', data, publicKey, signature)) {
        throw new CabinetError(
          'CONFLICT',
          'La clé de signature ne correspond pas au certificat : le lot de soumission ne peut pas être signé.',
        );
      }
      return signature.toString('base64');
    });
    verifySignature = createOptionalCallbackFunction((material: string, key: crypto.KeyLike, signatureValue: string): boolean =>
      crypto.verify('sha256', Buffer.from(material, 'utf8'), key, Buffer.from(signatureValue, 'base64')),
    );
    getAlgorithmName = (): string => RSA_SHA256;
  };
}

const KEY_HELD_BY_SIGNER = 'cle-detenue-par-le-signataire';

function serialDecimal(cert: crypto.X509Certificate): string {
  return BigInt(`0x${cert.serialNumber}`).toString(10);
}

/** Signs the submission set: a detached XAdES-BES signature over the documents' bytes. */
export function signSubmissionSet(input: SubmissionSignatureInput): SubmissionSignature {
  if (input.documents.length === 0) throw new CabinetError('INVALID_REQUEST', 'Aucun document à signer dans le lot de soumission.');
  if (!OID.test(input.submissionSetUniqueId))
    throw new CabinetError('INVALID_REQUEST', 'L’identifiant du lot de soumission doit être un OID.');
  const now = input.now ?? new Date();
  const certificate = new crypto.X509Certificate(input.signer.certificatePem);
  if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo)) {
    throw new CabinetError(
      'CONFLICT',
      'Le certificat de signature n’est pas valide à cette date : le lot de soumission ne peut pas être signé.',
    );
  }
  const suffix = crypto.randomUUID();
  const ids = { signature: `sig-${suffix}`, manifest: `manifest-${suffix}`, properties: `props-${suffix}`, signed: `xades-${suffix}` };
  const manifest =
    `<ds:Manifest xmlns:ds="${DSIG_NS}" Id="${ids.manifest}">` +
    input.documents
      .map(
        (d) =>
          `<ds:Reference URI="${xmlEscape(manifestUri(d.uniqueId))}"><ds:DigestMethod Algorithm="${SHA256}"/><ds:DigestValue>${sha256(d.content)}</ds:DigestValue></ds:Reference>`,
      )
      .join('') +
    '</ds:Manifest>';
  const properties =
    `<ds:SignatureProperties xmlns:ds="${DSIG_NS}" Id="${ids.properties}">` +
    `<ds:SignatureProperty Target="#${ids.signature}"><cab:SubmissionSetUniqueId xmlns:cab="${CABINET_SIGNATURE_NS}">${input.submissionSetUniqueId}</cab:SubmissionSetUniqueId></ds:SignatureProperty>` +
    '</ds:SignatureProperties>';
  const issuer = formatName(parseCertificate(input.signer.certificatePem).issuer, 'rfc4514');
  const qualifying =
    `<xades:QualifyingProperties xmlns:xades="${XADES_NS}" xmlns:ds="${DSIG_NS}" Target="#${ids.signature}">` +
    `<xades:SignedProperties Id="${ids.signed}">` +
    '<xades:SignedSignatureProperties>' +
    `<xades:SigningTime>${now.toISOString().replace(/\.\d{3}Z$/, 'Z')}</xades:SigningTime>` +
    '<xades:SigningCertificate><xades:Cert>' +
    `<xades:CertDigest><ds:DigestMethod Algorithm="${SHA256}"/><ds:DigestValue>${sha256(certificate.raw)}</ds:DigestValue></xades:CertDigest>` +
    `<xades:IssuerSerial><ds:X509IssuerName>${xmlEscape(issuer)}</ds:X509IssuerName><ds:X509SerialNumber>${serialDecimal(certificate)}</ds:X509SerialNumber></xades:IssuerSerial>` +
    '</xades:Cert></xades:SigningCertificate>' +
    '<xades:SignaturePolicyIdentifier><xades:SignaturePolicyImplied/></xades:SignaturePolicyIdentifier>' +
    '</xades:SignedSignatureProperties>' +
    '<xades:SignedDataObjectProperties><xades:CommitmentTypeIndication>' +
    `<xades:CommitmentTypeId><xades:Identifier>${PROOF_OF_ORIGIN}</xades:Identifier><xades:Description>Proof of origin</xades:Description></xades:CommitmentTypeId>` +
    '<xades:AllSignedDataObjects/>' +
    '</xades:CommitmentTypeIndication></xades:SignedDataObjectProperties>' +
    '</xades:SignedProperties>' +
    '</xades:QualifyingProperties>';
  const signed = new SignedXml({
    privateKey: KEY_HELD_BY_SIGNER,
    publicCert: input.signer.certificatePem,
    signatureAlgorithm: RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
    objects: [{ content: qualifying }, { content: properties }, { content: manifest }],
  });
  signed.SignatureAlgorithms = { [RSA_SHA256]: signerAlgorithm(input.signer, certificate.publicKey) };
  const byId = (id: string) => `//*[@Id='${id}']`;
  signed.addReference({ xpath: byId(ids.manifest), transforms: [EXC_C14N], digestAlgorithm: SHA256, type: MANIFEST_TYPE });
  signed.addReference({ xpath: byId(ids.signed), transforms: [EXC_C14N], digestAlgorithm: SHA256, type: SIGNED_PROPERTIES_TYPE });
  signed.addReference({ xpath: byId(ids.properties), transforms: [EXC_C14N], digestAlgorithm: SHA256, type: SIGNATURE_PROPERTIES_TYPE });
  try {
    // Detached: the Signature is built inside a throw-away root, then taken out alone.
    signed.computeSignature('<cab:Detache xmlns:cab="urn:cabinet:dmp:signature:1"/>', { prefix: 'ds', attrs: { Id: ids.signature } });
  } catch (error) {
    if (error instanceof CabinetError) throw error;
    throw new CabinetError('UNAVAILABLE', 'La signature du lot de soumission a échoué (carte retirée ou clé inaccessible ?).');
  }
  const xml = `<?xml version="1.0" encoding="UTF-8"?>${signed.getSignatureXml()}`;
  return { content: Buffer.from(xml, 'utf8'), signingTime: now, signatureId: ids.signature };
}

// ---------------------------------------------------------------------------
// Verification (sandbox side)

/** A refusal of the signature document, with a French reason. */
export class SignatureRefused extends Error {}

export interface VerifiedSubmissionSignature {
  certificatePem: string;
  signingTime: Date;
  submissionSetUniqueId: string;
  /** Manifest URI → SHA-256 (base64). */
  manifest: Map<string, string>;
}

function elementKids(parent: Element, ns?: string, name?: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const e = n as Element;
    if ((ns === undefined || e.namespaceURI === ns) && (name === undefined || e.localName === name)) out.push(e);
  }
  return out;
}

function only(parent: Element | undefined, ns: string, name: string, what: string): Element {
  const found = parent ? elementKids(parent, ns, name) : [];
  if (found.length !== 1) throw new SignatureRefused(`${what} : ${found.length === 0 ? 'absent' : 'présent plusieurs fois'}.`);
  return found[0]!;
}

function text(e: Element): string {
  return (e.textContent ?? '').trim();
}

function parse(xml: string, what: string): Element {
  // Size, depth, time, no DTD: checked by the bounded reader before the DOM sees the text.
  precheckXml(xml, {
    label: what,
    maxBytes: 4 * MAX_SIGNATURE_BYTES,
    maxDepth: 64,
    deadlineMs: 2_000,
    refuse: (message) => new SignatureRefused(`${what} : ${message}.`),
  });
  const errors: string[] = [];
  let root: Element | null;
  try {
    root = new DOMParser({ onError: (level, message) => (level === 'warning' ? undefined : errors.push(String(message))) }).parseFromString(
      xml,
      'text/xml',
    ).documentElement;
  } catch {
    root = null;
  }
  if (errors.length > 0 || !root) throw new SignatureRefused(`${what} : XML mal formé.`);
  return root;
}

/**
 * Verifies a signature document: the XML-DSig signature (xml-crypto limited
 * to exc-c14n / rsa-sha256 / sha256), exactly the three references the
 * profile uses (Manifest, XAdES SignedProperties, SignatureProperties),
 * the XAdES signing certificate = the KeyInfo certificate, the commitment
 * type. What is believed comes from the signed content only. The caller
 * checks the certificate's chain, the time window, the signer's identity and
 * the manifest against the documents ({@link checkManifest}).
 */
export function verifySubmissionSignature(content: Buffer): VerifiedSubmissionSignature {
  if (content.length > MAX_SIGNATURE_BYTES) throw new SignatureRefused('document de signature trop volumineux.');
  let xml: string;
  try {
    xml = new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    throw new SignatureRefused('le document de signature n’est pas un XML UTF-8.');
  }
  const root = parse(xml, 'Document de signature');
  if (root.namespaceURI !== DSIG_NS || root.localName !== 'Signature')
    throw new SignatureRefused('l’élément racine doit être ds:Signature (signature détachée).');
  const signatureId = root.getAttribute('Id') ?? '';
  if (!signatureId) throw new SignatureRefused('ds:Signature sans attribut Id.');
  const x509 = elementKids(
    only(only(root, DSIG_NS, 'KeyInfo', 'KeyInfo'), DSIG_NS, 'X509Data', 'KeyInfo/X509Data'),
    DSIG_NS,
    'X509Certificate',
  );
  if (x509.length !== 1) throw new SignatureRefused('KeyInfo doit contenir exactement un certificat.');
  const b64 = text(x509[0]!).replace(/\s+/g, '');
  let certificate: crypto.X509Certificate;
  try {
    certificate = new crypto.X509Certificate(Buffer.from(b64, 'base64'));
  } catch {
    throw new SignatureRefused('certificat du signataire illisible.');
  }
  const certificatePem = certificate.toString();

  const verifier = new SignedXml({ getCertFromKeyInfo: () => certificatePem });
  verifier.SignatureAlgorithms = {
    [RSA_SHA256]: verifier.SignatureAlgorithms[RSA_SHA256] as NonNullable<(typeof verifier.SignatureAlgorithms)[string]>,
  };
  verifier.HashAlgorithms = { [SHA256]: verifier.HashAlgorithms[SHA256] as NonNullable<(typeof verifier.HashAlgorithms)[string]> };
  verifier.CanonicalizationAlgorithms = {
    [EXC_C14N]: verifier.CanonicalizationAlgorithms[EXC_C14N] as NonNullable<(typeof verifier.CanonicalizationAlgorithms)[string]>,
  };
  let valid: boolean;
  try {
    verifier.loadSignature(new XMLSerializer().serializeToString(root));
    valid = verifier.checkSignature(xml);
  } catch {
    valid = false;
  }
  if (!valid) throw new SignatureRefused('signature XML invalide (document modifié après signature, ou algorithme non accepté).');
  const references = verifier.getReferences();
  const signed = verifier.getSignedReferences();
  // xml-crypto does not keep Reference/@Type: it is read from the SignedInfo it verified.
  const signedInfo = only(root, DSIG_NS, 'SignedInfo', 'SignedInfo');
  const types = elementKids(signedInfo, DSIG_NS, 'Reference')
    .map((r) => r.getAttribute('Type') ?? '')
    .sort();
  if (
    references.length !== 3 ||
    signed.length !== 3 ||
    types.join(' ') !== [MANIFEST_TYPE, SIGNATURE_PROPERTIES_TYPE, SIGNED_PROPERTIES_TYPE].sort().join(' ')
  ) {
    throw new SignatureRefused('SignedInfo doit référencer exactement le Manifest, les SignedProperties XAdES et les SignatureProperties.');
  }
  const signedRoots = signed.map((s) => parse(s, 'Contenu signé'));
  const pick = (ns: string, name: string) => {
    const found = signedRoots.filter((e) => e.namespaceURI === ns && e.localName === name);
    if (found.length !== 1) throw new SignatureRefused(`${name} signé absent ou multiple.`);
    return found[0]!;
  };

  // Manifest.
  const manifest = new Map<string, string>();
  for (const ref of elementKids(pick(DSIG_NS, 'Manifest'), DSIG_NS, 'Reference')) {
    const uri = ref.getAttribute('URI') ?? '';
    if (elementKids(ref, DSIG_NS, 'Transforms').length > 0)
      throw new SignatureRefused('les références du Manifest ne prennent pas de transformation.');
    if (only(ref, DSIG_NS, 'DigestMethod', 'Manifest/DigestMethod').getAttribute('Algorithm') !== SHA256)
      throw new SignatureRefused('Manifest : empreinte SHA-256 attendue.');
    if (!uri || manifest.has(uri)) throw new SignatureRefused('Manifest : référence sans URI ou en double.');
    manifest.set(uri, text(only(ref, DSIG_NS, 'DigestValue', 'Manifest/DigestValue')));
  }
  if (manifest.size === 0) throw new SignatureRefused('le Manifest ne liste aucun document.');

  // SignatureProperties: the submission set.
  const property = only(pick(DSIG_NS, 'SignatureProperties'), DSIG_NS, 'SignatureProperty', 'SignatureProperty');
  if (property.getAttribute('Target') !== `#${signatureId}`)
    throw new SignatureRefused('SignatureProperty : Target doit désigner la signature.');
  const submissionSetUniqueId = text(only(property, CABINET_SIGNATURE_NS, 'SubmissionSetUniqueId', 'SubmissionSetUniqueId'));

  // XAdES.
  const signedProperties = pick(XADES_NS, 'SignedProperties');
  const qualifying = elementKids(root, DSIG_NS, 'Object').flatMap((o) => elementKids(o, XADES_NS, 'QualifyingProperties'));
  if (qualifying.length !== 1 || qualifying[0]!.getAttribute('Target') !== `#${signatureId}`)
    throw new SignatureRefused('QualifyingProperties XAdES absent ou sans Target vers la signature.');
  const ssp = only(signedProperties, XADES_NS, 'SignedSignatureProperties', 'SignedSignatureProperties');
  const signingTimeText = text(only(ssp, XADES_NS, 'SigningTime', 'SigningTime'));
  const signingTime = new Date(signingTimeText);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(signingTimeText) || Number.isNaN(signingTime.getTime()))
    throw new SignatureRefused('SigningTime invalide.');
  const cert = only(only(ssp, XADES_NS, 'SigningCertificate', 'SigningCertificate'), XADES_NS, 'Cert', 'SigningCertificate/Cert');
  const digest = only(cert, XADES_NS, 'CertDigest', 'CertDigest');
  if (only(digest, DSIG_NS, 'DigestMethod', 'CertDigest/DigestMethod').getAttribute('Algorithm') !== SHA256)
    throw new SignatureRefused('CertDigest : SHA-256 attendu.');
  if (text(only(digest, DSIG_NS, 'DigestValue', 'CertDigest/DigestValue')) !== sha256(certificate.raw))
    throw new SignatureRefused('SigningCertificate ne désigne pas le certificat de KeyInfo.');
  const serial = text(only(only(cert, XADES_NS, 'IssuerSerial', 'IssuerSerial'), DSIG_NS, 'X509SerialNumber', 'X509SerialNumber'));
  if (serial !== serialDecimal(certificate))
    throw new SignatureRefused('IssuerSerial : numéro de série différent du certificat de KeyInfo.');
  const commitment = only(
    only(signedProperties, XADES_NS, 'SignedDataObjectProperties', 'SignedDataObjectProperties'),
    XADES_NS,
    'CommitmentTypeIndication',
    'CommitmentTypeIndication',
  );
  const identifier = text(
    only(only(commitment, XADES_NS, 'CommitmentTypeId', 'CommitmentTypeId'), XADES_NS, 'Identifier', 'CommitmentTypeId/Identifier'),
  );
  if (identifier !== PROOF_OF_ORIGIN)
    throw new SignatureRefused(`engagement « ${identifier.slice(0, 60)} » au lieu de Proof of origin (${PROOF_OF_ORIGIN}).`);
  return { certificatePem, signingTime, submissionSetUniqueId, manifest };
}

/** The manifest must list exactly the submitted documents, with the SHA-256 of their bytes. */
export function checkManifest(manifest: ReadonlyMap<string, string>, documents: readonly SignedDocument[]): void {
  const expected = new Map(documents.map((d) => [manifestUri(d.uniqueId), sha256(d.content)]));
  for (const [uri, digest] of expected) {
    const listed = manifest.get(uri);
    if (listed === undefined) throw new SignatureRefused(`le Manifest ne liste pas le document ${uri.slice(0, 100)}.`);
    if (listed !== digest)
      throw new SignatureRefused(`l’empreinte SHA-256 du Manifest ne correspond pas au document ${uri.slice(0, 100)} reçu.`);
  }
  for (const uri of manifest.keys())
    if (!expected.has(uri)) throw new SignatureRefused(`le Manifest liste un document absent du lot : ${uri.slice(0, 100)}.`);
}
