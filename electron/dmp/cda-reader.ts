/**
 * Reads what the DMP panel needs from a retrieved CDA, in one streaming pass
 * (saxes; a 20 MiB PDF makes a ~27 MiB document, so no DOM): is it level 1
 * (a `nonXMLBody` carrying a base64 PDF) or level 3 (a `structuredBody`), the
 * PDF's base64, and the header identifiers a replacement needs (id, setId,
 * versionNumber). DOCTYPE/ENTITY refused; size, depth and time bounded while reading
 * (`electron/platform/xml/bounded.ts`).
 */
import { CabinetError } from '../../shared/contract/outcome.js';
import { readXml } from '../platform/xml/bounded.js';
import type { CdaId } from './cda/builder.js';

export const MAX_CDA_BYTES = 40 * 1024 * 1024;
const HL7_NS = 'urn:hl7-org:v3';
/** A CDA nests sections, entries and their relationships: a few dozen levels in practice. */
export const MAX_CDA_DEPTH = 256;
const TIME_BUDGET_MS = 10_000;

export interface CdaReading {
  level: 'cda-n1' | 'cda-n3' | null;
  /** The PDF of a level-1 CDA, base64 without whitespace; null otherwise. */
  pdfBase64: string | null;
  id: CdaId | null;
  setId: CdaId | null;
  versionNumber: number | null;
}

/** Thrown inside the parser to stop at a root element that is not a CDA. */
class NotCda extends Error {}

const unreadable = (reason: string, why?: string) =>
  new CabinetError('CHECK_FAILED', `Document CDA illisible : ${reason}.`, why ? { reason: why } : undefined);

function idOf(attributes: Record<string, string>): CdaId | null {
  const root = attributes.root;
  if (!root) return null;
  return attributes.extension ? { root, extension: attributes.extension } : { root };
}

/** Returns null when the bytes are not a CDA document (another XML, or not XML at all). */
export function readCda(bytes: Buffer): CdaReading | null {
  if (bytes.length > MAX_CDA_BYTES) throw unreadable(`plus de ${MAX_CDA_BYTES / 1048576} Mo`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  if (!/^\uFEFF?\s*</.test(text.slice(0, 64))) return null;

  const result: CdaReading = { level: null, pdfBase64: null, id: null, setId: null, versionNumber: null };
  const path: string[] = [];
  let pdfParts: string[] | null = null;
  let pdfText = false;

  try {
    readXml(
      text,
      {
        label: 'Document CDA',
        maxBytes: MAX_CDA_BYTES,
        maxDepth: MAX_CDA_DEPTH,
        deadlineMs: TIME_BUDGET_MS,
        refuse: (message, reason) => unreadable(message, reason),
      },
      {
        opentag: (tag) => {
          const local = tag.local ?? tag.name;
          const uri = tag.uri ?? '';
          const attributes: Record<string, string> = {};
          for (const attribute of Object.values(tag.attributes)) attributes[attribute.local] = attribute.value;
          path.push(local);
          if (path.length === 1 && (local !== 'ClinicalDocument' || uri !== HL7_NS)) throw new NotCda();
          if (path.length === 2) {
            if (local === 'id') result.id = idOf(attributes);
            else if (local === 'setId') result.setId = idOf(attributes);
            else if (local === 'versionNumber' && /^\d{1,6}$/.test(attributes.value ?? '')) result.versionNumber = Number(attributes.value);
          }
          if (path.length === 3 && path[1] === 'component') {
            if (local === 'nonXMLBody') result.level = 'cda-n1';
            else if (local === 'structuredBody') result.level = 'cda-n3';
          }
          if (path.length === 4 && path[2] === 'nonXMLBody' && local === 'text') {
            const media = (attributes.mediaType ?? '').toLowerCase();
            if (media === 'application/pdf' && (attributes.representation ?? '').toUpperCase() === 'B64') {
              pdfParts = [];
              pdfText = true;
            }
          }
        },
        text: (chunk) => {
          if (pdfText && pdfParts) pdfParts.push(chunk);
        },
        closetag: () => {
          if (pdfText && path.length === 4) pdfText = false;
          path.pop();
        },
      },
      { xmlns: true },
    );
  } catch (error) {
    if (error instanceof NotCda) return null;
    throw error;
  }
  if (pdfParts) {
    const base64 = (pdfParts as string[]).join('').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw unreadable('le PDF encapsulé n’est pas en base64 valide');
    result.pdfBase64 = base64;
  }
  return result;
}
