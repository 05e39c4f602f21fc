/**
 * The CPS-mode assertion of INSi (notes ins-cps.md §2.4, option B): a SAML 2.0
 * assertion signed with the practitioner's signature key, carried in
 * `wsse:Security`. Shape of the assertion the qualification service accepted
 * (padoa/tlsi-ins fixture), in saml-schema-assertion-2.0.xsd order:
 *
 *   saml2:Assertion @ID=_uuid @IssueInstant @Version=2.0
 *     saml2:Issuer @Format=…X509SubjectName = subject DN of the signing certificate
 *     ds:Signature (enveloped, exc-c14n, rsa-sha256, sha256, KeyInfo/X509Data/X509Certificate)
 *     saml2:Subject/saml2:NameID @NameQualifier=CPS = idNat_PS
 *     saml2:AttributeStatement: identifiantFacturation, secteurActivite (and
 *       codeSpecialiteAMO when given, as the same client's later versions send it)
 *
 * No Conditions and no AuthnStatement, as in that sample; the service lets it
 * live one hour. The client signs a fresh one (new ID) for every request.
 * Signing reuses the VIHF's xml-crypto set-up (`signAssertion`),
 * so a card key signs on the card.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { CabinetError, describeIssues } from '../../../shared/contract/outcome.js';
import type { Signer } from '../../identity/types.js';
import { subjectDn } from '../../identity/vihf/subject-dn.js';
import { SAML_NS, X509_SUBJECT_NAME, signAssertion } from '../../identity/vihf/vihf.js';
import { xmlAttribute, xmlText } from './xml-escape.js';

export const CPS_NAME_QUALIFIER = 'CPS';

export const insiPractitionerSchema = z
  .object({
    /** National identifier (CN of the card certificate): `8` + RPPS or `0` + ADELI. */
    idNatPs: z.string().regex(/^[0-9][0-9A-Za-z]{5,20}$/),
    /** The practitioner's Assurance maladie billing number (numéro de facturation, on the card's situation, not in the certificate). */
    identifiantFacturation: z
      .string()
      .trim()
      .regex(/^[0-9A-Za-z]{1,20}$/),
    /** TRE_R02 activity sector code, e.g. `SA05` (cabinet libéral), `SA07`, `SA08`. */
    secteurActivite: z
      .string()
      .trim()
      .regex(/^SA\d{2}$/),
    /** Assurance maladie specialty code (e.g. `01` general medicine, `24` nurse), optional. */
    codeSpecialiteAMO: z
      .string()
      .trim()
      .regex(/^\d{1,2}$/)
      .optional(),
  })
  .strip();
export type InsiPractitioner = z.input<typeof insiPractitionerSchema>;

/** A signed assertion, ready for `wsse:Security`. */
export interface InsiAssertion {
  readonly xml: string;
  /** The NameID, which is also the contexts' `Emetteur` in CPS mode. */
  readonly nameId: string;
  readonly id: string;
  readonly issuedAt: Date;
}

function attribute(name: string, value: string): string {
  return `<saml2:Attribute Name="${xmlAttribute(name)}"><saml2:AttributeValue>${xmlText(value)}</saml2:AttributeValue></saml2:Attribute>`;
}

/** The unsigned assertion (exported for tests). */
export function unsignedInsiAssertion(
  practitioner: z.output<typeof insiPractitionerSchema>,
  issuer: string,
  now: Date,
  id: string,
): string {
  const attributes = [
    attribute('identifiantFacturation', practitioner.identifiantFacturation),
    ...(practitioner.codeSpecialiteAMO ? [attribute('codeSpecialiteAMO', practitioner.codeSpecialiteAMO)] : []),
    attribute('secteurActivite', practitioner.secteurActivite),
  ];
  return (
    `<saml2:Assertion xmlns:saml2="${SAML_NS}" ID="${xmlAttribute(id)}" IssueInstant="${now.toISOString()}" Version="2.0">` +
    `<saml2:Issuer Format="${X509_SUBJECT_NAME}">${xmlText(issuer)}</saml2:Issuer>` +
    `<saml2:Subject><saml2:NameID NameQualifier="${CPS_NAME_QUALIFIER}">${xmlText(practitioner.idNatPs)}</saml2:NameID></saml2:Subject>` +
    `<saml2:AttributeStatement>${attributes.join('')}</saml2:AttributeStatement>` +
    '</saml2:Assertion>'
  );
}

/**
 * Builds and signs the assertion with `signer` (the card's signature key, or
 * a practitioner's software certificate). French refusals: invalid data,
 * certificate not valid now, signature failure (card removed…).
 */
export function buildInsiAssertion(
  practitioner: InsiPractitioner,
  signer: Signer,
  now: Date = new Date(),
  id: string = `_${crypto.randomUUID()}`,
): InsiAssertion {
  if (!/^[_A-Za-z][\w.-]{0,99}$/.test(id)) throw new CabinetError('INVALID_REQUEST', 'Identifiant d’assertion invalide.');
  const parsed = insiPractitionerSchema.safeParse(practitioner);
  if (!parsed.success) {
    throw new CabinetError(
      'INVALID_REQUEST',
      'Identité du praticien incomplète pour INSi (identifiant national, numéro de facturation, secteur d’activité).',
      describeIssues(parsed.error),
    );
  }
  let certificate: crypto.X509Certificate;
  try {
    certificate = new crypto.X509Certificate(signer.certificatePem);
  } catch {
    throw new CabinetError('CERTIFICATE_REFUSED', 'Le certificat de signature est illisible : l’assertion INSi ne peut pas être produite.');
  }
  if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo)) {
    throw new CabinetError(
      'CONFLICT',
      'Le certificat de signature n’est pas valide à cette date : l’assertion INSi ne peut pas être produite.',
    );
  }
  const xml = unsignedInsiAssertion(parsed.data, subjectDn(signer.certificatePem), now, id);
  let signed: string;
  try {
    signed = signAssertion(xml, signer);
  } catch (error) {
    if (error instanceof CabinetError && error.code === 'CONFLICT') {
      throw new CabinetError('CONFLICT', 'La clé de signature ne correspond pas au certificat : l’assertion INSi ne peut pas être signée.');
    }
    throw new CabinetError('UNAVAILABLE', 'La signature de l’assertion INSi a échoué (carte retirée ou clé inaccessible ?).');
  }
  return { xml: signed, nameId: parsed.data.idNatPs, id, issuedAt: now };
}
