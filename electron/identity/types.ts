/**
 * What every credential source (CPS card through PKCS#11, software
 * certificate .p12, e-CPS) gives the rest of Cabinet once unlocked.
 * Private keys never leave their signer; PINs are never stored.
 */
import type { Practitioner } from '../../shared/domain/practitioner.js';
import type { TlsCredentials } from '../platform/tls/credentials.js';

export type SignatureAlgorithm = 'RSA-SHA256';

/** A private key that can sign, and its certificate chain (PEM, leaf first). */
export interface Signer {
  readonly certificatePem: string;
  readonly chainPem: readonly string[];
  /** Synchronous on purpose: xml-crypto's signature hook is synchronous; PKCS#11 C_Sign is too. */
  sign(data: Buffer, algorithm: SignatureAlgorithm): Buffer;
  /** Forget the key (C_Logout for a card; drop the key object for a .p12). */
  dispose(): void;
}

/** What a TLS client needs to authenticate with this identity (defined by the TLS platform, which uses it). */
export type { TlsCredentials };

/**
 * A logged-in practitioner: identity, an authentication key (TLS), a
 * signature key (VIHF). An e-CPS login has no keys on this computer: it
 * carries Pro Santé Connect tokens instead.
 */
export interface Credentials {
  practitioner: Practitioner;
  authentication: Signer | null;
  signature: Signer | null;
  tls: TlsCredentials | null;
  /** Pro Santé Connect access token (e-CPS only). */
  accessToken?: () => string | null;
  /** True while the source is still there (card in the reader). */
  present(): boolean;
  dispose(): void;
}
