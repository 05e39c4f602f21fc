/**
 * The identity checks every login runs: the certificate chain against the
 * trust store (anchors, intermediates, CRLs; dates; key usage), then the
 * practitioner read from the authentication certificate.
 */
import type { IdentityChecks } from './login/p12.js';
import { practitionerFromCertificate } from './certificates/practitioner.js';
import { validateCertificate } from './certificates/trust.js';
import type { TrustStore } from './trust-store.js';

export function createIdentityChecks(trust: TrustStore, now: () => Date = () => new Date()): IdentityChecks {
  return {
    identify: (certificatePem) => practitionerFromCertificate(certificatePem),
    async validate(leafPem, chainPem, purpose) {
      await validateCertificate({
        leafPem,
        intermediatesPem: [...chainPem, ...trust.intermediatesPem],
        anchorsPem: trust.anchorsPem,
        crls: trust.crls,
        at: now(),
        purpose,
      });
    },
  };
}
