import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/support/fixtures.js';
import { freshStore } from '../../../test/support/store.js';
import { loadConfig } from './config.js';
import { SettingsService } from './settings.js';

function managed(content: unknown): string {
  const file = path.join(tempDir(), 'cabinet.json');
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
const base = (extra: Record<string, string> = {}) => ({
  env: { CABINET_DATA_DIR: '/tmp/cabinet-donnees', ...extra },
  platform: 'linux' as const,
});

describe('configuration', () => {
  it('defaults to the sandbox with local endpoints', () => {
    const config = loadConfig(base());
    expect(config.env).toBe('sandbox');
    expect(config.envSource).toBe('defaut');
    expect(config.dataDir).toBe('/tmp/cabinet-donnees');
    expect(config.endpoints.insi).toEqual({ url: 'https://localhost:19443/lps', source: 'defaut', locked: false });
    expect(config.endpoints.mssSmtp.url).toBe('smtp://localhost:19587');
  });

  it('has no guessed production addresses: unknown ones are "non configuré"', () => {
    const config = loadConfig(base({ CABINET_ENV: 'production' }));
    expect(config.env).toBe('production');
    expect(config.endpoints.insi.url).toBeNull();
    expect(config.endpoints.dmp.url).toBeNull();
    expect(config.endpoints.annuaire.url).toBe('https://gateway.api.esante.gouv.fr/fhir/v2');
  });

  it('merges the managed file on top and records locks', () => {
    const file = managed({
      env: 'qualification',
      endpoints: { dmp: 'https://dmp.exemple.fr/si-dmp' },
      settings: { 'session.inactivityMinutes': 5 },
      locked: ['endpoints', 'session.inactivityMinutes'],
    });
    const config = loadConfig(base({ CABINET_CONFIG: file }));
    expect(config.managedFile).toBe(file);
    expect(config.env).toBe('qualification');
    expect(config.envSource).toBe('gere');
    expect(config.endpoints.dmp).toEqual({ url: 'https://dmp.exemple.fr/si-dmp', source: 'gere', locked: true });
    expect(config.endpoints.insi.locked).toBe(true);
    expect(config.lockedSettings.has('session.inactivityMinutes')).toBe(true);
    expect(config.managedSettings['session.inactivityMinutes']).toBe(5);
  });

  it('lets environment variables override both, for support and tests', () => {
    const file = managed({ env: 'production', endpoints: { insi: 'https://insi.exemple.fr/lps' } });
    const config = loadConfig(
      base({
        CABINET_CONFIG: file,
        CABINET_ENV: 'qualification',
        CABINET_INSI_URL: 'https://127.0.0.1:8443/lps',
        CABINET_TRACE_DIR: '/tmp/traces',
      }),
    );
    expect(config.env).toBe('qualification');
    expect(config.endpoints.insi).toMatchObject({ url: 'https://127.0.0.1:8443/lps', source: 'variable' });
    expect(config.traceDir).toBe('/tmp/traces');
  });

  it('finds the per-OS managed file when CABINET_CONFIG is not set', () => {
    expect(loadConfig({ env: { CABINET_DATA_DIR: '/x', ProgramData: tempDir() }, platform: 'win32' }).managedFile).toBeNull();
    const programData = tempDir();
    fs.mkdirSync(path.join(programData, 'Cabinet'));
    fs.writeFileSync(path.join(programData, 'Cabinet', 'cabinet.json'), JSON.stringify({ env: 'qualification' }));
    const config = loadConfig({ env: { CABINET_DATA_DIR: '/x', ProgramData: programData }, platform: 'win32' });
    expect(config.managedFile).toBe(path.join(programData, 'Cabinet', 'cabinet.json'));
    expect(config.env).toBe('qualification');
  });

  it.each([
    ['an unknown environment', base({ CABINET_ENV: 'prod' }), /CABINET_ENV doit valoir/],
    ['a plain-HTTP endpoint', base({ CABINET_DMP_URL: 'http://dmp.exemple.fr' }), /doit commencer par https:\/\//],
    ['an endpoint with credentials', base({ CABINET_PSC_URL: 'https://u:p@psc.exemple.fr' }), /identifiant/],
    ['a garbage URL', base({ CABINET_ANNUAIRE_URL: 'pas une url' }), /n’est pas une URL valide/],
    ['a missing CABINET_CONFIG', base({ CABINET_CONFIG: '/nulle/part.json' }), /introuvable/],
    ['a managed file that is not JSON', base({ CABINET_CONFIG: managed('{ env: ') }), /pas du JSON valide/],
    ['a managed file with unknown fields', base({ CABINET_CONFIG: managed({ env: 'sandbox', disableTls: true }) }), /invalide/],
    [
      'a managed file with a bad value',
      base({ CABINET_CONFIG: managed({ settings: { 'session.inactivityMinutes': 0 } }) }),
      /session\.inactivityMinutes/,
    ],
    ['a missing CABINET_EXTRA_CA', base({ CABINET_EXTRA_CA: '/nulle/part.pem' }), /CABINET_EXTRA_CA/],
  ])('refuses %s with a French message', (_name, options, message) => {
    expect(() => loadConfig(options)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(message) }));
  });
});

describe('user settings', () => {
  const stores: ReturnType<typeof freshStore>[] = [];
  afterEach(() => stores.splice(0).forEach((s) => s.dispose()));

  it('resolves default < managed < user < locked', () => {
    const store = freshStore();
    stores.push(store);
    const file = managed({ settings: { 'session.inactivityMinutes': 10, 'outbox.retryDays': 3 }, locked: ['outbox.retryDays'] });
    const settings = new SettingsService(store.db, loadConfig(base({ CABINET_CONFIG: file })));
    const byKey = () => Object.fromEntries(settings.resolve().map((s) => [s.key, s]));
    expect(byKey()['mss.desktopNotifications']).toMatchObject({ value: true, source: 'defaut', locked: false });
    expect(byKey()['session.inactivityMinutes']).toMatchObject({ value: 10, source: 'gere', locked: false });
    settings.set('session.inactivityMinutes', 20);
    expect(byKey()['session.inactivityMinutes']).toMatchObject({ value: 20, source: 'utilisateur' });
    expect(() => settings.set('outbox.retryDays', 9)).toThrow(expect.objectContaining({ code: 'SETTING_LOCKED' }));
    expect(byKey()['outbox.retryDays']).toMatchObject({ value: 3, source: 'gere', locked: true });
    expect(() => settings.set('session.inactivityMinutes', 0)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
    expect(() => settings.set('mss.desktopNotifications', 'oui')).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });

  it('the practice’s time zone: Europe/Paris by default, an offered overseas zone, nothing else; a managed file may impose it', () => {
    const store = freshStore();
    stores.push(store);
    const settings = new SettingsService(store.db, loadConfig(base()));
    expect(settings.get('practice.timeZone')).toBe('Europe/Paris');
    settings.set('practice.timeZone', 'Indian/Reunion');
    expect(settings.get('practice.timeZone')).toBe('Indian/Reunion');
    for (const refused of ['America/New_York', 'UTC', '', 'Europe/Paris ']) {
      expect(() => settings.set('practice.timeZone', refused)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
    }
    const imposed = new SettingsService(
      store.db,
      loadConfig(base({ CABINET_CONFIG: managed({ settings: { 'practice.timeZone': 'Pacific/Noumea' }, locked: ['practice.timeZone'] }) })),
    );
    expect(imposed.get('practice.timeZone')).toBe('Pacific/Noumea');
    expect(() => loadConfig(base({ CABINET_CONFIG: managed({ settings: { 'practice.timeZone': 'Mars/Olympus' } }) }))).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
