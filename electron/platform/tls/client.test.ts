import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import type { TlsCredentials } from './credentials.js';
import { makeServerCertificates, type TestCertificates } from '../../../test/support/certs.js';
import { createSoftHsmToken, PKCS11_ENGINE, SOFTHSM_MODULE, type SoftHsmToken } from '../../../test/support/softhsm-token.js';
import { issueLeaf, makeAuthority, type TestAuthority, type TestLeaf } from '../../../test/support/throwaway-ca.js';
import { engineLocation, httpsAgent, tlsClientOptions } from './client.js';

let server: TestCertificates;
let clientCa: TestAuthority;
let good: TestLeaf;
let foreign: TestLeaf;
let token: SoftHsmToken;
/** A second token the engine never logs into successfully (it keeps its login for the process). */
let pinToken: SoftHsmToken;
let tlsServer: tls.Server;
let port: number;
/** What the server saw: the peer CN of each accepted connection, and the number of refused handshakes. */
const seen = { accepted: [] as string[], refused: 0 };

const trust = () => ({ extraCa: [server.caPem] });
const pem = (leaf: TestLeaf): TlsCredentials => ({ kind: 'pem', keyPem: leaf.keyPem, certPem: leaf.certPem, chainPem: [] });
const engine = (leaf: TestLeaf, id: string, keyUri = token.keyUri(id), enginePath = PKCS11_ENGINE): TlsCredentials => ({
  kind: 'pkcs11-engine',
  enginePath,
  keyUri,
  certPem: leaf.certPem,
  chainPem: [],
  modulePath: SOFTHSM_MODULE,
});

interface Attempt {
  data: string;
  error: NodeJS.ErrnoException | null;
}

/** Connects, reads until the server closes; resolves with what came back and the error, if any. */
function attempt(options: tls.ConnectionOptions, targetPort = port): Promise<Attempt> {
  return new Promise((resolve) => {
    let data = '';
    let error: NodeJS.ErrnoException | null = null;
    const socket = tls.connect({ ...options, host: '127.0.0.1', port: targetPort });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e));
    socket.on('close', () => resolve({ data, error }));
  });
}

function refusal(run: () => unknown): CabinetError {
  try {
    run();
  } catch (error) {
    if (error instanceof CabinetError) return error;
    throw error;
  }
  throw new Error('not refused');
}

beforeAll(async () => {
  server = makeServerCertificates();
  clientCa = makeAuthority('AC Clients Cabinet');
  good = issueLeaf(clientCa, {
    usage: 'client',
    subject: [
      { type: 'commonName', value: '899700366240' },
      { type: 'countryName', value: 'FR' },
    ],
  });
  foreign = issueLeaf(makeAuthority('AC Étrangère'), { usage: 'client', subject: [{ type: 'commonName', value: 'intrus' }] });
  token = createSoftHsmToken('CPS-TLS');
  token.importKey('01', good.keyPem, good.certPem);
  token.importKey('03', foreign.keyPem, foreign.certPem);
  // Created before any PKCS#11 use: SoftHSM reads its token folder at C_Initialize.
  pinToken = token.addToken('CPS-PIN', '4321');
  pinToken.importKey('01', good.keyPem, good.certPem);

  tlsServer = tls.createServer(
    { key: server.keyPem, cert: server.certPem, ca: [clientCa.certPem], requestCert: true, rejectUnauthorized: true },
    (socket) => {
      const cn = String(socket.getPeerCertificate().subject?.CN ?? '');
      seen.accepted.push(cn);
      socket.end(`bonjour ${cn}\n`);
    },
  );
  tlsServer.on('tlsClientError', () => (seen.refused += 1));
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  port = (tlsServer.address() as AddressInfo).port;
});

afterAll(() => {
  tlsServer?.close();
  token?.remove();
});

describe('tlsClientOptions', () => {
  it('always verifies, TLS 1.2 at least, with system roots plus the extra authorities', () => {
    const options = tlsClientOptions(null, trust(), 'localhost');
    expect(options.rejectUnauthorized).toBe(true);
    expect(options.minVersion).toBe('TLSv1.2');
    expect(options.servername).toBe('localhost');
    expect(options.secureContext).toBeDefined();
    expect(options.ca).toEqual([...tls.rootCertificates, server.caPem]);
    expect(tlsClientOptions(null, { extraCa: [] }, '127.0.0.1')).not.toHaveProperty('servername');
    expect(tlsClientOptions(null, { extraCa: [] })).not.toHaveProperty('ca');
    expect(tlsClientOptions(pem(good), trust()).cert).toContain('BEGIN CERTIFICATE');
    const engineOptions = tlsClientOptions(engine(good, '01'), trust());
    expect(engineOptions).toMatchObject({ privateKeyEngine: 'pkcs11', privateKeyIdentifier: token.keyUri('01'), rejectUnauthorized: true });
    expect(engineLocation('/usr/lib/x86_64-linux-gnu/engines-3/libpkcs11.so')).toEqual({
      id: 'pkcs11',
      dir: '/usr/lib/x86_64-linux-gnu/engines-3',
    });
  });

  it('refuses a server from an unknown authority, or under another name', async () => {
    const unknown = await attempt(tlsClientOptions(pem(good), { extraCa: [] }, 'localhost'));
    expect(unknown.error?.code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
    const otherName = await attempt(tlsClientOptions(pem(good), trust(), 'dmp.exemple.fr'));
    expect(otherName.error?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(otherName.data).toBe('');
  });

  it('refuses credentials whose key does not match the certificate, in French', () => {
    const error = refusal(() => tlsClientOptions({ kind: 'pem', keyPem: foreign.keyPem, certPem: good.certPem, chainPem: [] }, trust()));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('ne correspond pas');
  });
});

describe('mutual TLS against a server that requires a client certificate', () => {
  it('PEM: a certificate from the expected authority is accepted, the server sees its CN', async () => {
    const before = seen.accepted.length;
    const result = await attempt(tlsClientOptions(pem(good), trust(), 'localhost'));
    expect(result.error).toBeNull();
    expect(result.data).toBe('bonjour 899700366240\n');
    expect(seen.accepted.slice(before)).toEqual(['899700366240']);
  });

  it('PEM: a certificate from another authority is refused', async () => {
    const before = { ...seen, accepted: seen.accepted.length };
    const result = await attempt(tlsClientOptions(pem(foreign), trust(), 'localhost'));
    // Node's server checks the peer after the TLS 1.3 handshake and just closes: no data, no greeting.
    expect(result.data).toBe('');
    expect(seen.refused).toBe(before.refused + 1);
    expect(seen.accepted.length).toBe(before.accepted);
  });

  it('no certificate is refused', async () => {
    const refusedBefore = seen.refused;
    const result = await attempt(tlsClientOptions(null, trust(), 'localhost'));
    expect(result.data).toBe('');
    expect(result.error?.code).toMatch(/CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE/);
    expect(seen.refused).toBe(refusedBefore + 1);
  });

  it('SoftHSM2 token key through the OpenSSL engine: accepted, and again with a second context', async () => {
    const before = seen.accepted.length;
    const first = await attempt(tlsClientOptions(engine(good, '01'), trust(), 'localhost'));
    expect(first.error).toBeNull();
    expect(first.data).toBe('bonjour 899700366240\n');
    // A second context for the same card (libp11 0.4.12 breaks here when the engine is loaded by path).
    const second = await attempt(tlsClientOptions(engine(good, '01'), trust(), 'localhost'));
    expect(second.data).toBe('bonjour 899700366240\n');
    expect(seen.accepted.slice(before)).toEqual(['899700366240', '899700366240']);
  });

  it('SoftHSM2 token key from another authority: refused', async () => {
    const refusedBefore = seen.refused;
    const acceptedBefore = seen.accepted.length;
    const result = await attempt(tlsClientOptions(engine(foreign, '03'), trust(), 'localhost'));
    expect(result.data).toBe('');
    expect(seen.refused).toBe(refusedBefore + 1);
    expect(seen.accepted.length).toBe(acceptedBefore);
  });

  it('engine errors are French: wrong PIN, missing key, missing engine', () => {
    const wrongPin = refusal(() =>
      tlsClientOptions(engine(good, '01', pinToken.keyUri('01').replace('pin-value=4321', 'pin-value=0000')), trust()),
    );
    expect(wrongPin.code).toBe('UNAUTHORIZED');
    expect(wrongPin.message).toContain('Code PIN refusé');
    const missingKey = refusal(() => tlsClientOptions(engine(good, '09'), trust()));
    expect(missingKey.message).toContain('introuvable sur la carte');
    const missingEngine = refusal(() =>
      tlsClientOptions(engine(good, '01', token.keyUri('01'), '/nulle-part/engines/pkcs11-absent.so'), trust()),
    );
    expect(missingEngine.code).toBe('UNAVAILABLE');
    // The environment is left as it was.
    expect(process.env.OPENSSL_ENGINES).toBeUndefined();
    expect(process.env.PKCS11_MODULE_PATH).toBeUndefined();
  });

  it('refuses the engine route inside Electron, where BoringSSL has no engines', () => {
    Object.defineProperty(process.versions, 'electron', { value: '45.4.1', configurable: true, enumerable: true });
    try {
      const error = refusal(() => tlsClientOptions(engine(good, '01'), trust()));
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toContain('Chromium');
      // PEM credentials work the same in Electron's Node.
      expect(tlsClientOptions(pem(good), trust()).secureContext).toBeDefined();
    } finally {
      delete (process.versions as Record<string, string | undefined>).electron;
    }
  });
});

describe('httpsAgent', () => {
  it('authenticates HTTPS requests, with PEM and with the token key', async () => {
    const httpsServer = https.createServer(
      { key: server.keyPem, cert: server.certPem, ca: [clientCa.certPem], requestCert: true, rejectUnauthorized: true },
      (request, response) => {
        const peer = (request.socket as tls.TLSSocket).getPeerCertificate();
        response.end(`DMP: ${String(peer.subject?.CN)}`);
      },
    );
    httpsServer.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
    const httpsPort = (httpsServer.address() as AddressInfo).port;
    const get = (agent: https.Agent) =>
      new Promise<{ status?: number; body: string; error?: NodeJS.ErrnoException }>((resolve) => {
        const request = https.get({ host: 'localhost', port: httpsPort, path: '/dmp', agent }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode, body }));
        });
        request.on('error', (error: NodeJS.ErrnoException) => resolve({ body: '', error }));
      });
    try {
      for (const credentials of [pem(good), engine(good, '01')]) {
        const agent = httpsAgent(credentials, trust());
        expect(await get(agent)).toEqual({ status: 200, body: 'DMP: 899700366240' });
        agent.destroy();
      }
      const anonymous = httpsAgent(null, trust());
      expect((await get(anonymous)).error).toBeDefined();
      anonymous.destroy();
    } finally {
      httpsServer.close();
    }
  });
});
