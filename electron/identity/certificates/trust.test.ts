import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, identity, pkiPath, type PkiManifest } from '../../../sandboxes/pki/test-pki.js';
import { derToPem, pemToDer } from './der.js';
import { validateCertificate, type CertificatePurpose, type ValidateCertificateOptions } from './trust.js';

let tmp: string;
let pki: PkiManifest;
let other: PkiManifest;
const read = (m: PkiManifest, relative: string | undefined) => fs.readFileSync(pkiPath(m, relative!), 'utf8');
const authority = (m: PkiManifest, id: string) => m.authorities.find((a) => a.id === id)!;

/** Everything the trust store would hold for our test PKI. */
function trust(m: PkiManifest = pki): Pick<ValidateCertificateOptions, 'anchorsPem' | 'intermediatesPem' | 'crls'> {
  return {
    anchorsPem: read(m, m.root.certPem),
    intermediatesPem: [read(m, authority(m, 'fort-personnes').certPem), read(m, authority(m, 'elementaire-organisations').certPem)],
    crls: m.crls.map((c) => fs.readFileSync(pkiPath(m, c.der))),
  };
}
const validate = (leafPem: string, purpose: CertificatePurpose, extra: Partial<ValidateCertificateOptions> = {}) =>
  validateCertificate({ leafPem, purpose, ...trust(), ...extra });
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('accepté à tort');
    },
    (error: { code: string; message: string; details: { reason: string } }) => ({
      code: error.code,
      message: error.message,
      reason: error.details.reason,
    }),
  );

/** Flips one byte of the certificate's signature (last bytes of the DER). */
function tamperSignature(pem: string): string {
  const der = pemToDer(pem);
  der[der.length - 10] = der[der.length - 10]! ^ 0xff;
  return derToPem(der);
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-trust-'));
  [pki, other] = await Promise.all([createTestPki(path.join(tmp, 'pki')), createTestPki(path.join(tmp, 'autre'))]);
}, 60_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('validateCertificate', () => {
  it('accepts the GP card for TLS client authentication and its signature certificate for signing', async () => {
    const gp = identity(pki, 'medecin-martin');
    const result = await validate(read(pki, gp.certPem), 'clientAuth');
    expect(result.chain[0]!.subject).toContain(`CN=${gp.idNatPs}`);
    expect(result.chain.slice(1).map((c) => c.subject.split('\n').pop())).toEqual([
      'CN=TEST AC IGC-SANTE FORT PERSONNES',
      'CN=TEST AC RACINE IGC-SANTE',
    ]);
    expect(result.chain[0]!.serialNumber.toLowerCase()).toBe(gp.serial);
    expect(result.anchor.subject).toContain('TEST AC RACINE IGC-SANTE');
    expect(result.revocation).toBe('verifiee');
    expect(result.warnings).toEqual([]);
    expect(result.chainPem).toHaveLength(3);
    await expect(validate(read(pki, gp.signatureCertPem), 'signature')).resolves.toMatchObject({ revocation: 'verifiee' });
    // Server, software and DMP certificates for their own purposes.
    await expect(validate(read(pki, identity(pki, 'serveur-dmp').certPem), 'serverAuth')).resolves.toBeDefined();
    await expect(validate(read(pki, identity(pki, 'insi-auto').certPem), 'clientAuth')).resolves.toBeDefined();
    await expect(validate(read(pki, identity(pki, 'dmp-signature').certPem), 'signature')).resolves.toBeDefined();
  });

  it('refuses the revoked card: « certificat révoqué le … »', async () => {
    const r = await refusal(validate(read(pki, identity(pki, 'revoque-durand').certPem), 'clientAuth'));
    expect(r.code).toBe('CERTIFICATE_REFUSED');
    expect(r.reason).toBe('revoque');
    expect(r.message).toMatch(/^Certificat refusé : certificat révoqué le \d{1,2} \p{L}+ \d{4} \(« 8\d{11} »\)\.$/u);
  });

  it('refuses the expired card: « certificat expiré le … », and a card before its start date', async () => {
    const expired = identity(pki, 'expire-leroy');
    const r = await refusal(validate(read(pki, expired.certPem), 'clientAuth'));
    expect(r.reason).toBe('expire');
    const day = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Paris' }).format(
      new Date(expired.notAfter),
    );
    expect(r.message).toBe(`Certificat refusé : certificat expiré le ${day} (« ${expired.idNatPs} »).`);
    // The GP card, checked 40 days ago (it was issued 30 days ago; the CRLs do not matter yet).
    const early = await refusal(
      validate(read(pki, identity(pki, 'medecin-martin').certPem), 'clientAuth', { at: new Date(Date.now() - 40 * 86_400_000) }),
    );
    expect(early.reason).toBe('pas_encore_valide');
    expect(early.message).toContain('certificat pas encore valide');
  });

  it('refuses the foreign card: « autorité de certification inconnue »', async () => {
    const r = await refusal(validate(read(pki, identity(pki, 'etranger-moreau').certPem), 'clientAuth'));
    expect(r).toMatchObject({
      reason: 'autorite_inconnue',
      message: 'Certificat refusé : autorité de certification inconnue (« TEST AC ETRANGERE PERSONNES »).',
    });
    // A card of another PKI with the same names: its intermediate is unknown here either.
    const twin = await refusal(validate(read(other, identity(other, 'medecin-martin').certPem), 'clientAuth'));
    expect(twin.reason).toBe('autorite_inconnue');
    await expect(
      refusal(validate(read(pki, identity(pki, 'medecin-martin').certPem), 'clientAuth', { anchorsPem: [] })),
    ).resolves.toMatchObject({ reason: 'autorite_inconnue' });
  });

  it('refuses a certificate used for another purpose: « usage du certificat non prévu pour … »', async () => {
    const gp = identity(pki, 'medecin-martin');
    const cases: [string, CertificatePurpose, string][] = [
      [read(pki, gp.signatureCertPem), 'clientAuth', 'l’authentification du client (TLS)'],
      [read(pki, gp.certPem), 'signature', 'la signature'],
      [read(pki, gp.certPem), 'serverAuth', 'l’authentification d’un serveur (TLS)'],
      [read(pki, identity(pki, 'serveur-insi').certPem), 'clientAuth', 'l’authentification du client (TLS)'],
      [read(pki, identity(pki, 'insi-auto').certPem), 'serverAuth', 'l’authentification d’un serveur (TLS)'],
      [read(pki, identity(pki, 'dmp-signature').certPem), 'clientAuth', 'l’authentification du client (TLS)'],
    ];
    for (const [leaf, purpose, label] of cases) {
      const r = await refusal(validate(leaf, purpose));
      expect(r.reason, `${purpose}`).toBe('usage');
      expect(r.message).toContain(`usage du certificat non prévu pour ${label}`);
    }
  });

  it('refuses a tampered chain: « signature de la chaîne invalide »', async () => {
    const gp = identity(pki, 'medecin-martin');
    const leaf = await refusal(validate(tamperSignature(read(pki, gp.certPem)), 'clientAuth'));
    expect(leaf).toMatchObject({
      reason: 'signature_invalide',
      message: `Certificat refusé : signature de la chaîne invalide (certificat « ${gp.idNatPs} »).`,
    });
    const brokenIntermediate = tamperSignature(read(pki, authority(pki, 'fort-personnes').certPem));
    const mid = await refusal(validate(read(pki, gp.certPem), 'clientAuth', { intermediatesPem: brokenIntermediate }));
    expect(mid.reason).toBe('signature_invalide');
    expect(mid.message).toContain('TEST AC IGC-SANTE FORT PERSONNES');
    // A changed byte in the signed part (the subject) breaks the signature too.
    const der = pemToDer(read(pki, gp.certPem));
    const at = der.indexOf(Buffer.from('MARTIN'));
    der[at] = 'N'.charCodeAt(0);
    expect((await refusal(validate(derToPem(der), 'clientAuth'))).reason).toBe('signature_invalide');
  });

  it('needs a fresh, correctly signed CRL for every certificate below the root (requireCrl, by default)', async () => {
    const gp = read(pki, identity(pki, 'medecin-martin').certPem);
    const none = await refusal(validate(gp, 'clientAuth', { crls: [] }));
    expect(none).toMatchObject({
      reason: 'liste_revocation',
      message: 'Certificat refusé : liste de révocation absente ou périmée pour l’autorité « TEST AC IGC-SANTE FORT PERSONNES ».',
    });
    // Only the root's CRL missing: the intermediate cannot be checked.
    const noRoot = await refusal(
      validate(gp, 'clientAuth', { crls: pki.crls.filter((c) => c.issuer !== 'racine').map((c) => read(pki, c.pem)) }),
    );
    expect(noRoot.message).toContain('« TEST AC RACINE IGC-SANTE »');
    // Stale: after nextUpdate (the certificates are still valid then).
    const stale = await refusal(validate(gp, 'clientAuth', { at: new Date(new Date(pki.crls[0]!.nextUpdate).getTime() + 86_400_000) }));
    expect(stale.reason).toBe('liste_revocation');
    // Same names, other keys: the other PKI's CRLs do not verify, so they are not used.
    const forged = await refusal(validate(gp, 'clientAuth', { crls: other.crls.map((c) => fs.readFileSync(pkiPath(other, c.der))) }));
    expect(forged.reason).toBe('liste_revocation');
    // With the other PKI's (empty) CRL instead of ours, the revoked card is not let through either.
    const revoked = read(pki, identity(pki, 'revoque-durand').certPem);
    const swapped = [
      ...pki.crls.filter((c) => c.issuer !== 'fort-personnes').map((c) => read(pki, c.pem)),
      read(other, other.crls.find((c) => c.issuer === 'fort-personnes')!.pem),
    ];
    expect((await refusal(validate(revoked, 'clientAuth', { crls: swapped }))).reason).toBe('liste_revocation');
  });

  it('without requireCrl, accepts but says revocation was not checked', async () => {
    const result = await validate(read(pki, identity(pki, 'medecin-martin').certPem), 'clientAuth', { crls: [], requireCrl: false });
    expect(result.revocation).toBe('non_verifiee');
    expect(result.warnings).toHaveLength(2);
    // A CRL that is there is still used: the revoked card stays refused.
    const r = await refusal(validate(read(pki, identity(pki, 'revoque-durand').certPem), 'clientAuth', { requireCrl: false }));
    expect(r.reason).toBe('revoque');
  });

  it('takes CRLs as DER buffers, PEM strings or PEM buffers, duplicates included', async () => {
    const gp = read(pki, identity(pki, 'medecin-martin').certPem);
    await expect(validate(gp, 'clientAuth', { crls: pki.crls.map((c) => read(pki, c.pem)) })).resolves.toBeDefined();
    await expect(validate(gp, 'clientAuth', { crls: pki.crls.map((c) => fs.readFileSync(pkiPath(pki, c.pem))) })).resolves.toBeDefined();
    await expect(
      validate(gp, 'clientAuth', { crls: pki.crls.flatMap((c) => [fs.readFileSync(pkiPath(pki, c.der)), read(pki, c.pem)]) }),
    ).resolves.toBeDefined();
    await expect(validate(gp, 'clientAuth', { crls: [pki.crls.map((c) => read(pki, c.pem)).join('')] })).resolves.toBeDefined();
  });

  it('gives the same verdicts as `openssl verify -crl_check_all`', async () => {
    const crlFile = path.join(tmp, 'crls.pem');
    fs.writeFileSync(crlFile, pki.crls.map((c) => read(pki, c.pem)).join(''));
    for (const id of ['medecin-martin', 'infirmier-petit', 'revoque-durand', 'expire-leroy', 'etranger-moreau']) {
      const card = identity(pki, id);
      const result = spawnSync(
        'openssl',
        [
          'verify',
          '-crl_check_all',
          '-purpose',
          'sslclient',
          '-CAfile',
          pkiPath(pki, pki.root.certPem!),
          '-untrusted',
          pkiPath(pki, authority(pki, 'fort-personnes').certPem!),
          '-CRLfile',
          crlFile,
          pkiPath(pki, card.certPem!),
        ],
        { encoding: 'utf8' },
      );
      const opensslOk = result.status === 0;
      const ours = await validate(read(pki, card.certPem), 'clientAuth').then(
        () => 'ok',
        (e: { details: { reason: string } }) => e.details.reason,
      );
      expect({ id, ok: ours === 'ok' }).toEqual({ id, ok: opensslOk });
      const expected: Record<string, RegExp> = {
        'revoque-durand': /certificate revoked/,
        'expire-leroy': /certificate has expired/,
        'etranger-moreau': /unable to get local issuer certificate/,
      };
      if (expected[id]) expect(result.stdout + result.stderr).toMatch(expected[id]);
    }
  });
});
