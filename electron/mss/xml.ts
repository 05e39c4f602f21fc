/**
 * A small, bounded XML reader for untrusted MSSanté content (XDM
 * METADATA.XML, CDA headers). Any DOCTYPE/ENTITY refused (saxes expands no
 * entity and refuses undeclared ones); size, depth, element count, text size
 * and time bounded. Elements and attributes are matched by local name.
 *
 * Undeclared namespace prefixes (the ANS XDM sample writes
 * `<ns3:SubmitObjectsRequest>` without declaring `ns3`): a namespace-aware
 * parse is tried first; when it fails only because of an unbound prefix, the
 * document is read again without namespace processing and the result says
 * so (`prefixesNonDeclares`), so callers can warn. Every failure is a
 * {@link CabinetError} INVALID_REQUEST with a French message.
 */
import { CabinetError } from '../../shared/contract/outcome.js';
import { readXml, type XmlRefusalReason } from '../platform/xml/bounded.js';
import { escapeXmlAttr } from '../platform/xml/escape.js';

export interface XmlElement {
  /** Namespace URI ('' when none or when prefixes were not processed). */
  uri: string;
  local: string;
  /** Attributes by local name (`xml:lang` → `lang`). */
  attributes: Map<string, string>;
  children: XmlElement[];
  text: string;
}

export interface XmlLimits {
  maxBytes: number;
  maxDepth: number;
  maxElements: number;
  maxTextChars: number;
  timeBudgetMs: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxBytes: 8 * 1024 * 1024,
  maxDepth: 64,
  maxElements: 100_000,
  maxTextChars: 16 * 1024 * 1024,
  timeBudgetMs: 2_000,
};

export interface ParsedXml {
  root: XmlElement;
  /** True when the document used namespace prefixes it never declared (read by local name). */
  prefixesNonDeclares: boolean;
}

const bad = (what: string, reason: string, details?: unknown) =>
  new CabinetError('INVALID_REQUEST', `${what} illisible : ${reason}.`, details);

/** Decodes bytes as UTF-8 (BOM allowed) or the declared ISO-8859-1. */
export function decodeXml(bytes: Uint8Array, what: string, maxBytes: number): string {
  if (bytes.length > maxBytes)
    throw new CabinetError('INVALID_REQUEST', `${what} trop volumineux (plus de ${Math.round(maxBytes / 1024)} Kio).`, {
      reason: 'taille',
    });
  if (bytes.length === 0) throw bad(what, 'fichier vide', { reason: 'vide' });
  let view = bytes;
  if (view[0] === 0xef && view[1] === 0xbb && view[2] === 0xbf) view = view.subarray(3);
  const head = Buffer.from(view.subarray(0, 200)).toString('latin1');
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1]?.toLowerCase();
  if (declared === undefined || declared === 'utf-8' || declared === 'utf8') {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(view);
    } catch {
      throw bad(what, 'encodage UTF-8 invalide', { reason: 'encodage' });
    }
  }
  if (declared === 'iso-8859-1' || declared === 'latin1' || declared === 'iso-8859-15') return Buffer.from(view).toString('latin1');
  throw bad(what, `encodage « ${declared} » non pris en charge`, { reason: 'encodage' });
}

function localOf(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
}

function parseOnce(text: string, what: string, limits: XmlLimits, xmlns: boolean): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let count = 0;
  let textChars = 0;
  const refuse = (message: string, reason: XmlRefusalReason) =>
    reason === 'mal-forme'
      ? bad(what, 'XML mal formé', { reason: 'syntaxe', detail: message.slice(0, 200) })
      : reason === 'doctype'
        ? new CabinetError('INVALID_REQUEST', `${what} refusé : déclaration DOCTYPE interdite.`, { reason: 'doctype' })
        : reason === 'delai'
          ? new CabinetError('INVALID_REQUEST', `${what} trop long à analyser : abandon.`, { reason: 'delai' })
          : reason === 'profondeur'
            ? new CabinetError('INVALID_REQUEST', `${what} refusé : imbrication de plus de ${limits.maxDepth} niveaux.`, {
                reason: 'profondeur',
              })
            : bad(what, message, { reason });
  const onText = (t: string) => {
    const current = stack[stack.length - 1];
    if (!current) return;
    textChars += t.length;
    if (textChars > limits.maxTextChars)
      throw new CabinetError('INVALID_REQUEST', `${what} refusé : texte trop volumineux.`, { reason: 'texte' });
    current.text += t;
  };
  readXml(
    text,
    { label: what, maxBytes: limits.maxBytes, maxDepth: limits.maxDepth, deadlineMs: limits.timeBudgetMs, refuse },
    {
      opentag: (tag) => {
        count += 1;
        if (count > limits.maxElements)
          throw new CabinetError('INVALID_REQUEST', `${what} refusé : plus de ${limits.maxElements} éléments.`, { reason: 'elements' });
        const attributes = new Map<string, string>();
        for (const [name, attr] of Object.entries(tag.attributes as Record<string, string | { value: string; local: string }>)) {
          const value = typeof attr === 'string' ? attr : attr.value;
          const local = typeof attr === 'string' ? localOf(name) : attr.local || localOf(name);
          if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
          if (!attributes.has(local)) attributes.set(local, value);
        }
        const element: XmlElement = {
          uri: xmlns ? ((tag as { uri?: string }).uri ?? '') : '',
          local: xmlns ? ((tag as { local?: string }).local ?? localOf(tag.name)) : localOf(tag.name),
          attributes,
          children: [],
          text: '',
        };
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(element);
        else if (root === null) root = element;
        stack.push(element);
      },
      text: onText,
      cdata: onText,
      closetag: () => {
        stack.pop();
      },
    },
    { xmlns },
  );
  if (root === null) throw bad(what, 'aucun élément racine', { reason: 'vide' });
  return root;
}

/**
 * Parses untrusted XML (bytes or text). `what` names the document in
 * messages (« METADATA.XML », « Document CDA »).
 */
export function parseXml(input: Uint8Array | string, what: string, limits: Partial<XmlLimits> = {}): ParsedXml {
  const l: XmlLimits = { ...DEFAULT_XML_LIMITS, ...limits };
  let text: string;
  if (typeof input === 'string') {
    if (Buffer.byteLength(input, 'utf8') > l.maxBytes)
      throw new CabinetError('INVALID_REQUEST', `${what} trop volumineux (plus de ${Math.round(l.maxBytes / 1024)} Kio).`, {
        reason: 'taille',
      });
    text = input.replace(/^\uFEFF/, '');
  } else {
    text = decodeXml(input, what, l.maxBytes);
  }
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text))
    throw new CabinetError('INVALID_REQUEST', `${what} refusé : déclaration DOCTYPE ou ENTITY interdite.`, { reason: 'doctype' });
  try {
    return { root: parseOnce(text, what, l, true), prefixesNonDeclares: false };
  } catch (error) {
    const details = error instanceof CabinetError ? (error.details as { reason?: string; detail?: string } | undefined) : undefined;
    if (details?.reason === 'syntaxe' && /unbound namespace prefix/i.test(details.detail ?? ''))
      return { root: parseOnce(text, what, l, false), prefixesNonDeclares: true };
    throw error;
  }
}

// ---------------------------------------------------------------------------
// Navigation helpers (by local name; namespaces are not compared so that a
// prefix-less reading behaves the same)

export function child(element: XmlElement | undefined, local: string): XmlElement | undefined {
  return element?.children.find((c) => c.local === local);
}

export function children(element: XmlElement | undefined, local: string): XmlElement[] {
  return element ? element.children.filter((c) => c.local === local) : [];
}

/** Follows a path of local names, taking the first match at each step. */
export function path(element: XmlElement | undefined, ...locals: string[]): XmlElement | undefined {
  let current = element;
  for (const l of locals) current = child(current, l);
  return current;
}

/** Every descendant (depth-first) with this local name. */
export function descendants(element: XmlElement, local: string, out: XmlElement[] = []): XmlElement[] {
  for (const c of element.children) {
    if (c.local === local) out.push(c);
    descendants(c, local, out);
  }
  return out;
}

export function attr(element: XmlElement | undefined, name: string): string | undefined {
  return element?.attributes.get(name);
}

/**
 * Escapes text for element content and attribute values (the toolkit's
 * {@link escapeXmlAttr}): a character XML 1.0 cannot carry is refused, naming `field`.
 */
export function escapeXml(value: string, field = 'métadonnée MSSanté'): string {
  return escapeXmlAttr(value, field);
}
