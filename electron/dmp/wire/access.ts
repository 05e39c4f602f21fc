/**
 * TD0.2 (existence + authorisation) and TD0.3 (add an authorisation): the
 * codec of both sides. The DMP's own WSDL for these transactions is not
 * public (notes dmp-cda.md §1.5, §6): this is **Cabinet's design**, standing
 * in for it behind `DmpClient.status()` / `addAuthorization()`, so that the
 * real interface can replace it without touching anything above the client.
 * The interface is documented in `sandboxes/dmp/README.md`.
 *
 * SOAP 1.2 document/literal, WS-Addressing, the VIHF in `wsse:Security` as for
 * the XDS transactions. Namespace {@link ACCESS_NS}:
 *
 * - TD0.2 action `urn:cabinet:dmp:acces:1:TD02-StatutDmp`, body
 *   `<acc:StatutDmpRequest><acc:PatientId>INS^^^&amp;OID&amp;ISO^NH</acc:PatientId></acc:StatutDmpRequest>`
 * - TD0.3 action `urn:cabinet:dmp:acces:1:TD03-AjouterAutorisation`, body
 *   `<acc:AjouterAutorisationRequest><acc:PatientId>…</acc:PatientId><acc:Consentement>true</acc:Consentement></acc:AjouterAutorisationRequest>`
 * - both answer `<acc:StatutDmpResponse>` (actions `…Response`):
 *   `<acc:Dmp statut="ACTIF|FERME|INEXISTANT" espaceSante="true|false"/>`,
 *   optional `<acc:Fermeture date="…" motif="…"/>`,
 *   `<acc:Autorisation statut="VALIDE|EXPIRE|INTERDIT|NON_EXISTE" medecinTraitant="true|false" [fin="ISO"]/>`
 *   and optional `<acc:Raison>` (INTERDIT).
 * - refusals are SOAP 1.2 faults whose `Subcode/Value` is one of
 *   {@link AccessFaultCode} (prefix `acc:`), with a French `Reason/Text xml:lang="fr"`.
 *
 * Pure: strings in, strings or values out; the parser refuses DTDs and sizes
 * beyond {@link MAX_ACCESS_RESPONSE_BYTES}.
 */
import { DOMParser, type Element, type Node as XmlNode } from '@xmldom/xmldom';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { isValidIns } from '../../../shared/domain/ins/matricule.js';
import { INS_OIDS } from '../../../shared/domain/ins/oids.js';
import type { DmpAuthorization, DmpIns, DmpStatus } from '../client/api.js';
import { escapeXmlAttr } from '../../platform/xml/escape.js';
import { precheckXml } from '../../platform/xml/bounded.js';

export const ACCESS_NS = 'urn:cabinet:dmp:acces:1';
export const SOAP12_ENV_NS = 'http://www.w3.org/2003/05/soap-envelope';
export const MAX_ACCESS_RESPONSE_BYTES = 64 * 1024;

export const ACCESS_OPERATIONS = {
  td02: {
    action: `${ACCESS_NS}:TD02-StatutDmp`,
    responseAction: `${ACCESS_NS}:TD02-StatutDmpResponse`,
    request: 'StatutDmpRequest',
  },
  td03: {
    action: `${ACCESS_NS}:TD03-AjouterAutorisation`,
    responseAction: `${ACCESS_NS}:TD03-AjouterAutorisationResponse`,
    request: 'AjouterAutorisationRequest',
  },
} as const;
export type AccessOperation = keyof typeof ACCESS_OPERATIONS;

/** Fault subcodes (`acc:` prefix) and what they mean. */
export const ACCESS_FAULTS = {
  REQUETE_INVALIDE: 'La requête d’accès au DMP est invalide.',
  INS_INVALIDE: 'L’INS transmis n’est pas un INS qualifié (matricule, clé ou OID invalide).',
  PATIENT_DIFFERENT: 'Le patient de la requête n’est pas celui du VIHF.',
  DMP_INEXISTANT: 'Ce patient n’a pas de DMP.',
  DMP_FERME: 'Le DMP de ce patient est fermé.',
  ACCES_INTERDIT: 'Le patient a interdit l’accès de ce professionnel à son DMP.',
  CONSENTEMENT_ABSENT: 'Le consentement du patient doit être confirmé avant d’ajouter l’autorisation.',
  VIHF_INVALIDE: 'Le jeton VIHF est refusé.',
} as const;
export type AccessFaultCode = keyof typeof ACCESS_FAULTS;

/** The INS authorities the DMP accepts in a patientId (the demo OID is not one of them). */
const INS_OID_SET: ReadonlySet<string> = new Set([INS_OIDS.nir, INS_OIDS.nia, INS_OIDS.test]);

/** Status of the DMP as the wire carries it. */
export type DmpWireState = 'ACTIF' | 'FERME' | 'INEXISTANT';

export interface AccessAnswer {
  state: DmpWireState;
  espaceSante: boolean;
  authorization: DmpAuthorization;
  medecinTraitant: boolean;
  authorizationEnd: string | null;
  closing?: { date: string; motif: string } | null;
  /** Why INTERDIT (the patient's blocking), when given. */
  reason?: string | null;
}

function escape(text: string, field = 'donnée envoyée au DMP'): string {
  return escapeXmlAttr(text, field);
}

/** `INS^^^&OID&ISO^NH` (XDS CX, notes §2.2). */
export function insToCx(ins: DmpIns): string {
  return `${ins.value}^^^&${ins.oid}&ISO^NH`;
}

/** Reads a CX patient id; null unless it is a well-formed INS with an INS OID and a valid key. */
export function insFromCx(cx: string): DmpIns | null {
  const match = /^([0-9AB]{15})\^\^\^&([0-9.]+)&ISO\^NH$/.exec(cx.trim());
  if (!match || !INS_OID_SET.has(match[2]!) || !isValidIns(match[1]!)) return null;
  return { value: match[1]!, oid: match[2]! };
}

// ---------------------------------------------------------------- client side: requests

/** TD0.2 body element (goes into the SOAP Body). */
export function buildStatusRequest(ins: DmpIns): string {
  return `<acc:${ACCESS_OPERATIONS.td02.request} xmlns:acc="${ACCESS_NS}"><acc:PatientId>${escape(insToCx(ins))}</acc:PatientId></acc:${ACCESS_OPERATIONS.td02.request}>`;
}

/** TD0.3 body element; `consent` must be true (the patient's consent confirmed in the app). */
export function buildAddAuthorizationRequest(ins: DmpIns, consent: true): string {
  const name = ACCESS_OPERATIONS.td03.request;
  return `<acc:${name} xmlns:acc="${ACCESS_NS}"><acc:PatientId>${escape(insToCx(ins))}</acc:PatientId><acc:Consentement>${consent ? 'true' : 'false'}</acc:Consentement></acc:${name}>`;
}

// ---------------------------------------------------------------- server side: requests

export class AccessFault extends Error {
  constructor(
    readonly code: AccessFaultCode,
    message: string = ACCESS_FAULTS[code],
  ) {
    super(message);
  }

  /** Sender faults are the caller's doing; none of ours is the receiver's. */
  get soapCode(): 'Sender' {
    return 'Sender';
  }
}

export interface AccessRequest {
  operation: AccessOperation;
  ins: DmpIns;
  /** TD0.3 only. */
  consent?: boolean;
}

function elements(parent: Element): Element[] {
  const out: Element[] = [];
  for (let node: XmlNode | null = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1) out.push(node as Element);
    else if ((node.nodeType === 3 || node.nodeType === 4) && (node.nodeValue ?? '').trim() !== '')
      throw new AccessFault('REQUETE_INVALIDE', 'Requête invalide : texte inattendu.');
  }
  return out;
}

function leafText(element: Element): string {
  for (let node: XmlNode | null = element.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1)
      throw new AccessFault('REQUETE_INVALIDE', `Requête invalide : ${element.localName} ne doit contenir que du texte.`);
  }
  return (element.textContent ?? '').trim();
}

/**
 * Reads a TD0.2 / TD0.3 body element strictly: the expected element for the
 * operation, exactly the expected children in order, nothing else.
 */
export function parseAccessRequest(operation: AccessOperation, payload: Element): AccessRequest {
  const expected = ACCESS_OPERATIONS[operation].request;
  if (payload.namespaceURI !== ACCESS_NS || payload.localName !== expected) {
    throw new AccessFault('REQUETE_INVALIDE', `Requête invalide : {${ACCESS_NS}}${expected} attendu.`);
  }
  if (payload.attributes.length > 0) {
    for (let i = 0; i < payload.attributes.length; i += 1) {
      const name = payload.attributes.item(i)!.name;
      if (name !== 'xmlns' && !name.startsWith('xmlns:'))
        throw new AccessFault('REQUETE_INVALIDE', `Requête invalide : attribut inattendu ${name}.`);
    }
  }
  const children = elements(payload);
  const names = operation === 'td02' ? ['PatientId'] : ['PatientId', 'Consentement'];
  if (children.length !== names.length || children.some((c, i) => c.namespaceURI !== ACCESS_NS || c.localName !== names[i])) {
    throw new AccessFault(
      'REQUETE_INVALIDE',
      `Requête invalide : ${expected} doit contenir ${names.map((n) => `acc:${n}`).join(', ')} dans cet ordre.`,
    );
  }
  const cx = leafText(children[0]!);
  const ins = insFromCx(cx);
  if (!ins) throw new AccessFault('INS_INVALIDE', `${ACCESS_FAULTS.INS_INVALIDE} Reçu : ${cx.slice(0, 60)}.`);
  if (operation === 'td02') return { operation, ins };
  const consent = leafText(children[1]!);
  if (consent !== 'true' && consent !== 'false')
    throw new AccessFault('REQUETE_INVALIDE', 'Requête invalide : Consentement vaut true ou false.');
  return { operation, ins, consent: consent === 'true' };
}

// ---------------------------------------------------------------- server side: responses

/** The `StatutDmpResponse` body element. */
export function buildStatusResponse(answer: AccessAnswer): string {
  const parts = [`<acc:Dmp statut="${answer.state}" espaceSante="${answer.espaceSante}"/>`];
  if (answer.closing) parts.push(`<acc:Fermeture date="${escape(answer.closing.date)}" motif="${escape(answer.closing.motif)}"/>`);
  const end = answer.authorization === 'VALIDE' && answer.authorizationEnd ? ` fin="${escape(answer.authorizationEnd)}"` : '';
  parts.push(`<acc:Autorisation statut="${answer.authorization}" medecinTraitant="${answer.medecinTraitant}"${end}/>`);
  if (answer.reason) parts.push(`<acc:Raison>${escape(answer.reason)}</acc:Raison>`);
  return `<acc:StatutDmpResponse xmlns:acc="${ACCESS_NS}">${parts.join('')}</acc:StatutDmpResponse>`;
}

/** A SOAP 1.2 fault `Body` content for an access refusal. */
export function buildAccessFault(fault: AccessFault | { code: AccessFaultCode; message: string }): string {
  return (
    `<env:Fault xmlns:env="${SOAP12_ENV_NS}" xmlns:acc="${ACCESS_NS}">` +
    `<env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>acc:${fault.code}</env:Value></env:Subcode></env:Code>` +
    `<env:Reason><env:Text xml:lang="fr">${escape(fault.message)}</env:Text></env:Reason>` +
    `</env:Fault>`
  );
}

// ---------------------------------------------------------------- client side: responses

function parseXml(xml: string): Element {
  // Size, depth, time, no DTD: checked by the bounded reader before the DOM sees the text.
  precheckXml(xml, {
    label: 'Réponse du DMP',
    maxBytes: MAX_ACCESS_RESPONSE_BYTES,
    maxDepth: 32,
    deadlineMs: 2_000,
    refuse: (message, reason) => unreadable(reason === 'taille' ? 'réponse trop volumineuse' : message),
  });
  let root: Element | null;
  try {
    root = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(xml, 'text/xml').documentElement;
  } catch {
    root = null;
  }
  if (!root) throw unreadable('XML mal formé');
  return root;
}

function unreadable(reason: string): CabinetError {
  return new CabinetError('UNAVAILABLE', `Réponse du DMP illisible (statut du DMP) : ${reason}.`);
}

function child(parent: Element, ns: string, name: string): Element | null {
  for (let node: XmlNode | null = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).namespaceURI === ns && (node as Element).localName === name) return node as Element;
  }
  return null;
}

function firstElement(parent: Element): Element | null {
  for (let node: XmlNode | null = parent.firstChild; node; node = node.nextSibling) if (node.nodeType === 1) return node as Element;
  return null;
}

const BOOLEAN: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };
const AUTHORIZATIONS: readonly DmpAuthorization[] = ['VALIDE', 'EXPIRE', 'INTERDIT', 'NON_EXISTE'];
const STATES: readonly DmpWireState[] = ['ACTIF', 'FERME', 'INEXISTANT'];

/** A fault's code and French text, as a CabinetError (`details.code` = the subcode without prefix). */
export function accessFaultError(fault: Element): CabinetError {
  const code = child(fault, SOAP12_ENV_NS, 'Code');
  const subcode = code ? child(code, SOAP12_ENV_NS, 'Subcode') : null;
  const value = subcode ? (child(subcode, SOAP12_ENV_NS, 'Value')?.textContent ?? '').trim() : '';
  const reasonEl = child(fault, SOAP12_ENV_NS, 'Reason');
  const text = reasonEl ? (child(reasonEl, SOAP12_ENV_NS, 'Text')?.textContent ?? '').trim().slice(0, 500) : '';
  const local = value.includes(':') ? value.slice(value.indexOf(':') + 1) : value;
  const known = (Object.keys(ACCESS_FAULTS) as AccessFaultCode[]).find((k) => k === local);
  const cabinetCode =
    known === 'ACCES_INTERDIT' || known === 'VIHF_INVALIDE'
      ? 'UNAUTHORIZED'
      : known === 'DMP_INEXISTANT' || known === 'DMP_FERME' || known === 'CONSENTEMENT_ABSENT'
        ? 'CONFLICT'
        : 'INVALID_REQUEST';
  return new CabinetError(
    known ? cabinetCode : 'UNAVAILABLE',
    `Le DMP a refusé la demande : ${text || (known ? ACCESS_FAULTS[known] : 'erreur sans explication')}`,
    { code: local || null },
  );
}

/** Reads a `StatutDmpResponse` element into the wire answer (throws CabinetError UNAVAILABLE when malformed). */
export function readStatusResponse(element: Element): AccessAnswer {
  if (element.namespaceURI !== ACCESS_NS || element.localName !== 'StatutDmpResponse')
    throw unreadable(`élément ${element.localName ?? '?'} inattendu`);
  const dmp = child(element, ACCESS_NS, 'Dmp');
  const auth = child(element, ACCESS_NS, 'Autorisation');
  if (!dmp || !auth) throw unreadable('Dmp ou Autorisation absent');
  const state = dmp.getAttribute('statut') as DmpWireState;
  const espace = BOOLEAN[dmp.getAttribute('espaceSante') ?? ''];
  const authorization = auth.getAttribute('statut') as DmpAuthorization;
  const medecinTraitant = BOOLEAN[auth.getAttribute('medecinTraitant') ?? ''];
  if (!STATES.includes(state) || espace === undefined || !AUTHORIZATIONS.includes(authorization) || medecinTraitant === undefined)
    throw unreadable('valeur inconnue');
  const endRaw = auth.getAttribute('fin');
  const end = endRaw && !Number.isNaN(new Date(endRaw).getTime()) ? new Date(endRaw).toISOString() : null;
  const closingEl = child(element, ACCESS_NS, 'Fermeture');
  const reasonEl = child(element, ACCESS_NS, 'Raison');
  return {
    state,
    espaceSante: espace,
    authorization,
    medecinTraitant,
    authorizationEnd: authorization === 'VALIDE' ? end : null,
    closing: closingEl ? { date: closingEl.getAttribute('date') ?? '', motif: closingEl.getAttribute('motif') ?? '' } : null,
    reason: reasonEl ? (reasonEl.textContent ?? '').trim() : null,
  };
}

export function toDmpStatus(answer: AccessAnswer): DmpStatus {
  return {
    exists: answer.state === 'ACTIF',
    closed: answer.state === 'FERME',
    espaceSanteActive: answer.espaceSante,
    authorization: answer.authorization,
    medecinTraitant: answer.medecinTraitant,
    authorizationEnd: answer.authorizationEnd,
  };
}

/**
 * Client side: the whole SOAP 1.2 response envelope of TD0.2 / TD0.3 →
 * `DmpStatus`; a fault becomes a CabinetError with the DMP's French text.
 */
export function parseStatusResponse(envelopeXml: string): DmpStatus {
  const root = parseXml(envelopeXml);
  if (root.namespaceURI !== SOAP12_ENV_NS || root.localName !== 'Envelope') throw unreadable('enveloppe SOAP 1.2 attendue');
  const body = child(root, SOAP12_ENV_NS, 'Body');
  const content = body ? firstElement(body) : null;
  if (!content) throw unreadable('corps SOAP vide');
  if (content.namespaceURI === SOAP12_ENV_NS && content.localName === 'Fault') throw accessFaultError(content);
  return toDmpStatus(readStatusResponse(content));
}
