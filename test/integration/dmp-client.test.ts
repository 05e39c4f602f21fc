/**
 * The DMP client (`electron/dmp/client/client.ts`) against the DMP sandbox
 * (`sandboxes/dmp/`), over mutual TLS with the test PKI and a VIHF
 * signed per call: every transaction of `DmpClient`, the idempotent feed,
 * replacement, masking, archive/delete, and the sandbox's refusals as French
 * errors.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CabinetError } from '../../shared/contract/outcome.js';
import { buildCdaN1 } from '../../electron/dmp/cda/builder.js';
import { gp, pdf } from '../../electron/dmp/cda/fixtures.test-support.js';
import type { DmpCall, DmpIns } from '../../electron/dmp/client/api.js';
import { XdsDmpClient, type DmpAuthor } from '../../electron/dmp/client/client.js';
import { cardCaller, cdaFor, type Caller } from '../../sandboxes/dmp/client.test-support.js';
import { SEEDED, insOf } from '../../sandboxes/dmp/seeds.js';
import { startDmpSandbox, type DmpSandbox } from '../../sandboxes/dmp/server.js';
import { createTestPki, type PkiManifest } from '../../sandboxes/pki/test-pki.js';
import { buildVihf } from '../../electron/identity/vihf/vihf.js';
import type { SandboxIdentity } from '../../sandboxes/insi/identities.js';
import { nodeHttpsTransport, type HttpsTransport } from '../../electron/platform/tls/transport.js';
import { tempDir } from '../support/fixtures.js';

let dir: string;
let manifest: PkiManifest;
let sandbox: DmpSandbox;
let martin: Caller;
let transport: HttpsTransport;
let client: XdsDmpClient;
const timings: Record<string, number> = {};

const author: DmpAuthor = {
  idNat: '899701000012',
  family: 'MARTIN',
  given: 'Marie',
  specialty: { code: 'G15_10/SM26', codeSystem: '1.2.250.1.213.1.1.4.5', displayName: 'Médecin - Qualifié en Médecine Générale (SM)' },
  institution: { id: 'R99701', name: 'Cabinet du Dr Martin' },
};

function vihf(caller: Caller, c: DmpCall): string {
  return buildVihf(
    {
      practitioner: { idNatPs: caller.idNatPs, displayName: 'Dr Marie MARTIN', professionCode: '10', specialtyCode: 'SM26' },
      structureId: 'R99701',
      activitySector: 'SA07',
      authenticationMode: 'DIRECTE',
      purposeOfUse: c.purpose ?? 'normal',
      software: { name: 'Cabinet', version: '0.1.0', id: 'cabinet-0.1.0', dmpApprovalId: 'CABINET-HOMOLOGATION-TEST' },
      patientIns: c.ins as { value: string; oid: '1.2.250.1.213.1.4.8' },
    },
    caller.signer,
  );
}

const callFor = (p: SandboxIdentity, extra: Partial<DmpCall> = {}): DmpCall => ({ ins: insOf(p) as DmpIns, ...extra });
const noMask = { masquePs: false, invisiblePatient: false, invisibleRepresentants: false };

beforeAll(async () => {
  dir = tempDir('cabinet-dmp-client-');
  manifest = await createTestPki(dir);
  sandbox = await startDmpSandbox({ pki: manifest, port: 0 });
  const caPem = fs.readFileSync(sandbox.anchorFile, 'utf8');
  martin = cardCaller(manifest, 'medecin-martin', '899701000012');
  transport = nodeHttpsTransport(
    { kind: 'pem', keyPem: martin.tls.keyPem, certPem: martin.tls.certPem, chainPem: [] },
    { extraCa: [caPem] },
  );
  client = new XdsDmpClient({
    url: sandbox.url,
    transport,
    vihf: (c) => vihf(martin, c),
    author,
    sourceId: '1.2.250.1.213.1.999.1',
    signer: martin.signer,
    timeoutMs: 60_000,
  });
}, 120_000);

afterAll(async () => {
  transport?.close();
  await sandbox?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  console.log(`[dmp-client] timings ${JSON.stringify(timings)}`);
});

describe('DMP client ↔ sandbox', () => {
  it('TD0.2 reads each seeded state; TD0.3 adds an authorisation; refusals are French errors', async () => {
    expect(await client.status(callFor(SEEDED.valide))).toMatchObject({
      exists: true,
      closed: false,
      authorization: 'VALIDE',
      medecinTraitant: true,
    });
    expect(await client.status(callFor(SEEDED.expire))).toMatchObject({ exists: true, authorization: 'EXPIRE' });
    expect(await client.status(callFor(SEEDED.nonExiste))).toMatchObject({ authorization: 'NON_EXISTE' });
    expect(await client.addAuthorization(callFor(SEEDED.nonExiste))).toMatchObject({ authorization: 'VALIDE' });
    const refused = await client.addAuthorization(callFor(SEEDED.interdit)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CabinetError);
    expect((refused as CabinetError).message).toMatch(/interdit/i);
  });

  it('feeds a CDA (ITI-41, MTOM), idempotently; finds, gets and retrieves it (ITI-18, ITI-43)', async () => {
    const since = new Date(Date.now() - 60_000);
    const built = cdaFor(SEEDED.valide);
    const cda = Buffer.from(built.xml);
    const call = callFor(SEEDED.valide);
    let started = performance.now();
    const first = await client.feed(call, { cda, uniqueId: built.uniqueId, visibility: noMask });
    timings.feedMs = Math.round(performance.now() - started);
    expect(first).toMatchObject({ outcome: 'created', uniqueId: built.uniqueId });
    // The retry after a lost answer (outbox): same uniqueId, same content.
    expect(await client.feed(call, { cda, uniqueId: built.uniqueId, visibility: noMask })).toMatchObject({
      outcome: 'already',
      uniqueId: built.uniqueId,
    });

    const docs = await client.findDocuments(call, { typeCodes: ['11488-4'] });
    const mine = docs.find((d) => d.uniqueId === built.uniqueId)!;
    expect(mine).toBeDefined();
    expect(mine).toMatchObject({
      status: 'Approved',
      mimeType: 'text/xml',
      type: { code: '11488-4' },
      format: { code: 'urn:ihe:iti:xds-sd:pdf:2008' },
      size: cda.length,
      visibility: noMask,
    });
    expect(mine.authors[0]).toMatchObject({ idNat: '899701000012' });
    expect(mine.hash).toBe((await import('node:crypto')).createHash('sha1').update(cda).digest('hex'));

    const sets = await client.findSubmissionSets(call, since);
    expect(sets.some((s) => s.documentUuids.includes(mine.entryUuid))).toBe(true);
    const got = await client.getDocuments(call, [mine.entryUuid]);
    expect(got.map((d) => d.uniqueId)).toEqual([built.uniqueId]);

    started = performance.now();
    const retrieved = await client.retrieve(call, { uniqueId: mine.uniqueId, repositoryUniqueId: mine.repositoryUniqueId });
    timings.retrieveMs = Math.round(performance.now() - started);
    expect(retrieved.mimeType).toBe('text/xml');
    expect(retrieved.content.equals(cda)).toBe(true);
  });

  it('masks, archives, unarchives and deletes (ITI-57), and replaces (RPLC)', async () => {
    const call = callFor(SEEDED.valide);
    const built = cdaFor(SEEDED.valide);
    await client.feed(call, { cda: Buffer.from(built.xml), uniqueId: built.uniqueId, visibility: noMask });
    const find = async (status: ('Approved' | 'Archived' | 'Deleted' | 'Deprecated')[] = ['Approved']) =>
      (await client.findDocuments(call, { status })).find((d) => d.uniqueId === built.uniqueId);
    const original = (await find())!;

    await client.setVisibility(call, original, { masquePs: true, invisiblePatient: false, invisibleRepresentants: false });
    const masked = (await find())!;
    expect(masked.entryUuid).not.toBe(original.entryUuid);
    expect(masked.logicalId).toBe(original.logicalId);
    expect(masked.visibility.masquePs).toBe(true);

    await client.setStatus(call, masked, 'Archived');
    const archived = (await find(['Archived']))!;
    expect(archived.status).toBe('Archived');
    await client.setStatus(call, archived, 'Approved');
    const back = (await find())!;
    expect(back.status).toBe('Approved');

    // Replacement: new version of the CDA (same setId, RPLC), then the old one is Deprecated.
    const replacement = buildCdaN1({
      pdf: pdf(2048),
      patient: {
        ins: { matricule: SEEDED.valide.active.matricule, cle: SEEDED.valide.active.cle, oid: SEEDED.valide.active.oid },
        traits: {
          birthName: SEEDED.valide.traits.nomNaissance,
          firstName: SEEDED.valide.traits.prenoms[0]!,
          firstNames: SEEDED.valide.traits.prenoms.join(' '),
          sex: SEEDED.valide.traits.sexe,
          birthDate: SEEDED.valide.traits.dateNaissance,
          birthplace: SEEDED.valide.traits.lieuNaissance,
        },
      },
      author: gp,
      structure: { id: 'R99701', name: 'Cabinet du Dr Martin' },
      replaces: { id: built.id, setId: built.setId, versionNumber: built.versionNumber },
    });
    expect(
      await client.feed(call, {
        cda: Buffer.from(replacement.xml),
        uniqueId: replacement.uniqueId,
        visibility: noMask,
        replaces: { entryUuid: back.entryUuid, uniqueId: back.uniqueId },
      }),
    ).toMatchObject({ outcome: 'created' });
    const docs = await client.findDocuments(call, { status: ['Approved', 'Deprecated'] });
    const next = docs.find((d) => d.uniqueId === replacement.uniqueId)!;
    expect(docs.find((d) => d.uniqueId === built.uniqueId)?.status).toBe('Deprecated');
    expect(next.status).toBe('Approved');

    await client.setStatus(call, next, 'Deleted');
    expect((await client.findDocuments(call, { status: ['Deleted'] })).find((d) => d.uniqueId === replacement.uniqueId)?.status).toBe(
      'Deleted',
    );
  });

  it('reads the 2,000-document DMP in one FindDocuments', async () => {
    const call = callFor(SEEDED.volume);
    await client.addAuthorization(call).catch(() => undefined);
    const started = performance.now();
    const docs = await client.findDocuments(call, {});
    timings.find2000Ms = Math.round(performance.now() - started);
    expect(docs).toHaveLength(2000);
    expect(new Set(docs.map((d) => d.uniqueId)).size).toBe(2000);
  });

  it('passes the sandbox refusals on as French errors with their codes', async () => {
    // A CDA of another patient than the call's.
    const other = cdaFor(SEEDED.valide2);
    await expect(
      client.feed(callFor(SEEDED.valide), { cda: Buffer.from(other.xml), uniqueId: other.uniqueId, visibility: noMask }),
    ).rejects.toThrow(/INS du patient ne correspond pas/);
    // Consultation without authorisation.
    const refused = await client.findDocuments(callFor(SEEDED.expire), {}).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CabinetError);
    expect((refused as CabinetError).message).not.toMatch(/inattendue/);
    // Bris de glace needs a reason (checked before sending).
    await expect(client.findDocuments(callFor(SEEDED.valide, { purpose: 'bris_de_glace' }), {})).rejects.toThrow(/motif/);
  });
});
