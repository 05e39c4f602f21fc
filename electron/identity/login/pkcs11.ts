/**
 * "Carte CPS": the card through its PKCS#11 module (the Cryptolib CPS on a
 * practitioner's computer, SoftHSM2 in our tests). The card holds an
 * authentication key (TLS) and a signature key (VIHF); each is found through
 * its certificate's key usage and the shared CKA_ID. Signing happens on the
 * card (CKM_SHA256_RSA_PKCS); keys never leave it. The PIN is passed to
 * C_Login and, for TLS through the OpenSSL engine, kept in memory in the
 * engine's key URI while logged in — never written anywhere.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import pkcs11js from 'pkcs11js';
import { CabinetError } from '../../../shared/contract/outcome.js';
import type { Credentials, Signer } from '../types.js';
import type { IdentityChecks } from './p12.js';

/** Cryptolib CPS module names (notes ins-cps §3); the first existing path is the default. */
export const defaultCpsModules: Record<string, string[]> = {
  win32: ['C:\\Windows\\System32\\cps3_pkcs11_w64.dll', 'C:\\Windows\\SysWOW64\\cps3_pkcs11_w32.dll'],
  darwin: ['/usr/local/lib/libcps3_pkcs11_osx.dylib', '/Library/Frameworks/cps3.framework/cps3'],
  linux: ['/usr/lib/libcps3_pkcs11_lux.so', '/usr/local/lib/libcps3_pkcs11_lux.so', '/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so'],
};
export const OPENSSL_PKCS11_ENGINE = process.platform === 'linux' ? '/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so' : '';

export function defaultModulePath(platform: NodeJS.Platform = process.platform): string | null {
  return (defaultCpsModules[platform] ?? []).find((p) => fs.existsSync(p)) ?? null;
}

export interface CardSlot {
  /** Index in the slot list with a token present: what the user and `--slot N` pick. */
  index: number;
  slotDescription: string;
  tokenLabel: string;
  serialNumber: string;
}

const modules = new Map<string, pkcs11js.PKCS11>();

function moduleFor(modulePath: string): pkcs11js.PKCS11 {
  const loaded = modules.get(modulePath);
  if (loaded) return loaded;
  if (!fs.existsSync(modulePath)) {
    throw new CabinetError(
      'NOT_FOUND',
      `Le module de la carte CPS est introuvable (${modulePath}). Installez la Cryptolib CPS ou indiquez son emplacement dans Réglages.`,
    );
  }
  const module = new pkcs11js.PKCS11();
  try {
    module.load(modulePath);
    module.C_Initialize();
  } catch {
    throw new CabinetError('UNAVAILABLE', `Le module de la carte CPS ne peut pas être chargé (${modulePath}).`);
  }
  modules.set(modulePath, module);
  return module;
}

/** Forgets a module so that the next use re-reads the readers (SoftHSM lists tokens at C_Initialize). */
export function resetModule(modulePath: string): void {
  const module = modules.get(modulePath);
  modules.delete(modulePath);
  try {
    module?.C_Finalize();
  } catch {
    // Already finalised.
  }
}

const clean = (text: string) => text.replace(/\0/g, '').trim();

/** Slots holding an initialised token (a reader with a card in it); SoftHSM also shows a blank slot, skipped. */
function tokenSlots(module: pkcs11js.PKCS11): pkcs11js.Handle[] {
  try {
    return module.C_GetSlotList(true).filter((slot) => {
      try {
        return (module.C_GetTokenInfo(slot).flags & pkcs11js.CKF_TOKEN_INITIALIZED) !== 0;
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

export function listCards(modulePath: string): CardSlot[] {
  const module = moduleFor(modulePath);
  return tokenSlots(module).map((slot, index) => {
    const slotInfo = module.C_GetSlotInfo(slot);
    const token = module.C_GetTokenInfo(slot);
    return {
      index,
      slotDescription: clean(slotInfo.slotDescription),
      tokenLabel: clean(token.label),
      serialNumber: clean(token.serialNumber),
    };
  });
}

function pinMessage(module: pkcs11js.PKCS11, slot: pkcs11js.Handle, code: number): CabinetError {
  let flags = 0;
  try {
    flags = module.C_GetTokenInfo(slot).flags;
  } catch {
    // Card gone: the generic message below.
  }
  if (code === pkcs11js.CKR_PIN_LOCKED || flags & pkcs11js.CKF_USER_PIN_LOCKED) {
    return new CabinetError(
      'CREDENTIALS_REFUSED',
      'La carte est bloquée après trop de codes PIN erronés. Débloquez-la avec son code PUK (outil de la Cryptolib CPS) ou demandez une nouvelle carte.',
      { essaisRestants: 0 },
    );
  }
  if (code === pkcs11js.CKR_PIN_INCORRECT || code === pkcs11js.CKR_PIN_INVALID || code === pkcs11js.CKR_PIN_LEN_RANGE) {
    if (flags & pkcs11js.CKF_USER_PIN_FINAL_TRY)
      return new CabinetError(
        'CREDENTIALS_REFUSED',
        'Code PIN incorrect. Attention : il ne reste qu’un essai avant le blocage de la carte.',
        { essaisRestants: 1 },
      );
    if (flags & pkcs11js.CKF_USER_PIN_COUNT_LOW)
      return new CabinetError(
        'CREDENTIALS_REFUSED',
        'Code PIN incorrect. Attention : il reste peu d’essais avant le blocage de la carte.',
        { essaisRestants: 'peu' },
      );
    return new CabinetError('CREDENTIALS_REFUSED', 'Code PIN incorrect.');
  }
  if (code === pkcs11js.CKR_TOKEN_NOT_PRESENT || code === pkcs11js.CKR_DEVICE_REMOVED)
    return new CabinetError('NOT_FOUND', 'Aucune carte dans le lecteur.');
  return new CabinetError('UNAVAILABLE', 'La carte CPS ne répond pas. Retirez-la et réinsérez-la.');
}

function certificates(module: pkcs11js.PKCS11, session: pkcs11js.Handle): { id: Buffer; pem: string }[] {
  module.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }]);
  const handles: pkcs11js.Handle[] = [];
  for (let h = module.C_FindObjects(session); h; h = module.C_FindObjects(session)) handles.push(h);
  module.C_FindObjectsFinal(session);
  return handles.map((handle) => {
    const [value, id] = module.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_VALUE }, { type: pkcs11js.CKA_ID }]);
    const der = value?.value as Buffer;
    return { id: (id?.value as Buffer) ?? Buffer.alloc(0), pem: new X509Certificate(der).toString() };
  });
}

function privateKey(module: pkcs11js.PKCS11, session: pkcs11js.Handle, id: Buffer): pkcs11js.Handle | null {
  module.C_FindObjectsInit(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_ID, value: id },
  ]);
  const handle = module.C_FindObjects(session);
  module.C_FindObjectsFinal(session);
  return handle;
}

function kind(pem: string): 'authentification' | 'signature' {
  const cert = new X509Certificate(pem);
  const eku = cert.keyUsage ?? [];
  // Node exposes EKUs as keyUsage; key usage bits are not exposed: EKU clientAuth marks the authentication certificate.
  return eku.includes('1.3.6.1.5.5.7.3.2') ? 'authentification' : 'signature';
}

class CardSigner implements Signer {
  private live = true;
  constructor(
    private readonly module: pkcs11js.PKCS11,
    private readonly session: pkcs11js.Handle,
    private readonly key: pkcs11js.Handle,
    readonly certificatePem: string,
    readonly chainPem: readonly string[],
  ) {}

  sign(data: Buffer, algorithm: 'RSA-SHA256'): Buffer {
    if (!this.live) throw new CabinetError('SESSION_REQUIRED', 'La session de la carte est fermée : reconnectez-vous.');
    if (algorithm !== 'RSA-SHA256') throw new CabinetError('INVALID_REQUEST', 'Algorithme de signature non pris en charge.');
    try {
      this.module.C_SignInit(this.session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, this.key);
      return this.module.C_Sign(this.session, data, Buffer.alloc(1024));
    } catch {
      throw new CabinetError('UNAVAILABLE', 'La carte CPS n’a pas pu signer : est-elle toujours dans le lecteur ?');
    }
  }

  dispose(): void {
    this.live = false;
  }
}

export interface OpenCardOptions {
  modulePath: string;
  slotIndex: number;
  pin: string;
  checks: IdentityChecks;
  /** Certificates of the card's authorities, for the chain (the card holds only its own). */
  chainPem?: readonly string[];
}

export async function openCard(options: OpenCardOptions): Promise<Credentials> {
  const { modulePath, slotIndex, pin, checks } = options;
  if (!/^\d{4,12}$/.test(pin)) throw new CabinetError('CREDENTIALS_REFUSED', 'Le code PIN est composé de 4 à 12 chiffres.');
  resetModule(modulePath); // re-read the readers: a card may have been inserted since
  const module = moduleFor(modulePath);
  const slot = tokenSlots(module)[slotIndex];
  if (!slot)
    throw new CabinetError(
      'NOT_FOUND',
      slotIndex === 0 ? 'Aucune carte CPS dans le lecteur.' : `Aucune carte dans le lecteur n° ${slotIndex + 1}.`,
    );
  const serial = clean(module.C_GetTokenInfo(slot).serialNumber);
  const tokenLabel = clean(module.C_GetTokenInfo(slot).label);
  const session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
  try {
    module.C_Login(session, pkcs11js.CKU_USER, pin);
  } catch (error) {
    try {
      module.C_CloseSession(session);
    } catch {
      // ignore
    }
    throw pinMessage(module, slot, (error as { code?: number }).code ?? 0);
  }

  const close = () => {
    try {
      module.C_Logout(session);
    } catch {
      // card gone
    }
    try {
      module.C_CloseSession(session);
    } catch {
      // card gone
    }
  };

  try {
    const certs = certificates(module, session);
    const auth = certs.find((c) => kind(c.pem) === 'authentification');
    const sign = certs.find((c) => kind(c.pem) === 'signature') ?? auth;
    if (!auth || !sign) throw new CabinetError('INVALID_REQUEST', 'Cette carte ne contient pas de certificat d’authentification.');
    const chain = options.chainPem ?? [];
    await checks.validate(auth.pem, chain, 'clientAuth');
    if (sign !== auth) await checks.validate(sign.pem, chain, 'signature');
    const authKey = privateKey(module, session, auth.id);
    const signKey = privateKey(module, session, sign.id);
    if (!authKey || !signKey) throw new CabinetError('INVALID_REQUEST', 'La clé privée de la carte est introuvable.');
    const practitioner = { ...checks.identify(auth.pem), source: 'carte_cps' as const };
    const authentication = new CardSigner(module, session, authKey, auth.pem, chain);
    const signature = new CardSigner(module, session, signKey, sign.pem, chain);
    const keyUri = `pkcs11:token=${encodeURIComponent(tokenLabel)};id=${[...auth.id].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')};type=private;pin-value=${encodeURIComponent(pin)}`;
    let disposed = false;
    const tls = {
      kind: 'pkcs11-engine' as const,
      enginePath: OPENSSL_PKCS11_ENGINE,
      keyUri,
      certPem: auth.pem,
      chainPem: chain,
      modulePath,
    };
    return {
      practitioner,
      authentication,
      signature,
      tls,
      // Card removal: the reader drops the slot or the token (real readers), or C_GetTokenInfo
      // fails (SoftHSM keeps the slot but errors once the token is gone).
      present() {
        if (disposed) return false;
        try {
          return clean(module.C_GetTokenInfo(slot).serialNumber) === serial;
        } catch {
          return false;
        }
      },
      dispose() {
        if (disposed) return;
        disposed = true;
        authentication.dispose();
        signature.dispose();
        tls.keyUri = '';
        close();
      },
    };
  } catch (error) {
    close();
    throw error;
  }
}
