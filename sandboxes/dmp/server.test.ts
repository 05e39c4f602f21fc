/**
 * The DMP sandbox on the wire: mutual TLS with the test PKI, the VIHF, TD0.2 /
 * TD0.3, ITI-41 / 18 / 43 / 57 and RPLC, every refusal rule, hand-built and
 * hand-broken requests, robustness, and the timings (start, ITI-18 on 2,000
 * entries).
 */
import fs from 'node:fs';
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/fixtures.js';
import { p12Pair } from '../../test/support/insi-soap.js';
import { createTestPki, type PkiManifest } from '../pki/test-pki.js';
import {
  ACCESS_OPERATIONS,
  buildAddAuthorizationRequest,
  buildStatusRequest,
  parseStatusResponse,
} from '../../electron/dmp/wire/access.js';
import { ACTIONS, STATUS } from '../../electron/dmp/wire/soap.js';
import {
  DmpTestClient,
  cardCaller,
  cdaFor,
  cx,
  errorCodes,
  extrinsicObjects,
  fault,
  feedRequest,
  findDocuments,
  queryBody,
  responseStatus,
  retrieveBody,
  soapEnvelope,
  statusUpdateBody,
  visibilityUpdateBody,
  vihfFor,
  envelopeBody,
  type Caller,
} from './client.test-support.js';
import { REPOSITORY_UNIQUE_ID } from './registry.js';
import { OTHER_AUTHOR, SEEDED, insOf } from './seeds.js';
import { startDmpSandbox, type DmpSandbox } from './server.js';
import { readQuery, runQuery } from './stored-query.js';

let dir: string;
let manifest: PkiManifest;
let sandbox: DmpSandbox;
let martin: Caller;
let client: DmpTestClient;
let caPem: string;
const timings: Record<string, number> = {};

beforeAll(async () => {
  dir = tempDir('cabinet-dmp-sandbox-');
  manifest = await createTestPki(dir);
  // Hand-built ITI-41 requests here are unsigned; the submission set signature has its own tests (signature.test.ts).
  sandbox = await startDmpSandbox({ pki: manifest, port: 0, requireSignature: false });
  timings.startMs = sandbox.startMs;
  timings.seedMs = sandbox.seedMs;
  caPem = fs.readFileSync(sandbox.anchorFile, 'utf8');
  martin = cardCaller(manifest, 'medecin-martin', '899701000012');
  client = new DmpTestClient(sandbox.url, caPem, martin.tls);
}, 120_000);

afterAll(async () => {
  client?.close();
  await sandbox?.close();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`[dmp-sandbox] timings ${JSON.stringify(timings)}`);
});

const post = (action: string, body: string, security: string | null, c = client) => c.post(soapEnvelope(action, body, security));
const query = (
  p = SEEDED.valide,
  body = findDocuments(p),
  purpose: 'normal' | 'bris_de_glace' | 'centre_15' = 'normal',
  caller = martin,
  c = client,
) => post(ACTIONS.iti18.request, body, vihfFor(caller, p, purpose), c);

describe('start and seeds', () => {
  it('starts with the seeded DMPs and 2,000 generated documents', () => {
    expect(sandbox.url).toMatch(/^https:\/\/localhost:\d+\/dmp$/);
    expect(sandbox.registry.patientEntries(cx(SEEDED.volume))).toHaveLength(2000);
    expect(sandbox.registry.patients.size).toBe(8);
  });
  it('re-identified the ANS examples to the patient (recordTarget INS)', () => {
    const entry = sandbox.registry.patientEntries(cx(SEEDED.valide))[0]!;
    const content = sandbox.registry.content(entry.uniqueId)!.toString('utf8');
    expect(content).toContain(`extension="${insOf(SEEDED.valide).value}" root="${SEEDED.valide.active.oid}"`);
    expect(content).toContain('ADRTROIS');
  });
});

describe('mutual TLS', () => {
  it('refuses a connection without a client certificate', async () => {
    const anonymous = new DmpTestClient(sandbox.url, caPem);
    await expect(
      anonymous.post(soapEnvelope(ACTIONS.iti18.request, findDocuments(SEEDED.valide), vihfFor(martin, SEEDED.valide))),
    ).rejects.toThrow();
    anonymous.close();
  });
  it('refuses a card from a foreign authority at the handshake', async () => {
    const foreign = new DmpTestClient(sandbox.url, caPem, p12Pair(manifest, 'etranger-moreau', 'authentification'));
    await expect(
      foreign.post(soapEnvelope(ACTIONS.iti18.request, findDocuments(SEEDED.valide), vihfFor(martin, SEEDED.valide))),
    ).rejects.toThrow();
    foreign.close();
  });
  it('refuses a revoked card (CRL) with a security fault', async () => {
    const revoked = new DmpTestClient(sandbox.url, caPem, p12Pair(manifest, 'revoque-durand', 'authentification'));
    const answer = await revoked.post(soapEnvelope(ACTIONS.iti18.request, findDocuments(SEEDED.valide), vihfFor(martin, SEEDED.valide)));
    revoked.close();
    expect(fault(answer)).toMatchObject({ code: 'env:Sender', subcode: 'wsse:FailedAuthentication' });
    expect(fault(answer)!.text).toMatch(/révoqué/i);
  });
  it('accepts the structure’s DMP software certificate (dmp-auth) with a VIHF in INDIRECTE mode', async () => {
    const software = new DmpTestClient(sandbox.url, caPem, p12Pair(manifest, 'dmp-auth', 'authentification'));
    const answer = await query(SEEDED.valide, findDocuments(SEEDED.valide), 'normal', { ...martin, mode: 'INDIRECTE' }, software);
    software.close();
    expect(responseStatus(answer)).toBe('Success');
  });
});

describe('VIHF', () => {
  it('refuses a request without wsse:Security', async () => {
    const answer = await post(ACTIONS.iti18.request, findDocuments(SEEDED.valide), null);
    expect(fault(answer)?.subcode).toBe('wsse:InvalidSecurity');
  });
  it('refuses a VIHF without the patient (resource-id)', async () => {
    const withoutPatient = vihfFor(martin, SEEDED.valide, 'normal', new Date(), false);
    const answer = await post(ACTIONS.iti18.request, findDocuments(SEEDED.valide), withoutPatient);
    expect(fault(answer)?.subcode).toBe('wsse:InvalidSecurityToken');
    expect(fault(answer)?.text).toMatch(/resource-id/);
  });
  it('refuses an assertion edited after signing', async () => {
    const tampered = vihfFor(martin, SEEDED.valide).replace('>normal<', '>bris_de_glace<').replace('code="normal"', 'code="bris_de_glace"');
    const answer = await post(ACTIONS.iti18.request, findDocuments(SEEDED.valide), tampered);
    expect(fault(answer)?.subcode).toBe('wsse:InvalidSecurityToken');
  });
  it('refuses an expired assertion', async () => {
    const old = vihfFor(martin, SEEDED.valide, 'normal', new Date(Date.now() - 3 * 3600_000));
    const answer = await post(ACTIONS.iti18.request, findDocuments(SEEDED.valide), old);
    expect(fault(answer)?.text).toMatch(/expirée/);
  });
  it('refuses a VIHF of another practitioner than the TLS card', async () => {
    const nurse = cardCaller(manifest, 'infirmier-petit', '0756012345');
    const answer = await post(
      ACTIONS.iti18.request,
      findDocuments(SEEDED.valide),
      vihfFor({ ...nurse, profession: '60', specialty: undefined }, SEEDED.valide),
    );
    expect(fault(answer)?.subcode).toBe('wsse:FailedAuthentication');
  });
  it('refuses a VIHF signed with another practitioner’s card', async () => {
    const nurse = cardCaller(manifest, 'infirmier-petit', '0756012345');
    const answer = await post(
      ACTIONS.iti18.request,
      findDocuments(SEEDED.valide),
      vihfFor({ ...martin, signer: nurse.signer }, SEEDED.valide),
    );
    expect(fault(answer)?.subcode).toBe('wsse:InvalidSecurityToken');
    expect(fault(answer)?.text).toMatch(/titulaire/);
  });
  it('refuses a query on another patient than the VIHF’s', async () => {
    const answer = await post(ACTIONS.iti18.request, findDocuments(SEEDED.valide2), vihfFor(martin, SEEDED.valide));
    expect(errorCodes(answer)).toEqual(['DMP_PATIENT_VIHF_DIFFERENT']);
  });
});

describe('TD0.2 / TD0.3', () => {
  const status = async (p = SEEDED.valide) =>
    parseStatusResponse((await post(ACCESS_OPERATIONS.td02.action, buildStatusRequest(insOf(p)), vihfFor(martin, p))).text);
  it('answers each seeded state', async () => {
    expect(await status(SEEDED.valide)).toMatchObject({
      exists: true,
      closed: false,
      espaceSanteActive: true,
      authorization: 'VALIDE',
      medecinTraitant: true,
    });
    expect((await status(SEEDED.valide)).authorizationEnd).toMatch(/^\d{4}-/);
    expect(await status(SEEDED.expire)).toMatchObject({ authorization: 'EXPIRE', authorizationEnd: null });
    expect(await status(SEEDED.interdit)).toMatchObject({ authorization: 'INTERDIT' });
    expect(await status(SEEDED.sansEspaceSante)).toMatchObject({ exists: true, espaceSanteActive: false, authorization: 'VALIDE' });
    expect(await status(SEEDED.ferme)).toMatchObject({ exists: false, closed: true });
    expect(await status(SEEDED.sansDmp)).toMatchObject({ exists: false, closed: false, authorization: 'NON_EXISTE' });
  });
  it('TD0.3 adds an authorisation with consent, and the consultation then works', async () => {
    const p = SEEDED.valide2;
    sandbox.registry.patient(insOf(p).value)!.authorizations.delete('899701000012');
    expect(errorCodes(await query(p))).toEqual(['DMP_AUTORISATION_ABSENTE']);
    const refused = await post(
      ACCESS_OPERATIONS.td03.action,
      buildAddAuthorizationRequest(insOf(p), true).replace('>true<', '>false<'),
      vihfFor(martin, p),
    );
    expect(() => parseStatusResponse(refused.text)).toThrow(/consentement/i);
    const added = parseStatusResponse(
      (await post(ACCESS_OPERATIONS.td03.action, buildAddAuthorizationRequest(insOf(p), true), vihfFor(martin, p))).text,
    );
    expect(added).toMatchObject({ authorization: 'VALIDE' });
    expect(responseStatus(await query(p))).toBe('Success');
  });
  it('TD0.3 is refused to a blocked practitioner, on a closed DMP and without DMP', async () => {
    for (const [p, code] of [
      [SEEDED.interdit, 'ACCES_INTERDIT'],
      [SEEDED.ferme, 'DMP_FERME'],
      [SEEDED.sansDmp, 'DMP_INEXISTANT'],
    ] as const) {
      const answer = await post(ACCESS_OPERATIONS.td03.action, buildAddAuthorizationRequest(insOf(p), true), vihfFor(martin, p));
      expect(fault(answer)?.subcode).toBe(`acc:${code}`);
    }
  });
  it('TD0.2 refuses a patient other than the VIHF’s and a malformed body', async () => {
    expect(
      fault(await post(ACCESS_OPERATIONS.td02.action, buildStatusRequest(insOf(SEEDED.expire)), vihfFor(martin, SEEDED.valide)))?.subcode,
    ).toBe('acc:PATIENT_DIFFERENT');
    expect(
      fault(
        await post(
          ACCESS_OPERATIONS.td02.action,
          buildStatusRequest(insOf(SEEDED.valide)).replace('</acc:PatientId>', '</acc:PatientId><acc:X/>'),
          vihfFor(martin, SEEDED.valide),
        ),
      )?.subcode,
    ).toBe('acc:REQUETE_INVALIDE');
  });
});

describe('consultation rules', () => {
  it('FindDocuments returns the patient’s documents but not those masked by another author', async () => {
    const answer = await query(SEEDED.valide);
    expect(responseStatus(answer)).toBe('Success');
    const entries = extrinsicObjects(answer);
    const all = sandbox.registry.patientEntries(cx(SEEDED.valide));
    const maskedOther = all.find((e) => e.confidentiality.some((c) => c.code === 'MASQUE_PS') && e.submitter === OTHER_AUTHOR)!;
    expect(maskedOther).toBeDefined();
    expect(entries.map((e) => e.getAttribute('id'))).not.toContain(maskedOther.entryUuid);
    expect(entries.length).toBeGreaterThanOrEqual(5);
    // …nor by its UUID, nor by Retrieve.
    const byId = await query(SEEDED.valide, queryBody('GetDocuments', { $XDSDocumentEntryEntryUUID: [`('${maskedOther.entryUuid}')`] }));
    expect(extrinsicObjects(byId)).toHaveLength(0);
    const retrieved = await post(
      ACTIONS.iti43.request,
      retrieveBody(maskedOther.uniqueId, REPOSITORY_UNIQUE_ID),
      vihfFor(martin, SEEDED.valide),
    );
    expect(errorCodes(retrieved)).toEqual(['XDSMissingDocument']);
  });
  it('refuses without authorisation (NON_EXISTE, EXPIRE)', async () => {
    expect(errorCodes(await query(SEEDED.nonExiste))).toEqual(['DMP_AUTORISATION_ABSENTE']);
    expect(errorCodes(await query(SEEDED.expire))).toEqual(['DMP_AUTORISATION_ABSENTE']);
  });
  it('allows bris de glace and centre 15, and records them', async () => {
    const before = sandbox.registry.accessLog.length;
    expect(responseStatus(await query(SEEDED.nonExiste, findDocuments(SEEDED.nonExiste), 'bris_de_glace'))).toBe('Success');
    expect(responseStatus(await query(SEEDED.expire, findDocuments(SEEDED.expire), 'centre_15'))).toBe('Success');
    const log = sandbox.registry.accessLog.slice(before);
    expect(log.map((l) => [l.purpose, l.outcome])).toEqual([
      ['bris_de_glace', 'autorise'],
      ['centre_15', 'autorise'],
    ]);
    expect(log[0]!.detail).toMatch(/exceptionnel/);
  });
  it('always refuses a practitioner blocked by the patient, bris de glace included', async () => {
    for (const purpose of ['normal', 'bris_de_glace', 'centre_15'] as const)
      expect(errorCodes(await query(SEEDED.interdit, findDocuments(SEEDED.interdit), purpose))).toEqual(['DMP_ACCES_INTERDIT']);
  });
  it('refuses a closed DMP and a patient without DMP', async () => {
    expect(errorCodes(await query(SEEDED.ferme))).toEqual(['DMP_FERME']);
    expect(errorCodes(await query(SEEDED.sansDmp))).toEqual(['XDSUnknownPatientId']);
  });
  it('FindDocuments filters (type, dates) and ObjectRef', async () => {
    const typed = await query(
      SEEDED.valide,
      findDocuments(SEEDED.valide, { $XDSDocumentEntryTypeCode: ["('57833-6^^2.16.840.1.113883.6.1')"] }),
    );
    expect(extrinsicObjects(typed)).toHaveLength(1);
    const future = await query(SEEDED.valide, findDocuments(SEEDED.valide, { $XDSDocumentEntryCreationTimeFrom: ['29990101'] }));
    expect(extrinsicObjects(future)).toHaveLength(0);
    const refs = await query(SEEDED.valide, findDocuments(SEEDED.valide, {}, 'ObjectRef'));
    expect(
      envelopeBody(refs).body.getElementsByTagNameNS('urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0', 'ObjectRef').length,
    ).toBeGreaterThanOrEqual(5);
  });
  it('refuses a query missing a required parameter, an unknown one, and an XSD-invalid request', async () => {
    expect(
      errorCodes(await query(SEEDED.valide, queryBody('FindDocuments', { $XDSDocumentEntryPatientId: [`'${cx(SEEDED.valide)}'`] }))),
    ).toEqual(['XDSStoredQueryMissingParam']);
    expect(errorCodes(await query(SEEDED.valide, findDocuments(SEEDED.valide, { $Inconnu: ['1'] })))).toEqual([
      'XDSStoredQueryParamNumber',
    ]);
    expect(
      errorCodes(await query(SEEDED.valide, findDocuments(SEEDED.valide).replace('<rim:AdhocQuery ', '<rim:Bidon/><rim:AdhocQuery '))),
    ).toEqual(['XDSRegistryError']);
  });
  it('FindSubmissionSets, GetAssociations, GetDocumentsAndAssociations', async () => {
    const sets = await query(
      SEEDED.valide,
      queryBody('FindSubmissionSets', {
        $XDSSubmissionSetPatientId: [`'${cx(SEEDED.valide)}'`],
        $XDSSubmissionSetStatus: [`('${STATUS.Approved}')`],
        $XDSSubmissionSetSubmissionTimeFrom: ['20000101'],
      }),
    );
    const packages = envelopeBody(sets).body.getElementsByTagNameNS('urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0', 'RegistryPackage');
    expect(packages.length).toBeGreaterThanOrEqual(1);
    const ssId = packages.item(0)!.getAttribute('id')!;
    const assocs = await query(SEEDED.valide, queryBody('GetAssociations', { $uuid: [`('${ssId}')`] }));
    const found = envelopeBody(assocs).body.getElementsByTagNameNS('urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0', 'Association');
    expect(found.length).toBeGreaterThanOrEqual(1);
    const target = found.item(0)!.getAttribute('targetObject')!;
    const both = await query(SEEDED.valide, queryBody('GetDocumentsAndAssociations', { $XDSDocumentEntryEntryUUID: [`('${target}')`] }));
    expect(extrinsicObjects(both)).toHaveLength(1);
    expect(
      envelopeBody(both).body.getElementsByTagNameNS('urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0', 'Association').length,
    ).toBeGreaterThanOrEqual(1);
  });
});

describe('ITI-41, ITI-43, ITI-57, RPLC', () => {
  const feed = async (o: Parameters<typeof feedRequest>[0], caller = martin, purpose: 'normal' = 'normal') => {
    const built = feedRequest(o, vihfFor(caller, o.patient, purpose));
    return { built, answer: await client.post(built.body, built.contentType) };
  };

  it('feeds a CDA (MTOM), finds it, retrieves the same bytes (MTOM), refuses it twice', async () => {
    const started = performance.now();
    const { built, answer } = await feed({ patient: SEEDED.valide });
    timings.feedMs = performance.now() - started;
    expect(responseStatus(answer), answer.text).toBe('Success');
    const entry = sandbox.registry.entryByUniqueId(built.uniqueId)!;
    expect(entry.submitter).toBe('899701000012');
    const retrieved = await post(ACTIONS.iti43.request, retrieveBody(built.uniqueId, REPOSITORY_UNIQUE_ID), vihfFor(martin, SEEDED.valide));
    expect(retrieved.contentType).toMatch(/^multipart\/related/);
    const { parts } = envelopeBody(retrieved);
    expect([...parts.values()][0]!.toString('utf8')).toBe(built.cda.xml);
    const again = await client.post(built.body, built.contentType);
    expect(errorCodes(again)).toEqual(['XDSDuplicateUniqueIdInRegistry']);
  });
  it('accepts a document inline (base64) too', async () => {
    const { answer } = await feed({ patient: SEEDED.valide, inline: true });
    expect(responseStatus(answer)).toBe('Success');
  });
  it('refuses a patientId that is not the CDA’s recordTarget INS', async () => {
    const otherCda = cdaFor(SEEDED.valide2);
    const { answer } = await feed({ patient: SEEDED.valide, cda: otherCda });
    expect(errorCodes(answer)).toEqual(['XDSPatientIdDoesNotMatch']);
    const { answer: mismatch } = await feed({ patient: SEEDED.valide, patientIdInMetadata: cx(SEEDED.valide2) });
    expect(errorCodes(mismatch)).toEqual(['XDSPatientIdDoesNotMatch']);
  });
  it('refuses codes outside the ANS value sets, a wrong hash and a wrong size', async () => {
    expect(errorCodes((await feed({ patient: SEEDED.valide, typeCode: ['99999-9', '2.16.840.1.113883.6.1'] })).answer)).toEqual([
      'XDSRegistryMetadataError',
    ]);
    const badFacility = await feed({
      patient: SEEDED.valide,
      editMetadata: (x) => x.replace('nodeRepresentation="SA07"', 'nodeRepresentation="SA99"'),
    });
    expect(errorCodes(badFacility.answer)).toEqual(['XDSRegistryMetadataError']);
    expect(
      envelopeBody(badFacility.answer)
        .body.getElementsByTagNameNS('urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0', 'RegistryError')
        .item(0)!
        .getAttribute('codeContext'),
    ).toMatch(/J02/);
    const badConf = await feed({
      patient: SEEDED.valide,
      editMetadata: (x) => x.replace('nodeRepresentation="N"', 'nodeRepresentation="Z"'),
    });
    expect(errorCodes(badConf.answer)).toEqual(['XDSRegistryMetadataError']);
    expect(errorCodes((await feed({ patient: SEEDED.valide, hash: '0'.repeat(40) })).answer)).toEqual(['XDSNonIdenticalHash']);
    expect(errorCodes((await feed({ patient: SEEDED.valide, size: 12 })).answer)).toEqual(['XDSNonIdenticalSize']);
  });
  it('refuses a CDA that fails the self-check', async () => {
    const cda = cdaFor(SEEDED.valide);
    const broken = { ...cda, xml: cda.xml.replace('<realmCode code="FR"/>', '') };
    expect(errorCodes((await feed({ patient: SEEDED.valide, cda: broken })).answer)).toEqual(['XDSRepositoryMetadataError']);
  });
  it('refuses feeding a closed DMP, a patient without DMP, and a blocked practitioner', async () => {
    expect(errorCodes((await feed({ patient: SEEDED.ferme })).answer)).toEqual(['DMP_FERME']);
    expect(errorCodes((await feed({ patient: SEEDED.sansDmp })).answer)).toEqual(['XDSUnknownPatientId']);
    expect(errorCodes((await feed({ patient: SEEDED.interdit })).answer)).toEqual(['DMP_ACCES_INTERDIT']);
  });
  it('feeds without authorisation (TD2 needs only an active DMP)', async () => {
    expect(responseStatus((await feed({ patient: SEEDED.nonExiste })).answer)).toBe('Success');
  });
  it('RPLC: the replaced entry becomes Deprecated', async () => {
    const { built } = await feed({ patient: SEEDED.valide });
    const old = sandbox.registry.entryByUniqueId(built.uniqueId)!;
    const { answer } = await feed({ patient: SEEDED.valide, replaces: old.entryUuid });
    expect(responseStatus(answer)).toBe('Success');
    expect(old.status).toBe('Deprecated');
    const { answer: unknown } = await feed({ patient: SEEDED.valide, replaces: 'urn:uuid:00000000-0000-4000-8000-000000000000' });
    expect(errorCodes(unknown)).toEqual(['UnresolvedReferenceException']);
  });
  it('ITI-57: archive, unarchive and delete one’s own document; delete is author-only', async () => {
    const { built } = await feed({ patient: SEEDED.valide });
    const entry = sandbox.registry.entryByUniqueId(built.uniqueId)!;
    const update = (body: string) => post(ACTIONS.iti57.request, body, vihfFor(martin, SEEDED.valide));
    expect(responseStatus(await update(statusUpdateBody(SEEDED.valide, entry.entryUuid, STATUS.Approved, STATUS.Archived)))).toBe(
      'Success',
    );
    expect(entry.status).toBe('Archived');
    expect(errorCodes(await update(statusUpdateBody(SEEDED.valide, entry.entryUuid, STATUS.Approved, STATUS.Archived)))).toEqual([
      'XDSMetadataUpdateError',
    ]);
    expect(responseStatus(await update(statusUpdateBody(SEEDED.valide, entry.entryUuid, STATUS.Archived, STATUS.Approved)))).toBe(
      'Success',
    );
    const others = sandbox.registry
      .patientEntries(cx(SEEDED.valide))
      .find((e) => e.submitter === OTHER_AUTHOR && e.status === 'Approved' && !e.confidentiality.some((c) => c.code === 'MASQUE_PS'));
    if (others)
      expect(errorCodes(await update(statusUpdateBody(SEEDED.valide, others.entryUuid, STATUS.Approved, STATUS.Deleted)))).toEqual([
        'DMP_AUTEUR_SEUL',
      ]);
    expect(responseStatus(await update(statusUpdateBody(SEEDED.valide, entry.entryUuid, STATUS.Approved, STATUS.Deleted)))).toBe('Success');
    expect(entry.status).toBe('Deleted');
  });
  it('ITI-57: masking (MASQUE_PS) makes a new version; the old one is Deprecated', async () => {
    const { built } = await feed({ patient: SEEDED.valide });
    const entry = sandbox.registry.entryByUniqueId(built.uniqueId)!;
    const body = visibilityUpdateBody(
      SEEDED.valide,
      {
        logicalId: entry.logicalId,
        uniqueId: entry.uniqueId,
        version: entry.version,
        typeCode: [entry.typeCode.code, entry.typeCode.scheme, entry.typeCode.display],
        title: entry.title,
      },
      true,
    );
    const answer = await post(ACTIONS.iti57.request, body, vihfFor(martin, SEEDED.valide));
    expect(responseStatus(answer), answer.text).toBe('Success');
    const next = sandbox.registry.entryByUniqueId(built.uniqueId)!;
    expect(next.entryUuid).not.toBe(entry.entryUuid);
    expect(next.logicalId).toBe(entry.logicalId);
    expect(next.version).toBe(2);
    expect(entry.status).toBe('Deprecated');
    expect(next.confidentiality.map((c) => c.code)).toContain('MASQUE_PS');
    // A stale version number is refused.
    expect(errorCodes(await post(ACTIONS.iti57.request, body, vihfFor(martin, SEEDED.valide)))).toEqual(['XDSMetadataUpdateError']);
  });
});

describe('volume', () => {
  it('answers FindDocuments with 2,000 full entries', async () => {
    const runs: number[] = [];
    let answer = await query(SEEDED.volume);
    for (let i = 0; i < 3; i += 1) {
      const t = performance.now();
      answer = await query(SEEDED.volume);
      runs.push(performance.now() - t);
    }
    // Counted without a DOM (12 MB): every ExtrinsicObject opening tag.
    expect(answer.text.slice(0, 2000)).toContain('ResponseStatusType:Success');
    expect(answer.text.match(/<rim:ExtrinsicObject /g)).toHaveLength(2000);
    runs.sort((a, b) => a - b);
    const server = sandbox
      .requests()
      .filter((r) => r.transaction === 'ITI18')
      .slice(-3)
      .map((r) => r.durationMs)
      .sort((a, b) => a - b);
    timings.iti18_2000_roundtrip_ms = Math.round(runs[1]!);
    timings.iti18_2000_server_ms = Math.round(server[1]!);
    timings.iti18_2000_bytes = answer.body.length;
    // The registry's part alone (filter + cached ebRIM serialisation), in process.
    const q = readQuery(new DOMParser().parseFromString(findDocuments(SEEDED.volume), 'text/xml').documentElement!);
    const inProcess: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const t = performance.now();
      const result = runQuery({ registry: sandbox.registry, practitioner: '899701000012', patient: cx(SEEDED.volume) }, q);
      inProcess.push(performance.now() - t);
      expect(result.count).toBe(2000);
    }
    timings.iti18_2000_registry_ms = Math.round(inProcess.sort((a, b) => a - b)[2]! * 10) / 10;
  });
});

describe('feed throughput', () => {
  it('accepts sequential feeds (each: MTOM, VIHF, ebRIM XSD, CDA self-check)', async () => {
    const requests = Array.from({ length: 10 }, () => feedRequest({ patient: SEEDED.valide2 }, vihfFor(martin, SEEDED.valide2)));
    const t = performance.now();
    for (const built of requests) expect(responseStatus(await client.post(built.body, built.contentType))).toBe('Success');
    timings.feeds_per_second = Math.round((requests.length / ((performance.now() - t) / 1000)) * 10) / 10;
  });
});

describe('robustness', () => {
  it('answers a SOAP fault to malformed XML, broken MTOM, a DTD, a wrong content type, and keeps serving', async () => {
    expect(fault(await client.post('<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>'))?.code).toBe(
      'env:Sender',
    );
    expect(fault(await client.post('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'))?.text).toMatch(/DTD/);
    const built = feedRequest({ patient: SEEDED.valide }, vihfFor(martin, SEEDED.valide));
    const noBoundary = await client.post(built.body, built.contentType.replace(/boundary="[^"]*"/, 'boundary="autre"'));
    expect(noBoundary.status).toBe(400);
    expect(fault(noBoundary)?.text).toMatch(/MTOM/);
    const truncated = await client.post(built.body.subarray(0, built.body.length - 200), built.contentType);
    expect(fault(truncated)?.code).toBe('env:Sender');
    const missingPart = await client.post(
      Buffer.from(built.body.toString('latin1').replace('Content-ID: <doc1@test>', 'Content-ID: <autre@test>'), 'latin1'),
      built.contentType,
    );
    expect(fault(missingPart)?.text).toMatch(/absente/);
    expect(fault(await client.post('bonjour', 'text/plain'))?.code).toBe('env:Sender');
    expect((await client.post('', undefined, 'GET')).status).toBe(405);
    expect(fault(await client.post(soapEnvelope('urn:inconnue', '<x/>', vihfFor(martin, SEEDED.valide))))?.subcode).toBe(
      'wsa:ActionNotSupported',
    );
    expect(
      fault(
        await client.post(
          soapEnvelope(
            ACTIONS.iti18.request,
            findDocuments(SEEDED.valide),
            vihfFor(martin, SEEDED.valide),
            '<x:Y xmlns:x="urn:x" env:mustUnderstand="true"/>',
          ),
        ),
      )?.code,
    ).toBe('env:MustUnderstand');
    expect(responseStatus(await query())).toBe('Success');
  });
  it('refuses an oversized body without crashing', async () => {
    const huge = Buffer.alloc(41 * 1024 * 1024, 0x20);
    const answer = await client.post(huge).catch((error: unknown) => error);
    if (!(answer instanceof Error)) expect((answer as { status: number }).status).toBe(413);
    const fresh = new DmpTestClient(sandbox.url, caPem, martin.tls);
    expect(responseStatus(await query(SEEDED.valide, findDocuments(SEEDED.valide), 'normal', martin, fresh))).toBe('Success');
    fresh.close();
  });
});
