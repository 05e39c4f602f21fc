import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { issueLeaf, makeAuthority, softwareSigner, type TestAuthority, type TestLeaf } from '../../../test/support/throwaway-ca.js';
import { cardSubject, doctorInput } from '../../../test/support/vihf-samples.js';
import { writeVihfSchema, xmllintValidate, xmlsecVerify } from '../../../test/support/xml-tools.js';
import { subjectDn } from './subject-dn.js';
import { verifyVihf } from './verify.js';
import {
  SAML_NS,
  authenticationModes,
  buildVihf,
  parseVihfInput,
  purposesOfUse,
  signAssertion,
  unsignedVihf,
  type VihfInput,
} from './vihf.js';

let dir: string;
let schema: string;
let ca: TestAuthority;
let caFile: string;
let otherCaFile: string;
let leaf: TestLeaf;

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

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

function attributeValues(xml: string, name: string): string[] {
  const out: string[] = [];
  const attributes = root(xml).getElementsByTagNameNS(SAML_NS, 'Attribute');
  for (let i = 0; i < attributes.length; i += 1) {
    const attribute = attributes.item(i);
    if (attribute?.getAttribute('Name') !== name) continue;
    const values = attribute.getElementsByTagNameNS(SAML_NS, 'AttributeValue');
    for (let j = 0; j < values.length; j += 1) {
      const value = values.item(j);
      const coded = value?.getElementsByTagNameNS('urn:hl7-org:v3', '*').item(0);
      out.push(
        coded
          ? `${coded.getAttribute('code')}@${coded.getAttribute('codeSystem')}:${coded.getAttribute('displayName') ?? ''}`
          : (value?.textContent ?? ''),
      );
    }
  }
  return out;
}

function expectRefused(run: () => unknown, message: string, code = 'UNAUTHORIZED'): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CabinetError);
  expect((caught as CabinetError).code).toBe(code);
  expect((caught as CabinetError).message).toContain(message);
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-vihf-'));
  schema = writeVihfSchema(dir);
  ca = makeAuthority('Cabinet Test AC Personnes');
  caFile = write('ca.pem', ca.certPem);
  otherCaFile = write('other-ca.pem', makeAuthority('Autre AC').certPem);
  leaf = issueLeaf(ca, { usage: 'signature', subject: cardSubject });
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('VIHF shape', () => {
  it('follows the SAML schema order, with the signature right after the Issuer', () => {
    const xml = buildVihf(doctorInput, softwareSigner(leaf));
    const assertion = root(xml);
    expect(assertion.namespaceURI).toBe(SAML_NS);
    expect(assertion.localName).toBe('Assertion');
    expect(assertion.getAttribute('Version')).toBe('2.0');
    expect(assertion.getAttribute('ID')).toMatch(/^_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(childNames(assertion)).toEqual(['Issuer', 'Signature', 'Subject', 'Conditions', 'AuthnStatement', 'AttributeStatement']);
    expect(xml).toContain(`<ds:Reference URI="#${assertion.getAttribute('ID')}">`);
    expect(xml).toContain('<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>');
    expect(xml).toContain('<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>');
    expect(xml).toContain(
      '<ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>',
    );
    expect(xml).toMatch(/<ds:KeyInfo><ds:X509Data><ds:X509Certificate>[A-Za-z0-9+/=]+<\/ds:X509Certificate><\/ds:X509Data><\/ds:KeyInfo>/);
  });

  it('puts the certificate subject DN in the Issuer, idNat_PS in NameID, and the validity window', () => {
    const now = new Date('2030-01-15T10:00:00.000Z');
    const signing = issueLeaf(ca, {
      usage: 'signature',
      subject: cardSubject,
      notBefore: new Date('2029-01-01'),
      notAfter: new Date('2031-01-01'),
    });
    const xml = buildVihf(doctorInput, softwareSigner(signing), now);
    expect(xml).toContain(
      '<saml2:Issuer Format="urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName">SN=DOC0036624,2.5.4.42=KIT,CN=899700366240,T=Médecin,C=FR</saml2:Issuer>',
    );
    expect(xml).toContain('IssueInstant="2030-01-15T10:00:00.000Z"');
    expect(xml).toContain('<saml2:Subject><saml2:NameID>899700366240</saml2:NameID></saml2:Subject>');
    expect(xml).toContain('<saml2:Conditions NotBefore="2030-01-15T09:59:00.000Z" NotOnOrAfter="2030-01-15T11:00:00.000Z"/>');
    expect(xml).toContain(
      '<saml2:AuthnStatement AuthnInstant="2030-01-15T10:00:00.000Z"><saml2:AuthnContext><saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:TLSClient</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>',
    );
  });

  it('carries every VIHF attribute, in DRIMbox spelling', () => {
    const xml = buildVihf(doctorInput, softwareSigner(leaf));
    expect(attributeValues(xml, 'VIHF_Version')).toEqual(['3.0']);
    expect(attributeValues(xml, 'urn:oasis:names:tc:xacml:2.0:subject:role')).toEqual([
      '10@1.2.250.1.71.1.2.7:Médecin',
      'SM26@1.2.250.1.71.4.2.5:Qualifié en médecine générale',
    ]);
    expect(attributeValues(xml, 'Secteur_Activite')).toEqual(['SA07^1.2.250.1.71.4.2.4']);
    expect(attributeValues(xml, 'Ressource_URN')).toEqual(['urn:dmp']);
    expect(attributeValues(xml, 'urn:oasis:names:tc:xspa:1.0:subject:purposeofuse')).toEqual([
      'normal@1.2.250.1.213.1.1.4.248:Accès normal',
    ]);
    expect(attributeValues(xml, 'urn:oasis:names:tc:xspa:1.0:subject:subject-id')).toEqual(['Dr Kit DOC0036624']);
    expect(attributeValues(xml, 'Identifiant_Structure')).toEqual(['R95141']);
    expect(attributeValues(xml, 'Authentification_Mode')).toEqual(['DIRECTE']);
    expect(attributeValues(xml, 'LPS_Nom')).toEqual(['Cabinet']);
    expect(attributeValues(xml, 'LPS_Version')).toEqual(['0.1.0']);
    expect(attributeValues(xml, 'LPS_ID')).toEqual(['cabinet-0.1.0']);
    expect(attributeValues(xml, 'LPS_ID_HOMOLOGATION_DMP')).toEqual(['CABINET-HOMOLOGATION-TEST']);
    expect(attributeValues(xml, 'urn:oasis:names:tc:xacml:2.0:resource:resource-id')).toEqual([
      '279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH',
    ]);
    expect(xml).toContain('<Role xmlns="urn:hl7-org:v3" xsi:type="CE" code="10" codeSystem="1.2.250.1.71.1.2.7" displayName="Médecin"/>');
  });

  it('omits the patient without one, and the specialty role for a nurse without one', () => {
    const nurse: VihfInput = {
      ...doctorInput,
      practitioner: { idNatPs: '00B6087510', displayName: 'Olivier INFIRMCS', professionCode: '60' },
      activitySector: 'SA07',
      patientIns: undefined,
    };
    const xml = buildVihf(nurse, softwareSigner(leaf));
    expect(attributeValues(xml, 'urn:oasis:names:tc:xacml:2.0:subject:role')).toEqual(['60@1.2.250.1.71.1.2.7:Infirmier']);
    expect(xml).not.toContain('resource:resource-id');
  });

  it('escapes text and refuses invalid input in French', () => {
    const xml = buildVihf({ ...doctorInput, structureId: 'Cabinet <Martin> & "Fils"' }, softwareSigner(leaf));
    expect(attributeValues(xml, 'Identifiant_Structure')).toEqual(['Cabinet <Martin> & "Fils"']);
    expect(xmlsecVerify(write('escaped.xml', xml), caFile).ok).toBe(true);

    expectRefused(
      () => parseVihfInput({ ...doctorInput, practitioner: { ...doctorInput.practitioner, specialtyCode: undefined } }),
      'incomplètes',
      'INVALID_REQUEST',
    );
    expectRefused(
      () => parseVihfInput({ ...doctorInput, patientIns: { value: '2790351215189', oid: '1.2.250.1.213.1.4.10' } }),
      'incomplètes',
      'INVALID_REQUEST',
    );
    expectRefused(() => parseVihfInput({ ...doctorInput, activitySector: 'cabinet' }), 'incomplètes', 'INVALID_REQUEST');
    expectRefused(() => parseVihfInput({ ...doctorInput, structureId: 'a\u0001b' }), 'incomplètes', 'INVALID_REQUEST');
    expectRefused(() => parseVihfInput({ ...doctorInput, purposeOfUse: 'urgence' }), 'incomplètes', 'INVALID_REQUEST');
  });

  it('refuses a signer whose key does not match its certificate, and an expired certificate', () => {
    const other = issueLeaf(ca, { usage: 'signature', subject: cardSubject });
    const mismatched = { ...softwareSigner(other), certificatePem: leaf.certPem };
    expectRefused(() => buildVihf(doctorInput, mismatched), 'ne correspond pas au certificat', 'CONFLICT');
    expectRefused(
      () => buildVihf(doctorInput, softwareSigner(leaf), new Date(Date.now() + 30 * 24 * 3600_000)),
      'pas valide à cette date',
      'CONFLICT',
    );
  });
});

describe('VIHF against independent tools', () => {
  it('(a) validates against the SAML 2.0 assertion schema with xmllint, offline', () => {
    const file = write('valid.xml', buildVihf(doctorInput, softwareSigner(leaf)));
    const result = xmllintValidate(schema, file);
    expect(result.output).toContain('validates');
    expect(result.ok).toBe(true);
  });

  it('(a) the schema check can fail: Conditions before Subject, a bad HL7 code', () => {
    const xml = buildVihf(doctorInput, softwareSigner(leaf));
    const subject = /<saml2:Subject>.*?<\/saml2:Subject>/.exec(xml)?.[0] ?? '';
    const conditions = /<saml2:Conditions [^>]*\/>/.exec(xml)?.[0] ?? '';
    const swapped = xml.replace(subject, '§').replace(conditions, subject).replace('§', conditions);
    expect(xmllintValidate(schema, write('swapped.xml', swapped)).ok).toBe(false);
    const badCode = xml.replace('code="SM26"', 'code="SM 26"');
    const result = xmllintValidate(schema, write('bad-code.xml', badCode));
    expect(result.ok).toBe(false);
    expect(result.output).toContain('SM 26');
  });

  it('(b) verifies with xmlsec1 against the issuing authority, not against another one', () => {
    const file = write('signed.xml', buildVihf(doctorInput, softwareSigner(leaf)));
    const result = xmlsecVerify(file, caFile);
    expect(result.output).toContain('OK');
    expect(result.ok).toBe(true);
    expect(xmlsecVerify(file, otherCaFile).ok).toBe(false);
  });

  it('a deeply nested assertion is refused before any DOM parse, in French', () => {
    const deep = `<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">${'<a>'.repeat(30_000)}${'</a>'.repeat(30_000)}</saml2:Assertion>`;
    expectRefused(
      () => verifyVihf(deep, { anchorsPem: [] }),
      'Assertion VIHF refusée : imbrication de plus de 32 niveaux.',
      'INVALID_REQUEST',
    );
  });

  it('(c) any change after signing is refused by xmlsec1 and by verifyVihf', () => {
    const xml = buildVihf(doctorInput, softwareSigner(leaf));
    const tamperings: [string, string][] = [
      ['<saml2:AttributeValue>R95141</saml2:AttributeValue>', '<saml2:AttributeValue>R95142</saml2:AttributeValue>'],
      ['code="normal"', 'code="bris_de_glace"'],
      ['code="SM26"', 'code="SM54"'],
      ['<saml2:AttributeValue>DIRECTE</saml2:AttributeValue>', '<saml2:AttributeValue>INDIRECTE</saml2:AttributeValue>'],
      ['279035121518989^^^', '180032B020401^^^'],
      ['<saml2:NameID>899700366240</saml2:NameID>', '<saml2:NameID>810000000001</saml2:NameID>'],
      ['NotOnOrAfter="', 'NotOnOrAfter="2'],
      [
        '<saml2:AttributeValue>3.0</saml2:AttributeValue>',
        '<saml2:AttributeValue>3.0</saml2:AttributeValue><saml2:AttributeValue>4.0</saml2:AttributeValue>',
      ],
    ];
    for (const [from, to] of tamperings) {
      expect(xml).toContain(from);
      const tampered = xml.replace(from, to);
      expect(xmlsecVerify(write('tampered.xml', tampered), caFile).ok, from).toBe(false);
      expectRefused(() => verifyVihf(tampered, { anchorsPem: [ca.certPem] }), 'signature de l’assertion invalide');
    }
    // The untouched assertion passes both.
    expect(xmlsecVerify(write('untouched.xml', xml), caFile).ok).toBe(true);
    expect(verifyVihf(xml, { anchorsPem: [ca.certPem] }).structureId).toBe('R95141');
  });

  it('(e) every access mode and authentication mode signs, validates and verifies', () => {
    for (const purposeOfUse of purposesOfUse) {
      for (const authenticationMode of authenticationModes) {
        const xml = buildVihf({ ...doctorInput, purposeOfUse, authenticationMode }, softwareSigner(leaf));
        const file = write(`mode-${purposeOfUse}-${authenticationMode}.xml`, xml);
        expect(xmllintValidate(schema, file).ok).toBe(true);
        expect(xmlsecVerify(file, caFile).ok).toBe(true);
        const verified = verifyVihf(xml, { anchorsPem: [ca.certPem] });
        expect(verified.purposeOfUse).toMatchObject({ code: purposeOfUse, codeSystem: '1.2.250.1.213.1.1.4.248' });
        expect(verified.authenticationMode).toBe(authenticationMode);
      }
    }
  });
});

describe('issuer DN', () => {
  it('reads multi-valued RDNs from the DER, as the INSi-accepted CPS assertion shows', () => {
    const key = write('cps.key', leaf.keyPem);
    const certPem = execFileSync(
      'openssl',
      [
        'req',
        '-new',
        '-x509',
        '-key',
        key,
        '-days',
        '1',
        '-utf8',
        '-multivalue-rdn',
        '-subj',
        '/C=FR/title=Infirmier/GN=OLIVIER+CN=00B6087510+SN=INFIRMCS ADELI8751',
      ],
      { encoding: 'utf8' },
    );
    expect(subjectDn(certPem)).toBe('2.5.4.42=OLIVIER+CN=00B6087510+SN=INFIRMCS ADELI8751,T=Infirmier,C=FR');
  });

  it('escapes RFC 4514 special characters', () => {
    const special = issueLeaf(ca, {
      usage: 'signature',
      subject: [
        { type: 'organizationName', value: 'Martin, Dupont + Associés' },
        { type: 'commonName', value: '#1 ' },
      ],
    });
    expect(subjectDn(special.certPem)).toBe('CN=\\#1\\ ,O=Martin\\, Dupont \\+ Associés');
  });
});

describe('signAssertion', () => {
  it('signs what it is given: a missing attribute is caught by the verifier, not by xmlsec1', () => {
    const parsed = parseVihfInput(doctorInput);
    const unsigned = unsignedVihf(parsed, subjectDn(leaf.certPem), new Date()).replace(
      /<saml2:Attribute Name="Identifiant_Structure">.*?<\/saml2:Attribute>/,
      '',
    );
    const xml = signAssertion(unsigned, softwareSigner(leaf));
    expect(xmlsecVerify(write('missing.xml', xml), caFile).ok).toBe(true);
    expectRefused(
      () => verifyVihf(xml, { anchorsPem: [ca.certPem] }),
      'attribut obligatoire absent : Identifiant_Structure',
      'INVALID_REQUEST',
    );
  });
});
