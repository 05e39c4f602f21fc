/**
 * The encrypted local database: SQLCipher 4 through
 * better-sqlite3-multiple-ciphers, keyed with a raw 32-byte key kept in the
 * OS keychain (a raw key skips SQLCipher's PBKDF2: ~3 ms instead of ~140 ms
 * per open). WAL, file mode 0600, numbered migrations, and a newer schema is
 * refused rather than touched.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { CabinetError } from '../../../shared/contract/outcome.js';
import type { Keychain } from '../keychain/keychain.js';
import type { Migration } from './migrations/types.js';
import { latestVersion, migrations } from './migrations/index.js';

export const DB_FILE = 'cabinet.db';
/** Non-secret identifier of this store, naming its key in the keychain. */
export const STORE_ID_FILE = 'cabinet.store-id';
const SQLITE_PLAINTEXT_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export type Db = Database.Database;

export interface OpenStoreOptions {
  dataDir: string;
  keychain: Keychain;
  /** For tests of future schemas; defaults to every migration. */
  migrations?: readonly Migration[];
}

export interface Store {
  db: Db;
  file: string;
  storeId: string;
  schemaVersion: number;
  /**
   * A second connection's set-up (cipher, raw key, per-connection settings), for a
   * writer in a worker thread of this process. The key stays in memory, as it already
   * is in SQLite; it is never written anywhere.
   */
  workerPragmas(): string[];
  close(): void;
}

/** The statements that set up a connection like `db`: the cipher and key (`applyKey`'s), then `db`'s own per-connection settings. */
export function connectionPragmas(db: Db, keyHex: string): string[] {
  const pragmas: string[] = [];
  applyKey({ pragma: (statement: string) => void pragmas.push(statement) } as unknown as Db, keyHex);
  for (const name of ['synchronous', 'foreign_keys', 'secure_delete'])
    pragmas.push(`${name} = ${Number(db.pragma(name, { simple: true }))}`);
  return pragmas;
}

export function keyAccount(storeId: string): string {
  return `base-locale:${storeId}`;
}

/**
 * Creates the data folder, or takes the existing one, and makes it 0700 either way: a folder made
 * earlier (by hand, by an older version, or as the parent of the logs folder) keeps the umask's 0755
 * otherwise. Windows has no such modes (the profile folder's ACL applies): no chmod there.
 */
export function ensureDataDir(dataDir: string, platform: NodeJS.Platform = process.platform): void {
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    fs.accessSync(dataDir, fs.constants.W_OK);
  } catch {
    throw new CabinetError(
      'STORE_UNAVAILABLE',
      `Le dossier de données ${dataDir} ne peut pas être créé ou n’est pas accessible en écriture.`,
    );
  }
  if (platform === 'win32') return;
  try {
    fs.chmodSync(dataDir, 0o700);
  } catch {
    throw new CabinetError(
      'STORE_UNAVAILABLE',
      `Les droits du dossier de données ${dataDir} ne peuvent pas être restreints à votre compte (0700) : vérifiez qu’il vous appartient.`,
    );
  }
}

export function readStoreId(dataDir: string): string | null {
  const file = path.join(dataDir, STORE_ID_FILE);
  if (!fs.existsSync(file)) return null;
  const id = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{32}$/.test(id)) {
    throw new CabinetError('STORE_UNAVAILABLE', `Le fichier ${STORE_ID_FILE} du dossier de données est altéré.`);
  }
  return id;
}

function writeFileAtomic(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** True when the file starts with SQLite's plaintext header (i.e. is NOT encrypted). */
export function isPlaintextSqlite(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const header = Buffer.alloc(16);
    const read = fs.readSync(fd, header, 0, 16, 0);
    return read === 16 && header.equals(SQLITE_PLAINTEXT_HEADER);
  } finally {
    fs.closeSync(fd);
  }
}

/** Applies the SQLCipher 4 settings and the raw key. Must run before any other statement. */
export function applyKey(db: Db, keyHex: string): void {
  if (!/^[0-9a-f]{64}$/.test(keyHex))
    throw new CabinetError('STORE_UNAVAILABLE', 'La clé de la base locale enregistrée dans le trousseau est invalide.');
  db.pragma(`cipher='sqlcipher'`);
  db.pragma('legacy=4');
  db.pragma(`key="x'${keyHex}'"`);
}

function migrate(db: Db, all: readonly Migration[]): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const target = all.length;
  if (current > target) {
    throw new CabinetError(
      'STORE_UNAVAILABLE',
      `Cette base de données a été créée par une version plus récente de Cabinet (schéma ${current}, cette version connaît le schéma ${target}). Installez la dernière version de Cabinet ; la base n’a pas été modifiée.`,
      { schemaVersion: current, supported: target },
    );
  }
  for (const migration of all.slice(current)) {
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return target;
}

export function openStore(options: OpenStoreOptions): Store {
  const { dataDir, keychain } = options;
  ensureDataDir(dataDir);
  const file = path.join(dataDir, DB_FILE);
  const exists = fs.existsSync(file);

  let storeId = readStoreId(dataDir);
  let keyHex: string | null = storeId ? keychain.get(keyAccount(storeId)) : null;

  if (exists) {
    if (!storeId || !keyHex) {
      throw new CabinetError(
        'STORE_UNAVAILABLE',
        'La clé de chiffrement de la base locale est introuvable dans le trousseau du système. ' +
          'Les données ne peuvent pas être lues sans elle. Vérifiez que vous utilisez la même session utilisateur que d’habitude, ou contactez le support.',
        { dataDir },
      );
    }
    if (isPlaintextSqlite(file)) {
      throw new CabinetError('STORE_UNAVAILABLE', 'La base locale n’est pas chiffrée : Cabinet refuse de l’utiliser.', { file });
    }
  } else {
    // First run: identifier, then key in the keychain, then the database file.
    if (!storeId) {
      storeId = randomBytes(16).toString('hex');
      writeFileAtomic(path.join(dataDir, STORE_ID_FILE), `${storeId}\n`);
    }
    if (!keyHex) {
      keyHex = randomBytes(32).toString('hex');
      keychain.set(keyAccount(storeId), keyHex);
    }
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
  }

  let db: Db;
  try {
    db = new Database(file, { timeout: 5000 });
  } catch {
    throw new CabinetError('STORE_UNAVAILABLE', `La base locale ${file} ne peut pas être ouverte.`);
  }
  try {
    applyKey(db, keyHex);
    // First real read: fails with SQLITE_NOTADB if the key is wrong.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('secure_delete = ON');
    const schemaVersion = migrate(db, options.migrations ?? migrations);
    fs.chmodSync(file, 0o600);
    return {
      db,
      file,
      storeId,
      schemaVersion,
      workerPragmas: () => connectionPragmas(db, keyHex!),
      close: () => {
        if (db.open) db.close();
      },
    };
  } catch (error) {
    db.close();
    if (error instanceof CabinetError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_NOTADB') {
      throw new CabinetError(
        'STORE_UNAVAILABLE',
        'La base locale ne s’ouvre pas avec la clé du trousseau : elle est altérée ou la clé ne lui correspond pas.',
        { file },
      );
    }
    throw new CabinetError('STORE_UNAVAILABLE', `La base locale ${file} ne peut pas être ouverte.`, { reason: (error as Error).message });
  }
}

export { latestVersion };
