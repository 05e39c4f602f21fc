import { describe, expect, it } from 'vitest';
import {
  attachmentProblem,
  base64ToBytes,
  bytesToBase64,
  contentTypeOf,
  formatSize,
  isPdf,
  MAX_ATTACHMENTS_BYTES,
  safeFilename,
} from './files.js';

describe('attachments', () => {
  it('formats sizes in French', () => {
    expect(formatSize(1)).toBe('1 octet');
    expect(formatSize(812)).toBe('812 octets');
    expect(formatSize(12 * 1024).replace(/\s/g, ' ')).toBe('12 Ko');
    expect(formatSize(1.4 * 1024 * 1024)).toBe('1,4 Mo');
    expect(formatSize(-1)).toBe('taille inconnue');
  });

  it('round-trips base64, even for large buffers', () => {
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 31) % 256);
    const b64 = bytesToBase64(bytes);
    expect(b64).toBe(Buffer.from(bytes).toString('base64'));
    expect(base64ToBytes(b64)).toEqual(bytes);
    expect(() => base64ToBytes('***')).toThrow();
  });

  it('recognises PDFs and cleans file names', () => {
    expect(isPdf('application/pdf', 'x')).toBe(true);
    expect(isPdf('application/octet-stream', 'CR.PDF')).toBe(true);
    expect(isPdf('text/html', 'x.pdf')).toBe(false);
    expect(safeFilename('../../etc/passwd')).toBe('passwd');
    expect(safeFilename('C:\\Users\\a\\compte\u202erendu.pdf')).toBe('compte_rendu.pdf');
    expect(safeFilename('...')).toBe('piece-jointe');
  });

  it('refuses too many, empty or too large attachments', () => {
    const f = (name: string, size: number) => ({ name, size, type: '' });
    expect(attachmentProblem([f('a.pdf', 10)], { count: 0, bytes: 0 })).toBeNull();
    expect(attachmentProblem([f('vide.pdf', 0)], { count: 0, bytes: 0 })).toBe('« vide.pdf » est vide.');
    expect(attachmentProblem([f('a.pdf', 1)], { count: 20, bytes: 0 })).toBe('Au plus 20 pièces jointes par message.');
    expect(attachmentProblem([f('gros.pdf', MAX_ATTACHMENTS_BYTES)], { count: 0, bytes: 0 })).toBeNull();
    expect(attachmentProblem([f('gros.pdf', MAX_ATTACHMENTS_BYTES + 1)], { count: 0, bytes: 0 })).toMatch(/trop volumineuses/);
    expect(attachmentProblem([f('a.pdf', 6 * 1024 * 1024)], { count: 1, bytes: 5 * 1024 * 1024 })).toMatch(/trop volumineuses/);
  });

  it('declares a content type the contract accepts', () => {
    expect(contentTypeOf({ name: 'cr.pdf', size: 1, type: '' })).toBe('application/pdf');
    expect(contentTypeOf({ name: 'x', size: 1, type: 'image/png' })).toBe('image/png');
    expect(contentTypeOf({ name: 'x.bin', size: 1, type: 'weird type' })).toBe('application/octet-stream');
  });
});
