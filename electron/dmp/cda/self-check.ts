/**
 * Cabinet's own conformity check of a CDA before it leaves the app: (a) the
 * XSD (`CDA_extended.xsd`, the schema the ANS test tool uses) through
 * xmllint-wasm, (b) the « structuration minimale » rules that apply to a
 * level-1 document plus Cabinet's rules (`rules.ts`, which lists what is
 * implemented and what is left), and the PDF body itself.
 *
 * The schemas and the value sets are read at run time from the reference
 * folder (never copied into the repo): by default `<repo>/../shared/reference/cda`
 * (`xsd/` and `schematrons/profils/structurationMinimale/include/voc-*.xml`),
 * or `CABINET_CDA_REFERENCE_DIR`, or the `referenceDir` option.
 *
 * XSD engine: the INS sandbox's long-lived xmllint worker
 * (`electron/ins/sandbox/xmllint-worker.mjs`: WebAssembly compiled once, a
 * fresh instance per validation). The base64 PDF is replaced by a short
 * placeholder for the XSD pass only (the schema does not look inside an ED
 * text; the PDF is checked here in TypeScript), so a 20 MB PDF costs the
 * same XSD time as a small one and stays within the 64 MiB wasm memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DOMParser, type Document, type Element, type Node as XmlNode } from '@xmldom/xmldom';
import * as xpath from 'xpath';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { MAX_PDF_BYTES } from './builder.js';
import { CDA_RULES, RULE_VALUE_SETS, type CdaRule, type RuleHelpers } from './rules.js';

/** `<repo>/../shared/reference/cda`, from this module's location. */
export const DEFAULT_CDA_REFERENCE_DIR = path.resolve(import.meta.dirname, '../../../../shared/reference/cda');
const XSD_SUBDIR = 'xsd';
const XSD_ENTRY = 'CDA_extended.xsd';
const VOC_SUBDIR = path.join('schematrons', 'profils', 'structurationMinimale', 'include');
const WORKER_FILE = path.resolve(import.meta.dirname, '../../ins/sandbox/xmllint-worker.mjs');

/** A PDF of 20 MiB in base64, plus the header. */
export const MAX_CDA_CHARS = Math.ceil((MAX_PDF_BYTES * 4) / 3) + 256 * 1024;
const MAX_SCHEMA_BYTES = 1024 * 1024;
const INITIAL_PAGES = 256;
const MAX_PAGES = 1024;

export interface CdaProblem {
  /** Schematron rule id (`d152e10-false-d1610e0`…), `XSD`, `XML`, or `CABINET-…`. */
  rule: string;
  /** French. */
  message: string;
  /** Where: an XPath-like path, or `ligne N` for the XSD. */
  location: string;
}

export type CdaCheckResult = { ok: true } | { ok: false; problems: CdaProblem[] };

export interface CdaSelfCheckOptions {
  referenceDir?: string;
  /** Time limit of the XSD validation (default 15 s). */
  timeoutMs?: number;
}

interface XmlFile {
  fileName: string;
  contents: string;
}

const NS = { hl7: 'urn:hl7-org:v3', sdtc: 'urn:hl7-org:sdtc', lab: 'urn:oid:1.3.6.1.4.1.19376.1.3.2', xsi: 'http://www.w3.org/2001/XMLSchema-instance' };
const select = xpath.useNamespaces(NS);
const asDom = (node: XmlNode) => node as unknown as Node;

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full, base));
    else if (/\.(xsd|dtd)$/.test(entry.name)) out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out;
}

/** An XPath-like location of a node: `/ClinicalDocument/recordTarget/patientRole/id[2]`. */
export function locationOf(node: XmlNode): string {
  const parts: string[] = [];
  let current: XmlNode | null = node;
  while (current && current.nodeType === 1) {
    const el = current as Element;
    let index = 1;
    let count = 0;
    for (let s = el.parentNode?.firstChild ?? null; s; s = s.nextSibling) {
      if (s.nodeType === 1 && (s as Element).localName === el.localName) {
        count += 1;
        if (s === el) index = count;
      }
    }
    parts.unshift(count > 1 ? `${el.localName}[${index}]` : (el.localName ?? ''));
    current = el.parentNode;
  }
  return `/${parts.join('/')}`;
}

/** One long-lived xmllint worker (one validation at a time: calls are queued). */
class XsdWorker {
  private worker: Worker | null = null;
  private next = 0;
  private queue: Promise<unknown> = Promise.resolve();

  run(inputFiles: XmlFile[], args: string[], timeoutMs: number): Promise<{ exitCode: number; stderr: string }> {
    const job = this.queue.then(() => this.once(inputFiles, args, timeoutMs));
    this.queue = job.catch(() => undefined);
    return job;
  }

  private once(inputFiles: XmlFile[], args: string[], timeoutMs: number): Promise<{ exitCode: number; stderr: string }> {
    if (!this.worker) {
      this.worker = new Worker(WORKER_FILE);
      this.worker.unref();
      this.worker.on('error', () => this.close());
    }
    const worker = this.worker;
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.off('message', onMessage);
        this.close();
        reject(new CabinetError('UNAVAILABLE', `Vérification du schéma CDA trop longue (plus de ${timeoutMs} ms).`));
      }, timeoutMs);
      const onExit = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        reject(new CabinetError('UNAVAILABLE', 'Vérification du schéma CDA impossible : le moteur xmllint s’est arrêté.'));
      };
      const onMessage = (message: { cabinetXmllintReply?: boolean; id?: number; exitCode?: number; stderr?: string }) => {
        if (message?.cabinetXmllintReply !== true || message.id !== id) return;
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        resolve({ exitCode: message.exitCode ?? -5, stderr: message.stderr ?? '' });
      };
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.postMessage({ cabinetXmllint: true, id, inputFiles, args, initialPages: INITIAL_PAGES, maxPages: MAX_PAGES });
    });
  }

  close(): void {
    const worker = this.worker;
    this.worker = null;
    void worker?.terminate();
  }
}

/** Replaces a long base64 PDF by a placeholder, for the XSD pass only. */
function withoutPdf(xml: string): string {
  const start = xml.search(/<(?:[A-Za-z_][\w.-]*:)?nonXMLBody\b/);
  if (start < 0) return xml;
  const open = /<(?:[A-Za-z_][\w.-]*:)?text\b[^>]*>/g;
  open.lastIndex = start;
  const m = open.exec(xml);
  if (!m) return xml;
  const from = m.index + m[0].length;
  const to = xml.indexOf('<', from);
  if (to < 0 || to - from < 1024) return xml;
  return /^[A-Za-z0-9+/=\s]*$/.test(xml.slice(from, to)) ? `${xml.slice(0, from)}JVBERi0=${xml.slice(to)}` : xml;
}

/** xmllint's stderr → problems (`doc.xml:LINE: element X: Schemas validity error : …`). */
export function parseXsdErrors(stderr: string): CdaProblem[] {
  const problems: CdaProblem[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.trim();
    const located = /^document\.xml:(\d+): (.*)$/.exec(line);
    if (!located) continue;
    if (/Schemas parser warning/.test(located[2]!)) continue;
    const detail = located[2]!.replace(/^element ([^:]+): Schemas validity error : /, 'élément $1 : ').replace(/^parser error : /, 'XML mal formé : ');
    problems.push({ rule: 'XSD', message: `Non conforme au schéma CDA (CDA_extended.xsd) : ${detail}`, location: `ligne ${located[1]}` });
  }
  return problems;
}

export class CdaSelfCheck {
  readonly referenceDir: string;
  private readonly xsdFiles: XmlFile[] = [];
  private readonly valueSets = new Map<string, Set<string>>();
  private readonly timeoutMs: number;
  private readonly xsd = new XsdWorker();

  constructor(options: CdaSelfCheckOptions = {}) {
    this.referenceDir = path.resolve(options.referenceDir ?? process.env.CABINET_CDA_REFERENCE_DIR ?? DEFAULT_CDA_REFERENCE_DIR);
    this.timeoutMs = options.timeoutMs ?? 15_000;
    const xsdDir = path.join(this.referenceDir, XSD_SUBDIR);
    const missing = () =>
      new CabinetError('CONFIG_INVALID', `Vérification CDA : dossier de référence introuvable ou incomplet (${this.referenceDir}). Il doit contenir xsd/${XSD_ENTRY} et les jeux de valeurs de la structuration minimale ; indiquez-le avec CABINET_CDA_REFERENCE_DIR.`);
    if (!fs.existsSync(path.join(xsdDir, XSD_ENTRY))) throw missing();
    for (const relative of listFiles(xsdDir)) {
      const full = path.join(xsdDir, relative);
      if (fs.statSync(full).size > MAX_SCHEMA_BYTES) throw missing();
      this.xsdFiles.push({ fileName: relative, contents: fs.readFileSync(full, 'utf8') });
    }
    for (const oid of Object.values(RULE_VALUE_SETS)) {
      const file = path.join(this.referenceDir, VOC_SUBDIR, `voc-${oid}-DYNAMIC.xml`);
      if (!fs.existsSync(file)) throw missing();
      const doc = new DOMParser().parseFromString(fs.readFileSync(file, 'utf8'), 'text/xml');
      const codes = new Set<string>();
      const concepts = doc.getElementsByTagName('concept');
      for (let i = 0; i < concepts.length; i++) codes.add(concepts[i]!.getAttribute('code') ?? '');
      codes.delete('');
      this.valueSets.set(oid, codes);
    }
  }

  /** The rules part alone (synchronous): schematron-derived rules, Cabinet rules, the PDF body. */
  checkRules(xml: string): CdaProblem[] {
    const parsed = parse(xml);
    if ('problem' in parsed) return [parsed.problem];
    const doc = parsed.doc;
    const helpers: RuleHelpers = { inValueSet: (oid, code) => this.valueSets.get(oid)?.has(code) ?? false };
    const problems: CdaProblem[] = [];
    for (const rule of CDA_RULES) problems.push(...evaluate(rule, doc, helpers));
    problems.push(...checkPdfBody(doc));
    return problems;
  }

  /** The XSD part alone. */
  async checkSchema(xml: string): Promise<CdaProblem[]> {
    const schema = this.xsdFiles.find((f) => f.fileName === XSD_ENTRY)!;
    const others = this.xsdFiles.filter((f) => f !== schema);
    const result = await this.xsd.run([{ fileName: 'document.xml', contents: withoutPdf(xml) }, schema, ...others], ['--schema', XSD_ENTRY, '--noout', 'document.xml'], this.timeoutMs);
    if (result.exitCode === 0) return [];
    const problems = parseXsdErrors(result.stderr);
    if (problems.length > 0) return problems;
    if (result.exitCode === 1) return [{ rule: 'XML', message: 'Document XML mal formé.', location: '/' }];
    throw new CabinetError('UNAVAILABLE', `Vérification du schéma CDA impossible (xmllint : code ${result.exitCode}).`);
  }

  /** Both parts; `{ ok: true }` only when nothing is wrong. */
  async check(xml: string): Promise<CdaCheckResult> {
    if (xml.length > MAX_CDA_CHARS) return { ok: false, problems: [{ rule: 'CABINET-N1-04', message: 'Document CDA trop volumineux (PDF de 20 Mo au plus).', location: '/' }] };
    const rules = this.checkRules(xml);
    if (rules.some((p) => p.rule === 'XML')) return { ok: false, problems: rules };
    const schema = await this.checkSchema(xml);
    const problems = [...schema, ...rules];
    return problems.length === 0 ? { ok: true } : { ok: false, problems };
  }

  close(): void {
    this.xsd.close();
  }
}

function parse(xml: string): { doc: Document } | { problem: CdaProblem } {
  if (/<!DOCTYPE/i.test(xml.slice(0, 4096))) return { problem: { rule: 'XML', message: 'Document refusé : une DTD (DOCTYPE) est interdite dans un CDA.', location: '/' } };
  try {
    const doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(xml, 'text/xml');
    return { doc };
  } catch (error) {
    return { problem: { rule: 'XML', message: `Document XML mal formé : ${String((error as Error)?.message ?? error).slice(0, 200)}`, location: '/' } };
  }
}

function evaluate(rule: CdaRule, doc: Document, helpers: RuleHelpers): CdaProblem[] {
  const problems: CdaProblem[] = [];
  const contexts = rule.context === '/' ? [doc as unknown as XmlNode] : (select(rule.context, asDom(doc)) as unknown as XmlNode[]);
  for (const node of contexts) {
    for (const assert of rule.asserts) {
      const passed = typeof assert.test === 'function' ? assert.test(node as Element, helpers) : (select(`boolean(${assert.test})`, asDom(node)) as boolean);
      if (!passed) problems.push({ rule: rule.id, message: assert.message.charAt(0).toUpperCase() + assert.message.slice(1), location: node.nodeType === 1 ? locationOf(node) : '/' });
    }
  }
  return problems;
}

/** CABINET-N1-03 / -04: the body is base64 of a PDF (`%PDF-`), 20 MiB at most. */
function checkPdfBody(doc: Document): CdaProblem[] {
  const texts = select('/hl7:ClinicalDocument/hl7:component/hl7:nonXMLBody/hl7:text', asDom(doc)) as unknown as Element[];
  if (texts.length !== 1) return [];
  const text = texts[0]!;
  const location = locationOf(text);
  const content = (text.textContent ?? '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content) || content.length % 4 !== 0 || content.length === 0) {
    return [{ rule: 'CABINET-N1-03', message: 'Le corps du document n’est pas un contenu base64 valide.', location }];
  }
  if ((content.length / 4) * 3 > MAX_PDF_BYTES + 2) return [{ rule: 'CABINET-N1-04', message: 'Le PDF est trop volumineux (20 Mo au plus).', location }];
  if (!Buffer.from(content.slice(0, 8), 'base64').subarray(0, 5).equals(Buffer.from('%PDF-', 'latin1'))) {
    return [{ rule: 'CABINET-N1-03', message: 'Le corps du document n’est pas un PDF (il ne commence pas par « %PDF- »).', location }];
  }
  return [];
}

let shared: CdaSelfCheck | null = null;

/** {@link CdaSelfCheck.check} with a shared checker on the default reference folder. */
export async function checkCda(xml: string): Promise<CdaCheckResult> {
  shared ??= new CdaSelfCheck();
  return shared.check(xml);
}
