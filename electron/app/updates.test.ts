import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/fixtures.js';
import { loadConfig } from '../platform/config/config.js';
import { updatePolicy } from './updates.js';

function configWith(managed: unknown) {
  const file = path.join(tempDir(), 'cabinet.json');
  fs.writeFileSync(file, JSON.stringify(managed));
  return loadConfig({ env: { CABINET_DATA_DIR: tempDir(), CABINET_CONFIG: file }, platform: 'linux' });
}

describe('updates policy', () => {
  it('looks for updates in the managed file’s https folder, from the installed app only', () => {
    const { updates } = configWith({ updates: { url: 'https://maj.exemple.fr/cabinet' } });
    expect(updatePolicy({ host: 'electron', packaged: true, updates })).toEqual({ enabled: true, url: 'https://maj.exemple.fr/cabinet/' });
    expect(updatePolicy({ host: 'electron', packaged: false, updates })).toMatchObject({
      enabled: false,
      reason: expect.stringContaining('développement'),
    });
    expect(updatePolicy({ host: 'navigateur', packaged: true, updates }).enabled).toBe(false);
    expect(updatePolicy({ host: 'cli', packaged: true, updates }).enabled).toBe(false);
  });

  it('is off when the managed file says so, even with an address (hospital / GPO rollouts)', () => {
    const { updates } = configWith({ updates: { enabled: false, url: 'https://maj.exemple.fr/cabinet/' } });
    expect(updatePolicy({ host: 'electron', packaged: true, updates })).toMatchObject({
      enabled: false,
      reason: expect.stringContaining('désactivées'),
    });
  });

  it('is off without an address: none is guessed', () => {
    const { updates } = configWith({ env: 'production' });
    expect(updatePolicy({ host: 'electron', packaged: true, updates })).toMatchObject({
      enabled: false,
      reason: expect.stringContaining('updates.url'),
    });
    expect(updatePolicy({ host: 'electron', packaged: true, updates: { enabled: true } }).enabled).toBe(false);
  });

  it('refuses at start a managed file whose update address is not an https folder', () => {
    for (const url of [
      'http://maj.exemple.fr/',
      'https://user:secret@maj.exemple.fr/',
      'https://maj.exemple.fr/?canal=beta',
      'pas une adresse',
    ]) {
      expect(() => configWith({ updates: { url } }), url).toThrow(/updates\.url/);
    }
    expect(() => configWith({ updates: { enabled: 'non' } })).toThrow(/updates\.enabled/);
    expect(() => configWith({ updates: { stagingPercentage: 10 } })).toThrow(/updates/);
  });
});
