/**
 * Escaping for the XML Cabinet writes to INSi. Every value that is not a
 * constant of this folder goes through {@link xmlText} or {@link xmlAttribute};
 * both refuse what XML 1.0 cannot carry (control characters, lone surrogates,
 * U+FFFE/U+FFFF) instead of writing a document the service would reject.
 */
import { CabinetError } from '../../../shared/contract/outcome.js';

/** True when every character may appear in an XML 1.0 document and none is a control character (tab, CR, LF excepted). */
export function isXmlSafe(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code < 0x20) {
      if (code !== 0x09 && code !== 0x0a && code !== 0x0d) return false;
    } else if (code === 0x7f || code === 0xfffe || code === 0xffff) {
      return false;
    } else if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i += 1;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return false;
    }
  }
  return true;
}

function checked(value: string): string {
  if (!isXmlSafe(value)) throw new CabinetError('INVALID_REQUEST', 'Caractère interdit dans une donnée envoyée à INSi.');
  return value;
}

export function xmlText(value: string): string {
  return checked(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

export function xmlAttribute(value: string): string {
  return xmlText(value).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}
