/**
 * A small, strict DER reader for what Cabinet needs from X.509 certificates
 * and that Node's `X509Certificate` does not give: the subject as a list of
 * RDNs (multi-valued ones included, as on CPS cards), the raw encodings of
 * the subject / issuer / serial (PKCS#11 attributes), and the extensions by
 * OID (the private IGC-Santé extension 1.2.250.1.71.1.2.7, key usage bits).
 *
 * Only definite-length DER is accepted; anything malformed throws a plain
 * Error that callers turn into a French {@link CabinetError}.
 */

export interface Tlv {
  /** Full identifier octet (class + constructed bit + tag number; tag numbers < 31 only). */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just after the last content octet. */
  end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new Error('DER tronqué');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new Error('DER : numéro d’étiquette long non pris en charge');
  let length = buf[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error('DER : longueur indéfinie ou trop grande');
    if (contentStart + count > limit) throw new Error('DER tronqué');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[contentStart + i]!;
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new Error('DER tronqué');
  return { tag, start: offset, contentStart, end };
}

/** The children of a constructed TLV. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  if (!(parent.tag & 0x20)) throw new Error('DER : élément non construit');
  const out: Tlv[] = [];
  let offset = parent.contentStart;
  while (offset < parent.end) {
    const child = readTlv(buf, offset, parent.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

export function content(buf: Uint8Array, tlv: Tlv): Buffer {
  return Buffer.from(buf.subarray(tlv.contentStart, tlv.end));
}

export function encoded(buf: Uint8Array, tlv: Tlv): Buffer {
  return Buffer.from(buf.subarray(tlv.start, tlv.end));
}

export function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new Error('DER : OID vide');
  const parts: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift()!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

/** A non-negative INTEGER's value (small integers only, as in CPS extensions). */
export function decodeSmallInteger(bytes: Uint8Array): number {
  if (bytes.length === 0 || bytes.length > 6) throw new Error('DER : entier invalide');
  if (bytes[0]! & 0x80) throw new Error('DER : entier négatif');
  let value = 0;
  for (const byte of bytes) value = value * 256 + byte;
  return value;
}

export function decodeString(tag: number, bytes: Buffer): string {
  switch (tag) {
    case TAG.UTF8_STRING:
      return bytes.toString('utf8');
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
      return bytes.toString('ascii');
    case TAG.T61_STRING:
      return bytes.toString('latin1');
    case TAG.BMP_STRING: {
      let out = '';
      for (let i = 0; i + 1 < bytes.length; i += 2) out += String.fromCharCode(bytes.readUInt16BE(i));
      return out;
    }
    case TAG.UNIVERSAL_STRING: {
      let out = '';
      for (let i = 0; i + 3 < bytes.length; i += 4) out += String.fromCodePoint(bytes.readUInt32BE(i));
      return out;
    }
    default:
      throw new Error(`DER : type de chaîne ${tag} non pris en charge`);
  }
}

export interface Ava {
  oid: string;
  /** Decoded value, or null when the value is not a string type. */
  value: string | null;
  /** Encoded AttributeValue (tag + length + content), for unknown types. */
  raw: Buffer;
}
/** One RelativeDistinguishedName: usually one AVA, several on CPS cards (GN + CN + SN). */
export type Rdn = Ava[];

export function parseName(buf: Uint8Array, name: Tlv): Rdn[] {
  if (name.tag !== TAG.SEQUENCE) throw new Error('DER : nom distinctif attendu');
  return children(buf, name).map((set) => {
    if (set.tag !== TAG.SET) throw new Error('DER : RDN attendu');
    return children(buf, set).map((seq) => {
      const [type, value] = children(buf, seq);
      if (!type || !value || type.tag !== TAG.OID) throw new Error('DER : attribut de nom invalide');
      let decoded: string | null;
      try {
        decoded = decodeString(value.tag, content(buf, value));
      } catch {
        decoded = null;
      }
      return { oid: decodeOid(content(buf, type)), value: decoded, raw: encoded(buf, value) };
    });
  });
}

/** OpenSSL's short names (`openssl x509 -nameopt RFC2253`). */
const opensslNames: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.44': 'generationQualifier',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/**
 * RFC 4514 keywords, plus SN and T: the names of the X509SubjectName a CPS
 * assertion accepted by the INSi service carries (padoa/tlsi-ins fixture,
 * notes ins-cps.md §2.4), `2.5.4.42=OLIVIER+CN=00B6087510+SN=INFIRMCS
 * ADELI8751,T=Infirmier,C=FR`; any other type is written as its OID.
 */
const rfc4514Names: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'T',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
};

export const OID = {
  commonName: '2.5.4.3',
  surname: '2.5.4.4',
  country: '2.5.4.6',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  title: '2.5.4.12',
  givenName: '2.5.4.42',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
} as const;

function escapeValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const code = ch.charCodeAt(0);
    if (',+"\\<>;'.includes(ch) || (i === 0 && (ch === '#' || ch === ' ')) || (i === value.length - 1 && ch === ' ')) out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

/**
 * A name as a string: RDNs from the most specific (CN side) to the least
 * (C), `,` between RDNs, `+` inside a multi-valued RDN, RFC 4514 escaping,
 * UTF-8 kept as is; a value that is not a character string as `OID=#hex`.
 *
 * - `rfc4514` (default, Cabinet's form: the manifest, Practitioner's
 *   certificateSubject, the VIHF Issuer): keywords of RFC 4514 plus SN and T,
 *   other types as dotted OIDs, the AVAs of a multi-valued RDN in their
 *   encoded order. For the CPS test card of the notes:
 *   `2.5.4.42=OLIVIER+CN=00B6087510+SN=INFIRMCS ADELI8751,T=Infirmier,C=FR`.
 * - `openssl`: the text of `openssl x509 -noout -subject -nameopt
 *   RFC2253,-esc_msb` (OpenSSL's names such as GN and title, and a
 *   multi-valued RDN's AVAs in reverse order), for comparisons with OpenSSL:
 *   `SN=INFIRMCS ADELI8751+CN=00B6087510+GN=OLIVIER,title=Infirmier,C=FR`.
 */
export function formatName(rdns: readonly Rdn[], style: 'rfc4514' | 'openssl' = 'rfc4514'): string {
  const names = style === 'openssl' ? opensslNames : rfc4514Names;
  const ordered = [...rdns].reverse().map((rdn) => (style === 'openssl' ? [...rdn].reverse() : rdn));
  return ordered
    .map((rdn) =>
      rdn
        .map((ava) => {
          const name = names[ava.oid];
          // OpenSSL dumps the DER of a type it has no name for; RFC 4514 only that of a non-string value.
          if (ava.value === null || (!name && style === 'openssl')) return `${name ?? ava.oid}=#${ava.raw.toString('hex').toUpperCase()}`;
          return `${name ?? ava.oid}=${escapeValue(ava.value)}`;
        })
        .join('+'),
    )
    .join(',');
}

export function findAttribute(rdns: readonly Rdn[], oid: string): string[] {
  return rdns.flatMap((rdn) => rdn.filter((ava) => ava.oid === oid && ava.value !== null).map((ava) => ava.value!));
}

export interface ParsedExtension {
  oid: string;
  critical: boolean;
  /** Content of extnValue (the DER of the extension's own value). */
  value: Buffer;
}

export interface ParsedCertificate {
  der: Buffer;
  /** DER of the serial INTEGER, tag included (PKCS#11 CKA_SERIAL_NUMBER). */
  serialDer: Buffer;
  serialHex: string;
  issuerDer: Buffer;
  subjectDer: Buffer;
  issuer: Rdn[];
  subject: Rdn[];
  extensions: ParsedExtension[];
}

export function pemToDer(pem: string, label = 'CERTIFICATE'): Buffer {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!match) throw new Error(`PEM ${label} introuvable`);
  return Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
}

export function derToPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/** Every PEM block of the given label in a text (a bundle or a single one). */
export function splitPem(text: string, label = 'CERTIFICATE'): string[] {
  return text.match(new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`, 'g')) ?? [];
}

export function parseCertificate(input: string | Uint8Array): ParsedCertificate {
  const der = typeof input === 'string' ? pemToDer(input) : Buffer.from(input);
  const cert = readTlv(der, 0);
  if (cert.tag !== TAG.SEQUENCE || cert.end !== der.length) throw new Error('DER : certificat invalide');
  const [tbs] = children(der, cert);
  if (!tbs || tbs.tag !== TAG.SEQUENCE) throw new Error('DER : certificat invalide');
  const fields = children(der, tbs);
  let i = 0;
  if (fields[0]?.tag === 0xa0) i = 1; // [0] version
  const serial = fields[i];
  const issuer = fields[i + 2];
  const subject = fields[i + 4];
  if (!serial || serial.tag !== TAG.INTEGER || !issuer || !subject) throw new Error('DER : certificat invalide');
  const extensions: ParsedExtension[] = [];
  const extWrapper = fields.slice(i + 6).find((f) => f.tag === 0xa3);
  if (extWrapper) {
    const [seq] = children(der, extWrapper);
    if (!seq) throw new Error('DER : extensions invalides');
    for (const ext of children(der, seq)) {
      const parts = children(der, ext);
      const oid = parts[0];
      const critical = parts.length === 3 && parts[1]!.tag === TAG.BOOLEAN && der[parts[1]!.contentStart] !== 0;
      const value = parts[parts.length - 1];
      if (!oid || oid.tag !== TAG.OID || !value || value.tag !== TAG.OCTET_STRING) throw new Error('DER : extension invalide');
      extensions.push({ oid: decodeOid(content(der, oid)), critical, value: content(der, value) });
    }
  }
  return {
    der,
    serialDer: encoded(der, serial),
    serialHex: content(der, serial)
      .toString('hex')
      .replace(/^(00)+(?=.)/, ''),
    issuerDer: encoded(der, issuer),
    subjectDer: encoded(der, subject),
    issuer: parseName(der, issuer),
    subject: parseName(der, subject),
    extensions,
  };
}

/** Key usage bits by name (RFC 5280 order), from a keyUsage extension value. */
export const keyUsageBits = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsage = (typeof keyUsageBits)[number];

export function decodeKeyUsage(value: Buffer): Set<KeyUsage> {
  const tlv = readTlv(value, 0);
  if (tlv.tag !== TAG.BIT_STRING) throw new Error('DER : keyUsage invalide');
  const bytes = value.subarray(tlv.contentStart + 1, tlv.end);
  const out = new Set<KeyUsage>();
  keyUsageBits.forEach((name, bit) => {
    const byte = bytes[bit >> 3];
    if (byte !== undefined && byte & (0x80 >> (bit & 7))) out.add(name);
  });
  return out;
}

export function decodeOidSequence(value: Buffer): string[] {
  const seq = readTlv(value, 0);
  return children(value, seq).map((oid) => {
    if (oid.tag !== TAG.OID) throw new Error('DER : OID attendu');
    return decodeOid(content(value, oid));
  });
}

export function decodeBasicConstraints(value: Buffer): { ca: boolean; pathLength?: number } {
  const seq = readTlv(value, 0);
  const parts = children(value, seq);
  let ca = false;
  let pathLength: number | undefined;
  for (const part of parts) {
    if (part.tag === TAG.BOOLEAN) ca = value[part.contentStart] !== 0;
    else if (part.tag === TAG.INTEGER) pathLength = decodeSmallInteger(content(value, part));
  }
  return pathLength === undefined ? { ca } : { ca, pathLength };
}
