/** How every CLI command answers: French text, or the typed outcome as JSON with --json. */
import { Option } from 'commander';
import { fail, toFailure, type DetailsOf, type Failure } from '../../shared/contract/outcome.js';

export interface Printer {
  json: boolean;
}

export class CommandFailed extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

/** Runs a command body; prints its result; sets the exit code (0 ok, 1 failure). */
export async function run<T>(printer: Printer, body: () => Promise<{ value: T; ok?: boolean; text: string }>): Promise<void> {
  try {
    const { value, ok = true, text } = await body();
    if (printer.json)
      process.stdout.write(
        `${JSON.stringify(ok ? { ok: true, value } : fail('CHECK_FAILED', text.split('\n')[0], value as DetailsOf<'CHECK_FAILED'>), null, 2)}\n`,
      );
    else process.stdout.write(`${text}\n`);
    process.exitCode = ok ? 0 : 1;
  } catch (error) {
    const failure = error instanceof CommandFailed ? error.failure : toFailure(error);
    if (printer.json) process.stdout.write(`${JSON.stringify(failure, null, 2)}\n`);
    else process.stderr.write(`Erreur : ${failure.message}\n`);
    if (failure.code === 'INTERNAL' && process.env.CABINET_DEBUG) console.error(error);
    process.exitCode = 1;
  }
}

export function jsonOption(): Option {
  return new Option('--json', 'réponse au format JSON');
}
