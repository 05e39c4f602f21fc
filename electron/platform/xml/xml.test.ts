import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { BoundedXmlReader, precheckXml, readXml, type XmlReadLimits } from './bounded.js';
import { checkXmlChars, decodeXmlEntities, escapeXmlAttr, escapeXmlText, isXmlSafe } from './escape.js';

function refusal(run: () => unknown): CabinetError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CabinetError);
    return error as CabinetError;
  }
  throw new Error('aucun refus');
}

describe('escaping: one rule, refusing what XML 1.0 cannot carry', () => {
  it('escapes markup in text and attributes', () => {
    expect(escapeXmlText(`a<b>&"'\r`, 'nom')).toBe(`a&lt;b&gt;&amp;"'&#13;`);
    expect(escapeXmlAttr(`a<b>&"'\t\n\r`, 'nom')).toBe('a&lt;b&gt;&amp;&quot;&apos;&#9;&#10;&#13;');
    expect(escapeXmlText('Éloïse 😀 \u00A0', 'prénom')).toBe('Éloïse 😀 \u00A0');
  });

  it('refuses C0 controls, U+FFFE/U+FFFF and lone surrogates, naming the field in French', () => {
    for (const [bad, code] of [
      ['a\u0000', 'U+0000'],
      ['\u0007', 'U+0007'],
      ['\u001b[0m', 'U+001B'],
      ['x\uFFFE', 'U+FFFE'],
      ['\uFFFF', 'U+FFFF'],
      ['\uD800', 'U+D800'],
      ['a\uDC00b', 'U+DC00'],
    ] as const) {
      const error = refusal(() => escapeXmlText(bad, 'nom de naissance'));
      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.message).toBe(`Caractère interdit (${code}) dans « nom de naissance » : XML ne peut pas l’écrire.`);
      expect(error.details).toMatchObject({ field: 'nom de naissance', codePoint: code });
      expect(() => escapeXmlAttr(bad, 'titre')).toThrow(/« titre »/);
      expect(isXmlSafe(bad)).toBe(false);
    }
    expect(isXmlSafe('\t\n\r\u007f\u0085 ok')).toBe(true);
    expect(checkXmlChars('\uD83D\uDE00', 'x')).toBe('\uD83D\uDE00');
  });

  it('decodes the predefined entities and character references, refuses the rest', () => {
    expect(decodeXmlEntities('a&lt;b&gt;&amp;&quot;&apos;&#233;&#xE9;&#x1F600;')).toBe(`a<b>&"'éé😀`);
    expect(decodeXmlEntities('rien')).toBe('rien');
    expect(() => decodeXmlEntities('&nbsp;', 'motif')).toThrow(/Entité XML inconnue \(&nbsp;\) dans le champ « motif »/);
    expect(() => decodeXmlEntities('a & b', 'motif')).toThrow(/mal formée/);
    expect(() => decodeXmlEntities('&#0;', 'motif')).toThrow(/Caractère interdit \(U\+0000\)/);
    expect(() => decodeXmlEntities('&#xD800;', 'motif')).toThrow(/Caractère interdit/);
  });
});

describe('the bounded reader', () => {
  const limits: XmlReadLimits = { label: 'Document de test', maxBytes: 1024 * 1024, maxDepth: 8, deadlineMs: 10_000 };

  it('reads within the limits and hands events to the handlers, with the depth', () => {
    const seen: string[] = [];
    const reader = new BoundedXmlReader(
      limits,
      { opentag: (tag) => seen.push(`${tag.local}@${reader.depth}`), text: (t) => seen.push(t) },
      { xmlns: true },
    );
    reader.write('<a xmlns="urn:x"><b>t</b>').write(Buffer.from('<c/></a>'));
    reader.close();
    expect(seen).toEqual(['a@1', 'b@2', 't', 'c@2']);
  });

  it('refuses depth on the opening tag, size before reading, DOCTYPE, bad UTF-8 and malformed XML — typed, in French', () => {
    const deep = `${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`;
    expect(refusal(() => readXml(deep, limits, {})).message).toBe('Document de test illisible : imbrication de plus de 8 niveaux.');
    expect(refusal(() => readXml('<a/>'.padEnd(limits.maxBytes + 1, ' '), limits, {})).details).toEqual({ reason: 'taille' });
    expect(refusal(() => readXml('<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', limits, {})).message).toMatch(/DTD interdite/);
    expect(refusal(() => readXml(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e]), limits, {})).details).toEqual({
      reason: 'encodage',
    });
    expect(refusal(() => readXml('<a><b></a>', limits, {})).details).toEqual({ reason: 'mal-forme' });
    expect(refusal(() => readXml('<a/><b/>', limits, {})).details).toEqual({ reason: 'mal-forme' });
    expect(refusal(() => readXml('<?x y?><a/>', { ...limits, noProcessingInstructions: true }, {})).details).toEqual({
      reason: 'instruction',
    });
    const attributes = (n: number) => `<a ${Array.from({ length: n }, (_, i) => `x${i}="1"`).join(' ')}/>`;
    expect(() => readXml(attributes(256), limits, {})).not.toThrow();
    expect(refusal(() => readXml(attributes(400_000), { ...limits, maxBytes: 8 * 1024 * 1024 }, {}, { xmlns: true })).message).toBe(
      'Document de test illisible : plus de 256 attributs sur un élément.',
    );
  });

  it('checks its time budget while reading, not only when a tag closes', () => {
    // One open element, 2 MB of flat children: no deep closing to wait for.
    const wide = `<a>${'<b/>'.repeat(500_000)}</a>`;
    const error = refusal(() => readXml(wide, { ...limits, maxBytes: 4 * 1024 * 1024, deadlineMs: 0.001 }, {}));
    expect(error.details).toEqual({ reason: 'delai' });
    expect(error.message).toMatch(/lecture trop longue/);
  });

  it('a custom refusal keeps the reader’s own error code; handler errors go through unchanged', () => {
    const refuse = (message: string) => new CabinetError('CHECK_FAILED', `CDA : ${message}`);
    expect(refusal(() => readXml('<a><a><a>', { ...limits, maxDepth: 2, refuse }, {})).code).toBe('CHECK_FAILED');
    const mine = new CabinetError('NOT_FOUND', 'arrêt');
    expect(
      refusal(() =>
        readXml('<a/>', limits, {
          opentag: () => {
            throw mine;
          },
        }),
      ),
    ).toBe(mine);
  });

  it('stop() ends the read quietly (a header reader need not read the body)', () => {
    let tags = 0;
    const reader = new BoundedXmlReader(limits, { opentag: () => ++tags === 2 && reader.stop() });
    reader.write('<a><b/><c/><unclosed>');
    reader.close();
    expect(tags).toBe(2);
  });

  it('precheckXml refuses what the DOM parser must not see', () => {
    expect(() => precheckXml('<a xmlns="urn:x"><b/></a>', limits)).not.toThrow();
    expect(() => precheckXml(`${'<a>'.repeat(9)}${'</a>'.repeat(9)}`, limits)).toThrow(/imbrication/);
    expect(() => precheckXml('<!DOCTYPE a><a/>', limits)).toThrow(/DTD/);
  });
});
