/**
 * The client against small local HTTPS servers written here (the test PKI's
 * INSi server certificate; one server requires the INSI-AUTO/MANU client
 * certificate, the other does not — the two hosts of the real service). The
 * servers answer from the notes' test vectors; every request they receive is
 * validated against the official schemas at the end.
 */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { validateEnvelopes } from '../../../test/support/insi-schemas.js';
import {
  catarina,
  cr01,
  cr02,
  faultDesir550,
  faultEnvelope,
  faultInsi102,
  hermannInconsistentKeys,
  testSoftware,
} from '../../../test/support/insi-samples.js';
import { practitionerFromCertificate } from '../../identity/certificates/practitioner.js';
import { KeySigner } from '../../identity/login/key-signer.js';
import { choosePairs, readP12 } from '../../identity/login/p12.js';
import { createTestPki, identity, pkiPath, TEST_STRUCTURE_ID, type PkiManifest } from '../../../sandboxes/pki/test-pki.js';
import type { Credentials } from '../../identity/types.js';
import { DirectoryTracer, type Exchange, type Tracer } from '../../platform/trace/trace.js';
import { openInsiCertificate, type InsiCertificate } from './certificate.js';
import { InsiClient, type InsiClientOptions } from './client.js';
import { CTXBAM_NS, RECSANS_NS, RECVIT_NS, WSSE_NS } from './wire.js';

interface Received {
  server: 'mtls' | 'cps';
  clientCn: string | null;
  contentType: string;
  body: string;
  operation: string;
  prenom: string | null;
  emitter: string | null;
  security: boolean;
}

type Answer = { status: number; body: string; contentType?: string } | 'hang';
type Script = (request: Received) => Answer;

/** TCHITCHI, as the qualification service answers: OLA → 01, CATARINA → 00, anything else → 01. */
const tchitchi: Script = (r) => ({ status: 200, body: r.prenom === 'CATARINA' ? catarina : cr01 });

let tmp: string;
let pki: PkiManifest;
let rootPem: string;
let certificate: InsiCertificate;
let card: Pick<Credentials, 'practitioner' | 'signature'>;
let mtlsServer: https.Server;
let cpsServer: https.Server;
let mtlsUrl: string;
let cpsUrl: string;
let script: Script = tchitchi;
const received: Received[] = [];
const allBodies: string[] = [];

function handle(server: 'mtls' | 'cps') {
  return (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const doc = new DOMParser().parseFromString(body, 'text/xml');
      const peer = (request.socket as tls.TLSSocket).getPeerCertificate();
      const entry: Received = {
        server,
        clientCn: peer && typeof peer.subject?.CN === 'string' ? peer.subject.CN : null,
        contentType: String(request.headers['content-type']),
        body,
        operation: doc.getElementsByTagNameNS(RECSANS_NS, 'RECSANSVITALE').length
          ? 'traits'
          : doc.getElementsByTagNameNS(RECVIT_NS, 'RECVITALE').length
            ? 'vitale'
            : '?',
        prenom: doc.getElementsByTagNameNS(RECSANS_NS, 'Prenom').item(0)?.textContent ?? null,
        emitter: doc.getElementsByTagNameNS(CTXBAM_NS, 'Emetteur').item(0)?.textContent ?? null,
        security: doc.getElementsByTagNameNS(WSSE_NS, 'Security').length > 0,
      };
      received.push(entry);
      allBodies.push(body);
      const answer = script(entry);
      if (answer === 'hang') return;
      response.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/soap+xml; charset=utf-8' });
      response.end(answer.body);
    });
  };
}

async function listen(server: https.Server): Promise<string> {
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://localhost:${(server.address() as AddressInfo).port}/lps`;
}

class MemoryTracer implements Tracer {
  readonly exchanges: Exchange[] = [];
  record(exchange: Exchange): void {
    this.exchanges.push(exchange);
  }
}

function mtlsClient(options: Partial<InsiClientOptions> = {}): InsiClient {
  return new InsiClient({
    url: mtlsUrl,
    credentials: { kind: 'certificat', tls: certificate.tls },
    extraCa: [rootPem],
    software: testSoftware,
    ...options,
  });
}

function cpsClient(options: Partial<InsiClientOptions> = {}): InsiClient {
  return new InsiClient({
    url: cpsUrl,
    credentials: { kind: 'cps', credentials: card, identifiantFacturation: '123456789', secteurActivite: 'SA05' },
    extraCa: [rootPem],
    software: testSoftware,
    ...options,
  });
}

async function refusal(run: () => Promise<unknown>): Promise<CabinetError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof CabinetError) return error;
    throw error;
  }
  throw new Error('not refused');
}

const tchitchiSearch = { nomNaissance: 'TCHITCHI', prenoms: 'OLA CATARINA BELLA', sexe: 'F' as const, dateNaissance: '1936-06-21' };

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-insi-client-'));
  pki = await createTestPki(path.join(tmp, 'pki'));
  const read = (relative: string) => fs.readFileSync(pkiPath(pki, relative), 'utf8');
  rootPem = read(pki.root.certPem!);
  const server = identity(pki, 'serveur-insi');
  const serverOptions = { key: read(server.keyPem!), cert: read(server.certPem!) + read(server.chainPem!) };
  mtlsServer = https.createServer(
    {
      ...serverOptions,
      requestCert: true,
      rejectUnauthorized: true,
      ca: [rootPem, read(pki.authorities.find((a) => a.id === 'elementaire-organisations')!.certPem!)],
    },
    handle('mtls'),
  );
  cpsServer = https.createServer(serverOptions, handle('cps'));
  [mtlsUrl, cpsUrl] = await Promise.all([listen(mtlsServer), listen(cpsServer)]);

  certificate = openInsiCertificate(fs.readFileSync(pkiPath(pki, identity(pki, 'insi-auto').p12!)), 'cabinet-test');
  const { pairs, chainPem } = readP12(fs.readFileSync(pkiPath(pki, identity(pki, 'medecin-martin').p12!)), 'cabinet-test');
  const { auth, sign } = choosePairs(pairs);
  card = { practitioner: practitionerFromCertificate(auth.certPem), signature: new KeySigner(sign.keyPem, sign.certPem, chainPem) };
});

beforeEach(() => {
  script = tchitchi;
  received.length = 0;
});

afterAll(() => {
  for (const server of [mtlsServer, cpsServer]) {
    server?.closeAllConnections();
    server?.close();
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('rechercherParTraits: the strategy of validated clients', () => {
  it('TCHITCHI « OLA CATARINA BELLA »: OLA gives 01, CATARINA gives 00, and it stops there (INSI-AUTO in mutual TLS)', async () => {
    const tracer = new MemoryTracer();
    const client = mtlsClient({ tracer });
    try {
      const { result, attempts } = await client.rechercherParTraits(tchitchiSearch);
      expect(result.cr).toBe('00');
      if (result.cr !== '00') return;
      expect(result.individu.insActif).toEqual({
        matricule: '2360663220836',
        cle: '56',
        ins: '236066322083656',
        oid: '1.2.250.1.213.1.4.8',
      });
      expect(result.individu.tiq.listePrenoms).toBe('CATARINA BELLA');
      expect(attempts.map((a) => [a.prenom, a.cr])).toEqual([
        ['OLA', '01'],
        ['CATARINA', '00'],
      ]);
      expect(
        attempts.every((a) => a.operation === 'rechercherInsAvecTraitsIdentite' && /^uuid:/.test(a.messageId) && a.durationMs >= 0),
      ).toBe(true);
      expect(new Set(attempts.map((a) => a.messageId)).size).toBe(2);

      expect(received.map((r) => [r.server, r.clientCn, r.prenom, r.emitter, r.security])).toEqual([
        ['mtls', 'INSI-AUTO', 'OLA', TEST_STRUCTURE_ID, false],
        ['mtls', 'INSI-AUTO', 'CATARINA', TEST_STRUCTURE_ID, false],
      ]);
      expect(received[0]!.contentType).toBe(
        'application/soap+xml; charset=utf-8; action="urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite"',
      );

      expect(tracer.exchanges).toHaveLength(2);
      expect(tracer.exchanges[0]).toMatchObject({
        service: 'insi',
        operation: 'rechercherInsAvecTraitsIdentite',
        url: mtlsUrl,
        outcome: 'ok',
        response: { status: 200 },
      });
      expect((tracer.exchanges[1]!.request as { body: string }).body).toContain('<Prenom>CATARINA</Prenom>');
    } finally {
      client.close();
    }
  });

  it('tries every name then the whole list when none is found (HOUILLES): final 01', async () => {
    const client = mtlsClient();
    try {
      const { result, attempts } = await client.rechercherParTraits({
        nomNaissance: 'HOUILLES',
        prenoms: 'PIERRE PAUL JACQUES',
        sexe: 'M',
        dateNaissance: '1993-01-27',
      });
      expect(result).toEqual({ cr: '01', label: 'Aucune identite trouvee', message: 'INSi : aucune identité trouvée' });
      expect(attempts.map((a) => `${a.prenom}:${a.cr}`)).toEqual(['PIERRE:01', 'PAUL:01', 'JACQUES:01', 'PIERRE PAUL JACQUES:01']);
    } finally {
      client.close();
    }
  });

  it('reports 02 (several identities) when an attempt found several and none found one', async () => {
    script = (r) => ({ status: 200, body: r.prenom === 'LEONARDO' ? cr02 : cr01 });
    const client = mtlsClient();
    try {
      const { result, attempts } = await client.rechercherParTraits({
        nomNaissance: 'DE VINCI',
        prenoms: 'LEONARDO PIERO',
        sexe: 'M',
        dateNaissance: '2014-02-01',
      });
      expect(result.cr).toBe('02');
      expect(result.message).toBe('Plusieurs identités trouvées : précisez le lieu de naissance');
      expect(attempts.map((a) => a.cr)).toEqual(['02', '01', '01']);
    } finally {
      client.close();
    }
  });

  it('a fault stops the strategy: unknown authorisation number (desir_550, HTTP 500)', async () => {
    script = () => ({ status: 500, body: faultEnvelope(faultDesir550) });
    const tracer = new MemoryTracer();
    const client = mtlsClient({ tracer });
    try {
      const error = await refusal(() => client.rechercherParTraits(tchitchiSearch));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toBe('Numéro d’autorisation du logiciel inconnu de l’Assurance maladie : vérifiez la configuration');
      const details = error.details as { erreur: string; attempts: { prenom: string; error: { code: string } }[] };
      expect(details.erreur).toBe('desir_550');
      expect(details.attempts).toHaveLength(1);
      expect(details.attempts[0]).toMatchObject({ prenom: 'OLA', error: { code: 'CONFIG_INVALID' } });
      expect(received).toHaveLength(1);
      expect(tracer.exchanges[0]).toMatchObject({ outcome: 'erreur', response: { status: 500 } });
    } finally {
      client.close();
    }
  });

  it('an answer with an inconsistent INS key (CNDA 2.08 cas 2) is refused and stops the strategy; the trace says why', async () => {
    script = (r) => ({ status: 200, body: r.prenom === 'OLA' ? hermannInconsistentKeys : catarina });
    const tracer = new MemoryTracer();
    const client = mtlsClient({ tracer });
    try {
      const error = await refusal(() => client.rechercherParTraits(tchitchiSearch));
      expect(error.code).toBe('CHECK_FAILED');
      expect(error.message).toMatch(/^INS refusé : INSi a renvoyé une clé qui ne correspond pas au matricule/);
      const details = error.details as { reason: string; attempts: { prenom: string; error: { code: string } }[] };
      expect(details.reason).toBe('cle_ins_incoherente');
      expect(details.attempts).toEqual([
        expect.objectContaining({ prenom: 'OLA', error: expect.objectContaining({ code: 'CHECK_FAILED' }) }),
      ]);
      expect(received).toHaveLength(1);
      expect(tracer.exchanges[0]).toMatchObject({ outcome: 'erreur', response: { status: 200, erreur: error.message } });
    } finally {
      client.close();
    }
  });

  it('a technical fault on the second attempt stops it too, with both attempts', async () => {
    script = (r) => (r.prenom === 'OLA' ? { status: 200, body: cr01 } : { status: 500, body: faultEnvelope(faultInsi102) });
    const client = mtlsClient();
    try {
      const error = await refusal(() => client.rechercherParTraits(tchitchiSearch));
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toBe(
        'INSi a refusé la demande : Le service est temporairement inaccessible. Veuillez renouveler votre demande ultérieurement. (siram_40)',
      );
      expect((error.details as { attempts: { prenom: string; cr?: string }[] }).attempts.map((a) => [a.prenom, a.cr ?? 'erreur'])).toEqual([
        ['OLA', '01'],
        ['CATARINA', 'erreur'],
      ]);
      expect(received.map((r) => r.prenom)).toEqual(['OLA', 'CATARINA']);
    } finally {
      client.close();
    }
  });

  it('a timeout stops it with a French message, after the deadline and no later', async () => {
    script = () => 'hang';
    const client = mtlsClient({ timeoutMs: 300 });
    try {
      const started = performance.now();
      const error = await refusal(() => client.rechercherParTraits(tchitchiSearch));
      const elapsed = performance.now() - started;
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toBe('INSi n’a pas répondu dans le délai imparti (300 ms) : réessayez plus tard.');
      expect((error.details as { attempts: unknown[] }).attempts).toHaveLength(1);
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(received).toHaveLength(1);
    } finally {
      client.close();
    }
  });

  it('refuses invalid traits before sending anything', async () => {
    const client = mtlsClient();
    try {
      const error = await refusal(() => client.rechercherParTraits({ ...tchitchiSearch, prenoms: 'Ola' }));
      expect(error.code).toBe('INVALID_REQUEST');
      expect(received).toHaveLength(0);
    } finally {
      client.close();
    }
  });
});

describe('HTTP and TLS failures', () => {
  const cases: [string, Answer, string, string][] = [
    [
      'an HTML error page (503)',
      { status: 503, body: '<html>Service Unavailable</html>', contentType: 'text/html' },
      'UNAVAILABLE',
      'INSi est indisponible (HTTP 503) : réessayez plus tard.',
    ],
    ['a 404', { status: 404, body: '' }, 'CONFIG_INVALID', 'Adresse du service INSi introuvable (HTTP 404) : vérifiez la configuration.'],
    [
      'a 403',
      { status: 403, body: 'Forbidden', contentType: 'text/plain' },
      'UNAUTHORIZED',
      'INSi a refusé l’accès (HTTP 403) : certificat ou carte non reconnus.',
    ],
    [
      'garbage with 200',
      { status: 200, body: 'pas du xml', contentType: 'text/plain' },
      'UNAVAILABLE',
      'Réponse d’INSi illisible : XML mal formé ou tronqué.',
    ],
    [
      'a DOCTYPE with 200',
      { status: 200, body: '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>' },
      'UNAVAILABLE',
      'Réponse d’INSi refusée : déclaration DOCTYPE ou ENTITY interdite.',
    ],
    ['a redirect', { status: 302, body: '' }, 'UNAVAILABLE', 'Réponse inattendue d’INSi (HTTP 302).'],
  ];
  for (const [label, answer, code, message] of cases) {
    it(`turns ${label} into a French error`, async () => {
      script = () => answer;
      const client = mtlsClient();
      try {
        const error = await refusal(() =>
          client.rechercherParCarteVitale({
            matriculeOD: '1750163220111',
            nomNaissance: 'ADRUN',
            dateNaissance: '1975-12-31',
            rangNaissance: 1,
          }),
        );
        expect(error.code).toBe(code);
        expect(error.message).toBe(message);
      } finally {
        client.close();
      }
    });
  }

  it('refuses a body over 2 MiB', async () => {
    script = () => ({ status: 200, body: cr01.replace('</RESULTAT>', `<!--${'x'.repeat(2 * 1024 * 1024)}--></RESULTAT>`) });
    const client = mtlsClient();
    try {
      const error = await refusal(() => client.rechercherParTraits({ ...tchitchiSearch, prenoms: 'OLA' }));
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toMatch(/^INSi : Réponse du service trop volumineuse/);
    } finally {
      client.close();
    }
  });

  it('refuses a server certificate from an unknown authority, and says when the service refuses the client certificate', async () => {
    const untrusting = mtlsClient({ extraCa: [] });
    try {
      const error = await refusal(() => untrusting.rechercherParTraits({ ...tchitchiSearch, prenoms: 'OLA' }));
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toBe('INSi : Certificat du serveur émis par une autorité non reconnue : connexion refusée.');
    } finally {
      untrusting.close();
    }
    // The card mode sends no client certificate: the mutual-TLS host refuses the handshake.
    const noCertificate = cpsClient({ url: mtlsUrl });
    try {
      const error = await refusal(() => noCertificate.rechercherParTraits({ ...tchitchiSearch, prenoms: 'OLA' }));
      expect(error.code).toBe('UNAUTHORIZED');
      expect(error.message).toBe('INSi : Le service a refusé le certificat d’authentification.');
    } finally {
      noCertificate.close();
    }
    expect(received).toHaveLength(0);
  });

  it('refuses a bad configuration when built', () => {
    expect(() => mtlsClient({ url: 'http://localhost/lps' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: 'L’adresse du service INSi doit commencer par https://.' }),
    );
    expect(() => mtlsClient({ url: 'https://user:pw@localhost/lps' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => mtlsClient({ software: { ...testSoftware, authorisationNumber: '' } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});

describe('CPS mode', () => {
  it('sends no client certificate, signs a fresh assertion per request, and uses idNat_PS as emitter', async () => {
    const client = cpsClient();
    try {
      const { result, attempts } = await client.rechercherParTraits(tchitchiSearch);
      expect(result.cr).toBe('00');
      expect(attempts).toHaveLength(2);
      expect(received.map((r) => [r.server, r.clientCn, r.emitter, r.security])).toEqual([
        ['cps', null, card.practitioner.idNatPs, true],
        ['cps', null, card.practitioner.idNatPs, true],
      ]);
      const ids = received.map((r) => /<saml2:Assertion [^>]*ID="([^"]+)"/.exec(r.body)?.[1]);
      expect(ids[0]).toMatch(/^_/);
      expect(ids[0]).not.toBe(ids[1]);
      expect(received[0]!.body).toContain(`<saml2:NameID NameQualifier="CPS">${card.practitioner.idNatPs}</saml2:NameID>`);
    } finally {
      client.close();
    }
  });

  it('needs a signature key: an e-CPS login is refused before anything is sent', async () => {
    const client = new InsiClient({
      url: cpsUrl,
      credentials: {
        kind: 'cps',
        credentials: { practitioner: card.practitioner, signature: null },
        identifiantFacturation: '123456789',
        secteurActivite: 'SA05',
      },
      extraCa: [rootPem],
      software: testSoftware,
    });
    try {
      const error = await refusal(() => client.rechercherParTraits(tchitchiSearch));
      expect(error.code).toBe('SESSION_REQUIRED');
      expect(error.message).toMatch(/l’e-CPS ne permet pas de signer l’assertion/);
      expect(received).toHaveLength(0);
    } finally {
      client.close();
    }
  });

  it('rechercherParCarteVitale in CPS mode', async () => {
    script = () => ({ status: 200, body: catarina });
    const client = cpsClient();
    try {
      const { result, attempts } = await client.rechercherParCarteVitale({
        matriculeIndividu: '2360663220836',
        matriculeOD: '1360663220111',
        nomNaissance: 'TCHITCHI',
        dateNaissance: '1936-06-21',
        rangNaissance: 1,
      });
      expect(result.cr).toBe('00');
      expect(attempts).toEqual([expect.objectContaining({ operation: 'rechercherInsAvecCarteVitale', cr: '00' })]);
      expect(received[0]).toMatchObject({ operation: 'vitale', security: true });
      expect(received[0]!.contentType).toContain('action="urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale"');
    } finally {
      client.close();
    }
  });
});

describe('traces', () => {
  it('writes one redacted file per exchange, named after the WSDL operation', async () => {
    const dir = path.join(tmp, 'traces');
    const client = cpsClient({ tracer: new DirectoryTracer(dir) });
    try {
      await client.rechercherParTraits({ ...tchitchiSearch, prenoms: 'CATARINA' });
    } finally {
      client.close();
    }
    const files = fs.readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/_insi_rechercherInsAvecTraitsIdentite_[0-9a-f]{6}\.json$/);
    const trace = JSON.parse(fs.readFileSync(path.join(dir, files[0]!), 'utf8')) as {
      request: { body: string };
      response: { body: string };
      outcome: string;
    };
    expect(trace.outcome).toBe('ok');
    expect(trace.request.body).toContain('<ds:SignatureValue>[masqué]</ds:SignatureValue>');
    expect(trace.response.body).toContain('<CodeCR>00</CodeCR>');
  });
});

describe('official schemas', () => {
  it('every request the client sent in this file validates against the INSi, context and SAML schemas', async () => {
    expect(allBodies.length).toBeGreaterThan(15);
    expect(await validateEnvelopes(allBodies)).toEqual([]);
  });
});
