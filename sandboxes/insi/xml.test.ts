import { describe, expect, it } from 'vitest';
import { XmlRefused, parseUntrustedXml } from './xml.js';

function refused(text: string): string {
  try {
    parseUntrustedXml(text, { maxBytes: 1 << 20, maxDepth: 10, maxElements: 100, maxAttributes: 5 });
  } catch (error) {
    if (error instanceof XmlRefused) return error.reason;
    throw error;
  }
  throw new Error('accepté à tort');
}

describe('lecture d’un XML non fiable', () => {
  it('lit un document correct, espaces de noms compris', () => {
    const doc = parseUntrustedXml('<?xml version="1.0"?><a:x xmlns:a="urn:a"><a:y>1</a:y></a:x>');
    expect(doc.documentElement?.namespaceURI).toBe('urn:a');
  });

  it('refuse DTD et entités (milliard de rires, entité externe), instructions de traitement', () => {
    expect(refused('<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>')).toMatch(/DTD/);
    expect(refused('<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>')).toMatch(/DTD/);
    expect(refused('<x>&inconnue;</x>')).toMatch(/mal formé/);
    expect(refused('<x><?php echo 1 ?></x>')).toMatch(/instruction/);
  });

  it('refuse le XML mal formé, vide, à plusieurs racines', () => {
    for (const text of ['', 'pas du xml', '<x>', '<x></y>', '<x/><y/>', '<x a="1" a="2"/>', '<p:x/>', '\u0000'])
      expect(refused(text)).toBeTruthy();
  });

  it('borne la profondeur, le nombre d’éléments et d’attributs', () => {
    expect(refused(`${'<a>'.repeat(11)}${'</a>'.repeat(11)}`)).toMatch(/profonde/);
    expect(refused(`<r>${'<a/>'.repeat(100)}</r>`)).toMatch(/éléments/);
    expect(refused('<a b="1" c="1" d="1" e="1" f="1" g="1"/>')).toMatch(/attributs/);
  });
});
