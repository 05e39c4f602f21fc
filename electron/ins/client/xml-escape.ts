/**
 * Escaping for the XML Cabinet writes to INSi. Every value that is not a
 * constant of this folder goes through {@link xmlText} or {@link xmlAttribute};
 * both refuse what XML 1.0 cannot carry (control characters, lone surrogates,
 * U+FFFE/U+FFFF) instead of writing a document the service would reject.
 */
import { escapeXmlAttr, escapeXmlText, isXmlSafe as xmlCarries } from '../../platform/xml/escape.js';

/** True when XML 1.0 can carry every character and none is DEL (INSi's printable rule, stricter than XML). */
export function isXmlSafe(value: string): boolean {
  return xmlCarries(value) && !value.includes('\u007f');
}

export function xmlText(value: string, field = 'donnée envoyée à INSi'): string {
  return escapeXmlText(value, field);
}

export function xmlAttribute(value: string, field = 'donnée envoyée à INSi'): string {
  return escapeXmlAttr(value, field);
}
