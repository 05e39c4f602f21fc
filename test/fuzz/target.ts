/**
 * A fuzz target: one parser that reads outside input, its corpus of real
 * samples, the fast-check arbitrary that mutates them or makes new ones, and
 * `run`, which feeds one input to the parser.
 *
 * A case passes when `run` returns (any result) or throws the typed French
 * refusal (a CabinetError with a message); anything else — another
 * exception, a hang past the time bound, a memory blow-up — is a failure.
 */
import type fc from 'fast-check';
import { CabinetError, errorCodes } from '../../shared/contract/outcome.js';

/** Inputs are bytes or plain JSON (so a reproducer can be written to a file and read back). */
export type FuzzInput = Buffer | FuzzJson;
export type FuzzJson = string | number | boolean | null | FuzzJson[] | { [key: string]: FuzzJson };

export interface FuzzTarget<I extends FuzzInput = FuzzInput> {
  name: string;
  /** What the target parses, for the table. */
  parser: string;
  /** Real samples: the repository's test data and ../shared/reference. */
  corpus(): Promise<I[]> | I[];
  /** Mutations of the corpus and generated inputs. */
  arbitrary(corpus: readonly I[]): fc.Arbitrary<I>;
  /** Feeds one input to the parser; throws whatever the parser throws. */
  run(input: I): Promise<unknown> | unknown;
  /** Per case, default 10 s (2 shared cores: generous; a real hang still ends there). */
  timeoutMs?: number;
  /** Closes what the target opened (worker threads, servers). */
  close?(): Promise<void> | void;
}

export type CaseVerdict = { kind: 'result' } | { kind: 'refusal'; code: string } | { kind: 'failure'; error: string };

const frenchCodes = new Set<string>(errorCodes);

/** A refusal is a CabinetError with a known code and a non-empty message; everything else thrown is a failure. */
export function classify(error: unknown): CaseVerdict {
  if (error instanceof CabinetError && frenchCodes.has(error.code) && error.message.trim() !== '' && error.code !== 'INTERNAL')
    return { kind: 'refusal', code: error.code };
  const text = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : `non-Error thrown: ${String(error)}`;
  return { kind: 'failure', error: text.slice(0, 4000) };
}

export async function runCase<I extends FuzzInput>(target: FuzzTarget<I>, input: I): Promise<CaseVerdict> {
  try {
    await target.run(input);
    return { kind: 'result' };
  } catch (error) {
    return classify(error);
  }
}
