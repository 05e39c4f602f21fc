/**
 * `npx tsx test/bench/dmp-signature.ts`: the cost of signing an ITI-41
 * submission set (IHE DSG detached XAdES, `electron/dmp/wire/signature.ts`)
 * and of the sandbox's verification, each against a baseline measured in the
 * same run:
 *
 * (a) signing the submission set of a 1 KB-PDF CDA vs building and signing a
 *     VIHF (the same RSA-2048 signature through xml-crypto and the Signer);
 * (b) signing the submission set of a CDA carrying a 20 MB PDF vs SHA-256 +
 *     SHA-1 of the same bytes (what the feed hashes anyway);
 * (c) verifying the signature document (xml-crypto + XAdES + Manifest read)
 *     vs verifying a VIHF's signature (xml-crypto).
 *
 * Also exported as `benchDmpSignature()` for `run.ts`.
 */
import crypto from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { DOMParser } from '@xmldom/xmldom';
import { checkManifest, signSubmissionSet, verifySubmissionSignature } from '../../electron/dmp/wire/signature.js';
import { checkAssertionSignature } from '../../electron/identity/vihf/xmldsig.js';
import { buildVihf, DSIG_NS } from '../../electron/identity/vihf/vihf.js';
import { issueLeaf, makeAuthority, softwareSigner } from '../support/throwaway-ca.js';
import { cardSubject, doctorInput } from '../support/vihf-samples.js';
import { compare, report, type Row } from './harness.js';

export async function benchDmpSignature(): Promise<Row[]> {
  const ca = makeAuthority('AC de banc');
  const leaf = issueLeaf(ca, { subject: cardSubject, usage: 'signature' });
  const signer = softwareSigner(leaf);
  const small = Buffer.from(`<ClinicalDocument xmlns="urn:hl7-org:v3">${'A'.repeat(1400)}</ClinicalDocument>`);
  const large = Buffer.alloc(27 * 1024 * 1024, 0x41);
  const uniqueId = '2.25.329800735698586629295641978511506172918';
  const rows: Row[] = [];

  const a = await compare(
    60,
    () => signSubmissionSet({ documents: [{ uniqueId, content: small }], submissionSetUniqueId: '2.25.1', signer }),
    () => buildVihf(doctorInput, signer),
    10,
  );
  rows.push({
    name: 'DMP : signature du lot de soumission (CDA 2 Ko)',
    baseline: 'VIHF construit et signé (même clé RSA-2048, xml-crypto)',
    ...a,
    budget: 2,
  });

  const b = await compare(
    8,
    () => signSubmissionSet({ documents: [{ uniqueId, content: large }], submissionSetUniqueId: '2.25.1', signer }),
    () => {
      crypto.createHash('sha256').update(large).digest();
      crypto.createHash('sha1').update(large).digest();
    },
    2,
  );
  rows.push({
    name: 'DMP : signature du lot de soumission (CDA 27 Mo, PDF de 20 Mo)',
    baseline: 'SHA-256 + SHA-1 des mêmes octets',
    ...b,
    budget: 1.5,
  });

  const signature = signSubmissionSet({ documents: [{ uniqueId, content: small }], submissionSetUniqueId: '2.25.1', signer }).content;
  const vihf = buildVihf(doctorInput, signer);
  const assertion = new DOMParser().parseFromString(vihf, 'text/xml').documentElement!;
  const vihfSignature = assertion.getElementsByTagNameNS(DSIG_NS, 'Signature').item(0)!;
  const id = assertion.getAttribute('ID')!;
  const c = await compare(
    60,
    () => checkManifest(verifySubmissionSignature(signature).manifest, [{ uniqueId, content: small }]),
    () => checkAssertionSignature(vihf, vihfSignature, leaf.certPem, id),
    10,
  );
  rows.push({
    name: 'Bac à sable DMP : vérification de la signature du lot (XML-DSig, XAdES, Manifest)',
    baseline: 'vérification de la signature d’un VIHF (xml-crypto)',
    ...c,
    budget: 5,
    notes: ['3 références dans SignedInfo (Manifest, XAdES, SignatureProperties) contre 1 pour le VIHF : xml-crypto en fait l’essentiel'],
  });
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(report(await benchDmpSignature()));
}
