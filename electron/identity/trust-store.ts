/**
 * The trust anchors, intermediate authorities and CRLs practitioners'
 * certificates are checked against, read from one folder (CABINET_TRUST_DIR,
 * the managed file's `trustDir`, or in the sandbox the test PKI made by
 * `cabinet pki init <data>/pki-test`). Every *.pem/*.crt/*.cer that is a CA
 * certificate counts (self-signed ones are anchors); every *.crl is a CRL.
 * Leaf certificates in the folder are ignored.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface TrustStore {
  dir: string | null;
  anchorsPem: string[];
  intermediatesPem: string[];
  crls: Buffer[];
}

const MAX_FILES = 500;
const MAX_FILE_BYTES = 2 * 1024 * 1024;

export const emptyTrust: TrustStore = { dir: null, anchorsPem: [], intermediatesPem: [], crls: [] };

function walk(dir: string, out: string[] = [], depth = 0): string[] {
  if (depth > 4 || out.length >= MAX_FILES) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out, depth + 1);
    else if (entry.isFile() && /\.(pem|crt|cer|crl)$/i.test(entry.name)) out.push(full);
  }
  return out;
}

export function loadTrustStore(dir: string | null): TrustStore {
  if (!dir || !fs.existsSync(dir)) return { ...emptyTrust, dir };
  const store: TrustStore = { dir, anchorsPem: [], intermediatesPem: [], crls: [] };
  const seen = new Set<string>();
  for (const file of walk(dir)) {
    if (fs.statSync(file).size > MAX_FILE_BYTES) continue;
    const content = fs.readFileSync(file);
    if (/\.crl$/i.test(file)) {
      store.crls.push(content);
      continue;
    }
    const text = content.toString('latin1');
    if (text.includes('BEGIN X509 CRL')) {
      store.crls.push(content);
      continue;
    }
    for (const pem of text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) {
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(pem);
      } catch {
        continue;
      }
      if (!cert.ca || seen.has(cert.fingerprint256)) continue;
      seen.add(cert.fingerprint256);
      (cert.checkIssued(cert) && cert.verify(cert.publicKey) ? store.anchorsPem : store.intermediatesPem).push(cert.toString());
    }
  }
  return store;
}
