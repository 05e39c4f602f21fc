/**
 * Cabinet's own conformity check of a CDA before it leaves the app: (a) the
 * XSD (`CDA_extended.xsd`, the schema the ANS test tool uses) through
 * xmllint-wasm, (b) the « structuration minimale » rules that apply to a
 * level-1 document plus Cabinet's rules (`rules.ts`, which lists what is
 * implemented and what is left), and the PDF body itself.
 *
 * The schemas and the value sets are read at start from the reference
 * folder shipped with the app, `reference-data/cda` (`xsd/` and
 * `schematrons/profils/structurationMinimale/include/voc-*.xml`); the
 * `referenceDir` option or `CABINET_CDA_REFERENCE_DIR` may name another one.
 *
 * XSD engine: libxml2 in a long-lived worker that compiles the schema once
 * (`electron/platform/xml/xsd.ts`; ~0.7 s at first use, then ~1 ms per
 * level-1 document). The base64 PDF is replaced by a short placeholder for
 * the XSD pass and for the rules' DOM (neither looks inside an ED text; the
 * PDF is checked here on the string), so a 20 MB PDF costs the same as a
 * small one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DOMParser, type Document, type Element, type Node as XmlNode } from '@xmldom/xmldom';
import * as xpath from 'xpath';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { referenceDataDir } from '../../platform/reference-data.js';
import { sharedXsdPool, type XsdValidatorPool } from '../../platform/xml/xsd.js';
import { MAX_PDF_BYTES } from './builder.js';
import { CDA_RULES, CLINICAL_DOCUMENT_CONTEXT, RULE_VALUE_SETS, type CdaRule, type RuleHelpers } from './rules.js';
import { precheckXml } from '../../platform/xml/bounded.js';
import { MAX_CDA_BYTES, MAX_CDA_DEPTH } from '../cda-reader.js';

/** `<app root>/reference-data/cda`: the CDA schema and value sets, shipped with the app. */
export const DEFAULT_CDA_REFERENCE_DIR = referenceDataDir('cda');
const XSD_SUBDIR = 'xsd';
const XSD_ENTRY = 'CDA_extended.xsd';
const VOC_SUBDIR = path.join('schematrons', 'profils', 'structurationMinimale', 'include');

/** A PDF of 20 MiB in base64, plus the header. */
export const MAX_CDA_CHARS = Math.ceil((MAX_PDF_BYTES * 4) / 3) + 256 * 1024;
const MAX_SCHEMA_BYTES = 1024 * 1024;

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
  /** Time limit of the XSD validation (default 15 s; the first one also compiles the schema). */
  timeoutMs?: number;
  /** The XSD workers (default: the process's shared pool, schemas compiled once). */
  pool?: XsdValidatorPool;
}

const NS = {
  hl7: 'urn:hl7-org:v3',
  sdtc: 'urn:hl7-org:sdtc',
  lab: 'urn:oid:1.3.6.1.4.1.19376.1.3.2',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
};
const select = xpath.useNamespaces(NS);
const asDom = (node: XmlNode) => node as unknown as Node;

/** An XPath expression parsed once (xpath's `select` parses its expression again at every call). */
interface CompiledXPath {
  select(options: { node: Node; namespaces: Record<string, string> }): Node[];
  evaluateBoolean(options: { node: Node; namespaces: Record<string, string> }): boolean;
}
const compiled = new Map<string, CompiledXPath>();
function compile(expression: string): CompiledXPath {
  let found = compiled.get(expression);
  if (!found) {
    found = (xpath as unknown as { parse(expression: string): CompiledXPath }).parse(expression);
    compiled.set(expression, found);
  }
  return found;
}

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

/**
 * Takes a long base64 PDF out of the document: `xml` with a short
 * placeholder in its place (for the XSD pass and the rules' DOM, which never
 * look inside it) and the base64 itself (checked on the string).
 */
export function splitPdf(xml: string): { xml: string; pdf: string | null } {
  const start = xml.search(/<(?:[A-Za-z_][\w.-]*:)?nonXMLBody\b/);
  if (start < 0) return { xml, pdf: null };
  const open = /<(?:[A-Za-z_][\w.-]*:)?text\b[^>]*>/g;
  open.lastIndex = start;
  const m = open.exec(xml);
  if (!m) return { xml, pdf: null };
  const from = m.index + m[0].length;
  const to = xml.indexOf('<', from);
  if (to < 0 || to - from < 1024) return { xml, pdf: null };
  const pdf = xml.slice(from, to);
  return /^[A-Za-z0-9+/=\s]*$/.test(pdf) ? { xml: `${xml.slice(0, from)}${PDF_PLACEHOLDER}${xml.slice(to)}`, pdf } : { xml, pdf: null };
}

/** `%PDF-` in base64: the placeholder still reads as a PDF start. */
const PDF_PLACEHOLDER = 'JVBERi0=';

/** libxml2's validation errors → problems, in French. */
export function xsdProblems(errors: { line: number; message: string; wellFormed?: false }[]): CdaProblem[] {
  return errors.map((e) => {
    const detail = e.message
      .replace(/^Element '([^']+)': /, 'élément $1 : ')
      .replace(/^Element '([^']+)', attribute '([^']+)': /, 'élément $1, attribut $2 : ');
    return e.wellFormed === false
      ? { rule: 'XML', message: `Document ${detail.charAt(0).toLowerCase()}${detail.slice(1)}`, location: `ligne ${e.line}` }
      : { rule: 'XSD', message: `Non conforme au schéma CDA (CDA_extended.xsd) : ${detail}`, location: `ligne ${e.line}` };
  });
}

export class CdaSelfCheck {
  readonly referenceDir: string;
  private readonly schemaFile: string;
  private readonly valueSets = new Map<string, Set<string>>();
  private readonly timeoutMs: number;
  private readonly xsd: XsdValidatorPool;

  constructor(options: CdaSelfCheckOptions = {}) {
    this.referenceDir = path.resolve(options.referenceDir ?? process.env.CABINET_CDA_REFERENCE_DIR ?? DEFAULT_CDA_REFERENCE_DIR);
    this.timeoutMs = options.timeoutMs ?? 15_000;
    const xsdDir = path.join(this.referenceDir, XSD_SUBDIR);
    const missing = () =>
      new CabinetError(
        'CONFIG_INVALID',
        `Vérification CDA : dossier de référence introuvable ou incomplet (${this.referenceDir}). Il doit contenir xsd/${XSD_ENTRY} et les jeux de valeurs de la structuration minimale, livrés avec Cabinet dans reference-data/cda : l’installation est incomplète.`,
      );
    if (!fs.existsSync(path.join(xsdDir, XSD_ENTRY))) throw missing();
    for (const relative of listFiles(xsdDir)) {
      if (fs.statSync(path.join(xsdDir, relative)).size > MAX_SCHEMA_BYTES) throw missing();
    }
    this.schemaFile = path.join(xsdDir, XSD_ENTRY);
    this.xsd = options.pool ?? sharedXsdPool();
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
    const body = splitPdf(xml);
    const parsed = parse(body.xml);
    if ('problem' in parsed) return [parsed.problem];
    const doc = parsed.doc;
    const helpers: RuleHelpers = { inValueSet: (oid, code) => this.valueSets.get(oid)?.has(code) ?? false };
    const problems: CdaProblem[] = [];
    // `//hl7:ClinicalDocument[typeId…]` (a scan of the whole document) found once, not once per rule.
    const roots = compile(CLINICAL_DOCUMENT_CONTEXT).select({ node: asDom(doc), namespaces: NS }) as unknown as XmlNode[];
    for (const rule of CDA_RULES) problems.push(...evaluate(rule, doc, helpers, roots));
    problems.push(...checkPdfBody(doc, body.pdf));
    return problems;
  }

  /** Compiles the schema now (in the worker), so that the first document sent does not wait for it. */
  prepare(): Promise<void> {
    return this.xsd.prepare(this.schemaFile);
  }

  /** The XSD part alone. */
  async checkSchema(xml: string): Promise<CdaProblem[]> {
    if (/<!DOCTYPE/i.test(xml.slice(0, 4096)))
      return [{ rule: 'XML', message: 'Document refusé : une DTD (DOCTYPE) est interdite dans un CDA.', location: '/' }];
    const result = await this.xsd.validate(this.schemaFile, splitPdf(xml).xml, this.timeoutMs);
    if (result.valid) return [];
    if (result.errors.some((e) => e.schema))
      throw new CabinetError('UNAVAILABLE', `Vérification du schéma CDA impossible : ${result.errors[0]!.message}`);
    return xsdProblems(result.errors);
  }

  /** Both parts; `{ ok: true }` only when nothing is wrong. */
  async check(xml: string): Promise<CdaCheckResult> {
    if (xml.length > MAX_CDA_CHARS)
      return {
        ok: false,
        problems: [{ rule: 'CABINET-N1-04', message: 'Document CDA trop volumineux (PDF de 20 Mo au plus).', location: '/' }],
      };
    const rules = this.checkRules(xml);
    if (rules.some((p) => p.rule === 'XML')) return { ok: false, problems: rules };
    const schema = await this.checkSchema(xml);
    const problems = [...schema, ...rules];
    return problems.length === 0 ? { ok: true } : { ok: false, problems };
  }

  /** The shared pool outlives a checker (its workers are unref'd); a checker's own pool is the caller's to close. */
  close(): void {}
}

function parse(xml: string): { doc: Document } | { problem: CdaProblem } {
  try {
    // Size, depth, time, no DTD: checked by the bounded reader before the DOM sees the text.
    precheckXml(xml, {
      label: 'Document CDA',
      maxBytes: MAX_CDA_BYTES,
      maxDepth: MAX_CDA_DEPTH,
      deadlineMs: 10_000,
      refuse: (message, reason) =>
        new CabinetError(
          'CHECK_FAILED',
          reason === 'doctype' ? 'Document refusé : une DTD (DOCTYPE) est interdite dans un CDA.' : `Document refusé : ${message}.`,
        ),
    });
  } catch (error) {
    if (error instanceof CabinetError) return { problem: { rule: 'XML', message: error.message, location: '/' } };
    throw error;
  }
  try {
    const doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(xml, 'text/xml');
    return { doc };
  } catch (error) {
    return {
      problem: {
        rule: 'XML',
        message: `Document XML mal formé : ${String((error as Error)?.message ?? error).slice(0, 200)}`,
        location: '/',
      },
    };
  }
}

/**
 * The nodes of a rule's context. `//CD[p]/rest` is evaluated as `rest` from
 * each node of `//CD[p]` (found once per document): the same nodes (a
 * ClinicalDocument inside another, which the schema forbids, could only
 * yield a node twice, removed here).
 */
function contextNodes(rule: CdaRule, doc: Document, roots: readonly XmlNode[]): XmlNode[] {
  if (rule.context === '/') return [doc as unknown as XmlNode];
  if (rule.context === CLINICAL_DOCUMENT_CONTEXT) return [...roots];
  if (rule.context.startsWith(`${CLINICAL_DOCUMENT_CONTEXT}/`)) {
    const rest = compile(rule.context.slice(CLINICAL_DOCUMENT_CONTEXT.length + 1));
    const nodes = roots.flatMap((root) => rest.select({ node: asDom(root), namespaces: NS }) as unknown as XmlNode[]);
    return roots.length > 1 ? [...new Set(nodes)] : nodes;
  }
  return compile(rule.context).select({ node: asDom(doc), namespaces: NS }) as unknown as XmlNode[];
}

function evaluate(rule: CdaRule, doc: Document, helpers: RuleHelpers, roots: readonly XmlNode[]): CdaProblem[] {
  const problems: CdaProblem[] = [];
  const contexts = contextNodes(rule, doc, roots);
  for (const node of contexts) {
    for (const assert of rule.asserts) {
      // The rules' expressions are compiled once per process; XPath boolean() of the result, as before.
      const passed =
        typeof assert.test === 'function'
          ? assert.test(node as Element, helpers)
          : compile(assert.test).evaluateBoolean({ node: asDom(node), namespaces: NS });
      if (!passed)
        problems.push({
          rule: rule.id,
          message: assert.message.charAt(0).toUpperCase() + assert.message.slice(1),
          location: node.nodeType === 1 ? locationOf(node) : '/',
        });
    }
  }
  return problems;
}

/** CABINET-N1-03 / -04: the body is base64 of a PDF (`%PDF-`), 20 MiB at most (`pdf`: the base64 taken out by {@link splitPdf}). */
function checkPdfBody(doc: Document, pdf: string | null): CdaProblem[] {
  const texts = select('/hl7:ClinicalDocument/hl7:component/hl7:nonXMLBody/hl7:text', asDom(doc)) as unknown as Element[];
  if (texts.length !== 1) return [];
  const text = texts[0]!;
  const location = locationOf(text);
  const content = (pdf ?? text.textContent ?? '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content) || content.length % 4 !== 0 || content.length === 0) {
    return [{ rule: 'CABINET-N1-03', message: 'Le corps du document n’est pas un contenu base64 valide.', location }];
  }
  if ((content.length / 4) * 3 > MAX_PDF_BYTES + 2)
    return [{ rule: 'CABINET-N1-04', message: 'Le PDF est trop volumineux (20 Mo au plus).', location }];
  if (!Buffer.from(content.slice(0, 8), 'base64').subarray(0, 5).equals(Buffer.from('%PDF-', 'latin1'))) {
    return [{ rule: 'CABINET-N1-03', message: 'Le corps du document n’est pas un PDF (il ne commence pas par « %PDF- »).', location }];
  }
  return [];
}
