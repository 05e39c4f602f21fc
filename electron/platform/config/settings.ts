/**
 * User settings: stored in the encrypted `settings` table, resolved against
 * the configuration. Order, weakest first: default < managed file (unlocked,
 * the organisation's default) < the user's choice < managed file (locked) —
 * a locked setting cannot be changed from the UI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { nationalServices, serviceLabels } from '../../../shared/domain/services.js';
import {
  userSettingDefaults,
  userSettingKeys,
  userSettingSchemas,
  type SettingSource,
  type UserSettingKey,
  type UserSettings,
} from '../../../shared/domain/settings.js';
import type { Db } from '../store/database.js';
import type { CabinetConfig } from './config.js';

export interface ResolvedSetting<K extends UserSettingKey = UserSettingKey> {
  key: K;
  value: UserSettings[K];
  source: SettingSource;
  locked: boolean;
}

export class SettingsService {
  constructor(
    private readonly db: Db,
    private readonly config: CabinetConfig,
  ) {}

  private stored(): Partial<Record<UserSettingKey, unknown>> {
    const result: Partial<Record<UserSettingKey, unknown>> = {};
    for (const row of this.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[]) {
      if ((userSettingKeys as string[]).includes(row.key)) {
        try {
          result[row.key as UserSettingKey] = JSON.parse(row.value);
        } catch {
          // An unreadable stored value falls back to the default.
        }
      }
    }
    return result;
  }

  resolve(): ResolvedSetting[] {
    const stored = this.stored();
    return userSettingKeys.map((key) => {
      const locked = this.config.lockedSettings.has(key);
      const managed = this.config.managedSettings[key];
      let value: unknown = userSettingDefaults[key];
      let source: SettingSource = 'defaut';
      if (managed !== undefined) {
        value = managed;
        source = 'gere';
      }
      const mine = userSettingSchemas[key].safeParse(stored[key]);
      if (!locked && stored[key] !== undefined && mine.success) {
        value = mine.data;
        source = 'utilisateur';
      }
      return { key, value, source, locked } as ResolvedSetting;
    });
  }

  get<K extends UserSettingKey>(key: K): UserSettings[K] {
    return (this.resolve().find((s) => s.key === key) as ResolvedSetting<K>).value;
  }

  /** Returns the previous value. Throws SETTING_LOCKED or INVALID_REQUEST. */
  set(key: UserSettingKey, value: unknown): unknown {
    if (this.config.lockedSettings.has(key)) throw new CabinetError('SETTING_LOCKED');
    const parsed = userSettingSchemas[key].safeParse(value);
    if (!parsed.success) throw new CabinetError('INVALID_REQUEST', 'Valeur refusée pour ce réglage.', { key });
    if (key === 'identity.pkcs11Module') checkModulePath(parsed.data as string);
    const previous = this.get(key);
    this.db
      .prepare(
        'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      )
      .run(key, JSON.stringify(parsed.data), new Date().toISOString());
    return previous;
  }

  view() {
    return {
      env: this.config.env,
      envSource: this.config.envSource,
      dataDir: this.config.dataDir,
      managedFile: this.config.managedFile,
      traceDir: this.config.traceDir,
      endpoints: nationalServices.map((id) => ({ id, label: serviceLabels[id], ...this.config.endpoints[id] })),
      values: this.resolve(),
    };
  }
}

/**
 * The card module is a native library loaded at the next card login: from the
 * UI (a logged-in practitioner — the channel's access) it must name an existing
 * regular file by its absolute path; empty means the Cryptolib's usual place.
 * The managed file sets it without this check (the administrator's choice).
 */
function checkModulePath(value: string): void {
  if (value === '') return;
  const refuse = (why: string) =>
    new CabinetError('INVALID_REQUEST', `Module de la carte CPS refusé : ${why}`, {
      key: 'identity.pkcs11Module',
      field: 'identity.pkcs11Module',
    });
  if (value.trim() !== value || !path.isAbsolute(value))
    throw refuse('indiquez le chemin complet du fichier (par exemple /usr/lib/libcps3_pkcs11_lux.so).');
  let stat: fs.Stats;
  try {
    stat = fs.statSync(value);
  } catch {
    throw refuse('ce fichier n’existe pas.');
  }
  if (!stat.isFile()) throw refuse('ce chemin ne désigne pas un fichier.');
}
