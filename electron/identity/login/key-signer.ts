/** A Signer over a private key held in memory (from a .p12). */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { CabinetError } from '../../../shared/contract/outcome.js';
import type { SignatureAlgorithm, Signer } from '../types.js';

export class KeySigner implements Signer {
  private key: KeyObject | null;

  constructor(
    keyPem: string,
    readonly certificatePem: string,
    readonly chainPem: readonly string[],
  ) {
    this.key = createPrivateKey(keyPem);
  }

  sign(data: Buffer, algorithm: SignatureAlgorithm): Buffer {
    if (!this.key) throw new CabinetError('SESSION_REQUIRED', 'La clé n’est plus disponible : reconnectez-vous.');
    if (algorithm !== 'RSA-SHA256')
      throw new CabinetError('INVALID_REQUEST', `Algorithme de signature non pris en charge : ${String(algorithm)}`);
    return sign('sha256', data, this.key);
  }

  /** Exports the key for a TLS context (Node needs PEM); only while logged in. */
  keyPem(): string {
    if (!this.key) throw new CabinetError('SESSION_REQUIRED', 'La clé n’est plus disponible : reconnectez-vous.');
    return this.key.export({ format: 'pem', type: 'pkcs8' }).toString();
  }

  dispose(): void {
    this.key = null;
  }
}
