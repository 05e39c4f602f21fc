import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, identity, pkiPath, type PkiManifest } from '../../../sandboxes/pki/test-pki.js';
import { formatName, parseCertificate, splitPem } from './der.js';
import {
  capitalizeGivenName,
  practitionerFromCertificate,
  requireInsiCertificate,
  softwareIdentityFromCertificate,
} from './practitioner.js';

let tmp: string;
let pki: PkiManifest;
const pem = (relative: string | undefined) => fs.readFileSync(pkiPath(pki, relative!), 'utf8');

/** A certificate made by OpenSSL itself, with any subject (`-multivalue-rdn`: `+` joins a multi-valued RDN). */
function opensslCert(subject: string, extensions: string[] = []): string {
  const out = path.join(tmp, `c-${Math.random().toString(36).slice(2)}.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      path.join(tmp, 'k.pem'),
      '-out',
      out,
      '-days',
      '30',
      '-utf8',
      '-multivalue-rdn',
      '-subj',
      subject,
      ...extensions.flatMap((e) => ['-addext', e]),
    ],
    { stdio: 'pipe' },
  );
  return fs.readFileSync(out, 'utf8');
}
/** OpenSSL's RFC 2253 rendering of the subject, UTF-8 kept. */
function opensslSubject(certPem: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-subject', '-nameopt', 'RFC2253,-esc_msb'], { input: certPem, encoding: 'utf8' })
    .trim()
    .replace(/^subject=/, '');
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-practitioner-'));
  pki = await createTestPki(path.join(tmp, 'pki'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('practitionerFromCertificate', () => {
  it('reads the GP card of the test PKI', () => {
    const gp = identity(pki, 'medecin-martin');
    const certPem = pem(gp.certPem);
    const practitioner = practitionerFromCertificate(certPem, { specialtyCode: gp.specialtyCode! });
    expect(practitioner).toEqual({
      idNatPs: gp.idNatPs,
      rpps: gp.rpps,
      givenName: 'MARIE',
      surname: 'MARTIN',
      displayName: 'Dr Marie MARTIN',
      professionCode: '10',
      professionLabel: 'Médecin',
      specialtyCode: 'SM26',
      specialtyLabel: 'Qualifié en médecine générale',
      source: 'carte_cps',
      certificateSubject: gp.subject,
      certificateNotAfter: gp.notAfter,
    });
    // RFC 4514 keywords + SN and T, others by OID, multi-valued RDN in encoded (DER) order: GN (5 letters), SN, CN (12 digits).
    expect(practitioner.certificateSubject).toBe(`2.5.4.42=MARIE+SN=MARTIN+CN=${gp.idNatPs},T=Médecin,C=FR`);
    // The same name, as OpenSSL writes it.
    expect(formatName(parseCertificate(certPem).subject, 'openssl')).toBe(opensslSubject(certPem));
    // DER input gives the same.
    expect(practitionerFromCertificate(parseCertificate(certPem).der, { specialtyCode: 'SM26' })).toEqual(practitioner);
  });

  it('reads the home-care nurse (ADELI, profession 60) without « Dr »', () => {
    const nurse = identity(pki, 'infirmier-petit');
    const practitioner = practitionerFromCertificate(pem(nurse.certPem), { source: 'certificat_logiciel' });
    expect(practitioner).toMatchObject({
      idNatPs: nurse.idNatPs,
      adeli: nurse.adeli,
      professionCode: '60',
      professionLabel: 'Infirmier',
      displayName: 'Julien PETIT',
      source: 'certificat_logiciel',
    });
    expect(practitioner.rpps).toBeUndefined();
    expect(practitioner.specialtyCode).toBeUndefined();
  });

  it('reads every card of the PKI, the signature certificates too', () => {
    for (const card of pki.identities.filter((i) => i.idNatPs)) {
      expect(practitionerFromCertificate(pem(card.certPem)).idNatPs).toBe(card.idNatPs);
      expect(practitionerFromCertificate(pem(card.signatureCertPem)).idNatPs).toBe(card.idNatPs);
    }
  });

  it('falls back on the title when the profession extension is absent (OpenSSL-made CPS-like subject)', () => {
    const cert = opensslCert('/C=FR/title=Infirmier/GN=OLIVIER+CN=00B6087510+SN=INFIRMCS ADELI8751');
    const practitioner = practitionerFromCertificate(cert);
    expect(practitioner).toMatchObject({
      idNatPs: '00B6087510',
      adeli: '0B6087510',
      givenName: 'OLIVIER',
      surname: 'INFIRMCS ADELI8751',
      professionCode: '60',
      displayName: 'Olivier INFIRMCS ADELI8751',
    });
    // Exactly the Issuer of the CPS assertion the INSi service accepted (padoa/tlsi-ins fixture, notes §2.4).
    expect(practitioner.certificateSubject).toBe('2.5.4.42=OLIVIER+CN=00B6087510+SN=INFIRMCS ADELI8751,T=Infirmier,C=FR');
    expect(formatName(parseCertificate(cert).subject, 'openssl')).toBe(opensslSubject(cert));
    const accented = opensslCert('/C=FR/title=Sage-Femme/GN=ANNE+CN=899700000001+SN=DUBOIS');
    expect(practitionerFromCertificate(accented).professionCode).toBe('50');
    // The extension wins over the title.
    const both = opensslCert('/C=FR/title=Infirmier/GN=A+CN=899700000001+SN=B', ['1.2.250.1.71.1.2.7=ASN1:INTEGER:10']);
    expect(practitionerFromCertificate(both).professionCode).toBe('10');
  });

  it('refuses, in French, a certificate without idNat_PS or without profession', () => {
    expect(() => practitionerFromCertificate(pem(identity(pki, 'serveur-insi').certPem))).toThrow(
      /ne porte pas d’identifiant national de professionnel de santé \(idNat_PS\)/,
    );
    expect(() => practitionerFromCertificate(opensslCert('/C=FR/O=Cabinet/CN=www.exemple.fr'))).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST' }),
    );
    expect(() => practitionerFromCertificate(opensslCert('/C=FR/GN=A+CN=899700000001+SN=B'))).toThrow(
      /La profession du titulaire est introuvable/,
    );
    expect(() => practitionerFromCertificate('pas un certificat')).toThrow(/Ce certificat est illisible/);
  });

  it('writes names the way OpenSSL does, escapes included', () => {
    const cert = opensslCert('/C=FR/O=Cabinet, Martin \\+ Associés/OU=#1 <test>; "x"/CN= Espace ');
    expect(formatName(parseCertificate(cert).subject, 'openssl')).toBe(opensslSubject(cert));
    expect(formatName(parseCertificate(cert).subject)).toBe(
      'CN=\\ Espace\\ ,OU=\\#1 \\<test\\>\\; \\"x\\",O=Cabinet\\, Martin \\+ Associés,C=FR',
    );
    expect(capitalizeGivenName('MARIE-HÉLÈNE')).toBe('Marie-Hélène');
    expect(capitalizeGivenName("JEAN D'ARC")).toBe("Jean D'Arc");
  });

  // The notes (§3) decode a real test CPS certificate whose PEM lives in a public repository, not in shared/reference.
  const referenceDir = path.resolve(import.meta.dirname, '../../../../shared/reference');
  const realCerts = fs.existsSync(referenceDir)
    ? fs
        .readdirSync(referenceDir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .flatMap((e) => splitPem(fs.readFileSync(path.join(e.parentPath, e.name), 'latin1')))
    : [];
  it.skipIf(realCerts.length === 0)('reads the real test CPS certificate of shared/reference (absent today: skipped)', () => {
    const practitioners = realCerts.flatMap((c) => {
      try {
        return [practitionerFromCertificate(c)];
      } catch {
        return [];
      }
    });
    expect(practitioners.length).toBeGreaterThan(0);
  });
});

describe('softwareIdentityFromCertificate', () => {
  it('reads INSI-AUTO / INSI-MANU and the structure identifier', () => {
    const auto = softwareIdentityFromCertificate(pem(identity(pki, 'insi-auto').certPem));
    expect(auto).toMatchObject({
      commonName: 'INSI-AUTO',
      insi: 'INSI-AUTO',
      structureId: '499700367909006',
      organization: 'CABINET MEDICAL MARTIN',
    });
    expect(requireInsiCertificate(pem(identity(pki, 'insi-manu').certPem)).insi).toBe('INSI-MANU');
    // The README example of padoa/tlsi-ins: OU=10B0152872.
    const other = softwareIdentityFromCertificate(opensslCert('/C=FR/ST=Paris/O=Clinique/OU=10B0152872/CN=INSI-AUTO'));
    expect(other.structureId).toBe('10B0152872');
  });

  it('refuses for INSi a certificate whose CN is not exactly INSI-AUTO or INSI-MANU', () => {
    expect(() => requireInsiCertificate(pem(identity(pki, 'dmp-auth').certPem))).toThrow(
      /doit être exactement INSI-AUTO ou INSI-MANU, il vaut « CABINET MEDICAL MARTIN »/,
    );
    expect(() => requireInsiCertificate(pem(identity(pki, 'insi-manu').certPem), 'INSI-AUTO')).toThrow(
      /exactement INSI-AUTO, il vaut « INSI-MANU »/,
    );
    expect(() => requireInsiCertificate(opensslCert('/C=FR/O=X/CN=insi-auto'))).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST' }),
    );
  });
});
