/**
 * Every refusal the INSi sandbox can answer, and the SOAP 1.2 fault XML.
 *
 * Two recorded fault shapes exist (notes ins-cps.md §2.3, `padoa/tlsi-ins`
 * fixtures); both are reproduced as recorded, prefixes included:
 * - `siram_100` / `desir_550` (unknown IDAM), HTTP 500: a `soap:` envelope
 *   with an `env:Body`, `soap:Fault`, subcode `soap:siram_100`,
 *   `Text xml:lang="fr"`, `siram:Erreur code messageID severite="erreur"`
 *   (messageID = the request's wsa:MessageID). Our inferred faults use it.
 * - `siram_40` / `insi_102` (technical error): `S:Fault` with a stray
 *   `xmlns:ns4` (SOAP 1.1), `Text xml:lang="en"` although French, and
 *   `severite="fatal"` — not one of the values `schema_faultSOAP_V01_01.xsd`
 *   allows ("fatale"); the real service sends it, so does the sandbox.
 *
 * Note the subcode QName: the recorded faults write `soap:siram_100` with
 * the SOAP envelope prefix, not a prefix bound to `urn:siram`. A client must
 * read the local part.
 *
 * `verified` says where each one comes from: [V] seen in recorded
 * responses or public documentation, [V spec] a W3C rule, [I] our choice.
 */
import { escapeText, escapeXml, xmlSafe } from './xml.js';

export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const WSA_NS = 'http://www.w3.org/2005/08/addressing';
export const SIRAM_NS = 'urn:siram';

export type FaultStyle = 'passerelle' | 'service' | 'pile-soap';

export interface FaultSpec {
  httpStatus: number;
  /** env:Code/env:Value local part. */
  code: 'Sender' | 'Receiver' | 'VersionMismatch' | 'MustUnderstand';
  /** env:Subcode/env:Value: `siram_NNN` (written `soap:siram_NNN`) or a `wsa:` QName. */
  subcode: string | null;
  reason: string;
  lang: 'fr' | 'en';
  /** siram:Erreur; `text` may be completed by the call site. */
  erreur: { code: string; severite: string; text: string } | null;
  style: FaultStyle;
  verified: string;
}

const SIRAM_100_REASON =
  "L'accès par ce progiciel au service n'est pas autorisé. Contactez l'éditeur du progiciel ou votre responsable informatique.";
const SIRAM_40_REASON =
  "Le service est temporairement inaccessible. Veuillez renouveler votre demande ultérieurement. Si le problème persiste, contactez l'éditeur du progiciel ou votre responsable informatique.";

export const faults = {
  idamInconnu: {
    httpStatus: 500,
    code: 'Sender',
    subcode: 'siram_100',
    reason: SIRAM_100_REASON,
    lang: 'fr',
    erreur: { code: 'desir_550', severite: 'erreur', text: "Numéro d'autorisation du logiciel inconnu." },
    style: 'passerelle',
    verified: '[V] fixtures/service-errors/siram_100-desir_500-fake-idam',
  },
  droitsInsuffisants: {
    httpStatus: 500,
    code: 'Sender',
    subcode: 'siram_100',
    reason: SIRAM_100_REASON,
    lang: 'fr',
    erreur: { code: 'desir_560', severite: 'erreur', text: 'Vous ne disposez pas des droits suffisants pour accéder à ce service.' },
    style: 'passerelle',
    verified: '[V] code DESIR_560 et message (README padoa/tlsi-ins) ; [I] sous-code siram_100, casse du code, forme',
  },
  certificatRefuse: {
    httpStatus: 500,
    code: 'Sender',
    subcode: 'siram_100',
    reason: SIRAM_100_REASON,
    lang: 'fr',
    erreur: { code: 'desir_561', severite: 'erreur', text: 'Certificat client refusé.' },
    style: 'passerelle',
    verified: '[I] (le vrai service refuse sans doute dès la poignée de main TLS)',
  },
  assertionRefusee: {
    httpStatus: 500,
    code: 'Sender',
    subcode: 'siram_100',
    reason: SIRAM_100_REASON,
    lang: 'fr',
    erreur: { code: 'desir_562', severite: 'erreur', text: "Assertion d'authentification du professionnel refusée." },
    style: 'passerelle',
    verified: '[I]',
  },
  messageIllisible: {
    httpStatus: 500,
    code: 'Sender',
    subcode: 'siram_10',
    reason: "Le message reçu n'est pas un message SOAP 1.2 valide.",
    lang: 'fr',
    erreur: { code: 'desir_510', severite: 'erreur', text: 'Message illisible.' },
    style: 'passerelle',
    verified: '[I]',
  },
  contexteBam: {
    httpStatus: 500,
    code: 'Sender',
    subcode: 'siram_20',
    reason: "L'en-tête du message est absent ou non conforme.",
    lang: 'fr',
    erreur: { code: 'desir_520', severite: 'erreur', text: 'ContexteBAM absent ou non conforme.' },
    style: 'passerelle',
    verified: '[I]',
  },
  contexteLps: {
    httpStatus: 500,
    code: 'Sender',
    subcode: 'siram_20',
    reason: "L'en-tête du message est absent ou non conforme.",
    lang: 'fr',
    erreur: { code: 'desir_521', severite: 'erreur', text: 'ContexteLPS absent ou non conforme.' },
    style: 'passerelle',
    verified: '[I]',
  },
  securite: {
    httpStatus: 500,
    code: 'Sender',
    subcode: 'siram_20',
    reason: "L'en-tête du message est absent ou non conforme.",
    lang: 'fr',
    erreur: { code: 'desir_522', severite: 'erreur', text: 'En-tête wsse:Security non conforme.' },
    style: 'passerelle',
    verified: '[I]',
  },
  requeteNonConforme: {
    httpStatus: 500,
    code: 'Sender',
    subcode: 'siram_30',
    reason: 'La requête est non conforme au contrat de service.',
    lang: 'fr',
    erreur: { code: 'insi_101', severite: 'erreur', text: 'Requête non conforme.' },
    style: 'passerelle',
    verified: '[I]',
  },
  erreurTechnique: {
    httpStatus: 500,
    code: 'Receiver',
    subcode: 'siram_40',
    reason: SIRAM_40_REASON,
    lang: 'en',
    erreur: {
      code: 'insi_102',
      severite: 'fatal',
      text: "L'appel au service de recherche avec les traits d'identité renvoie une erreur technique.",
    },
    style: 'service',
    verified: '[V] insi-helper.test.ts (forme, textes, severite « fatal », xml:lang « en »)',
  },
  actionNonPriseEnCharge: {
    httpStatus: 500,
    code: 'Sender',
    subcode: 'wsa:ActionNotSupported',
    reason: 'Action WS-Addressing non prise en charge par ce service.',
    lang: 'fr',
    erreur: null,
    style: 'pile-soap',
    verified: '[V spec] WS-Addressing 1.0 SOAP Binding §6.4.4 ; [I] emploi par INSi',
  },
  actionIncoherente: {
    httpStatus: 500,
    code: 'Sender',
    subcode: 'wsa:ActionMismatch',
    reason: 'Le paramètre action du Content-Type et wsa:Action diffèrent.',
    lang: 'fr',
    erreur: null,
    style: 'pile-soap',
    verified: '[V spec] WS-Addressing 1.0 SOAP Binding §6.4.1.1 ; [I] emploi par INSi',
  },
  enteteAdressageAbsent: {
    httpStatus: 500,
    code: 'Sender',
    subcode: 'wsa:MessageAddressingHeaderRequired',
    reason: 'En-tête WS-Addressing obligatoire absent ou en double.',
    lang: 'fr',
    erreur: null,
    style: 'pile-soap',
    verified: '[V spec] WS-Addressing 1.0 SOAP Binding §6.4.1.2 ; [I] emploi par INSi',
  },
  versionSoap: {
    httpStatus: 500,
    code: 'VersionMismatch',
    subcode: null,
    reason: 'Seul SOAP 1.2 est accepté (espace de noms http://www.w3.org/2003/05/soap-envelope).',
    lang: 'fr',
    erreur: null,
    style: 'pile-soap',
    verified: '[V spec] SOAP 1.2 Part 1 §5.4.7',
  },
  nonCompris: {
    httpStatus: 500,
    code: 'MustUnderstand',
    subcode: null,
    reason: "Un en-tête marqué mustUnderstand n'est pas compris par ce service.",
    lang: 'fr',
    erreur: null,
    style: 'pile-soap',
    verified: '[V spec] SOAP 1.2 Part 1 §5.4.8',
  },
  typeDeContenu: {
    httpStatus: 415,
    code: 'Sender',
    subcode: null,
    reason: 'Type de contenu non pris en charge : application/soap+xml (SOAP 1.2, UTF-8) attendu.',
    lang: 'fr',
    erreur: null,
    style: 'pile-soap',
    verified: '[I] (HTTP 415 d’une pile SOAP 1.2)',
  },
  tropVolumineux: {
    httpStatus: 413,
    code: 'Sender',
    subcode: null,
    reason: 'Message trop volumineux.',
    lang: 'fr',
    erreur: null,
    style: 'pile-soap',
    verified: '[I]',
  },
} as const satisfies Record<string, FaultSpec>;

export type FaultName = keyof typeof faults;

/** Thrown anywhere in the request pipeline; the server turns it into the fault XML. */
export class SandboxFault extends Error {
  constructor(
    readonly name_: FaultName,
    /** Replaces the siram:Erreur text (or, without siram:Erreur, completes the reason). */
    readonly detail?: string,
    readonly extra: { problemAction?: string; problemHeader?: string; notUnderstood?: { ns: string; localName: string } } = {},
  ) {
    super(`${name_}${detail ? ` : ${detail}` : ''}`);
  }
  get spec(): FaultSpec {
    return faults[this.name_];
  }
  /** The code a client sees first: siram:Erreur@code, else the subcode, else the code. */
  get publicCode(): string {
    const spec = this.spec;
    return spec.erreur?.code ?? spec.subcode ?? spec.code;
  }
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** The fault envelope; `messageId` is the request's wsa:MessageID when it was read. */
export function faultXml(fault: SandboxFault, messageId: string | null): string {
  const spec = fault.spec;
  const erreurText = escapeText(xmlSafe(fault.detail ?? spec.erreur?.text ?? ''));
  if (spec.style === 'service') {
    // As recorded for siram_40 / insi_102.
    return (
      `${XML_DECLARATION}<soap:Envelope xmlns:soap="${SOAP12_NS}"><env:Body xmlns:S="${SOAP12_NS}" xmlns:env="${SOAP12_NS}">` +
      `<S:Fault xmlns:ns4="${SOAP11_NS}"><S:Code><S:Value>S:${spec.code}</S:Value><S:Subcode><S:Value>S:${spec.subcode}</S:Value></S:Subcode></S:Code>` +
      `<S:Reason><S:Text xml:lang="${spec.lang}">${escapeText(spec.reason)}</S:Text></S:Reason>` +
      `<S:Detail><siram:Erreur severite="${spec.erreur!.severite}" code="${spec.erreur!.code}" xmlns:siram="${SIRAM_NS}">${erreurText}</siram:Erreur></S:Detail>` +
      `</S:Fault></env:Body></soap:Envelope>`
    );
  }
  let header = '';
  if (spec.code === 'VersionMismatch') {
    header = `<soap:Header><soap:Upgrade><soap:SupportedEnvelope qname="ns1:Envelope" xmlns:ns1="${SOAP12_NS}"/></soap:Upgrade></soap:Header>`;
  } else if (spec.code === 'MustUnderstand' && fault.extra.notUnderstood) {
    const { ns, localName } = fault.extra.notUnderstood;
    header = `<soap:Header><soap:NotUnderstood qname="p:${escapeXml(localName)}" xmlns:p="${escapeXml(ns)}"/></soap:Header>`;
  }
  let subcode = '';
  if (spec.subcode?.startsWith('wsa:'))
    subcode = `<soap:Subcode><soap:Value xmlns:wsa="${WSA_NS}">${spec.subcode}</soap:Value></soap:Subcode>`;
  else if (spec.subcode) subcode = `<soap:Subcode><soap:Value>soap:${spec.subcode}</soap:Value></soap:Subcode>`;
  const reason = spec.erreur || !fault.detail ? spec.reason : `${spec.reason} ${xmlSafe(fault.detail)}`;
  let detail = '';
  if (spec.erreur) {
    const id = messageId ? ` messageID="${escapeXml(xmlSafe(messageId, 200))}"` : '';
    detail = `<soap:Detail><siram:Erreur code="${spec.erreur.code}"${id} severite="${spec.erreur.severite}" xmlns:siram="${SIRAM_NS}">${erreurText}</siram:Erreur></soap:Detail>`;
  } else if (fault.extra.problemAction !== undefined) {
    detail = `<soap:Detail><wsa:ProblemAction xmlns:wsa="${WSA_NS}"><wsa:Action>${escapeText(xmlSafe(fault.extra.problemAction, 200))}</wsa:Action></wsa:ProblemAction></soap:Detail>`;
  } else if (fault.extra.problemHeader !== undefined) {
    detail = `<soap:Detail><wsa:ProblemHeaderQName xmlns:wsa="${WSA_NS}">${escapeText(fault.extra.problemHeader)}</wsa:ProblemHeaderQName></soap:Detail>`;
  }
  return (
    `${XML_DECLARATION}<soap:Envelope xmlns:soap="${SOAP12_NS}">${header}<env:Body xmlns:env="${SOAP12_NS}">` +
    `<soap:Fault><soap:Code><soap:Value>soap:${spec.code}</soap:Value>${subcode}</soap:Code>` +
    `<soap:Reason><soap:Text xml:lang="${spec.lang}">${escapeText(xmlSafe(reason, 600))}</soap:Text></soap:Reason>${detail}</soap:Fault></env:Body></soap:Envelope>`
  );
}
