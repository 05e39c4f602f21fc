/**
 * Reading untrusted XML safely: a strict streaming pass first (saxes: no DTD
 * processing, undefined entities are errors) that enforces the limits —
 * size, depth, number of elements and attributes, no DOCTYPE, no processing
 * instruction (SOAP 1.2 forbids both) — then a DOM (@xmldom/xmldom) of a
 * document now known to be small and well-formed.
 */
import { DOMParser, XMLSerializer, type Document, type Element, type Node as XmlNode } from '@xmldom/xmldom';
import { readXml } from '../../electron/platform/xml/bounded.js';
import { escapeXmlAttr, escapeXmlText } from '../../electron/platform/xml/escape.js';

export interface XmlLimits {
  maxBytes: number;
  maxDepth: number;
  maxElements: number;
  maxAttributes: number;
}

/** Time budget of the strict pass (the sizes are small: 1 MiB by default). */
const PRECHECK_BUDGET_MS = 2_000;

export const defaultXmlLimits: XmlLimits = { maxBytes: 1024 * 1024, maxDepth: 48, maxElements: 20_000, maxAttributes: 64 };

export class XmlRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Parses `text` (already decoded, size already checked) into a DOM, or throws {@link XmlRefused} with a French reason. */
export function parseUntrustedXml(text: string, limits: XmlLimits = defaultXmlLimits): Document {
  if (text.length === 0) throw new XmlRefused('message vide');
  let elements = 0;
  readXml(
    text,
    {
      label: 'Message',
      maxBytes: limits.maxBytes,
      maxDepth: limits.maxDepth,
      deadlineMs: PRECHECK_BUDGET_MS,
      noProcessingInstructions: true,
      refuse: (message, reason) =>
        new XmlRefused(
          reason === 'doctype'
            ? 'DTD interdite (DOCTYPE)'
            : reason === 'profondeur'
              ? `imbrication trop profonde (plus de ${limits.maxDepth} niveaux)`
              : reason === 'instruction'
                ? 'instruction de traitement interdite'
                : message,
        ),
    },
    {
      opentag: (tag) => {
        elements += 1;
        if (elements > limits.maxElements) throw new XmlRefused(`trop d’éléments (plus de ${limits.maxElements})`);
        if (Object.keys(tag.attributes).length > limits.maxAttributes)
          throw new XmlRefused(`trop d’attributs sur un élément (plus de ${limits.maxAttributes})`);
      },
    },
    { xmlns: true },
  );

  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(text, 'text/xml');
  } catch (error) {
    throw new XmlRefused(`XML mal formé (${String((error as Error)?.message ?? error).slice(0, 160)})`);
  }
  if (!doc.documentElement) throw new XmlRefused('XML vide');
  return doc;
}

export function elementChildren(parent: Element): Element[] {
  const out: Element[] = [];
  for (let node: XmlNode | null = parent.firstChild; node; node = node.nextSibling) if (node.nodeType === 1) out.push(node as Element);
  return out;
}

/** True when `parent` has character data other than whitespace directly under it. */
export function hasText(parent: Element): boolean {
  for (let node: XmlNode | null = parent.firstChild; node; node = node.nextSibling) {
    if ((node.nodeType === 3 || node.nodeType === 4) && (node.nodeValue ?? '').trim() !== '') return true;
  }
  return false;
}

export function childrenNamed(parent: Element, ns: string, localName: string): Element[] {
  return elementChildren(parent).filter((e) => e.namespaceURI === ns && e.localName === localName);
}

export function childNamed(parent: Element | null | undefined, ns: string, localName: string): Element | null {
  return parent ? (childrenNamed(parent, ns, localName)[0] ?? null) : null;
}

export function textOf(element: Element | null | undefined): string {
  return (element?.textContent ?? '').trim();
}

const serializer = new XMLSerializer();

/** The element as a standalone document (in-scope namespace declarations it uses are added by the serializer). */
export function serialize(element: Element): string {
  return serializer.serializeToString(element);
}

/** Escapes an attribute value (the toolkit's {@link escapeXmlAttr}: what XML 1.0 cannot carry is refused). */
export function escapeXml(text: string, field = 'réponse du bac à sable INSi'): string {
  return escapeXmlAttr(text, field);
}

/** Escapes for element content (quotes and apostrophes kept as they are, as the real service writes them). */
export function escapeText(text: string, field = 'réponse du bac à sable INSi'): string {
  return escapeXmlText(text, field);
}

/** Removes characters XML 1.0 cannot carry (for echoing untrusted text in a fault). */
export function xmlSafe(text: string, max = 300): string {
  const cleaned = text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '?');
  return cleaned.length > max ? `${cleaned.slice(0, max)}…` : cleaned;
}
