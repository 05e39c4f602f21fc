/**
 * "Certificat logiciel": a practitioner's PKCS#12 file. It may hold one key
 * (used for both authentication and signature) or two — the card layout of
 * our test PKI: friendlyName `authentification` and `signature`, paired with
 * their certificates by localKeyId. When names are absent, the key usage of
 * each certificate decides (digitalSignature → authentication,
 * nonRepudiation → signature).
 */
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { CabinetError } from '../../../shared/contract/outcome.js';
import type { Practitioner } from '../../../shared/domain/practitioner.js';
import type { Credentials } from '../types.js';
import { KeySigner } from './key-signer.js';

export const MAX_P12_BYTES = 256 * 1024;

export interface IdentityChecks {
  /** Reads the practitioner from the authentication certificate (throws a French refusal). */
  identify(certificatePem: string): Practitioner;
  /** Validates a certificate and its chain against the trust anchors and CRLs (throws a French refusal). */
  validate(leafPem: string, chainPem: readonly string[], purpose: 'clientAuth' | 'signature'): Promise<void>;
}

interface Pair {
  name: string | null;
  keyPem: string;
  certPem: string;
}

function bagName(bag: forge.pkcs12.Bag): string | null {
  const names = bag.attributes?.friendlyName as string[] | undefined;
  return names?.[0]?.toLowerCase() ?? null;
}

function bagKeyId(bag: forge.pkcs12.Bag): string | null {
  const ids = bag.attributes?.localKeyId as string[] | undefined;
  return ids?.[0] ? forge.util.bytesToHex(ids[0]) : null;
}

function usage(certPem: string): 'authentification' | 'signature' | 'mixte' {
  const cert = forge.pki.certificateFromPem(certPem);
  const ku = cert.getExtension('keyUsage') as { digitalSignature?: boolean; nonRepudiation?: boolean } | null;
  if (ku?.nonRepudiation && !ku.digitalSignature) return 'signature';
  if (ku?.digitalSignature && !ku.nonRepudiation) return 'authentification';
  return 'mixte';
}

export function readP12(content: Buffer, password: string): { pairs: Pair[]; chainPem: string[] } {
  if (content.length === 0 || content.length > MAX_P12_BYTES) {
    throw new CabinetError('INVALID_REQUEST', 'Ce fichier n’est pas un certificat logiciel (.p12) valide : taille inattendue.');
  }
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(content.toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (/mac could not be verified|invalid password/i.test(message)) {
      throw new CabinetError('CREDENTIALS_REFUSED', 'Mot de passe du certificat incorrect.');
    }
    throw new CabinetError(
      'INVALID_REQUEST',
      'Ce fichier n’est pas un certificat logiciel (.p12) valide, ou il est protégé par un chiffrement non pris en charge.',
    );
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!] ?? []),
  ].filter((bag) => bag.key);
  const certBags = (p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? []).filter((bag) => bag.cert);
  if (keyBags.length === 0) throw new CabinetError('INVALID_REQUEST', 'Ce fichier .p12 ne contient aucune clé privée.');

  const used = new Set<forge.pkcs12.Bag>();
  const pairs: Pair[] = keyBags.map((keyBag) => {
    const key = keyBag.key as forge.pki.rsa.PrivateKey;
    const id = bagKeyId(keyBag);
    const match =
      certBags.find((c) => id !== null && bagKeyId(c) === id) ??
      certBags.find((c) => {
        const pub = c.cert!.publicKey as forge.pki.rsa.PublicKey;
        return pub.n.equals(key.n) && pub.e.equals(key.e);
      });
    if (!match) throw new CabinetError('INVALID_REQUEST', 'Ce fichier .p12 contient une clé sans son certificat.');
    used.add(match);
    return {
      name: bagName(keyBag) ?? bagName(match),
      keyPem: forge.pki.privateKeyToPem(key),
      certPem: forge.pki.certificateToPem(match.cert!),
    };
  });
  const chainPem = certBags.filter((bag) => !used.has(bag)).map((bag) => forge.pki.certificateToPem(bag.cert!));
  return { pairs, chainPem };
}

/** Picks the authentication and signature pairs. */
export function choosePairs(pairs: Pair[]): { auth: Pair; sign: Pair } {
  const byName = (name: string) => pairs.find((p) => p.name === name);
  const byUsage = (kind: 'authentification' | 'signature') => pairs.find((p) => usage(p.certPem) === kind);
  const auth = byName('authentification') ?? byUsage('authentification') ?? pairs.find((p) => usage(p.certPem) === 'mixte') ?? pairs[0]!;
  const sign = byName('signature') ?? byUsage('signature') ?? auth;
  return { auth, sign };
}

export async function openP12(content: Buffer, password: string, checks: IdentityChecks): Promise<Credentials> {
  const { pairs, chainPem } = readP12(content, password);
  const { auth, sign } = choosePairs(pairs);
  await checks.validate(auth.certPem, chainPem, 'clientAuth');
  if (sign !== auth) await checks.validate(sign.certPem, chainPem, 'signature');
  const practitioner = { ...checks.identify(auth.certPem), source: 'certificat_logiciel' as const };
  const authentication = new KeySigner(auth.keyPem, auth.certPem, chainPem);
  const signature = sign === auth ? authentication : new KeySigner(sign.keyPem, sign.certPem, chainPem);
  const notAfter = new Date(new X509Certificate(auth.certPem).validTo).getTime();
  const tls = { kind: 'pem' as const, keyPem: authentication.keyPem(), certPem: auth.certPem, chainPem };
  return {
    practitioner,
    authentication,
    signature,
    tls,
    // A file does not leave a reader; it only expires.
    present: () => Date.now() < notAfter,
    dispose() {
      authentication.dispose();
      signature.dispose();
      tls.keyPem = '';
    },
  };
}
