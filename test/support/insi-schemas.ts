/**
 * XSD validation of INSi messages against the official schemas of
 * ../shared/reference/insi (read there, never copied), with xmllint-wasm
 * (libxml2 in WebAssembly: no network, no system package). And
 * {@link envelopeParts}: the header elements and the body payload of a SOAP
 * envelope, each serialised alone so that it can be validated against its
 * own schema (the SOAP 1.2 envelope and WS-Addressing schemas are not in the
 * reference folder; the tests check those parts by structure).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DOMParser, XMLSerializer, type Element } from '@xmldom/xmldom';
import { validateXML, type XMLFileInfo } from 'xmllint-wasm';

export const INSI_REFERENCE_DIR = path.resolve(import.meta.dirname, '../../../shared/reference/insi');

function file(relative: string): XMLFileInfo {
  return { fileName: relative, contents: fs.readFileSync(path.join(INSI_REFERENCE_DIR, relative), 'utf8') };
}

/** Which schema validates which element. */
export const insiSchemas = {
  ContexteBAM: { schema: 'xsd/CTX/ROOT_ctxbam_CTXBAM_V01_02.xsd', preload: [] },
  ContexteLPS: { schema: 'xsd/CTX/ROOT_ctxlps_CTXLPS_V01_00.xsd', preload: [] },
  RECSANSVITALE: { schema: 'xsd/ServiceIdentiteCertifiee/INSi_RECSANS_INS.xsd', preload: [] },
  RECVITALE: { schema: 'xsd/ServiceIdentiteCertifiee/INSi_RECVITALE_INS.xsd', preload: [] },
  RESULTAT: { schema: 'xsd/ServiceIdentiteCertifiee/INSi_RESULTAT_INS.xsd', preload: [] },
  Erreur: { schema: 'xsd/schema_faultSOAP_V01_01.xsd', preload: [] },
  // wsse:Security imports the SAML assertion schema, which imports xmldsig and xenc.
  Security: {
    schema: 'xsd/WSSE/Security.xsd',
    preload: ['xsd/SAML/saml-schema-assertion-2.0.xsd', 'xsd/SAML/xmldsig-core-schema.xsd', 'xsd/SAML/xenc-schema.xsd'],
  },
} as const;
export type InsiSchemaName = keyof typeof insiSchemas;

export interface SchemaCheck {
  valid: boolean;
  errors: string[];
}

/** Validates several documents against one schema in one xmllint run. */
export async function validateAgainst(name: InsiSchemaName, documents: readonly string[]): Promise<SchemaCheck> {
  if (documents.length === 0) return { valid: true, errors: [] };
  const { schema, preload } = insiSchemas[name];
  const result = await validateXML({
    xml: documents.map((contents, i) => ({ fileName: `doc-${name}-${i}.xml`, contents })),
    schema: [file(schema)],
    preload: preload.map(file),
  });
  return { valid: result.valid, errors: result.errors.map((e) => e.rawMessage) };
}

export interface EnvelopeParts {
  /** Local names of the header children, in order. */
  headerOrder: string[];
  /** Each header child and the body payload, serialised alone (namespaces declared on it). */
  parts: Partial<Record<string, string>>;
  bodyElement: string;
  envelope: Element;
}

function elementChildren(element: Element): Element[] {
  const out: Element[] = [];
  for (let node = element.firstChild; node; node = node.nextSibling) if (node.nodeType === 1) out.push(node as Element);
  return out;
}

export function envelopeParts(xml: string): EnvelopeParts {
  const document = new DOMParser().parseFromString(xml, 'text/xml');
  const envelope = document.documentElement;
  if (!envelope) throw new Error('pas d’enveloppe');
  const [header, body] = elementChildren(envelope);
  if (!header || !body) throw new Error('en-tête ou corps absent');
  const serializer = new XMLSerializer();
  const parts: Partial<Record<string, string>> = {};
  const headerChildren = elementChildren(header);
  for (const child of headerChildren) {
    const key = child.localName === 'Action' || child.localName === 'MessageID' ? `wsa:${child.localName}` : (child.localName ?? '');
    parts[key] = serializer.serializeToString(child);
  }
  const payload = elementChildren(body)[0];
  if (!payload) throw new Error('corps vide');
  parts[payload.localName ?? ''] = serializer.serializeToString(payload);
  return { headerOrder: headerChildren.map((c) => c.localName ?? ''), parts, bodyElement: payload.localName ?? '', envelope };
}

/** Validates every part of every envelope against its schema; returns the errors (empty when all are valid). */
export async function validateEnvelopes(xmls: readonly string[]): Promise<string[]> {
  const byName = new Map<InsiSchemaName, string[]>();
  for (const xml of xmls) {
    const { parts } = envelopeParts(xml);
    for (const [key, part] of Object.entries(parts)) {
      if (part === undefined || !(key in insiSchemas)) continue;
      const name = key as InsiSchemaName;
      byName.set(name, [...(byName.get(name) ?? []), part]);
    }
  }
  const errors: string[] = [];
  for (const [name, documents] of byName) {
    const check = await validateAgainst(name, documents);
    if (!check.valid) errors.push(...check.errors.map((e) => `${name}: ${e}`));
  }
  return errors;
}
