import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeServerCertificates, type TestCertificates } from '../../../test/support/certs.js';
import { probeEndpoint } from './probe.js';

let certs: TestCertificates;
let tlsServer: tls.Server;
let smtpServer: net.Server;
let tlsPort: number;
let smtpPort: number;

beforeAll(async () => {
  certs = makeServerCertificates();
  tlsServer = tls.createServer({ key: certs.keyPem, cert: certs.certPem }, (socket) => socket.end());
  tlsServer.on('tlsClientError', () => undefined);
  smtpServer = net.createServer((socket) => socket.end('220 smtp.test-mssante.fr ESMTP\r\n'));
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => smtpServer.listen(0, '127.0.0.1', resolve));
  tlsPort = (tlsServer.address() as AddressInfo).port;
  smtpPort = (smtpServer.address() as AddressInfo).port;
});
afterAll(() => {
  tlsServer.close();
  smtpServer.close();
});

describe('endpoint probe', () => {
  it('says "non configuré" without an address', async () => {
    expect(await probeEndpoint(null, [])).toMatchObject({ state: 'non_configure' });
  });

  it('never trusts an unknown authority', async () => {
    expect(await probeEndpoint(`https://localhost:${tlsPort}/lps`, [])).toEqual({
      state: 'indisponible',
      detail: expect.stringContaining('autorité non reconnue'),
    });
  });

  it('connects when the authority is added with CABINET_EXTRA_CA', async () => {
    expect(await probeEndpoint(`https://localhost:${tlsPort}/lps`, [certs.caPem])).toEqual({ state: 'connecte' });
  });

  it('checks the name in the certificate', async () => {
    const other = makeServerCertificates('ailleurs.example', ['ailleurs.example'], []);
    const server = tls.createServer({ key: other.keyPem, cert: other.certPem }, (s) => s.end());
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const result = await probeEndpoint(`https://localhost:${port}/`, [other.caPem], 2000);
    server.close();
    expect(result).toEqual({ state: 'indisponible', detail: expect.stringContaining('ne correspond pas') });
  });

  it('reads an SMTP greeting before STARTTLS', async () => {
    expect(await probeEndpoint(`smtp://127.0.0.1:${smtpPort}`, [])).toEqual({ state: 'connecte' });
  });

  it('explains a refused connection in French', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    expect(await probeEndpoint(`https://127.0.0.1:${port}/`, [])).toEqual({
      state: 'indisponible',
      detail: expect.stringContaining('connexion refusée'),
    });
  });
});
