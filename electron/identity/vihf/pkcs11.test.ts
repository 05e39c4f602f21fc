import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Signer } from '../types.js';
import { createSoftHsmToken, openPkcs11Signer, type SoftHsmToken } from '../../../test/support/softhsm-token.js';
import { issueLeaf, makeAuthority, type TestAuthority } from '../../../test/support/throwaway-ca.js';
import { cardSubject, doctorInput } from '../../../test/support/vihf-samples.js';
import { writeVihfSchema, xmllintValidate, xmlsecVerify } from '../../../test/support/xml-tools.js';
import { verifyVihf } from './verify.js';
import { buildVihf } from './vihf.js';

let dir: string;
let token: SoftHsmToken;
let ca: TestAuthority;
let signer: Signer & { signatures: number };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-vihf-p11-'));
  ca = makeAuthority('Cabinet Test AC Personnes');
  const leaf = issueLeaf(ca, { usage: 'signature', subject: cardSubject });
  token = createSoftHsmToken('CPS-VIHF');
  token.importKey('02', leaf.keyPem, leaf.certPem);
  signer = openPkcs11Signer(token, '02');
});

afterAll(() => {
  signer?.dispose();
  token?.remove();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('VIHF signed by a PKCS#11 token key (SoftHSM2)', () => {
  it('(f) produces an assertion that xmlsec1, xmllint and verifyVihf accept', () => {
    const xml = buildVihf(doctorInput, signer);
    expect(signer.signatures).toBe(1);
    const file = path.join(dir, 'token.xml');
    fs.writeFileSync(file, xml);
    fs.writeFileSync(path.join(dir, 'ca.pem'), ca.certPem);

    const xmlsec = xmlsecVerify(file, path.join(dir, 'ca.pem'));
    expect(xmlsec.output).toContain('OK');
    expect(xmlsec.ok).toBe(true);
    expect(xmllintValidate(writeVihfSchema(dir), file).ok).toBe(true);
    expect(verifyVihf(xml, { anchorsPem: [ca.certPem] }).nameId).toBe('899700366240');
    // The certificate in KeyInfo is the one read from the token.
    expect(xml).toContain(signer.certificatePem.replace(/-----[^-]+-----|\s/g, ''));
  });

  it('fails in French once the token session is closed (card removed, logout)', () => {
    signer.dispose();
    expect(() => buildVihf(doctorInput, signer)).toThrow(/La signature de l’assertion VIHF a échoué/);
  });
});
