import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { effectiveConfiguration, formatConfiguration } from './provenance.js';
import type { ResolvedSetting } from './settings.js';

const dataDir = path.join(os.tmpdir(), 'cabinet-provenance');

describe('effective configuration and where each value comes from', () => {
  it('names the default, the managed file, Réglages and the environment, and masks secrets', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-managed-'));
    const file = path.join(dir, 'cabinet.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        env: 'qualification',
        endpoints: { dmp: 'https://dmp.exemple.fr/si-dmp' },
        settings: { 'outbox.retryDays': 10 },
        locked: ['endpoints.dmp'],
        trustDir: '/etc/cabinet/confiance',
      }),
    );
    const env = {
      CABINET_CONFIG: file,
      CABINET_DATA_DIR: dataDir,
      CABINET_ANNUAIRE_URL: 'https://annuaire.exemple.fr/fhir',
      CABINET_PSC_CLIENT_SECRET: 'tres-secret',
      CABINET_INSI_IDAM: 'IDAM-1',
    };
    const config = loadConfig({ env, platform: 'linux' });
    const settings: ResolvedSetting[] = [
      { key: 'outbox.retryDays', value: 10, source: 'gere', locked: false },
      { key: 'session.inactivityMinutes', value: 20, source: 'utilisateur', locked: false },
      { key: 'mss.adresse', value: '', source: 'defaut', locked: false },
    ];
    const entries = effectiveConfiguration(config, env, settings);
    const by = (key: string) => entries.find((e) => e.key === key);

    expect(by('env')).toMatchObject({ value: 'qualification', source: 'gere' });
    expect(by('dataDir')).toMatchObject({ value: path.resolve(dataDir), source: 'variable', variable: 'CABINET_DATA_DIR' });
    expect(by('managedFile')).toMatchObject({ value: file, source: 'variable', variable: 'CABINET_CONFIG' });
    expect(by('trustDir')).toMatchObject({ value: '/etc/cabinet/confiance', source: 'gere' });
    expect(by('endpoints.dmp')).toMatchObject({ value: 'https://dmp.exemple.fr/si-dmp', source: 'gere', locked: true });
    expect(by('endpoints.annuaire')).toMatchObject({ source: 'variable', variable: 'CABINET_ANNUAIRE_URL' });
    expect(by('endpoints.insi')).toMatchObject({ source: 'defaut' });
    expect(by('session.inactivityMinutes')).toMatchObject({ value: 20, source: 'utilisateur' });
    expect(by('outbox.retryDays')).toMatchObject({ value: 10, source: 'gere' });
    expect(by('CABINET_INSI_IDAM')).toMatchObject({ value: 'IDAM-1', source: 'variable' });
    expect(by('CABINET_PSC_CLIENT_SECRET')).toMatchObject({ value: '[masqué]', source: 'variable' });
    expect(by('CABINET_ANNUAIRE_API_KEY')).toMatchObject({ value: null, source: 'defaut' });
    expect(JSON.stringify(entries)).not.toContain('tres-secret');

    const text = formatConfiguration(entries);
    expect(text).toMatch(/session\.inactivityMinutes\s+20 {2}\[Réglages\]/);
    expect(text).toMatch(/endpoints\.dmp\s+https:\/\/dmp\.exemple\.fr\/si-dmp {2}\[fichier géré, verrouillé\]/);
    expect(text).toMatch(/endpoints\.annuaire\s+\S+ {2}\[environnement : CABINET_ANNUAIRE_URL\]/);
    expect(text).not.toContain('tres-secret');
    fs.rmSync(dir, { recursive: true });
  });

  it('the sandbox trust folder inside the data folder is the default', () => {
    const env = { CABINET_DATA_DIR: dataDir, CABINET_CONFIG: '' };
    const config = loadConfig({ env, platform: 'linux' });
    expect(effectiveConfiguration(config, env, null).find((e) => e.key === 'trustDir')).toMatchObject({
      value: path.join(path.resolve(dataDir), 'pki-test'),
      source: 'defaut',
    });
  });
});
