/**
 * A long-lived worker validating XML against XSD schemas with libxml2
 * (libxml2-wasm). Each schema is parsed and compiled ONCE (the CDA schema
 * takes ~0.7 s) and kept; a validation then costs only the document's parse
 * and walk (~1 ms for a level-1 CDA without its PDF).
 *
 * Only files under the folders of the schemas asked for can be read (the
 * schemas' own xs:include / xs:import): the documents themselves are parsed
 * without loading anything (no DTD, no external entity, no network).
 *
 * Protocol: { cabinetXsd: true, id, schema, xml } → { cabinetXsdReply: true, id, ok, errors:[{line, message}] }
 *           { cabinetXsd: true, id, schema, prepare: true } → compiles only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { URL } from 'node:url';
import { parentPort } from 'node:worker_threads';
import { ParseOption, XmlDocument, XsdValidator, xmlRegisterInputProvider } from 'libxml2-wasm';

const roots = new Set();
const open = new Map();
let nextFd = 1;

function allowed(filename) {
  let file = filename;
  if (file.startsWith('file://')) {
    try {
      file = new URL(file).pathname;
    } catch {
      return null;
    }
  }
  if (!path.isAbsolute(file)) return null;
  const resolved = path.resolve(file);
  for (const root of roots) if (resolved.startsWith(root + path.sep)) return resolved;
  return null;
}

xmlRegisterInputProvider({
  match: (filename) => allowed(filename) !== null,
  open(filename) {
    const file = allowed(filename);
    if (!file) return undefined;
    try {
      const fd = nextFd++;
      open.set(fd, { data: fs.readFileSync(file), offset: 0 });
      return fd;
    } catch {
      return undefined;
    }
  },
  read(fd, buf) {
    const entry = open.get(fd);
    if (!entry) return -1;
    const n = Math.min(buf.byteLength, entry.data.length - entry.offset);
    buf.set(entry.data.subarray(entry.offset, entry.offset + n));
    entry.offset += n;
    return n;
  },
  close(fd) {
    return open.delete(fd);
  },
});

const validators = new Map();

function validatorFor(schema) {
  let validator = validators.get(schema);
  if (!validator) {
    roots.add(path.dirname(schema));
    const doc = XmlDocument.fromBuffer(fs.readFileSync(schema), { url: schema });
    try {
      validator = XsdValidator.fromDoc(doc);
    } finally {
      doc.dispose();
    }
    validators.set(schema, validator);
  }
  return validator;
}

/** No DTD loading, no entity substitution, no network, no external entity. */
const DOCUMENT_OPTIONS = { option: ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE };

parentPort.on('message', (message) => {
  if (!message || message.cabinetXsd !== true) return;
  const reply = (ok, errors) => parentPort.postMessage({ cabinetXsdReply: true, id: message.id, ok, errors });
  let validator;
  try {
    validator = validatorFor(message.schema);
  } catch (error) {
    reply(false, [{ line: 0, message: `schéma illisible : ${String(error?.message ?? error).slice(0, 300)}`, schema: true }]);
    return;
  }
  if (message.prepare) {
    reply(true, []);
    return;
  }
  let doc;
  try {
    doc = XmlDocument.fromString(message.xml, DOCUMENT_OPTIONS);
  } catch (error) {
    const details = Array.isArray(error?.details) ? error.details : [];
    reply(
      false,
      details.length
        ? details
            .slice(0, 50)
            .map((d) => ({ line: d.line ?? 0, message: `XML mal formé : ${String(d.message).trim()}`, wellFormed: false }))
        : [{ line: 0, message: 'XML mal formé.', wellFormed: false }],
    );
    return;
  }
  try {
    validator.validate(doc);
    reply(true, []);
  } catch (error) {
    const details = Array.isArray(error?.details) ? error.details : [];
    reply(
      false,
      details.length
        ? details.slice(0, 50).map((d) => ({ line: d.line ?? 0, message: String(d.message).trim() }))
        : [{ line: 0, message: String(error?.message ?? error).slice(0, 300) }],
    );
  } finally {
    doc.dispose();
  }
});
