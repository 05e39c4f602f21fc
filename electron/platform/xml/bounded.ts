/**
 * The one bounded XML reader of Cabinet: saxes behind limits that hold while
 * reading — size (bytes), depth (checked on every opening tag), time
 * (checked every {@link CHUNK_CHARS} characters written and every
 * {@link EVENTS_PER_CHECK} events) — and no DOCTYPE (so no entity can be
 * declared; saxes expands none). Handlers are the caller's; the reader owns
 * the parser's `doctype`, `error`, `attribute` and depth accounting. The
 * attributes of one element are bounded too ({@link MAX_ATTRIBUTES}).
 *
 * Every refusal is the error built by `limits.refuse(message, reason)` (default a `CabinetError`:
 * INVALID_REQUEST « <label> illisible : <reason>. ») with `details.reason`
 * one of `taille`, `profondeur`, `attributs`, `delai`, `doctype`, `mal-forme`,
 * `encodage`, `instruction`.
 * An error thrown by a handler goes through unchanged.
 *
 * DOM readers (@xmldom/xmldom) first call {@link precheckXml}: the same
 * limits, then the DOM parse of a document known to be small, shallow and
 * without DTD.
 */
import {
  SaxesParser,
  type CDataHandler,
  type CloseTagHandler,
  type OpenTagHandler,
  type PIHandler,
  type SaxesOptions,
  type TextHandler,
} from 'saxes';
import { CabinetError } from '../../../shared/contract/outcome.js';

export type XmlRefusalReason = 'taille' | 'profondeur' | 'attributs' | 'delai' | 'doctype' | 'mal-forme' | 'encodage' | 'instruction';

export interface XmlReadLimits {
  /** Names the document in French messages (« Réponse du DMP », « Document CDA »). */
  label: string;
  maxBytes: number;
  maxDepth: number;
  /** Time budget of the whole read, in milliseconds. */
  deadlineMs: number;
  /** Attributes (namespace declarations included) on one element; default {@link MAX_ATTRIBUTES}. */
  maxAttributes?: number;
  /** Refuse processing instructions (SOAP 1.2 forbids them). */
  noProcessingInstructions?: boolean;
  /** Builds the refusal; default INVALID_REQUEST « <label> illisible : <message>. ». */
  refuse?: (message: string, reason: XmlRefusalReason) => Error;
}

export interface XmlHandlers<O extends SaxesOptions> {
  opentag?: OpenTagHandler<O>;
  closetag?: CloseTagHandler<O>;
  text?: TextHandler;
  cdata?: CDataHandler;
  processinginstruction?: PIHandler;
}

/** Characters handed to saxes at once: the deadline is checked between chunks. */
export const CHUNK_CHARS = 256 * 1024;
/**
 * Attributes on one element, by default. saxes processes an element's
 * attributes in one go (400,000 of them: 5 s): they are counted as they are read.
 */
export const MAX_ATTRIBUTES = 256;
/** Tags between two deadline checks. */
export const EVENTS_PER_CHECK = 1024;

const defaultRefusal = (label: string) => (message: string, reason: XmlRefusalReason) =>
  new CabinetError('INVALID_REQUEST', `${label} illisible : ${message}.`, { reason });

function byteSize(input: string | Uint8Array): number {
  return typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
}

/** Stops the read early without an error (see {@link BoundedXmlReader.stop}). */
class Stopped extends Error {}

/**
 * An incremental bounded reader: `write()` chunks (text or UTF-8 bytes), then
 * `close()`. `readXml` is the one-call form.
 */
export class BoundedXmlReader<O extends SaxesOptions = SaxesOptions> {
  readonly parser: SaxesParser<O>;
  private readonly started = performance.now();
  private readonly refuse: (message: string, reason: XmlRefusalReason) => Error;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private bytes = 0;
  private events = 0;
  private stopped = false;
  /** Depth of the element being read (1 for the root, inside `opentag`). */
  depth = 0;

  constructor(
    private readonly limits: XmlReadLimits,
    handlers: XmlHandlers<O>,
    options?: O,
  ) {
    this.refuse = limits.refuse ?? defaultRefusal(limits.label);
    const parser = new SaxesParser<O>({ ...(options ?? ({} as O)), position: false });
    this.parser = parser;
    parser.on('doctype', () => {
      throw this.refuse('DTD interdite (déclaration DOCTYPE)', 'doctype');
    });
    parser.on('error', (error) => {
      throw this.refuse(`XML mal formé (${error.message.slice(0, 160)})`, 'mal-forme');
    });
    const maxAttributes = limits.maxAttributes ?? MAX_ATTRIBUTES;
    let attributes = 0;
    parser.on('opentagstart', () => {
      attributes = 0;
    });
    parser.on('attribute', () => {
      if (++attributes > maxAttributes) throw this.refuse(`plus de ${maxAttributes} attributs sur un élément`, 'attributs');
    });
    const open = handlers.opentag;
    parser.on('opentag', ((tag: Parameters<OpenTagHandler<O>>[0]) => {
      this.depth += 1;
      if (this.depth > limits.maxDepth) throw this.refuse(`imbrication de plus de ${limits.maxDepth} niveaux`, 'profondeur');
      this.tick();
      open?.(tag);
    }) as OpenTagHandler<O>);
    const close = handlers.closetag;
    parser.on('closetag', ((tag: Parameters<CloseTagHandler<O>>[0]) => {
      close?.(tag);
      this.depth -= 1;
    }) as CloseTagHandler<O>);
    if (handlers.text) parser.on('text', handlers.text);
    if (handlers.cdata) parser.on('cdata', handlers.cdata);
    if (limits.noProcessingInstructions) {
      parser.on('processinginstruction', () => {
        throw this.refuse('instruction de traitement interdite', 'instruction');
      });
    } else if (handlers.processinginstruction) parser.on('processinginstruction', handlers.processinginstruction);
  }

  /** Ends the read from a handler: `write`/`close` then return quietly. */
  stop(): never {
    this.stopped = true;
    throw new Stopped();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private tick(): void {
    if (++this.events % EVENTS_PER_CHECK === 0) this.checkDeadline();
  }

  private checkDeadline(): void {
    if (performance.now() - this.started > this.limits.deadlineMs)
      throw this.refuse(`lecture trop longue (plus de ${this.limits.deadlineMs / 1000} s) : abandon`, 'delai');
  }

  /** Writes a chunk; refused beyond the size limit or the time budget. */
  write(chunk: string | Uint8Array): this {
    if (this.stopped) return this;
    this.bytes += byteSize(chunk);
    if (this.bytes > this.limits.maxBytes)
      throw this.refuse(`document trop volumineux (plus de ${formatBytes(this.limits.maxBytes)})`, 'taille');
    let text: string;
    if (typeof chunk === 'string') text = chunk;
    else {
      try {
        text = this.decoder.decode(chunk, { stream: true });
      } catch {
        throw this.refuse('encodage UTF-8 invalide', 'encodage');
      }
    }
    for (let i = 0; i < text.length && !this.stopped; i += CHUNK_CHARS) {
      this.checkDeadline();
      this.guard(() => this.parser.write(text.length <= CHUNK_CHARS ? text : text.slice(i, i + CHUNK_CHARS)));
    }
    return this;
  }

  close(): void {
    if (this.stopped) return;
    let tail: string;
    try {
      tail = this.decoder.decode();
    } catch {
      throw this.refuse('encodage UTF-8 invalide', 'encodage');
    }
    this.guard(() => {
      if (tail) this.parser.write(tail);
      this.parser.close();
    });
  }

  private guard(run: () => void): void {
    try {
      run();
    } catch (error) {
      if (error instanceof Stopped) return;
      throw error;
    }
  }
}

/** Reads `input` (text, or UTF-8 bytes) at once under `limits`. */
export function readXml<O extends SaxesOptions = SaxesOptions>(
  input: string | Uint8Array,
  limits: XmlReadLimits,
  handlers: XmlHandlers<O>,
  options?: O,
): BoundedXmlReader<O> {
  const reader = new BoundedXmlReader<O>(limits, handlers, options);
  if (byteSize(input) > limits.maxBytes)
    throw (limits.refuse ?? defaultRefusal(limits.label))(`document trop volumineux (plus de ${formatBytes(limits.maxBytes)})`, 'taille');
  if (typeof input === 'string') reader.write(input);
  else for (let i = 0; i < input.byteLength && !reader.isStopped; i += CHUNK_CHARS) reader.write(input.subarray(i, i + CHUNK_CHARS));
  reader.close();
  return reader;
}

/**
 * Before a DOM parse: the document is within `limits` (size, depth, time),
 * well-formed, without DOCTYPE, with one root element.
 */
export function precheckXml(input: string, limits: XmlReadLimits): void {
  readXml(input, limits, {}, { xmlns: true });
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} Mo` : `${Math.round(bytes / 1024)} Kio`;
}
