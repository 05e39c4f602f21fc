/**
 * CLI target: `cabinet xdm read|build` with generated arguments and
 * mutated files, through the same commander program (exit override, French
 * usage errors) and the same `run()` printer as the real command. A usage
 * error or a printed French failure is a refusal; an INTERNAL failure or
 * an escaping exception is a failure.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import fc from 'fast-check';
import { registerXdm } from '../../../electron/cli/xdm.js';
import { buildXdm } from '../../../electron/mss/xdm/index.js';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { mutatedBytes } from '../mutate.js';
import type { FuzzJson, FuzzTarget } from '../target.js';

const TESTDATA = path.resolve(import.meta.dirname, '../../../electron/mss/testdata');
/** `argv` (after `cabinet`); `@IN@`, `@CDA@` and `@OUT@` are replaced by temporary files, `files` their content (base64). */
type CliInput = { argv: string[]; files: { in: string; cda: string } };

let dir: string | null = null;
const tmp = () => (dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-fuzz-cli-')));

export const cli: FuzzTarget = {
  name: 'cli',
  parser: 'arguments et fichiers de la CLI (cabinet xdm read|build)',
  corpus: async () => {
    const cda = fs.readFileSync(path.join(TESTDATA, 'cda-cr-consultation.xml'));
    const zip = await buildXdm({ cda: { xml: cda }, now: new Date('2026-03-02T10:00:00Z') });
    const files = { in: zip.toString('base64'), cda: cda.toString('base64') };
    return [
      { argv: ['xdm', 'read', '@IN@', '--json'], files },
      { argv: ['xdm', 'build', '--cda', '@CDA@', '--out', '@OUT@', '--json'], files },
      { argv: ['xdm', 'build', '--cda', '@CDA@', '--pdf', '@IN@', '--out', '@OUT@', '--force', '--json'], files },
    ];
  },
  arbitrary: (corpus) => {
    const samples = corpus as CliInput[];
    const zips = samples.map((s) => Buffer.from(s.files.in, 'base64'));
    const cdas = samples.map((s) => Buffer.from(s.files.cda, 'base64'));
    const word = fc.oneof(
      fc.constantFrom(
        'xdm',
        'read',
        'build',
        '--cda',
        '--pdf',
        '--out',
        '--force',
        '--json',
        '--help',
        '-h',
        '-V',
        '--',
        '-',
        '@IN@',
        '@CDA@',
        '@OUT@',
        '/',
        '/dev/null',
        '/proc/self/mem',
        '.',
        '..',
        '--cda=@CDA@',
        '--out=',
        'inexistant.zip',
        '-x',
      ),
      fc.string({ maxLength: 40 }),
      fc.constantFrom('a'.repeat(5000), '\u0000', 'é', '../'.repeat(50)),
    );
    const argv = fc.oneof(
      fc
        .record({
          sample: fc.nat(),
          edits: fc.array(fc.record({ at: fc.nat(), word, action: fc.constantFrom('insert', 'replace', 'delete') }), { maxLength: 3 }),
        })
        .map(({ sample, edits }) => {
          const a = [...samples[sample % samples.length]!.argv];
          for (const e of edits) {
            const i = e.at % (a.length + 1);
            if (e.action === 'insert') a.splice(i, 0, e.word);
            else if (e.action === 'replace') a[Math.min(i, a.length - 1)] = e.word;
            else a.splice(i, 1);
          }
          return a;
        }),
      fc.array(word, { maxLength: 8 }),
    );
    return fc
      .record({ argv, in: mutatedBytes(zips), cda: mutatedBytes(cdas) })
      .map((r) => ({ argv: r.argv, files: { in: r.in.toString('base64'), cda: r.cda.toString('base64') } }) as unknown as FuzzJson);
  },
  run: async (i) => {
    const input = i as unknown as CliInput;
    const d = fs.mkdtempSync(path.join(tmp(), 'c-'));
    try {
      const files = { '@IN@': path.join(d, 'entree.zip'), '@CDA@': path.join(d, 'document.xml'), '@OUT@': path.join(d, 'sortie.zip') };
      fs.writeFileSync(files['@IN@'], Buffer.from(input.files.in, 'base64'));
      fs.writeFileSync(files['@CDA@'], Buffer.from(input.files.cda, 'base64'));
      // Never let a generated path point outside the case's folder for writes: `--out` values are only the placeholder.
      const argv = input.argv.map((a) =>
        a.replaceAll('@IN@', files['@IN@']).replaceAll('@CDA@', files['@CDA@']).replaceAll('@OUT@', files['@OUT@']),
      );
      const out = argv.findIndex((a) => a === '--out' || a.startsWith('--out='));
      if (out >= 0 && !(argv[out] === '--out' ? argv[out + 1] === files['@OUT@'] : argv[out] === `--out=${files['@OUT@']}`))
        throw new CabinetError('INVALID_REQUEST', 'Cas ignoré : --out hors du dossier du cas.');
      return await runCli(argv);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  },
};

/** Runs the program with stdout/stderr captured; the failure printed with --json (or on stderr) decides the verdict. */
async function runCli(argv: string[]): Promise<string> {
  const program = new Command()
    .name('cabinet')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined });
  registerXdm(program);
  let captured = '';
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const capture = ((chunk: string | Uint8Array) => ((captured += chunk.toString()), true)) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
  const exitCode = process.exitCode;
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) throw new CabinetError('INVALID_REQUEST', `Erreur d’utilisation : ${error.code}`);
    throw error;
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
    process.exitCode = exitCode;
  }
  const failure = /"ok": false[\s\S]*?"code": "(\w+)",\s*"message": "((?:[^"\\]|\\.)*)"/.exec(captured);
  if (failure) {
    if (failure[1] === 'INTERNAL') throw new Error(`Sortie INTERNAL de la CLI : ${captured.slice(0, 2000)}`);
    throw new CabinetError(failure[1] as 'INVALID_REQUEST', JSON.parse(`"${failure[2]}"`) as string);
  }
  if (/^Erreur : /m.test(captured)) {
    if (captured.includes('Une erreur inattendue')) throw new Error(`Erreur inattendue de la CLI : ${captured.slice(0, 2000)}`);
    throw new CabinetError('INVALID_REQUEST', captured.slice(0, 300));
  }
  return captured;
}
