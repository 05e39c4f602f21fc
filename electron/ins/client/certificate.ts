/**
 * The structure's INSI-AUTO / INSI-MANU software certificate (notes ins-cps.md
 * §2.4, option A): read from its .p12 in memory, checked (CN exactly
 * INSI-AUTO or INSI-MANU, dates, an OU naming the structure), turned into
 * the TLS credentials of the mutual-TLS transport and the `Emetteur` of the
 * request contexts (the certificate's OU).
 *
 * Configuration (wired by the lead): CABINET_INSI_P12 (path of the .p12) and
 * CABINET_INSI_P12_PASSWORD.
 */
import { X509Certificate } from 'node:crypto';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { requireInsiCertificate, softwareIdentityFromCertificate, type InsiCommonName } from '../../identity/certificates/practitioner.js';
import { readP12 } from '../../identity/login/p12.js';
import type { TlsCredentials } from '../../identity/types.js';

export interface InsiCertificate {
  tls: Extract<TlsCredentials, { kind: 'pem' }>;
  /** `Emetteur` of ContexteBAM / ContexteLPS: the certificate's OU (structure identifier). */
  emitter: string;
  role: InsiCommonName;
  subject: string;
  notAfter: string;
}

/** The emitter of a certificate used for mutual TLS: its OU made of a single identifier. */
export function insiEmitterFromCertificate(certPem: string): string {
  const identity = softwareIdentityFromCertificate(certPem);
  if (!identity.structureId) {
    throw new CabinetError(
      'CONFIG_INVALID',
      'Le certificat logiciel INSi n’a pas d’unité organisationnelle (OU) identifiant la structure : l’émetteur des demandes INSi ne peut pas être renseigné.',
    );
  }
  return identity.structureId;
}

/** Opens an INSI-AUTO / INSI-MANU .p12 (bounded to 256 KB by readP12). `now` for tests. */
export function openInsiCertificate(content: Buffer, password: string, now: Date = new Date()): InsiCertificate {
  const { pairs, chainPem } = readP12(content, password);
  const pair = pairs.find((candidate) => softwareIdentityFromCertificate(candidate.certPem).insi !== null) ?? pairs[0]!;
  const identity = requireInsiCertificate(pair.certPem);
  const certificate = new X509Certificate(pair.certPem);
  if (now > new Date(certificate.validTo)) {
    throw new CabinetError(
      'CERTIFICATE_REFUSED',
      `Le certificat logiciel ${identity.insi!} a expiré : demandez-en un nouveau (IGC-Santé).`,
      { reason: 'expire', notAfter: identity.notAfter },
    );
  }
  if (now < new Date(certificate.validFrom)) {
    throw new CabinetError('CERTIFICATE_REFUSED', `Le certificat logiciel ${identity.insi!} n’est pas encore valide.`, {
      reason: 'pas_encore_valide',
    });
  }
  return {
    tls: { kind: 'pem', keyPem: pair.keyPem, certPem: pair.certPem, chainPem },
    emitter: insiEmitterFromCertificate(pair.certPem),
    role: identity.insi!,
    subject: identity.subject,
    notAfter: identity.notAfter,
  };
}
