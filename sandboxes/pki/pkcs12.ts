/**
 * PKCS#12 files for the test PKI, written with node-forge's ASN.1 and
 * password-based encryption primitives. forge's own `toPkcs12Asn1` holds one
 * key only, and re-encodes certificates from its parsed form (which would
 * split the multi-valued RDN of a CPS subject and break the signature), so
 * the PFX is assembled here from the certificates' exact DER.
 *
 * Layout (RFC 7292):
 * - AuthenticatedSafe = [ data: SafeContents(certBags…), data: SafeContents(pkcs8ShroudedKeyBags…) ]
 * - each key and its certificate carry the same `friendlyName` (BMPString)
 *   and `localKeyId` (SHA-1 of the certificate's DER, as OpenSSL does);
 *   chain certificates carry no attribute;
 * - keys: PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC, 16-byte salt, 2048
 *   iterations (OpenSSL 3's defaults); certificates are not encrypted;
 * - integrity: HMAC-SHA256 with the PKCS#12 key derivation, 2048 iterations.
 * OpenSSL 3 opens it with or without `-legacy`; forge and Node's
 * `tls.createSecureContext({ pfx })` read it too. Key order is kept: a tool
 * that takes "the" key of a PKCS#12 (OpenSSL's PKCS12_parse, Node's `pfx`)
 * takes the first entry.
 */
import crypto from 'node:crypto';
import forge from 'node-forge';

export interface Pkcs12Entry {
  friendlyName: string;
  /** Unencrypted PKCS#8 PrivateKeyInfo, DER. */
  keyPkcs8Der: Buffer;
  certDer: Buffer;
}

export interface Pkcs12Options {
  entries: Pkcs12Entry[];
  /** Issuing chain (intermediate first, then root), DER. */
  chainDer: Buffer[];
  password: string;
  iterations?: number;
}

const { asn1 } = forge;
const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;

const bytes = (buf: Buffer) => buf.toString('binary');
const oid = (id: string) => asn1.create(U, T.OID, false, asn1.oidToDer(id).getBytes());
const octets = (value: string) => asn1.create(U, T.OCTETSTRING, false, value);
const seq = (items: forge.asn1.Asn1[]) => asn1.create(U, T.SEQUENCE, true, items);
const explicit0 = (item: forge.asn1.Asn1) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [item]);
const der = (node: forge.asn1.Asn1) => asn1.toDer(node).getBytes();

const OIDS = {
  data: '1.2.840.113549.1.7.1',
  certBag: '1.2.840.113549.1.12.10.1.3',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  sha256: '2.16.840.1.101.3.4.2.1',
};

export function localKeyId(certDer: Buffer): Buffer {
  return crypto.createHash('sha1').update(certDer).digest();
}

function bagAttributes(friendlyName: string, keyId: Buffer): forge.asn1.Asn1 {
  return asn1.create(U, T.SET, true, [
    seq([oid(OIDS.friendlyName), asn1.create(U, T.SET, true, [asn1.create(U, T.BMPSTRING, false, friendlyName)])]),
    seq([oid(OIDS.localKeyId), asn1.create(U, T.SET, true, [octets(bytes(keyId))])]),
  ]);
}

function certBag(certDer: Buffer, attributes?: forge.asn1.Asn1): forge.asn1.Asn1 {
  const items = [oid(OIDS.certBag), explicit0(seq([oid(OIDS.x509Certificate), explicit0(octets(bytes(certDer)))]))];
  if (attributes) items.push(attributes);
  return seq(items);
}

function dataContentInfo(safeContents: forge.asn1.Asn1): forge.asn1.Asn1 {
  return seq([oid(OIDS.data), explicit0(octets(der(safeContents)))]);
}

export function buildPkcs12({ entries, chainDer, password, iterations = 2048 }: Pkcs12Options): Buffer {
  if (entries.length === 0) throw new Error('PKCS#12 sans clé');
  const certBags: forge.asn1.Asn1[] = [];
  const keyBags: forge.asn1.Asn1[] = [];
  for (const entry of entries) {
    const keyId = localKeyId(entry.certDer);
    certBags.push(certBag(entry.certDer, bagAttributes(entry.friendlyName, keyId)));
    const privateKeyInfo = asn1.fromDer(forge.util.createBuffer(bytes(entry.keyPkcs8Der)));
    const encrypted = forge.pki.encryptPrivateKeyInfo(privateKeyInfo, password, {
      algorithm: 'aes256',
      count: iterations,
      saltSize: 16,
      prfAlgorithm: 'sha256',
    });
    keyBags.push(seq([oid(OIDS.pkcs8ShroudedKeyBag), explicit0(encrypted), bagAttributes(entry.friendlyName, keyId)]));
  }
  for (const cert of chainDer) certBags.push(certBag(cert));

  const authenticatedSafe = seq([dataContentInfo(seq(certBags)), dataContentInfo(seq(keyBags))]);
  const safeDer = der(authenticatedSafe);

  const macSalt = forge.random.getBytesSync(16);
  const macKey = forge.pkcs12.generateKey(password, forge.util.createBuffer(macSalt), 3, iterations, 32, forge.md.sha256.create());
  const hmac = forge.hmac.create();
  hmac.start('sha256', macKey.getBytes());
  hmac.update(safeDer);
  const macData = seq([
    seq([seq([oid(OIDS.sha256), asn1.create(U, T.NULL, false, '')]), octets(hmac.digest().getBytes())]),
    octets(macSalt),
    asn1.create(U, T.INTEGER, false, asn1.integerToDer(iterations).getBytes()),
  ]);
  const pfx = seq([
    asn1.create(U, T.INTEGER, false, asn1.integerToDer(3).getBytes()),
    seq([oid(OIDS.data), explicit0(octets(safeDer))]),
    macData,
  ]);
  return Buffer.from(der(pfx), 'binary');
}

export interface Pkcs12Content {
  /** In file order. */
  keys: { friendlyName: string | null; localKeyId: string | null; keyPem: string }[];
  /** In file order, with their attributes; `der` is the exact DER stored in the file. */
  certificates: { friendlyName: string | null; localKeyId: string | null; der: Buffer }[];
}

/**
 * Reads a PKCS#12 with forge, keeping each certificate's exact DER (forge's
 * parsed certificate objects must not be re-encoded for CPS subjects).
 * Throws forge's Error on a wrong password or a malformed file.
 */
export function readPkcs12(content: Buffer, password: string): Pkcs12Content {
  const pfx = forge.pkcs12.pkcs12FromAsn1(asn1.fromDer(forge.util.createBuffer(bytes(content))), false, password);
  const attr = (bag: forge.pkcs12.Bag, name: string): string | null => {
    const values = bag.attributes?.[name] as string[] | undefined;
    return values?.[0] ?? null;
  };
  const hexAttr = (bag: forge.pkcs12.Bag) => {
    const id = attr(bag, 'localKeyId');
    return id === null ? null : forge.util.bytesToHex(id);
  };
  const out: Pkcs12Content = { keys: [], certificates: [] };
  for (const safe of pfx.safeContents) {
    for (const bag of safe.safeBags) {
      if (bag.type === forge.pki.oids.pkcs8ShroudedKeyBag || bag.type === forge.pki.oids.keyBag) {
        if (!bag.key) continue;
        out.keys.push({ friendlyName: attr(bag, 'friendlyName'), localKeyId: hexAttr(bag), keyPem: forge.pki.privateKeyToPem(bag.key) });
      } else if (bag.type === forge.pki.oids.certBag) {
        // forge keeps the parsed TBSCertificate, so re-encoding gives back the exact DER (checked in the tests).
        const node = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
        if (!node) continue;
        out.certificates.push({ friendlyName: attr(bag, 'friendlyName'), localKeyId: hexAttr(bag), der: Buffer.from(der(node), 'binary') });
      }
    }
  }
  return out;
}
