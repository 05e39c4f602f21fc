import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/support/fixtures.js';
import { electronBinary, MISSING_ELECTRON_MESSAGE } from './electron-binary.js';

describe('npm start: the Electron binary', () => {
  it('explains in French what to do when the binary was not downloaded', () => {
    const dir = tempDir();
    expect(electronBinary(dir, {})).toEqual({ ok: false, message: MISSING_ELECTRON_MESSAGE });
    expect(MISSING_ELECTRON_MESSAGE).toMatch(/npm run web/);
    // path.txt written but the download failed: still missing.
    fs.writeFileSync(path.join(dir, 'path.txt'), 'electron');
    expect(electronBinary(dir, {}).ok).toBe(false);
  });

  it('finds the downloaded binary, or the one ELECTRON_OVERRIDE_DIST_PATH points at', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'path.txt'), 'electron');
    fs.mkdirSync(path.join(dir, 'dist'));
    fs.writeFileSync(path.join(dir, 'dist', 'electron'), '');
    expect(electronBinary(dir, {})).toEqual({ ok: true, file: path.join(dir, 'dist', 'electron') });
    const other = tempDir();
    fs.writeFileSync(path.join(other, 'electron'), '');
    expect(electronBinary(tempDir(), { ELECTRON_OVERRIDE_DIST_PATH: other })).toEqual({ ok: true, file: path.join(other, 'electron') });
  });
});
