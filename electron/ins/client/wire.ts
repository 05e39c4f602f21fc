/**
 * INSi wire constants (notes ins-cps.md §2.1–2.3; WSDL DESIR_ICIR_EXP_1.5.0):
 * namespaces, operations and their `wsa:Action`, CR codes. Pure.
 */

export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const WSA_NS = 'http://www.w3.org/2005/08/addressing';
export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const CTXBAM_NS = 'urn:siram:bam:ctxbam';
export const CTXLPS_NS = 'urn:siram:lps:ctxlps';
export const RECSANS_NS = 'http://www.cnamts.fr/INSiRecSans';
export const RECVIT_NS = 'http://www.cnamts.fr/INSiRecVit';
export const RESULTAT_NS = 'http://www.cnamts.fr/INSiResultat';
export const SIRAM_NS = 'urn:siram';

/** `ContexteBAM/@Version` and `ContexteLPS/@Version` (CTXBAM_V01_02, CTXLPS_V01_00). */
export const CTXBAM_VERSION = '01_02';
export const CTXLPS_VERSION = '01_00';
export const CTXLPS_NATURE = 'CTXLPS';
/** `IDAM/@R`: the IDAM holds the software's CNDA authorisation number. */
export const IDAM_REFERENTIAL = '4';

/** The two operations of portType ICIRService, with the WSDL's `wsaw:Action` / `soapAction`. */
export const insiOperations = {
  rechercherInsAvecTraitsIdentite: {
    action: 'urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite',
    responseAction: 'urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentiteResponse',
  },
  rechercherInsAvecCarteVitale: {
    action: 'urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale',
    responseAction: 'urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitaleResponse',
  },
} as const;
export type InsiOperation = keyof typeof insiOperations;

/** CodeCR values. */
export const insiCrCodes = ['00', '01', '02'] as const;
export type InsiCr = (typeof insiCrCodes)[number];

/** What the client accepts from INSi at most (the transport and the parser both enforce it). */
export const MAX_INSI_RESPONSE_BYTES = 2 * 1024 * 1024;
