import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { issueLeaf, makeAuthority, softwareSigner, type TestAuthority, type TestLeaf } from '../../../test/support/throwaway-ca.js';
import { cardSubject, doctorInput } from '../../../test/support/vihf-samples.js';
import { subjectDn } from './subject-dn.js';
import { verifyVihf, verifyVihfAsync } from './verify.js';
import { buildVihf, parseVihfInput, signAssertion, unsignedVihf } from './vihf.js';

let ca: TestAuthority;
let leaf: TestLeaf;
const t0 = new Date();

function refusal(run: () => unknown): CabinetError {
  try {
    run();
  } catch (error) {
    if (error instanceof CabinetError) return error;
    throw error;
  }
  throw new Error('not refused');
}

async function asyncRefusal(run: () => Promise<unknown>): Promise<CabinetError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof CabinetError) return error;
    throw error;
  }
  throw new Error('not refused');
}

/** Signs a hand-edited assertion, to test what the verifier does with content our builder never emits. */
function signEdited(edit: (xml: string) => string, now = t0): string {
  const unsigned = unsignedVihf(parseVihfInput(doctorInput), subjectDn(leaf.certPem), now);
  return signAssertion(edit(unsigned), softwareSigner(leaf));
}

beforeAll(() => {
  ca = makeAuthority('Cabinet Test AC Personnes');
  leaf = issueLeaf(ca, { usage: 'signature', subject: cardSubject });
});

describe('verifyVihf', () => {
  it('returns the content of a valid assertion', () => {
    const xml = buildVihf(doctorInput, softwareSigner(leaf), t0);
    const verified = verifyVihf(xml, { anchorsPem: [ca.certPem], now: t0 });
    expect(verified).toMatchObject({
      issuer: 'SN=DOC0036624,2.5.4.42=KIT,CN=899700366240,T=Médecin,C=FR',
      issuerFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName',
      nameId: '899700366240',
      authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:TLSClient',
      version: '3.0',
      roles: [
        { code: '10', codeSystem: '1.2.250.1.71.1.2.7', displayName: 'Médecin' },
        { code: 'SM26', codeSystem: '1.2.250.1.71.4.2.5', displayName: 'Qualifié en médecine générale' },
      ],
      activitySector: 'SA07^1.2.250.1.71.4.2.4',
      resourceUrn: 'urn:dmp',
      purposeOfUse: { code: 'normal', codeSystem: '1.2.250.1.213.1.1.4.248', displayName: 'Accès normal' },
      subjectId: 'Dr Kit DOC0036624',
      structureId: 'R95141',
      authenticationMode: 'DIRECTE',
      software: { name: 'Cabinet', version: '0.1.0', id: 'cabinet-0.1.0', dmpApprovalId: 'CABINET-HOMOLOGATION-TEST' },
      patientId: '279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH',
    });
    expect(verified.notBefore.getTime()).toBe(t0.getTime() - 60_000);
    expect(verified.notOnOrAfter.getTime()).toBe(t0.getTime() + 3600_000);
    expect(verified.certificatePem).toContain('BEGIN CERTIFICATE');
  });

  it('refuses an expired assertion, and one not yet valid', () => {
    const xml = buildVihf(doctorInput, softwareSigner(leaf), t0);
    expect(verifyVihf(xml, { anchorsPem: [ca.certPem], now: new Date(t0.getTime() + 59 * 60_000) }).nameId).toBe('899700366240');
    const expired = refusal(() => verifyVihf(xml, { anchorsPem: [ca.certPem], now: new Date(t0.getTime() + 60 * 60_000) }));
    expect(expired.code).toBe('UNAUTHORIZED');
    expect(expired.message).toBe('Assertion VIHF refusée : assertion expirée.');
    const early = refusal(() => verifyVihf(xml, { anchorsPem: [ca.certPem], now: new Date(t0.getTime() - 2 * 60_000) }));
    expect(early.message).toContain('pas encore valide');
    // …unless the caller tolerates that much clock skew.
    expect(
      verifyVihf(xml, { anchorsPem: [ca.certPem], now: new Date(t0.getTime() - 2 * 60_000), clockSkewMs: 3 * 60_000 }).id,
    ).toBeTruthy();
  });

  it('applies a 60-minute lifetime to an assertion without Conditions', () => {
    const xml = signEdited((x) => x.replace(/<saml2:Conditions [^>]*\/>/, ''));
    expect(verifyVihf(xml, { anchorsPem: [ca.certPem], now: new Date(t0.getTime() + 30 * 60_000) }).notOnOrAfter.getTime()).toBe(
      t0.getTime() + 3600_000,
    );
    expect(refusal(() => verifyVihf(xml, { anchorsPem: [ca.certPem], now: new Date(t0.getTime() + 61 * 60_000) })).message).toContain(
      'assertion expirée',
    );
  });

  it('names the missing attribute', () => {
    for (const name of [
      'VIHF_Version',
      'Secteur_Activite',
      'Ressource_URN',
      'Identifiant_Structure',
      'Authentification_Mode',
      'LPS_Nom',
      'LPS_ID_HOMOLOGATION_DMP',
    ]) {
      const xml = signEdited((x) => x.replace(new RegExp(`<saml2:Attribute Name="${name}">.*?</saml2:Attribute>`), ''));
      const error = refusal(() => verifyVihf(xml, { anchorsPem: [ca.certPem], now: t0 }));
      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.message).toBe(`Assertion VIHF refusée : attribut obligatoire absent : ${name}.`);
    }
    const noRole = signEdited((x) =>
      x.replace(/<saml2:Attribute Name="urn:oasis:names:tc:xacml:2.0:subject:role">.*?<\/saml2:Attribute>/, ''),
    );
    expect(refusal(() => verifyVihf(noRole, { anchorsPem: [ca.certPem], now: t0 })).message).toContain(
      'attribut obligatoire absent : urn:oasis:names:tc:xacml:2.0:subject:role',
    );
    const noNameId = signEdited((x) => x.replace(/<saml2:Subject>.*?<\/saml2:Subject>/, ''));
    expect(refusal(() => verifyVihf(noNameId, { anchorsPem: [ca.certPem], now: t0 })).message).toContain(
      'attribut obligatoire absent : Subject/NameID',
    );
  });

  it('accepts the PSC-POC spellings (spaces, lower-case mode)', () => {
    const xml = signEdited((x) =>
      x
        .replace('Name="Identifiant_Structure"', 'Name="Identifiant Structure"')
        .replace('Name="Secteur_Activite"', 'Name="Secteur Activite"')
        .replace('Name="Authentification_Mode"', 'Name="Authentification_mode"'),
    );
    expect(xml).toContain('Name="Identifiant Structure"');
    const verified = verifyVihf(xml, { anchorsPem: [ca.certPem], now: t0 });
    expect(verified).toMatchObject({ structureId: 'R95141', activitySector: 'SA07^1.2.250.1.71.4.2.4', authenticationMode: 'DIRECTE' });
    expect(verified.attributes.Identifiant_Structure).toEqual(['R95141']);
  });

  it('refuses a certificate from another authority, and works only with anchors', () => {
    const xml = buildVihf(doctorInput, softwareSigner(leaf), t0);
    const foreign = refusal(() => verifyVihf(xml, { anchorsPem: [makeAuthority('Autre AC').certPem], now: t0 }));
    expect(foreign.code).toBe('UNAUTHORIZED');
    expect(foreign.message).toContain('autorité non reconnue');
    expect(refusal(() => verifyVihf(xml, { anchorsPem: [], now: t0 })).message).toContain('aucune autorité de confiance');
  });

  it('refuses a signing certificate outside its validity dates', () => {
    const old = issueLeaf(ca, {
      usage: 'signature',
      subject: cardSubject,
      notBefore: new Date(t0.getTime() - 3 * 3600_000),
      notAfter: new Date(t0.getTime() + 3600_000),
    });
    const xml = buildVihf(doctorInput, softwareSigner(old), new Date(t0.getTime() + 3000_000));
    expect(refusal(() => verifyVihf(xml, { anchorsPem: [ca.certPem], now: new Date(t0.getTime() + 3700_000) })).message).toContain(
      'certificat de signature expiré',
    );
  });

  it('hands the certificate to validateCertificate (the trust.ts hook) instead of the anchor check', () => {
    const xml = buildVihf(doctorInput, softwareSigner(leaf), t0);
    const validate = vi.fn();
    // With a hook, the anchors are the hook's business: the hook here accepts.
    expect(verifyVihf(xml, { anchorsPem: [], now: t0, validateCertificate: validate }).nameId).toBe('899700366240');
    expect(validate).toHaveBeenCalledWith(leaf.certPem.replace(/\r\n/g, '\n'), { chainPem: [], anchorsPem: [], now: t0 });

    const revoked = refusal(() =>
      verifyVihf(xml, {
        anchorsPem: [ca.certPem],
        now: t0,
        validateCertificate: () => {
          throw new CabinetError('UNAUTHORIZED', 'Assertion VIHF refusée : certificat de signature révoqué.');
        },
      }),
    );
    expect(revoked.message).toContain('révoqué');
    const crashed = refusal(() =>
      verifyVihf(xml, {
        anchorsPem: [ca.certPem],
        now: t0,
        validateCertificate: () => {
          throw new Error('boom');
        },
      }),
    );
    expect(crashed.message).toContain('certificat de signature non valide');
  });

  it('supports an asynchronous certificate check', async () => {
    const xml = buildVihf(doctorInput, softwareSigner(leaf), t0);
    const ok = await verifyVihfAsync(xml, { anchorsPem: [ca.certPem], now: t0, validateCertificate: async () => undefined });
    expect(ok.structureId).toBe('R95141');
    const error = await asyncRefusal(() =>
      verifyVihfAsync(xml, {
        anchorsPem: [ca.certPem],
        now: t0,
        validateCertificate: async () => Promise.reject(new Error('OCSP: revoked')),
      }),
    );
    expect(error.message).toContain('certificat de signature non valide');
  });

  it('refuses unsigned, malformed and DTD-carrying documents', () => {
    const unsigned = unsignedVihf(parseVihfInput(doctorInput), subjectDn(leaf.certPem), t0);
    expect(refusal(() => verifyVihf(unsigned, { anchorsPem: [ca.certPem], now: t0 })).message).toContain('assertion non signée');
    expect(refusal(() => verifyVihf('<saml2:Assertion', { anchorsPem: [ca.certPem], now: t0 })).code).toBe('INVALID_REQUEST');
    const xml = buildVihf(doctorInput, softwareSigner(leaf), t0);
    expect(refusal(() => verifyVihf(`<!DOCTYPE x [<!ENTITY a "b">]>${xml}`, { anchorsPem: [ca.certPem], now: t0 })).message).toContain(
      'DTD interdite',
    );
    expect(refusal(() => verifyVihf('<x:Other xmlns:x="urn:x"/>', { anchorsPem: [ca.certPem], now: t0 })).message).toContain(
      'saml2:Assertion',
    );
  });

  it('is not fooled by signature wrapping: a forged assertion around the signed one', () => {
    const genuine = buildVihf(doctorInput, softwareSigner(leaf), t0);
    const id = /ID="([^"]+)"/.exec(genuine)?.[1] ?? '';
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(genuine)?.[0] ?? '';
    const withoutSignature = genuine.replace(signature, '');
    // The forged root has its own ID and another structure; the genuine assertion hides in an Advice.
    const forged = withoutSignature
      .replace(`ID="${id}"`, 'ID="_forged"')
      .replace('<saml2:AttributeValue>R95141</saml2:AttributeValue>', '<saml2:AttributeValue>STRUCTURE-PIRATE</saml2:AttributeValue>')
      .replace('</saml2:Issuer>', `</saml2:Issuer>${signature}`)
      .replace('<saml2:AuthnStatement', `<saml2:Advice>${withoutSignature}</saml2:Advice><saml2:AuthnStatement`);
    const error = refusal(() => verifyVihf(forged, { anchorsPem: [ca.certPem], now: t0 }));
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toContain('ne porte pas sur l’assertion entière');

    // Same ID on the forged root: two elements with one ID, refused too.
    const sameId = forged.replace('ID="_forged"', `ID="${id}"`);
    expect(refusal(() => verifyVihf(sameId, { anchorsPem: [ca.certPem], now: t0 })).code).toBe('UNAUTHORIZED');
  });
});
