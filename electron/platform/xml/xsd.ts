/**
 * XSD validation off the main thread, schemas compiled once.
 *
 * One long-lived worker (`xsd-worker.mjs`, libxml2 through libxml2-wasm)
 * keeps every schema it was asked for compiled: the CDA schema costs ~0.7 s
 * once, then a level-1 CDA validates in about a millisecond (xmllint-wasm,
 * used before, compiled the schema for every document: 60–300 ms each).
 * Calls are queued (one at a time), bounded in time; a worker that dies or
 * overruns is replaced, its schemas compiled again on next use.
 *
 * Users: the CDA self-check (`electron/dmp/cda/self-check.ts`) and the DMP
 * sandbox. The worker file is found from the application root
 * ({@link appRoot}), in the sources as in the bundled host.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { workerFile } from '../paths.js';

export interface XsdError {
  line: number;
  message: string;
  /** False when the document is not even well-formed XML. */
  wellFormed?: false;
  /** True when the schema itself could not be read or compiled. */
  schema?: true;
}

export type XsdResult = { valid: true } | { valid: false; errors: XsdError[] };

interface Reply {
  cabinetXsdReply?: boolean;
  id?: number;
  ok?: boolean;
  errors?: XsdError[];
}

/** Largest document accepted (characters). */
export const MAX_XSD_DOCUMENT_CHARS = 64 * 1024 * 1024;

export function xsdWorkerFile(): string {
  return workerFile('electron', 'platform', 'xml', 'xsd-worker.mjs');
}

export class XsdValidatorPool {
  private worker: Worker | null = null;
  private next = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: { timeoutMs?: number; label?: string } = {}) {}

  /** Validates `xml` against the schema file `schema` (absolute path). */
  validate(schema: string, xml: string, timeoutMs = this.options.timeoutMs ?? 15_000): Promise<XsdResult> {
    if (xml.length > MAX_XSD_DOCUMENT_CHARS) {
      return Promise.resolve({
        valid: false,
        errors: [{ line: 0, message: `document trop volumineux pour la validation (plus de ${MAX_XSD_DOCUMENT_CHARS} caractères)` }],
      });
    }
    return this.enqueue({ schema: path.resolve(schema), xml }, timeoutMs);
  }

  /** Compiles a schema ahead of its first use (in the worker: the caller's thread stays free). */
  async prepare(schema: string, timeoutMs = 60_000): Promise<void> {
    const result = await this.enqueue({ schema: path.resolve(schema), prepare: true }, timeoutMs);
    if (!result.valid)
      throw new CabinetError(
        'CONFIG_INVALID',
        `Schéma XML illisible (${path.basename(schema)}) : ${result.errors[0]?.message ?? 'erreur inconnue'}`,
      );
  }

  private enqueue(message: { schema: string; xml?: string; prepare?: boolean }, timeoutMs: number): Promise<XsdResult> {
    const job = this.queue.then(() => this.once(message, timeoutMs));
    this.queue = job.catch(() => undefined);
    return job;
  }

  private once(message: { schema: string; xml?: string; prepare?: boolean }, timeoutMs: number): Promise<XsdResult> {
    const label = this.options.label ?? 'Validation XML';
    if (!this.worker) {
      this.worker = new Worker(xsdWorkerFile());
      this.worker.unref();
      this.worker.on('error', () => this.close());
    }
    const worker = this.worker;
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        this.close();
        reject(new CabinetError('UNAVAILABLE', `${label} trop longue (plus de ${timeoutMs} ms).`));
      }, timeoutMs);
      const onExit = () => {
        cleanup();
        if (this.worker === worker) this.worker = null;
        reject(new CabinetError('UNAVAILABLE', `${label} impossible : le moteur libxml2 s’est arrêté.`));
      };
      const onMessage = (reply: Reply) => {
        if (reply?.cabinetXsdReply !== true || reply.id !== id) return;
        cleanup();
        resolve(
          reply.ok
            ? { valid: true }
            : { valid: false, errors: reply.errors?.length ? reply.errors : [{ line: 0, message: 'document refusé' }] },
        );
      };
      const cleanup = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.postMessage({ cabinetXsd: true, id, ...message });
    });
  }

  close(): void {
    const worker = this.worker;
    this.worker = null;
    void worker?.terminate();
  }
}

let shared: XsdValidatorPool | null = null;

/** One pool per process (schemas compiled once for every user). */
export function sharedXsdPool(): XsdValidatorPool {
  return (shared ??= new XsdValidatorPool());
}
