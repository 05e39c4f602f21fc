/** What the HTTPS sandboxes (INSi, DMP) share: their test PKI and the URL they announce. */
import { CabinetError } from '../shared/contract/outcome.js';
import { loadTestPki, type PkiManifest } from './pki/test-pki.js';

/** The data folder's test PKI, or a French refusal naming the sandbox and how to create it. */
export function readSandboxPki(dir: string, sandbox: string): PkiManifest {
  try {
    return loadTestPki(dir);
  } catch {
    throw new CabinetError(
      'CONFIG_INVALID',
      `Bac à sable ${sandbox} : IGC de test introuvable ou illisible dans ${dir} (manifest.json). Créez-la avec « npx cabinet pki init ${dir} ».`,
    );
  }
}

/** The URL a sandbox announces: `localhost` for a loopback address (its certificate's name), brackets for IPv6. */
export function sandboxUrl(host: string, port: number, pathname: string): string {
  const loopback = ['127.0.0.1', '::1', 'localhost'].includes(host);
  const hostInUrl = loopback ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `https://${hostInUrl}:${port}${pathname}`;
}
