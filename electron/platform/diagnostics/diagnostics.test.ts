import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/support/fixtures.js';
import { testServices } from '../../../test/support/services.js';
import { traceDirWarning } from '../trace/trace.js';
import { createDiagnostics } from './diagnostics.js';

describe('diagnostics log', () => {
  it('records unexpected errors as JSON lines, secrets redacted', () => {
    const dir = tempDir();
    const echoed: string[] = [];
    const diagnostics = createDiagnostics(dir, (line) => echoed.push(line));
    diagnostics.error('audit.list', new TypeError('boom Authorization: Bearer abc.def'));
    const lines = fs
      .readFileSync(path.join(dir, 'logs', 'diagnostic.log'), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as { where: string; name: string; message: string; stack: string };
    expect(entry).toMatchObject({ where: 'audit.list', name: 'TypeError' });
    expect(entry.message).not.toContain('abc.def');
    expect(echoed[0]).toContain('erreur interne (audit.list)');
  });
});

describe('CABINET_TRACE_DIR warning', () => {
  it('is written to the diagnostics log and echoed, as a warning naming the patient data in clear', () => {
    const dir = tempDir();
    const echoed: string[] = [];
    createDiagnostics(dir, (line) => echoed.push(line)).warn('trace', traceDirWarning('/tmp/traces'));
    const entry = JSON.parse(fs.readFileSync(path.join(dir, 'logs', 'diagnostic.log'), 'utf8').trim()) as {
      level: string;
      where: string;
      message: string;
    };
    expect(entry).toMatchObject({ level: 'warn', where: 'trace' });
    expect(entry.message).toMatch(/\/tmp\/traces.*en clair des données de patients \(INS, noms, prénoms, dates de naissance\)/);
    expect(echoed).toEqual([`[cabinet] attention (trace) : ${entry.message}`]);
  });

  it('is given at every start of the services while the variable is set, and not otherwise', async () => {
    const traces = tempDir();
    const write = process.stderr.write.bind(process.stderr);
    const stderr: string[] = [];
    process.stderr.write = ((chunk: string) => stderr.push(String(chunk)) > 0) as typeof process.stderr.write;
    let withTrace: Awaited<ReturnType<typeof testServices>> | undefined;
    let without: Awaited<ReturnType<typeof testServices>> | undefined;
    try {
      withTrace = await testServices({ CABINET_TRACE_DIR: traces });
      without = await testServices();
    } finally {
      process.stderr.write = write;
      await withTrace?.dispose();
      await without?.dispose();
    }
    const warnings = stderr.filter((line) => line.includes('attention (trace)'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(traces);
    expect(fs.readFileSync(withTrace!.diagnostics.file, 'utf8')).toMatch(/"level":"warn","where":"trace"/);
    expect(fs.existsSync(without!.diagnostics.file)).toBe(false);
  });
});
