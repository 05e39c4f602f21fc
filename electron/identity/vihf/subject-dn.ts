/**
 * Subject DN of a certificate in the RFC 4514 form used for the VIHF and
 * INSi assertion Issuer: last RDN first, multi-valued RDNs joined with `+`,
 * e.g. `2.5.4.42=OLIVIER+CN=00B6087510+SN=INFIRMCS ADELI8751,T=Infirmier,C=FR`
 * (the form INSi accepted, notes ins-cps.md §2.4). One implementation for
 * the whole code base: the certificates module's DER name reader.
 */
import { formatName, parseCertificate } from '../certificates/der.js';

export function subjectDn(certificatePem: string): string {
  return formatName(parseCertificate(certificatePem).subject, 'rfc4514');
}
