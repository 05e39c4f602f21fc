/**
 * INSi responses (pure): the `RESULTAT` of both operations (notes ins-cps.md
 * §2.3) and SOAP 1.2 faults (`Code/Subcode` siram_NNN, `Reason/Text`,
 * `Detail/siram:Erreur`), read from the bytes received.
 *
 * Safety: at most {@link MAX_INSI_RESPONSE_BYTES}; any DOCTYPE refused (so no
 * entity can be declared, let alone expanded — saxes expands none and refuses
 * undeclared ones); depth, element count and text size bounded; a time budget
 * checked while parsing. Elements are matched by namespace and local name, so
 * any prefix (or a default namespace, as the real service writes) is fine.
 * Every failure is a {@link CabinetError} with a French message.
 */
import type { SaxesTagNS } from 'saxes';
import { CabinetError, type ErrorCode } from '../../../shared/contract/outcome.js';
import { assertInsiKeysConsistent } from '../../../shared/domain/ins/matricule.js';
import { readXml } from '../../platform/xml/bounded.js';
import { MAX_INSI_RESPONSE_BYTES, RESULTAT_NS, SIRAM_NS, SOAP11_NS, SOAP12_NS, type InsiCr } from './wire.js';

// ---------------------------------------------------------------------------
// Result types

export interface InsiIdentifier {
  /** NIR or NIA, 13 characters (`NumIdentifiant`). */
  matricule: string;
  /** 2-digit key (`Cle`); always present in INSACTIF. */
  cle?: string;
  /** Matricule + key, 15 characters: the INS value. */
  ins?: string;
  /** Assigning authority: `.4.8` NIR, `.4.9` NIA, `.4.10` test NIR, `.4.11` demonstration NIR. */
  oid: string;
  typeMatricule?: string;
  /** `DateDeb` / `DateFin`, YYYY-MM-DD. */
  dateDebut?: string;
  dateFin?: string;
}

/** `TIQ`: the reference identity traits (the shape shared/domain/ins `InsiTraits` compares with). */
export interface InsiTiq {
  nomNaissance: string;
  /** First given name: `Prenom`, or the first of `ListePrenom` when the service omits it. */
  prenom: string;
  /** All given names, space-separated (`ListePrenom`). */
  listePrenoms: string;
  sexe: string;
  /** `DateLunaire` (an unknown month or day is `00`). */
  dateNaissance: string;
  /** COG code of the birthplace. */
  lieuNaissance?: string;
}

export interface InsiIndividu {
  insActif: InsiIdentifier;
  insHisto: InsiIdentifier[];
  tiq: InsiTiq;
}

export type InsiResult =
  | { cr: '00'; label: string; message: string; individu: InsiIndividu }
  | { cr: '01' | '02'; label: string; message: string; individu?: undefined };

/** French wording of each CR for the screens. */
export const insiCrMessages: Record<InsiCr, string> = {
  '00': 'Identité trouvée par INSi.',
  '01': 'INSi : aucune identité trouvée',
  '02': 'Plusieurs identités trouvées : précisez le lieu de naissance',
};

/** CR 01 / 02 as errors, for callers that want one identity or nothing. */
export function insiResultError(result: InsiResult): CabinetError | null {
  if (result.cr === '01') return new CabinetError('NOT_FOUND', insiCrMessages['01'], { cr: result.cr, libelle: result.label });
  if (result.cr === '02') return new CabinetError('CONFLICT', insiCrMessages['02'], { cr: result.cr, libelle: result.label });
  return null;
}

export interface InsiFault {
  /** `Code/Value` without prefix: `Sender`, `Receiver`… */
  code: string;
  /** `Code/Subcode/Value` without prefix: `siram_100`, `siram_40`… */
  subcode?: string;
  /** `Reason/Text` (the French one when there are several). */
  reason?: string;
  /** `Detail/siram:Erreur`. */
  erreur?: { code?: string; severite?: string; messageId?: string; text?: string };
}

// ---------------------------------------------------------------------------
// Limits and messages

export interface ParseLimits {
  maxBytes?: number;
  /**
   * Time budget for the parse itself, checked while reading (default 1 s; a
   * 2 MiB answer takes 20–50 ms, but 250 ms was exceeded under a loaded test run).
   */
  timeBudgetMs?: number;
}

const MAX_DEPTH = 32;
const MAX_ELEMENTS = 5_000;
const MAX_TEXT = 64 * 1024;
const DEFAULT_TIME_BUDGET_MS = 1_000;

const unreadable = (reason: string, details?: unknown) => new CabinetError('UNAVAILABLE', `Réponse d’INSi illisible : ${reason}.`, details);
const refused = (reason: string) => new CabinetError('UNAVAILABLE', `Réponse d’INSi refusée : ${reason}.`);

// ---------------------------------------------------------------------------
// A small, bounded element tree

interface XmlElement {
  uri: string;
  local: string;
  attributes: Map<string, string>;
  children: XmlElement[];
  text: string;
}

function decode(bytes: Uint8Array | string, maxBytes: number): string {
  if (typeof bytes === 'string') {
    if (Buffer.byteLength(bytes, 'utf8') > maxBytes) throw tooLarge(maxBytes);
    return bytes.replace(/^\uFEFF/, '');
  }
  if (bytes.length > maxBytes) throw tooLarge(maxBytes);
  if (bytes.length === 0) throw unreadable('réponse vide');
  let view = bytes;
  if (view[0] === 0xef && view[1] === 0xbb && view[2] === 0xbf) view = view.subarray(3);
  const head = Buffer.from(view.subarray(0, 200)).toString('latin1');
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1]?.toLowerCase();
  if (declared === undefined || declared === 'utf-8' || declared === 'utf8') {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(view);
    } catch {
      throw unreadable('encodage UTF-8 invalide');
    }
  }
  if (declared === 'iso-8859-1' || declared === 'latin1' || declared === 'iso-8859-15') return Buffer.from(view).toString('latin1');
  throw unreadable(`encodage « ${declared} » non pris en charge`);
}

function tooLarge(maxBytes: number): CabinetError {
  return new CabinetError('UNAVAILABLE', `Réponse d’INSi trop volumineuse (plus de ${Math.round(maxBytes / 1024)} Kio) : abandon.`);
}

function parseTree(text: string, timeBudgetMs: number): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let count = 0;
  const onText = (value: string) => {
    const current = stack[stack.length - 1];
    if (!current) return;
    if (current.text.length + value.length > MAX_TEXT) throw refused('texte trop long');
    current.text += value;
  };
  readXml(
    text,
    {
      label: 'Réponse d’INSi',
      // The size was checked on the bytes (decode); this bound only guards the text form.
      maxBytes: 4 * text.length + 1,
      maxDepth: MAX_DEPTH,
      deadlineMs: timeBudgetMs,
      refuse: (message, reason) =>
        reason === 'delai'
          ? new CabinetError('UNAVAILABLE', 'Réponse d’INSi trop longue à analyser : abandon.')
          : reason === 'doctype'
            ? refused('déclaration DOCTYPE ou ENTITY interdite')
            : reason === 'profondeur'
              ? refused('imbrication trop profonde')
              : unreadable('XML mal formé ou tronqué', { analyse: message.slice(0, 200) }),
    },
    {
      opentag: (tag: SaxesTagNS) => {
        count += 1;
        if (count > MAX_ELEMENTS) throw refused('trop d’éléments');
        const attributes = new Map<string, string>();
        for (const attribute of Object.values(tag.attributes)) {
          const key = attribute.prefix === 'xml' ? `xml:${attribute.local}` : attribute.local;
          if (!attributes.has(key)) attributes.set(key, attribute.value);
        }
        const element: XmlElement = { uri: tag.uri, local: tag.local, attributes, children: [], text: '' };
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(element);
        else root = element;
        stack.push(element);
      },
      text: onText,
      cdata: onText,
      closetag: () => {
        stack.pop();
      },
    },
    { xmlns: true },
  );
  if (!root) throw unreadable('document vide');
  return root;
}

function children(element: XmlElement, uri: string | null, local: string): XmlElement[] {
  return element.children.filter((c) => c.local === local && (uri === null || c.uri === uri));
}

function first(element: XmlElement | undefined, uri: string | null, local: string): XmlElement | undefined {
  return element ? element.children.find((c) => c.local === local && (uri === null || c.uri === uri)) : undefined;
}

function value(element: XmlElement | undefined, uri: string | null, local: string): string | undefined {
  const found = first(element, uri, local);
  if (!found) return undefined;
  const text = found.text.trim();
  return text.length > 0 ? text : undefined;
}

/** `soap:Sender` → `Sender`. */
function withoutPrefix(qname: string | undefined): string | undefined {
  if (qname === undefined) return undefined;
  const index = qname.indexOf(':');
  return index >= 0 ? qname.slice(index + 1) : qname;
}

/** Remote text shown to the user: one line, no control characters, bounded. */
export function cleanRemoteText(text: string, max = 300): string {
  const flat = text
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

// ---------------------------------------------------------------------------
// Envelope, fault, result

function body(root: XmlElement): XmlElement {
  if (root.local === 'Envelope' && root.uri === SOAP11_NS) throw unreadable('enveloppe SOAP 1.1 reçue, SOAP 1.2 attendue');
  if (root.local !== 'Envelope' || root.uri !== SOAP12_NS) throw unreadable('enveloppe SOAP 1.2 attendue');
  const found = first(root, SOAP12_NS, 'Body');
  if (!found) throw unreadable('corps SOAP absent');
  return found;
}

function readFault(fault: XmlElement): InsiFault {
  const code = first(fault, SOAP12_NS, 'Code');
  const subcode = first(code, SOAP12_NS, 'Subcode');
  const texts = children(first(fault, SOAP12_NS, 'Reason') ?? fault, SOAP12_NS, 'Text');
  const reason = (texts.find((t) => t.attributes.get('xml:lang')?.toLowerCase().startsWith('fr')) ?? texts[0])?.text.trim();
  const detail = first(fault, SOAP12_NS, 'Detail');
  const erreurElement = detail ? (first(detail, SIRAM_NS, 'Erreur') ?? first(detail, null, 'Erreur')) : undefined;
  const result: InsiFault = { code: withoutPrefix(value(code, SOAP12_NS, 'Value')) ?? 'inconnu' };
  const sub = withoutPrefix(value(subcode, SOAP12_NS, 'Value'));
  if (sub) result.subcode = sub;
  if (reason) result.reason = reason;
  if (erreurElement) {
    const erreur: NonNullable<InsiFault['erreur']> = {};
    const errorCode = erreurElement.attributes.get('code');
    const severite = erreurElement.attributes.get('severite');
    const messageId = erreurElement.attributes.get('messageID');
    const text = erreurElement.text.trim();
    if (errorCode) erreur.code = errorCode;
    if (severite) erreur.severite = severite;
    if (messageId) erreur.messageId = messageId;
    if (text) erreur.text = text;
    result.erreur = erreur;
  }
  return result;
}

export const insiFaultMessages = {
  unknownSoftware: 'Numéro d’autorisation du logiciel inconnu de l’Assurance maladie : vérifiez la configuration',
  certificateNotAllowed: 'Le certificat logiciel n’est pas autorisé (INSI-AUTO ou INSI-MANU attendu)',
} as const;

/** The French error for a fault: the two configuration faults by name, any other with the service's reason and siram code. */
export function insiFaultError(fault: InsiFault): CabinetError {
  const details = {
    faute: fault.code,
    ...(fault.subcode ? { siram: fault.subcode } : {}),
    ...(fault.erreur?.code ? { erreur: fault.erreur.code } : {}),
    ...(fault.erreur?.severite ? { severite: fault.erreur.severite } : {}),
    ...(fault.erreur?.messageId ? { messageId: fault.erreur.messageId } : {}),
    ...(fault.reason ? { raison: cleanRemoteText(fault.reason, 1000) } : {}),
    ...(fault.erreur?.text ? { detail: cleanRemoteText(fault.erreur.text, 1000) } : {}),
  };
  const errorCode = fault.erreur?.code?.toLowerCase();
  if (errorCode === 'desir_550') return new CabinetError('CONFIG_INVALID', insiFaultMessages.unknownSoftware, details);
  if (errorCode === 'desir_560') return new CabinetError('UNAUTHORIZED', insiFaultMessages.certificateNotAllowed, details);
  const reason = cleanRemoteText(fault.reason ?? fault.erreur?.text ?? '') || 'raison non précisée';
  const reference = fault.subcode ?? fault.erreur?.code ?? fault.code;
  const code: ErrorCode = fault.code === 'Receiver' ? 'UNAVAILABLE' : 'INVALID_REQUEST';
  return new CabinetError(code, `INSi a refusé la demande : ${reason} (${reference})`, details);
}

const NIR = /^\d{6}[A-Za-z0-9]\d{6}$/;
const KEY = /^\d{2}$/;
const OID = /^[0-2](?:\.\d{1,9}){1,30}$/;
const DATE = /^(\d{4}-\d{2}-\d{2})/;

function identifier(element: XmlElement, where: 'INSACTIF' | 'INSHISTO'): InsiIdentifier {
  const id = first(element, RESULTAT_NS, 'IdIndividu');
  const matricule = value(id, RESULTAT_NS, 'NumIdentifiant');
  const cle = value(id, RESULTAT_NS, 'Cle');
  const oid = value(element, RESULTAT_NS, 'OID');
  if (!matricule || !NIR.test(matricule)) throw unreadable(`matricule de ${where} absent ou invalide`);
  if (cle !== undefined && !KEY.test(cle)) throw unreadable(`clé de ${where} invalide`);
  if (where === 'INSACTIF' && cle === undefined) throw unreadable('clé de l’INS actif absente');
  if (!oid || !OID.test(oid)) throw unreadable(`OID de ${where} absent ou invalide`);
  const result: InsiIdentifier = { matricule: matricule.toUpperCase(), oid };
  if (cle !== undefined) {
    result.cle = cle;
    result.ins = `${result.matricule}${cle}`;
  }
  const type = value(id, RESULTAT_NS, 'TypeMatricule');
  if (type) result.typeMatricule = cleanRemoteText(type, 20);
  const start = value(element, RESULTAT_NS, 'DateDeb');
  const end = value(element, RESULTAT_NS, 'DateFin');
  if (start !== undefined) {
    const date = DATE.exec(start)?.[1];
    if (!date) throw unreadable(`date de début de ${where} invalide`);
    result.dateDebut = date;
  }
  if (end !== undefined) {
    const date = DATE.exec(end)?.[1];
    if (!date) throw unreadable(`date de fin de ${where} invalide`);
    result.dateFin = date;
  }
  return result;
}

function tiq(element: XmlElement | undefined): InsiTiq {
  if (!element) throw unreadable('traits d’identité (TIQ) absents');
  const read = (name: string, max = 200) => {
    const text = value(element, RESULTAT_NS, name);
    return text === undefined ? undefined : cleanRemoteText(text, max);
  };
  const nomNaissance = read('NomNaissance');
  const listePrenom = read('ListePrenom', 300);
  const prenom = read('Prenom') ?? listePrenom?.split(' ')[0];
  const sexe = read('Sexe', 1);
  const dateNaissance = read('DateNaissance', 10);
  if (!nomNaissance || !prenom || !sexe || !dateNaissance) throw unreadable('traits d’identité incomplets');
  if (!/^[A-Z]$/.test(sexe)) throw unreadable('sexe invalide');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dateNaissance)) throw unreadable('date de naissance invalide');
  const result: InsiTiq = { nomNaissance, prenom, listePrenoms: listePrenom ?? prenom, sexe, dateNaissance };
  const lieu = read('LieuNaissance', 5);
  if (lieu) result.lieuNaissance = lieu.toUpperCase();
  return result;
}

function readResultat(resultat: XmlElement): InsiResult {
  const cr = first(resultat, RESULTAT_NS, 'CR');
  const code = value(cr, RESULTAT_NS, 'CodeCR');
  const label = cleanRemoteText(value(cr, RESULTAT_NS, 'LibelleCR') ?? '', 200);
  if (!code) throw unreadable('compte rendu (CodeCR) absent');
  if (code === '01' || code === '02') return { cr: code, label, message: insiCrMessages[code] };
  if (code !== '00')
    throw new CabinetError('UNAVAILABLE', `Réponse d’INSi inattendue : compte rendu « ${cleanRemoteText(code, 10)} » inconnu.`, {
      cr: cleanRemoteText(code, 10),
      libelle: label,
    });
  const individu = first(resultat, RESULTAT_NS, 'INDIVIDU');
  if (!individu) throw unreadable('identité (INDIVIDU) absente malgré le compte rendu 00');
  const actif = first(individu, RESULTAT_NS, 'INSACTIF');
  if (!actif) throw unreadable('INS actif (INSACTIF) absent');
  const insActif = identifier(actif, 'INSACTIF');
  const insHisto = children(individu, RESULTAT_NS, 'INSHISTO').map((element) => identifier(element, 'INSHISTO'));
  // Every key INSi returns is checked (the shared INS rule): one wrong key and the whole answer is refused.
  assertInsiKeysConsistent(insActif, insHisto);
  return {
    cr: '00',
    label,
    message: insiCrMessages['00'],
    individu: { insActif, insHisto, tiq: tiq(first(individu, RESULTAT_NS, 'TIQ')) },
  };
}

/** What the bytes hold: a RESULTAT, or a fault (not yet turned into an error). */
export type InsiReply = { kind: 'resultat'; result: InsiResult } | { kind: 'fault'; fault: InsiFault };

export function readInsiReply(bytes: Uint8Array | string, limits: ParseLimits = {}): InsiReply {
  const text = decode(bytes, limits.maxBytes ?? MAX_INSI_RESPONSE_BYTES);
  const soapBody = body(parseTree(text, limits.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS));
  const content = soapBody.children[0];
  if (!content) throw unreadable('corps SOAP vide');
  if (content.local === 'Fault' && content.uri === SOAP12_NS) return { kind: 'fault', fault: readFault(content) };
  if (content.local === 'RESULTAT' && content.uri === RESULTAT_NS) return { kind: 'resultat', result: readResultat(content) };
  throw unreadable(`élément « ${cleanRemoteText(content.local, 60)} » inattendu (RESULTAT attendu)`);
}

/**
 * Parses an INSi answer: the typed result for CR 00/01/02, or throws a
 * CabinetError (fault, or an answer that cannot be trusted).
 */
export function parseInsiResponse(bytes: Uint8Array | string, limits: ParseLimits = {}): InsiResult {
  const reply = readInsiReply(bytes, limits);
  if (reply.kind === 'fault') throw insiFaultError(reply.fault);
  return reply.result;
}
