import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/support/fixtures.js';
import { createDiagnostics } from './diagnostics.js';

describe('diagnostics log', () => {
  it('records unexpected errors as JSON lines, secrets redacted', () => {
    const dir = tempDir();
    const echoed: string[] = [];
    const diagnostics = createDiagnostics(dir, (line) => echoed.push(line));
    diagnostics.error('audit.list', new TypeError('boom Authorization: Bearer abc.def'));
    const lines = fs.readFileSync(path.join(dir, 'logs', 'diagnostic.log'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as { where: string; name: string; message: string; stack: string };
    expect(entry).toMatchObject({ where: 'audit.list', name: 'TypeError' });
    expect(entry.message).not.toContain('abc.def');
    expect(echoed[0]).toContain('erreur interne (audit.list)');
  });
});
