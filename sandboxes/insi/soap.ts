/**
 * The INSi SOAP 1.2 messages: reading a request envelope (structure, header
 * blocks, WS-Addressing) and writing the RESULTAT response exactly in the
 * recorded format (`responses/REP_CR01.xml`, `TEST_2.05.xml`): a `soap:`
 * envelope, an `S:Body` declaring its own prefix, `RESULTAT` in the default
 * namespace with the unused `ns3`/`ns2` declarations, compact, in schema
 * order. The recorded files carry no SOAP header; the sandbox adds one with
 * `wsa:Action` (…Response), `wsa:MessageID` and `wsa:RelatesTo` (the
 * request's MessageID), as a WS-Addressing service does [I].
 */
import type { Document, Element } from '@xmldom/xmldom';
import { SOAP11_NS, SOAP12_NS, SandboxFault, WSA_NS } from './faults.js';
import { listePrenom, type SandboxIdentity, type SandboxIns } from './identities.js';
import { libelleCR, type LookupResult } from './registry.js';
import { childrenNamed, elementChildren, escapeText, hasText, textOf } from './xml.js';

export const NS = {
  soap: SOAP12_NS,
  wsa: WSA_NS,
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  ctxbam: 'urn:siram:bam:ctxbam',
  ctxlps: 'urn:siram:lps:ctxlps',
  recsans: 'http://www.cnamts.fr/INSiRecSans',
  recvit: 'http://www.cnamts.fr/INSiRecVit',
  resultat: 'http://www.cnamts.fr/INSiResultat',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
} as const;

export const operations = {
  rechercherInsAvecTraitsIdentite: {
    action: 'urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite',
    responseAction: 'urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentiteResponse',
    body: { ns: NS.recsans, localName: 'RECSANSVITALE' },
  },
  rechercherInsAvecCarteVitale: {
    action: 'urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale',
    responseAction: 'urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitaleResponse',
    body: { ns: NS.recvit, localName: 'RECVITALE' },
  },
} as const;
export type OperationName = keyof typeof operations;

export function operationForAction(action: string): OperationName | null {
  for (const [name, op] of Object.entries(operations)) if (op.action === action) return name as OperationName;
  return null;
}

export interface SoapContentType {
  mediaType: string;
  charset: string | null;
  action: string | null;
}

/** Parses a Content-Type header (RFC 9110 parameters, quoted strings). Null when unreadable. */
export function parseContentType(header: string | undefined): SoapContentType | null {
  if (!header || header.length > 1000) return null;
  const match = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+\/[A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*(.*)$/.exec(header);
  if (!match) return null;
  const params = new Map<string, string>();
  let rest = match[2] ?? '';
  const param = /^;\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*/;
  while (rest.length > 0) {
    if (/^;\s*$/.test(rest)) break;
    const p = param.exec(rest);
    if (!p) return null;
    const name = p[1]!.toLowerCase();
    const raw = p[2]!;
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    if (params.has(name)) return null;
    params.set(name, value);
    rest = rest.slice(p[0].length);
  }
  return {
    mediaType: match[1]!.toLowerCase(),
    charset: params.get('charset')?.toLowerCase() ?? null,
    action: params.get('action') ?? null,
  };
}

/** Header blocks the service processes; any other one with mustUnderstand is a MustUnderstand fault. */
const understood = new Set([
  `${NS.ctxbam} ContexteBAM`,
  `${NS.ctxlps} ContexteLPS`,
  `${NS.wsse} Security`,
  ...['Action', 'MessageID', 'To', 'From', 'ReplyTo', 'FaultTo', 'RelatesTo'].map((n) => `${WSA_NS} ${n}`),
]);

export interface SoapRequest {
  doc: Document;
  body: Element;
  /** The single child of env:Body. */
  payload: Element;
  bam: Element | null;
  lps: Element | null;
  security: Element | null;
  action: string | null;
  messageId: string | null;
}

/** Reads the envelope; throws {@link SandboxFault} for what a SOAP 1.2 / WS-Addressing stack refuses. */
export function readEnvelope(doc: Document): SoapRequest {
  const envelope = doc.documentElement!;
  if (envelope.localName === 'Envelope' && envelope.namespaceURI === SOAP11_NS) throw new SandboxFault('versionSoap');
  if (envelope.localName !== 'Envelope' || envelope.namespaceURI !== SOAP12_NS) {
    throw new SandboxFault('messageIllisible', `L'élément racine doit être {${SOAP12_NS}}Envelope.`);
  }
  const parts = elementChildren(envelope);
  const header = parts[0]?.namespaceURI === SOAP12_NS && parts[0].localName === 'Header' ? parts[0] : null;
  const rest = header ? parts.slice(1) : parts;
  const body = rest[0];
  if (!body || body.namespaceURI !== SOAP12_NS || body.localName !== 'Body' || rest.length !== 1 || hasText(envelope)) {
    throw new SandboxFault('messageIllisible', "L'enveloppe doit contenir un en-tête facultatif puis un corps, et rien d'autre.");
  }
  const payloads = elementChildren(body);
  if (payloads.length !== 1 || hasText(body))
    throw new SandboxFault('messageIllisible', 'Le corps SOAP doit contenir exactement un élément.');

  const blocks = header ? elementChildren(header) : [];
  if (header && hasText(header)) throw new SandboxFault('messageIllisible', "L'en-tête SOAP ne contient que des blocs.");
  for (const block of blocks) {
    const mu = block.getAttributeNS(SOAP12_NS, 'mustUnderstand');
    if ((mu === 'true' || mu === '1') && !understood.has(`${block.namespaceURI} ${block.localName}`)) {
      throw new SandboxFault('nonCompris', undefined, {
        notUnderstood: { ns: block.namespaceURI ?? '', localName: block.localName ?? '' },
      });
    }
  }
  const single = (ns: string, localName: string): Element | null | 'plusieurs' => {
    const found = header ? childrenNamed(header, ns, localName) : [];
    if (found.length > 1) return 'plusieurs';
    return found[0] ?? null;
  };
  const bam = single(NS.ctxbam, 'ContexteBAM');
  if (bam === 'plusieurs') throw new SandboxFault('contexteBam', 'ContexteBAM présent plusieurs fois.');
  const lps = single(NS.ctxlps, 'ContexteLPS');
  if (lps === 'plusieurs') throw new SandboxFault('contexteLps', 'ContexteLPS présent plusieurs fois.');
  const security = single(NS.wsse, 'Security');
  if (security === 'plusieurs') throw new SandboxFault('securite', 'wsse:Security présent plusieurs fois.');
  const action = single(WSA_NS, 'Action');
  if (action === 'plusieurs')
    throw new SandboxFault('enteteAdressageAbsent', 'wsa:Action présent plusieurs fois.', { problemHeader: 'wsa:Action' });
  const messageId = single(WSA_NS, 'MessageID');
  if (messageId === 'plusieurs')
    throw new SandboxFault('enteteAdressageAbsent', 'wsa:MessageID présent plusieurs fois.', { problemHeader: 'wsa:MessageID' });
  return {
    doc,
    body,
    payload: payloads[0]!,
    bam,
    lps,
    security,
    action: action ? textOf(action) : null,
    messageId: messageId ? textOf(messageId) : null,
  };
}

// ---------------------------------------------------------------------------
// Response

function insXml(tag: 'INSACTIF' | 'INSHISTO', ins: SandboxIns): string {
  const type = ins.typeMatricule ? `<TypeMatricule>${escapeText(ins.typeMatricule)}</TypeMatricule>` : '';
  const deb = ins.dateDeb ? `<DateDeb>${ins.dateDeb}</DateDeb>` : '';
  const fin = ins.dateFin ? `<DateFin>${ins.dateFin}</DateFin>` : '';
  return `<${tag}><IdIndividu><NumIdentifiant>${ins.matricule}</NumIdentifiant><Cle>${ins.cle}</Cle>${type}</IdIndividu><OID>${ins.oid}</OID>${deb}${fin}</${tag}>`;
}

function individuXml(identity: SandboxIdentity): string {
  const t = identity.traits;
  const tiq =
    `<TIQ><NomNaissance>${escapeText(t.nomNaissance)}</NomNaissance><Prenom>${escapeText(t.prenoms[0] ?? '')}</Prenom>` +
    `<ListePrenom>${escapeText(listePrenom(t))}</ListePrenom><Sexe>${t.sexe}</Sexe><DateNaissance>${t.dateNaissance}</DateNaissance>` +
    `<LieuNaissance>${t.lieuNaissance}</LieuNaissance></TIQ>`;
  return `<INDIVIDU>${insXml('INSACTIF', identity.active)}${identity.history.map((h) => insXml('INSHISTO', h)).join('')}${tiq}</INDIVIDU>`;
}

/** The RESULTAT element, serialized as the real service does. */
export function resultatXml(result: LookupResult): string {
  const cr = `<CR><CodeCR>${result.codeCR}</CodeCR><LibelleCR>${libelleCR[result.codeCR]}</LibelleCR></CR>`;
  const individu = result.codeCR === '00' && result.identity ? individuXml(result.identity) : '';
  return `<RESULTAT xmlns:ns3="${NS.recvit}" xmlns:ns2="${NS.recsans}" xmlns="${NS.resultat}">${cr}${individu}</RESULTAT>`;
}

export interface ResponseAddressing {
  action: string;
  /** The request's wsa:MessageID. */
  relatesTo: string;
  messageId: string;
}

export function responseXml(result: LookupResult, addressing: ResponseAddressing | null): string {
  const header = addressing
    ? `<soap:Header><wsa:Action xmlns:wsa="${WSA_NS}">${escapeText(addressing.action)}</wsa:Action>` +
      `<wsa:MessageID xmlns:wsa="${WSA_NS}">${escapeText(addressing.messageId)}</wsa:MessageID>` +
      `<wsa:RelatesTo xmlns:wsa="${WSA_NS}">${escapeText(addressing.relatesTo)}</wsa:RelatesTo></soap:Header>`
    : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="${SOAP12_NS}">${header}` +
    `<S:Body xmlns:S="${SOAP12_NS}">${resultatXml(result)}</S:Body></soap:Envelope>`
  );
}
