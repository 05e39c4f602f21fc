/**
 * Reading a CDA R2 document for display, without the DOM's HTML side: the
 * header facts (title, date, patient, authors), and either the structured
 * body (level 3: sections with their title and narrative block) or the
 * encapsulated file of a level-1 `nonXMLBody`.
 *
 * Pure: it walks any W3C-DOM-like tree (the browser's `DOMParser`, or
 * `@xmldom/xmldom` in the tests) and returns plain data. The viewer turns
 * that data into React elements; nothing of the document ever becomes HTML,
 * a link, a script or a request. Only the narrative elements of the CDA
 * `StrucDoc.Text` model are kept (paragraph, list, table, content, br, sub,
 * sup, caption, footnote); anything else contributes its text only. Sizes
 * are bounded (depth, node count, text length).
 */
import { MAX_PDF_BASE64_CHARS } from '../../../shared/domain/limits.js';

export const HL7_NS = 'urn:hl7-org:v3';
/** Nodes visited at most (a 2 MB narrative is far below this). */
export const MAX_NODES = 200_000;
/** Nesting of sections and narrative elements. */
export const MAX_DEPTH = 64;
/** Characters of narrative text kept, in total. */
export const MAX_TEXT_CHARS = 5_000_000;
/** Characters of base64 accepted in a nonXMLBody (≈ 20 MiB of file). */
export const MAX_BASE64_CHARS = MAX_PDF_BASE64_CHARS + 1_000_000;

/** The part of the W3C DOM used here (browser DOM and xmldom both provide it). */
export interface XmlNodeLike {
  readonly nodeType: number;
  readonly localName?: string | null;
  readonly namespaceURI?: string | null;
  readonly nodeValue?: string | null;
  readonly childNodes: ArrayLike<XmlNodeLike>;
  getAttribute?(name: string): string | null;
}

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;

export type CdaStyle = 'gras' | 'italique' | 'souligne' | 'indice' | 'exposant';

export type CdaInline = { kind: 'text'; text: string; styles: CdaStyle[] } | { kind: 'br' };

export interface CdaCell {
  header: boolean;
  colSpan: number;
  rowSpan: number;
  content: CdaFlow;
}

export type CdaBlock =
  | { kind: 'paragraph'; caption: string | null; content: CdaFlow }
  | { kind: 'list'; ordered: boolean; caption: string | null; items: CdaFlow[] }
  | { kind: 'table'; caption: string | null; head: CdaCell[][]; body: CdaCell[][]; foot: CdaCell[][] }
  /** An image or other media the viewer does not show (never fetched). */
  | { kind: 'media'; caption: string | null };

/** Narrative content: text runs, line breaks and blocks, in document order. */
export type CdaFlow = (CdaInline | CdaBlock)[];

export interface CdaSection {
  title: string | null;
  code: { code: string; display: string | null } | null;
  content: CdaFlow;
  sections: CdaSection[];
}

export interface CdaPerson {
  name: string;
  organisation: string | null;
}

export interface CdaHeader {
  title: string | null;
  type: { code: string; display: string | null } | null;
  /** `AAAA-MM-JJ` or `AAAA-MM-JJTHH:MM` as written (no time zone conversion). */
  effectiveTime: string | null;
  patient: string | null;
  authors: CdaPerson[];
  custodian: string | null;
  confidentiality: string | null;
}

export type CdaReading =
  | { level: 3; header: CdaHeader; sections: CdaSection[] }
  | { level: 1; header: CdaHeader; mediaType: string; base64: string }
  | { level: 0; header: CdaHeader; reason: string };

export class CdaReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CdaReadError';
  }
}

/* ---------- small DOM helpers ---------- */

function isHl7(node: XmlNodeLike, name?: string): boolean {
  if (node.nodeType !== ELEMENT || node.namespaceURI !== HL7_NS) return false;
  return name === undefined || node.localName === name;
}

function children(node: XmlNodeLike, name?: string): XmlNodeLike[] {
  const out: XmlNodeLike[] = [];
  const list = node.childNodes;
  for (let i = 0; i < list.length; i++) {
    const child = list[i];
    if (child && isHl7(child, name)) out.push(child);
  }
  return out;
}

function child(node: XmlNodeLike | null | undefined, name: string): XmlNodeLike | null {
  if (!node) return null;
  const list = node.childNodes;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c && isHl7(c, name)) return c;
  }
  return null;
}

function path(node: XmlNodeLike | null | undefined, ...names: string[]): XmlNodeLike | null {
  let current: XmlNodeLike | null = node ?? null;
  for (const name of names) current = child(current, name);
  return current;
}

function attr(node: XmlNodeLike | null | undefined, name: string): string | null {
  const value = node?.getAttribute?.(name);
  return value === undefined || value === null || value === '' ? null : value;
}

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

/** All text below a node, whitespace collapsed (bounded by the walk's budget). */
function plainText(node: XmlNodeLike | null, budget: Budget, depth = 0): string {
  if (!node) return '';
  budget.visit(depth);
  if (node.nodeType === TEXT || node.nodeType === CDATA) return budget.take(node.nodeValue ?? '');
  if (node.nodeType !== ELEMENT) return '';
  let out = '';
  const list = node.childNodes;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c) out += plainText(c, budget, depth + 1);
  }
  return out;
}

class Budget {
  nodes = 0;
  chars = 0;
  visit(depth: number): void {
    if (++this.nodes > MAX_NODES) throw new CdaReadError('Document trop volumineux pour être affiché (trop d’éléments).');
    if (depth > MAX_DEPTH) throw new CdaReadError('Document trop imbriqué pour être affiché.');
  }
  take(text: string): string {
    this.chars += text.length;
    if (this.chars > MAX_TEXT_CHARS) throw new CdaReadError('Document trop volumineux pour être affiché (texte trop long).');
    return text;
  }
}

/* ---------- header ---------- */

/** `20191203133000+0100` → `2019-12-03T13:30`; `20191203` → `2019-12-03`. */
export function cdaTime(value: string | null): string | null {
  if (!value) return null;
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi] = m;
  if (!mo) return `${y}`;
  if (!d) return `${y}-${mo}`;
  return h ? `${y}-${mo}-${d}T${h}:${mi ?? '00'}` : `${y}-${mo}-${d}`;
}

/**
 * A name for reading. Patient: « FAMILLE Prénom » (birth name, qualifier BR,
 * first, and the first given name). Author: « Dr Prénom FAMILLE ». Parts
 * repeated under several qualifiers (BR, CL, SP) are shown once.
 */
function personName(nameNode: XmlNodeLike | null, budget: Budget, style: 'patient' | 'author'): string | null {
  if (!nameNode) return null;
  const parts = (kind: string) =>
    children(nameNode, kind)
      .map((part) => ({ text: collapse(plainText(part, budget)), qualifier: attr(part, 'qualifier') }))
      .filter((p) => p.text !== '');
  const families = parts('family');
  const givens = parts('given');
  const pick = (list: { text: string; qualifier: string | null }[], preferred: string) =>
    (list.find((p) => p.qualifier === preferred) ?? list.find((p) => !p.qualifier) ?? list[0])?.text ?? '';
  const family = pick(families, 'BR');
  let text: string;
  if (style === 'patient') {
    const given = pick(givens, 'BR').split(' ')[0] ?? '';
    const used = families.find((p) => p.qualifier === 'SP' && p.text !== family)?.text;
    text = [family, given && titleCase(given), used ? `(nom utilisé : ${used})` : ''].filter(Boolean).join(' ');
  } else {
    const doctor = [...parts('prefix'), ...parts('suffix')].some((p) => /^dr\.?$/i.test(p.text));
    text = [doctor ? 'Dr' : '', givens[0]?.text ?? '', family].filter(Boolean).join(' ');
  }
  return text || collapse(plainText(nameNode, budget)) || null;
}

function titleCase(name: string): string {
  return name
    .toLocaleLowerCase('fr-FR')
    .replace(/(^|[\s'’-])(\p{L})/gu, (_, sep: string, letter: string) => sep + letter.toLocaleUpperCase('fr-FR'));
}

function codeOf(node: XmlNodeLike | null): { code: string; display: string | null } | null {
  const code = attr(node, 'code');
  return code ? { code, display: attr(node, 'displayName') } : null;
}

function readHeader(root: XmlNodeLike, budget: Budget): CdaHeader {
  const title = collapse(plainText(child(root, 'title'), budget)) || null;
  const patientNode = path(root, 'recordTarget', 'patientRole', 'patient');
  // The first name of the patient (the birth name carries qualifier BR; any is fine to display).
  const patient = personName(child(patientNode, 'name'), budget, 'patient');
  const authors: CdaPerson[] = [];
  for (const author of children(root, 'author').slice(0, 20)) {
    const assigned = child(author, 'assignedAuthor');
    const name =
      personName(path(assigned, 'assignedPerson', 'name'), budget, 'author') ??
      collapse(plainText(path(assigned, 'assignedAuthoringDevice', 'softwareName'), budget));
    const organisation = collapse(plainText(path(assigned, 'representedOrganization', 'name'), budget)) || null;
    if (name || organisation) authors.push({ name: name || '—', organisation });
  }
  const custodian =
    collapse(plainText(path(root, 'custodian', 'assignedCustodian', 'representedCustodianOrganization', 'name'), budget)) || null;
  const confidentiality = child(root, 'confidentialityCode');
  return {
    title,
    type: codeOf(child(root, 'code')),
    effectiveTime: cdaTime(attr(child(root, 'effectiveTime'), 'value')),
    patient,
    authors,
    custodian,
    confidentiality: attr(confidentiality, 'displayName') ?? attr(confidentiality, 'code'),
  };
}

/* ---------- narrative block (StrucDoc.Text) ---------- */

const styleTokens: Record<string, CdaStyle> = { bold: 'gras', italics: 'italique', emphasis: 'italique', underline: 'souligne' };

function stylesOf(node: XmlNodeLike, inherited: CdaStyle[]): CdaStyle[] {
  const own = (attr(node, 'styleCode') ?? '')
    .split(/\s+/)
    .map((token) => styleTokens[token.toLowerCase()])
    .filter((s): s is CdaStyle => s !== undefined);
  if (node.localName === 'sub') own.push('indice');
  if (node.localName === 'sup') own.push('exposant');
  if (own.length === 0) return inherited;
  return [...new Set([...inherited, ...own])];
}

function pushText(flow: CdaFlow, text: string, styles: CdaStyle[]): void {
  // Narrative whitespace is collapsed as HTML does; a run of spaces between two runs stays one space.
  const normalised = text.replace(/\s+/g, ' ');
  if (!normalised) return;
  const last = flow[flow.length - 1];
  if (last && last.kind === 'text' && last.styles.join() === styles.join())
    last.text += last.text.endsWith(' ') && normalised.startsWith(' ') ? normalised.slice(1) : normalised;
  else flow.push({ kind: 'text', text: normalised, styles });
}

/** Removes leading/trailing blanks of a flow and blank-only runs next to blocks. */
function trimFlow(flow: CdaFlow): CdaFlow {
  const out = flow.filter((item, i) => {
    if (item.kind !== 'text' || item.text.trim()) return true;
    const prev = flow[i - 1];
    const next = flow[i + 1];
    return !!prev && !!next && (prev.kind === 'text' || prev.kind === 'br') && (next.kind === 'text' || next.kind === 'br');
  });
  const first = out[0];
  if (first?.kind === 'text') first.text = first.text.replace(/^\s+/, '');
  const last = out[out.length - 1];
  if (last?.kind === 'text') last.text = last.text.replace(/\s+$/, '');
  return out.filter((item) => item.kind !== 'text' || item.text !== '');
}

function captionOf(node: XmlNodeLike, budget: Budget): string | null {
  const caption = child(node, 'caption');
  return caption ? collapse(plainText(caption, budget)) || null : null;
}

function span(value: string | null): number {
  const n = value ? Number.parseInt(value, 10) : 1;
  return Number.isFinite(n) && n >= 1 && n <= 1000 ? n : 1;
}

function readRows(section: XmlNodeLike | null, budget: Budget, depth: number): CdaCell[][] {
  if (!section) return [];
  return children(section, 'tr').map((tr) => {
    budget.visit(depth + 1);
    return children(tr)
      .filter((cell) => cell.localName === 'th' || cell.localName === 'td')
      .map((cell) => ({
        header: cell.localName === 'th',
        colSpan: span(attr(cell, 'colspan')),
        rowSpan: span(attr(cell, 'rowspan')),
        content: trimFlow(readFlow(cell, budget, depth + 2, [])),
      }));
  });
}

function readTable(node: XmlNodeLike, budget: Budget, depth: number): CdaBlock {
  const head = readRows(child(node, 'thead'), budget, depth);
  const foot = readRows(child(node, 'tfoot'), budget, depth);
  const body = children(node, 'tbody').flatMap((tbody) => readRows(tbody, budget, depth));
  // Rows directly under <table> are not in the schema, but are read as body rows rather than lost.
  body.push(...readRows(node, budget, depth));
  return { kind: 'table', caption: captionOf(node, budget), head, body, foot };
}

function readFlow(node: XmlNodeLike, budget: Budget, depth: number, styles: CdaStyle[], flow: CdaFlow = []): CdaFlow {
  const list = node.childNodes;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (!c) continue;
    budget.visit(depth);
    if (c.nodeType === TEXT || c.nodeType === CDATA) {
      pushText(flow, budget.take(c.nodeValue ?? ''), styles);
      continue;
    }
    if (c.nodeType !== ELEMENT || c.namespaceURI !== HL7_NS) continue;
    switch (c.localName) {
      case 'br':
        flow.push({ kind: 'br' });
        break;
      case 'paragraph':
        flow.push({ kind: 'paragraph', caption: captionOf(c, budget), content: trimFlow(readFlow(c, budget, depth + 1, styles)) });
        break;
      case 'list':
        flow.push({
          kind: 'list',
          ordered: attr(c, 'listType') === 'ordered',
          caption: captionOf(c, budget),
          items: children(c, 'item').map((item) => trimFlow(readFlow(item, budget, depth + 2, styles))),
        });
        break;
      case 'table':
        flow.push(readTable(c, budget, depth + 1));
        break;
      case 'renderMultiMedia':
        flow.push({ kind: 'media', caption: captionOf(c, budget) });
        break;
      case 'caption':
        // Read by its parent (paragraph, list, table, media).
        break;
      case 'footnote':
        pushText(flow, ` (${collapse(plainText(c, budget, depth + 1))})`, styles);
        break;
      case 'footnoteRef':
      case 'col':
      case 'colgroup':
        break;
      default:
        // content, linkHtml (its text only: never a link), sub, sup, and anything unexpected: the text, with its style.
        readFlow(c, budget, depth + 1, stylesOf(c, styles), flow);
    }
  }
  return flow;
}

/* ---------- sections and body ---------- */

function readSection(node: XmlNodeLike, budget: Budget, depth: number): CdaSection {
  budget.visit(depth);
  const title = collapse(plainText(child(node, 'title'), budget)) || null;
  const text = child(node, 'text');
  const sections = children(node, 'component')
    .map((component) => child(component, 'section'))
    .filter((s): s is XmlNodeLike => s !== null)
    .map((s) => readSection(s, budget, depth + 1));
  return { title, code: codeOf(child(node, 'code')), content: text ? trimFlow(readFlow(text, budget, depth + 1, [])) : [], sections };
}

/** Reads a parsed CDA: pass the document element (`ClinicalDocument`). */
export function readCdaDocument(root: XmlNodeLike): CdaReading {
  if (!isHl7(root, 'ClinicalDocument')) throw new CdaReadError('Ce document n’est pas un CDA (élément racine ClinicalDocument attendu).');
  const budget = new Budget();
  const header = readHeader(root, budget);
  const component = child(root, 'component');
  const structured = child(component, 'structuredBody');
  if (structured) {
    const sections = children(structured, 'component')
      .map((c) => child(c, 'section'))
      .filter((s): s is XmlNodeLike => s !== null)
      .map((s) => readSection(s, budget, 1));
    return { level: 3, header, sections };
  }
  const text = path(component, 'nonXMLBody', 'text');
  if (text) {
    if (attr(text, 'representation') !== 'B64')
      return { level: 0, header, reason: 'Le fichier joint à ce document n’est pas encodé en base64 : il ne peut pas être affiché.' };
    let base64 = '';
    const list = text.childNodes;
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (c && (c.nodeType === TEXT || c.nodeType === CDATA)) base64 += c.nodeValue ?? '';
      if (base64.length > MAX_BASE64_CHARS)
        throw new CdaReadError('Le fichier joint à ce document est trop volumineux pour être affiché (20 Mo au plus).');
    }
    base64 = base64.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
      return { level: 0, header, reason: 'Le fichier joint à ce document est illisible (base64 invalide).' };
    }
    return { level: 1, header, mediaType: attr(text, 'mediaType') ?? 'application/octet-stream', base64 };
  }
  return { level: 0, header, reason: 'Ce document n’a pas de corps lisible (ni sections, ni fichier joint).' };
}

/** Counts the sections of a reading, sub-sections included. */
export function countSections(sections: CdaSection[]): number {
  return sections.reduce((n, s) => n + 1 + countSections(s.sections), 0);
}

/** Decodes base64 to bytes (browser and Node 16+: `atob`). */
export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** True when the bytes start like a PDF file (`%PDF-`). */
export function looksLikePdf(bytes: Uint8Array): boolean {
  return bytes.length > 5 && bytes[0] === 0x25 && bytes[1] === 0x50 && bytes[2] === 0x44 && bytes[3] === 0x46 && bytes[4] === 0x2d;
}
