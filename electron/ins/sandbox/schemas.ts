/**
 * XSD validation of the request's parts against the official INSi schemas,
 * read at run time from the reference folder (never copied into the repo):
 * ContexteBAM, ContexteLPS, the body (RECSANSVITALE / RECVITALE) and, when
 * present, wsse:Security (which pulls in the SAML, XML-DSig and XML-Enc
 * schemas). One xmllint-wasm call validates every part at once, each part
 * being its own document (errors name the part), against a small driver
 * schema that imports the official ones (one driver per schema set: a
 * request without wsse:Security does not load SAML; the `reponse` set, the
 * RESULTAT and fault schemas, is for tests checking the sandbox's answers).
 *
 * xmllint-wasm starts a worker per call (≈ 70–150 ms): calls are limited in
 * number (a queue, then a "service unavailable" refusal) and in time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { CabinetError } from '../../../shared/contract/outcome.js';

/** `<repo>/../shared/reference/insi`, from this module's location. */
export const DEFAULT_REFERENCE_DIR = path.resolve(import.meta.dirname, '../../../../shared/reference/insi');

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
  requeteSecurite: { imports: ['recsans', 'recvit', 'ctxbam', 'ctxlps', 'wsse'], files: ['recsans', 'recvit', 'ctxbam', 'ctxlps', 'wsse', 'saml', 'xmldsig', 'xenc'] },
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
  /** Validations running at once (default 4). */
  concurrency?: number;
  /** Validations waiting beyond which the service answers "unavailable" (default 64). */
  maxQueue?: number;
  /** Time limit of one validation (default 10 s). */
  timeoutMs?: number;
}

export class SchemaUnavailable extends Error {}

export class SchemaValidator {
  readonly referenceDir: string;
  private readonly files = new Map<SchemaKey, { fileName: string; contents: string }>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly maxQueue: number;
  private readonly timeoutMs: number;

  constructor(options: SchemaValidatorOptions = {}) {
    this.referenceDir = path.resolve(options.referenceDir ?? DEFAULT_REFERENCE_DIR);
    this.concurrency = options.concurrency ?? 4;
    this.maxQueue = options.maxQueue ?? 64;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    if (!fs.existsSync(this.referenceDir) || !fs.statSync(this.referenceDir).isDirectory()) {
      throw new CabinetError(
        'CONFIG_INVALID',
        `Bac à sable INSi : dossier des schémas officiels introuvable (${this.referenceDir}). Il doit contenir les XSD du téléservice INSi (xsd/…) ; indiquez son emplacement avec l’option referenceDir.`,
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
        throw new CabinetError('CONFIG_INVALID', `Bac à sable INSi : schéma officiel manquant ou illisible dans ${this.referenceDir} : ${relative}.`);
      }
      this.files.set(key, { fileName: relative, contents });
    }
  }

  private driver(set: SchemaSet): { schema: { fileName: string; contents: string }; preload: { fileName: string; contents: string }[] } {
    const { imports, files } = drivers[set];
    const declarations = imports.map((key) => `<xs:import namespace="${namespaces[key]}" schemaLocation="${SCHEMA_FILES[key]}"/>`).join('');
    return {
      schema: { fileName: `driver-${set}.xsd`, contents: `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:cabinet:insi-sandbox:${set}">${declarations}</xs:schema>` },
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

  /**
   * Validates each part (a standalone XML document whose root is a global
   * element of one of the official schemas). Resolves with the errors (empty:
   * all valid); rejects with {@link SchemaUnavailable} when the validator is
   * saturated, late, or broken.
   */
  async validate(parts: Record<string, string>, set: SchemaSet = 'security' in parts ? 'requeteSecurite' : 'requete', timeoutMs = this.timeoutMs): Promise<PartError[]> {
    const names = Object.keys(parts);
    if (names.length === 0) return [];
    const release = await this.slot();
    let timer: NodeJS.Timeout | undefined;
    try {
      const { schema, preload } = this.driver(set);
      const run = validateXML({ xml: names.map((name) => ({ fileName: `${name}.xml`, contents: parts[name]! })), schema: [schema], preload });
      run.catch(() => undefined); // a late failure after the time limit is not an unhandled rejection
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new SchemaUnavailable(`validation plus longue que ${timeoutMs} ms`)), timeoutMs);
      });
      const result = await Promise.race([run, timeout]);
      if (result.valid) return [];
      const errors: PartError[] = [];
      for (const e of result.errors) {
        const failed = /^(\S+)\.xml fails to validate$/.exec(e.rawMessage.trim());
        const file = failed ? `${failed[1]}.xml` : (e.loc?.fileName ?? '');
        const part = file.endsWith('.xml') ? file.slice(0, -4) : '';
        if (!names.includes(part)) continue;
        if (failed) {
          if (!errors.some((x) => x.part === part)) errors.push({ part, message: 'document non conforme au schéma' });
          continue;
        }
        errors.push({ part, message: e.message.replace(/^.*?Schemas validity error : /, '') });
      }
      if (errors.length === 0) throw new SchemaUnavailable('résultat de validation illisible');
      return errors;
    } catch (error) {
      if (error instanceof SchemaUnavailable) throw error;
      throw new SchemaUnavailable(`validation impossible (${String((error as Error)?.message ?? error).slice(0, 200)})`);
    } finally {
      clearTimeout(timer);
      release();
    }
  }
}
