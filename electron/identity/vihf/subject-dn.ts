/**
 * The subject DN of a certificate as the VIHF `Issuer` carries it
 * (`Format="urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"`, whose
 * content is the XML-DSig `X509SubjectName` form, i.e. RFC 2253 / RFC 4514):
 * RDNs from last to first, separated by `,`; the attributes of a multi-valued
 * RDN joined by `+` in their encoded order.
 *
 * Attribute names: the RFC 4514 keywords (CN, L, ST, O, OU, C, STREET, DC, UID)
 * plus SN and T; any other type as its dotted OID with the string value, which
 * is exactly what a CPS assertion accepted by the INSi service shows:
 * `2.5.4.42=OLIVIER+CN=00B6087510+SN=INFIRMCS ADELI8751,T=Infirmier,C=FR`
 * (padoa/tlsi-ins fixture, see notes ins-cps.md §2.4). A value that is not a
 * character string is written `#` + the hex of its DER, as RFC 4514 says.
 *
 * The DN is read from the certificate's DER, not from a textual rendering,
 * so multi-valued RDNs (CPS cards: `GN + CN + SN`) keep their grouping.
 */
import forge from 'node-forge';
import { CabinetError } from '../../../shared/contract/outcome.js';

const shortNames: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'T',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

/** Universal tags of the character-string types (X.680). */
const TAG = { UTF8: 12, NUMERIC: 18, PRINTABLE: 19, T61: 20, IA5: 22, VISIBLE: 26, UNIVERSAL: 28, BMP: 30 } as const;

/** A character string, or `null` when the value is not one (then written as `#` + DER hex). */
function decodeValue(node: forge.asn1.Asn1): string | null {
  if (node.tagClass !== forge.asn1.Class.UNIVERSAL || typeof node.value !== 'string') return null;
  const bytes = Buffer.from(node.value, 'binary');
  switch (node.type as number) {
    case TAG.UTF8:
      return bytes.toString('utf8');
    case TAG.BMP: {
      const swapped = Buffer.from(bytes);
      if (swapped.length % 2 === 0) swapped.swap16();
      return swapped.toString('utf16le');
    }
    case TAG.UNIVERSAL: {
      // UTF-32BE
      let text = '';
      for (let i = 0; i + 3 < bytes.length; i += 4) text += String.fromCodePoint(bytes.readUInt32BE(i));
      return text;
    }
    case TAG.PRINTABLE:
    case TAG.IA5:
    case TAG.NUMERIC:
    case TAG.VISIBLE:
    case TAG.T61:
      return bytes.toString('latin1');
    default:
      return null;
  }
}

/** RFC 4514 §2.4 escaping of an attribute value. */
export function escapeDnValue(value: string): string {
  let out = value.replace(/[\\"+,;<>]/g, (c) => '\\' + c).replace(/\0/g, '\\00');
  if (out.startsWith(' ') || out.startsWith('#')) out = '\\' + out;
  if (out.endsWith(' ') && out.length > 1) out = out.slice(0, -1) + '\\ ';
  return out;
}

function pemToDer(pem: string): string {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!match?.[1]) throw new CabinetError('INVALID_REQUEST', 'Certificat illisible : PEM attendu.');
  return forge.util.decode64(match[1].replace(/\s+/g, ''));
}

/** The RDNs of the certificate's subject, first to last as encoded: `[[{ type, value }]]`. */
export function subjectRdns(certificatePem: string): { type: string; value: string; isString: boolean }[][] {
  let tbs: forge.asn1.Asn1;
  try {
    const cert = forge.asn1.fromDer(pemToDer(certificatePem));
    tbs = (cert.value as forge.asn1.Asn1[])[0] as forge.asn1.Asn1;
  } catch (error) {
    if (error instanceof CabinetError) throw error;
    throw new CabinetError('INVALID_REQUEST', 'Certificat illisible.');
  }
  const fields = tbs.value as forge.asn1.Asn1[];
  // version [0] EXPLICIT is optional: subject is the 6th field with it, the 5th without.
  const hasVersion = fields[0]?.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC;
  const subject = fields[hasVersion ? 5 : 4];
  if (!subject || !Array.isArray(subject.value)) throw new CabinetError('INVALID_REQUEST', 'Certificat illisible : sujet absent.');
  return (subject.value as forge.asn1.Asn1[]).map((rdn) =>
    (rdn.value as forge.asn1.Asn1[]).map((atv) => {
      const [oidNode, valueNode] = atv.value as forge.asn1.Asn1[];
      if (!oidNode || !valueNode) throw new CabinetError('INVALID_REQUEST', 'Certificat illisible : sujet mal formé.');
      const text = decodeValue(valueNode);
      return { type: forge.asn1.derToOid(oidNode.value as string), value: text ?? '#' + forge.asn1.toDer(valueNode).toHex(), isString: text !== null };
    }),
  );
}

/** Subject DN of a PEM certificate in the RFC 2253 / RFC 4514 form used for the VIHF Issuer. */
export function subjectDn(certificatePem: string): string {
  return subjectRdns(certificatePem)
    .reverse()
    .map((rdn) => rdn.map(({ type, value, isString }) => `${shortNames[type] ?? type}=${isString ? escapeDnValue(value) : value}`).join('+'))
    .join(',');
}
