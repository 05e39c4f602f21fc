/**
 * The OS keychain (Windows Credential Manager, macOS Keychain, Secret Service
 * on Linux) through @napi-rs/keyring. Secrets never go anywhere else: if the
 * keychain is unreachable Cabinet refuses to start rather than fall back to a
 * plaintext file.
 */
import { randomBytes } from 'node:crypto';
import { Entry } from '@napi-rs/keyring';
import { CabinetError } from '../../../shared/contract/outcome.js';

export const KEYCHAIN_SERVICE = 'Cabinet';

export interface Keychain {
  get(account: string): string | null;
  set(account: string, secret: string): void;
  delete(account: string): boolean;
}

const unavailableHelp =
  'Cabinet ne démarre pas sans lui : la clé de la base de données ne doit jamais être enregistrée en clair. ' +
  'Sous Linux, vérifiez qu’un trousseau (GNOME Keyring ou KWallet) est lancé et déverrouillé.';

function unavailable(error: unknown): CabinetError {
  const reason = error instanceof Error ? error.message : String(error);
  return new CabinetError('KEYCHAIN_UNAVAILABLE', `Le trousseau sécurisé du système est inaccessible. ${unavailableHelp}`, { reason });
}

export class OsKeychain implements Keychain {
  constructor(private readonly service: string = KEYCHAIN_SERVICE) {}

  get(account: string): string | null {
    try {
      return new Entry(this.service, account).getPassword() ?? null;
    } catch (error) {
      throw unavailable(error);
    }
  }

  set(account: string, secret: string): void {
    try {
      new Entry(this.service, account).setPassword(secret);
    } catch (error) {
      throw unavailable(error);
    }
  }

  delete(account: string): boolean {
    try {
      return new Entry(this.service, account).deletePassword();
    } catch (error) {
      throw unavailable(error);
    }
  }
}

/** Round trip of a throw-away secret: proves the keychain stores and returns secrets. */
export function probeKeychain(keychain: Keychain): void {
  const account = `sonde:${randomBytes(6).toString('hex')}`;
  const secret = randomBytes(16).toString('hex');
  keychain.set(account, secret);
  try {
    if (keychain.get(account) !== secret) {
      throw new CabinetError('KEYCHAIN_UNAVAILABLE', `Le trousseau du système n’a pas restitué le secret enregistré. ${unavailableHelp}`);
    }
  } finally {
    keychain.delete(account);
  }
}
