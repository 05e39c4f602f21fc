/**
 * VIHF: the signed SAML 2.0 assertion that goes in `<wsse:Security>` of every
 * DMP call (notes ins-cps.md §4, dmp-cda.md §1.5).
 *
 * Shape (schema order of saml-schema-assertion-2.0.xsd):
 *   saml2:Assertion @ID=_uuid @IssueInstant @Version=2.0
 *     saml2:Issuer @Format=…X509SubjectName  = subject DN of the signing certificate
 *     ds:Signature (enveloped, exc-c14n, rsa-sha256, sha256, KeyInfo/X509Data/X509Certificate)
 *     saml2:Subject/saml2:NameID             = idNat_PS
 *     saml2:Conditions @NotBefore=now−1 min @NotOnOrAfter=now+60 min
 *     saml2:AuthnStatement @AuthnInstant=now / AuthnContext/AuthnContextClassRef = …:TLSClient
 *     saml2:AttributeStatement               = the VIHF attributes, DRIMbox spellings
 *
 * The signature is computed by xml-crypto (its own exclusive c14n) with the
 * signature value delegated to our {@link Signer}: a CPS card through PKCS#11
 * signs exactly like a software key.
 */
import crypto from 'node:crypto';
import { SignedXml, createOptionalCallbackFunction, type SignatureAlgorithm as XmlSignatureAlgorithm } from 'xml-crypto';
import { z } from 'zod';
import { CabinetError, describeIssues } from '../../../shared/contract/outcome.js';
import { INS_VALUE_PATTERN } from '../../../shared/domain/ins/matricule.js';
import {
  PROFESSION_OID,
  SPECIALTY_OID,
  practitionerSchema,
  professionLabels,
  specialtyLabels,
} from '../../../shared/domain/practitioner.js';
import type { Signer } from '../types.js';
import { subjectDn } from './subject-dn.js';
import { escapeXmlText } from '../../platform/xml/escape.js';

export const SAML_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const HL7_NS = 'urn:hl7-org:v3';
export const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const X509_SUBJECT_NAME = 'urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName';
export const TLS_CLIENT_CONTEXT = 'urn:oasis:names:tc:SAML:2.0:ac:classes:TLSClient';
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';

/** TRE_R02 SecteurActivite. */
export const ACTIVITY_SECTOR_OID = '1.2.250.1.71.4.2.4';
/** TRE_R248 ModeAcces. */
export const ACCESS_MODE_OID = '1.2.250.1.213.1.1.4.248';
export const VIHF_VERSION = '3.0';

/** Validity window: 1 minute back for clock skew, 60 minutes ahead (the CPS assertion's "expires after 1h"). */
export const VIHF_NOT_BEFORE_SKEW_MS = 60_000;
export const VIHF_LIFETIME_MS = 60 * 60_000;

/** Attribute names, as DRIMbox (`VIHFField.java`) writes them. */
export const VIHF_ATTRIBUTES = {
  version: 'VIHF_Version',
  role: 'urn:oasis:names:tc:xacml:2.0:subject:role',
  activitySector: 'Secteur_Activite',
  resourceUrn: 'Ressource_URN',
  purposeOfUse: 'urn:oasis:names:tc:xspa:1.0:subject:purposeofuse',
  subjectId: 'urn:oasis:names:tc:xspa:1.0:subject:subject-id',
  structureId: 'Identifiant_Structure',
  authenticationMode: 'Authentification_Mode',
  softwareName: 'LPS_Nom',
  softwareVersion: 'LPS_Version',
  softwareId: 'LPS_ID',
  dmpApprovalId: 'LPS_ID_HOMOLOGATION_DMP',
  patientId: 'urn:oasis:names:tc:xacml:2.0:resource:resource-id',
} as const;

/**
 * TRE_R248 access modes. Only `normal` is attested in public VIHF samples
 * (DRIMbox, PSC-POC); `bris_de_glace` and `centre_15` are the other codes of the
 * code system (notes dmp-cda.md §1.4), their use in a VIHF is not publicly shown.
 */
export const purposesOfUse = ['normal', 'bris_de_glace', 'centre_15'] as const;
export type PurposeOfUse = (typeof purposesOfUse)[number];
export const purposeOfUseLabels: Record<PurposeOfUse, string> = {
  normal: 'Accès normal',
  bris_de_glace: 'Accès en bris de glace',
  centre_15: 'Accès par un centre de régulation médicale',
};

/** `DIRECTE`: the practitioner's own CPS card; `INDIRECTE`: a structure's software certificate. */
export const authenticationModes = ['DIRECTE', 'INDIRECTE'] as const;

/** INS assigning authorities: NIR, NIA, test NIR, demonstration NIR (notes ins-cps.md §1.1). */
export const insOids = ['1.2.250.1.213.1.4.8', '1.2.250.1.213.1.4.9', '1.2.250.1.213.1.4.10', '1.2.250.1.213.1.4.11'] as const;

/** No control characters: most are not representable in XML 1.0, and none belongs in a name. */
function printable(value: string): boolean {
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f || code === 0xfffe || code === 0xffff) return false;
  }
  return true;
}

const text = (max: number) => z.string().trim().min(1).max(max).refine(printable, { message: 'caractère de contrôle interdit' });

const professionCode = z.string().regex(/^\d{2}$/);
const specialtyCode = z.string().regex(/^[A-Za-z0-9_-]{1,20}$/);

export const vihfInputSchema = z
  .object({
    /** From the card / certificate (unknown fields of a full `Practitioner` are dropped). */
    practitioner: z.object({
      idNatPs: practitionerSchema.shape.idNatPs,
      displayName: text(200),
      professionCode,
      professionLabel: text(200).optional(),
      specialtyCode: specialtyCode.optional(),
      specialtyLabel: text(200).optional(),
    }),
    /** `Identifiant_Structure`: the structure the practitioner works for. */
    structureId: text(100),
    /** TRE_R02 code, e.g. `SA07` (cabinet individuel), `SA08` (cabinet de groupe). */
    activitySector: z.string().regex(/^SA\d{2}$/),
    authenticationMode: z.enum(authenticationModes),
    purposeOfUse: z.enum(purposesOfUse).default('normal'),
    /** The software (LPS) as registered at the DMP homologation. */
    software: z
      .object({
        name: text(100),
        version: text(50),
        id: text(100),
        dmpApprovalId: text(100),
      })
      .strict(),
    /**
     * The patient, when the call is about one: the INS matricule (NIR/NIA, 13
     * characters + 2-digit key = 15, as in XDS patient ids) and its authority.
     */
    patientIns: z
      .object({
        value: z.string().regex(INS_VALUE_PATTERN),
        oid: z.enum(insOids),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    // The 2nd role (savoir-faire) is mandatory for physicians (notes dmp-cda.md §1.5).
    if (input.practitioner.professionCode === '10' && !input.practitioner.specialtyCode) {
      ctx.addIssue({ code: 'custom', path: ['practitioner', 'specialtyCode'], message: 'spécialité obligatoire pour un médecin' });
    }
  });

export type VihfInput = z.input<typeof vihfInputSchema>;
export type ParsedVihfInput = z.output<typeof vihfInputSchema>;

export function parseVihfInput(input: unknown): ParsedVihfInput {
  const parsed = vihfInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new CabinetError('INVALID_REQUEST', 'Les données du VIHF sont incomplètes ou invalides.', describeIssues(parsed.error));
  }
  return parsed.data;
}

/** Patient id as in XDS / DRIMbox: `matricule^^^&OID&ISO^NH`. */
export function patientResourceId(ins: { value: string; oid: string }): string {
  return `${ins.value}^^^&${ins.oid}&ISO^NH`;
}

function escapeText(value: string, field = 'donnée du VIHF'): string {
  return escapeXmlText(value, field);
}

function escapeAttribute(value: string): string {
  return escapeText(value).replace(/"/g, '&quot;');
}

function simpleAttribute(name: string, value: string): string {
  return `<saml2:Attribute Name="${escapeAttribute(name)}"><saml2:AttributeValue>${escapeText(value)}</saml2:AttributeValue></saml2:Attribute>`;
}

interface CodedValue {
  code: string;
  codeSystem: string;
  displayName?: string;
}

function codedValue(element: 'Role' | 'PurposeOfUse', value: CodedValue): string {
  const display = value.displayName ? ` displayName="${escapeAttribute(value.displayName)}"` : '';
  return `<saml2:AttributeValue><${element} xmlns="${HL7_NS}" xsi:type="CE" code="${escapeAttribute(value.code)}" codeSystem="${value.codeSystem}"${display}/></saml2:AttributeValue>`;
}

function codedAttribute(name: string, element: 'Role' | 'PurposeOfUse', values: readonly CodedValue[]): string {
  return `<saml2:Attribute Name="${name}">${values.map((value) => codedValue(element, value)).join('')}</saml2:Attribute>`;
}

/** The unsigned assertion. Exported for tests; use {@link buildVihf}. */
export function unsignedVihf(input: ParsedVihfInput, issuer: string, now: Date, id: string = `_${crypto.randomUUID()}`): string {
  const { practitioner, software } = input;
  const instant = now.toISOString();
  const notBefore = new Date(now.getTime() - VIHF_NOT_BEFORE_SKEW_MS).toISOString();
  const notOnOrAfter = new Date(now.getTime() + VIHF_LIFETIME_MS).toISOString();

  const roles: CodedValue[] = [
    {
      code: practitioner.professionCode,
      codeSystem: PROFESSION_OID,
      displayName:
        practitioner.professionLabel ?? professionLabels[practitioner.professionCode] ?? `Profession ${practitioner.professionCode}`,
    },
  ];
  if (practitioner.specialtyCode) {
    const label = practitioner.specialtyLabel ?? specialtyLabels[practitioner.specialtyCode];
    roles.push({ code: practitioner.specialtyCode, codeSystem: SPECIALTY_OID, ...(label ? { displayName: label } : {}) });
  }
  const a = VIHF_ATTRIBUTES;
  const attributes = [
    simpleAttribute(a.version, VIHF_VERSION),
    codedAttribute(a.role, 'Role', roles),
    simpleAttribute(a.activitySector, `${input.activitySector}^${ACTIVITY_SECTOR_OID}`),
    simpleAttribute(a.resourceUrn, 'urn:dmp'),
    codedAttribute(a.purposeOfUse, 'PurposeOfUse', [
      { code: input.purposeOfUse, codeSystem: ACCESS_MODE_OID, displayName: purposeOfUseLabels[input.purposeOfUse] },
    ]),
    simpleAttribute(a.subjectId, practitioner.displayName),
    simpleAttribute(a.structureId, input.structureId),
    simpleAttribute(a.authenticationMode, input.authenticationMode),
    simpleAttribute(a.softwareName, software.name),
    simpleAttribute(a.softwareVersion, software.version),
    simpleAttribute(a.softwareId, software.id),
    simpleAttribute(a.dmpApprovalId, software.dmpApprovalId),
    ...(input.patientIns ? [simpleAttribute(a.patientId, patientResourceId(input.patientIns))] : []),
  ];

  return (
    `<saml2:Assertion xmlns:saml2="${SAML_NS}" xmlns:xsi="${XSI_NS}" ID="${id}" IssueInstant="${instant}" Version="2.0">` +
    `<saml2:Issuer Format="${X509_SUBJECT_NAME}">${escapeText(issuer)}</saml2:Issuer>` +
    `<saml2:Subject><saml2:NameID>${escapeText(practitioner.idNatPs)}</saml2:NameID></saml2:Subject>` +
    `<saml2:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"/>` +
    `<saml2:AuthnStatement AuthnInstant="${instant}"><saml2:AuthnContext><saml2:AuthnContextClassRef>${TLS_CLIENT_CONTEXT}</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>` +
    `<saml2:AttributeStatement>${attributes.join('')}</saml2:AttributeStatement>` +
    `</saml2:Assertion>`
  );
}

/**
 * xml-crypto builds its signature algorithms with `new Algorithm()` and hands
 * them the canonical SignedInfo; this one forwards it to the Signer (a card key
 * never leaves the card), then checks the result against the certificate, so
 * a key/certificate mismatch is caught here rather than by the DMP.
 */
function signerAlgorithm(signer: Signer, publicKey: crypto.KeyObject): new () => XmlSignatureAlgorithm {
  return class SignerRsaSha256 implements XmlSignatureAlgorithm {
    getSignature = createOptionalCallbackFunction((signedInfo: crypto.BinaryLike): string => {
      const data = typeof signedInfo === 'string' ? Buffer.from(signedInfo, 'utf8') : Buffer.from(signedInfo as Uint8Array);
      const signature = signer.sign(data, 'RSA-SHA256');
      if (!crypto.verify('sha256', data, publicKey, signature)) {
        throw new CabinetError(
          'CONFLICT',
          'La clé de signature ne correspond pas au certificat : l’assertion VIHF ne peut pas être signée.',
        );
      }
      return signature.toString('base64');
    });
    verifySignature = createOptionalCallbackFunction((material: string, key: crypto.KeyLike, signatureValue: string): boolean =>
      crypto.verify('sha256', Buffer.from(material, 'utf8'), key, Buffer.from(signatureValue, 'base64')),
    );
    getAlgorithmName = (): string => RSA_SHA256;
  };
}

/** xml-crypto insists on a private key; ours stays behind the Signer, so it receives this marker. */
const KEY_HELD_BY_SIGNER = 'cle-detenue-par-le-signataire';

/** Signs an assertion (enveloped signature placed right after `saml2:Issuer`). */
export function signAssertion(xml: string, signer: Signer): string {
  const publicKey = new crypto.X509Certificate(signer.certificatePem).publicKey;
  const signed = new SignedXml({
    privateKey: KEY_HELD_BY_SIGNER,
    publicCert: signer.certificatePem,
    signatureAlgorithm: RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
    // The reference URI comes from the Assertion's `ID` (one of xml-crypto's default id attributes).
  });
  signed.SignatureAlgorithms = { [RSA_SHA256]: signerAlgorithm(signer, publicKey) };
  signed.addReference({
    xpath: `/*[local-name()='Assertion' and namespace-uri()='${SAML_NS}']`,
    transforms: [ENVELOPED, EXC_C14N],
    digestAlgorithm: SHA256,
  });
  try {
    signed.computeSignature(xml, {
      prefix: 'ds',
      location: { reference: `/*/*[local-name()='Issuer' and namespace-uri()='${SAML_NS}']`, action: 'after' },
    });
  } catch (error) {
    if (error instanceof CabinetError) throw error;
    throw new CabinetError('UNAVAILABLE', 'La signature de l’assertion VIHF a échoué (carte retirée ou clé inaccessible ?).');
  }
  return signed.getSignedXml();
}

/**
 * Builds and signs a VIHF. `now` is the assertion's IssueInstant and the
 * start of its validity window (now − 1 min … now + 60 min).
 */
export function buildVihf(input: VihfInput, signer: Signer, now: Date = new Date()): string {
  const parsed = parseVihfInput(input);
  const certificate = new crypto.X509Certificate(signer.certificatePem);
  if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo)) {
    throw new CabinetError(
      'CONFLICT',
      'Le certificat de signature n’est pas valide à cette date : l’assertion VIHF ne peut pas être produite.',
    );
  }
  return signAssertion(unsignedVihf(parsed, subjectDn(signer.certificatePem), now), signer);
}
