/**
 * MTOM/XOP (W3C SOAP 1.2 MTOM, XOP 1.0) over MIME multipart/related: how
 * ITI-41 and ITI-43 carry documents. Pure codec shared by the DMP client and
 * the DMP sandbox.
 *
 * - {@link buildMtom}: a SOAP 1.2 envelope (which already holds
 *   `<xop:Include href="cid:…"/>` elements) + binary attachments → one
 *   `multipart/related; type="application/xop+xml"` body.
 * - {@link parseMtom}: the reverse, strictly bounded (total size, number of
 *   parts, header size), the boundary read from the Content-Type header, every
 *   `xop:Include` checked against the parts present. Any defect is a
 *   `CabinetError` with a French message, never a crash.
 * - {@link parseSoapMessage}: accepts either a plain `application/soap+xml`
 *   body or an MTOM one (answers to ITI-18/57 and SOAP faults are often plain).
 */
import { randomBytes } from 'node:crypto';
import { CabinetError } from '../../../shared/contract/outcome.js';

export const XOP_NS = 'http://www.w3.org/2004/08/xop/include';

export interface MtomAttachment {
  /** Content-ID without angle brackets (e.g. `doc1@cabinet`). */
  contentId: string;
  contentType: string;
  body: Buffer;
}

export interface BuiltMtom {
  /** The HTTP Content-Type header value. */
  contentType: string;
  body: Buffer;
}

export interface MtomLimits {
  /** Maximum size of the whole HTTP body, bytes. */
  maxTotalBytes: number;
  /** Maximum number of MIME parts (root included). */
  maxParts: number;
  /** Maximum size of one part's header block, bytes. */
  maxHeaderBytes?: number;
}

export const defaultMtomLimits: MtomLimits = {
  maxTotalBytes: 64 * 1024 * 1024,
  maxParts: 64,
  maxHeaderBytes: 8 * 1024,
};

export interface ParsedMtom {
  /** The root part (the SOAP envelope), as UTF-8 text, `xop:Include` left in place. */
  envelope: string;
  /** Attachments by Content-ID (no angle brackets, percent-decoded). */
  parts: Map<string, Buffer>;
  /** Attachment content types by Content-ID. */
  partTypes: Map<string, string>;
  /** Content-IDs referenced by `xop:Include` in the envelope, in document order. */
  includes: string[];
}

const ROOT_ID = 'root.message@cabinet';
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function mtomError(message: string): CabinetError {
  return new CabinetError('INVALID_REQUEST', `Message MTOM invalide : ${message}`);
}

/** The `href` value for a Content-ID (RFC 2392: `cid:` + URL-encoded id). */
export function cidHref(contentId: string): string {
  return `cid:${encodeURIComponent(contentId).replace(/%40/g, '@')}`;
}

/** An `xop:Include` element pointing at an attachment. */
export function xopInclude(contentId: string): string {
  return `<xop:Include xmlns:xop="${XOP_NS}" href="${cidHref(contentId)}"/>`;
}

function checkContentId(id: string): void {
  if (id.length === 0 || id.length > 256 || /[\s<>"\\]/.test(id) || /[^\x21-\x7e]/.test(id)) {
    throw mtomError(`identifiant de pièce (Content-ID) incorrect « ${id.slice(0, 80)} ».`);
  }
}

function checkContentType(value: string): void {
  if (value.length === 0 || value.length > 256 || /[\r\n]/.test(value)) {
    throw mtomError('type de contenu de pièce incorrect.');
  }
}

/**
 * Builds an MTOM message. `action` (optional) is repeated in the Content-Type
 * `start-info`/`action` parameters as SOAP 1.2 over HTTP expects.
 */
export function buildMtom(input: { envelope: string; attachments: MtomAttachment[]; action?: string }): BuiltMtom {
  const boundary = `MIMEBoundary_${randomBytes(18).toString('hex')}`;
  const seen = new Set<string>([ROOT_ID]);
  for (const a of input.attachments) {
    checkContentId(a.contentId);
    checkContentType(a.contentType);
    if (seen.has(a.contentId)) throw mtomError(`identifiant de pièce en double « ${a.contentId} ».`);
    seen.add(a.contentId);
  }
  if (input.action !== undefined && /["\r\n]/.test(input.action)) throw mtomError('action SOAP incorrecte.');
  const chunks: Buffer[] = [];
  chunks.push(
    Buffer.from(
      `--${boundary}\r\n` +
        `Content-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\n` +
        'Content-Transfer-Encoding: 8bit\r\n' +
        `Content-ID: <${ROOT_ID}>\r\n\r\n`,
      'latin1',
    ),
  );
  chunks.push(Buffer.from(input.envelope, 'utf8'));
  for (const a of input.attachments) {
    chunks.push(
      Buffer.from(
        `\r\n--${boundary}\r\n` +
          `Content-Type: ${a.contentType}\r\n` +
          'Content-Transfer-Encoding: binary\r\n' +
          `Content-ID: <${a.contentId}>\r\n\r\n`,
        'latin1',
      ),
    );
    chunks.push(a.body);
  }
  chunks.push(Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1'));
  const actionParam = input.action ? `; action="${input.action}"` : '';
  const contentType =
    `multipart/related; boundary="${boundary}"; type="application/xop+xml"; ` +
    `start="<${ROOT_ID}>"; start-info="application/soap+xml"${actionParam}`;
  return { contentType, body: Buffer.concat(chunks) };
}

/** A parsed media type: lower-cased `type/subtype` and its parameters (names lower-cased). */
export interface MediaType {
  type: string;
  params: Map<string, string>;
}

/** RFC 7231 media type parsing (quoted strings with escapes). */
export function parseMediaType(header: string): MediaType {
  if (header.length > 4096) throw mtomError('en-tête Content-Type trop long.');
  const semi = header.indexOf(';');
  const type = (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type)) throw mtomError(`type de contenu « ${type.slice(0, 60)} » incorrect.`);
  const params = new Map<string, string>();
  let i = semi < 0 ? header.length : semi + 1;
  while (i < header.length) {
    while (i < header.length && (header[i] === ' ' || header[i] === '\t' || header[i] === ';')) i++;
    if (i >= header.length) break;
    const eq = header.indexOf('=', i);
    if (eq < 0) throw mtomError('paramètre de Content-Type sans valeur.');
    const name = header.slice(i, eq).trim().toLowerCase();
    if (!TOKEN.test(name)) throw mtomError('nom de paramètre de Content-Type incorrect.');
    i = eq + 1;
    let value = '';
    if (header[i] === '"') {
      i++;
      let closed = false;
      while (i < header.length) {
        const c = header[i]!;
        if (c === '\\' && i + 1 < header.length) {
          value += header[i + 1];
          i += 2;
          continue;
        }
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        value += c;
        i++;
      }
      if (!closed) throw mtomError('guillemet non fermé dans le Content-Type.');
    } else {
      const end = header.indexOf(';', i);
      value = (end < 0 ? header.slice(i) : header.slice(i, end)).trim();
      i = end < 0 ? header.length : end;
    }
    params.set(name, value);
  }
  return { type, params };
}

function stripAngles(id: string): string {
  const t = id.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1).trim() : t;
}

function decodeCid(href: string): string {
  if (!/^cid:/i.test(href)) throw mtomError(`référence xop:Include « ${href.slice(0, 80)} » qui n’est pas un cid:.`);
  try {
    return decodeURIComponent(href.slice(4));
  } catch {
    throw mtomError(`référence xop:Include « ${href.slice(0, 80)} » mal encodée.`);
  }
}

const INCLUDE_RE = /<([A-Za-z_][\w.-]*:)?Include\b([^>]*)>/g;
const HREF_RE = /\bhref\s*=\s*("([^"]*)"|'([^']*)')/;

/** Content-IDs of the `xop:Include` elements of an envelope (XOP namespace checked by prefix declaration). */
export function findIncludes(envelope: string): string[] {
  const out: string[] = [];
  if (!envelope.includes(XOP_NS)) return out;
  for (const m of envelope.matchAll(INCLUDE_RE)) {
    const attrs = m[2] ?? '';
    const href = HREF_RE.exec(attrs);
    if (!href) throw mtomError('élément xop:Include sans attribut href.');
    out.push(decodeCid(href[2] ?? href[3] ?? ''));
  }
  return out;
}

interface RawPart {
  headers: Map<string, string>;
  body: Buffer;
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  const lines = block.split(/\r?\n/);
  let last = '';
  for (const line of lines) {
    if (line === '') continue;
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      headers.set(last, `${headers.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw mtomError('en-tête de pièce mal formé.');
    last = line.slice(0, colon).trim().toLowerCase();
    headers.set(last, line.slice(colon + 1).trim());
  }
  return headers;
}

function splitParts(body: Buffer, boundary: string, limits: MtomLimits): RawPart[] {
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  const maxHeader = limits.maxHeaderBytes ?? 8 * 1024;
  let pos = body.indexOf(delim);
  if (pos < 0) throw mtomError('la frontière (boundary) annoncée est absente du corps.');
  const parts: RawPart[] = [];
  for (;;) {
    let cursor = pos + delim.length;
    // Closing delimiter?
    if (body[cursor] === 0x2d && body[cursor + 1] === 0x2d) return parts;
    // Transport padding then CRLF.
    while (body[cursor] === 0x20 || body[cursor] === 0x09) cursor++;
    if (body[cursor] === 0x0d && body[cursor + 1] === 0x0a) cursor += 2;
    else if (body[cursor] === 0x0a) cursor += 1;
    else throw mtomError('frontière (boundary) mal terminée.');
    if (parts.length >= limits.maxParts) throw mtomError(`plus de ${limits.maxParts} pièces.`);
    let headerEnd = body.indexOf('\r\n\r\n', cursor, 'latin1');
    let sepLen = 4;
    const lfEnd = body.indexOf('\n\n', cursor, 'latin1');
    if (headerEnd < 0 || (lfEnd >= 0 && lfEnd < headerEnd)) {
      headerEnd = lfEnd;
      sepLen = 2;
    }
    if (headerEnd < 0 || headerEnd - cursor > maxHeader) throw mtomError('en-têtes de pièce absents ou trop longs.');
    const headers = parseHeaders(body.subarray(cursor, headerEnd).toString('latin1'));
    const start = headerEnd + sepLen;
    const next = body.indexOf(delim, start);
    if (next < 0) throw mtomError('message tronqué : frontière finale absente.');
    let end = next;
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    if (end < start) end = start;
    parts.push({ headers, body: body.subarray(start, end) });
    pos = next;
  }
}

function decodeTransfer(part: RawPart): Buffer {
  const cte = (part.headers.get('content-transfer-encoding') ?? 'binary').toLowerCase();
  if (cte === 'binary' || cte === '8bit' || cte === '7bit') return part.body;
  if (cte === 'base64') return Buffer.from(part.body.toString('latin1').replace(/\s+/g, ''), 'base64');
  throw mtomError(`encodage de transfert « ${cte.slice(0, 40)} » non pris en charge.`);
}

/**
 * Parses an MTOM message. Requires `multipart/related` with a boundary; the
 * root is the part named by `start` (else the first), of type
 * `application/xop+xml`. Every `xop:Include` of the envelope must name a part.
 */
export function parseMtom(contentTypeHeader: string, body: Buffer, limits: MtomLimits = defaultMtomLimits): ParsedMtom {
  if (body.length > limits.maxTotalBytes) {
    throw mtomError(`taille ${body.length} octets au-delà de la limite de ${limits.maxTotalBytes} octets.`);
  }
  const media = parseMediaType(contentTypeHeader);
  if (media.type !== 'multipart/related') throw mtomError(`type « ${media.type} » au lieu de multipart/related.`);
  const boundary = media.params.get('boundary');
  if (!boundary) throw mtomError('paramètre boundary absent du Content-Type.');
  if (boundary.length > 70 || /[\r\n]/.test(boundary)) throw mtomError('paramètre boundary incorrect.');
  const rawParts = splitParts(body, boundary, limits);
  if (rawParts.length === 0) throw mtomError('aucune pièce.');
  const start = media.params.get('start');
  const ids = rawParts.map((p) => {
    const cid = p.headers.get('content-id');
    return cid === undefined ? null : stripAngles(cid);
  });
  let rootIndex = 0;
  if (start) {
    rootIndex = ids.indexOf(stripAngles(start));
    if (rootIndex < 0) throw mtomError(`pièce racine « ${stripAngles(start).slice(0, 80)} » absente.`);
  }
  const root = rawParts[rootIndex]!;
  const rootType = parseMediaType(root.headers.get('content-type') ?? 'text/plain');
  if (rootType.type !== 'application/xop+xml' && rootType.type !== 'application/soap+xml' && rootType.type !== 'text/xml') {
    throw mtomError(`pièce racine de type « ${rootType.type} » au lieu de application/xop+xml.`);
  }
  const charset = (rootType.params.get('charset') ?? 'utf-8').toLowerCase();
  if (charset !== 'utf-8' && charset !== 'utf8') throw mtomError(`jeu de caractères « ${charset} » non pris en charge.`);
  const envelope = decodeTransfer(root).toString('utf8');
  const parts = new Map<string, Buffer>();
  const partTypes = new Map<string, string>();
  rawParts.forEach((p, i) => {
    if (i === rootIndex) return;
    const id = ids[i];
    if (!id) throw mtomError('pièce sans Content-ID.');
    if (parts.has(id)) throw mtomError(`Content-ID en double « ${id.slice(0, 80)} ».`);
    parts.set(id, decodeTransfer(p));
    partTypes.set(id, p.headers.get('content-type') ?? 'application/octet-stream');
  });
  const includes = findIncludes(envelope);
  for (const id of includes) {
    if (!parts.has(id)) throw mtomError(`la pièce référencée « ${id.slice(0, 80)} » est absente.`);
  }
  return { envelope, parts, partTypes, includes };
}

/**
 * A SOAP answer or request as received over HTTP: plain SOAP 1.2
 * (`application/soap+xml`, also `text/xml` for lenient peers) or MTOM.
 */
export function parseSoapMessage(contentTypeHeader: string | undefined, body: Buffer, limits: MtomLimits = defaultMtomLimits): ParsedMtom {
  if (!contentTypeHeader) throw mtomError('en-tête Content-Type absent.');
  if (body.length > limits.maxTotalBytes) {
    throw mtomError(`taille ${body.length} octets au-delà de la limite de ${limits.maxTotalBytes} octets.`);
  }
  const media = parseMediaType(contentTypeHeader);
  if (media.type === 'multipart/related') return parseMtom(contentTypeHeader, body, limits);
  if (media.type !== 'application/soap+xml' && media.type !== 'text/xml') {
    throw mtomError(`type « ${media.type} » inattendu pour un message SOAP.`);
  }
  const envelope = body.toString('utf8');
  const includes = findIncludes(envelope);
  if (includes.length > 0) throw mtomError(`la pièce référencée « ${includes[0]!.slice(0, 80)} » est absente.`);
  return { envelope, parts: new Map(), partTypes: new Map(), includes };
}
