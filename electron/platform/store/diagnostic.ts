/**
 * The Diagnostic's look at the local data: the store key's entry in the OS
 * keychain (presence only — the key is never printed), and the encrypted
 * database (opens, schema version, SQLite quick_check, size).
 */
import fs from 'node:fs';
import { formatBytes, type DiagnosticCheck } from '../../../shared/domain/diagnostic.js';
import type { Keychain } from '../keychain/keychain.js';
import { isPlaintextSqlite, keyAccount, latestVersion, readStoreId, type Store } from './database.js';

const SUPPORT = 'Ne supprimez aucun fichier du dossier de données : contactez le support en joignant ce rapport.';

export function keychainCheck(keychain: Keychain, dataDir: string): DiagnosticCheck {
  const base = { id: 'poste.trousseau', area: 'poste' as const, label: 'Trousseau du système (clé de la base locale)' };
  let storeId: string | null;
  try {
    storeId = readStoreId(dataDir);
  } catch (error) {
    return { ...base, verdict: 'echec', detail: (error as Error).message, action: SUPPORT };
  }
  if (!storeId) return { ...base, verdict: 'non-applicable', detail: 'Aucune base locale n’a encore été créée sur ce poste.', action: '' };
  try {
    const present = keychain.get(keyAccount(storeId)) !== null;
    return present
      ? { ...base, verdict: 'ok', detail: 'Le trousseau répond et contient la clé de la base locale.', action: '' }
      : {
          ...base,
          verdict: 'echec',
          detail: 'Le trousseau répond, mais la clé de la base locale n’y est pas : les données de ce poste ne peuvent pas être lues.',
          action: `Vérifiez que vous êtes connecté avec votre session habituelle de l’ordinateur. ${SUPPORT}`,
        };
  } catch (error) {
    return {
      ...base,
      verdict: 'echec',
      detail: (error as Error).message,
      action: 'Sous Linux, vérifiez qu’un trousseau (GNOME Keyring ou KWallet) est lancé et déverrouillé ; puis relancez Cabinet.',
    };
  }
}

function sizeOf(file: string): number {
  return ['', '-wal', '-shm'].reduce((sum, suffix) => sum + (fs.existsSync(file + suffix) ? fs.statSync(file + suffix).size : 0), 0);
}

/** `store` null: the services could not open it; `openError` says why. */
export function databaseCheck(store: Store | null, openError?: string): DiagnosticCheck {
  const base = { id: 'poste.base', area: 'poste' as const, label: 'Base locale chiffrée' };
  if (!store) return { ...base, verdict: 'echec', detail: openError ?? 'La base locale ne s’ouvre pas.', action: SUPPORT };
  const size = sizeOf(store.file);
  const data = { schema: store.schemaVersion, schemaAttendu: latestVersion, taille: size };
  if (isPlaintextSqlite(store.file))
    return { ...base, verdict: 'echec', detail: 'La base locale n’est pas chiffrée.', action: SUPPORT, data };
  // quick_check: the B-trees and records, without the (slow) index-to-table cross-check of integrity_check.
  const rows = store.db.pragma('quick_check(5)') as { quick_check: string }[];
  const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
  if (problems.length > 0) {
    return {
      ...base,
      verdict: 'echec',
      detail: `La base locale est endommagée (${problems.length} anomalie(s) relevée(s) par SQLite).`,
      action: SUPPORT,
      data,
    };
  }
  if (store.schemaVersion !== latestVersion) {
    return { ...base, verdict: 'echec', detail: `Schéma ${store.schemaVersion} au lieu de ${latestVersion}.`, action: SUPPORT, data };
  }
  return {
    ...base,
    verdict: 'ok',
    detail: `Ouverte avec la clé du trousseau (SQLCipher 4), schéma ${store.schemaVersion}, contrôle d’intégrité rapide sans anomalie, ${formatBytes(size)}.`,
    action: '',
    data,
  };
}
