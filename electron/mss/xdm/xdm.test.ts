import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { craftZip } from '../testdata/craft-zip.js';
import { buildXdm, readXdm } from './index.js';
import { readZip, writeZip } from './zip.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const cda = fs.readFileSync(path.join(here, '../testdata/cda-cr-consultation.xml'));
const ansMetadata = fs.readFileSync(path.join(here, '../../../../shared/reference/mss/xdm/KA202401/IHE_XDM/SS000001/METADATA.XML'));
const pdf = Buffer.from('%PDF-1.4\n% test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const now = new Date('2024-01-16T14:20:00Z');

/** The French refusal a promise rejects with. */
async function refusal(promise: Promise<unknown>): Promise<{ message: string; reason: unknown }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CabinetError);
    const e = error as CabinetError;
    expect(e.code).toBe('INVALID_REQUEST');
    return { message: e.message, reason: (e.details as { reason?: unknown } | undefined)?.reason };
  }
  throw new Error('expected a refusal');
}

afterEach(() => vi.restoreAllMocks());

describe('buildXdm → readXdm', () => {
  it('round-trips a CDA and a PDF with their metadata and the patient INS', async () => {
    const zip = await buildXdm({ cda: { xml: cda }, pdf: { data: pdf }, now });
    expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
    const read = await readXdm(zip);
    expect(read.fichiers).toEqual([
      'README.TXT',
      'INDEX.HTM',
      'IHE_XDM/SUBSET01/METADATA.XML',
      'IHE_XDM/SUBSET01/DOC0001.XML',
      'IHE_XDM/SUBSET01/DOC0002.PDF',
    ]);
    expect(read.avertissements).toEqual([]);
    expect(read.patient).toEqual({
      valeur: '279035121518989',
      oid: '1.2.250.1.213.1.4.10',
      type: 'NH',
      ins: { valeur: '279035121518989', oid: '1.2.250.1.213.1.4.10', oidLabel: 'INS-NIR de test (patient fictif)', cleValide: true },
      nom: 'GARCIA',
      prenom: 'Zoé',
      dateNaissance: '1979-03-12',
      sexe: 'F',
    });
    expect(read.documents).toHaveLength(2);
    const [doc, copy] = read.documents;
    expect(doc?.contenu?.equals(cda)).toBe(true);
    expect(doc?.verification).toEqual({ empreinte: 'conforme', taille: 'conforme' });
    expect(doc?.metadata).toMatchObject({
      mimeType: 'text/xml',
      uri: 'DOC0001.XML',
      uniqueId: '1.2.250.1.999.1.1.8121.5^CR-2024-0001',
      title: 'Compte rendu de consultation',
      creationTime: '20240116141112',
      serviceStartTime: '20240116133000',
      serviceStopTime: '20240116140000',
      languageCode: 'fr-FR',
      typeCode: { code: '11488-4', codeSystem: '2.16.840.1.113883.6.1', displayName: 'Compte rendu de consultation' },
      healthcareFacilityType: { code: 'SA07', codeSystem: '1.2.250.1.71.4.2.4', displayName: 'Cabinet individuel' },
      practiceSetting: { code: 'AMBULATOIRE', codeSystem: '1.2.250.1.213.1.1.4.9', displayName: 'Ambulatoire' },
      confidentiality: [{ code: 'N', codeSystem: '2.16.840.1.113883.5.25', displayName: 'Normal' }],
      authors: [
        {
          person: '810001234567^MARTIN^Marie^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS',
          institution: 'Cabinet du Dr Martin^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^1750012345',
        },
      ],
      legalAuthenticator: '810001234567^MARTIN^Marie^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS',
      sourcePatientInfo: ['PID-5|GARCIA^Zoé^^^^^L', 'PID-7|19790312', 'PID-8|F'],
      hash: crypto.createHash('sha1').update(cda).digest('hex'),
      size: cda.length,
    });
    expect(doc?.cda?.patient.ins?.valeur).toBe('279035121518989');
    expect(copy?.metadata.mimeType).toBe('application/pdf');
    expect(copy?.contenu?.equals(pdf)).toBe(true);
    expect(read.sousDossiers[0]?.lot).toMatchObject({
      id: 'SubmissionSet01',
      patientId: '279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH',
      submissionTime: '20240116142000',
    });
  });

  it('writes namespaced ebRIM 3.0 with the IHE identifiers', async () => {
    const entries = await readZip(await buildXdm({ cda: { xml: cda }, now }));
    const metadata = entries.find((e) => e.name === 'IHE_XDM/SUBSET01/METADATA.XML')?.data.toString('utf8') ?? '';
    expect(metadata).toContain(
      '<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">',
    );
    expect(metadata).toContain('objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"');
    expect(metadata).toContain(
      'identificationScheme="urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427" registryObject="Document01" value="279035121518989^^^&amp;1.2.250.1.213.1.4.10&amp;ISO^NH"',
    );
    expect(entries.find((e) => e.name === 'INDEX.HTM')?.data.toString('utf8')).toContain(
      '<a href="IHE_XDM/SUBSET01/DOC0001.XML">Compte rendu de consultation</a>',
    );
  });

  it('refuses, in French, a CDA that cannot make metadata', async () => {
    const noFacility = cda.toString('utf8').replace(/<componentOf>[\s\S]*<\/componentOf>/, '');
    expect((await refusal(buildXdm({ cda: { xml: noFacility } }))).message).toMatch(
      /^Archive IHE_XDM impossible : métadonnée « healthcareFacilityTypeCode » absente/,
    );
    // …unless the caller gives it.
    await expect(
      buildXdm({ cda: { xml: noFacility, metadata: { healthcareFacilityType: { code: 'SA07', codeSystem: '1.2.250.1.71.4.2.4' } } } }),
    ).resolves.toBeInstanceOf(Buffer);
    expect((await refusal(buildXdm({ cda: { xml: '<html/>' } }))).message).toBe(
      'Document CDA refusé : l’élément racine doit être ClinicalDocument dans l’espace de noms urn:hl7-org:v3.',
    );
    expect((await refusal(buildXdm({ cda: { xml: '<!DOCTYPE x [<!ENTITY a "b">]><ClinicalDocument/>' } }))).message).toBe(
      'Document CDA refusé : déclaration DOCTYPE ou ENTITY interdite.',
    );
    expect((await refusal(buildXdm({ cda: { xml: cda.toString('utf8').replace('279035121518989', '279035121518988') } }))).message).toMatch(
      /clé incorrecte/,
    );
    expect((await refusal(buildXdm({ cda: { xml: cda }, pdf: { data: Buffer.from('pas un pdf') } }))).message).toMatch(/n’est pas un PDF/);
  });
});

describe('the ANS sample METADATA.XML (undeclared ns3: prefix, subset SS000001)', () => {
  it('is read by local name, with a warning, documents announced but absent', async () => {
    const read = await readXdm(craftZip([{ name: 'IHE_XDM/SS000001/METADATA.XML', data: ansMetadata }]));
    expect(read.sousDossiers).toEqual([expect.objectContaining({ nom: 'SS000001', metadata: 'IHE_XDM/SS000001/METADATA.XML' })]);
    expect(read.avertissements).toContain(
      'IHE_XDM/SS000001/METADATA.XML utilise des préfixes d’espace de noms non déclarés (XML non conforme, comme l’échantillon de l’ANS) : lu par nom local des éléments.',
    );
    expect(read.avertissements).toContain(
      'Document DocumentKOS : « SS000001/KOS_1_1.DCM » est annoncé dans IHE_XDM/SS000001/METADATA.XML mais absent de l’archive.',
    );
    expect(read.avertissements).toContain('README.TXT absent de l’archive.');
    expect(read.patient).toMatchObject({
      valeur: '162018885045327',
      oid: '1.2.250.1.213.1.4.10',
      nom: 'PAT-SIX',
      prenom: 'Alain',
      dateNaissance: '1996-01-24',
      sexe: 'M',
    });
    expect(read.documents.map((d) => [d.metadata.id, d.metadata.mimeType, d.metadata.typeCode?.code, d.verification.empreinte])).toEqual([
      ['DocumentKOS', 'application/dicom', 'IMG-KOS', 'fichier_absent'],
      ['Signature01', 'text/xml', 'E1762', 'fichier_absent'],
    ]);
    expect(read.documents[1]?.metadata.confidentiality.map((c) => c.code)).toEqual(['N', 'MASQUE_PS', 'INVISIBLE_PATIENT']);
    expect(read.sousDossiers[0]?.lot?.authors[0]?.person).toBe('899700367909^DOC0036790^KIT^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS');
  });

  it('resolves URI=SS000001/… from IHE_XDM/, under a leading folder, and checks the SHA-1', async () => {
    const read = await readXdm(
      craftZip([
        { name: 'KA202401/README.TXT', data: Buffer.from('x') },
        { name: 'KA202401/INDEX.HTM', data: Buffer.from('x') },
        { name: 'KA202401/IHE_XDM/SS000001/METADATA.XML', data: ansMetadata },
        { name: 'KA202401/IHE_XDM/SS000001/KOS_1_1.DCM', data: Buffer.from('not the real KOS') },
      ]),
    );
    const kos = read.documents[0];
    expect(kos?.chemin).toBe('KA202401/IHE_XDM/SS000001/KOS_1_1.DCM');
    expect(kos?.verification).toEqual({ empreinte: 'differente', taille: 'differente' });
    expect(read.avertissements).toContain('Document DocumentKOS : l’empreinte SHA-1 ne correspond pas à METADATA.XML (document altéré ?).');
    expect(read.avertissements.some((a) => a.includes('README.TXT'))).toBe(false);
  });
});

describe('hostile archives', () => {
  const meta = { name: 'IHE_XDM/SUBSET01/METADATA.XML', data: ansMetadata };

  it('refuses zip-slip names: ../, absolute, backslash', async () => {
    expect(await refusal(readXdm(craftZip([meta, { name: '../../evil.txt', data: Buffer.from('x') }])))).toEqual({
      message: 'Archive IHE_XDM refusée : chemin interdit (remontée de dossier (« .. ») dans « ../../evil.txt »).',
      reason: 'chemin_interdit',
    });
    expect((await refusal(readXdm(craftZip([{ name: '/etc/passwd', data: Buffer.from('x') }])))).message).toBe(
      'Archive IHE_XDM refusée : chemin interdit (chemin absolu « /etc/passwd »).',
    );
    expect((await refusal(readXdm(craftZip([{ name: 'C:/x.txt', data: Buffer.from('x') }])))).reason).toBe('chemin_interdit');
    expect((await refusal(readXdm(craftZip([{ name: '..\\..\\evil.txt', data: Buffer.from('x') }])))).message).toBe(
      'Archive IHE_XDM refusée : chemin interdit (barre oblique inverse dans « ..\\..\\evil.txt »).',
    );
  });

  it('refuses a zip bomb by its compression ratio, honest or lying about its size', async () => {
    const zeros = Buffer.alloc(20 * 1024 * 1024);
    expect(await refusal(readXdm(craftZip([meta, { name: 'IHE_XDM/SUBSET01/BOMB.XML', data: zeros }])))).toMatchObject({
      message: expect.stringMatching(
        /^Archive IHE_XDM refusée : taux de compression suspect pour « IHE_XDM\/SUBSET01\/BOMB\.XML » \(\d+ pour 1, 100 au plus : bombe zip \?\)\.$/,
      ),
      reason: 'taux_de_compression',
    });
    const lying = await refusal(readXdm(craftZip([{ name: 'BOMB.XML', data: zeros, declaredSize: 100 }])));
    expect(['taux_de_compression', 'entree_trop_grosse']).toContain(lying.reason);
    // A nested bomb (a zip of zips) is never opened: inner archives are plain bytes, and the outer one is capped in total.
    const inner = craftZip([{ name: 'a', data: Buffer.alloc(1024 * 1024) }]);
    const nested = await refusal(
      readXdm(craftZip(Array.from({ length: 5 }, (_, i) => ({ name: `z${i}.zip`, data: inner }))), { maxTotalBytes: 2 * inner.length }),
    );
    expect(nested.reason).toBe('total_trop_gros');
  });

  it('refuses a too large entry and a too large total, even when the headers lie', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'a');
    expect((await refusal(readXdm(craftZip([{ name: 'x', data: big }]), { maxEntryBytes: 1024 * 1024 }))).reason).toBe(
      'entree_trop_grosse',
    );
    expect(
      (await refusal(readXdm(craftZip([{ name: 'x', data: big, declaredSize: 10 }]), { maxEntryBytes: 1024 * 1024, maxRatio: 1e9 })))
        .reason,
    ).toBe('entree_trop_grosse');
    expect(
      (
        await refusal(
          readXdm(
            craftZip([
              { name: 'x', data: big },
              { name: 'y', data: big },
            ]),
            { maxTotalBytes: 4 * 1024 * 1024, maxRatio: 1e9 },
          ),
        )
      ).message,
    ).toBe('Archive IHE_XDM refusée : plus de 4194304 octets une fois décompressée.');
  });

  it('refuses too many entries before inflating anything', async () => {
    const many = craftZip(Array.from({ length: 201 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from('x') })));
    expect(await refusal(readXdm(many))).toEqual({
      message: 'Archive IHE_XDM refusée : 201 entrées, 200 au plus.',
      reason: 'trop_d_entrees',
    });
  });

  it('refuses a truncated archive, a non-zip, an empty file, an encrypted entry, a bad CRC, duplicates', async () => {
    const good = await buildXdm({ cda: { xml: cda }, now });
    expect(await refusal(readXdm(good.subarray(0, good.length - 30)))).toEqual({
      message: 'Archive IHE_XDM refusée : ce fichier n’est pas une archive zip, ou elle est tronquée.',
      reason: 'pas_un_zip',
    });
    expect((await refusal(readXdm(good.subarray(0, Math.floor(good.length / 2))))).reason).toBe('pas_un_zip');
    expect((await refusal(readXdm(Buffer.from('Bonjour, ceci est un courriel, pas une archive.')))).reason).toBe('pas_un_zip');
    expect((await refusal(readXdm(Buffer.alloc(0)))).reason).toBe('pas_un_zip');
    expect(await refusal(readXdm(craftZip([{ name: 'secret.xml', data: Buffer.from('x'), flags: 1 }])))).toEqual({
      message: 'Archive IHE_XDM refusée : l’entrée « secret.xml » est chiffrée.',
      reason: 'chiffre',
    });
    expect((await refusal(readXdm(craftZip([{ name: 'a.xml', data: Buffer.from('hello'), crc: 1234 }])))).reason).toBe('crc');
    expect(
      (
        await refusal(
          readXdm(
            craftZip([
              { name: 'a.xml', data: Buffer.from('1') },
              { name: 'A.XML', data: Buffer.from('2') },
            ]),
          ),
        )
      ).reason,
    ).toBe('doublon');
    // Corrupt the central directory of a good archive (its first header's signature).
    const corrupt = Buffer.from(good);
    corrupt.writeUInt32LE(0xdeadbeef, corrupt.readUInt32LE(corrupt.length - 22 + 16));
    expect(await refusal(readXdm(corrupt))).toEqual({
      message: 'Archive IHE_XDM refusée : archive zip corrompue ou tronquée.',
      reason: 'corrompu',
    });
  });

  it('refuses an archive without METADATA.XML, and a METADATA.XML with a DOCTYPE', async () => {
    expect(await refusal(readXdm(await writeZip([{ name: 'README.TXT', data: Buffer.from('x') }])))).toEqual({
      message: 'Archive IHE_XDM refusée : aucun fichier IHE_XDM/<sous-dossier>/METADATA.XML.',
      reason: 'sans_metadata',
    });
    const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>';
    expect((await refusal(readXdm(craftZip([{ name: 'IHE_XDM/S/METADATA.XML', data: Buffer.from(xxe) }])))).message).toBe(
      'IHE_XDM/S/METADATA.XML refusé : déclaration DOCTYPE ou ENTITY interdite.',
    );
  });

  it('warns about a document URI that would leave the archive, and never follows it', async () => {
    const evil = ansMetadata.toString('utf8').replace('SS000001/KOS_1_1.DCM', '../../etc/passwd');
    const read = await readXdm(craftZip([{ name: 'IHE_XDM/SS000001/METADATA.XML', data: Buffer.from(evil) }]));
    expect(read.avertissements).toContain(
      'Document DocumentKOS : emplacement refusé « ../../etc/passwd » (remontée de dossier (« .. ») dans « ../../etc/passwd »).',
    );
    expect(read.documents[0]?.contenu).toBeUndefined();
  });

  it('stops a read that takes too long', async () => {
    const many = craftZip(Array.from({ length: 50 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.alloc(200 * 1024, i) })));
    expect((await refusal(readXdm(many, { timeBudgetMs: 1 }))).reason).toBe('delai');
  });

  it('writes nothing to disk, hostile or not', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-xdm-'));
    const spies = [
      vi.spyOn(fs, 'writeFileSync'),
      vi.spyOn(fs, 'writeFile'),
      vi.spyOn(fs, 'createWriteStream'),
      vi.spyOn(fs, 'openSync'),
      vi.spyOn(fs, 'open'),
      vi.spyOn(fs, 'mkdirSync'),
      vi.spyOn(fs, 'mkdir'),
      vi.spyOn(fs.promises, 'writeFile'),
      vi.spyOn(fs.promises, 'open'),
      vi.spyOn(fs.promises, 'mkdir'),
    ];
    try {
      await readXdm(await buildXdm({ cda: { xml: cda }, pdf: { data: pdf }, now }));
      await refusal(readXdm(craftZip([meta, { name: '../cabinet-xdm-evil.txt', data: Buffer.from('x') }])));
      await refusal(readXdm(craftZip([meta, { name: `${tmp}/abs.txt`, data: Buffer.from('x') }])));
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      expect(fs.readdirSync(tmp)).toEqual([]);
      expect(fs.existsSync(path.join(os.tmpdir(), 'cabinet-xdm-evil.txt'))).toBe(false);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
