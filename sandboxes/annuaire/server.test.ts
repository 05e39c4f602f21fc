import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeServerCertificates, type TestCertificates } from '../../test/support/certs.js';
import { AnnuaireClient } from '../../electron/annuaire/client.js';
import { annuaireSearchRequest } from '../../shared/contract/annuaire.js';
import { SANDBOX_API_KEY, startAnnuaireSandbox, type AnnuaireSandbox } from './server.js';

let certs: TestCertificates;
let sandbox: AnnuaireSandbox;
const seen: { method: string; url: string; headers: Record<string, unknown> }[] = [];

beforeAll(async () => {
  certs = makeServerCertificates();
  sandbox = await startAnnuaireSandbox({ certPem: certs.certPem, keyPem: certs.keyPem, port: 0, onRequest: (r) => seen.push(r) });
}, 30_000);
afterAll(() => sandbox?.close());

/* eslint-disable @typescript-eslint/no-explicit-any -- FHIR JSON */
function request(
  path: string,
  options: { key?: string | null; method?: string; accept?: string } = {},
): Promise<{ status: number; type: string; body: any; headers: Record<string, unknown> }> {
  const url = new URL(path.startsWith('https:') ? path : `${sandbox.url}${path}`);
  const headers: Record<string, string> = {};
  if (options.key !== null) headers['ESANTE-API-KEY'] = options.key ?? SANDBOX_API_KEY;
  if (options.accept) headers.accept = options.accept;
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: options.method ?? 'GET', headers, ca: certs.caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          body: text ? JSON.parse(text) : null,
          headers: res.headers,
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Annuaire sandbox over HTTPS', () => {
  it('answers FHIR JSON searchsets at /fhir/v2 with the API key', async () => {
    const answer = await request('/Practitioner?family=martin&given=marie');
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^application\/fhir\+json/);
    expect(answer.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    expect(answer.body.link[0]).toEqual({ relation: 'self', url: expect.stringContaining(`${sandbox.url}/Practitioner?`) });
  });

  it('no key or a wrong key → 401 OperationOutcome, before anything else', async () => {
    for (const key of [null, '', 'mauvaise-cle']) {
      const answer = await request('/Practitioner?family=martin', { key });
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'security' }] });
    }
    expect((await request('/inconnu', { key: null })).status).toBe(401);
  });

  it('404 for an unknown path, resource type or id; 400 for an unknown parameter or a system-level search', async () => {
    expect((await request('/Patient')).status).toBe(404);
    expect((await request('/Practitioner/inconnu')).status).toBe(404);
    expect((await request(`${sandbox.url.replace('/fhir/v2', '/fhir/v1')}/Practitioner`)).status).toBe(404);
    expect((await request('/Practitioner/pra-899701000012/_history')).status).toBe(404);
    const bad = await request('/Practitioner?nom=martin');
    expect(bad.status).toBe(400);
    expect(bad.body.issue[0].diagnostics).toMatch(/Unknown search parameter "nom"/);
    expect((await request('?_type=Practitioner,PractitionerRole&mailbox-mss:contains=martin')).status).toBe(400);
  });

  it('405 for anything but GET, 406 for XML, 414 for an over-long URL', async () => {
    const post = await request('/Practitioner', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET');
    expect((await request('/Practitioner?family=martin', { accept: 'application/fhir+xml' })).status).toBe(406);
    expect((await request('/Practitioner?family=martin', { accept: 'application/fhir+json, application/fhir+xml;q=0.9' })).status).toBe(
      200,
    );
    expect((await request(`/Practitioner?family=${'a'.repeat(5000)}`)).status).toBe(414);
  });

  it('reads a resource and its CapabilityStatement', async () => {
    expect((await request('/Practitioner/pra-899701000012')).body).toMatchObject({ resourceType: 'Practitioner', id: 'pra-899701000012' });
    const metadata = await request('/metadata');
    expect(metadata.body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
  });

  it('next links are served by the same server and walk the results', async () => {
    const first = await request('/Organization?_count=25');
    const next = first.body.link.find((l: { relation: string }) => l.relation === 'next').url as string;
    expect(next.startsWith(`${sandbox.url}?_getpages=`)).toBe(true);
    const second = await request(next);
    expect(second.status).toBe(200);
    expect(second.body.entry[0].resource.id).not.toBe(first.body.entry[0].resource.id);
  });
});

describe('the client against the sandbox (TLS verified)', () => {
  it('finds recipients with the sandbox authority trusted, sending the key in ESANTE-API-KEY', async () => {
    const client = new AnnuaireClient({ baseUrl: sandbox.url, apiKey: SANDBOX_API_KEY, trust: { extraCa: [certs.caPem] } });
    try {
      const result = await client.search(annuaireSearchRequest.parse({ text: 'marie martin' }));
      expect(result.recipients[0]?.address).toBe('marie.martin@cabinet.test-mssante.fr');
      expect(seen.at(-1)?.headers['esante-api-key']).toBe(SANDBOX_API_KEY);
    } finally {
      client.close();
    }
  });

  it('refuses the server when its authority is not trusted (French message)', async () => {
    const client = new AnnuaireClient({ baseUrl: sandbox.url, apiKey: SANDBOX_API_KEY, trust: { extraCa: [] } });
    try {
      await expect(client.search(annuaireSearchRequest.parse({ text: 'martin' }))).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        message: expect.stringMatching(/certificat du serveur de l’Annuaire Santé n’est pas reconnu/),
      });
    } finally {
      client.close();
    }
  });

  it('a wrong key is said in French; a cancelled search stops', async () => {
    const client = new AnnuaireClient({ baseUrl: sandbox.url, apiKey: 'mauvaise', trust: { extraCa: [certs.caPem] } });
    try {
      await expect(client.search(annuaireSearchRequest.parse({ text: 'martin' }))).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/refusé la clé d’accès/),
      });
      const controller = new AbortController();
      controller.abort();
      await expect(client.search(annuaireSearchRequest.parse({ text: 'dupont' }), controller.signal)).rejects.toMatchObject({
        code: 'CONFLICT',
      });
    } finally {
      client.close();
    }
  });

  it('a server that does not answer in time → French timeout', async () => {
    const silent = https.createServer({ cert: certs.certPem, key: certs.keyPem }, () => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const client = new AnnuaireClient({
      baseUrl: `https://127.0.0.1:${port}/fhir/v2`,
      apiKey: 'k',
      trust: { extraCa: [certs.caPem] },
      timeoutMs: 300,
    });
    try {
      await expect(client.search(annuaireSearchRequest.parse({ text: 'martin' }))).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        message: expect.stringMatching(/n’a pas répondu à temps/),
      });
    } finally {
      client.close();
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
