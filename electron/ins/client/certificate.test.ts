import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { TEST_STRUCTURE_ID, createTestPki, identity, pkiPath, type PkiManifest } from '../../../sandboxes/pki/test-pki.js';
import { insiEmitterFromCertificate, openInsiCertificate } from './certificate.js';

let tmp: string;
let pki: PkiManifest;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-insi-cert-'));
  pki = await createTestPki(path.join(tmp, 'pki'));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const p12 = (id: string) => fs.readFileSync(pkiPath(pki, identity(pki, id).p12!));

function refusal(run: () => unknown): CabinetError {
  try {
    run();
  } catch (error) {
    if (error instanceof CabinetError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('openInsiCertificate', () => {
  it('opens the INSI-AUTO and INSI-MANU .p12 with their OU as emitter', () => {
    const auto = openInsiCertificate(p12('insi-auto'), 'cabinet-test');
    expect(auto.role).toBe('INSI-AUTO');
    expect(auto.emitter).toBe(TEST_STRUCTURE_ID);
    expect(auto.tls.kind).toBe('pem');
    expect(auto.tls.keyPem).toMatch(/BEGIN (RSA )?PRIVATE KEY/);
    expect(auto.tls.chainPem).toHaveLength(2);
    expect(auto.subject).toMatch(/CN=INSI-AUTO/);
    expect(openInsiCertificate(p12('insi-manu'), 'cabinet-test').role).toBe('INSI-MANU');
    expect(insiEmitterFromCertificate(auto.tls.certPem)).toBe(TEST_STRUCTURE_ID);
  });

  it('refuses another certificate, a wrong password, garbage, and an expired certificate', () => {
    expect(refusal(() => openInsiCertificate(p12('dmp-auth'), 'cabinet-test')).message).toMatch(
      /doit être exactement INSI-AUTO ou INSI-MANU/,
    );
    expect(refusal(() => openInsiCertificate(p12('insi-auto'), 'mauvais')).code).toBe('CREDENTIALS_REFUSED');
    expect(refusal(() => openInsiCertificate(Buffer.from('pas un p12'), 'x')).code).toBe('INVALID_REQUEST');
    const expired = refusal(() => openInsiCertificate(p12('insi-auto'), 'cabinet-test', new Date(Date.now() + 10 * 365 * 86_400_000)));
    expect(expired.code).toBe('CERTIFICATE_REFUSED');
    expect(expired.message).toMatch(/INSI-AUTO a expiré/);
  });
});
