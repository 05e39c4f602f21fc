/**
 * Throw-away authorities and end-entity certificates for the VIHF and TLS
 * tests (keys from node:crypto, certificates from node-forge), and a software
 * `Signer` over such a key. Not the IGC-Santé-shaped test PKI: no policies, no
 * CRL, just enough for signatures and TLS handshakes to be checked for real.
 */
import crypto from 'node:crypto';
import forge from 'node-forge';
import type { Signer } from '../../electron/identity/types.js';

export interface TestAuthority {
  certPem: string;
  keyPem: string;
  name: string;
}

export interface TestLeaf {
  certPem: string;
  keyPem: string;
}

/** A subject attribute: a forge short name (`commonName`, `countryName`…) or a dotted OID. */
export interface SubjectAttribute {
  type: string;
  value: string;
}

function serial(): string {
  return forge.util.bytesToHex(forge.random.getBytesSync(9)).replace(/^[89a-f]/, '1');
}

function rsaKeyPair(): { keyPem: string; publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey } {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { keyPem, privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

function forgeAttributes(subject: readonly SubjectAttribute[]): forge.pki.CertificateField[] {
  return subject.map(({ type, value }) => {
    const field: forge.pki.CertificateField = /^\d+(\.\d+)+$/.test(type) ? { type, value } : { name: type, value };
    // Non-ASCII values go as UTF8String (forge encodes the JavaScript string to UTF-8 itself).
    if (/[^\x20-\x7e]/.test(value)) field.valueTagClass = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class;
    return field;
  });
}

export function makeAuthority(name = 'Cabinet Test AC'): TestAuthority {
  const keys = rsaKeyPair();
  const ca = forge.pki.createCertificate();
  ca.publicKey = keys.publicKey;
  ca.serialNumber = serial();
  ca.validity.notBefore = new Date(Date.now() - 3600_000);
  ca.validity.notAfter = new Date(Date.now() + 48 * 3600_000);
  const subject = [
    { name: 'commonName', value: name },
    { name: 'organizationName', value: 'Cabinet tests' },
    { name: 'countryName', value: 'FR' },
  ];
  ca.setSubject(subject);
  ca.setIssuer(subject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(ca), keyPem: keys.keyPem, name };
}

export interface LeafOptions {
  subject: readonly SubjectAttribute[];
  /** `signature`: VIHF signing (digitalSignature + nonRepudiation); `client`: TLS client authentication. */
  usage: 'signature' | 'client';
  notBefore?: Date;
  notAfter?: Date;
}

export function issueLeaf(authority: TestAuthority, options: LeafOptions): TestLeaf {
  const keys = rsaKeyPair();
  const caCert = forge.pki.certificateFromPem(authority.certPem);
  const caKey = forge.pki.privateKeyFromPem(authority.keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 3600_000);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 24 * 3600_000);
  cert.setSubject(forgeAttributes(options.subject));
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    options.usage === 'signature'
      ? { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, critical: true },
    ...(options.usage === 'client' ? [{ name: 'extKeyUsage', clientAuth: true }] : []),
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

/** A `Signer` over a key held in memory: what a software certificate (.p12) gives once opened. */
export function softwareSigner(leaf: TestLeaf, chainPem: readonly string[] = []): Signer & { signatures: number } {
  let key: crypto.KeyObject | null = crypto.createPrivateKey(leaf.keyPem);
  const signer = {
    certificatePem: leaf.certPem,
    chainPem,
    signatures: 0,
    sign(data: Buffer, algorithm: 'RSA-SHA256'): Buffer {
      if (!key) throw new Error('signer disposed');
      signer.signatures += 1;
      return crypto.sign(algorithm === 'RSA-SHA256' ? 'sha256' : algorithm, data, key);
    },
    dispose(): void {
      key = null;
    },
  };
  return signer;
}
