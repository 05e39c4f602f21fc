/**
 * The INSi sandbox refuses what the real service refuses: both
 * authentication modes and their failures (wrong CN, foreign, revoked and
 * expired certificates, bad assertions), every SOAP, WS-Addressing, schema
 * and IDAM fault, garbage and oversized messages — and keeps answering.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CabinetError } from '../../shared/contract/outcome.js';
import { tempDir } from '../../test/support/fixtures.js';
import {
  ACTION,
  InsiTestClient,
  NS,
  bamXml,
  cpsAssertion,
  envelope,
  lpsXml,
  p12Pair,
  readFault,
  readResultat,
  traitsBody,
  vitaleBody,
  type Answer,
  type FaultRead,
} from '../../test/support/insi-soap.js';
import { issueLeaf, makeAuthority } from '../../test/support/throwaway-ca.js';
import { createTestPki, pkiPath, type PkiManifest } from '../pki/test-pki.js';
import { MAX_BODY_BYTES, startInsiSandbox, type InsiSandbox } from './server.js';

let dir: string;
let manifest: PkiManifest;
let sandbox: InsiSandbox;
let caPem: string;
const clients: InsiTestClient[] = [];
let auto: InsiTestClient;
let manu: InsiTestClient;
let anonymous: InsiTestClient;

function client(pair?: { certPem: string; keyPem: string }): InsiTestClient {
  const c = new InsiTestClient(sandbox.url, { caPem, ...(pair ? { client: pair } : {}) });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  dir = tempDir('cabinet-insi-faults-');
  manifest = await createTestPki(dir);
  sandbox = await startInsiSandbox({ pki: dir, port: 0, population: 10_000, idam: ['CABINET-BAS-0001', 'AUTRE-IDAM'] });
  caPem = fs.readFileSync(pkiPath(manifest, manifest.root.certPem!), 'utf8');
  auto = client(p12Pair(manifest, 'insi-auto', 'INSI-AUTO'));
  manu = client(p12Pair(manifest, 'insi-manu', 'INSI-MANU'));
  anonymous = client();
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await sandbox?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const adrun = traitsBody({ nomNaissance: 'ADRUN', prenoms: ['ZOE'], sexe: 'F', dateNaissance: '1975-12-31' });

function expectOk(answer: Answer): void {
  expect(answer.status, answer.text).toBe(200);
  expect(readResultat(answer.text).codeCR).toBe('00');
}

/** A SOAP 1.2 fault: status, env:Code, the subcode's local part and the siram:Erreur code. */
function expectFault(answer: Answer, status: number, code: string, subcode: string | null, erreur: string | null): FaultRead {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers['content-type']).toBe('application/soap+xml; charset=utf-8');
  const fault = readFault(answer.text);
  expect(fault.codeNs).toBe(NS.soap);
  expect(fault.code.split(':')[1]).toBe(code);
  expect(fault.subcode?.split(':')[1] ?? null).toBe(subcode);
  expect(fault.erreur?.code ?? null).toBe(erreur);
  expect(fault.reason.length).toBeGreaterThan(0);
  return fault;
}

describe('mode certificat logiciel (TLS mutuel)', () => {
  it('INSI-AUTO et INSI-MANU sont acceptés', async () => {
    expectOk(await auto.post(envelope({ body: adrun })));
    expectOk(await manu.post(envelope({ body: adrun })));
    expect(sandbox.requests().at(-1)).toMatchObject({ mode: 'mtls', caller: 'INSI-MANU' });
  });

  it('un certificat valide au mauvais CN (carte CPS) → desir_560 « droits suffisants »', async () => {
    const fault = expectFault(
      await client(p12Pair(manifest, 'medecin-martin', 'authentification')).post(envelope({ body: adrun })),
      500,
      'Sender',
      'siram_100',
      'desir_560',
    );
    expect(fault.erreur?.text).toBe('Vous ne disposez pas des droits suffisants pour accéder à ce service.');
  });

  it('CN INSI-AUTO d’une autorité étrangère → desir_561 (autorité inconnue)', async () => {
    const foreign = makeAuthority('AC ETRANGERE');
    const leaf = issueLeaf(foreign, {
      subject: [
        { type: 'countryName', value: 'FR' },
        { type: 'commonName', value: 'INSI-AUTO' },
      ],
      usage: 'client',
    });
    const fault = expectFault(await client(leaf).post(envelope({ body: adrun })), 500, 'Sender', 'siram_100', 'desir_561');
    expect(fault.erreur?.text).toMatch(/autorité de certification inconnue/);
  });

  it('certificat révoqué ou expiré de la PKI de test → desir_561 avec la raison', async () => {
    const revoked = expectFault(
      await client(p12Pair(manifest, 'revoque-durand', 'authentification')).post(envelope({ body: adrun })),
      500,
      'Sender',
      'siram_100',
      'desir_561',
    );
    expect(revoked.erreur?.text).toMatch(/révoqué/);
    const expired = expectFault(
      await client(p12Pair(manifest, 'expire-leroy', 'authentification')).post(envelope({ body: adrun })),
      500,
      'Sender',
      'siram_100',
      'desir_561',
    );
    expect(expired.erreur?.text).toMatch(/expiré/);
  });

  it('une assertion présente en mode TLS mutuel est vérifiée aussi', async () => {
    const forged = cpsAssertion(manifest, 'medecin-martin').replace('SA07', 'SA05');
    expectFault(await auto.post(envelope({ body: adrun, assertion: forged })), 500, 'Sender', 'siram_100', 'desir_562');
  });
});

describe('mode carte CPS (assertion SAML dans wsse:Security)', () => {
  it('une assertion signée par une carte de test est acceptée (médecin, infirmier)', async () => {
    expectOk(await anonymous.post(envelope({ body: adrun, assertion: cpsAssertion(manifest, 'medecin-martin') })));
    expect(sandbox.requests().at(-1)).toMatchObject({ mode: 'cps', caller: '899701000012' });
    expectOk(await anonymous.post(envelope({ body: adrun, assertion: cpsAssertion(manifest, 'infirmier-petit') })));
  });

  it('ni certificat ni assertion → desir_560', async () => {
    expectFault(await anonymous.post(envelope({ body: adrun })), 500, 'Sender', 'siram_100', 'desir_560');
  });

  const refused = async (assertion: string, reason: RegExp) => {
    const fault = expectFault(await anonymous.post(envelope({ body: adrun, assertion })), 500, 'Sender', 'siram_100', 'desir_562');
    expect(fault.erreur?.text).toMatch(reason);
  };

  it('signature invalide (contenu modifié après signature) → desir_562', async () => {
    await refused(cpsAssertion(manifest, 'medecin-martin').replace('123456789', '987654321'), /signature invalide/);
  });

  it('carte révoquée, expirée ou d’une autorité étrangère → desir_562', async () => {
    await refused(cpsAssertion(manifest, 'revoque-durand'), /révoqué/);
    await refused(cpsAssertion(manifest, 'etranger-moreau'), /autorité de certification inconnue/);
    // The expired card's assertion, dated while the card was valid, is also too old.
    await refused(cpsAssertion(manifest, 'expire-leroy', { now: new Date(Date.now() - 40 * 86_400_000) }), /expirée/);
  });

  it('assertion de plus d’une heure, pas encore valide, ou hors Conditions → desir_562', async () => {
    await refused(cpsAssertion(manifest, 'medecin-martin', { now: new Date(Date.now() - 61 * 60_000) }), /expirée/);
    await refused(cpsAssertion(manifest, 'medecin-martin', { now: new Date(Date.now() + 10 * 60_000) }), /pas encore valide/);
    await refused(
      cpsAssertion(manifest, 'medecin-martin', {
        conditions: { notBefore: new Date(Date.now() - 120_000), notOnOrAfter: new Date(Date.now() - 60_000) },
      }),
      /expirée/,
    );
  });

  it('NameID différent de l’identifiant de la carte → desir_562', async () => {
    await refused(cpsAssertion(manifest, 'medecin-martin', { nameId: '899700366240' }), /NameID/);
  });

  it('assertion non signée, ou autre chose qu’une assertion dans wsse:Security → desir_562', async () => {
    await refused(
      `<Assertion xmlns="${NS.saml}" ID="_x" IssueInstant="${new Date().toISOString()}" Version="2.0"><Issuer>x</Issuer><Subject><NameID>899701000012</NameID></Subject></Assertion>`,
      /non signée/,
    );
    await refused(`<Autre xmlns="urn:x"/>`, /exactement une saml:Assertion/);
  });

  it('l’horloge du bac à sable décide (option clock)', async () => {
    const late = await startInsiSandbox({ pki: manifest, port: 0, population: 0, clock: { now: () => Date.now() + 2 * 3600_000 } });
    try {
      const c = new InsiTestClient(late.url, { caPem });
      clients.push(c);
      const fault = expectFault(
        await c.post(envelope({ body: adrun, assertion: cpsAssertion(manifest, 'medecin-martin') })),
        500,
        'Sender',
        'siram_100',
        'desir_562',
      );
      expect(fault.erreur?.text).toMatch(/expirée/);
    } finally {
      await late.close();
    }
  });
});

describe('fautes du contrat de service', () => {
  it('IDAM inconnu → siram_100 / desir_550, HTTP 500, messageID = wsa:MessageID de la requête', async () => {
    const fault = expectFault(
      await auto.post(envelope({ body: adrun, idam: 'INCONNU', messageId: 'uuid:b3549edd-4ae9-472a-b26f-fd2fb4ef397f' })),
      500,
      'Sender',
      'siram_100',
      'desir_550',
    );
    expect(fault).toMatchObject({
      lang: 'fr',
      erreur: {
        severite: 'erreur',
        messageID: 'uuid:b3549edd-4ae9-472a-b26f-fd2fb4ef397f',
        text: "Numéro d'autorisation du logiciel inconnu.",
      },
    });
    expect(fault.erreurXml).toBe(
      '<siram:Erreur code="desir_550" messageID="uuid:b3549edd-4ae9-472a-b26f-fd2fb4ef397f" severite="erreur" xmlns:siram="urn:siram">Numéro d\'autorisation du logiciel inconnu.</siram:Erreur>',
    );
    // IDAM absent: the same refusal.
    const noIdam = `<ctxlps:ContexteLPS xmlns:ctxlps="${NS.ctxlps}" Version="01_00"><ctxlps:Id>1</ctxlps:Id><ctxlps:Temps>2024-01-01T00:00:00Z</ctxlps:Temps></ctxlps:ContexteLPS>`;
    expectFault(await auto.post(envelope({ body: adrun, lps: noIdam })), 500, 'Sender', 'siram_100', 'desir_550');
    // A second accepted number (option idam).
    expectOk(await auto.post(envelope({ body: adrun, idam: 'AUTRE-IDAM' })));
  });

  it('corps non conforme au schéma ou à l’opération → siram_30 / insi_101', async () => {
    const disordered = `<RECSANSVITALE xmlns="${NS.recsans}"><Sexe>F</Sexe><NomNaissance>ADRUN</NomNaissance></RECSANSVITALE>`;
    const fault = expectFault(await auto.post(envelope({ body: disordered })), 500, 'Sender', 'siram_30', 'insi_101');
    expect(fault.erreur?.text).toMatch(/schéma/);
    expectFault(
      await auto.post(envelope({ body: `<RECSANSVITALE xmlns="${NS.recsans}"><Inconnu/></RECSANSVITALE>` })),
      500,
      'Sender',
      'siram_30',
      'insi_101',
    );
    expectFault(await auto.post(envelope({ body: vitaleBody({ matriculeOD: '1840544109123' }) })), 500, 'Sender', 'siram_30', 'insi_101');
    expectFault(await auto.post(envelope({ body: adrun, action: ACTION.vitale })), 500, 'Sender', 'siram_30', 'insi_101');
  });

  it('traits obligatoires absents, date mal formée, Vitale sans matricule → insi_101', async () => {
    const missing = expectFault(
      await auto.post(envelope({ body: traitsBody({ nomNaissance: 'ADRUN', sexe: 'F' }) })),
      500,
      'Sender',
      'siram_30',
      'insi_101',
    );
    expect(missing.erreur?.text).toMatch(/Prenom, DateNaissance/);
    expectFault(
      await auto.post(envelope({ body: traitsBody({ nomNaissance: 'ADRUN', prenoms: ['ZOE'], sexe: 'F', dateNaissance: '31/12/1975' }) })),
      500,
      'Sender',
      'siram_30',
      'insi_101',
    );
    expectFault(
      await auto.post(envelope({ body: vitaleBody({ dateNaissance: '1990-10-10' }), action: ACTION.vitale })),
      500,
      'Sender',
      'siram_30',
      'insi_101',
    );
    expectFault(
      await auto.post(envelope({ body: vitaleBody({ matriculeOD: '12345' }), action: ACTION.vitale })),
      500,
      'Sender',
      'siram_30',
      'insi_101',
    );
  });

  it('ContexteBAM absent ou non conforme → siram_20 / desir_520', async () => {
    expectFault(await auto.post(envelope({ body: adrun, bam: null })), 500, 'Sender', 'siram_20', 'desir_520');
    const noTime = `<ctxbam:ContexteBAM xmlns:ctxbam="${NS.ctxbam}" Version="01_02"><ctxbam:Id>1</ctxbam:Id><ctxbam:COUVERTURE/></ctxbam:ContexteBAM>`;
    const fault = expectFault(await auto.post(envelope({ body: adrun, bam: noTime })), 500, 'Sender', 'siram_20', 'desir_520');
    expect(fault.erreur?.text).toMatch(/Temps/);
    expectFault(
      await auto.post(
        envelope({ body: adrun, bam: bamXml('<ctxbam:ASSURE><ctxbam:Id><ctxbam:Num>12</ctxbam:Num></ctxbam:Id></ctxbam:ASSURE>') }),
      ),
      500,
      'Sender',
      'siram_20',
      'desir_520',
    );
    expectFault(
      await auto.post(envelope({ body: adrun, bam: bamXml().replace(' Version="01_02"', '') })),
      500,
      'Sender',
      'siram_20',
      'desir_520',
    );
  });

  it('ContexteLPS absent ou non conforme → siram_20 / desir_521', async () => {
    expectFault(await auto.post(envelope({ body: adrun, lps: null })), 500, 'Sender', 'siram_20', 'desir_521');
    expectFault(
      await auto.post(envelope({ body: adrun, lps: lpsXml('CABINET-BAS-0001').replace('Nature="CTXLPS"', 'Nature="AUTRE"') })),
      500,
      'Sender',
      'siram_20',
      'desir_521',
    );
    expectFault(
      await auto.post(envelope({ body: adrun, lps: lpsXml('CABINET-BAS-0001').replace(/<ctxlps:Temps>[^<]+/, '<ctxlps:Temps>hier') })),
      500,
      'Sender',
      'siram_20',
      'desir_521',
    );
  });

  it('WS-Addressing : Action absente, inconnue, incohérente avec le Content-Type ; MessageID absent', async () => {
    const noAction = expectFault(
      await auto.post(envelope({ body: adrun, action: null })),
      500,
      'Sender',
      'MessageAddressingHeaderRequired',
      null,
    );
    expect(noAction.subcodeNs).toBe(NS.wsa);
    expectFault(
      await auto.post(envelope({ body: adrun, action: 'urn:ServiceIdentiteCertifiee:1.0.0:supprimerIns' })),
      500,
      'Sender',
      'ActionNotSupported',
      null,
    );
    expectFault(
      await auto.post(envelope({ body: adrun }), { contentType: `application/soap+xml; charset=utf-8; action="${ACTION.vitale}"` }),
      500,
      'Sender',
      'ActionMismatch',
      null,
    );
    expectOk(await auto.post(envelope({ body: adrun }), { contentType: `application/soap+xml; charset=utf-8; action="${ACTION.traits}"` }));
    expectFault(await auto.post(envelope({ body: adrun, messageId: null })), 500, 'Sender', 'MessageAddressingHeaderRequired', null);
  });

  it('SOAP 1.2 : enveloppe 1.1 → VersionMismatch ; en-tête inconnu mustUnderstand → MustUnderstand', async () => {
    const soap11 = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${adrun}</s:Body></s:Envelope>`;
    const version = await auto.post(soap11);
    expectFault(version, 500, 'VersionMismatch', null, null);
    expect(version.text).toContain('SupportedEnvelope');
    const mu = await auto.post(
      envelope({
        body: adrun,
        extraHeaders: `<x:Jeton xmlns:x="urn:exemple" xmlns:soap="${NS.soap}" soap:mustUnderstand="true">1</x:Jeton>`,
      }),
    );
    expectFault(mu, 500, 'MustUnderstand', null, null);
    expect(mu.text).toContain('NotUnderstood');
    // The same block without mustUnderstand is ignored.
    expectOk(await auto.post(envelope({ body: adrun, extraHeaders: '<x:Jeton xmlns:x="urn:exemple">1</x:Jeton>' })));
  });

  it('assertion bien signée mais non conforme au schéma SAML → siram_20 / desir_522', async () => {
    const odd = cpsAssertion(manifest, 'medecin-martin', { beforeSigning: (xml) => xml.replace('<Subject>', '<Subject><Inattendu/>') });
    const fault = expectFault(await anonymous.post(envelope({ body: adrun, assertion: odd })), 500, 'Sender', 'siram_20', 'desir_522');
    expect(fault.erreur?.text).toMatch(/Inattendu/);
  });

  it('wsse:Security sans assertion, en mode TLS mutuel aussi → desir_562', async () => {
    const fault = expectFault(
      await auto.post(envelope({ body: adrun, security: `<wsse:Security xmlns:wsse="${NS.wsse}"/>` })),
      500,
      'Sender',
      'siram_100',
      'desir_562',
    );
    expect(fault.erreur?.text).toMatch(/exactement une saml:Assertion/);
  });
});

describe('messages illisibles, trop gros, mauvais transport : une faute, jamais une panne', () => {
  it('du n’importe quoi → siram_10 / desir_510', async () => {
    const garbage: (string | Buffer)[] = [
      '',
      'bonjour',
      '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>',
      '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>',
      Buffer.from([0xff, 0xfe, 0x00, 0x3c, 0x80, 0x81]),
      `<a>${'<b>'.repeat(200)}${'</b>'.repeat(200)}</a>`,
      '<Envelope><Body/></Envelope>',
      `<?xml version="1.0"?><?php system('ls') ?><x/>`,
      Buffer.from(envelope({ body: adrun }), 'utf8').subarray(0, 300),
    ];
    for (const body of garbage) expectFault(await auto.post(body), 500, 'Sender', 'siram_10', 'desir_510');
    expectOk(await auto.post(envelope({ body: adrun })));
  });

  it('plus de 1 Mio → HTTP 413 et faute, le service répond toujours ensuite', async () => {
    const big = envelope({ body: adrun, extraHeaders: `<x:Bourrage xmlns:x="urn:x">${'A'.repeat(MAX_BODY_BYTES)}</x:Bourrage>` });
    expect(Buffer.byteLength(big)).toBeGreaterThan(MAX_BODY_BYTES);
    expectFault(await client(p12Pair(manifest, 'insi-auto', 'INSI-AUTO')).post(big), 413, 'Sender', null, null);
    expectOk(await auto.post(envelope({ body: adrun })));
  });

  it('bien plus gros (9 Mio) : la connexion est coupée, le service répond toujours ensuite', async () => {
    const huge = Buffer.alloc(9 * 1024 * 1024, 0x41);
    const outcome = await client(p12Pair(manifest, 'insi-auto', 'INSI-AUTO'))
      .post(huge)
      .then((answer) => answer.status)
      .catch((error: NodeJS.ErrnoException) => error.code ?? 'erreur');
    expect([413, 'ECONNRESET', 'EPIPE']).toContain(outcome);
    expectOk(await auto.post(envelope({ body: adrun })));
  });

  it('Content-Type autre que application/soap+xml (SOAP 1.1 text/xml, JSON, charset latin-1) → HTTP 415', async () => {
    for (const contentType of [
      'text/xml; charset=utf-8',
      'application/json',
      'application/soap+xml; charset=iso-8859-1',
      'nimporte quoi',
      'multipart/related; type="application/xop+xml"',
    ]) {
      expectFault(await auto.post(envelope({ body: adrun }), { contentType }), 415, 'Sender', null, null);
    }
  });

  it('autre chemin → 404, autre méthode → 405', async () => {
    expect((await auto.post(envelope({ body: adrun }), { path: '/autre' })).status).toBe(404);
    const get = await auto.post('', { method: 'GET' });
    expect(get.status).toBe(405);
  });

  it('les refus sont journalisés avec leur code', () => {
    const outcomes = sandbox.requests().map((r) => JSON.stringify(r.outcome));
    for (const code of ['desir_550', 'desir_560', 'desir_561', 'desir_562', 'desir_510', 'desir_520', 'desir_521', 'desir_522', 'insi_101'])
      expect(outcomes).toContain(JSON.stringify({ fault: code }));
  });
});

describe('erreur technique', () => {
  it('validation trop longue → Receiver / siram_40 / insi_102, sous la forme enregistrée', async () => {
    const slow = await startInsiSandbox({ pki: manifest, port: 0, population: 0, validationTimeoutMs: 1 });
    try {
      const c = new InsiTestClient(slow.url, { caPem, client: p12Pair(manifest, 'insi-auto', 'INSI-AUTO') });
      clients.push(c);
      const fault = expectFault(await c.post(envelope({ body: adrun })), 500, 'Receiver', 'siram_40', 'insi_102');
      expect(fault).toMatchObject({ lang: 'en', erreur: { severite: 'fatal', messageID: null } });
      expect(fault.erreur?.text).toMatch(/traits d'identité renvoie une erreur technique/);
      const vitaleFault = expectFault(
        await c.post(envelope({ body: vitaleBody({ matriculeOD: '1840544109123' }), action: ACTION.vitale })),
        500,
        'Receiver',
        'siram_40',
        'insi_102',
      );
      expect(vitaleFault.erreur?.text).toMatch(/carte Vitale/);
    } finally {
      await slow.close();
    }
  });
});

describe('démarrage', () => {
  it('dossier des schémas officiels absent → refus clair en français', async () => {
    let error: unknown;
    try {
      await startInsiSandbox({ pki: manifest, port: 0, population: 0, referenceDir: '/nonexistent/insi' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CabinetError);
    expect((error as CabinetError).message).toMatch(
      /dossier des schémas officiels introuvable \(\/nonexistent\/insi\).*reference-data\/insi/,
    );
  });

  it('dossier incomplet → refus nommant le fichier manquant', async () => {
    const partial = tempDir('cabinet-insi-partial-');
    try {
      fs.mkdirSync(`${partial}/xsd`);
      await expect(startInsiSandbox({ pki: manifest, port: 0, population: 0, referenceDir: partial })).rejects.toThrow(
        /INSi_RECSANS_INS\.xsd/,
      );
    } finally {
      fs.rmSync(partial, { recursive: true, force: true });
    }
  });
});
