/**
 * Who is calling (notes ins-cps.md §2.1, §2.4). The real service has two
 * hosts; the sandbox serves both on one port and decides per request:
 *
 * - **mTLS** — the TLS client certificate is presented: it must chain to the
 *   test PKI (through TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS), be
 *   within its dates, not be revoked (fresh CRLs), allow clientAuth
 *   (`validateCertificate`), and its CN must be exactly INSI-AUTO or
 *   INSI-MANU; otherwise DESIR_560.
 * - **CPS** — no client certificate: `wsse:Security` must carry one signed
 *   SAML 2.0 assertion (the shape of the recorded one: Issuer, enveloped
 *   exc-c14n / rsa-sha256 / sha256 signature with the certificate in
 *   KeyInfo, Subject/NameID, optional attributes), signed by a card
 *   certificate of TEST AC IGC-SANTE FORT PERSONNES (chain, dates, CRL,
 *   nonRepudiation), within its validity (Conditions, or one hour after
 *   IssueInstant, notes §2.4), whose NameID is the card's idNat_PS.
 *
 * The signature is checked with xml-crypto restricted to those algorithms,
 * and everything used afterwards is read from the signed content only (as
 * electron/identity/vihf/verify.ts does), so an assertion edited around its
 * signature is not believed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { checkAssertionSignature } from '../../electron/identity/vihf/xmldsig.js';
import { CabinetError } from '../../shared/contract/outcome.js';
import { softwareIdentityFromCertificate } from '../../electron/identity/certificates/practitioner.js';
import { validateCertificate } from '../../electron/identity/certificates/trust.js';
import { identity as pkiIdentity, pkiPath, type PkiManifest } from '../pki/test-pki.js';
import { SandboxFault } from './faults.js';
import { NS } from './soap.js';
import { childNamed, childrenNamed, elementChildren, serialize, textOf } from './xml.js';

const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const MAX_ASSERTION_BYTES = 128 * 1024;
/** "The assertion expires after 1h" (notes §2.4). */
export const ASSERTION_LIFETIME_MS = 60 * 60_000;
/** Clock skew tolerated on IssueInstant / NotBefore. */
export const ASSERTION_SKEW_MS = 60_000;

export interface TrustMaterial {
  anchorsPem: string[];
  intermediatesPem: string[];
  crls: Buffer[];
  /** SHA-256 fingerprints of the issuing authorities each mode accepts. */
  organisationsFingerprint: string;
  cardsFingerprint: string;
}

export function trustFromPki(manifest: PkiManifest): TrustMaterial {
  const read = (relative: string) => fsRead(pkiPath(manifest, relative)).toString('utf8');
  const authority = (id: string) => {
    const found = manifest.authorities.find((a) => a.id === id);
    if (!found?.certPem) throw new CabinetError('CONFIG_INVALID', `IGC de test incomplète : autorité « ${id} » absente.`);
    return read(found.certPem);
  };
  const root = manifest.root.certPem ? read(manifest.root.certPem) : authority('racine');
  const organisations = authority('elementaire-organisations');
  const cards = authority('fort-personnes');
  return {
    anchorsPem: [root],
    intermediatesPem: [organisations, cards],
    crls: manifest.crls.map((c) => fsRead(pkiPath(manifest, c.der))),
    organisationsFingerprint: new crypto.X509Certificate(organisations).fingerprint256,
    cardsFingerprint: new crypto.X509Certificate(cards).fingerprint256,
  };
}

function fsRead(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch {
    throw new CabinetError('CONFIG_INVALID', `IGC de test : fichier illisible ${file}`);
  }
}

export function serverCredentials(manifest: PkiManifest): { certPem: string; keyPem: string; chainPem: string } {
  const server = pkiIdentity(manifest, 'serveur-insi');
  if (!server.certPem || !server.keyPem || !server.chainPem)
    throw new CabinetError('CONFIG_INVALID', 'IGC de test : le certificat serveur du bac à sable INSi (serveur-insi) est incomplet.');
  return {
    certPem: fsRead(pkiPath(manifest, server.certPem)).toString('utf8'),
    keyPem: fsRead(pkiPath(manifest, server.keyPem)).toString('utf8'),
    chainPem: fsRead(pkiPath(manifest, server.chainPem)).toString('utf8'),
  };
}

function refusalText(error: unknown): string {
  if (error instanceof CabinetError) return error.message;
  return 'certificat non valide';
}

export interface MtlsCaller {
  mode: 'mtls';
  commonName: 'INSI-AUTO' | 'INSI-MANU';
  structureId: string | null;
  subject: string;
}

export interface CpsCaller {
  mode: 'cps';
  nameId: string;
  issuer: string;
  subject: string;
  attributes: Record<string, string[]>;
}

export type Caller = MtlsCaller | CpsCaller;

/** mTLS mode: throws SandboxFault desir_561 (untrusted) or desir_560 (wrong CN, or not an organisation certificate). */
export async function checkClientCertificate(certPem: string, trust: TrustMaterial, at: Date): Promise<MtlsCaller> {
  let chain: crypto.X509Certificate[];
  try {
    ({ chain } = await validateCertificate({
      leafPem: certPem,
      intermediatesPem: trust.intermediatesPem,
      anchorsPem: trust.anchorsPem,
      crls: trust.crls,
      at,
      purpose: 'clientAuth',
    }));
  } catch (error) {
    throw new SandboxFault('certificatRefuse', `Certificat client refusé : ${refusalText(error).replace(/^Certificat refusé : /, '')}`);
  }
  const software = softwareIdentityFromCertificate(certPem);
  if (!software.insi || chain[1]?.fingerprint256 !== trust.organisationsFingerprint) throw new SandboxFault('droitsInsuffisants');
  return { mode: 'mtls', commonName: software.insi, structureId: software.structureId, subject: software.subject };
}

function toPem(base64: string): string {
  const body = base64.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

function countSignatures(element: Element): number {
  let count = element.namespaceURI === DSIG_NS && element.localName === 'Signature' ? 1 : 0;
  for (const inner of elementChildren(element)) count += countSignatures(inner);
  return count;
}

function instant(value: string | null, what: string): Date {
  const parsed = value && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? new Date(value) : null;
  if (!parsed || Number.isNaN(parsed.getTime())) throw refuse(`${what} absent ou mal formé`);
  return parsed;
}

const refuse = (reason: string) =>
  new SandboxFault('assertionRefusee', `Assertion d'authentification du professionnel refusée : ${reason}.`);

/** CPS mode: throws SandboxFault desir_562 with the reason. */
export async function verifyCpsAssertion(security: Element, trust: TrustMaterial, at: Date): Promise<CpsCaller> {
  const assertions = childrenNamed(security, NS.saml, 'Assertion');
  if (assertions.length !== 1 || elementChildren(security).length !== 1)
    throw refuse('wsse:Security doit contenir exactement une saml:Assertion');
  const xml = serialize(assertions[0]!);
  if (Buffer.byteLength(xml, 'utf8') > MAX_ASSERTION_BYTES) throw refuse('taille excessive');
  const received = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
  const id = received.getAttribute('ID');
  if (!id || !/^[A-Za-z_][\w.-]*$/.test(id)) throw refuse('identifiant (ID) absent ou invalide');

  const signatures = childrenNamed(received, DSIG_NS, 'Signature');
  if (signatures.length === 0) throw refuse('assertion non signée');
  if (signatures.length > 1 || countSignatures(received) > 1) throw refuse('plusieurs signatures');
  const signature = signatures[0]!;
  const x509Data = childNamed(childNamed(signature, DSIG_NS, 'KeyInfo'), DSIG_NS, 'X509Data');
  const certificates = x509Data ? childrenNamed(x509Data, DSIG_NS, 'X509Certificate').map((e) => toPem(textOf(e))) : [];
  const signerPem = certificates[0];
  if (!signerPem) throw refuse('certificat de signature absent (KeyInfo)');
  try {
    new crypto.X509Certificate(signerPem);
  } catch {
    throw refuse('certificat de signature illisible');
  }

  const check = checkAssertionSignature(xml, signature, signerPem, id);
  if (!check.ok)
    throw refuse(check.reason === 'signature_invalide' ? 'signature invalide' : 'la signature ne porte pas sur l’assertion entière');
  const signed = [check.signedXml];

  // From here on, only the signed content.
  const assertion = new DOMParser().parseFromString(signed[0]!, 'text/xml').documentElement!;
  if (assertion.namespaceURI !== NS.saml || assertion.localName !== 'Assertion' || assertion.getAttribute('ID') !== id)
    throw refuse('la signature ne porte pas sur l’assertion entière');
  if (assertion.getAttribute('Version') !== '2.0') throw refuse('version SAML différente de 2.0');
  const issueInstant = instant(assertion.getAttribute('IssueInstant'), 'IssueInstant');
  const conditions = childNamed(assertion, NS.saml, 'Conditions');
  const notBefore = conditions?.getAttribute('NotBefore') ? instant(conditions.getAttribute('NotBefore'), 'NotBefore') : issueInstant;
  const notOnOrAfter = conditions?.getAttribute('NotOnOrAfter')
    ? instant(conditions.getAttribute('NotOnOrAfter'), 'NotOnOrAfter')
    : new Date(issueInstant.getTime() + ASSERTION_LIFETIME_MS);
  const now = at.getTime();
  if (now + ASSERTION_SKEW_MS < issueInstant.getTime() || now + ASSERTION_SKEW_MS < notBefore.getTime())
    throw refuse('assertion pas encore valide (horloge à vérifier)');
  if (now >= notOnOrAfter.getTime()) throw refuse('assertion expirée');
  const issuer = textOf(childNamed(assertion, NS.saml, 'Issuer'));
  if (!issuer) throw refuse('émetteur (Issuer) absent');
  const nameId = textOf(childNamed(childNamed(assertion, NS.saml, 'Subject'), NS.saml, 'NameID'));
  if (!nameId) throw refuse('Subject/NameID absent');

  let chain: crypto.X509Certificate[];
  try {
    ({ chain } = await validateCertificate({
      leafPem: signerPem,
      intermediatesPem: trust.intermediatesPem,
      anchorsPem: trust.anchorsPem,
      crls: trust.crls,
      at,
      purpose: 'signature',
    }));
  } catch (error) {
    throw refuse(
      `certificat de signature : ${refusalText(error)
        .replace(/^Certificat refusé : /, '')
        .replace(/\.$/, '')}`,
    );
  }
  if (chain[1]?.fingerprint256 !== trust.cardsFingerprint)
    throw refuse('le certificat de signature n’est pas celui d’une carte CPS (autorité FORT PERSONNES attendue)');
  const cardId = softwareIdentityFromCertificate(signerPem).commonName;
  if (cardId !== nameId) throw refuse(`Subject/NameID (${nameId.slice(0, 40)}) différent de l’identifiant de la carte (${cardId})`);

  const attributes: Record<string, string[]> = {};
  for (const statement of childrenNamed(assertion, NS.saml, 'AttributeStatement')) {
    for (const attribute of childrenNamed(statement, NS.saml, 'Attribute')) {
      const name = attribute.getAttribute('Name') ?? '';
      for (const value of childrenNamed(attribute, NS.saml, 'AttributeValue')) (attributes[name] ??= []).push(textOf(value));
    }
  }
  return { mode: 'cps', nameId, issuer, subject: softwareIdentityFromCertificate(signerPem).subject, attributes };
}
