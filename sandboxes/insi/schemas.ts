/**
 * XSD validation of the request's parts against the official INSi schemas,
 * read at start from `reference-data/insi` (shipped with the app):
 * ContexteBAM, ContexteLPS, the body (RECSANSVITALE / RECVITALE) and, when
 * present, wsse:Security (which pulls in the SAML, XML-DSig and XML-Enc
 * schemas). One xmllint-wasm call validates every part at once, each part
 * being its own document (errors name the part), against a small driver
 * schema that imports the official ones (one driver per schema set: a
 * request without wsse:Security does not load SAML; the `reponse` set, the
 * RESULTAT and fault schemas, is for tests checking the sandbox's answers).
 *
 * Engine: by default a few long-lived workers (`xmllint-worker.mjs`) run
 * xmllint-wasm's libxml2 with the WebAssembly compiled once, a fresh
 * instance per validation (a few ms). If that worker cannot start (a
 * future xmllint-wasm laid out differently), the package's public
 * validateXML() is used instead: a worker and a compilation per call
 * (≈ 50 ms idle, several hundred under load). Either way calls are limited
 * in number (a queue, then a "service unavailable" refusal) and in time (a
 * worker past its time limit is terminated).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { validateXML } from 'xmllint-wasm';
import { CabinetError } from '../../shared/contract/outcome.js';
import { referenceDataDir } from '../../electron/platform/reference-data.js';

/** `<app root>/reference-data/insi`: the official INSi XSDs, shipped with the app. */
export const DEFAULT_REFERENCE_DIR = referenceDataDir('insi');

/** The official files the sandbox needs, relative to the reference folder. */
export const SCHEMA_FILES = {
  recsans: 'xsd/ServiceIdentiteCertifiee/INSi_RECSANS_INS.xsd',
  recvit: 'xsd/ServiceIdentiteCertifiee/INSi_RECVITALE_INS.xsd',
  resultat: 'xsd/ServiceIdentiteCertifiee/INSi_RESULTAT_INS.xsd',
  ctxbam: 'xsd/CTX/ROOT_ctxbam_CTXBAM_V01_02.xsd',
  ctxlps: 'xsd/CTX/ROOT_ctxlps_CTXLPS_V01_00.xsd',
  wsse: 'xsd/WSSE/Security.xsd',
  saml: 'xsd/SAML/saml-schema-assertion-2.0.xsd',
  xmldsig: 'xsd/SAML/xmldsig-core-schema.xsd',
  xenc: 'xsd/SAML/xenc-schema.xsd',
  fault: 'xsd/schema_faultSOAP_V01_01.xsd',
} as const;

type SchemaKey = keyof typeof SCHEMA_FILES;

const namespaces: Partial<Record<SchemaKey, string>> = {
  recsans: 'http://www.cnamts.fr/INSiRecSans',
  recvit: 'http://www.cnamts.fr/INSiRecVit',
  resultat: 'http://www.cnamts.fr/INSiResultat',
  ctxbam: 'urn:siram:bam:ctxbam',
  ctxlps: 'urn:siram:lps:ctxlps',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  fault: 'urn:siram',
};

/**
 * Which schemas each kind of validation loads: xmllint compiles them on every
 * call, so a request without wsse:Security does not pay for SAML and XML-DSig.
 */
const drivers = {
  requete: { imports: ['recsans', 'recvit', 'ctxbam', 'ctxlps'], files: ['recsans', 'recvit', 'ctxbam', 'ctxlps'] },
  requeteSecurite: {
    imports: ['recsans', 'recvit', 'ctxbam', 'ctxlps', 'wsse'],
    files: ['recsans', 'recvit', 'ctxbam', 'ctxlps', 'wsse', 'saml', 'xmldsig', 'xenc'],
  },
  reponse: { imports: ['resultat', 'fault'], files: ['resultat', 'fault'] },
} as const satisfies Record<string, { imports: readonly SchemaKey[]; files: readonly SchemaKey[] }>;
export type SchemaSet = keyof typeof drivers;

const MAX_SCHEMA_BYTES = 512 * 1024;

export interface PartError {
  part: string;
  message: string;
}

export interface SchemaValidatorOptions {
  referenceDir?: string;
  /** Validations running at once (default 2: one worker per core of the build machine). */
  concurrency?: number;
  /** Validations waiting beyond which the service answers "unavailable" (default 64). */
  maxQueue?: number;
  /** Time limit of one validation (default 10 s). */
  timeoutMs?: number;
  /** `worker` (default): long-lived workers; `validateXML`: the package's public call. */
  engine?: XmllintEngine;
}

export type XmllintEngine = 'worker' | 'validateXML';

export class SchemaUnavailable extends Error {}

interface XmlFile {
  fileName: string;
  contents: string;
}

interface RunResult {
  exitCode: number;
  stderr: string;
}

/** WebAssembly pages of 64 KiB: 16 MiB to start, 64 MiB at most per validation. */
const INITIAL_PAGES = 256;
const MAX_PAGES = 1024;
const WORKER_FILE = path.join(import.meta.dirname, 'xmllint-worker.mjs');

/** One long-lived worker, one validation at a time (the validator's slots guarantee it). */
class XmllintWorker {
  private readonly worker: Worker;
  private pending: { id: number; resolve: (r: RunResult) => void; reject: (e: Error) => void } | null = null;
  private next = 0;
  dead = false;

  constructor(private readonly onDeath: (w: XmllintWorker) => void) {
    this.worker = new Worker(WORKER_FILE);
    this.worker.unref();
    this.worker.on('message', (message: { cabinetXmllintReply?: boolean; id?: number; exitCode?: number; stderr?: string }) => {
      if (message?.cabinetXmllintReply !== true || !this.pending || message.id !== this.pending.id) return;
      const { resolve } = this.pending;
      this.pending = null;
      resolve({ exitCode: message.exitCode ?? -5, stderr: message.stderr ?? '' });
    });
    const die = (error: Error) => {
      if (this.dead) return;
      this.dead = true;
      this.pending?.reject(error);
      this.pending = null;
      this.onDeath(this);
    };
    this.worker.on('error', (error) => die(error));
    this.worker.on('exit', (code) => die(new Error(`worker xmllint arrêté (code ${code})`)));
  }

  run(inputFiles: XmlFile[], args: string[], timeoutMs: number): Promise<RunResult> {
    const id = ++this.next;
    return new Promise<RunResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A validation past its time limit: the worker goes, whatever it is doing.
        reject(new SchemaUnavailable(`validation plus longue que ${timeoutMs} ms`));
        this.pending = null;
        this.terminate();
      }, timeoutMs);
      this.pending = {
        id,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.worker.postMessage({ cabinetXmllint: true, id, inputFiles, args, initialPages: INITIAL_PAGES, maxPages: MAX_PAGES });
    });
  }

  terminate(): void {
    if (!this.dead) {
      this.dead = true;
      this.onDeath(this);
    }
    void this.worker.terminate();
  }
}

export class SchemaValidator {
  readonly referenceDir: string;
  private readonly files = new Map<SchemaKey, { fileName: string; contents: string }>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly maxQueue: number;
  private readonly timeoutMs: number;
  private engineInUse: XmllintEngine;
  private readonly idle: XmllintWorker[] = [];
  private readonly all = new Set<XmllintWorker>();

  constructor(options: SchemaValidatorOptions = {}) {
    this.referenceDir = path.resolve(options.referenceDir ?? DEFAULT_REFERENCE_DIR);
    this.engineInUse = options.engine ?? 'worker';
    this.concurrency = options.concurrency ?? 2;
    this.maxQueue = options.maxQueue ?? 64;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    if (!fs.existsSync(this.referenceDir) || !fs.statSync(this.referenceDir).isDirectory()) {
      throw new CabinetError(
        'CONFIG_INVALID',
        `Bac à sable INSi : dossier des schémas officiels introuvable (${this.referenceDir}). Il doit contenir les XSD du téléservice INSi (xsd/…), livrés avec Cabinet dans reference-data/insi : l’installation est incomplète.`,
      );
    }
    // Virtual file names mirror the folder layout so that the official relative imports resolve.
    for (const [key, relative] of Object.entries(SCHEMA_FILES) as [SchemaKey, string][]) {
      const full = path.join(this.referenceDir, ...relative.split('/'));
      let contents: string;
      try {
        if (fs.statSync(full).size > MAX_SCHEMA_BYTES) throw new Error('trop gros');
        contents = fs.readFileSync(full, 'utf8');
      } catch {
        throw new CabinetError(
          'CONFIG_INVALID',
          `Bac à sable INSi : schéma officiel manquant ou illisible dans ${this.referenceDir} : ${relative}.`,
        );
      }
      this.files.set(key, { fileName: relative, contents });
    }
  }

  private driver(set: SchemaSet): { schema: { fileName: string; contents: string }; preload: { fileName: string; contents: string }[] } {
    const { imports, files } = drivers[set];
    const declarations = imports.map((key) => `<xs:import namespace="${namespaces[key]}" schemaLocation="${SCHEMA_FILES[key]}"/>`).join('');
    return {
      schema: {
        fileName: `driver-${set}.xsd`,
        contents: `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:cabinet:insi-sandbox:${set}">${declarations}</xs:schema>`,
      },
      preload: files.map((key) => this.files.get(key)!),
    };
  }

  private async slot(): Promise<() => void> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxQueue) throw new SchemaUnavailable('file d’attente de validation pleine');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running += 1;
    return () => {
      this.running -= 1;
      this.waiting.shift()?.();
    };
  }

  /** The engine in use (`worker` unless it could not start). */
  get engine(): XmllintEngine {
    return this.engineInUse;
  }

  /** Stops the workers (the sandbox's close()). */
  close(): void {
    for (const worker of [...this.all]) worker.terminate();
  }

  private worker(): XmllintWorker {
    const reused = this.idle.pop();
    if (reused && !reused.dead) return reused;
    const created = new XmllintWorker((dead) => {
      this.all.delete(dead);
      const index = this.idle.indexOf(dead);
      if (index >= 0) this.idle.splice(index, 1);
    });
    this.all.add(created);
    return created;
  }

  private async run(inputFiles: XmlFile[], args: string[], timeoutMs: number): Promise<RunResult> {
    if (this.engineInUse === 'worker') {
      const worker = this.worker();
      const result = await worker.run(inputFiles, args, timeoutMs);
      if (!worker.dead) this.idle.push(worker);
      return result;
    }
    const [xml, schema, preload] = [
      inputFiles.filter((f) => f.fileName.endsWith('.xml')),
      inputFiles.filter((f) => f.fileName.startsWith('driver-')),
      inputFiles.filter((f) => !f.fileName.endsWith('.xml') && !f.fileName.startsWith('driver-')),
    ];
    let timer: NodeJS.Timeout | undefined;
    const call = validateXML({ xml, schema, preload, initialMemoryPages: INITIAL_PAGES, maxMemoryPages: MAX_PAGES });
    call.catch(() => undefined); // a late failure after the time limit is not an unhandled rejection
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SchemaUnavailable(`validation plus longue que ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const result = await Promise.race([call, timeout]);
      return { exitCode: result.valid ? 0 : 3, stderr: result.rawOutput };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Validates each part (a standalone XML document whose root is a global
   * element of one of the official schemas). Resolves with the errors (empty:
   * all valid); rejects with {@link SchemaUnavailable} when the validator is
   * saturated, late, or broken.
   */
  async validate(
    parts: Record<string, string>,
    set: SchemaSet = 'security' in parts ? 'requeteSecurite' : 'requete',
    timeoutMs = this.timeoutMs,
  ): Promise<PartError[]> {
    const names = Object.keys(parts);
    if (names.length === 0) return [];
    const release = await this.slot();
    try {
      const { schema, preload } = this.driver(set);
      const xml = names.map((name) => ({ fileName: `${name}.xml`, contents: parts[name]! }));
      const result = await this.run(
        [...xml, schema, ...preload],
        ['--schema', schema.fileName, '--noout', ...xml.map((f) => f.fileName)],
        timeoutMs,
      );
      if (result.exitCode === 0) return [];
      if (result.exitCode !== 3 && result.exitCode !== 4)
        throw new SchemaUnavailable(`xmllint : code ${result.exitCode} (${result.stderr.slice(0, 200)})`);
      const errors = parseXmllintErrors(result.stderr, names);
      if (errors.length === 0) throw new SchemaUnavailable('résultat de validation illisible');
      return errors;
    } catch (error) {
      if (error instanceof SchemaUnavailable) throw error;
      throw new SchemaUnavailable(`validation impossible (${String((error as Error)?.message ?? error).slice(0, 200)})`);
    } finally {
      release();
    }
  }

  /** Switches to the public validateXML() (used when the worker cannot start). */
  fallBack(): void {
    this.close();
    this.engineInUse = 'validateXML';
  }
}

/** xmllint's stderr: `part.xml:LINE: element X: Schemas validity error : …`, `part.xml fails to validate`, `part.xml validates`. */
export function parseXmllintErrors(stderr: string, names: readonly string[]): PartError[] {
  const errors: PartError[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.trim();
    if (!line || line.endsWith(' validates')) continue;
    const failed = /^(\S+)\.xml fails to validate$/.exec(line);
    const located = /^(\S+)\.xml:\d+: (.*)$/.exec(line);
    const part = failed?.[1] ?? located?.[1] ?? '';
    if (!names.includes(part)) continue;
    if (failed) {
      if (!errors.some((e) => e.part === part)) errors.push({ part, message: 'document non conforme au schéma' });
      continue;
    }
    errors.push({ part, message: located![2]!.replace(/^.*?Schemas validity error : /, '') });
  }
  return errors;
}
