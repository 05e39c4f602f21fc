import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { makeServerCertificates, type TestCertificates } from '../../../test/support/certs.js';
import { issueLeaf, makeAuthority, type TestAuthority, type TestLeaf } from '../../../test/support/throwaway-ca.js';
import { nodeHttpsTransport } from './transport.js';

let server: TestCertificates;
let clientCa: TestAuthority;
let good: TestLeaf;
let httpsServer: https.Server;
let base: string;

beforeAll(async () => {
  server = makeServerCertificates();
  clientCa = makeAuthority('AC Clients Cabinet');
  good = issueLeaf(clientCa, { usage: 'client', subject: [{ type: 'commonName', value: '899700366240' }] });
  httpsServer = https.createServer(
    { key: server.keyPem, cert: server.certPem, ca: [clientCa.certPem], requestCert: true, rejectUnauthorized: true },
    (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.url === '/lent') return; // never answers
        if (request.url === '/gros') {
          response.end(Buffer.alloc(4096, 0x61));
          return;
        }
        const cn = String((request.socket as tls.TLSSocket).getPeerCertificate().subject?.CN);
        response.setHeader('content-type', 'application/soap+xml');
        response.end(`${request.method} ${request.url} ${cn} ${Buffer.concat(chunks).toString('utf8')}`);
      });
    },
  );
  httpsServer.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
  base = `https://localhost:${(httpsServer.address() as AddressInfo).port}`;
});

afterAll(() => {
  httpsServer.closeAllConnections();
  httpsServer.close();
});

async function refusal(run: () => Promise<unknown>): Promise<CabinetError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof CabinetError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('nodeHttpsTransport', () => {
  it('sends a request as the practitioner and returns the reply', async () => {
    const transport = nodeHttpsTransport(
      { kind: 'pem', keyPem: good.keyPem, certPem: good.certPem, chainPem: [] },
      { extraCa: [server.caPem] },
    );
    try {
      const reply = await transport.request({
        method: 'POST',
        url: `${base}/dmp`,
        headers: { 'content-type': 'application/soap+xml' },
        body: '<Envelope/>',
      });
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toBe('application/soap+xml');
      expect(reply.body.toString('utf8')).toBe('POST /dmp 899700366240 <Envelope/>');
    } finally {
      transport.close();
    }
  });

  it('says in French when the service refuses us, is too slow or answers too much, and refuses http://', async () => {
    const anonymous = nodeHttpsTransport(null, { extraCa: [server.caPem] });
    const refused = await refusal(() => anonymous.request({ method: 'GET', url: `${base}/dmp` }));
    expect(refused.message).toMatch(/certificat d’authentification/);
    anonymous.close();

    const transport = nodeHttpsTransport(
      { kind: 'pem', keyPem: good.keyPem, certPem: good.certPem, chainPem: [] },
      { extraCa: [server.caPem] },
      { maxResponseBytes: 1024 },
    );
    try {
      expect((await refusal(() => transport.request({ method: 'GET', url: `${base}/lent`, timeoutMs: 200 }))).message).toContain(
        'délai imparti',
      );
      expect((await refusal(() => transport.request({ method: 'GET', url: `${base}/gros` }))).message).toContain('trop volumineuse');
      expect((await refusal(() => transport.request({ method: 'GET', url: base.replace('https:', 'http:') }))).code).toBe('CONFIG_INVALID');
    } finally {
      transport.close();
    }
  });

  it('refuses a server it does not trust', async () => {
    const transport = nodeHttpsTransport({ kind: 'pem', keyPem: good.keyPem, certPem: good.certPem, chainPem: [] }, { extraCa: [] });
    try {
      expect((await refusal(() => transport.request({ method: 'GET', url: `${base}/dmp` }))).message).toContain('autorité non reconnue');
    } finally {
      transport.close();
    }
  });
});
