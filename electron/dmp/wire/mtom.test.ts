import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { buildMtom, parseMediaType, parseMtom, parseSoapMessage, xopInclude } from './mtom.js';

const envelope = (cid: string): string =>
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><Document>${xopInclude(cid)}</Document></s:Body></s:Envelope>`;

function expectMtomError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CabinetError);
    expect((e as CabinetError).message).toMatch(/^Message MTOM invalide/);
    expect((e as CabinetError).message).toMatch(pattern);
    return;
  }
  throw new Error('no error thrown');
}

describe('MTOM codec', () => {
  it('round-trips an envelope with binary attachments (all 256 byte values, CRLF inside)', () => {
    const bin = Buffer.alloc(4096);
    for (let i = 0; i < bin.length; i++) bin[i] = i % 256;
    const other = Buffer.from('\r\n--not-a-boundary\r\n%PDF-1.4');
    const built = buildMtom({
      envelope: `<e>${xopInclude('doc1@cabinet')}${xopInclude('doc 2/é@cabinet'.replace(/[ /é]/g, '_'))}</e>`,
      attachments: [
        { contentId: 'doc1@cabinet', contentType: 'text/xml', body: bin },
        { contentId: 'doc_2__@cabinet', contentType: 'application/pdf', body: other },
      ],
      action: 'urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b',
    });
    expect(built.contentType).toMatch(/^multipart\/related; boundary="MIMEBoundary_[0-9a-f]{36}"; type="application\/xop\+xml"/);
    expect(built.contentType).toContain('action="urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"');
    const parsed = parseMtom(built.contentType, built.body);
    expect(parsed.envelope).toContain('<e><xop:Include');
    expect(parsed.includes).toEqual(['doc1@cabinet', 'doc_2__@cabinet']);
    expect(parsed.parts.get('doc1@cabinet')!.equals(bin)).toBe(true);
    expect(parsed.parts.get('doc_2__@cabinet')!.equals(other)).toBe(true);
    expect(parsed.partTypes.get('doc_2__@cabinet')).toBe('application/pdf');
  });

  it('reads a message from another stack (root not first, LF line ends, percent-encoded cid, base64 part)', () => {
    const body = Buffer.from(
      [
        '--uuid:abc',
        'Content-Type: application/octet-stream',
        'Content-Transfer-Encoding: base64',
        'Content-ID: <1.urn:uuid:x%y@apache.org>',
        '',
        Buffer.from('hello world').toString('base64'),
        '--uuid:abc',
        'Content-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"',
        'Content-ID: <root.message@cxf.apache.org>',
        '',
        `<E xmlns:xop="http://www.w3.org/2004/08/xop/include"><xop:Include href="cid:1.urn%3Auuid%3Ax%25y%40apache.org"/></E>`,
        '--uuid:abc--',
        '',
      ].join('\n'),
    );
    const parsed = parseMtom(
      'Multipart/Related; type="application/xop+xml"; boundary="uuid:abc"; start="<root.message@cxf.apache.org>"; start-info="application/soap+xml"',
      body,
    );
    expect(parsed.parts.get('1.urn:uuid:x%y@apache.org')!.toString()).toBe('hello world');
    expect(parsed.includes).toEqual(['1.urn:uuid:x%y@apache.org']);
  });

  it('refuses a missing or wrong boundary, a truncated message, a missing part, too many parts, too large a body', () => {
    const built = buildMtom({
      envelope: envelope('a@c'),
      attachments: [{ contentId: 'a@c', contentType: 'application/pdf', body: Buffer.from('%PDF-') }],
    });
    expectMtomError(() => parseMtom('multipart/related; type="application/xop+xml"', built.body), /boundary absent/);
    expectMtomError(() => parseMtom('multipart/related; boundary="autre"', built.body), /frontière \(boundary\) annoncée est absente/);
    expectMtomError(() => parseMtom('multipart/related; boundary="unterminated', built.body), /guillemet non fermé/);
    expectMtomError(() => parseMtom(built.contentType, built.body.subarray(0, built.body.length - 20)), /tronqué/);
    expectMtomError(() => parseMtom('application/soap+xml', built.body), /au lieu de multipart\/related/);
    const missing = buildMtom({
      envelope: envelope('b@c'),
      attachments: [{ contentId: 'a@c', contentType: 'application/pdf', body: Buffer.from('x') }],
    });
    expectMtomError(() => parseMtom(missing.contentType, missing.body), /pièce référencée « b@c » est absente/);
    expectMtomError(
      () => parseMtom(built.contentType, built.body, { maxTotalBytes: 100, maxParts: 10 }),
      /au-delà de la limite de 100 octets/,
    );
    const many = buildMtom({
      envelope: '<e/>',
      attachments: Array.from({ length: 5 }, (_, i) => ({ contentId: `p${i}@c`, contentType: 'text/plain', body: Buffer.from('x') })),
    });
    expectMtomError(() => parseMtom(many.contentType, many.body, { maxTotalBytes: 1e6, maxParts: 3 }), /plus de 3 pièces/);
    expectMtomError(
      () => parseMtom(built.contentType.replace(/start="[^"]*"/, 'start="<nope>"'), built.body),
      /pièce racine « nope » absente/,
    );
  });

  it('refuses garbage without crashing', () => {
    const samples = [
      Buffer.alloc(0),
      Buffer.from('--b'),
      Buffer.from('--b\r\n'),
      Buffer.from('--b\r\nno-colon\r\n\r\nx\r\n--b--'),
      Buffer.from('--bXX'),
    ];
    for (const s of samples) {
      expect(() => parseMtom('multipart/related; boundary=b', s)).toThrow(CabinetError);
    }
    // random bytes around a valid delimiter
    for (let i = 0; i < 200; i++) {
      const junk = Buffer.from(Array.from({ length: 64 }, () => Math.floor(Math.random() * 256)));
      const body = Buffer.concat([Buffer.from('--b\r\n'), junk, Buffer.from('\r\n--b--')]);
      try {
        parseMtom('multipart/related; boundary=b', body);
      } catch (e) {
        expect(e).toBeInstanceOf(CabinetError);
      }
    }
  });

  it('refuses duplicate or unsafe Content-IDs when building', () => {
    expect(() =>
      buildMtom({
        envelope: '<e/>',
        attachments: [
          { contentId: 'a@c', contentType: 'x/y', body: Buffer.alloc(1) },
          { contentId: 'a@c', contentType: 'x/y', body: Buffer.alloc(1) },
        ],
      }),
    ).toThrow(/en double/);
    expect(() =>
      buildMtom({ envelope: '<e/>', attachments: [{ contentId: 'a>\r\nX: y', contentType: 'x/y', body: Buffer.alloc(1) }] }),
    ).toThrow(/Content-ID/);
    expect(() =>
      buildMtom({ envelope: '<e/>', attachments: [{ contentId: 'a@c', contentType: 'x/y\r\nX: y', body: Buffer.alloc(1) }] }),
    ).toThrow(/type de contenu/);
  });

  it('parses plain SOAP and MTOM alike with parseSoapMessage', () => {
    const plain = parseSoapMessage('application/soap+xml; charset=utf-8; action="x"', Buffer.from('<e/>'));
    expect(plain.envelope).toBe('<e/>');
    expect(plain.parts.size).toBe(0);
    expect(() => parseSoapMessage('text/html', Buffer.from('<html/>'))).toThrow(/text\/html/);
    expect(() => parseSoapMessage(undefined, Buffer.from('<e/>'))).toThrow(/Content-Type absent/);
    expect(() => parseSoapMessage('application/soap+xml', Buffer.from(envelope('z@c')))).toThrow(/absente/);
  });

  it('parses media type parameters with quoted escapes', () => {
    const m = parseMediaType('multipart/related; boundary="a\\"b"; type=application/xop+xml');
    expect(m.type).toBe('multipart/related');
    expect(m.params.get('boundary')).toBe('a"b');
    expect(m.params.get('type')).toBe('application/xop+xml');
  });
});
