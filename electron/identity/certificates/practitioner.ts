/**
 * Who a certificate names: the practitioner of a CPS card's (or a CPS-like)
 * authentication certificate, or the structure of a software certificate
 * (INSI-AUTO / INSI-MANU, DMP organisation certificates).
 *
 * A CPS subject looks like `C=FR, title=Infirmier, GN=OLIVIER + CN=00B6087510
 * + SN=INFIRMCS ADELI8751`: the national identifier idNat_PS is the CN inside
 * the multi-valued RDN (`8` + RPPS or `0` + ADELI), the profession code is
 * the private extension 1.2.250.1.71.1.2.7 (INTEGER, TRE_G15). The card does
 * not carry the specialty: callers pass it when they know it (Annuaire Santé,
 * user settings).
 *
 * This reads; it does not judge trust (see trust.ts).
 */
import { X509Certificate } from 'node:crypto';
import { CabinetError } from '../../../shared/contract/outcome.js';
import {
  PROFESSION_OID,
  parseIdNatPs,
  practitionerSchema,
  professionLabel,
  professionLabels,
  specialtyLabels,
  type IdentitySource,
  type Practitioner,
} from '../../../shared/domain/practitioner.js';
import {
  OID,
  TAG,
  content,
  decodeSmallInteger,
  findAttribute,
  formatName,
  parseCertificate,
  readTlv,
  type ParsedCertificate,
  type Rdn,
} from './der.js';

function parse(pem: string | Uint8Array): { parsed: ParsedCertificate; notAfter: string } {
  try {
    const parsed = parseCertificate(pem);
    const notAfter = new Date(new X509Certificate(parsed.der).validTo).toISOString();
    return { parsed, notAfter };
  } catch {
    throw new CabinetError('INVALID_REQUEST', 'Ce certificat est illisible (format X.509 attendu, PEM ou DER).');
  }
}

/** The CN of the RDN that also holds the given name or surname (CPS layout), else the last CN. */
function idNatPsOf(subject: Rdn[]): string | null {
  const personal = subject.find(
    (rdn) => rdn.some((a) => a.oid === OID.commonName) && rdn.some((a) => a.oid === OID.givenName || a.oid === OID.surname),
  );
  const cn = personal?.find((a) => a.oid === OID.commonName)?.value ?? findAttribute(subject, OID.commonName).at(-1) ?? null;
  return cn?.trim() ?? null;
}

const normalize = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .trim()
    .toLowerCase();

function professionFromExtension(parsed: ParsedCertificate): string | null {
  const ext = parsed.extensions.find((e) => e.oid === PROFESSION_OID);
  if (!ext) return null;
  try {
    const tlv = readTlv(ext.value, 0);
    if (tlv.tag !== TAG.INTEGER) return null;
    return String(decodeSmallInteger(content(ext.value, tlv)));
  } catch {
    return null;
  }
}

function professionFromTitle(subject: Rdn[]): string | null {
  const title = findAttribute(subject, OID.title)[0];
  if (!title) return null;
  const wanted = normalize(title);
  return Object.entries(professionLabels).find(([, label]) => normalize(label) === wanted)?.[0] ?? null;
}

/** "MARIE-HÉLÈNE" → "Marie-Hélène". */
export function capitalizeGivenName(name: string): string {
  return name
    .toLocaleLowerCase('fr-FR')
    .replace(/(^|[\s\-'’])(\p{L})/gu, (_, sep: string, letter: string) => sep + letter.toLocaleUpperCase('fr-FR'));
}

/** Professions addressed as « Dr » (médecin, pharmacien, chirurgien-dentiste). */
const doctorProfessions = new Set(['10', '21', '40']);

export function displayNameOf(givenName: string, surname: string, professionCode: string): string {
  const name = [capitalizeGivenName(givenName), surname.toLocaleUpperCase('fr-FR')].filter(Boolean).join(' ');
  return doctorProfessions.has(professionCode) ? `Dr ${name}` : name;
}

export interface PractitionerOptions {
  source?: IdentitySource;
  /** Known from elsewhere (the card does not carry it), e.g. SM26. */
  specialtyCode?: string;
  structureId?: string;
}

/**
 * The practitioner named by a CPS (or CPS-like) authentication certificate.
 * Refuses (INVALID_REQUEST, in French) a certificate without an idNat_PS or
 * without a profession.
 */
export function practitionerFromCertificate(pem: string | Uint8Array, options: PractitionerOptions = {}): Practitioner {
  const { parsed, notAfter } = parse(pem);
  const idNatPs = idNatPsOf(parsed.subject);
  if (!idNatPs || !practitionerSchema.shape.idNatPs.safeParse(idNatPs).success) {
    throw new CabinetError(
      'INVALID_REQUEST',
      'Ce certificat ne porte pas d’identifiant national de professionnel de santé (idNat_PS) : ce n’est pas un certificat de carte CPS.',
    );
  }
  const professionCode = professionFromExtension(parsed) ?? professionFromTitle(parsed.subject);
  if (!professionCode) {
    throw new CabinetError(
      'INVALID_REQUEST',
      'La profession du titulaire est introuvable dans ce certificat (ni extension 1.2.250.1.71.1.2.7, ni titre reconnu).',
    );
  }
  const givenName = findAttribute(parsed.subject, OID.givenName)[0]?.trim() ?? '';
  const surname = findAttribute(parsed.subject, OID.surname)[0]?.trim() ?? '';
  const practitioner: Practitioner = {
    idNatPs,
    ...parseIdNatPs(idNatPs),
    givenName,
    surname,
    displayName: givenName || surname ? displayNameOf(givenName, surname, professionCode) : idNatPs,
    professionCode,
    professionLabel: professionLabel(professionCode),
    source: options.source ?? 'carte_cps',
    certificateSubject: formatName(parsed.subject),
    certificateNotAfter: notAfter,
  };
  if (options.specialtyCode) {
    practitioner.specialtyCode = options.specialtyCode;
    const label = specialtyLabels[options.specialtyCode];
    if (label) practitioner.specialtyLabel = label;
  }
  if (options.structureId) practitioner.structureId = options.structureId;
  return practitionerSchema.parse(practitioner);
}

export const insiCommonNames = ['INSI-AUTO', 'INSI-MANU'] as const;
export type InsiCommonName = (typeof insiCommonNames)[number];

/** What a structure's software certificate says. */
export interface SoftwareIdentity {
  commonName: string;
  /** INSI-AUTO / INSI-MANU when the CN is exactly one of them (what the INSi service requires). */
  insi: InsiCommonName | null;
  /** The structure identifier: the OU made of a single identifier (e.g. 499700367909006, 10B0152872). */
  structureId: string | null;
  organization: string | null;
  subject: string;
  serial: string;
  notAfter: string;
}

export function softwareIdentityFromCertificate(pem: string | Uint8Array): SoftwareIdentity {
  const { parsed, notAfter } = parse(pem);
  const commonName = findAttribute(parsed.subject, OID.commonName).at(-1)?.trim();
  if (!commonName) throw new CabinetError('INVALID_REQUEST', 'Ce certificat logiciel n’a pas de nom (CN).');
  const structureId =
    findAttribute(parsed.subject, OID.organizationalUnit)
      .map((ou) => ou.trim())
      .filter((ou) => /^[0-9A-Za-z]{6,20}$/.test(ou))
      .at(-1) ?? null;
  return {
    commonName,
    insi: (insiCommonNames as readonly string[]).includes(commonName) ? (commonName as InsiCommonName) : null,
    structureId,
    organization: findAttribute(parsed.subject, OID.organization)[0]?.trim() ?? null,
    subject: formatName(parsed.subject),
    serial: parsed.serialHex,
    notAfter,
  };
}

/**
 * The INSi service answers DESIR_560 unless the client certificate's CN is
 * exactly INSI-AUTO or INSI-MANU: refuse before calling.
 */
export function requireInsiCertificate(pem: string | Uint8Array, expected?: InsiCommonName): SoftwareIdentity {
  const identity = softwareIdentityFromCertificate(pem);
  if (!identity.insi || (expected && identity.insi !== expected)) {
    const wanted = expected ?? 'INSI-AUTO ou INSI-MANU';
    throw new CabinetError(
      'INVALID_REQUEST',
      `Ce certificat logiciel ne convient pas au téléservice INSi : son nom (CN) doit être exactement ${wanted}, il vaut « ${identity.commonName} ».`,
    );
  }
  return identity;
}
