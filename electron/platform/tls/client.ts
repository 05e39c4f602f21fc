/**
 * TLS client options for the national services (DMP, INSi, MSSanté…), with or
 * without a client certificate. Same trust rule as the endpoint probes: the
 * system's authorities plus CABINET_EXTRA_CA, server certificate and name
 * always verified — there is no way to turn that off here.
 *
 * - `pem`: key, certificate and chain in memory (a software certificate opened
 *   from its .p12, or a test key).
 * - `pkcs11-engine`: the key stays on the card / token; OpenSSL reaches it
 *   through libp11's engine (`privateKeyEngine` + `privateKeyIdentifier`, a
 *   RFC 7512 `pkcs11:` URI; the PKCS#11 module named by PKCS11_MODULE_PATH).
 *   The engine is named by id (`pkcs11`, found in the folder of `enginePath`
 *   through OPENSSL_ENGINES), not by path: by path, Node loads a new engine
 *   instance for every context, and libp11 0.4.12 (Debian 12) cannot be
 *   initialised twice in a process (OpenSC/libp11#556, fixed in 0.4.13) — the
 *   second card connection would fail. By id, OpenSSL adds the engine to its
 *   list once and every later context reuses it.
 *   Plain Node only: Electron's BoringSSL has no engines (see README.md).
 *   Node 22 still supports these options; they are documentation-deprecated
 *   (DEP0183, because OpenSSL 3 deprecates engines for providers) and Node has
 *   no provider-based replacement for a TLS private key.
 *
 * The options carry a ready `secureContext`, built once here: the card key is
 * loaded (and logged in) once instead of at every connection, and a bad PIN,
 * a missing card or a missing engine is reported now, in French. The raw
 * fields (`cert`, `ca`, `privateKeyEngine`, …) stay in the options because
 * https.Agent builds its connection-pool key from them, so two identities
 * never share a pooled socket; tls.connect itself uses the secureContext.
 */
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { CabinetError } from '../../../shared/contract/outcome.js';
import type { TlsCredentials } from './credentials.js';
import { tlsTrust } from '../net/probe.js';

export interface TlsTrustSettings {
  /** Extra trust anchors (PEM), from CABINET_EXTRA_CA. */
  extraCa: readonly string[];
}

export const TLS_MIN_VERSION = 'TLSv1.2';

export function runningInElectron(): boolean {
  return typeof process.versions.electron === 'string';
}

function certificateChain(certPem: string, chainPem: readonly string[]): string {
  return [certPem, ...chainPem].map((pem) => pem.trim()).join('\n') + '\n';
}

/** `/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so` → engine id `pkcs11`, folder for OPENSSL_ENGINES. */
export function engineLocation(enginePath: string): { id: string; dir: string } {
  const id = path
    .basename(enginePath)
    .replace(/\.(so|dylib|dll)$/i, '')
    .replace(/^lib/, '');
  return { id, dir: path.dirname(enginePath) };
}

/**
 * Sets the variables OpenSSL and libp11 read while the engine loads and the
 * key is fetched (OPENSSL_ENGINES: where to find the engine by id;
 * PKCS11_MODULE_PATH: the PKCS#11 module, read once when the engine first
 * loads), then puts the previous values back.
 */
function withEngineEnvironment<T>(variables: Record<string, string>, run: () => T): T {
  const previous = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  Object.assign(process.env, variables);
  try {
    return run();
  } finally {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

function explainContextError(credentials: TlsCredentials, error: unknown): CabinetError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const message = (error as Error).message ?? '';
  if (credentials.kind === 'pkcs11-engine') {
    if (code === 'ERR_CRYPTO_ENGINE_UNKNOWN' || /DSO support|could not load the shared library|engine routines/i.test(message)) {
      return new CabinetError(
        'UNAVAILABLE',
        'Le module OpenSSL PKCS#11 (libengine-pkcs11-openssl) ou le module de la carte est introuvable : la connexion par carte est impossible.',
      );
    }
    if (code === 'ERR_OSSL_PIN_INCORRECT' || /PIN incorrect/i.test(message)) {
      return new CabinetError('UNAUTHORIZED', 'Code PIN refusé par la carte : la connexion par carte est impossible.');
    }
    if (code === 'ERR_OSSL_OBJECT_NOT_FOUND' || /not found/i.test(message)) {
      return new CabinetError(
        'UNAUTHORIZED',
        'La clé d’authentification est introuvable sur la carte (carte retirée ou autre carte insérée ?).',
      );
    }
    return new CabinetError(
      'UNAUTHORIZED',
      'La clé d’authentification de la carte est inaccessible (carte retirée, code PIN refusé ou carte bloquée).',
    );
  }
  if (/key values mismatch|KEY_VALUES_MISMATCH/i.test(message)) {
    return new CabinetError('CONFIG_INVALID', 'La clé privée ne correspond pas au certificat d’authentification.');
  }
  return new CabinetError('CONFIG_INVALID', 'Le certificat d’authentification ou sa clé est illisible.');
}

/**
 * Options for tls.connect / https.request / an https.Agent (and the `tls`
 * option of imapflow / nodemailer). `credentials: null` for server-only TLS.
 * `servername` (SNI, and the name checked in the server certificate) is set
 * unless it is an IP address.
 */
export function tlsClientOptions(credentials: TlsCredentials | null, trust: TlsTrustSettings, servername?: string): tls.ConnectionOptions {
  const base: tls.ConnectionOptions = {
    ...tlsTrust(trust.extraCa),
    minVersion: TLS_MIN_VERSION,
    rejectUnauthorized: true,
    ...(servername && !net.isIP(servername) ? { servername } : {}),
  };

  let options: tls.ConnectionOptions;
  if (!credentials) {
    options = base;
  } else if (credentials.kind === 'pem') {
    options = { ...base, key: credentials.keyPem, cert: certificateChain(credentials.certPem, credentials.chainPem) };
  } else {
    if (runningInElectron()) {
      throw new CabinetError(
        'UNAVAILABLE',
        'Dans l’application de bureau, la connexion avec la carte CPS passe par le réseau de Chromium, pas par ce module (voir electron/platform/tls/README.md).',
      );
    }
    options = {
      ...base,
      cert: certificateChain(credentials.certPem, credentials.chainPem),
      privateKeyEngine: engineLocation(credentials.enginePath).id,
      privateKeyIdentifier: credentials.keyUri,
    };
  }

  let secureContext: tls.SecureContext;
  try {
    secureContext =
      credentials?.kind === 'pkcs11-engine'
        ? withEngineEnvironment(
            { OPENSSL_ENGINES: engineLocation(credentials.enginePath).dir, PKCS11_MODULE_PATH: credentials.modulePath },
            () => tls.createSecureContext(options),
          )
        : tls.createSecureContext(options);
  } catch (error) {
    throw credentials
      ? explainContextError(credentials, error)
      : new CabinetError('CONFIG_INVALID', 'Une autorité de confiance supplémentaire (CABINET_EXTRA_CA) est illisible.');
  }
  // Never let a caller's spread turn verification off: these two come last.
  return { ...options, secureContext, rejectUnauthorized: true, minVersion: TLS_MIN_VERSION };
}

export interface HttpsAgentOptions {
  servername?: string;
  keepAlive?: boolean;
  maxSockets?: number;
}

/** An https.Agent that authenticates with these credentials (keep-alive by default: one handshake, one card signature, per connection). */
export function httpsAgent(credentials: TlsCredentials | null, trust: TlsTrustSettings, options: HttpsAgentOptions = {}): https.Agent {
  return new https.Agent({
    ...tlsClientOptions(credentials, trust, options.servername),
    keepAlive: options.keepAlive ?? true,
    maxSockets: options.maxSockets ?? 4,
  });
}
