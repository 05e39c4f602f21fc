/**
 * Checks a VIHF the way the DMP would, for our local sandboxes: signature
 * (xml-crypto, key from KeyInfo), signing certificate against trust anchors,
 * validity window, required attributes. Everything returned is read from the
 * XML that the signature covers (xml-crypto's signed reference), never from
 * the document as received, so content moved around the signature
 * ("signature wrapping") is not believed.
 *
 * Accepts both spellings seen in ANS samples: DRIMbox's `Identifiant_Structure`,
 * `Secteur_Activite`, `Authentification_Mode` and PSC-POC's `Identifiant
 * Structure`, `Secteur Activite`, `Authentification_mode` (notes ins-cps.md §4).
 *
 * Certificate chain validation proper (IGC-Santé policies, key usages,
 * revocation) belongs to `electron/identity/certificates/trust.ts`: pass it as
 * `validateCertificate`. Without it, a minimal check is made: the chain given
 * in KeyInfo must lead to one of `anchorsPem`, every certificate valid at `now`.
 */
import crypto from 'node:crypto';
import { DOMParser, type Element, type Node as XmlNode } from '@xmldom/xmldom';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { DSIG_NS, HL7_NS, SAML_NS, VIHF_ATTRIBUTES } from './vihf.js';
import { checkAssertionSignature } from './xmldsig.js';
import { precheckXml } from '../../platform/xml/bounded.js';

export interface CertificateCheckContext {
  /** Further certificates found in KeyInfo (intermediates), PEM. */
  chainPem: readonly string[];
  anchorsPem: readonly string[];
  now: Date;
}

/** Throws (a CabinetError with a French reason, preferably) when the certificate is not acceptable. */
export type CertificateValidator = (certificatePem: string, context: CertificateCheckContext) => void;

export interface VerifyVihfOptions {
  anchorsPem: readonly string[];
  now?: Date;
  /** Tolerance on NotBefore / NotOnOrAfter / IssueInstant. Default 0. */
  clockSkewMs?: number;
  /** Lifetime assumed when the assertion has no Conditions. Default 60 minutes. */
  lifetimeWithoutConditionsMs?: number;
  /** Replaces the minimal anchor check (hook for certificates/trust.ts). */
  validateCertificate?: CertificateValidator;
}

export interface CodedAttribute {
  code: string;
  codeSystem: string;
  displayName?: string;
}

export interface VerifiedVihf {
  id: string;
  issueInstant: Date;
  notBefore: Date;
  notOnOrAfter: Date;
  issuer: string;
  issuerFormat: string | null;
  /** Subject/NameID: the practitioner's idNat_PS. */
  nameId: string;
  certificatePem: string;
  authnContextClassRef: string | null;
  version: string;
  roles: CodedAttribute[];
  activitySector: string;
  resourceUrn: string;
  purposeOfUse: CodedAttribute;
  subjectId: string;
  structureId: string;
  authenticationMode: string;
  software: { name: string; version?: string; id?: string; dmpApprovalId: string };
  patientId?: string;
  /** Every attribute, names normalised to the underscore spelling, values as text (coded values: their `code`). */
  attributes: Record<string, string[]>;
}

const MAX_VIHF_BYTES = 256 * 1024;

/** Other spellings → ours. */
const aliases: Record<string, string> = {
  'Identifiant Structure': VIHF_ATTRIBUTES.structureId,
  'Secteur Activite': VIHF_ATTRIBUTES.activitySector,
  Authentification_mode: VIHF_ATTRIBUTES.authenticationMode,
};

const required = [
  VIHF_ATTRIBUTES.version,
  VIHF_ATTRIBUTES.role,
  VIHF_ATTRIBUTES.activitySector,
  VIHF_ATTRIBUTES.resourceUrn,
  VIHF_ATTRIBUTES.purposeOfUse,
  VIHF_ATTRIBUTES.subjectId,
  VIHF_ATTRIBUTES.structureId,
  VIHF_ATTRIBUTES.authenticationMode,
  VIHF_ATTRIBUTES.softwareName,
  VIHF_ATTRIBUTES.dmpApprovalId,
] as const;

function invalid(reason: string): CabinetError {
  return new CabinetError('INVALID_REQUEST', `Assertion VIHF refusée : ${reason}.`);
}

function refused(reason: string): CabinetError {
  return new CabinetError('UNAUTHORIZED', `Assertion VIHF refusée : ${reason}.`);
}

function parse(xml: string): Element {
  // Size, depth, time, no DTD: checked by the bounded reader before the DOM sees the text.
  precheckXml(xml, {
    label: 'Assertion VIHF',
    maxBytes: MAX_VIHF_BYTES,
    maxDepth: 32,
    deadlineMs: 2_000,
    refuse: (message) => invalid(message),
  });
  let root: Element | null;
  try {
    const doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(xml, 'text/xml');
    root = doc.documentElement;
  } catch {
    throw invalid('XML mal formé');
  }
  if (!root) throw invalid('XML vide');
  return root;
}

function children(parent: Element, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  for (let node: XmlNode | null = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1) {
      const element = node as Element;
      if (element.namespaceURI === ns && element.localName === localName) out.push(element);
    }
  }
  return out;
}

function child(parent: Element, ns: string, localName: string): Element | null {
  return children(parent, ns, localName)[0] ?? null;
}

function elementChildren(parent: Element): Element[] {
  const out: Element[] = [];
  for (let node: XmlNode | null = parent.firstChild; node; node = node.nextSibling) if (node.nodeType === 1) out.push(node as Element);
  return out;
}

function countSignatures(element: Element): number {
  let count = element.namespaceURI === DSIG_NS && element.localName === 'Signature' ? 1 : 0;
  for (const inner of elementChildren(element)) count += countSignatures(inner);
  return count;
}

function textOf(element: Element | null): string {
  return (element?.textContent ?? '').trim();
}

function date(value: string | null, what: string): Date {
  const parsed = value && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? new Date(value) : null;
  if (!parsed || Number.isNaN(parsed.getTime())) throw invalid(`${what} absent ou mal formé`);
  return parsed;
}

function toPem(base64: string): string {
  const body = base64.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/** The signature, checked with xml-crypto restricted to what a VIHF uses; returns the signed Assertion as canonical XML. */
function checkSignature(xml: string, root: Element, id: string): { signedXml: string; certificates: string[] } {
  const signatures = children(root, DSIG_NS, 'Signature');
  if (signatures.length === 0) throw refused('assertion non signée');
  if (signatures.length > 1 || countSignatures(root) > 1) throw refused('plusieurs signatures');
  const signature = signatures[0] as Element;

  // The certificates of KeyInfo: the first is the signer's; the others may be intermediates.
  const keyInfo = child(signature, DSIG_NS, 'KeyInfo');
  const x509Data = keyInfo ? child(keyInfo, DSIG_NS, 'X509Data') : null;
  const certificates = x509Data ? children(x509Data, DSIG_NS, 'X509Certificate').map((element) => toPem(textOf(element))) : [];
  const signerCertificate = certificates[0];
  if (!signerCertificate) throw refused('certificat de signature absent (KeyInfo)');
  try {
    new crypto.X509Certificate(signerCertificate);
  } catch {
    throw refused('certificat de signature illisible');
  }

  const check = checkAssertionSignature(xml, signature, signerCertificate, id);
  if (!check.ok)
    throw refused(
      check.reason === 'signature_invalide' ? 'signature de l’assertion invalide' : 'la signature ne porte pas sur l’assertion entière',
    );
  return { signedXml: check.signedXml, certificates };
}

/** Minimal chain check: issuer signatures up to an anchor, validity dates. Replaced by `validateCertificate`. */
export function checkAgainstAnchors(certificatePem: string, context: CertificateCheckContext): void {
  const anchors = context.anchorsPem.map((pem) => new crypto.X509Certificate(pem));
  if (anchors.length === 0) throw refused('aucune autorité de confiance n’est configurée');
  const pool = context.chainPem.map((pem) => new crypto.X509Certificate(pem));
  const validAt = (cert: crypto.X509Certificate) => new Date(cert.validFrom) <= context.now && context.now <= new Date(cert.validTo);
  let current = new crypto.X509Certificate(certificatePem);
  for (let depth = 0; depth < 6; depth += 1) {
    if (!validAt(current))
      throw refused(depth === 0 ? 'certificat de signature expiré ou pas encore valide' : 'certificat d’autorité expiré');
    const anchor = anchors.find((candidate) => current.checkIssued(candidate) && current.verify(candidate.publicKey));
    if (anchor) {
      if (!validAt(anchor)) throw refused('autorité de confiance expirée');
      return;
    }
    const issuer = pool.find((candidate) => candidate.ca && current.checkIssued(candidate) && current.verify(candidate.publicKey));
    if (!issuer) break;
    current = issuer;
  }
  throw refused('certificat de signature émis par une autorité non reconnue');
}

function coded(value: Element, what: string): CodedAttribute {
  const code = value.getAttribute('code');
  const codeSystem = value.getAttribute('codeSystem');
  if (!code || !codeSystem || value.namespaceURI !== HL7_NS) throw invalid(`${what} mal formé`);
  const displayName = value.getAttribute('displayName');
  return { code, codeSystem, ...(displayName ? { displayName } : {}) };
}

/**
 * Verifies a VIHF (the `saml2:Assertion` element as a string) and returns its
 * content. Throws CabinetError: UNAUTHORIZED for signature, certificate and
 * time; INVALID_REQUEST for a malformed assertion or a missing attribute.
 */
export function verifyVihf(xml: string, options: VerifyVihfOptions): VerifiedVihf {
  const now = options.now ?? new Date();
  const skew = options.clockSkewMs ?? 0;
  if (Buffer.byteLength(xml, 'utf8') > MAX_VIHF_BYTES) throw invalid('taille excessive');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw invalid('DTD interdite');

  const received = parse(xml);
  if (received.namespaceURI !== SAML_NS || received.localName !== 'Assertion')
    throw invalid('l’élément racine n’est pas une saml2:Assertion');
  const id = received.getAttribute('ID');
  if (!id || !/^[A-Za-z_][\w.-]*$/.test(id)) throw invalid('identifiant (ID) absent ou invalide');

  const { signedXml, certificates } = checkSignature(xml, received, id);
  const signerCertificate = certificates[0] as string;
  const context: CertificateCheckContext = { chainPem: certificates.slice(1), anchorsPem: options.anchorsPem, now };
  try {
    (options.validateCertificate ?? checkAgainstAnchors)(signerCertificate, context);
  } catch (error) {
    if (error instanceof CabinetError) throw error;
    throw refused('certificat de signature non valide');
  }

  // From here on, only the signed content.
  const assertion = parse(signedXml);
  if (assertion.namespaceURI !== SAML_NS || assertion.localName !== 'Assertion' || assertion.getAttribute('ID') !== id) {
    throw refused('la signature ne porte pas sur l’assertion entière');
  }
  if (assertion.getAttribute('Version') !== '2.0') throw invalid('version SAML différente de 2.0');
  const issueInstant = date(assertion.getAttribute('IssueInstant'), 'IssueInstant');

  const conditions = child(assertion, SAML_NS, 'Conditions');
  const notBefore = conditions?.getAttribute('NotBefore') ? date(conditions.getAttribute('NotBefore'), 'NotBefore') : issueInstant;
  const notOnOrAfter = conditions?.getAttribute('NotOnOrAfter')
    ? date(conditions.getAttribute('NotOnOrAfter'), 'NotOnOrAfter')
    : new Date(issueInstant.getTime() + (options.lifetimeWithoutConditionsMs ?? 60 * 60_000));
  if (now.getTime() + skew < notBefore.getTime() || now.getTime() + skew < issueInstant.getTime()) {
    throw refused('assertion pas encore valide (horloge à vérifier)');
  }
  if (now.getTime() - skew >= notOnOrAfter.getTime()) throw refused('assertion expirée');

  const issuerElement = child(assertion, SAML_NS, 'Issuer');
  const issuer = textOf(issuerElement);
  if (!issuer) throw invalid('émetteur (Issuer) absent');
  const subject = child(assertion, SAML_NS, 'Subject');
  const nameId = textOf(subject ? child(subject, SAML_NS, 'NameID') : null);
  if (!nameId) throw new CabinetError('INVALID_REQUEST', 'Assertion VIHF refusée : attribut obligatoire absent : Subject/NameID.');
  const authnStatement = child(assertion, SAML_NS, 'AuthnStatement');
  const authnContext = authnStatement ? child(authnStatement, SAML_NS, 'AuthnContext') : null;
  const classRef = authnContext ? textOf(child(authnContext, SAML_NS, 'AuthnContextClassRef')) : '';

  const attributes: Record<string, string[]> = {};
  const codedValues: Record<string, CodedAttribute[]> = {};
  for (const statement of children(assertion, SAML_NS, 'AttributeStatement')) {
    for (const attribute of children(statement, SAML_NS, 'Attribute')) {
      const rawName = attribute.getAttribute('Name') ?? '';
      const name = aliases[rawName] ?? rawName;
      for (const value of children(attribute, SAML_NS, 'AttributeValue')) {
        const inner = elementChildren(value)[0];
        if (inner) {
          const codedValue = coded(inner, name);
          (codedValues[name] ??= []).push(codedValue);
          (attributes[name] ??= []).push(codedValue.code);
        } else {
          const content = textOf(value);
          if (content) (attributes[name] ??= []).push(content);
        }
      }
    }
  }
  for (const name of required) {
    if (!attributes[name]?.length) {
      throw new CabinetError('INVALID_REQUEST', `Assertion VIHF refusée : attribut obligatoire absent : ${name}.`, { attribut: name });
    }
  }
  const first = (name: string): string => (attributes[name]?.[0] ?? '') as string;
  const optional = (name: string): string | undefined => attributes[name]?.[0];
  const roles = codedValues[VIHF_ATTRIBUTES.role];
  const purposes = codedValues[VIHF_ATTRIBUTES.purposeOfUse];
  if (!roles?.length) throw invalid(`rôle (${VIHF_ATTRIBUTES.role}) sans code`);
  if (!purposes?.[0]) throw invalid(`mode d’accès (${VIHF_ATTRIBUTES.purposeOfUse}) sans code`);

  const version = optional(VIHF_ATTRIBUTES.softwareVersion);
  const softwareId = optional(VIHF_ATTRIBUTES.softwareId);
  const patientId = optional(VIHF_ATTRIBUTES.patientId);
  return {
    id,
    issueInstant,
    notBefore,
    notOnOrAfter,
    issuer,
    issuerFormat: issuerElement?.getAttribute('Format') ?? null,
    nameId,
    certificatePem: signerCertificate,
    authnContextClassRef: classRef || null,
    version: first(VIHF_ATTRIBUTES.version),
    roles,
    activitySector: first(VIHF_ATTRIBUTES.activitySector),
    resourceUrn: first(VIHF_ATTRIBUTES.resourceUrn),
    purposeOfUse: purposes[0],
    subjectId: first(VIHF_ATTRIBUTES.subjectId),
    structureId: first(VIHF_ATTRIBUTES.structureId),
    authenticationMode: first(VIHF_ATTRIBUTES.authenticationMode),
    software: {
      name: first(VIHF_ATTRIBUTES.softwareName),
      dmpApprovalId: first(VIHF_ATTRIBUTES.dmpApprovalId),
      ...(version ? { version } : {}),
      ...(softwareId ? { id: softwareId } : {}),
    },
    ...(patientId ? { patientId } : {}),
    attributes,
  };
}

/** Same as {@link verifyVihf}, with an asynchronous certificate check (CRL/OCSP). */
export async function verifyVihfAsync(
  xml: string,
  options: Omit<VerifyVihfOptions, 'validateCertificate'> & {
    validateCertificate: (certificatePem: string, context: CertificateCheckContext) => Promise<void>;
  },
): Promise<VerifiedVihf> {
  const { validateCertificate, ...rest } = options;
  let pending: { pem: string; context: CertificateCheckContext } | null = null;
  const result = verifyVihf(xml, {
    ...rest,
    validateCertificate: (pem, context) => {
      pending = { pem, context };
    },
  });
  const check = pending as { pem: string; context: CertificateCheckContext } | null;
  if (!check) throw refused('certificat de signature non vérifié');
  try {
    await validateCertificate(check.pem, check.context);
  } catch (error) {
    if (error instanceof CabinetError) throw error;
    throw refused('certificat de signature non valide');
  }
  return result;
}
