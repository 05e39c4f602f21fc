/**
 * The one XML escaper of Cabinet. What XML 1.0 cannot carry — C0 control
 * characters other than tab, LF and CR, U+FFFE, U+FFFF, lone surrogates — is
 * refused, never stripped nor passed on: a `CabinetError` INVALID_REQUEST
 * whose French message names the field (`details.field`, `details.position`).
 */
import { CabinetError } from '../../../shared/contract/outcome.js';

/** Index of the first character XML 1.0 cannot carry, or -1. */
export function firstForbiddenXmlChar(value: string): number {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code < 0x20) {
      if (code !== 0x09 && code !== 0x0a && code !== 0x0d) return i;
    } else if (code === 0xfffe || code === 0xffff) {
      return i;
    } else if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return i;
      i += 1;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return i;
    }
  }
  return -1;
}

/** True when every character of `value` may appear in an XML 1.0 document. */
export function isXmlSafe(value: string): boolean {
  return firstForbiddenXmlChar(value) < 0;
}

/** Refuses `value` when XML 1.0 cannot carry it; `field` names it in the French message. */
export function checkXmlChars(value: string, field: string): string {
  const at = firstForbiddenXmlChar(value);
  if (at >= 0) {
    const code = value.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0');
    throw new CabinetError('INVALID_REQUEST', `Caractère interdit (U+${code}) dans « ${field} » : XML ne peut pas l’écrire.`, {
      field,
      position: at,
      codePoint: `U+${code}`,
    });
  }
  return value;
}

const TEXT = /[&<>\r]/g;
const TEXT_REPLACEMENTS: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const ATTR = /[&<>"'\t\n\r]/g;
const ATTR_REPLACEMENTS: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** Escapes element content (`&`, `<`, `>`, and CR so that it survives end-of-line normalisation). */
export function escapeXmlText(value: string, field: string): string {
  return checkXmlChars(value, field).replace(TEXT, (c) => TEXT_REPLACEMENTS[c]!);
}

/** Escapes an attribute value, quoted with `"` or `'` (tab, LF, CR kept through attribute normalisation). */
export function escapeXmlAttr(value: string, field: string): string {
  return checkXmlChars(value, field).replace(ATTR, (c) => ATTR_REPLACEMENTS[c]!);
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Decodes the five predefined entities and character references. An unknown
 * entity or a reference to a character XML 1.0 cannot carry is refused.
 */
export function decodeXmlEntities(value: string, field = 'texte XML'): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|[A-Za-z]{2,4});|&/g, (match, ref: string | undefined) => {
    if (ref === undefined) throw new CabinetError('INVALID_REQUEST', `Entité XML mal formée dans le champ « ${field} ».`, { field });
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      const char = code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '\u0000';
      return checkXmlChars(char, field);
    }
    const named = NAMED[ref];
    if (named === undefined)
      throw new CabinetError('INVALID_REQUEST', `Entité XML inconnue (${match}) dans le champ « ${field} ».`, { field });
    return named;
  });
}
