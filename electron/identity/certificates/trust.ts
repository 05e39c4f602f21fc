/**
 * Certificate path validation against given trust anchors and CRLs, for a
 * purpose: TLS client (a CPS card's authentication certificate, a software
 * certificate), TLS server (a sandbox or national service), or signature
 * (a CPS card's signature certificate, a DMP organisation signature).
 *
 * Node's `crypto.X509Certificate` checks issuance (names, key identifiers)
 * and signatures and gives the validity period; @peculiar/x509 parses and
 * verifies CRLs; the key usage, extended key usage and basic constraints are
 * read by our DER reader. Every refusal is a CabinetError
 * `CERTIFICATE_REFUSED` whose message says why in French and whose details
 * carry a stable `reason` code.
 *
 * Order of the checks, so that the message names the first problem a user
 * can act on: chain building (unknown authority, invalid signature), then
 * for each certificate its validity dates, CA constraints and unknown
 * critical extensions, then revocation, then the leaf's purpose.
 *
 * Revocation: every certificate of the chain except the anchor needs a CRL
 * from its issuer, correctly signed, with thisUpdate ≤ at ≤ nextUpdate
 * (like `openssl verify -crl_check_all`). With `requireCrl` (the default),
 * a missing or stale CRL refuses the certificate: fail closed, as a health
 * service must. `requireCrl: false` is for a check that must work offline
 * (the practitioner's own card at login, when the CRLs could not be
 * refreshed): the result then says `revocation: 'non_verifiee'` with the
 * reasons in `warnings`, for the caller to log or show. A serial listed in
 * the CRL is refused whatever its revocation date. Delta CRLs, indirect CRLs
 * and CRLs with an unknown critical extension (e.g. a partitioned CRL's
 * issuingDistributionPoint) are not used. OCSP is not done.
 */
import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs the Reflect metadata API.
import crypto, { X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { civilDateOf, DEFAULT_PRACTICE_ZONE, formatCivilDateLong } from '../../../shared/domain/civil-date.js';
import {
  OID,
  decodeBasicConstraints,
  decodeKeyUsage,
  decodeOidSequence,
  findAttribute,
  formatName,
  parseCertificate,
  pemToDer,
  splitPem,
  type ParsedCertificate,
} from './der.js';

export type CertificatePurpose = 'clientAuth' | 'serverAuth' | 'signature';

export const purposeLabels: Record<CertificatePurpose, string> = {
  clientAuth: 'l’authentification du client (TLS)',
  serverAuth: 'l’authentification d’un serveur (TLS)',
  signature: 'la signature',
};

export type RefusalReason =
  | 'illisible'
  | 'autorite_inconnue'
  | 'signature_invalide'
  | 'expire'
  | 'pas_encore_valide'
  | 'contrainte_autorite'
  | 'extension_critique'
  | 'revoque'
  | 'liste_revocation'
  | 'usage';

export interface ValidateCertificateOptions {
  leafPem: string;
  /** Intermediate authorities (PEM, one or several blocks per string), in any order. */
  intermediatesPem?: string | readonly string[];
  /** Trust anchors (PEM). */
  anchorsPem: string | readonly string[];
  /** CRLs, DER or PEM. */
  crls?: readonly (string | Uint8Array)[];
  /** Validation time (default: now). */
  at?: Date;
  purpose: CertificatePurpose;
  /** Refuse when a certificate of the chain has no fresh CRL from its issuer. Default true. */
  requireCrl?: boolean;
}

export interface ValidatedChain {
  /** Leaf first, trust anchor last. */
  chain: X509Certificate[];
  chainPem: string[];
  anchor: X509Certificate;
  /** `verifiee`: every certificate but the anchor was checked against a fresh, signed CRL. */
  revocation: 'verifiee' | 'non_verifiee';
  /** Why revocation could not be checked (requireCrl: false only). */
  warnings: string[];
}

export class CertificateRefused extends CabinetError {
  readonly reason: RefusalReason;
  constructor(reason: RefusalReason, message: string, details: Record<string, unknown> = {}) {
    super('CERTIFICATE_REFUSED', `Certificat refusé : ${message}`, { reason, ...details });
    this.reason = reason;
  }
}

/** « 8 décembre 2026 »: the certificate's date on the calendar of metropolitan France (civil-date.ts). */
export const frenchDate = (date: Date): string => formatCivilDateLong(civilDateOf(date, DEFAULT_PRACTICE_ZONE));

interface Cert {
  node: X509Certificate;
  parsed: ParsedCertificate;
  /** CN, else the whole subject: how messages name it. */
  name: string;
}

function load(pem: string, what: string): Cert {
  try {
    const node = new X509Certificate(pem);
    const parsed = parseCertificate(node.raw);
    const name = findAttribute(parsed.subject, OID.commonName).at(-1) ?? formatName(parsed.subject);
    return { node, parsed, name };
  } catch {
    throw new CertificateRefused('illisible', `${what} illisible (format X.509 PEM attendu).`);
  }
}

function pemList(input: string | readonly string[] | undefined): string[] {
  if (!input) return [];
  return (typeof input === 'string' ? [input] : input).flatMap((text) => splitPem(text));
}

const normalizeSerial = (hex: string) => hex.toLowerCase().replace(/^(00)+(?=.)/, '');

interface LoadedCrl {
  crl: x509.X509Crl;
  issuerDer: Buffer;
  unusable: boolean;
}

function loadCrls(inputs: readonly (string | Uint8Array)[]): LoadedCrl[] {
  const out: LoadedCrl[] = [];
  for (const input of inputs) {
    const text =
      typeof input === 'string'
        ? input
        : Buffer.from(input).subarray(0, 64).toString('latin1').includes('-----BEGIN')
          ? Buffer.from(input).toString('latin1')
          : null;
    const ders = text === null ? [Buffer.from(input as Uint8Array)] : splitPem(text, 'X509 CRL').map((pem) => pemToDer(pem, 'X509 CRL'));
    for (const der of ders) {
      try {
        const crl = new x509.X509Crl(new Uint8Array(der));
        const known = new Set(['2.5.29.20', '2.5.29.35']); // CRL number, authority key identifier
        out.push({
          crl,
          issuerDer: Buffer.from(crl.issuerName.toArrayBuffer()),
          unusable: crl.extensions.some((e) => e.critical && !known.has(e.type)),
        });
      } catch {
        // An unreadable CRL is ignored; a certificate that needed it ends as "liste de révocation absente".
      }
    }
  }
  return out;
}

const CRITICAL_UNDERSTOOD = new Set([OID.keyUsage, OID.extKeyUsage, OID.basicConstraints, '2.5.29.17', '2.5.29.32']);
const EKU = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2', any: '2.5.29.37.0' };

function extension(cert: Cert, oid: string) {
  return cert.parsed.extensions.find((e) => e.oid === oid);
}

function checkPurpose(leaf: Cert, purpose: CertificatePurpose): void {
  const ku = extension(leaf, OID.keyUsage);
  const eku = extension(leaf, OID.extKeyUsage);
  const usages = ku ? decodeKeyUsage(ku.value) : null;
  const purposes = eku ? decodeOidSequence(eku.value) : null;
  const refuse = (detail: string) => {
    throw new CertificateRefused('usage', `usage du certificat non prévu pour ${purposeLabels[purpose]} (${detail}).`, {
      certificate: leaf.name,
      purpose,
    });
  };
  if (purpose === 'signature') {
    if (!usages?.has('nonRepudiation')) refuse('usage de clé « non-répudiation » absent');
    return;
  }
  const wanted = purpose === 'clientAuth' ? EKU.clientAuth : EKU.serverAuth;
  if (!purposes || !(purposes.includes(wanted) || purposes.includes(EKU.any))) refuse(`usage étendu ${purpose} absent`);
  if (usages && !usages.has('digitalSignature') && !(purpose === 'serverAuth' && usages.has('keyEncipherment')))
    refuse('usage de clé « signature numérique » absent');
}

/**
 * Validates `leafPem` for `purpose` at `at`. Resolves with the chain (leaf
 * first); rejects with {@link CertificateRefused} (code CERTIFICATE_REFUSED).
 */
export async function validateCertificate(options: ValidateCertificateOptions): Promise<ValidatedChain> {
  const at = options.at ?? new Date();
  const requireCrl = options.requireCrl ?? true;
  const leaf = load(options.leafPem, 'Certificat');
  const intermediates = pemList(options.intermediatesPem).map((pem) => load(pem, 'Certificat d’autorité intermédiaire'));
  const anchors = pemList(options.anchorsPem).map((pem) => load(pem, 'Certificat d’autorité racine'));
  if (anchors.length === 0) throw new CertificateRefused('autorite_inconnue', 'aucune autorité de confiance n’est configurée.');
  const isAnchor = (cert: Cert) => anchors.some((a) => a.node.fingerprint256 === cert.node.fingerprint256);

  // 1. Chain building: leaf → … → anchor.
  const chain: Cert[] = [leaf];
  let current = leaf;
  while (!isAnchor(current)) {
    if (chain.length > 8) throw new CertificateRefused('autorite_inconnue', 'chaîne de certification trop longue.');
    const seen = new Set(chain.map((c) => c.node.fingerprint256));
    const candidates = [...anchors, ...intermediates].filter((c) => !seen.has(c.node.fingerprint256) && current.node.checkIssued(c.node));
    if (candidates.length === 0) {
      throw new CertificateRefused(
        'autorite_inconnue',
        `autorité de certification inconnue (« ${findAttribute(current.parsed.issuer, OID.commonName).at(-1) ?? formatName(current.parsed.issuer)} »).`,
        {
          certificate: current.name,
          issuer: formatName(current.parsed.issuer),
        },
      );
    }
    const issuer = candidates.find((c) => current.node.verify(c.node.publicKey));
    if (!issuer)
      throw new CertificateRefused('signature_invalide', `signature de la chaîne invalide (certificat « ${current.name} »).`, {
        certificate: current.name,
      });
    chain.push(issuer);
    current = issuer;
  }
  // An anchor is trusted as configured; its self-signature is still checked (a damaged file).
  const anchor = chain[chain.length - 1]!;
  if (anchor.node.checkIssued(anchor.node) && !anchor.node.verify(anchor.node.publicKey)) {
    throw new CertificateRefused('signature_invalide', `signature de la chaîne invalide (autorité « ${anchor.name} »).`, {
      certificate: anchor.name,
    });
  }

  // 2. Each certificate: dates, CA constraints, critical extensions.
  chain.forEach((cert, index) => {
    const notBefore = new Date(cert.node.validFrom);
    const notAfter = new Date(cert.node.validTo);
    if (at < notBefore) {
      throw new CertificateRefused(
        'pas_encore_valide',
        `certificat pas encore valide (« ${cert.name} », valable à partir du ${frenchDate(notBefore)}).`,
        { certificate: cert.name, notBefore: notBefore.toISOString() },
      );
    }
    if (at > notAfter) {
      throw new CertificateRefused('expire', `certificat expiré le ${frenchDate(notAfter)} (« ${cert.name} »).`, {
        certificate: cert.name,
        notAfter: notAfter.toISOString(),
      });
    }
    const unknownCritical = cert.parsed.extensions.find((e) => e.critical && !CRITICAL_UNDERSTOOD.has(e.oid));
    if (unknownCritical) {
      throw new CertificateRefused('extension_critique', `extension critique non reconnue ${unknownCritical.oid} (« ${cert.name} »).`, {
        certificate: cert.name,
        oid: unknownCritical.oid,
      });
    }
    if (index > 0) {
      const bc = extension(cert, OID.basicConstraints);
      const constraints = bc ? decodeBasicConstraints(bc.value) : { ca: false };
      const ku = extension(cert, OID.keyUsage);
      const canSign = !ku || decodeKeyUsage(ku.value).has('keyCertSign');
      // Certificates between this one and the leaf that are themselves CAs.
      const below = index - 1;
      if (!constraints.ca || !canSign || (constraints.pathLength !== undefined && below > constraints.pathLength)) {
        throw new CertificateRefused('contrainte_autorite', `l’autorité « ${cert.name} » n’est pas habilitée à émettre ce certificat.`, {
          certificate: cert.name,
        });
      }
    }
  });

  // 3. Revocation of every certificate but the anchor.
  const crls = loadCrls(options.crls ?? []);
  const warnings: string[] = [];
  for (let index = 0; index < chain.length - 1; index++) {
    const cert = chain[index]!;
    const issuer = chain[index + 1]!;
    const issuerKey = new x509.X509Certificate(issuer.node.raw);
    let fresh = false;
    for (const entry of crls) {
      if (entry.unusable || !entry.issuerDer.equals(issuer.parsed.subjectDer)) continue;
      // Node's WebCrypto (cast: DOM and Node typings of Crypto differ; the e2e tests type-check with DOM).
      if (!(await entry.crl.verify({ publicKey: issuerKey }, crypto.webcrypto as unknown as Parameters<x509.X509Crl['verify']>[1])))
        continue;
      const { thisUpdate, nextUpdate } = entry.crl;
      if (thisUpdate > at || !nextUpdate || nextUpdate < at) continue;
      fresh = true;
      const serial = normalizeSerial(cert.parsed.serialHex);
      const revoked = entry.crl.entries.find((e) => normalizeSerial(e.serialNumber) === serial);
      if (revoked) {
        throw new CertificateRefused('revoque', `certificat révoqué le ${frenchDate(revoked.revocationDate)} (« ${cert.name} »).`, {
          certificate: cert.name,
          serial,
          revokedAt: revoked.revocationDate.toISOString(),
        });
      }
    }
    if (!fresh) {
      const message = `liste de révocation absente ou périmée pour l’autorité « ${issuer.name} ».`;
      if (requireCrl) throw new CertificateRefused('liste_revocation', message, { certificate: cert.name, issuer: issuer.name });
      warnings.push(message);
    }
  }

  // 4. The leaf's purpose.
  checkPurpose(leaf, options.purpose);

  return {
    chain: chain.map((c) => c.node),
    chainPem: chain.map((c) => c.node.toString()),
    anchor: anchor.node,
    revocation: warnings.length === 0 ? 'verifiee' : 'non_verifiee',
    warnings,
  };
}
