import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInputFile } from './files.js';

const MiB = 1024 * 1024;

describe('readInputFile', () => {
  it('reads a file within the bound', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-files-'));
    const file = path.join(dir, 'a.xml');
    fs.writeFileSync(file, 'contenu');
    expect(readInputFile(file, MiB, 'Document CDA').toString()).toBe('contenu');
    fs.rmSync(dir, { recursive: true });
  });

  it('refuses in French a missing file, a folder and a file over the bound', () => {
    expect(() => readInputFile('/nulle/part.xml', MiB, 'Document CDA')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringContaining('introuvable') }),
    );
    expect(() => readInputFile(os.tmpdir(), MiB, 'Archive')).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringContaining('n’est pas un fichier') }),
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-files-'));
    fs.writeFileSync(path.join(dir, 'gros.zip'), Buffer.alloc(MiB + 1));
    expect(() => readInputFile(path.join(dir, 'gros.zip'), MiB, 'Archive')).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringContaining('trop volumineux') }),
    );
    fs.rmSync(dir, { recursive: true });
  });

  // Found by `npm run fuzz` (cli, seed 20261208, case 8813): `xdm build --cda /proc/self/mem` ended in INTERNAL.
  it.skipIf(process.platform !== 'linux')(
    'a file that cannot be read (/proc/self/mem: EIO) or lies about its size (/proc: 0) is refused in French, bounded',
    () => {
      expect(() => readInputFile('/proc/self/mem', MiB, 'Document CDA')).toThrow(
        expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringContaining('illisible') }),
      );
      // /proc/self/maps says 0 bytes but holds more than 16 bytes: the bound holds while reading.
      expect(fs.statSync('/proc/self/maps').size).toBe(0);
      expect(() => readInputFile('/proc/self/maps', 16, 'PDF')).toThrow(
        expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringContaining('trop volumineux') }),
      );
    },
  );
});
