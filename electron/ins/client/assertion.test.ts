import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { validateAgainst } from '../../../test/support/insi-schemas.js';
import { testSoftware } from '../../../test/support/insi-samples.js';
import { issueLeaf, makeAuthority, softwareSigner, type TestAuthority, type TestLeaf } from '../../../test/support/throwaway-ca.js';
import { cardSubject } from '../../../test/support/vihf-samples.js';
import { xmlsecVerify } from '../../../test/support/xml-tools.js';
import { SAML_NS } from '../../identity/vihf/vihf.js';
import { buildInsiAssertion } from './assertion.js';
import { buildTraitsRequest } from './request.js';
import { WSSE_NS } from './wire.js';

const now = new Date('2030-01-15T10:00:00.000Z');
const nurse = { idNatPs: '00B6087510', identifiantFacturation: '123456789', secteurActivite: 'SA05' };

let dir: string;
let ca: TestAuthority;
let caFile: string;
let leaf: TestLeaf;

function root(xml: string): Element {
  const element = new DOMParser().parseFromString(xml, 'text/xml').documentElement;
  if (!element) throw new Error('no root');
  return element;
}

function childNames(element: Element): string[] {
  const names: string[] = [];
  for (let node = element.firstChild; node; node = node.nextSibling) if (node.nodeType === 1) names.push((node as Element).localName ?? '');
  return names;
}

function refusal(run: () => unknown): CabinetError {
  try {
    run();
  } catch (error) {
    if (error instanceof CabinetError) return error;
    throw error;
  }
  throw new Error('not refused');
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-insi-assertion-'));
  ca = makeAuthority('AC Test Personnes INSi');
  caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, ca.certPem);
  leaf = issueLeaf(ca, { usage: 'signature', subject: cardSubject, notBefore: new Date('2029-01-01'), notAfter: new Date('2031-01-01') });
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('INSi CPS assertion', () => {
  it('has the shape of the accepted sample: Issuer DN, signature, NameID CPS, two attributes', () => {
    const assertion = buildInsiAssertion(nurse, softwareSigner(leaf), now, '_a1');
    const element = root(assertion.xml);
    expect(element.namespaceURI).toBe(SAML_NS);
    expect(element.getAttribute('ID')).toBe('_a1');
    expect(element.getAttribute('IssueInstant')).toBe('2030-01-15T10:00:00.000Z');
    expect(element.getAttribute('Version')).toBe('2.0');
    expect(childNames(element)).toEqual(['Issuer', 'Signature', 'Subject', 'AttributeStatement']);
    expect(assertion.xml).toContain(
      '<saml2:Issuer Format="urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName">SN=DOC0036624,2.5.4.42=KIT,CN=899700366240,T=Médecin,C=FR</saml2:Issuer>',
    );
    expect(assertion.xml).toContain('<saml2:Subject><saml2:NameID NameQualifier="CPS">00B6087510</saml2:NameID></saml2:Subject>');
    expect(assertion.xml).toContain(
      '<saml2:AttributeStatement><saml2:Attribute Name="identifiantFacturation"><saml2:AttributeValue>123456789</saml2:AttributeValue></saml2:Attribute><saml2:Attribute Name="secteurActivite"><saml2:AttributeValue>SA05</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement>',
    );
    expect(assertion.xml).toContain('<ds:Reference URI="#_a1">');
    expect(assertion.xml).toContain('<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>');
    expect(assertion.xml).toContain('<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>');
    expect(assertion.xml).toContain(
      '<ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>',
    );
    expect(assertion.xml).toMatch(
      /<ds:KeyInfo><ds:X509Data><ds:X509Certificate>[A-Za-z0-9+/=]+<\/ds:X509Certificate><\/ds:X509Data><\/ds:KeyInfo>/,
    );
    expect(assertion.nameId).toBe('00B6087510');
    expect(buildInsiAssertion({ ...nurse, codeSpecialiteAMO: '24' }, softwareSigner(leaf), now).xml).toContain(
      '<saml2:Attribute Name="codeSpecialiteAMO"><saml2:AttributeValue>24</saml2:AttributeValue></saml2:Attribute>',
    );
  });

  it('is signed by the Signer, checked by xmlsec1 alone and inside the request envelope', () => {
    // xmlsec1 checks the certificate at today's date: a certificate valid now.
    const signer = softwareSigner(issueLeaf(ca, { usage: 'signature', subject: cardSubject }));
    const assertion = buildInsiAssertion(nurse, signer);
    expect(signer.signatures).toBe(1);
    const alone = path.join(dir, 'assertion.xml');
    fs.writeFileSync(alone, assertion.xml);
    const verified = xmlsecVerify(alone, caFile);
    expect(verified.output).toMatch(/OK/);
    expect(verified.ok).toBe(true);

    const request = buildTraitsRequest(
      { nomNaissance: 'ADRTROIS', prenom: 'DOMINIQUE', sexe: 'F', dateNaissance: '1997-02-26' },
      { emitter: assertion.nameId, software: testSoftware, assertion },
    );
    const embedded = path.join(dir, 'request.xml');
    fs.writeFileSync(embedded, request.xml);
    expect(xmlsecVerify(embedded, caFile).ok).toBe(true);

    // Any change to the signed content breaks it.
    const tampered = request.xml.replace('"CPS">00B6087510<', '"CPS">00B6087511<');
    expect(tampered).not.toBe(request.xml);
    fs.writeFileSync(embedded, tampered);
    expect(xmlsecVerify(embedded, caFile).ok).toBe(false);
  });

  it('validates against the WSSE and SAML schemas (and the checker catches a broken one)', async () => {
    const assertion = buildInsiAssertion({ ...nurse, codeSpecialiteAMO: '24' }, softwareSigner(leaf), now);
    const security = `<wsse:Security xmlns:wsse="${WSSE_NS}">${assertion.xml}</wsse:Security>`;
    expect(await validateAgainst('Security', [security])).toEqual({ valid: true, errors: [] });
    const noIssuer = security.replace(/<saml2:Issuer[^>]*>.*?<\/saml2:Issuer>/, '');
    const check = await validateAgainst('Security', [noIssuer]);
    expect(check.valid).toBe(false);
    expect(check.errors.join('\n')).toMatch(/Issuer/);
  });

  it('refuses bad practitioner data, a certificate out of its dates, and a key that does not match', () => {
    const signer = softwareSigner(leaf);
    for (const bad of [{ idNatPs: 'x' }, { identifiantFacturation: '' }, { secteurActivite: 'cabinet' }, { codeSpecialiteAMO: 'abc' }]) {
      const error = refusal(() => buildInsiAssertion({ ...nurse, ...bad }, signer, now));
      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.message).toMatch(/Identité du praticien incomplète pour INSi/);
    }
    expect(refusal(() => buildInsiAssertion(nurse, signer, now, 'pas un id')).code).toBe('INVALID_REQUEST');
    const late = refusal(() => buildInsiAssertion(nurse, signer, new Date('2032-01-01')));
    expect(late.code).toBe('CONFLICT');
    expect(late.message).toMatch(/n’est pas valide à cette date : l’assertion INSi/);

    const other = issueLeaf(ca, {
      usage: 'signature',
      subject: cardSubject,
      notBefore: new Date('2029-01-01'),
      notAfter: new Date('2031-01-01'),
    });
    const mismatched = refusal(() => buildInsiAssertion(nurse, { ...softwareSigner(other), certificatePem: leaf.certPem }, now));
    expect(mismatched.code).toBe('CONFLICT');
    expect(mismatched.message).toBe('La clé de signature ne correspond pas au certificat : l’assertion INSi ne peut pas être signée.');

    const broken = refusal(() =>
      buildInsiAssertion(
        nurse,
        {
          ...signer,
          sign: () => {
            throw new Error('CKR_DEVICE_REMOVED');
          },
        },
        now,
      ),
    );
    expect(broken.code).toBe('UNAVAILABLE');
    expect(broken.message).toMatch(/carte retirée/);
  });
});
