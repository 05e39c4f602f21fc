import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { brokenKeychain, tempDir, TestKeychain } from '../../../test/support/fixtures.js';
import { applyKey, DB_FILE, ensureDataDir, isPlaintextSqlite, openStore, STORE_ID_FILE } from './database.js';
import { latestVersion, migrations } from './migrations/index.js';

const keychains: TestKeychain[] = [];
function keychain(): TestKeychain {
  const k = new TestKeychain();
  keychains.push(k);
  return k;
}
afterEach(() => keychains.splice(0).forEach((k) => k.cleanup()));

function expectStoreError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CabinetError);
    expect((error as CabinetError).code).toBe('STORE_UNAVAILABLE');
    expect((error as CabinetError).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a STORE_UNAVAILABLE error');
}

describe('encrypted store', () => {
  it('migrates an empty folder to the latest schema', () => {
    const dir = tempDir();
    const store = openStore({ dataDir: dir, keychain: keychain() });
    expect(store.schemaVersion).toBe(latestVersion);
    expect(store.db.pragma('user_version', { simple: true })).toBe(migrations.length);
    const tables = (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
      (t) => t.name,
    );
    expect(tables).toEqual(expect.arrayContaining(['audit_log', 'outbox', 'settings']));
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    store.close();
  });

  it('writes no plaintext SQLite header and refuses to open without the key', () => {
    const dir = tempDir();
    const store = openStore({ dataDir: dir, keychain: keychain() });
    store.db.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('secret', '\"DUPONT Marie\"', 'now')").run();
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    const file = path.join(dir, DB_FILE);
    expect(isPlaintextSqlite(file)).toBe(false);
    expect(fs.readFileSync(file).includes(Buffer.from('DUPONT'))).toBe(false);

    const noKey = new Database(file);
    expect(() => noKey.prepare('SELECT * FROM settings').all()).toThrow(/not a database/);
    noKey.close();

    const wrongKey = new Database(file);
    applyKey(wrongKey, 'ab'.repeat(32));
    expect(() => wrongKey.prepare('SELECT * FROM settings').all()).toThrow(/not a database/);
    wrongKey.close();
  });

  it('reopens with the key from the keychain and keeps the data', () => {
    const dir = tempDir();
    const k = keychain();
    const first = openStore({ dataDir: dir, keychain: k });
    first.db.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('a', '1', 'now')").run();
    first.close();
    const second = openStore({ dataDir: dir, keychain: k });
    expect(second.db.prepare("SELECT value FROM settings WHERE key = 'a'").get()).toEqual({ value: '1' });
    expect(second.storeId).toBe(first.storeId);
    second.close();
  });

  it('creates the database file with mode 0600', () => {
    if (process.platform === 'win32') return;
    const dir = tempDir();
    const store = openStore({ dataDir: dir, keychain: keychain() });
    expect(fs.statSync(store.file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, STORE_ID_FILE)).mode & 0o777).toBe(0o600);
    store.close();
  });

  it('makes the data folder 0700, whether it is created or already there with 0755', () => {
    if (process.platform === 'win32') return;
    const parent = tempDir();
    const created = path.join(parent, 'nouveau', 'Cabinet');
    openStore({ dataDir: created, keychain: keychain() }).close();
    expect(fs.statSync(created).mode & 0o777).toBe(0o700);
    const existing = tempDir();
    fs.chmodSync(existing, 0o755);
    openStore({ dataDir: existing, keychain: keychain() }).close();
    expect(fs.statSync(existing).mode & 0o777).toBe(0o700);
    // Windows: no chmod (its ACLs apply), the folder is left as it is.
    const onWindows = tempDir();
    fs.chmodSync(onWindows, 0o755);
    ensureDataDir(onWindows, 'win32');
    expect(fs.statSync(onWindows).mode & 0o777).toBe(0o755);
  });

  it('refuses a database written by a newer version, without touching it', () => {
    const dir = tempDir();
    const k = keychain();
    const store = openStore({ dataDir: dir, keychain: k });
    store.db.pragma(`user_version = ${latestVersion + 5}`);
    store.close();
    const before = fs.readFileSync(path.join(dir, DB_FILE));
    expectStoreError(() => openStore({ dataDir: dir, keychain: k }), /version plus récente de Cabinet/);
    expect(fs.readFileSync(path.join(dir, DB_FILE)).equals(before)).toBe(true);
  });

  it('refuses to open when the key is missing from the keychain', () => {
    const dir = tempDir();
    const k = keychain();
    openStore({ dataDir: dir, keychain: k }).close();
    k.cleanup();
    expectStoreError(() => openStore({ dataDir: dir, keychain: k }), /introuvable dans le trousseau/);
  });

  it('never falls back to plaintext when the keychain is unavailable', () => {
    const dir = tempDir();
    expect(() => openStore({ dataDir: dir, keychain: brokenKeychain })).toThrow(expect.objectContaining({ code: 'KEYCHAIN_UNAVAILABLE' }));
    expect(fs.existsSync(path.join(dir, DB_FILE))).toBe(false);
  });

  it('applies each migration once, in order, inside a transaction', () => {
    const dir = tempDir();
    const k = keychain();
    const failing = [
      ...migrations,
      {
        version: migrations.length + 1,
        name: 'casse',
        up: (db: Database.Database) => {
          db.exec('CREATE TABLE partial (x)');
          throw new Error('boom');
        },
      },
    ];
    expect(() => openStore({ dataDir: dir, keychain: k, migrations: failing })).toThrow(CabinetError);
    const store = openStore({ dataDir: dir, keychain: k });
    expect(store.schemaVersion).toBe(latestVersion);
    expect(store.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'partial'").get()).toEqual({ n: 0 });
    store.close();
  });
});
